//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod redis;

use std::path::PathBuf;
use std::sync::OnceLock;

use soter_verify::testing::KeyPair;

/// The Tencent sample device vectors, committed in tests/vectors (see their NOTICE).
pub fn vectors() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/tencent-soter-sample");
    assert!(dir.join("final_json.txt").is_file(), "the device vectors are missing from {}", dir.display());
    dir
}

pub fn read(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

/// One generated key pair per size for the whole test binary (generation is slow).
pub fn keypair(bits: usize) -> &'static KeyPair {
    static K2048: OnceLock<KeyPair> = OnceLock::new();
    static K3072: OnceLock<KeyPair> = OnceLock::new();
    static K4096: OnceLock<KeyPair> = OnceLock::new();
    let cell = match bits {
        2048 => &K2048,
        3072 => &K3072,
        4096 => &K4096,
        _ => panic!("no cached key of {bits} bits"),
    };
    cell.get_or_init(|| KeyPair::generate(bits).expect("key generation"))
}
