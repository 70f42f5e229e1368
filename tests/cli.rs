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

fn sample(name: &str) -> PathBuf {
    common::vectors().join(name)
}

/// The sample resultJSON and AuthKey export written out again by a JSON library, as a backend
/// framework would: the key is right, the bytes are not.
#[test]
fn re_serialized_json_is_diagnosed_as_such() {
    let key = sample("auth_key.pem");
    let sig = sample("final_signature.bin");
    let original = std::fs::read(sample("final_json.txt")).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&original).unwrap();
    // serde_json sorts members and pretty-prints with 2 spaces; Python's json.dumps is spaced.
    let spaced = String::from_utf8(original.clone()).unwrap().replace("\",\"", "\", \"").replace("\":", "\": ").replace(",\"", ", \"");
    for (name, bytes, how) in [
        ("pretty.json", serde_json::to_vec_pretty(&value).unwrap(), "compact, members in SOTER's order"),
        ("spaced.json", spaced.into_bytes(), "compact"),
    ] {
        let p = tmp(name, &bytes);
        let (code, out, err) = soter(&["inspect", "--json", s(&p), "--key", s(&key), "--signature", s(&sig)]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.contains("the JSON bytes are not the ones that were signed (re-serialized?)"), "{out}");
        assert!(out.contains(&format!("written {how} (salt 20)")), "{out}");
        assert!(!out.contains("did not sign"), "{out}");
        // `verify` says the same in one more line, and in JSON.
        let (code, out, _) = soter(&["verify", "--json", s(&p), "--key", s(&key), "--signature", s(&sig)]);
        assert_eq!(code, 1);
        assert!(out.contains("(re-serialized?)"), "{out}");
        let (_, out, _) = soter(&["inspect", "--json", s(&p), "--key", s(&key), "--signature", s(&sig), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["reserialized"], how, "{v}");
    }
    // The AuthKey export loses its \/ escapes and member order through a parser; checked with the ASK.
    let ak = std::fs::read(sample("auth_key_json.txt")).unwrap();
    let compact = serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&ak).unwrap()).unwrap();
    let p = tmp("ak-compact.json", &compact);
    let (code, out, _) = soter(&["inspect", "--json", s(&p), "--key", s(&sample("ask.pem")), "--signature", s(&sample("auth_key_signature.bin"))]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("(re-serialized?): the key signed this JSON written compact, \\/ escapes, members in SOTER's order"), "{out}");
    // Another key: the diagnosis says what it tried and that the key did not sign these bytes.
    let other = tmp("other.pem", Device::new().unwrap().public_key_pem().as_bytes());
    let (code, out, _) = soter(&["inspect", "--json", s(&p), "--key", s(&other), "--signature", s(&sample("auth_key_signature.bin"))]);
    assert_eq!(code, 1);
    assert!(out.contains("did not sign these bytes") && out.contains("compact, spaced, pretty"), "{out}");
    assert!(!out.contains("re-serialized?"), "{out}");
}

#[test]
fn hex_signatures_are_accepted() {
    let raw = std::fs::read(sample("final_signature.bin")).unwrap();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let wrapped: String = hex.to_uppercase().as_bytes().chunks(64).map(|c| format!("{}\n", std::str::from_utf8(c).unwrap())).collect();
    for (name, text) in [("sig.hex", hex), ("sig-wrapped.hex", wrapped)] {
        let p = tmp(name, text.as_bytes());
        let (code, out, err) = soter(&["verify", "--key", s(&sample("auth_key.pem")), "--json", s(&sample("final_json.txt")), "--signature", s(&p)]);
        assert_eq!(code, 0, "{out}{err}");
        let (code, out, _) = soter(&["inspect", "--key", s(&sample("auth_key.pem")), "--json", s(&sample("final_json.txt")), "--signature", s(&p)]);
        assert_eq!(code, 0, "{out}");
    }
}

#[test]
fn inspect_refuses_what_is_not_a_result_or_auth_key() {
    let p = tmp("not-json.txt", b"hello");
    let (code, out, err) = soter(&["inspect", "--json", s(&p)]);
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty() && err.starts_with("soter: not a resultJSON or AuthKey export"), "{err}");
    let (code, out, _) = soter(&["inspect", "--json", s(&p), "--format", "json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["status"].as_str(), v["exit_code"].as_u64()), (Some("invalid_json"), Some(2)), "{v}");
    assert!(v["error"].as_str().unwrap().starts_with("not a resultJSON"));
}

#[test]
fn every_subcommand_names_an_unknown_option_even_last() {
    for args in [
        vec!["verify", "--key", "k", "--frobnicate"],
        vec!["verify", "--chain", "c", "--frobnicate"],
        vec!["inspect", "--json", "j", "--frobnicate"],
        vec!["inspect", "--chain", "c", "--frobnicate"],
        vec!["speed", "--frobnicate"],
        vec!["emulator", "--appid", "a", "--frobnicate"],
        vec!["verify", "--frobnicate=1"],
    ] {
        let (code, _, err) = soter(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("unknown option --frobnicate"), "{args:?}: {err}");
    }
    // An option of the other form is named as such.
    let (code, _, err) = soter(&["verify", "--chain", "c", "--key", "k", "--json", "j", "--signature", "s"]);
    assert_eq!(code, 2);
    assert!(err.contains("--key does not apply with --chain"), "{err}");
    let (code, _, err) = soter(&["inspect", "--json", "j", "--root", "r"]);
    assert_eq!(code, 2);
    assert!(err.contains("--root does not apply without --chain"), "{err}");
    // A value that is missing is still reported as such.
    let (code, _, err) = soter(&["verify", "--key"]);
    assert_eq!((code, err.contains("--key needs a value")), (2, true), "{err}");
    let (code, _, err) = soter(&["help", "frobnicate"]);
    assert_eq!((code, err.contains("unknown command")), (2, true), "{err}");
}

#[test]
fn option_parsing_edges_keep_their_meaning() {
    // What a stock clap setup would read otherwise: a bare `--` (the end of options there) is an
    // unknown option here, wherever it stands; a value may start with a dash; a repeated option
    // and a stray word are refused; `--name=` is an empty value.
    for (args, message) in [
        (vec!["verify", "--"], "unknown option --;"),
        (vec!["verify", "--key", "k", "--"], "unknown option --;"),
        (vec!["verify", "--", "--key", "k"], "unknown option --;"),
        (vec!["verify", "--key=k", "--key", "j"], "--key is given twice"),
        (vec!["verify", "--key", "k", "stray"], "unexpected argument `stray`"),
        (vec!["verify", "-k"], "unexpected argument `-k`"),
        (vec!["verify", "--challenge", "--", "--json", "j"], "--key is required"),
        (vec!["verify", "--challenge", "-x", "--key", "/nonexistent/k"], "cannot read --key file /nonexistent/k"),
        (vec!["verify", "--key=", "--json", "j", "--signature", "s"], "cannot read --key file "),
    ] {
        let (code, out, err) = soter(&args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.starts_with("soter: ") && err.contains(message), "{args:?}: {err}");
    }
    // --help anywhere, even where a value is expected, is the command's help.
    let (code, out, _) = soter(&["verify", "--key", "--help"]);
    assert_eq!((code, out.starts_with("soter verify: ")), (0, true), "{out}");
    let (code, out, _) = soter(&["--version"]);
    assert_eq!((code, out.trim()), (0, format!("soter {}", env!("CARGO_PKG_VERSION")).as_str()));
}

#[test]
fn format_json_reports_unusable_input_as_json_on_stdout() {
    let garbage = tmp("garbage-key", b"not a key");
    for (args, status) in [
        (vec!["verify", "--format", "json", "--frobnicate"], "usage"),
        (vec!["verify", "--key", "/nonexistent/k.pem", "--json", "j", "--signature", "s", "--format", "json"], "io"),
        (vec!["verify", "--key", s(&garbage), "--json", s(&garbage), "--signature", s(&garbage), "--format=json"], "invalid_key"),
        (vec!["verify", "--format", "json"], "usage"),
        (vec!["verify", "--chain", s(&garbage), "--json", s(&garbage), "--signature", s(&garbage), "--format", "json"], "certificate_invalid"),
        (vec!["inspect", "--format", "json", "--json", "/nonexistent/j"], "io"),
        (vec!["inspect", "--chain", "/nonexistent/c", "--format", "json"], "io"),
        (vec!["inspect", "--chain", s(&garbage), "--at", "soon", "--format", "json"], "usage"),
        (vec!["speed", "--bits", "1000", "--format", "json"], "usage"),
    ] {
        let (code, out, err) = soter(&args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"));
        assert_eq!(v["status"], status, "{args:?}: {v}");
        assert_eq!(v["exit_code"], 2);
        assert!(err.starts_with("soter: ") && err.trim().lines().count() == 1, "{args:?}: {err}");
    }
}

#[test]
fn auth_key_export_checked_with_its_ask_does_not_alarm() {
    let args = |key: &str| {
        vec!["inspect".to_string(), "--json".into(), s(&sample("auth_key_json.txt")).into(), "--key".into(), key.into(), "--signature".into(),
            s(&sample("auth_key_signature.bin")).into()]
    };
    let run = |a: Vec<String>| soter(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let (code, out, _) = run(args(s(&sample("ask.pem"))));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("NOT") && !out.contains("note:"), "{out}");
    assert!(out.contains("as expected: an AuthKey export is signed by the ASK"), "{out}");
    // Its own pub_key as --key is the mistake, and is named.
    let (code, out, _) = run(args(s(&sample("auth_key.pem"))));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("note: the key is this AuthKey's own pub_key; an AuthKey export is signed by the ASK"), "{out}");
}

#[test]
fn usage_lines_show_every_option() {
    let (_, out, _) = soter(&["--help"]);
    assert!(out.contains("soter inspect --json FILE [--key FILE --signature FILE] [--auth-key FILE] [--salt-len N|auto] [--format text|json]"), "{out}");
    assert!(out.contains("soter emulator --appid ID --secret SECRET [--listen ADDR (default 127.0.0.1:0)]"), "{out}");
    let (_, out, _) = soter(&["emulator", "--help"]);
    assert!(out.contains("[--listen ADDR (default 127.0.0.1:0)]"), "{out}");
    let (_, out, _) = soter(&["inspect", "--help"]);
    assert!(out.contains("[--salt-len N|auto] [--format text|json]"), "{out}");
}
