//! The AWS-LC and pure-Rust backends must agree on every input: valid signatures, tampered
//! messages and signatures, random values below the modulus, every salt length rule.

mod common;

use rand::{Rng, RngCore, SeedableRng};
use soter_verify::{Backend, PublicKey, SaltLen};

fn verdict(key: &PublicKey, backend: Backend, msg: &[u8], sig: &[u8], salt: SaltLen) -> Result<usize, soter_verify::ErrorKind> {
    key.verify_with(backend, msg, sig, salt).map(|v| v.salt_len).map_err(|e| e.kind())
}

#[test]
fn backends_agree_on_random_valid_and_tampered_signatures() {
    let backends = Backend::available();
    if backends.len() < 2 {
        eprintln!("SKIPPED: this build has only the {} backend; nothing to compare", backends[0].name());
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x50_7e_12);
    let mut compared = 0;
    let mut valid = 0;
    for bits in [2048, 3072, 4096] {
        let kp = common::keypair(bits);
        let key = kp.public_key();
        let rounds = if bits == 2048 { 300 } else { 60 };
        for _ in 0..rounds {
            let mut msg = vec![0u8; rng.gen_range(0..300)];
            rng.fill_bytes(&mut msg);
            let salt = [0, 20, 32, kp.max_salt_len()][rng.gen_range(0..4)];
            let mut sig = kp.sign(&msg, salt).unwrap();
            match rng.gen_range(0..4) {
                0 => {}
                1 if !msg.is_empty() => {
                    let i = rng.gen_range(0..msg.len());
                    msg[i] ^= 1 << rng.gen_range(0..8);
                }
                2 => {
                    let i = rng.gen_range(0..sig.len());
                    sig[i] ^= 1 << rng.gen_range(0..8);
                }
                _ => {
                    // a random value below the modulus
                    rng.fill_bytes(&mut sig);
                    sig[0] = 0;
                }
            }
            for rule in [SaltLen::Exact(salt), SaltLen::Exact(20), SaltLen::Auto, SaltLen::Default] {
                let a = verdict(key, Backend::AwsLc, &msg, &sig, rule);
                let b = verdict(key, Backend::PureRust, &msg, &sig, rule);
                assert_eq!(a, b, "{bits}-bit key, salt {salt}, rule {rule:?}");
                valid += a.is_ok() as usize;
                compared += 1;
            }
        }
    }
    eprintln!("backends agreed on {compared} verifications ({valid} valid)");
    assert!(valid > 100 && valid < compared, "the sample must hold both verdicts");
}

#[test]
fn rsa_crate_accepts_what_we_accept() {
    // An independent verifier: the rsa crate's own PSS implementation.
    use rsa::pss::Pss;
    use rsa::sha2::{Digest, Sha256};
    let kp = common::keypair(2048);
    let key = kp.public_key();
    let theirs = rsa::RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(key.modulus()),
        rsa::BigUint::from(key.exponent()),
    )
    .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for i in 0..100 {
        let mut msg = vec![0u8; 64];
        rng.fill_bytes(&mut msg);
        let salt = [0, 20, 32][i % 3];
        let mut sig = kp.sign(&msg, salt).unwrap();
        if i % 2 == 1 {
            let i = rng.gen_range(1..sig.len());
            sig[i] ^= 0x10;
        }
        let ours = key.verify(&msg, &sig, SaltLen::Exact(salt)).is_ok();
        let hashed = Sha256::digest(&msg);
        let reference = theirs.verify(Pss::new_with_salt::<Sha256>(salt), &hashed, &sig).is_ok();
        assert_eq!(ours, reference, "case {i}");
        assert_eq!(ours, i % 2 == 0);
    }
}
