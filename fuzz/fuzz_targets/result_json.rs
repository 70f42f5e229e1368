#![no_main]
//! Any bytes as a resultJSON or AuthKey JSON: no panic, and what parses keeps each extra
//! field's raw text exactly as it appears in the input; the default salt rule (what `verify`
//! uses) agrees with the parsed `rsa_pss_saltlen` (what `authenticate` used to use); the member
//! count stays bounded.
use libfuzzer_sys::fuzz_target;
use soter_verify::{AuthKeyJson, ResultJson, SaltLen, DEFAULT_SALT_LEN, MAX_MEMBERS};

fuzz_target!(|data: &[u8]| {
    let salt = SaltLen::Default.resolve(data);
    if let Ok(r) = ResultJson::parse(data) {
        let text = std::str::from_utf8(data).unwrap();
        for (_, raw) in &r.extra {
            assert!(text.contains(raw.as_str()));
        }
        assert!(r.extra.len() + 10 <= MAX_MEMBERS + 10);
        let parsed = r.rsa_pss_saltlen.map_or(DEFAULT_SALT_LEN, |s| s as usize);
        assert_eq!(salt, Some(parsed), "the default salt rule disagrees with the parser");
    }
    let _ = AuthKeyJson::parse(data);
});
