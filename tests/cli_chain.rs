//! `soter inspect --chain` and `soter verify --chain`: the real Huawei chain and a self-made one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use soter_verify::testing::{ChainSpec, Device, TestRoot};

const AT: &str = "1767225600"; // 2026-01-01

fn soter(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_soter")).args(args).output().expect("run soter");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn tmp(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soter-cli-chain-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sample() -> PathBuf {
    common::vectors().join("ask_cert_json.txt")
}

#[test]
fn inspect_the_real_chain() {
    let (code, out, err) = soter(&["inspect", "--chain", s(&sample()), "--at", AT]);
    assert_eq!(code, 0, "{out}{err}");
    for needle in [
        "certificate chain: 4 certificates",
        "#0 CN=A Keymaster Key",
        "signed by #1: yes",
        "signed by itself: yes",
        "ce6e5dcf8859401b2c65d04246d675d45b7531f81f997c1ae8dc73fa83135fb9 (trusted: yes, the built-in Huawei CBG Root CA)",
        "3aa81ad7b08f0158ffd2add7602fa1b027e491d063c842372cd3fbda9d6b8da0",
        "\"rsa_pss_saltlen\":32",
        "TRUSTED ASK: RSA-2048",
        "2028-04-22T07:09:55Z",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let (code, out, _) = soter(&["inspect", "--chain", s(&sample()), "--at", AT, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"]["uid"], "10147");
    assert_eq!(v["root_trusted"], true);
    assert_eq!(v["certificates"][3]["signed_by"], "self");
    // Expired later: exit 1 with the reason.
    let (code, out, _) = soter(&["inspect", "--chain", s(&sample()), "--at", "1843430400"]);
    assert_eq!(code, 1);
    assert!(out.contains("NOT TRUSTED (certificate_invalid)") && out.contains("expired"), "{out}");
    // One flipped signature byte: that certificate shows NO.
    let text = std::fs::read_to_string(sample()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut certs: Vec<String> = v["certs"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    let pos = certs[2].rfind("-----END").unwrap() - 8;
    let mut bytes = certs[2].clone().into_bytes();
    bytes[pos] = if bytes[pos] == b'A' { b'B' } else { b'A' };
    certs[2] = String::from_utf8(bytes).unwrap();
    let tampered = tmp("tampered.json", serde_json::json!({ "certs": certs }).to_string().as_bytes());
    let (code, out, _) = soter(&["inspect", "--chain", s(&tampered), "--at", AT]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("signed by #3: NO"), "{out}");
    // Unusable input: exit 2.
    let junk = tmp("junk.txt", b"hello");
    let (code, _, err) = soter(&["inspect", "--chain", s(&junk)]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = soter(&["inspect", "--chain", s(&sample()), "--at", "tomorrow"]);
    assert_eq!((code, err.contains("--at")), (2, true));
}

#[test]
fn verify_an_auth_key_against_a_self_made_chain() {
    let root = TestRoot::generate().unwrap();
    let ask = common::keypair(2048);
    let device = Device::new().unwrap();
    let chain = tmp("chain.json", &device.ask_chain_with(ask, &root, &ChainSpec { rsa_pss_saltlen: Some(32), ..Default::default() }).unwrap());
    let root_pem = tmp("root.pem", root.root_pem().as_bytes());
    let (json, sig) = device.signed_auth_key_with_salt(ask, 32).unwrap();
    let (json_p, sig_p) = (tmp("ak.json", &json), tmp("ak.sig", sig.as_bytes()));
    let (code, out, err) = soter(&["verify", "--chain", s(&chain), "--root", s(&root_pem), "--json", s(&json_p), "--signature", s(&sig_p)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("VALID") && out.contains(&device.cpu_id) && out.contains("salt 32"), "{out}");
    // Untrusted without --root.
    let (code, out, _) = soter(&["verify", "--chain", s(&chain), "--json", s(&json_p), "--signature", s(&sig_p)]);
    assert_eq!(code, 1);
    assert!(out.contains("INVALID (untrusted_root)"), "{out}");
    // Another device's AuthKey under the same ASK.
    let other = Device::new().unwrap();
    let (ojson, osig) = other.signed_auth_key_with_salt(ask, 32).unwrap();
    let (oj, os) = (tmp("oak.json", &ojson), tmp("oak.sig", osig.as_bytes()));
    let (code, out, _) = soter(&["verify", "--chain", s(&chain), "--root", s(&root_pem), "--json", s(&oj), "--signature", s(&os), "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "device_mismatch");
    // inspect with --root says who trusted it.
    let (code, out, _) = soter(&["inspect", "--chain", s(&chain), "--root", s(&root_pem)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("trusted: yes, given with --root") && out.contains("EC P-256"), "{out}");
    // Missing arguments.
    let (code, _, err) = soter(&["verify", "--chain", s(&chain)]);
    assert_eq!(code, 2);
    assert!(err.contains("--json"), "{err}");
}

fn android(rel: &str) -> PathBuf {
    common::vectors().join("../android-keyattestation").join(rel)
}

#[test]
fn inspect_key_attestation_of_real_google_rooted_chains() {
    use soter_verify::attestation::{GOOGLE_ROOT_EC_2025_SPKI_SHA256, GOOGLE_ROOT_RSA_SPKI_SHA256};
    // Pixel 8a (RSA root) and Pixel 9a (2025 ECDSA root), at times inside their validity.
    let akita = android("akita/sdk34/TEE_RSA_BASE+IMEI.pem");
    let (code, out, err) = soter(&["inspect", "--key-attestation", s(&akita), "--at", "1727237961"]);
    assert_eq!(code, 0, "{out}{err}");
    for needle in [
        "certificate chain: 5 certificates",
        "#4 SERIALNUMBER=f92009e853b6b045",
        "(trusted: yes, Google's hardware attestation root, built in)",
        "key description: attestation v300 at tee, KeyMint v300 at tee",
        "policy: meets the default policy",
        "TRUSTED KEY ATTESTATION: RSA 2048 key, attestation at tee, KeyMint at tee, challenge \"challenge\"",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let tegu = android("tegu/sdk36/TEE_EC_2026_ROOT.pem");
    let (code, out, _) = soter(&["inspect", "--key-attestation", s(&tegu), "--at", "1772324168", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["root_trusted"], true);
    assert_eq!(v["verdict"]["trusted"], true);
    assert_eq!(v["verdict"]["key_attestation"]["root_spki_sha256"], GOOGLE_ROOT_EC_2025_SPKI_SHA256);
    assert_eq!(v["certificates"].as_array().unwrap().last().unwrap()["signed_by"], "self");
    // The same chain through --chain (an ASK view): Google's root is named, not sent to --root.
    let (code, out, _) = soter(&["inspect", "--chain", s(&akita), "--at", "1727237961"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{GOOGLE_ROOT_RSA_SPKI_SHA256} (trusted: NO for an ASK; it is Google's hardware attestation root: see --key-attestation)")),
        "{out}"
    );
}

#[test]
fn inspect_key_attestation_refusals_and_usage() {
    let akita = android("akita/sdk34/TEE_RSA_BASE+IMEI.pem");
    // Expired (the intermediates live for weeks).
    let (code, out, _) = soter(&["inspect", "--key-attestation", s(&akita), "--at", "1843430400"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NOT TRUSTED (certificate_invalid)") && out.contains("expired"), "{out}");
    // A broken signature in Google's own test data: refused, still listed.
    let bad = android("invalid/tags_not_in_ascending_order.pem");
    let (code, out, _) = soter(&["inspect", "--key-attestation", s(&bad), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["verdict"]["trusted"].as_bool(), v["verdict"]["status"].as_str()), (Some(false), Some("certificate_invalid")));
    assert!(!v["certificates"].as_array().unwrap().is_empty());
    // A self-made chain: untrusted without --root, trusted with it.
    let root = TestRoot::generate().unwrap();
    let device = Device::new().unwrap();
    let chain = tmp("ka-chain.json", &device.ask_chain_with(common::keypair(2048), &root, &ChainSpec::default()).unwrap());
    let certs: Vec<String> = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&chain).unwrap()).unwrap()["certs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let bundle = tmp("ka-chain.pem", certs.concat().as_bytes());
    let root_pem = tmp("ka-root.pem", root.root_pem().as_bytes());
    let (code, out, _) = soter(&["inspect", "--key-attestation", s(&bundle)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("(trusted: NO)") && out.contains("NOT TRUSTED (untrusted_root)"), "{out}");
    let (code, out, _) = soter(&["inspect", "--key-attestation", s(&bundle), "--root", s(&root_pem)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(trusted: yes, given with --root)") && out.contains("TRUSTED KEY ATTESTATION"), "{out}");
    // Unusable input and options of another form: exit 2.
    let junk = tmp("ka-junk.txt", b"hello");
    let (code, _, err) = soter(&["inspect", "--key-attestation", s(&junk)]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = soter(&["inspect", "--key-attestation", s(&akita), "--chain", s(&akita)]);
    assert_eq!((code, err.contains("--key-attestation")), (2, true), "{err}");
    let (code, _, err) = soter(&["inspect", "--key-attestation", s(&akita), "--at", "soon"]);
    assert_eq!((code, err.contains("--at")), (2, true), "{err}");
}
