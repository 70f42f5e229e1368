#![no_main]
//! Mutated results and signatures against a fixed device key: no panic, and nothing but the
//! exact signed bytes and the real signature value authenticates.
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soter_verify::testing::Device;
use soter_verify::{authenticate, Expectations};

struct Fixture {
    device: Device,
    json: Vec<u8>,
    sig: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let device = Device::new().unwrap();
        let (json, sig) = device.sign_result("fuzz-challenge", 20).unwrap();
        Fixture { device, json, sig }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let expect = Expectations::new("fuzz-challenge");
    // data as the resultJSON with the real signature
    if authenticate(f.device.public_key(), data, f.sig.as_bytes(), &expect).is_ok() {
        assert_eq!(data, &f.json[..]);
    }
    // data as the signature over the real resultJSON
    if authenticate(f.device.public_key(), &f.json, data, &expect).is_ok() {
        // Another encoding of the same signature is fine; another signature value would be a forgery.
        let decoded = soter_verify::decode_signature(data, 256).unwrap();
        assert_eq!(decoded, soter_verify::decode_signature(f.sig.as_bytes(), 256).unwrap());
    }
});
