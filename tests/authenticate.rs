//! authenticate() and the key chain, end to end with the device simulator.

mod common;

use soter_verify::testing::{Device, KeyPair};
use soter_verify::{authenticate, new_challenge, verify_auth_key, Ask, AskFormat, ErrorKind, Expectations, SaltLen};

fn expectations(device: &Device, challenge: &str) -> Expectations {
    Expectations {
        cpu_id: Some(device.cpu_id.clone()),
        uid: Some(device.uid.clone()),
        min_counter: Some(device.next_counter()),
        ..Expectations::new(challenge)
    }
}

#[test]
fn an_ask_checks_the_auth_key_cpu_id_and_uid_each() {
    let ask = common::keypair(2048);
    let device = Device::new().unwrap();
    let (json, sig) = device.signed_auth_key(ask).unwrap();
    let check = |cpu_id: &str, uid: &str| {
        let stored = Ask::from_stored(ask.public_key().clone(), cpu_id, uid, 0, None, AskFormat::Classic).unwrap();
        verify_auth_key(&stored, &json, sig.as_bytes())
    };
    assert!(check(&device.cpu_id, &device.uid).is_ok());
    // One of the two differs: each is checked on its own.
    for (cpu_id, uid, named) in [(device.cpu_id.as_str(), "another uid", "uid"), ("another cpu", device.uid.as_str(), "cpu_id")] {
        let e = check(cpu_id, uid).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DeviceMismatch, "{named}");
        assert!(e.message().contains(named), "{e}");
    }
}

#[test]
fn full_flow_and_each_verdict() {
    let ask = KeyPair::generate(2048).unwrap();
    let device = Device::new().unwrap();
    // Registration: the server checks the AuthKey with the device's ASK and stores it.
    let (ak_json, ak_sig) = device.signed_auth_key(&ask).unwrap();
    let ak = verify_auth_key(ask.public_key(), &ak_json, ak_sig.as_bytes()).unwrap();
    assert_eq!(&ak.public_key, device.public_key());
    assert_eq!((ak.cpu_id.as_str(), ak.uid.as_str()), (device.cpu_id.as_str(), device.uid.as_str()));
    // Wrong ASK, tampered export.
    let other = KeyPair::generate(2048).unwrap();
    assert_eq!(verify_auth_key(other.public_key(), &ak_json, ak_sig.as_bytes()).unwrap_err().kind(), ErrorKind::SignatureInvalid);
    let mut tampered = ak_json.clone();
    let pos = tampered.iter().position(|&b| b == b'M').unwrap() + 10;
    tampered[pos] ^= 1;
    assert_eq!(verify_auth_key(ask.public_key(), &tampered, ak_sig.as_bytes()).unwrap_err().kind(), ErrorKind::SignatureInvalid);

    // Authentication.
    let challenge = new_challenge().unwrap();
    let expect = expectations(&device, &challenge);
    let (json, sig) = device.sign_result(&challenge, 20).unwrap();
    let r = authenticate(&ak.public_key, &json, sig.as_bytes(), &expect).unwrap();
    assert_eq!((r.raw.as_str(), r.counter), (challenge.as_str(), expect.min_counter.unwrap()));

    // Replaying the same result once the server moved its minimum on.
    let after = Expectations { min_counter: Some(r.counter + 1), ..expect.clone() };
    assert_eq!(authenticate(&ak.public_key, &json, sig.as_bytes(), &after).unwrap_err().kind(), ErrorKind::CounterReplay);
    // Another challenge.
    let other_challenge = Expectations { challenge: new_challenge().unwrap(), ..expect.clone() };
    assert_eq!(authenticate(&ak.public_key, &json, sig.as_bytes(), &other_challenge).unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    // A challenge that is a prefix of the signed one.
    let prefix = Expectations { challenge: challenge[..10].to_string(), ..expect.clone() };
    assert_eq!(authenticate(&ak.public_key, &json, sig.as_bytes(), &prefix).unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    // Another device's identity.
    let wrong_cpu = Expectations { cpu_id: Some("00".repeat(20)), ..expect.clone() };
    assert_eq!(authenticate(&ak.public_key, &json, sig.as_bytes(), &wrong_cpu).unwrap_err().kind(), ErrorKind::DeviceMismatch);
    let wrong_uid = Expectations { uid: Some("1".into()), ..expect.clone() };
    assert_eq!(authenticate(&ak.public_key, &json, sig.as_bytes(), &wrong_uid).unwrap_err().kind(), ErrorKind::DeviceMismatch);
    // Another key.
    assert_eq!(authenticate(other.public_key(), &json, sig.as_bytes(), &expect).unwrap_err().kind(), ErrorKind::SignatureInvalid);
    // Tampering that breaks the JSON still reads as a bad signature.
    let mut broken = json.clone();
    broken[0] = b'[';
    assert_eq!(authenticate(&ak.public_key, &broken, sig.as_bytes(), &expect).unwrap_err().kind(), ErrorKind::SignatureInvalid);
    // Tampering the counter upwards.
    let bumped = String::from_utf8(json.clone()).unwrap().replace(&format!("\"counter\":{}", r.counter), &format!("\"counter\":{}", r.counter + 100));
    assert_eq!(authenticate(&ak.public_key, bumped.as_bytes(), sig.as_bytes(), &expect).unwrap_err().kind(), ErrorKind::SignatureInvalid);
    // No challenge given is a usage error, not a pass.
    let none = Expectations { challenge: String::new(), ..expect };
    assert_eq!(authenticate(&ak.public_key, &json, sig.as_bytes(), &none).unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn optional_checks_and_salt_rules() {
    let device = Device::with_key(KeyPair::generate(2048).unwrap()).unwrap();
    let (json, sig) = device.sign_result("c", 32).unwrap();
    let key = device.public_key();
    // Only the challenge: passes without device or counter checks.
    assert!(authenticate(key, &json, sig.as_bytes(), &Expectations::new("c")).is_ok());
    // Explicit salt rules.
    let with = |salt| Expectations { salt_len: salt, ..Expectations::new("c") };
    assert!(authenticate(key, &json, sig.as_bytes(), &with(SaltLen::Exact(32))).is_ok());
    assert!(authenticate(key, &json, sig.as_bytes(), &with(SaltLen::Auto)).is_ok());
    assert_eq!(authenticate(key, &json, sig.as_bytes(), &with(SaltLen::Exact(20))).unwrap_err().kind(), ErrorKind::SignatureInvalid);
}

#[test]
fn debug_output_is_safe_to_log() {
    let device = Device::new().unwrap();
    let (json, _) = device.sign_result("c", 20).unwrap();
    let r = soter_verify::ResultJson::parse(&json).unwrap();
    let dbg = format!("{r:?} {:?} {:?}", device.public_key(), device.key());
    assert!(dbg.contains("counter"));
    assert!(!dbg.contains("BEGIN"), "no key material in Debug output");
}
