#![no_main]
//! Any bytes as a resultJSON or AuthKey JSON: no panic, and what parses keeps each extra
//! field's raw text exactly as it appears in the input.
use libfuzzer_sys::fuzz_target;
use soter_verify::{AuthKeyJson, ResultJson};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = ResultJson::parse(data) {
        let text = std::str::from_utf8(data).unwrap();
        for (_, raw) in &r.extra {
            assert!(text.contains(raw.as_str()));
        }
    }
    let _ = AuthKeyJson::parse(data);
});
