//! A small HTTP/1.1 server on std::net: keep-alive, Content-Length and chunked request bodies,
//! and the hooks the emulator needs (count connections, drop one without answering).
//!
//! Bounded everywhere a peer could hold it: request head and body sizes (here), a deadline for a
//! whole request once its first byte arrived and an idle timeout between requests
//! ([`DeadlineStream`]), and a connection cap (in the accept loop of `mod.rs`).
//!
//! Kept hand-written rather than replaced by a server crate: tiny_http has no per-connection read
//! timeout or connection cap to configure, and hyper would bring an async runtime into a library
//! that Python and Java load, for a test server. What a test server needs fits in this file and is
//! fuzzed (fuzz/fuzz_targets/emulator_request.rs).

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub(crate) const MAX_HEADER: usize = 16 * 1024;
pub(crate) const MAX_BODY: usize = 1 << 20;

pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub close: bool,
    /// The Host header, if any (the admin API accepts loopback hosts only).
    pub host: Option<String>,
    /// The Content-Type header, if any.
    pub content_type: Option<String>,
    /// The `Wechatmp-*` headers (API security mode), names lower case; at most 16 are kept.
    pub wechatmp: Vec<(String, String)>,
}

impl Request {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub(crate) enum Response {
    Json(u16, String),
    /// A JSON answer with extra header lines (each ending in CRLF): API security's sealed answers.
    JsonWith(u16, String, String),
    Text(u16, String),
    /// Close the connection without answering.
    Drop,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

fn read_line<R: BufRead>(r: &mut R, budget: &mut usize) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = r.by_ref().take(*budget as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(bad("header too large"));
    }
    *budget -= n;
    while line.last() == Some(&b'\n') || line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map(Some).map_err(|_| bad("header is not UTF-8"))
}

/// Read one request; Ok(None) on a clean end of stream between requests.
pub(crate) fn read_request<R: BufRead>(r: &mut R) -> io::Result<Option<Request>> {
    let mut budget = MAX_HEADER;
    let line = loop {
        match read_line(r, &mut budget)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().ok_or_else(|| bad("no request target"))?.to_owned();
    let version = parts.next().unwrap_or("HTTP/1.0");
    let mut close = version == "HTTP/1.0";
    let mut content_length = 0usize;
    let mut chunked = false;
    let mut host = None;
    let mut content_type = None;
    let mut wechatmp = Vec::new();
    loop {
        let h = read_line(r, &mut budget)?.ok_or_else(|| bad("end of stream in headers"))?;
        if h.is_empty() {
            break;
        }
        let Some((name, value)) = h.split_once(':') else { return Err(bad("bad header")) };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => content_length = value.parse().map_err(|_| bad("bad content-length"))?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "host" => host = Some(value.to_owned()),
            "content-type" => content_type = Some(value.to_owned()),
            n if n.starts_with("wechatmp-") && wechatmp.len() < 16 => wechatmp.push((n.to_owned(), value.to_owned())),
            "connection" => {
                let v = value.to_ascii_lowercase();
                if v.contains("close") {
                    close = true;
                } else if v.contains("keep-alive") {
                    close = false;
                }
            }
            _ => {}
        }
    }
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let mut b = 1024;
            let size_line = read_line(r, &mut b)?.ok_or_else(|| bad("end of stream in chunk"))?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                // Trailers: ignored, but they share what is left of the header budget.
                loop {
                    match read_line(r, &mut budget)? {
                        Some(l) if !l.is_empty() => continue,
                        _ => break,
                    }
                }
                break;
            }
            // `size` comes from the peer: compare without overflowing (16 hex digits wrap).
            if size > MAX_BODY - body.len() {
                return Err(bad("body too large"));
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf)?;
        }
        body
    } else {
        if content_length > MAX_BODY {
            return Err(bad("body too large"));
        }
        let mut body = vec![0u8; content_length];
        r.read_exact(&mut body)?;
        body
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), parse_query(q)),
        None => (target, Vec::new()),
    };
    Ok(Some(Request { method, path, query, body, close, host, content_type, wechatmp }))
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'+' {
            out.push(b' ');
        } else if c == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        503 => "Service Unavailable",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

pub(crate) fn write_response(w: &mut TcpStream, code: u16, content_type: &str, body: &[u8], close: bool, extra: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {}\r\n{extra}\r\n",
        reason(code),
        body.len(),
        if close { "close" } else { "keep-alive" }
    );
    let mut buf = head.into_bytes();
    buf.extend_from_slice(body);
    w.write_all(&buf)?;
    w.flush()
}

/// A socket whose reads fail with `TimedOut` once `deadline` has passed, however the peer
/// trickles bytes (a per-read timeout alone lets one byte every few seconds hold a connection).
pub(crate) struct DeadlineStream {
    stream: TcpStream,
    deadline: Instant,
}

impl DeadlineStream {
    pub(crate) fn new(stream: TcpStream) -> DeadlineStream {
        DeadlineStream { stream, deadline: Instant::now() }
    }

    /// Reads from now on must complete within `limit`.
    pub(crate) fn expire_in(&mut self, limit: Duration) {
        self.deadline = Instant::now() + limit;
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the peer was too slow"));
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<io::Result<Option<Request>>> {
        let mut r = io::Cursor::new(bytes);
        let mut out = Vec::new();
        loop {
            let got = read_request(&mut r);
            let more = matches!(got, Ok(Some(_)));
            out.push(got);
            if !more {
                return out;
            }
        }
    }

    #[test]
    fn chunk_sizes_that_would_overflow_are_refused() {
        // A first chunk, then one of 2^64-1 bytes: body.len() + size used to wrap, pass the cap,
        // and panic slicing the body.
        let req = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nffffffffffffffff\r\nb\r\n0\r\n\r\n";
        let got = read_all(req);
        assert!(matches!(&got[0], Err(e) if e.to_string().contains("too large")), "{:?}", got[0].as_ref().err());
    }

    #[test]
    fn pipelined_and_chunked_requests() {
        let bytes = b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\nPOST /c HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi";
        let got = read_all(bytes);
        assert_eq!(got.len(), 4);
        let r: Vec<Request> = got.into_iter().filter_map(|g| g.unwrap()).collect();
        assert_eq!((r[0].path.as_str(), r[0].query("x"), r[0].close), ("/a", Some("1"), false));
        assert_eq!((r[1].path.as_str(), &r[1].body[..]), ("/b", &b"abc"[..]));
        assert_eq!((r[2].path.as_str(), &r[2].body[..], r[2].close), ("/c", &b"hi"[..], true));
    }

    #[test]
    fn endless_trailers_hit_the_header_budget() {
        let mut req = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec();
        for _ in 0..2000 {
            req.extend_from_slice(b"X-Trailer: 0123456789\r\n");
        }
        let got = read_all(&req);
        assert!(matches!(&got[0], Err(e) if e.to_string().contains("header too large")));
    }

    #[test]
    fn host_and_content_type_are_kept() {
        let got = read_all(b"POST /a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        let r = got.into_iter().next().unwrap().unwrap().unwrap();
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
    }

    #[test]
    fn query_decoding() {
        let q = parse_query("a=1&b=%E5%BC%A0+x&c=%zz&d=%4");
        assert_eq!(q[0], ("a".into(), "1".into()));
        assert_eq!(q[1], ("b".into(), "张 x".into()));
        assert_eq!(q[2], ("c".into(), "%zz".into()));
        assert_eq!(q[3], ("d".into(), "%4".into()));
    }
}
