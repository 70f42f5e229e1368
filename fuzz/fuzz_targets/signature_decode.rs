#![no_main]
//! Any bytes as a signature (raw or base64) for a 2048- and a 4096-bit length: no panic, and a
//! decoded signature has exactly the key's length.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for k in [256usize, 512] {
        if let Ok(sig) = soter_verify::decode_signature(data, k) {
            assert_eq!(sig.len(), k);
        }
    }
    if let Ok(bytes) = soter_verify::base64::decode(data) {
        // Canonical re-encoding decodes to the same bytes.
        assert_eq!(soter_verify::base64::decode(soter_verify::base64::encode(&bytes).as_bytes()).unwrap(), bytes);
    }
});
