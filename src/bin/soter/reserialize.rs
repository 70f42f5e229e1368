//! The usual ways a JSON document gets re-serialized on its way to a server (a framework parses
//! the request and writes it out again), so that `soter inspect` can tell "the key did not sign
//! these bytes" from "the key signed this JSON, written differently".
//!
//! Works on tokens, not on a parsed tree: numbers and literals keep their exact text, strings are
//! decoded and written again under each escaping rule, and member order is kept. What is tried:
//! - layouts: compact (`{"a":1,"b":2}`), spaced (`{"a": 1, "b": 2}`, Python's default), pretty
//!   with 2 spaces (JSON.stringify, Gson), with 4 spaces (Python `indent=4`), and Jackson's pretty
//!   printer (2 spaces, `" : "`);
//! - escapes: minimal, `\/` for every slash (PHP, some Java libraries), non-ASCII as `\uXXXX`
//!   (Python's default), and both (PHP's default);
//! - member order: as given, and the order SOTER devices write (resultJSON: raw, fid, counter,
//!   tee_n, tee_v, fp_n, fp_v, cpu_id, uid, rsa_pss_saltlen; AuthKey export: pub_key, cpu_id,
//!   counter, uid), other members after them in the given order. Any other order cannot be
//!   recovered in general (n members have n! orders), so none is guessed.

/// One lexical token of the input.
#[derive(Clone)]
enum Tok<'a> {
    /// `{ } [ ] : ,`
    Punct(u8),
    /// A string, decoded; or its exact source text when it does not decode (a vendor quirk such
    /// as a literal newline), which is then written back unchanged.
    Str(Result<String, &'a str>),
    /// A number, `true`, `false` or `null`, exactly as written.
    Atom(&'a str),
}

fn lex(text: &str) -> Option<Vec<Tok<'_>>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            c @ (b'{' | b'}' | b'[' | b']' | b':' | b',') => {
                out.push(Tok::Punct(c));
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return None;
                }
                i += 1;
                let src = &text[start..i];
                out.push(Tok::Str(serde_json::from_str::<String>(src).map_err(|_| src)));
            }
            _ => {
                let start = i;
                while i < b.len() && !b" \t\r\n{}[]:,\"".contains(&b[i]) {
                    i += 1;
                }
                out.push(Tok::Atom(&text[start..i]));
            }
        }
    }
    Some(out)
}

/// How strings are escaped.
#[derive(Clone, Copy)]
struct Escapes {
    slash: bool,
    ascii: bool,
}

fn write_str(out: &mut String, s: &str, e: Escapes) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if e.slash => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (e.ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// How tokens are laid out.
#[derive(Clone, Copy)]
struct Layout {
    /// None: one line; Some(n): one member or element per line, indented by n spaces per level.
    indent: Option<usize>,
    colon: &'static str,
    comma: &'static str,
}

fn write(toks: &[Tok<'_>], layout: Layout, e: Escapes) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = layout.indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    };
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct(c @ (b'{' | b'[')) => {
                out.push(*c as char);
                depth += 1;
                // Empty containers stay `{}` / `[]` in every pretty printer.
                if !matches!(toks.get(i + 1), Some(Tok::Punct(b'}' | b']'))) {
                    newline(&mut out, depth);
                }
            }
            Tok::Punct(c @ (b'}' | b']')) => {
                depth = depth.saturating_sub(1);
                if !matches!(toks.get(i.wrapping_sub(1)), Some(Tok::Punct(b'{' | b'['))) {
                    newline(&mut out, depth);
                }
                out.push(*c as char);
            }
            Tok::Punct(b':') => out.push_str(layout.colon),
            Tok::Punct(_) => {
                out.push_str(layout.comma);
                newline(&mut out, depth);
            }
            Tok::Str(Ok(s)) => write_str(&mut out, s, e),
            Tok::Str(Err(src)) | Tok::Atom(src) => out.push_str(src),
        }
    }
    out
}

/// The order SOTER devices write their documents in.
const RESULT_ORDER: [&str; 10] = ["raw", "fid", "counter", "tee_n", "tee_v", "fp_n", "fp_v", "cpu_id", "uid", "rsa_pss_saltlen"];
const AUTH_KEY_ORDER: [&str; 4] = ["pub_key", "cpu_id", "counter", "uid"];

/// The top-level members in the order SOTER devices write them, or None when that is the given
/// order already (or the document is not a flat-enough object to split).
fn soter_order<'a>(toks: &[Tok<'a>]) -> Option<Vec<Tok<'a>>> {
    if !matches!(toks.first(), Some(Tok::Punct(b'{'))) || !matches!(toks.last(), Some(Tok::Punct(b'}'))) {
        return None;
    }
    // Split the members at the commas of depth 1.
    let mut members: Vec<&[Tok<'a>]> = Vec::new();
    let (mut depth, mut start) = (0usize, 1usize);
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct(b'{' | b'[') => depth += 1,
            Tok::Punct(b'}' | b']') => {
                depth -= 1;
                if depth == 0 && i > start {
                    members.push(&toks[start..i]);
                }
            }
            Tok::Punct(b',') if depth == 1 => {
                members.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let name = |m: &[Tok<'_>]| match m.first() {
        Some(Tok::Str(Ok(s))) => Some(s.clone()),
        _ => None,
    };
    let names: Vec<Option<String>> = members.iter().map(|m| name(m)).collect();
    let order: &[&str] = if names.iter().any(|n| n.as_deref() == Some("pub_key")) { &AUTH_KEY_ORDER } else { &RESULT_ORDER };
    let rank = |n: &Option<String>| n.as_deref().and_then(|n| order.iter().position(|o| *o == n)).unwrap_or(order.len());
    let mut idx: Vec<usize> = (0..members.len()).collect();
    idx.sort_by_key(|&i| rank(&names[i])); // stable: unknown members keep their order
    if idx.iter().enumerate().all(|(a, b)| a == *b) {
        return None;
    }
    let mut out = vec![Tok::Punct(b'{')];
    for (n, &i) in idx.iter().enumerate() {
        if n > 0 {
            out.push(Tok::Punct(b','));
        }
        out.extend_from_slice(members[i]);
    }
    out.push(Tok::Punct(b'}'));
    Some(out)
}

/// What the diagnosis says was tried.
pub const TRIED: &str = "compact, spaced, pretty (2 and 4 spaces, Jackson's), with and without \\/ and \\uXXXX escapes, \
                         members as given and in SOTER's order";

/// Every re-serialization of `json` listed in the module docs that differs from it, each with a
/// description ("compact, \/ escapes"). Empty when the bytes are not a JSON text.
pub fn variants(json: &[u8]) -> Vec<(String, Vec<u8>)> {
    let text = std::str::from_utf8(json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json)).ok();
    let Some(toks) = text.and_then(lex) else { return Vec::new() };
    if toks.is_empty() {
        return Vec::new();
    }
    let layouts = [
        ("compact", Layout { indent: None, colon: ":", comma: "," }),
        ("spaced", Layout { indent: None, colon: ": ", comma: ", " }),
        ("pretty with 2 spaces", Layout { indent: Some(2), colon: ": ", comma: "," }),
        ("pretty with 4 spaces", Layout { indent: Some(4), colon: ": ", comma: "," }),
        ("Jackson's pretty printer", Layout { indent: Some(2), colon: " : ", comma: "," }),
    ];
    let escapes = [
        ("", Escapes { slash: false, ascii: false }),
        (", \\/ escapes", Escapes { slash: true, ascii: false }),
        (", non-ASCII as \\uXXXX", Escapes { slash: false, ascii: true }),
        (", \\/ and \\uXXXX escapes", Escapes { slash: true, ascii: true }),
    ];
    let mut orders = vec![("", toks.clone())];
    if let Some(o) = soter_order(&toks) {
        orders.push((", members in SOTER's order", o));
    }
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for (oname, toks) in &orders {
        for (lname, layout) in layouts {
            for (ename, e) in escapes {
                let bytes = write(toks, layout, e).into_bytes();
                if bytes != json && !out.iter().any(|(_, b)| *b == bytes) {
                    out.push((format!("{lname}{ename}{oname}"), bytes));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(v: &'a [(String, Vec<u8>)], what: &str) -> &'a str {
        let (_, b) = v.iter().find(|(n, _)| n == what).unwrap_or_else(|| panic!("no variant {what}"));
        std::str::from_utf8(b).unwrap()
    }

    #[test]
    fn the_usual_layouts_and_escapes() {
        let v = variants("{\"raw\": \"a/b\", \"n\": [1, 2.50], \"e\": {}, \"t\": \"é\"}".as_bytes());
        assert_eq!(find(&v, "compact"), "{\"raw\":\"a/b\",\"n\":[1,2.50],\"e\":{},\"t\":\"é\"}");
        assert_eq!(find(&v, "compact, \\/ escapes"), "{\"raw\":\"a\\/b\",\"n\":[1,2.50],\"e\":{},\"t\":\"é\"}");
        assert_eq!(find(&v, "compact, \\/ and \\uXXXX escapes"), "{\"raw\":\"a\\/b\",\"n\":[1,2.50],\"e\":{},\"t\":\"\\u00e9\"}");
        assert_eq!(
            find(&v, "pretty with 2 spaces"),
            "{\n  \"raw\": \"a/b\",\n  \"n\": [\n    1,\n    2.50\n  ],\n  \"e\": {},\n  \"t\": \"é\"\n}"
        );
        assert!(find(&v, "Jackson's pretty printer").starts_with("{\n  \"raw\" : \"a/b\","));
        // The input itself (spaced, minimal escapes) is not among the variants.
        assert!(!v.iter().any(|(n, _)| n == "spaced"));
    }

    #[test]
    fn soter_order_and_escapes_are_decoded_first() {
        let v = variants(b"{\"uid\":\"1\",\"raw\":\"c\\/d\",\"x\":1,\"counter\":2}");
        assert_eq!(find(&v, "compact, members in SOTER's order"), "{\"raw\":\"c/d\",\"counter\":2,\"uid\":\"1\",\"x\":1}");
        let v = variants(b"{\"cpu_id\":\"c\",\"pub_key\":\"-----BEGIN\\nX\"}");
        assert_eq!(find(&v, "compact, members in SOTER's order"), "{\"pub_key\":\"-----BEGIN\\nX\",\"cpu_id\":\"c\"}");
    }

    #[test]
    fn not_json_gives_nothing() {
        assert!(variants(b"\"unterminated").is_empty());
        assert!(variants(b"\xff\xfe").is_empty());
        assert!(variants(b"").is_empty());
    }
}
