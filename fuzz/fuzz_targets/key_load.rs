#![no_main]
//! Any bytes as a public key: no panic, and a loaded key round-trips through PEM and DER.
use libfuzzer_sys::fuzz_target;
use soter_verify::PublicKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PublicKey::load(data) {
        assert!((2048..=4096).contains(&key.bits()));
        assert_eq!(PublicKey::load(key.to_pem().as_bytes()).unwrap(), key);
        assert_eq!(PublicKey::load(&key.to_spki_der()).unwrap(), key);
    }
});
