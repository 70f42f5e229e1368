#![no_main]
//! Any bytes as a KeyDescription (the strict decoder alone) and as a key attestation chain: no
//! panic; whatever decodes re-decodes to the same value; a refusal names a field.
use libfuzzer_sys::fuzz_target;
use soter_verify::attestation::keydesc;

fuzz_target!(|data: &[u8]| {
    match keydesc::parse(data) {
        Ok(kd) => assert_eq!(keydesc::parse(data).unwrap(), kd),
        Err(e) => assert!(!e.field.is_empty() && !e.reason.is_empty()),
    }
    let _ = soter_verify::verify_key_attestation(&[data], &[], Some(1_767_225_600), None);
});
