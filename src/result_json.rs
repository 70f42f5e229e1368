//! Typed views of the two JSON documents a SOTER TEE signs: the resultJSON of one
//! authentication and the AuthKey export. Parsing never feeds verification: signatures are always
//! checked over the bytes as received.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, Result};
use crate::json::{self, printable, Member, Value};

/// One authentication result (`resultJSON` of `wx.startSoterAuthentication`).
#[derive(Clone, PartialEq, Eq)]
pub struct ResultJson {
    /// The challenge the server issued (signed by the TEE).
    pub raw: String,
    /// Fingerprint/face id within the device ("" when absent).
    pub fid: String,
    /// The AuthKey's use counter.
    pub counter: u64,
    pub tee_n: String,
    pub tee_v: String,
    pub fp_n: String,
    pub fp_v: String,
    pub cpu_id: String,
    pub uid: String,
    /// Salt length the device used, when it says so (Huawei: 32).
    pub rsa_pss_saltlen: Option<u32>,
    /// Every other field, in order, as (name, exact JSON source text of the value).
    pub extra: Vec<(String, String)>,
}

/// The AuthKey export: `{"pub_key": PEM, "cpu_id", "counter", "uid", ...}`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthKeyJson {
    pub pub_key: String,
    pub cpu_id: String,
    pub counter: u64,
    pub uid: String,
    pub extra: Vec<(String, String)>,
}

/// A document's typed fields, read by name (each at most once), and its other members.
struct Fields<'a, const N: usize> {
    names: &'static [&'static str; N],
    known: [json::Known<'a>; N],
    other: Vec<Member<'a>>,
    what: &'static str,
}

impl<'a, const N: usize> Fields<'a, N> {
    /// Ready to parse a document, setting apart the members named in `names` (every name a
    /// caller takes). Filled in place by [`Fields::parse`]: returning it filled would copy it.
    fn new(what: &'static str, names: &'static [&'static str; N]) -> Self {
        Fields { names, known: std::array::from_fn(|_| None), other: Vec::new(), what }
    }

    fn parse(&mut self, input: &'a [u8]) -> Result<()> {
        self.other = json::parse_object_named(input, self.what, self.names, &mut self.known)?;
        Ok(())
    }

    /// Take a field's value (each field is read once). Inlined: `name` is a literal and `names`
    /// a constant, so the search is folded away.
    #[inline(always)]
    fn take(&mut self, name: &str) -> Option<Value<'a>> {
        let i = self.names.iter().position(|n| json::same_name(n, name)).expect("a typed field is one of the names parsed");
        self.known[i].take().map(|(_, value)| value)
    }

    fn missing(&self, name: &str) -> Error {
        Error::json(format!("the {} has no \"{name}\" field", self.what))
    }

    fn wrong(&self, name: &str, expected: &str) -> Error {
        Error::json(format!("the {} field \"{name}\" must be {expected}", self.what))
    }

    /// A string field; `numbers_ok` also accepts an integer (uid and fid arrive both ways).
    fn text(&mut self, name: &str, required: bool, numbers_ok: bool) -> Result<String> {
        self.text_ref(name, required, numbers_ok).map(Cow::into_owned)
    }

    /// [`Fields::text`], borrowed from the input when it has no escapes.
    fn text_ref(&mut self, name: &str, required: bool, numbers_ok: bool) -> Result<Cow<'a, str>> {
        let what = if numbers_ok { "a string or an integer" } else { "a string" };
        match self.take(name) {
            None if required => Err(self.missing(name)),
            None => Ok(Cow::Borrowed("")),
            Some(Value::String(s)) => Ok(s),
            Some(Value::Number(n)) if numbers_ok && n.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Ok(Cow::Borrowed(n)),
            Some(_) => Err(self.wrong(name, what)),
        }
    }

    fn counter(&mut self) -> Result<u64> {
        match self.take("counter") {
            None => Err(self.missing("counter")),
            Some(Value::Number(n)) => parse_u64(n).ok_or_else(|| {
                self.wrong("counter", "a non-negative integer below 2^64")
            }),
            Some(_) => Err(self.wrong("counter", "a number")),
        }
    }

    fn extra(self) -> Vec<(String, String)> {
        self.extra_ref().into_iter().map(|(n, v)| (n.into_owned(), v.to_string())).collect()
    }

    /// The members that are not typed fields, in document order.
    fn extra_ref(self) -> Vec<(Cow<'a, str>, &'a str)> {
        self.other.into_iter().map(|m| (m.name, m.raw)).collect()
    }
}

/// The typed fields of each document (every name its parse takes).
const RESULT_JSON_FIELDS: [&str; 10] = ["raw", "fid", "counter", "tee_n", "tee_v", "fp_n", "fp_v", "cpu_id", "uid", "rsa_pss_saltlen"];
const AUTH_KEY_FIELDS: [&str; 4] = ["pub_key", "cpu_id", "counter", "uid"];
const ASK_FIELDS: [&str; 5] = ["pub_key", "cpu_id", "uid", "counter", "rsa_pss_saltlen"];

fn parse_u64(n: &str) -> Option<u64> {
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.len() > 20 {
        return None;
    }
    n.parse().ok()
}

fn saltlen(value: &Value) -> Option<u32> {
    let s = match value {
        Value::Number(n) => *n,
        Value::String(s) => s.as_ref(),
        _ => return None,
    };
    parse_u64(s).filter(|&v| v <= 4096 / 8).map(|v| v as u32)
}

/// A [`ResultJson`] borrowing its texts from the input where it can: what the C ABI's packed
/// parse copies out, without an allocation per field.
pub(crate) struct ResultJsonRef<'a> {
    pub raw: Cow<'a, str>,
    pub fid: Cow<'a, str>,
    pub counter: u64,
    pub tee_n: Cow<'a, str>,
    pub tee_v: Cow<'a, str>,
    pub fp_n: Cow<'a, str>,
    pub fp_v: Cow<'a, str>,
    pub cpu_id: Cow<'a, str>,
    pub uid: Cow<'a, str>,
    pub rsa_pss_saltlen: Option<u32>,
    pub extra: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> ResultJsonRef<'a> {
    /// As [`ResultJson::parse`] (which is this, then owned copies).
    pub(crate) fn parse(input: &'a [u8]) -> Result<ResultJsonRef<'a>> {
        let mut f = Fields::new("resultJSON", &RESULT_JSON_FIELDS);
        f.parse(input)?;
        let rsa_pss_saltlen = match f.take("rsa_pss_saltlen") {
            None => None,
            Some(v) => Some(saltlen(&v).ok_or_else(|| f.wrong("rsa_pss_saltlen", "an integer from 0 to 512"))?),
        };
        Ok(ResultJsonRef {
            raw: f.text_ref("raw", true, false)?,
            fid: f.text_ref("fid", false, true)?,
            counter: f.counter()?,
            tee_n: f.text_ref("tee_n", false, false)?,
            tee_v: f.text_ref("tee_v", false, true)?,
            fp_n: f.text_ref("fp_n", false, false)?,
            fp_v: f.text_ref("fp_v", false, true)?,
            cpu_id: f.text_ref("cpu_id", true, false)?,
            uid: f.text_ref("uid", true, true)?,
            rsa_pss_saltlen,
            extra: f.extra_ref(),
        })
    }

    pub(crate) fn into_owned(self) -> ResultJson {
        let r = self;
        ResultJson {
            raw: r.raw.into_owned(),
            fid: r.fid.into_owned(),
            counter: r.counter,
            tee_n: r.tee_n.into_owned(),
            tee_v: r.tee_v.into_owned(),
            fp_n: r.fp_n.into_owned(),
            fp_v: r.fp_v.into_owned(),
            cpu_id: r.cpu_id.into_owned(),
            uid: r.uid.into_owned(),
            rsa_pss_saltlen: r.rsa_pss_saltlen,
            extra: r.extra.into_iter().map(|(n, v)| (n.into_owned(), v.to_string())).collect(),
        }
    }
}

impl ResultJson {
    /// Parse a resultJSON (at most 64 KiB, nesting at most 16, no duplicate fields).
    /// Required: raw, counter, cpu_id, uid. Missing optional text fields read as "".
    pub fn parse(input: &[u8]) -> Result<ResultJson> {
        ResultJsonRef::parse(input).map(ResultJsonRef::into_owned)
    }

    /// The exact source text of a field that is not one of the typed ones.
    pub fn extra_field(&self, name: &str) -> Option<&str> {
        self.extra.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl AuthKeyJson {
    /// Parse an AuthKey export (same limits as [`ResultJson::parse`]).
    pub fn parse(input: &[u8]) -> Result<AuthKeyJson> {
        let mut f = Fields::new("AuthKey JSON", &AUTH_KEY_FIELDS);
        f.parse(input)?;
        Ok(AuthKeyJson {
            pub_key: f.text("pub_key", true, false)?,
            cpu_id: f.text("cpu_id", true, false)?,
            counter: f.counter()?,
            uid: f.text("uid", true, true)?,
            extra: f.extra(),
        })
    }
}

/// The device fields of an ASK's signed JSON: the classic ASK export (`pub_key`, `cpu_id`,
/// `counter`, `uid`, like the AuthKey export) or the attestationChallenge of a certificate chain
/// (no `pub_key`). `rsa_pss_saltlen` is kept when present.
pub(crate) struct AskFields {
    pub pub_key: Option<String>,
    pub cpu_id: String,
    pub uid: String,
    pub counter: u64,
    pub rsa_pss_saltlen: Option<u32>,
}

impl AskFields {
    pub(crate) fn parse(input: &[u8], what: &'static str, with_pub_key: bool) -> Result<AskFields> {
        let mut f = Fields::new(what, &ASK_FIELDS);
        f.parse(input)?;
        let rsa_pss_saltlen = match f.take("rsa_pss_saltlen") {
            None => None,
            Some(v) => Some(saltlen(&v).ok_or_else(|| f.wrong("rsa_pss_saltlen", "an integer from 0 to 512"))?),
        };
        let pub_key = if with_pub_key { Some(f.text("pub_key", true, false)?) } else { None };
        Ok(AskFields {
            pub_key,
            cpu_id: f.text("cpu_id", true, false)?,
            uid: f.text("uid", true, true)?,
            counter: f.counter()?,
            rsa_pss_saltlen,
        })
    }
}

/// `rsa_pss_saltlen` of a message, if it is a JSON object that has a usable one (see
/// [`crate::SaltLen::resolve`], the only caller). The value is covered by the signature, so it
/// cannot be forged.
pub(crate) fn signed_salt_len(message: &[u8]) -> Option<usize> {
    // Cheap filter on the hot path, sound for the parser's decoding: the decoded name
    // "rsa_pss_saltlen" appears in the bytes literally, or some name is written with escapes.
    if memchr::memmem::find(message, b"saltlen").is_none() && memchr::memchr(b'\\', message).is_none() {
        return None;
    }
    let mut f = Fields::new("message", &["rsa_pss_saltlen"]);
    f.parse(message).ok()?;
    f.take("rsa_pss_saltlen").and_then(|v| saltlen(&v)).map(|v| v as usize)
}

// Debug shows the fields, which are device data, not secrets; long values are not truncated so
// that logs help diagnosis.
impl fmt::Debug for ResultJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultJson")
            .field("raw", &self.raw)
            .field("fid", &self.fid)
            .field("counter", &self.counter)
            .field("tee_n", &self.tee_n)
            .field("tee_v", &self.tee_v)
            .field("fp_n", &self.fp_n)
            .field("fp_v", &self.fp_v)
            .field("cpu_id", &self.cpu_id)
            .field("uid", &self.uid)
            .field("rsa_pss_saltlen", &self.rsa_pss_saltlen)
            .field("extra", &self.extra.iter().map(|(n, _)| printable(n)).collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for AuthKeyJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthKeyJson")
            .field("cpu_id", &self.cpu_id)
            .field("counter", &self.counter)
            .field("uid", &self.uid)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const SAMPLE: &str = r#"{"raw":"c","fid":"1","counter":7,"tee_n":"T","tee_v":"1","fp_n":"F","fp_v":"2","cpu_id":"cpu","uid":10115,"bo_t":{"x":[1]},"fc_n":"face"}"#;

    #[test]
    fn parses_fields_and_keeps_extras_in_order() {
        let r = ResultJson::parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!((r.raw.as_str(), r.counter, r.uid.as_str()), ("c", 7, "10115"));
        assert_eq!(r.extra, vec![("bo_t".into(), r#"{"x":[1]}"#.into()), ("fc_n".into(), r#""face""#.into())]);
        assert_eq!(r.rsa_pss_saltlen, None);
        assert_eq!(r.extra_field("fc_n"), Some("\"face\""));
    }

    #[test]
    fn counter_rules() {
        let with = |c: &str| ResultJson::parse(format!(r#"{{"raw":"c","counter":{c},"cpu_id":"x","uid":"u"}}"#).as_bytes());
        assert_eq!(with("18446744073709551615").unwrap().counter, u64::MAX);
        for bad in ["18446744073709551616", "-1", "1.5", "1e3", "\"7\"", "null", &"9".repeat(10_000)] {
            assert_eq!(with(bad).unwrap_err().kind(), ErrorKind::InvalidJson, "{bad}");
        }
    }

    fn parse(s: &str) -> std::result::Result<ResultJson, ErrorKind> {
        ResultJson::parse(s.as_bytes()).map_err(|e| e.kind())
    }

    #[test]
    fn field_types() {
        let base = |extra: &str| format!(r#"{{"raw":"c","counter":1,"cpu_id":"x","uid":"u"{extra}}}"#);
        // uid, fid, tee_v, fp_v take integers too; tee_n and fp_n do not; raw and cpu_id must be strings.
        let r = parse(r#"{"raw":"c","counter":1,"cpu_id":"x","uid":10115,"fid":-2,"tee_v":3,"fp_v":4}"#).unwrap();
        assert_eq!((r.uid.as_str(), r.fid.as_str(), r.tee_v.as_str(), r.fp_v.as_str()), ("10115", "-2", "3", "4"));
        assert_eq!(parse(&base(r#","tee_n":1"#)).unwrap_err(), ErrorKind::InvalidJson);
        assert_eq!(parse(&base(r#","fp_n":1"#)).unwrap_err(), ErrorKind::InvalidJson);
        assert_eq!(parse(&base(r#","fid":1.5"#)).unwrap_err(), ErrorKind::InvalidJson);
        assert_eq!(parse(&base(r#","fid":1e3"#)).unwrap_err(), ErrorKind::InvalidJson);
        assert_eq!(parse(&base(r#","fid":true"#)).unwrap_err(), ErrorKind::InvalidJson);
        assert_eq!(parse(r#"{"raw":1,"counter":1,"cpu_id":"x","uid":"u"}"#).unwrap_err(), ErrorKind::InvalidJson);
        assert_eq!(parse(r#"{"raw":"c","counter":1,"cpu_id":2,"uid":"u"}"#).unwrap_err(), ErrorKind::InvalidJson);
        for missing in ["raw", "counter", "cpu_id", "uid"] {
            let doc = r#"{"raw":"c","counter":1,"cpu_id":"x","uid":"u"}"#.replace(&format!("\"{missing}\""), "\"other\"");
            let e = ResultJson::parse(doc.as_bytes()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidJson);
            assert!(e.message().contains(missing), "{}", e.message());
        }
        let r = parse(&base("")).unwrap();
        assert_eq!((r.fid.as_str(), r.tee_n.as_str(), r.fp_n.as_str(), r.extra.len()), ("", "", "", 0));
    }

    #[test]
    fn salt_length_field_rules() {
        let with = |v: &str| parse(&format!(r#"{{"raw":"c","counter":1,"cpu_id":"x","uid":"u","rsa_pss_saltlen":{v}}}"#));
        assert_eq!(with("0").unwrap().rsa_pss_saltlen, Some(0));
        assert_eq!(with("512").unwrap().rsa_pss_saltlen, Some(512));
        assert_eq!(with("\"32\"").unwrap().rsa_pss_saltlen, Some(32));
        for bad in ["513", "-1", "1.5", "\"x\"", "null", "[32]", "99999999999999999999999", "\"+32\"", "\" 32\"", "\"\""] {
            assert_eq!(with(bad).unwrap_err(), ErrorKind::InvalidJson, "{bad}");
        }
        assert!(with("32").unwrap().extra.is_empty(), "rsa_pss_saltlen is typed, not extra");
        assert_eq!(signed_salt_len(br#"{"rsa_pss_saltlen":512}"#), Some(512));
        assert_eq!(signed_salt_len(br#"{"rsa_pss_saltlen":513}"#), None);
        assert_eq!(signed_salt_len(br#"{"a":"\n","b":1}"#), None);
        assert_eq!(signed_salt_len(br#"{"saltlen":32}"#), None);
    }

    /// The fields as the parse found them before it set known members apart while reading (a
    /// search of the member list per field): the oracle for the documents generated below.
    fn by_search(input: &[u8]) -> std::result::Result<String, String> {
        let err = |e: Error| format!("{:?}: {}", e.kind(), e.message());
        let mut members = json::parse_object(input, "resultJSON").map_err(err)?;
        let mut take = |name: &str| members.iter().position(|m| m.name == name).map(|i| members.remove(i).value);
        let missing = |name: &str| format!("InvalidJson: the resultJSON has no \"{name}\" field");
        let wrong = |name: &str, expected: &str| format!("InvalidJson: the resultJSON field \"{name}\" must be {expected}");
        let salt = match take("rsa_pss_saltlen") {
            None => None,
            Some(v) => Some(saltlen(&v).ok_or_else(|| wrong("rsa_pss_saltlen", "an integer from 0 to 512"))?),
        };
        let mut texts = Vec::new();
        for (name, required, numbers_ok) in [("raw", true, false), ("fid", false, true), ("counter", true, false),
            ("tee_n", false, false), ("tee_v", false, true), ("fp_n", false, false), ("fp_v", false, true),
            ("cpu_id", true, false), ("uid", true, true)]
        {
            let text = match (name, take(name)) {
                ("counter", None) => return Err(missing(name)),
                ("counter", Some(Value::Number(n))) => parse_u64(n).ok_or_else(|| wrong(name, "a non-negative integer below 2^64"))?.to_string(),
                ("counter", Some(_)) => return Err(wrong(name, "a number")),
                (_, None) if required => return Err(missing(name)),
                (_, None) => String::new(),
                (_, Some(Value::String(s))) => s.into_owned(),
                (_, Some(Value::Number(n))) if numbers_ok && n.bytes().all(|b| b.is_ascii_digit() || b == b'-') => n.to_string(),
                (_, Some(_)) => return Err(wrong(name, if numbers_ok { "a string or an integer" } else { "a string" })),
            };
            texts.push(text);
        }
        let extra: Vec<String> = members.iter().map(|m| format!("{}={}", m.name, m.raw)).collect();
        Ok(format!("{texts:?} {salt:?} {extra:?}"))
    }

    #[test]
    fn reading_fields_while_parsing_agrees_with_searching_the_members() {
        use rand::{Rng, SeedableRng};
        let names = ["raw", "fid", "counter", "tee_n", "tee_v", "fp_n", "fp_v", "cpu_id", "uid", "rsa_pss_saltlen",
            "r\\u0061w", "\\u0075id", "counte\\u0072", "bo_t", "fc_n", "", "ra", "raww", "Raw", "tee_", "uid2"];
        let values = ["\"c\"", "\"q\\\"x\"", "\"\"", "7", "-2", "0", "1.5", "1e3", "32", "513", "18446744073709551616",
            "\"32\"", "true", "null", "{\"x\":[1]}", "[]", "\"a\\u4e2db\""];
        let mut rng = rand::rngs::StdRng::seed_from_u64(24);
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..30_000 {
            // Mostly the required fields, in a random order, with others (duplicates too).
            let mut members: Vec<String> = Vec::new();
            for (name, value) in [("raw", "\"c\""), ("counter", "7"), ("cpu_id", "\"x\""), ("uid", "10115")] {
                if rng.gen_bool(0.9) {
                    members.push(format!("\"{name}\":{value}"));
                }
            }
            for _ in 0..rng.gen_range(0..8) {
                let (n, v) = (names[rng.gen_range(0..names.len())], values[rng.gen_range(0..values.len())]);
                members.insert(rng.gen_range(0..=members.len()), format!("\"{n}\":{v}"));
            }
            let mut doc = format!("{{{}}}", members.join(","));
            if rng.gen_bool(0.05) {
                doc.remove(rng.gen_range(0..doc.len()));
            }
            let ours = ResultJson::parse(doc.as_bytes())
                .map(|r| {
                    let texts = [r.raw, r.fid, r.counter.to_string(), r.tee_n, r.tee_v, r.fp_n, r.fp_v, r.cpu_id, r.uid];
                    let extra: Vec<String> = r.extra.iter().map(|(n, v)| format!("{n}={v}")).collect();
                    format!("{texts:?} {:?} {extra:?}", r.rsa_pss_saltlen)
                })
                .map_err(|e| format!("{:?}: {}", e.kind(), e.message()));
            assert_eq!(ours, by_search(doc.as_bytes()), "{doc}");
            if ours.is_ok() { accepted += 1 } else { refused += 1 }
        }
        assert!(accepted > 3_000 && refused > 3_000, "both outcomes are exercised: {accepted} accepted, {refused} refused");
    }

    #[test]
    fn counters_parse_exactly() {
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64("018446744073709551615"), None);
        assert_eq!(parse_u64("00000000000000000001"), Some(1));
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64("1a"), None);
        assert_eq!(parse_u64("+5"), None, "str::parse would take it");
        assert_eq!(parse_u64(" 5"), None);
    }

    #[test]
    fn auth_key_json_and_debug() {
        let ak = AuthKeyJson::parse(br#"{"pub_key":"PEM","cpu_id":"cpu","counter":5,"uid":7,"extra":[1]}"#).unwrap();
        assert_eq!((ak.pub_key.as_str(), ak.cpu_id.as_str(), ak.counter, ak.uid.as_str()), ("PEM", "cpu", 5, "7"));
        assert_eq!(ak.extra, vec![("extra".to_string(), "[1]".to_string())]);
        assert_eq!(AuthKeyJson::parse(br#"{"cpu_id":"c","counter":5,"uid":"u"}"#).unwrap_err().kind(), ErrorKind::InvalidJson);
        assert_eq!(AuthKeyJson::parse(br#"{"pub_key":"P","counter":5,"uid":"u"}"#).unwrap_err().kind(), ErrorKind::InvalidJson);
        assert_eq!(AuthKeyJson::parse(br#"{"pub_key":"P","cpu_id":"c","uid":"u"}"#).unwrap_err().kind(), ErrorKind::InvalidJson);
        assert_eq!(AuthKeyJson::parse(br#"{"pub_key":"P","cpu_id":"c","counter":1}"#).unwrap_err().kind(), ErrorKind::InvalidJson);
        let d = format!("{ak:?}");
        assert!(d.contains("cpu") && d.contains("counter: 5") && !d.contains("PEM"), "{d}");
        let r = ResultJson::parse(SAMPLE.as_bytes()).unwrap();
        let d = format!("{r:?}");
        for part in ["raw: \"c\"", "counter: 7", "cpu_id: \"cpu\"", "uid: \"10115\"", "tee_n: \"T\"", "fp_v: \"2\"", "bo_t", "fc_n"] {
            assert!(d.contains(part), "{part} in {d}");
        }
        assert!(!d.contains("face"), "extra values are not printed: {d}");
        assert_eq!(r.extra_field("bo_t"), Some(r#"{"x":[1]}"#));
        assert_eq!(r.extra_field("raw"), None);
        assert_eq!(r.extra_field("nope"), None);
    }

    #[test]
    fn signed_salt_len_follows_the_parser() {
        assert_eq!(signed_salt_len(br#"{"raw":"c","rsa_pss_saltlen":32}"#), Some(32));
        assert_eq!(signed_salt_len(br#"{"raw":"c","rsa_pss_saltlen":"32"}"#), Some(32));
        assert_eq!(signed_salt_len(br#"{"raw":"c"}"#), None);
        assert_eq!(signed_salt_len(b"not json saltlen"), None);
        // What the parser decodes, the rule sees: escaped names and leading whitespace.
        assert_eq!(signed_salt_len(br#"{"raw":"c","rsa_pss_salt\u006cen":32}"#), Some(32));
        assert_eq!(signed_salt_len(br#"{"raw":"c","\u0072sa_pss_saltlen":32}"#), Some(32));
        assert_eq!(signed_salt_len(b" \n{\"rsa_pss_saltlen\":32}"), Some(32));
        let parsed = ResultJson::parse(br#" {"raw":"c","counter":1,"cpu_id":"x","uid":"u","rsa_pss_salt\u006cen":32}"#).unwrap();
        assert_eq!(parsed.rsa_pss_saltlen, Some(32));
    }
}
