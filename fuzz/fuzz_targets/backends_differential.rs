#![no_main]
//! AWS-LC and pure-Rust backends agree on every (message, signature, salt rule) input.
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soter_verify::testing::KeyPair;
use soter_verify::{Backend, SaltLen};

fn keypair() -> &'static KeyPair {
    static K: OnceLock<KeyPair> = OnceLock::new();
    K.get_or_init(|| KeyPair::generate(2048).unwrap())
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let kp = keypair();
    let key = kp.public_key();
    let (rule, rest) = data.split_at(1);
    let salt = match rule[0] % 4 {
        0 => SaltLen::Default,
        1 => SaltLen::Auto,
        2 => SaltLen::Exact(20),
        _ => SaltLen::Exact(rule[0] as usize / 4),
    };
    // Half the inputs: a real signature over the input, with one byte changed by the input.
    let (msg, sig) = if rule[0] & 0x80 != 0 && rest.len() > 2 {
        let mut sig = kp.sign(rest, 20).unwrap();
        let i = rest[0] as usize % sig.len();
        sig[i] ^= rest[1];
        (rest.to_vec(), sig)
    } else {
        let split = rest.len() / 2;
        (rest[..split].to_vec(), rest[split..].to_vec())
    };
    let a = key.verify_with(Backend::AwsLc, &msg, &sig, salt).map_err(|e| e.kind());
    let b = key.verify_with(Backend::PureRust, &msg, &sig, salt).map_err(|e| e.kind());
    assert_eq!(a, b);
});
