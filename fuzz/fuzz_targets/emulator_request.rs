//! The emulator's HTTP/1.1 request reader over arbitrary bytes: requests read one after another
//! as on a keep-alive connection (pipelined, Content-Length and chunked bodies), until the end of
//! the input or an error. Invariants: no panic, no endless loop, the size limits hold, and the
//! admin guard admits only loopback hosts and (for anything but GET) JSON bodies.
#![no_main]

use std::io::{BufReader, Cursor};

use libfuzzer_sys::fuzz_target;
use soter_verify::emulator::fuzzing::{read_request, MAX_BODY, MAX_HEADER};

fuzz_target!(|data: &[u8]| {
    // A small buffer, so that reads straddle buffer refills as on a socket.
    let mut r = BufReader::with_capacity(64, Cursor::new(data));
    let mut requests = 0usize;
    let mut before = 0u64;
    loop {
        match read_request(&mut r) {
            Ok(Some(req)) => {
                requests += 1;
                let after = r.get_ref().position() - r.buffer().len() as u64;
                let consumed = (after - before) as usize;
                assert!(consumed > 0, "a request that consumed no input");
                before = after;
                assert!(req.body.len() <= MAX_BODY);
                assert!(req.method.len() + req.path.len() <= MAX_HEADER);
                // Head and trailers share MAX_HEADER; each chunk adds its body bytes and at most
                // one size line (1024) and a CRLF.
                assert!(consumed <= MAX_HEADER + req.body.len() * (1 + 1024 + 2) + 1024 + 2, "{consumed}");
                assert!(requests <= data.len());
                if !req.admin_refused {
                    let host = req.host.as_deref().unwrap_or("");
                    assert!(loopback(host), "admitted host {host:?}");
                    if req.method != "GET" {
                        let ct = req.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
                        assert!(ct.trim_start().starts_with("application/json"), "admitted content type {ct:?}");
                    }
                }
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
});

/// An independent reading of "this Host header names loopback": bracketed IPv6 or a name/IPv4
/// with an optional numeric port; 127.0.0.0/8, ::1 or localhost.
fn loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inner, tail)) if tail.is_empty() || (tail.starts_with(':') && tail[1..].bytes().all(|b| b.is_ascii_digit())) => inner,
            Some((inner, _)) => inner,
            None => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
