#![no_main]
//! AWS-LC and pure-Rust backends agree on every (message, signature, salt rule) input.
//! Half the inputs mutate one of a few real signatures (so valid and nearly-valid encodings are
//! reached); the other half split the input into an arbitrary message and signature.
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soter_verify::testing::KeyPair;
use soter_verify::{Backend, SaltLen};

struct Fixture {
    key: KeyPair,
    /// (message, signature) with salt lengths 0, 20, 32 and the maximum.
    signed: Vec<(Vec<u8>, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = KeyPair::generate(2048).unwrap();
        let signed = [0, 20, 32, key.max_salt_len()]
            .iter()
            .enumerate()
            .map(|(i, &salt)| {
                let msg = format!("{{\"raw\":\"fuzz{i}\",\"counter\":{i},\"cpu_id\":\"c\",\"uid\":\"u\"}}").into_bytes();
                let sig = key.sign(&msg, salt).unwrap();
                (msg, sig)
            })
            .collect();
        Fixture { key, signed }
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let f = fixture();
    let key = f.key.public_key();
    let salt = match data[0] % 4 {
        0 => SaltLen::Default,
        1 => SaltLen::Auto,
        2 => SaltLen::Exact(20),
        _ => SaltLen::Exact(data[0] as usize / 4),
    };
    let rest = &data[2..];
    let (msg, sig) = if data[1] & 0x80 != 0 {
        // Mutate a real pair: (position, xor) byte pairs applied to the message or signature.
        let (mut msg, mut sig) = f.signed[data[1] as usize % f.signed.len()].clone();
        for m in rest.chunks(2) {
            let target = if m[0] & 1 == 0 { &mut msg } else { &mut sig };
            let i = m[0] as usize % target.len();
            target[i] ^= *m.get(1).unwrap_or(&1);
        }
        (msg, sig)
    } else {
        let split = rest.len() / 2;
        (rest[..split].to_vec(), rest[split..].to_vec())
    };
    let a = key.verify_with(Backend::AwsLc, &msg, &sig, salt).map_err(|e| e.kind());
    let b = key.verify_with(Backend::PureRust, &msg, &sig, salt).map_err(|e| e.kind());
    assert_eq!(a, b);
});
