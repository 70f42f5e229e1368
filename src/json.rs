//! A small JSON reader for the documents TEEs sign. It exists instead of serde_json because
//! those documents need what general parsers refuse or lose: literal control characters inside
//! strings (vendor quirk), each top-level value's exact source text, member order, and a duplicate
//! check on *decoded* names (`"r\u0061w"` is `raw`). It never re-serializes anything.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::error::{Error, ErrorKind, Result};

/// Signed documents are small; anything larger is refused before parsing.
pub const MAX_DOCUMENT: usize = 64 * 1024;
/// Nesting bound (the top-level object is depth 1). SOTER documents are flat.
pub const MAX_DEPTH: usize = 16;
/// Bound on top-level members (a resultJSON has about a dozen; vendors add a few).
pub const MAX_MEMBERS: usize = 256;

/// Members the parse makes room for at first (see `parse_object`).
const MEMBERS_ROOM: usize = 12;
const _: () = assert!(MEMBERS_ROOM * std::mem::size_of::<Member>() < 1000);
// result_json keeps a bit per member in u64 words.
const _: () = assert!(MAX_MEMBERS % 64 == 0);

/// Below this many members, a new name is compared with each earlier one instead of hashed.
const LINEAR_NAMES: usize = 24;

/// A top-level member: decoded name, the value's exact source text, and its scalar reading.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub name: Cow<'a, str>,
    pub raw: &'a str,
    pub value: Value<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Decoded; borrowed from the input when it has no escapes (the common case: no allocation).
    String(Cow<'a, str>),
    /// The number's source text (JSON grammar checked).
    Number(&'a str),
    Bool(bool),
    Null,
    /// Objects and arrays: only their raw text is kept.
    Compound,
}

/// Parse a document that must be one JSON object; refuse duplicate top-level names.
pub fn parse_object<'a>(input: &'a [u8], what: &str) -> Result<Vec<Member<'a>>> {
    parse_object_named(input, what, &[], &mut [])
}

/// A member whose name was known in advance: its value's source text and scalar reading.
pub type Known<'a> = Option<(&'a str, Value<'a>)>;

/// [`parse_object`], with the members named in `names` put in `known` (at the name's index, all
/// `None` on entry) as they are read, and every other member returned in document order: the
/// typed documents (a resultJSON) find their fields without a search per field, and a known name
/// is checked for a duplicate by its slot (other names are compared with the other names only:
/// a known name never equals one of them). `known` is the caller's, filled in place: moving
/// slots out would copy them.
pub fn parse_object_named<'a, const N: usize>(
    input: &'a [u8],
    what: &str,
    names: &[&str; N],
    known: &mut [Known<'a>; N],
) -> Result<Vec<Member<'a>>> {
    if input.len() > MAX_DOCUMENT {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            format!("the {what} is {} bytes; at most {MAX_DOCUMENT} are accepted", input.len()),
        ));
    }
    if input.is_empty() {
        return Err(Error::input(format!("the {what} is empty")));
    }
    if input.starts_with(b"\xEF\xBB\xBF") {
        return Err(Error::json(format!("the {what} starts with a UTF-8 byte order mark")));
    }
    let text = std::str::from_utf8(input).map_err(|e| {
        Error::input(format!("the {what} is not valid UTF-8 (at byte {})", e.valid_up_to()))
    })?;
    let mut p = Parser { s: text.as_bytes(), text, pos: 0, what };
    p.ws();
    if p.peek() != Some(b'{') {
        return Err(*p.err("must be a JSON object"));
    }
    p.pos += 1;
    // Untyped objects: room for a dozen members, kept under 1 KiB: glibc's malloc serves larger
    // blocks from its large bins and first consolidates its fast bins, which cost a parse a
    // tenth of its time. Typed ones rarely have other members: no allocation until one comes.
    let mut other: Vec<Member<'a>> = if N == 0 { Vec::with_capacity(MEMBERS_ROOM) } else { Vec::new() };
    let mut count = 0usize;
    // Other names seen so far: the duplicate check compares with the earlier ones while there
    // are few (cheaper than hashing), then is one hash lookup per member (linear overall); the
    // member count is bounded, so hostile documents cost what genuine ones cost per byte.
    let mut seen: Option<HashSet<Cow<'a, str>>> = None;
    p.ws();
    if p.peek() == Some(b'}') {
        p.pos += 1;
    } else {
        loop {
            p.ws();
            if p.peek() != Some(b'"') {
                return Err(*p.err("expected a field name"));
            }
            let name = p.string().map_err(|e| *e)?;
            p.ws();
            p.expect(b':').map_err(|e| *e)?;
            p.ws();
            let start = p.pos;
            let value = p.value(2).map_err(|e| *e)?;
            let raw = &text[start..p.pos];
            if count == MAX_MEMBERS {
                return Err(Error::new(
                    ErrorKind::InputTooLarge,
                    format!("the {what} has more than {MAX_MEMBERS} fields"),
                ));
            }
            count += 1;
            let slot = names.iter().position(|n| same_name(n, &name));
            let duplicate = match (slot, &mut seen) {
                (Some(i), _) => known[i].is_some(),
                (None, None) if other.len() < LINEAR_NAMES => other.iter().any(|m| m.name == name),
                (None, None) => {
                    let mut set: HashSet<Cow<'a, str>> = other.iter().map(|m| m.name.clone()).collect();
                    let fresh = set.insert(name.clone());
                    seen = Some(set);
                    !fresh
                }
                (None, Some(set)) => !set.insert(name.clone()),
            };
            if duplicate {
                return Err(Error::new(
                    ErrorKind::DuplicateField,
                    format!("the {what} has the field \"{}\" twice", printable(&name)),
                ));
            }
            match slot {
                Some(i) => known[i] = Some((raw, value)),
                None => other.push(Member { name, raw, value }),
            }
            p.ws();
            match p.next() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(*p.err_at(p.pos.saturating_sub(1), "expected ',' or '}'")),
            }
        }
    }
    p.ws();
    if p.pos != p.s.len() {
        return Err(*p.err("has data after the closing '}'"));
    }
    Ok(other)
}

/// `a == b`, with the first and last bytes compared first: the known names of one document
/// mostly differ there (`tee_n`, `tee_v`; `raw`, `uid`).
#[inline(always)]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Names are short: a byte loop, not a `memcmp` call, for the match itself.
    a.len() == b.len() && (a.is_empty() || (a[0] == b[0] && a[a.len() - 1] == b[b.len() - 1] && a.iter().zip(b).all(|(x, y)| x == y)))
}

/// The index of the first `"`, `\\` or NUL in `s` (else `s.len()`). Names and values are mostly
/// under 64 bytes: eight bytes at a time with word arithmetic finds their end sooner than
/// memchr's setup; what is left after 64 bytes goes on with memchr.
fn string_end(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A high bit for each zero byte of `x`, exact up to the first one (borrows only run upwards).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while i + 8 <= s.len().min(64) {
        let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
        let hits = zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | zero(w);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i < 64 {
        // Fewer than eight bytes left.
        return i + s[i..].iter().position(|&b| matches!(b, b'"' | b'\\' | 0)).unwrap_or(s.len() - i);
    }
    memchr::memchr3(b'"', b'\\', 0, &s[i..]).map_or(s.len(), |j| i + j)
}

/// A field name fit for an error message: short, no control characters.
pub(crate) fn printable(name: &str) -> String {
    let mut s: String = name.chars().take(40).map(|c| if c.is_control() { '?' } else { c }).collect();
    if name.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// The parser's own result: its error boxed, so that every `Ok` it returns (a string, a value)
/// is moved as a few words rather than as large as an `Error`.
type PResult<T> = std::result::Result<T, Box<Error>>;

struct Parser<'a, 'w> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    what: &'w str,
}

impl<'a, 'w> Parser<'a, 'w> {
    fn err(&self, msg: &str) -> Box<Error> {
        self.err_at(self.pos, msg)
    }
    fn err_at(&self, pos: usize, msg: &str) -> Box<Error> {
        Box::new(Error::json(format!("the {} is not valid JSON: {msg} (at byte {pos})", self.what)))
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.pos += b.is_some() as usize;
        b
    }
    fn expect(&mut self, b: u8) -> PResult<()> {
        if self.next() == Some(b) {
            Ok(())
        } else {
            Err(self.err_at(self.pos.saturating_sub(1), &format!("expected '{}'", b as char)))
        }
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> PResult<Value<'a>> {
        match self.peek() {
            Some(b'"') => self.string().map(Value::String),
            Some(b'{') | Some(b'[') => {
                if depth > MAX_DEPTH {
                    return Err(Box::new(Error::json(format!(
                        "the {} nests deeper than {MAX_DEPTH} levels",
                        self.what
                    ))));
                }
                self.compound(depth)?;
                Ok(Value::Compound)
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
            None => Err(self.err("ends in the middle of a value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> PResult<Value<'a>> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn compound(&mut self, depth: usize) -> PResult<()> {
        let close = if self.next() == Some(b'{') { b'}' } else { b']' };
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if close == b'}' {
                if self.peek() != Some(b'"') {
                    return Err(self.err("expected a field name"));
                }
                self.string()?;
                self.ws();
                self.expect(b':')?;
                self.ws();
            }
            self.value(depth + 1)?;
            self.ws();
            match self.next() {
                Some(b',') => continue,
                Some(c) if c == close => return Ok(()),
                _ => return Err(self.err_at(self.pos.saturating_sub(1), "expected ',' or a closing bracket")),
            }
        }
    }

    fn number(&mut self) -> PResult<Value<'a>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("malformed number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("malformed number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("malformed number"));
            }
            self.digits();
        }
        Ok(Value::Number(&self.text[start..self.pos]))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    /// A string starting at the opening quote; returns it decoded. Literal control characters
    /// other than NUL are kept as they are (devices put raw newlines in strings).
    #[inline(always)]
    fn string(&mut self) -> PResult<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        self.pos = start + string_end(&self.s[start..]);
        if self.peek() == Some(b'"') {
            self.pos += 1;
            return Ok(Cow::Borrowed(&self.text[start..self.pos - 1]));
        }
        // Escapes (or an error) ahead: decode into an owned string from the start.
        self.pos = start;
        let mut out = String::new();
        loop {
            let start = self.pos;
            self.pos = memchr::memchr3(b'"', b'\\', 0, &self.s[start..]).map_or(self.s.len(), |i| start + i);
            out.push_str(&self.text[start..self.pos]);
            match self.next() {
                Some(b'"') => return Ok(Cow::Owned(out)),
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.err_at(self.pos - 1, "a string contains a NUL byte")),
                None => return Err(self.err("a string is not closed")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> PResult<()> {
        let c = match self.next() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let hi = self.hex4()?;
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    if !self.s[self.pos..].starts_with(b"\\u") {
                        return Err(self.err("a \\u escape is an unpaired surrogate"));
                    }
                    self.pos += 2;
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(self.err("a \\u escape is an unpaired surrogate"));
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else if (0xDC00..0xE000).contains(&hi) {
                    return Err(self.err("a \\u escape is an unpaired surrogate"));
                } else {
                    hi
                };
                if cp == 0 {
                    return Err(self.err("a string contains an escaped NUL (\\u0000)"));
                }
                char::from_u32(cp).ok_or_else(|| self.err("invalid \\u escape"))?
            }
            _ => return Err(self.err_at(self.pos.saturating_sub(1), "invalid escape")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> PResult<u32> {
        let h = self.s.get(self.pos..self.pos + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
        let h = std::str::from_utf8(h).ok().filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit()));
        let v = h.and_then(|t| u32::from_str_radix(t, 16).ok()).ok_or_else(|| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(input: &str) -> Vec<String> {
        parse_object(input.as_bytes(), "doc").unwrap().into_iter().map(|m| m.name.into_owned()).collect()
    }

    #[test]
    fn string_end_finds_the_first_stop_byte_at_every_position() {
        // Every length across the word loop, the tail and the memchr part; the stop byte (or
        // none) at every position, after bytes that the word arithmetic could confuse with one.
        let fillers = [b'a', 0x01, 0x80, 0xFF, b'"' + 1, b'\\' - 1, 0x21, 0x5B];
        for len in 0..=80usize {
            for at in 0..=len {
                for stop in [b'"', b'\\', 0] {
                    let mut s: Vec<u8> = (0..len).map(|i| fillers[(i + len) % fillers.len()]).collect();
                    if at < len {
                        s[at] = stop;
                        // Later stop bytes must not win.
                        for j in at + 1..len {
                            if j % 3 == 0 {
                                s[j] = b'"';
                            }
                        }
                    }
                    let want = s.iter().position(|&b| matches!(b, b'"' | b'\\' | 0)).unwrap_or(len);
                    assert_eq!(string_end(&s), want, "len {len} at {at} stop {stop:#x}: {s:?}");
                }
            }
        }
    }

    #[test]
    fn keeps_order_and_raw_text() {
        let m = parse_object(br#" {"b": [1, {"x":2}], "a":"x\/y", "n": -1.5e3 ,"t":true} "#, "doc").unwrap();
        assert_eq!(m.iter().map(|m| &*m.name).collect::<Vec<_>>(), ["b", "a", "n", "t"]);
        assert_eq!(m[0].raw, r#"[1, {"x":2}]"#);
        assert_eq!(m[1].value, Value::String("x/y".into()));
        assert_eq!(m[1].raw, r#""x\/y""#);
        assert_eq!(m[2].value, Value::Number("-1.5e3"));
    }

    #[test]
    fn accepts_literal_newlines_and_unicode() {
        let m = parse_object("{\"a\":\"line1\nline2\",\"b\":\"\\u4e2d\\ud83d\\ude00\"}".as_bytes(), "doc").unwrap();
        assert_eq!(m[0].value, Value::String("line1\nline2".into()));
        assert_eq!(m[1].value, Value::String("中😀".into()));
        assert_eq!(names("{}"), Vec::<String>::new());
    }

    #[test]
    fn refuses_duplicates_even_through_escapes() {
        let e = parse_object(br#"{"raw":"a","r\u0061w":"b"}"#, "doc").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DuplicateField);
    }

    #[test]
    fn duplicates_are_found_before_and_after_the_switch_to_hashing() {
        let doc = |names: &[usize]| {
            let body: Vec<String> = names.iter().map(|i| format!("\"f{i}\":{i}")).collect();
            format!("{{{}}}", body.join(","))
        };
        let distinct: Vec<usize> = (0..3 * LINEAR_NAMES).collect();
        assert_eq!(parse_object(doc(&distinct).as_bytes(), "doc").unwrap().len(), 3 * LINEAR_NAMES);
        // The second name of the pair comes at each position around LINEAR_NAMES and well past it.
        for at in [1, LINEAR_NAMES - 1, LINEAR_NAMES, LINEAR_NAMES + 1, 2 * LINEAR_NAMES] {
            for first in [0, at - 1] {
                let mut names: Vec<usize> = (0..at).collect();
                names.push(first);
                names.extend(at..at + 5);
                let e = parse_object(doc(&names).as_bytes(), "doc").unwrap_err();
                assert_eq!(e.kind(), ErrorKind::DuplicateField, "f{first} again at {at}");
            }
        }
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":01}", "{\"a\":NaN}",
            "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"x\0\"}", "\u{feff}{}",
            "{\"a\":tru}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":\"open}",
        ] {
            assert!(parse_object(bad.as_bytes(), "doc").is_err(), "{bad:?} should fail");
        }
        assert_eq!(parse_object(b"\xff{}", "doc").unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn limits_are_inclusive() {
        // Exactly MAX_DOCUMENT bytes parse; one more does not.
        let head = "{\"a\":\"";
        let doc = format!("{head}{}\"}}", "x".repeat(MAX_DOCUMENT - head.len() - 2));
        assert_eq!(doc.len(), MAX_DOCUMENT);
        assert!(parse_object(doc.as_bytes(), "doc").is_ok());
        let doc = format!("{head}{}\"}}", "x".repeat(MAX_DOCUMENT - head.len() - 1));
        assert_eq!(parse_object(doc.as_bytes(), "doc").unwrap_err().kind(), ErrorKind::InputTooLarge);
        // Exactly MAX_MEMBERS members parse; one more does not.
        let members = |n: usize| format!("{{{}}}", (0..n).map(|i| format!("\"m{i}\":{i}")).collect::<Vec<_>>().join(","));
        assert_eq!(parse_object(members(MAX_MEMBERS).as_bytes(), "doc").unwrap().len(), MAX_MEMBERS);
        let e = parse_object(members(MAX_MEMBERS + 1).as_bytes(), "doc").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InputTooLarge);
        assert!(e.message().contains("256 fields"), "{}", e.message());
        // Nested members do not count.
        let nested = format!("{{\"a\":{}}}", members(MAX_MEMBERS + 10));
        assert_eq!(parse_object(nested.as_bytes(), "doc").unwrap().len(), 1);
    }

    #[test]
    fn escapes_decode_exactly() {
        let m = parse_object(br#"{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u4e2d\ud7ff\ue000\udbff\udfff\ud800\udc00"}"#, "doc").unwrap();
        assert_eq!(m[0].value, Value::String("\"\\/\u{8}\u{c}\n\r\tA\u{e9}\u{4e2d}\u{d7ff}\u{e000}\u{10ffff}\u{10000}".into()));
        for bad in [r#"{"s":"\udc00"}"#, r#"{"s":"\ud800\u0041"}"#, r#"{"s":"\ud800x"}"#, r#"{"s":"\udfff"}"#, r#"{"s":"\ud800\ue000"}"#,
                    r#"{"s":"\u12"}"#, r#"{"s":"\u12g4"}"#, r#"{"s":"\u+123"}"#, r#"{"s":"\a"}"#] {
            assert_eq!(parse_object(bad.as_bytes(), "doc").unwrap_err().kind(), ErrorKind::InvalidJson, "{bad}");
        }
        // Names decode too, and a name with escapes is compared decoded.
        let m = parse_object(br#"{"\u0061b":1,"c\n":2}"#, "doc").unwrap();
        assert_eq!((&*m[0].name, &*m[1].name), ("ab", "c\n"));
        assert!(matches!(m[0].name, Cow::Owned(_)));
        let m = parse_object(br#"{"plain":"text"}"#, "doc").unwrap();
        assert!(matches!(m[0].name, Cow::Borrowed(_)) && matches!(&m[0].value, Value::String(Cow::Borrowed(_))));
    }

    #[test]
    fn numbers_and_literals_follow_the_grammar() {
        for good in ["0", "-0", "1", "-12", "1.5", "0.0e+1", "1E-2", "10e10", "-0.001"] {
            let doc = format!("{{\"n\":{good}}}");
            let m = parse_object(doc.as_bytes(), "doc").unwrap();
            assert_eq!(m[0].value, Value::Number(good), "{good}");
            assert_eq!(m[0].raw, good);
        }
        for bad in ["01", "-", "1.", ".5", "1e", "1e+", "+1", "0x1", "1.2.3", "--1", "-a"] {
            let doc = format!("{{\"n\":{bad}}}");
            assert!(parse_object(doc.as_bytes(), "doc").is_err(), "{bad}");
        }
        let m = parse_object(b"{\"t\":true,\"f\":false,\"z\":null,\"o\":{},\"a\":[]}", "doc").unwrap();
        let v: Vec<_> = m.iter().map(|m| m.value.clone()).collect();
        assert_eq!(v, [Value::Bool(true), Value::Bool(false), Value::Null, Value::Compound, Value::Compound]);
        for bad in ["{\"t\":tru}", "{\"t\":nul}", "{\"t\":fals}", "{\"t\":True}"] {
            assert!(parse_object(bad.as_bytes(), "doc").is_err(), "{bad}");
        }
    }

    #[test]
    fn whitespace_and_structure() {
        let m = parse_object(b" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , { \"b\" : 2 } ] \t\r\n, \"c\" : \"d\" \n} \r\n\t", "doc").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].raw, "[ 1 , { \"b\" : 2 } ]");
        for bad in ["{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":[1 2]}", "{\"a\":{\"b\" 1}}", "{\"a\":{1:2}}", "{a:1}", "{\"a\":[1,]}",
                    "{\"a\":{\"b\":1,}}", "{\"a\":[}", "{\"a\":{]}", "\u{0c}{}", "{\"a\":[1}", "{\"a\":{\"b\":1]}",
                    "{\"a\":[1,2}}"] {
            assert!(parse_object(bad.as_bytes(), "doc").is_err(), "{bad:?}");
        }
        assert_eq!(parse_object(b"{}", "doc").unwrap().len(), 0);
        assert_eq!(parse_object(b" { } ", "doc").unwrap().len(), 0);
        assert_eq!(parse_object(b"{\"a\":[[],{}]}", "doc").unwrap()[0].raw, "[[],{}]");
    }

    #[test]
    fn errors_say_where() {
        let e = parse_object(b"{\"a\":1 x", "doc").unwrap_err();
        assert!(e.message().contains("at byte 7"), "{}", e.message());
        let e = parse_object(b"{\"a\":x}", "doc").unwrap_err();
        assert!(e.message().contains("at byte 5") && e.message().contains("expected a value"), "{}", e.message());
        let e = parse_object(b"{\"a\":1} z", "doc").unwrap_err();
        assert!(e.message().contains("at byte 8") && e.message().contains("after the closing"), "{}", e.message());
        let e = parse_object(b"{\"a\":\"\\q\"}", "doc").unwrap_err();
        assert!(e.message().contains("at byte 7") && e.message().contains("invalid escape"), "{}", e.message());
        let e = parse_object(b"{\"a\" 1}", "doc").unwrap_err();
        assert!(e.message().contains("at byte 5") && e.message().contains("expected ':'"), "{}", e.message());
        let e = parse_object(b"{\"a\":\"x\0\"}", "doc").unwrap_err();
        assert!(e.message().contains("at byte 7") && e.message().contains("NUL"), "{}", e.message());
        let e = parse_object(b"{\"a\":[1 2]}", "doc").unwrap_err();
        assert!(e.message().contains("at byte 8"), "{}", e.message());
        let e = parse_object(b"{\"a\":\"open", "doc").unwrap_err();
        assert!(e.message().contains("not closed"), "{}", e.message());
        let e = parse_object(b"\xef\xbb\xbf{}", "doc").unwrap_err();
        assert!(e.message().contains("byte order mark"));
        let e = parse_object(b"{\"a\":1,\"\xff\":2}", "doc").unwrap_err();
        assert!(e.message().contains("at byte 8"), "{}", e.message());
    }

    #[test]
    fn printable_names_are_short_and_clean() {
        assert_eq!(printable("raw"), "raw");
        assert_eq!(printable("a\nb\u{7f}c"), "a?b?c");
        let long = "x".repeat(40);
        assert_eq!(printable(&long), long);
        let longer = "y".repeat(41);
        assert_eq!(printable(&longer), format!("{}…", "y".repeat(40)));
        let e = parse_object(format!("{{\"{longer}\":1,\"{longer}\":2}}").as_bytes(), "doc").unwrap_err();
        assert!(e.message().contains(&format!("{}…", "y".repeat(40))), "{}", e.message());
    }

    #[test]
    fn bounds_depth_and_size() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_object(deep.as_bytes(), "doc").unwrap_err().kind(), ErrorKind::InputTooLarge);
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(20), "]".repeat(20));
        assert_eq!(parse_object(deep.as_bytes(), "doc").unwrap_err().kind(), ErrorKind::InvalidJson);
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse_object(ok.as_bytes(), "doc").is_ok());
    }
}
