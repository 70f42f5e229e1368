//! Real device data (tests/vectors) and self-made cases across key sizes and salt lengths.

mod common;

use soter_verify::testing::Device;
use soter_verify::{
    authenticate, verify_auth_key, Backend, ErrorKind, Expectations, PublicKey, ResultJson, SaltLen,
};

#[test]
fn shared_vector_verdicts() {
    let dir = common::vectors();
    let auth_key = PublicKey::load(&common::read(&dir, "auth_key.pem")).unwrap();
    let ask = PublicKey::load(&common::read(&dir, "ask.pem")).unwrap();
    let json = common::read(&dir, "final_json.txt");
    let sig = common::read(&dir, "final_signature.bin");
    let ak_json = common::read(&dir, "auth_key_json.txt");
    let ak_sig = common::read(&dir, "auth_key_signature.bin");
    assert_eq!(auth_key.bits(), 2048);
    for &backend in Backend::available() {
        // VALID
        assert_eq!(auth_key.verify_with(backend, &json, &sig, SaltLen::Exact(20)).unwrap().salt_len, 20);
        assert!(auth_key.verify_with(backend, &json, &sig, SaltLen::Default).is_ok());
        assert!(ask.verify_with(backend, &ak_json, &ak_sig, SaltLen::Exact(20)).is_ok());
        // base64 on the wire
        let b64 = soter_verify::base64::encode(&sig);
        assert!(auth_key.verify_with(backend, &json, b64.as_bytes(), SaltLen::Default).is_ok());
        // auto recovers 20
        assert_eq!(auth_key.verify_with(backend, &json, &sig, SaltLen::Auto).unwrap().salt_len, 20);
        // INVALID: salt 32, other key, any changed byte
        let invalid = |r: soter_verify::Result<soter_verify::Verified>| {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::SignatureInvalid)
        };
        invalid(auth_key.verify_with(backend, &json, &sig, SaltLen::Exact(32)));
        invalid(ask.verify_with(backend, &json, &sig, SaltLen::Exact(20)));
        invalid(auth_key.verify_with(backend, &ak_json, &ak_sig, SaltLen::Exact(20)));
        invalid(ask.verify_with(backend, &ak_json, &ak_sig, SaltLen::Exact(32)));
        for i in 0..json.len() {
            let mut t = json.clone();
            t[i] ^= 0x01;
            invalid(auth_key.verify_with(backend, &t, &sig, SaltLen::Exact(20)));
        }
        for i in (0..ak_json.len()).step_by(7) {
            let mut t = ak_json.clone();
            t[i] = t[i].wrapping_add(1);
            invalid(ask.verify_with(backend, &t, &ak_sig, SaltLen::Exact(20)));
        }
    }
}

#[test]
fn shared_vector_fields_and_key_chain() {
    let dir = common::vectors();
    let r = ResultJson::parse(&common::read(&dir, "final_json.txt")).unwrap();
    assert_eq!(r.raw, "I'm a demo challenge string");
    assert_eq!(r.fid, "2313170");
    assert_eq!(r.counter, 246);
    assert_eq!(r.tee_n, "t-base-Mediatek-Armv8-Android-302A-V012-20160705_104258_41");
    assert_eq!(r.tee_v, "10010");
    assert_eq!(r.fp_n, "FPC");
    assert_eq!(r.fp_v, "6516");
    assert_eq!(r.cpu_id, "0900000026030000241a1e8e9e44c3a8e05b9c0c");
    assert_eq!(r.uid, "10115");
    assert_eq!(r.rsa_pss_saltlen, None);

    let ask = PublicKey::load(&common::read(&dir, "ask.pem")).unwrap();
    let ak = verify_auth_key(&ask, &common::read(&dir, "auth_key_json.txt"), &common::read(&dir, "auth_key_signature.bin")).unwrap();
    assert_eq!((ak.counter, ak.uid.as_str(), ak.cpu_id.as_str()), (240, "10115", r.cpu_id.as_str()));
    assert_eq!(ak.public_key, PublicKey::load(&common::read(&dir, "auth_key.pem")).unwrap());

    // The whole flow on the real data: AuthKey from the chain, then the result.
    let mut expect = Expectations::new("I'm a demo challenge string");
    expect.cpu_id = Some(ak.cpu_id.clone());
    expect.uid = Some(ak.uid.clone());
    expect.min_counter = Some(ak.counter + 1);
    let json = common::read(&dir, "final_json.txt");
    let sig = common::read(&dir, "final_signature.bin");
    assert_eq!(authenticate(&ak.public_key, &json, &sig, &expect).unwrap(), r);
    expect.min_counter = Some(247);
    assert_eq!(authenticate(&ak.public_key, &json, &sig, &expect).unwrap_err().kind(), ErrorKind::CounterReplay);
}

#[test]
fn self_made_keys_and_salts() {
    for bits in [2048, 3072, 4096] {
        let kp = common::keypair(bits);
        let key = kp.public_key();
        assert_eq!(key.bits(), bits);
        let msg = br#"{"raw":"x","counter":1,"cpu_id":"c","uid":"u"}"#;
        for salt in [0, 20, 32, kp.max_salt_len()] {
            let sig = kp.sign(msg, salt).unwrap();
            for &backend in Backend::available() {
                assert_eq!(key.verify_with(backend, msg, &sig, SaltLen::Exact(salt)).unwrap().salt_len, salt);
                assert_eq!(key.verify_with(backend, msg, &sig, SaltLen::Auto).unwrap().salt_len, salt);
                let other = if salt == 20 { 32 } else { 20 };
                assert_eq!(
                    key.verify_with(backend, msg, &sig, SaltLen::Exact(other)).unwrap_err().kind(),
                    ErrorKind::SignatureInvalid
                );
            }
        }
    }
}

#[test]
fn every_single_byte_change_is_rejected() {
    let kp = common::keypair(2048);
    let key = kp.public_key();
    let msg = br#"{"raw":"challenge","fid":"1","counter":5,"cpu_id":"c","uid":"u"}"#;
    let sig = kp.sign(msg, 20).unwrap();
    for i in 0..msg.len() {
        for flip in [0x01u8, 0x80] {
            let mut m = msg.to_vec();
            m[i] ^= flip;
            assert_eq!(key.verify(&m, &sig, SaltLen::Exact(20)).unwrap_err().kind(), ErrorKind::SignatureInvalid);
        }
    }
    for i in 0..sig.len() {
        let mut s = sig.clone();
        s[i] ^= 0x01;
        assert_eq!(key.verify(msg, &s, SaltLen::Exact(20)).unwrap_err().kind(), ErrorKind::SignatureInvalid, "{i}");
    }
}

#[test]
fn huawei_style_salt_32_is_taken_from_the_json() {
    let device = Device::with_key(KeyPairClone::k2048()).unwrap();
    let (json, sig) = device.sign_result("c1", 32).unwrap();
    let r = ResultJson::parse(&json).unwrap();
    assert_eq!(r.rsa_pss_saltlen, Some(32));
    assert!(device.public_key().verify(&json, sig.as_bytes(), SaltLen::Default).is_ok());
    assert!(authenticate(device.public_key(), &json, sig.as_bytes(), &Expectations::new("c1")).is_ok());
    assert_eq!(
        device.public_key().verify(&json, sig.as_bytes(), SaltLen::Exact(20)).unwrap_err().kind(),
        ErrorKind::SignatureInvalid
    );
}

/// A fresh 2048-bit key pair (devices own their key, so they cannot share the cached one).
struct KeyPairClone;
impl KeyPairClone {
    fn k2048() -> soter_verify::testing::KeyPair {
        soter_verify::testing::KeyPair::generate(2048).unwrap()
    }
}
