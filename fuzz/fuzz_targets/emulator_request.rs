//! The emulator's HTTP/1.1 request reader over arbitrary bytes: requests read one after another
//! as on a keep-alive connection (pipelined, Content-Length and chunked bodies), until the end of
//! the input or an error. Invariants: no panic, no endless loop, the size limits hold.
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
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
});
