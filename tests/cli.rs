//! The `soter` command: exit codes, output formats, diagnosis.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use soter_verify::testing::{Device, KeyPair};

fn soter(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_soter")).args(args).output().expect("run soter");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn tmp(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soter-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn verify_shared_vector_and_tampered_variants() {
    let dir = common::vectors();
    let key = dir.join("auth_key.pem");
    let json = dir.join("final_json.txt");
    let sig = dir.join("final_signature.bin");
    let (code, out, _) = soter(&["verify", "--key", s(&key), "--json", s(&json), "--signature", s(&sig)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("VALID"), "{out}");
    let b64 = tmp("sig.b64", soter_verify::base64::encode(&std::fs::read(&sig).unwrap()).as_bytes());
    let (code, out, _) = soter(&["verify", "--key", s(&key), "--json", s(&json), "--signature", s(&b64), "--challenge", "I'm a demo challenge string", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["valid"].as_bool(), v["salt_len"].as_u64()), (Some(true), Some(20)));
    // tampered variants
    let mut bytes = std::fs::read(&json).unwrap();
    bytes[10] ^= 1;
    let tampered = tmp("tampered.json", &bytes);
    assert_eq!(soter(&["verify", "--key", s(&key), "--json", s(&tampered), "--signature", s(&sig)]).0, 1);
    assert_eq!(soter(&["verify", "--key", s(&key), "--json", s(&json), "--signature", s(&sig), "--salt-len", "32"]).0, 1);
    assert_eq!(soter(&["verify", "--key", s(&dir.join("ask.pem")), "--json", s(&json), "--signature", s(&sig)]).0, 1);
    let (code, out, _) = soter(&["verify", "--key", s(&key), "--json", s(&json), "--signature", s(&sig), "--challenge", "other"]);
    assert_eq!(code, 1);
    assert!(out.contains("challenge"), "{out}");
    // inspect diagnoses a trailing newline added after signing
    let mut nl = std::fs::read(&json).unwrap();
    nl.push(b'\n');
    let nl = tmp("newline.json", &nl);
    let (code, out, _) = soter(&["inspect", "--json", s(&nl), "--key", s(&key), "--signature", s(&sig), "--auth-key", s(&dir.join("auth_key_json.txt"))]);
    assert_eq!(code, 1);
    assert!(out.contains("without the trailing newline"), "{out}");
    assert!(out.contains("the key is the AuthKey's pub_key"), "{out}");
    assert!(out.contains("cpu_id/uid match"), "{out}");
}

#[test]
fn inspect_finds_the_salt_length() {
    let device = Device::with_key(KeyPair::generate(2048).unwrap()).unwrap();
    let (json, sig) = device.sign_result("c", 32).unwrap();
    let json_p = tmp("salt32.json", &json);
    let sig_p = tmp("salt32.sig", sig.as_bytes());
    let key_p = tmp("salt32.pem", device.public_key_pem().as_bytes());
    let (code, out, _) = soter(&["inspect", "--json", s(&json_p), "--key", s(&key_p), "--signature", s(&sig_p), "--salt-len", "20", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verifies_with_salt_len"].as_u64(), Some(32));
    assert_eq!(v["fields"]["rsa_pss_saltlen"].as_u64(), Some(32));
    // default salt rule reads rsa_pss_saltlen
    assert_eq!(soter(&["verify", "--key", s(&key_p), "--json", s(&json_p), "--signature", s(&sig_p)]).0, 0);
}

#[test]
fn unusable_input_exits_2_with_one_sentence() {
    let garbage = tmp("garbage", b"not a key");
    for args in [
        vec!["verify"],
        vec!["verify", "--key", "/nonexistent/key.pem", "--json", "x", "--signature", "y"],
        vec!["verify", "--key", s(&garbage), "--json", s(&garbage), "--signature", s(&garbage)],
        vec!["verify", "--bogus", "1"],
        vec!["frobnicate"],
        vec!["inspect", "--json", s(&garbage), "--signature", s(&garbage)],
    ] {
        let (code, out, err) = soter(&args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        assert!(err.starts_with("soter: ") && err.trim().lines().count() == 1, "{args:?}: {err}");
    }
    for cmd in [vec!["--help"], vec!["verify", "--help"], vec!["inspect", "--help"], vec!["help", "verify"]] {
        let (code, out, _) = soter(&cmd);
        assert_eq!(code, 0);
        assert!(out.contains("Usage"), "{cmd:?}");
    }
}
