//! resultJSON and AuthKey JSON parsing: vendor quirks accepted, hostile input refused with its
//! documented status.

use soter_verify::{AuthKeyJson, ErrorKind, ResultJson};

const BASE: &str = r#""raw":"c","fid":"1","counter":7,"tee_n":"T","tee_v":"1","fp_n":"F","fp_v":"2","cpu_id":"cpu","uid":"u""#;

fn parse(s: &str) -> Result<ResultJson, ErrorKind> {
    ResultJson::parse(s.as_bytes()).map_err(|e| e.kind())
}

#[test]
fn vendor_quirks_are_accepted() {
    let r = parse(&format!("{{{BASE},\"bo_t\":\"line1\nline2\",\"path\":\"a\\/b\"}}")).unwrap();
    assert_eq!(r.extra_field("bo_t"), Some("\"line1\nline2\""));
    assert_eq!(r.extra_field("path"), Some("\"a\\/b\""), "raw text is kept as sent");
    let r = parse(r#"{"raw":"c\/d","counter":1,"cpu_id":"x","uid":10115,"fid":2313170}"#).unwrap();
    assert_eq!((r.raw.as_str(), r.uid.as_str(), r.fid.as_str()), ("c/d", "10115", "2313170"));
    let r = parse(&format!("{{\"fc_n\":\"face\",{BASE},\"fc_v\":3,\"rsa_pss_saltlen\":32}}")).unwrap();
    assert_eq!(r.extra.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["fc_n", "fc_v"]);
    assert_eq!(r.rsa_pss_saltlen, Some(32));
    let r = parse(r#"{"raw":"c","counter":1,"cpu_id":"x","uid":"u"}"#).unwrap();
    assert_eq!((r.fid.as_str(), r.fp_n.as_str()), ("", ""), "optional fields read as empty");
    let r = parse(&format!(" \r\n{{ {BASE} }}\n ")).unwrap();
    assert_eq!(r.counter, 7);
}

#[test]
fn hostile_input_table() {
    let obj = |body: String| format!("{{{body}}}");
    let deep = |n: usize| format!("{{{BASE},\"x\":{}{}}}", "[".repeat(n), "]".repeat(n));
    let rows: Vec<(&str, String, Result<(), ErrorKind>)> = vec![
        ("nested 100 000 levels", deep(100_000), Err(ErrorKind::InputTooLarge)),
        ("nested 20 levels", deep(20), Err(ErrorKind::InvalidJson)),
        ("nested 10 levels", deep(10), Ok(())),
        ("counter with 10 000 digits", format!("{{\"raw\":\"c\",\"counter\":{},\"cpu_id\":\"x\",\"uid\":\"u\"}}", "9".repeat(10_000)), Err(ErrorKind::InvalidJson)),
        ("extra number with 10 000 digits", format!("{{{BASE},\"n\":{}}}", "9".repeat(10_000)), Ok(())),
        ("NaN", format!("{{{BASE},\"n\":NaN}}"), Err(ErrorKind::InvalidJson)),
        ("negative counter", obj(BASE.replace("\"counter\":7", "\"counter\":-7")), Err(ErrorKind::InvalidJson)),
        ("overflowing counter", obj(BASE.replace("\"counter\":7", "\"counter\":18446744073709551616")), Err(ErrorKind::InvalidJson)),
        ("fractional counter", obj(BASE.replace("\"counter\":7", "\"counter\":7.0")), Err(ErrorKind::InvalidJson)),
        ("counter as a string", obj(BASE.replace("\"counter\":7", "\"counter\":\"7\"")), Err(ErrorKind::InvalidJson)),
        ("trailing garbage", format!("{{{BASE}}}x"), Err(ErrorKind::InvalidJson)),
        ("two objects", format!("{{{BASE}}}{{}}"), Err(ErrorKind::InvalidJson)),
        ("UTF-8 BOM", format!("\u{feff}{{{BASE}}}"), Err(ErrorKind::InvalidJson)),
        ("duplicate known field", format!("{{{BASE},\"raw\":\"d\"}}"), Err(ErrorKind::DuplicateField)),
        ("duplicate unknown field", format!("{{{BASE},\"z\":1,\"z\":2}}"), Err(ErrorKind::DuplicateField)),
        ("key differing only by escapes", format!("{{{BASE},\"r\\u0061w\":\"d\"}}"), Err(ErrorKind::DuplicateField)),
        ("embedded NUL byte", format!("{{{BASE},\"z\":\"a\0b\"}}"), Err(ErrorKind::InvalidJson)),
        ("escaped NUL", format!("{{{BASE},\"z\":\"a\\u0000b\"}}"), Err(ErrorKind::InvalidJson)),
        ("lone surrogate", format!("{{{BASE},\"z\":\"\\udc00\"}}"), Err(ErrorKind::InvalidJson)),
        ("missing raw", obj(BASE.replace("\"raw\":\"c\",", "")), Err(ErrorKind::InvalidJson)),
        ("raw is a number", obj(BASE.replace("\"raw\":\"c\"", "\"raw\":5")), Err(ErrorKind::InvalidJson)),
        ("not an object", "[1,2]".into(), Err(ErrorKind::InvalidJson)),
        ("empty", String::new(), Err(ErrorKind::InvalidInput)),
        ("truncated", format!("{{{BASE}").chars().take(40).collect(), Err(ErrorKind::InvalidJson)),
        ("saltlen out of range", format!("{{{BASE},\"rsa_pss_saltlen\":100000}}"), Err(ErrorKind::InvalidJson)),
        ("16 MiB", format!("{{{BASE},\"z\":\"{}\"}}", "a".repeat(16 << 20)), Err(ErrorKind::InputTooLarge)),
    ];
    for (row, input, want) in rows {
        let got = parse(&input).map(|_| ());
        assert_eq!(got, want, "row: {row}");
    }
    assert_eq!(ResultJson::parse(b"{\"raw\":\"\xff\"}").unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn auth_key_json() {
    let a = AuthKeyJson::parse(br#"{"pub_key":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----","cpu_id":"c","counter":240,"uid":"10115","x":1}"#).unwrap();
    assert!(a.pub_key.contains("\nMIIB\n"));
    assert_eq!((a.counter, a.uid.as_str(), a.extra.len()), (240, "10115", 1));
    assert_eq!(AuthKeyJson::parse(br#"{"cpu_id":"c","counter":1,"uid":"u"}"#).unwrap_err().kind(), ErrorKind::InvalidJson);
    // Debug output of an AuthKey does not dump the key text.
    assert!(!format!("{a:?}").contains("MIIB"));
}
