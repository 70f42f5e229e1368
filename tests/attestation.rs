//! Certificate-chain ASKs (key attestation): the real Huawei sample chain, tampering, trust,
//! validity, attestation content, hostile input, and the AuthKey step.

mod common;

use soter_verify::attestation::{inspect_ask_chain, HUAWEI_CBG_ROOT_SPKI_SHA256, MAX_CHAIN_CERTS, MAX_CHAIN_INPUT};
use soter_verify::{verify_ask_chain, verify_ask_chain_certs, AskFormat, ChainOptions, ErrorKind};

/// 2026-01-01T00:00:00Z: inside the sample chain's validity (it expires in 2028).
const AT: u64 = 1_767_225_600;

fn sample() -> Vec<u8> {
    common::read(&common::vectors(), "ask_cert_json.txt")
}

fn sample_pems() -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&sample()).unwrap();
    v["certs"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect()
}

fn opts() -> ChainOptions {
    ChainOptions::new().at(AT)
}

#[test]
fn the_real_huawei_chain_verifies_with_the_builtin_root() {
    let ask = verify_ask_chain(&sample(), &opts()).unwrap();
    assert_eq!(ask.format, AskFormat::CertificateChain);
    assert_eq!(ask.cpu_id, "HUAWEI_HWLYA_b3161401-62fa-4d9b-a102-e12a79d814a6-54843a61");
    assert_eq!(ask.uid, "10147");
    assert_eq!(ask.counter, 88);
    assert_eq!(ask.rsa_pss_saltlen, Some(32));
    assert_eq!(ask.public_key.bits(), 2048);
    assert_eq!(ask.subjects.len(), 4);
    assert_eq!(ask.subjects[0], "CN=A Keymaster Key");
    assert_eq!(ask.subjects[3], "C=CN, O=Huawei, OU=Huawei CBG, CN=Huawei CBG Root CA");
    assert_eq!(soter_verify::attestation::hex(&ask.root_spki_sha256.unwrap()), HUAWEI_CBG_ROOT_SPKI_SHA256);
    use sha2::Digest;
    assert_eq!(
        soter_verify::attestation::hex(&sha2::Sha256::digest(ask.public_key.to_spki_der())),
        "0699ae870262082c65f3cef5a7c076acde910e730627eb7958cbd65426ab6588"
    );
    // The same chain given as a list of PEM strings.
    let ask2 = verify_ask_chain_certs(&sample_pems(), &opts()).unwrap();
    assert_eq!(ask2, ask);
}

/// Certificates of the sample as DER.
fn sample_ders() -> Vec<Vec<u8>> {
    sample_pems()
        .iter()
        .map(|p| {
            let body: String = p.lines().filter(|l| !l.starts_with("-----")).collect();
            soter_verify::base64::decode(body.as_bytes()).unwrap()
        })
        .collect()
}

#[test]
fn one_flipped_signature_byte_in_any_certificate_fails() {
    for i in 0..4 {
        let mut ders = sample_ders();
        let n = ders[i].len();
        ders[i][n - 10] ^= 0x01; // inside the signature BIT STRING, the last element
        let e = verify_ask_chain_certs(&ders, &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid, "certificate {i}: {e:?}");
        assert!(e.message().contains(&format!("certificate #{i}")), "{}", e.message());
        assert!(e.message().contains("does not verify"), "{}", e.message());
        // Named by its signer: the next certificate, or the root's own key.
        let by = if i == 3 { "its own key".to_string() } else { format!("certificate #{}", i + 1) };
        assert!(e.message().contains(&format!("by {by}")), "{}", e.message());
    }
}

#[test]
fn without_the_root_the_chain_is_untrusted() {
    let ders = sample_ders();
    let e = verify_ask_chain_certs(&ders[..3], &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UntrustedRoot, "{e:?}");
    assert!(e.message().contains("Huawei CBG Mobile Equipment CA"), "{}", e.message());
    // The built-in root switched off: the full chain is sound but untrusted.
    let e = verify_ask_chain(&sample(), &opts().without_builtin_roots()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UntrustedRoot, "{e:?}");
    assert!(e.message().contains(HUAWEI_CBG_ROOT_SPKI_SHA256), "{}", e.message());
}

#[test]
fn validity_is_checked_at_the_given_time() {
    // 2028-06-01: the device certificate (#1) expired on 2028-04-22.
    let e = verify_ask_chain(&sample(), &ChainOptions::new().at(1_843_430_400)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
    assert!(e.message().contains("expired") && e.message().contains("#1"), "{}", e.message());
    // 2018-01-01: the leaf is not valid yet.
    let e = verify_ask_chain(&sample(), &ChainOptions::new().at(1_514_764_800)).unwrap_err();
    assert!(e.message().contains("not valid before") && e.message().contains("#0"), "{}", e.message());
    // set_at (how the C ABI and the CLI pass the time) is at() by another name.
    let mut o = ChainOptions::new();
    o.set_at(Some(1_843_430_400));
    assert!(verify_ask_chain(&sample(), &o).unwrap_err().message().contains("expired"));
    o.set_at(Some(AT));
    assert!(verify_ask_chain(&sample(), &o).is_ok());
}

#[test]
fn a_stored_ask_needs_its_identity_and_a_sane_salt() {
    let ask = verify_ask_chain(&sample(), &opts()).unwrap();
    let stored = |cpu_id: &str, uid: &str, salt: Option<u32>| {
        soter_verify::Ask::from_stored(ask.public_key.clone(), cpu_id, uid, 88, salt, AskFormat::CertificateChain)
    };
    let s = stored(&ask.cpu_id, "10147", Some(32)).unwrap();
    assert_eq!((s.cpu_id.as_str(), s.uid.as_str(), s.counter, s.rsa_pss_saltlen), (ask.cpu_id.as_str(), "10147", 88, Some(32)));
    assert_eq!((s.format, &s.public_key), (AskFormat::CertificateChain, &ask.public_key));
    for (cpu_id, uid) in [("", "10147"), ("cpu", ""), ("", "")] {
        let e = stored(cpu_id, uid, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{cpu_id:?} {uid:?}");
        assert!(e.message().contains("cpu_id and uid"), "{e}");
    }
    assert!(stored("cpu", "uid", Some(512)).is_ok());
    assert_eq!(stored("cpu", "uid", Some(513)).unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn top_level_fields_must_agree_with_the_attestation() {
    let with = |extra: &str| {
        let s = String::from_utf8(sample()).unwrap();
        let s = s.trim_end().strip_suffix('}').unwrap().to_owned() + extra + "}";
        verify_ask_chain(s.as_bytes(), &opts())
    };
    let ok = with(r#","cpu_id":"HUAWEI_HWLYA_b3161401-62fa-4d9b-a102-e12a79d814a6-54843a61","uid":10147,"counter":88"#);
    assert_eq!(ok.unwrap().uid, "10147");
    for bad in [r#","cpu_id":"HUAWEI_other""#, r#","uid":"10148""#, r#","counter":89"#] {
        let e = with(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid, "{bad}");
        assert!(e.message().contains("not signed"), "{}", e.message());
    }
    assert_eq!(with(r#","certs":[]"#).unwrap_err().kind(), ErrorKind::DuplicateField);
    // A top-level field of the wrong type is an error, not ignored.
    for bad in [r#","cpu_id":1"#, r#","uid":true"#, r#","counter":"88""#] {
        let e = with(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidJson, "{bad}");
        assert!(e.message().contains("wrong type"), "{}", e.message());
    }
}

#[test]
fn debug_shows_the_identity_and_every_subject() {
    let ask = verify_ask_chain(&sample(), &opts()).unwrap();
    let shown = format!("{ask:?}");
    for part in ["Ask {", "CertificateChain", "cpu_id: \"HUAWEI_HWLYA_b3161401", "uid: \"10147\"", "counter: 88",
                 "rsa_pss_saltlen: Some(32)", "CN=Huawei CBG Root CA"] {
        assert!(shown.contains(part), "{part} not in {shown}");
    }
}

#[test]
fn certs_that_are_not_an_array_are_named_as_such() {
    for bad in [r#"{"certs":"-----BEGIN CERTIFICATE-----"}"#, r#"{"certs":1}"#, r#"{"certs":null}"#] {
        let e = verify_ask_chain(bad.as_bytes(), &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidJson, "{bad}");
        assert!(e.message().contains("\"certs\" must be an array of PEM strings"), "{bad}: {}", e.message());
    }
}

#[test]
fn inspect_describes_every_certificate() {
    let r = inspect_ask_chain(&sample(), &opts()).unwrap();
    assert_eq!(r.certs.len(), 4);
    assert!(r.certs.iter().all(|c| c.signed_by_next));
    // RFC 4514 escapes the trailing space of "Huawei KeyStore   ".
    assert_eq!(r.certs[0].issuer, "CN=Huawei KeyStore  \\ ");
    assert_eq!(r.certs[3].key, "RSA 4096");
    assert!(r.root_trusted);
    assert_eq!(r.root_cert_sha256, "3aa81ad7b08f0158ffd2add7602fa1b027e491d063c842372cd3fbda9d6b8da0");
    assert!(r.attestation_json.unwrap().contains("\"counter\":88"));
    assert!(r.verdict.is_ok());
}

mod self_made {
    use super::*;
    use soter_verify::testing::{ChainSpec, Device, KeyPair, TestRoot};
    use std::sync::OnceLock;

    pub fn root() -> &'static TestRoot {
        static R: OnceLock<TestRoot> = OnceLock::new();
        R.get_or_init(|| TestRoot::generate().unwrap())
    }

    fn ask() -> &'static KeyPair {
        common::keypair(2048)
    }

    fn trusting() -> ChainOptions {
        ChainOptions::new().with_root(root().root_pem().as_bytes()).unwrap()
    }

    #[test]
    fn untrusted_until_its_root_is_given() {
        let device = Device::new().unwrap();
        let chain = device.ask_chain(ask(), root()).unwrap();
        let e = verify_ask_chain(&chain, &ChainOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UntrustedRoot, "{e:?}");
        let got = verify_ask_chain(&chain, &trusting()).unwrap();
        assert_eq!(got.public_key, *ask().public_key());
        assert_eq!((got.cpu_id.as_str(), got.uid.as_str()), (device.cpu_id.as_str(), device.uid.as_str()));
        assert_eq!(got.rsa_pss_saltlen, None);
        // Trusted by the SHA-256 of its SPKI alone.
        let mut pinned = ChainOptions::new();
        pinned.add_root_spki_sha256(got.root_spki_sha256.unwrap());
        assert_eq!(verify_ask_chain(&chain, &pinned).unwrap(), got);
        // The root as DER works too, and so does the Huawei root staying trusted alongside.
        let der_opts = ChainOptions::new().with_root(root().root_der()).unwrap();
        assert!(verify_ask_chain(&chain, &der_opts).is_ok());
        assert!(verify_ask_chain(&sample(), &der_opts.at(AT)).is_ok());
        // Every algorithm in the test chain was exercised: PSS, PKCS#1 v1.5, ECDSA.
        let r = inspect_ask_chain(&chain, &trusting()).unwrap();
        let algs: Vec<&str> = r.certs.iter().map(|c| c.signature_algorithm.as_str()).collect();
        assert_eq!(algs, ["1.2.840.10045.4.3.2", "1.2.840.10045.4.3.2", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.11"]);
        assert_eq!((r.certs[1].key.as_str(), r.certs[2].key.as_str(), r.certs[3].key.as_str()), ("EC P-256", "EC P-256", "RSA 2048"));
    }

    #[test]
    fn expired_at_a_later_time() {
        let device = Device::new().unwrap();
        let chain = device.ask_chain(ask(), root()).unwrap();
        // notBefore and notAfter are both inside the validity period (RFC 5280 4.1.2.5).
        for edge in [soter_verify::testing::TEST_NOT_BEFORE, soter_verify::testing::TEST_NOT_AFTER] {
            assert!(verify_ask_chain(&chain, &trusting().at(edge)).is_ok(), "at {edge}");
        }
        let e = verify_ask_chain(&chain, &trusting().at(soter_verify::testing::TEST_NOT_BEFORE - 1)).unwrap_err();
        assert!(e.message().contains("not valid before"), "{}", e.message());
        let later = soter_verify::testing::TEST_NOT_AFTER + 1;
        let e = verify_ask_chain(&chain, &trusting().at(later)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("expired"), "{}", e.message());
    }

    #[test]
    fn a_leaf_without_the_extension_fails() {
        let device = Device::new().unwrap();
        let spec = ChainSpec { attestation: false, ..Default::default() };
        let chain = device.ask_chain_with(ask(), root(), &spec).unwrap();
        let e = verify_ask_chain(&chain, &trusting()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("no key-attestation extension") && e.message().contains("A Keymaster Key"), "{}", e.message());
    }

    #[test]
    fn the_auth_key_step_checks_the_device_and_the_attested_salt() {
        let device = Device::new().unwrap();
        let spec = ChainSpec { rsa_pss_saltlen: Some(32), ..Default::default() };
        let ask_v = verify_ask_chain(&device.ask_chain_with(ask(), root(), &spec).unwrap(), &trusting()).unwrap();
        assert_eq!(ask_v.rsa_pss_saltlen, Some(32));
        let (json, sig) = device.signed_auth_key_with_salt(ask(), 32).unwrap();
        let ak = soter_verify::verify_auth_key(&ask_v, &json, sig.as_bytes()).unwrap();
        assert_eq!(ak.public_key, *device.public_key());
        // Salt 20 is not what the attestation says.
        let (json20, sig20) = device.signed_auth_key(ask()).unwrap();
        assert_eq!(soter_verify::verify_auth_key(&ask_v, &json20, sig20.as_bytes()).unwrap_err().kind(), ErrorKind::SignatureInvalid);
        // The same ASK key, another device's AuthKey: refused.
        let other = Device::new().unwrap();
        let (json, sig) = other.signed_auth_key_with_salt(ask(), 32).unwrap();
        let e = soter_verify::verify_auth_key(&ask_v, &json, sig.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DeviceMismatch);
        // With the bare key: salt from the AuthKey JSON (else 20) and no device check (the caller's).
        let (json, sig) = other.signed_auth_key(ask()).unwrap();
        assert!(soter_verify::verify_auth_key(&ask_v.public_key, &json, sig.as_bytes()).is_ok());
        // The ASK as a server stores it and rebuilds it later: the same checks.
        let stored = soter_verify::Ask::from_stored(
            ask_v.public_key.clone(),
            ask_v.cpu_id.clone(),
            ask_v.uid.clone(),
            ask_v.counter,
            ask_v.rsa_pss_saltlen,
            ask_v.format,
        )
        .unwrap();
        let (json, sig) = device.signed_auth_key_with_salt(ask(), 32).unwrap();
        assert!(soter_verify::verify_auth_key(&stored, &json, sig.as_bytes()).is_ok());
        let (json, sig) = other.signed_auth_key_with_salt(ask(), 32).unwrap();
        assert_eq!(soter_verify::verify_auth_key(&stored, &json, sig.as_bytes()).unwrap_err().kind(), ErrorKind::DeviceMismatch);
        assert_eq!(soter_verify::verify_auth_key(&stored, &json20, sig20.as_bytes()).unwrap_err().kind(), ErrorKind::SignatureInvalid);
        // Full enrollment: the AuthKey verifies a result.
        let (r, s) = device.sign_result("challenge-1", 20).unwrap();
        let mut expect = soter_verify::Expectations::new("challenge-1");
        expect.cpu_id = Some(ask_v.cpu_id.clone());
        expect.uid = Some(ask_v.uid.clone());
        assert!(soter_verify::authenticate(&ak.public_key, &r, s.as_bytes(), &expect).is_ok());
    }
}

mod hostile {
    use super::*;

    fn kind(input: &[u8]) -> ErrorKind {
        verify_ask_chain(input, &opts()).unwrap_err().kind()
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(kind(br#"{"certs":[]}"#), ErrorKind::CertificateInvalid);
        assert_eq!(kind(b"[]"), ErrorKind::CertificateInvalid);
        assert_eq!(verify_ask_chain_certs::<Vec<u8>>(&[], &opts()).unwrap_err().kind(), ErrorKind::CertificateInvalid);
        assert_eq!(kind(b""), ErrorKind::CertificateInvalid);
        assert_eq!(kind(br#"{"certs":"x"}"#), ErrorKind::InvalidJson);
        assert_eq!(kind(br#"{"certs":[1]}"#), ErrorKind::InvalidJson);
        // A top-level array is read as JSON too: an element that is not a string is named so.
        assert_eq!(kind(b"[1]"), ErrorKind::InvalidJson);
        assert_eq!(kind(br#"["MIIB", {}]"#), ErrorKind::InvalidJson);
        assert_eq!(kind(br#"{"other":1}"#), ErrorKind::InvalidJson);
    }

    #[test]
    fn a_hundred_certificates() {
        let leaf = sample_ders()[0].clone();
        let many: Vec<Vec<u8>> = (0..100).map(|_| leaf.clone()).collect();
        let e = verify_ask_chain_certs(&many, &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains(&format!("at most {MAX_CHAIN_CERTS}")), "{}", e.message());
        // As concatenated DER and as a JSON list too (100 of them are over the input cap).
        // Exactly MAX_CHAIN_CERTS pass the count and fail on what follows (here: repeats).
        let e = verify_ask_chain_certs(&many[..MAX_CHAIN_CERTS], &opts()).unwrap_err();
        assert!(e.message().contains("repeats"), "{}", e.message());
        // Eleven DER certificates are still counted (the message says how many); twelve stop
        // the reading.
        let e = verify_ask_chain(&many[..11].concat(), &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("the chain has 11 certificates"), "{}", e.message());
        assert_eq!(kind(&many[..12].concat()), ErrorKind::CertificateInvalid);
        assert_eq!(kind(&many.concat()), ErrorKind::InputTooLarge);
        let pem = sample_pems()[0].clone();
        let list = serde_json::to_string(&vec![pem; 100]).unwrap();
        assert_eq!(kind(list.as_bytes()), ErrorKind::InputTooLarge);
        let small: Vec<String> = sample_pems().into_iter().cycle().take(11).collect();
        assert_eq!(kind(serde_json::to_string(&small).unwrap().as_bytes()), ErrorKind::CertificateInvalid);
    }

    #[test]
    fn bytes_that_are_neither_der_nor_text() {
        let e = verify_ask_chain_certs(&[vec![0xffu8; 300]], &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("certificate #0: neither DER nor text"), "{e}");
    }

    #[test]
    fn input_of_exactly_the_size_cap_is_read() {
        let mut at_cap = sample();
        at_cap.resize(MAX_CHAIN_INPUT, b' ');
        assert!(verify_ask_chain(&at_cap, &opts()).is_ok());
        at_cap.push(b' ');
        assert_eq!(kind(&at_cap), ErrorKind::InputTooLarge);
    }

    #[test]
    fn a_one_mebibyte_certificate() {
        let mut big = vec![0x30, 0x83, 0x10, 0x00, 0x00];
        big.resize(5 + 0x10_0000, 0x41);
        let e = verify_ask_chain_certs(&[big.clone()], &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InputTooLarge, "{e:?}");
        assert_eq!(kind(&big), ErrorKind::InputTooLarge);
    }

    #[test]
    fn a_cycle() {
        let d = sample_ders();
        let cycle = vec![d[0].clone(), d[1].clone(), d[2].clone(), d[1].clone(), d[2].clone()];
        let e = verify_ask_chain_certs(&cycle, &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("repeats"), "{}", e.message());
        // The root twice (a self-loop).
        let e = verify_ask_chain_certs(&[d[0].clone(), d[1].clone(), d[2].clone(), d[3].clone(), d[3].clone()], &opts()).unwrap_err();
        assert!(e.message().contains("repeats"), "{}", e.message());
    }

    #[test]
    fn an_unknown_signature_algorithm() {
        // sha256WithRSAEncryption (…01 01 0b) becomes …01 01 7f in both places of the leaf.
        let mut d = sample_ders();
        let from = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        let mut found = 0;
        for i in 0..d[0].len() - from.len() {
            if d[0][i..i + from.len()] == from {
                d[0][i + from.len() - 1] = 0x7f;
                found += 1;
            }
        }
        assert_eq!(found, 2);
        let e = verify_ask_chain_certs(&d, &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("1.2.840.113549.1.1.127") && e.message().contains("not supported"), "{}", e.message());
    }

    #[test]
    fn nested_length_bombs() {
        // Lengths claiming far more than the input, at every depth; indefinite lengths; deep nesting.
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]);
        }
        let mut nested = vec![0x30, 0x80];
        for _ in 0..5000 {
            nested.extend_from_slice(&[0x30, 0x80]);
        }
        let leaf = sample_ders()[0].clone();
        let mut inner_bomb = leaf.clone();
        inner_bomb[4..8].copy_from_slice(&[0x30, 0x84, 0x7f, 0xff]); // tbsCertificate length 0x7fff....
        for input in [deep, nested, inner_bomb, vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30]] {
            let e = verify_ask_chain_certs(std::slice::from_ref(&input), &opts()).unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::CertificateInvalid | ErrorKind::InputTooLarge), "{e:?}");
            let _ = verify_ask_chain(&input, &opts()).unwrap_err();
        }
    }

    #[test]
    fn no_panic_on_any_single_byte_change_of_the_sample() {
        let d = sample_ders();
        for i in (0..d[0].len()).step_by(7) {
            let mut m = d.clone();
            m[0][i] ^= 0xa5;
            let _ = verify_ask_chain_certs(&m, &opts());
            m[0].truncate(i);
            let _ = verify_ask_chain_certs(&m, &opts());
        }
    }
}

mod keys_by_content {
    use super::*;
    use soter_verify::PublicKey;

    #[test]
    fn a_certificate_gives_its_subject_key() {
        let pems = sample_pems();
        let from_cert = PublicKey::load(pems[0].as_bytes()).unwrap();
        let ask = verify_ask_chain(&sample(), &opts()).unwrap();
        assert_eq!(from_cert, ask.public_key);
        assert_eq!(PublicKey::load(&sample_ders()[3]).unwrap().bits(), 4096);
    }

    #[test]
    fn an_spki_under_a_certificate_label_with_four_dashes() {
        // As in real data: a public key in a PEM whose header says CERTIFICATE, with four dashes.
        let spki = std::fs::read_to_string(common::vectors().join("ask.pem")).unwrap();
        let mangled = spki.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE----").replace("PUBLIC KEY", "CERTIFICATE");
        assert!(mangled.starts_with("-----BEGIN CERTIFICATE----\n"));
        assert_eq!(PublicKey::load(mangled.as_bytes()).unwrap(), PublicKey::load(spki.as_bytes()).unwrap());
    }

    #[test]
    fn a_private_key_is_still_refused_by_content() {
        use rsa::pkcs8::EncodePrivateKey;
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let k = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let pkcs8 = k.to_pkcs8_der().unwrap();
        let pkcs1 = k.to_pkcs1_der().unwrap();
        for der in [pkcs8.as_bytes(), pkcs1.as_bytes()] {
            let e = PublicKey::load(der).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidKey);
            assert!(e.message().contains("private key"), "{}", e.message());
            // Under a misleading label too.
            let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", soter_verify::base64::encode(der));
            assert!(PublicKey::load(pem.as_bytes()).unwrap_err().message().contains("private key"));
        }
    }
}

/// The default policy on chains built by the test root: each refusal, then the same chain
/// accepted when the caller relaxes that requirement.
#[test]
fn the_default_policy_refuses_each_weak_attestation() {
    use soter_verify::attestation::keydesc::SecurityLevel;
    use soter_verify::attestation::AttestationPolicy;
    use soter_verify::testing::{LeafSpec, TestRoot};
    let root = TestRoot::generate().unwrap();
    let ask = soter_verify::testing::KeyPair::generate(2048).unwrap();
    let json = br#"{"cpu_id":"cpu","uid":"7","counter":1}"#;
    let trusted = || ChainOptions::new().at(AT).with_root(root.root_der()).unwrap();
    let chain = |spec: LeafSpec| root.issue_with(&ask, "dev", Some(json), &spec).unwrap();
    assert!(verify_ask_chain_certs(&chain(LeafSpec::default()), &trusted()).is_ok());
    let refusals: [(LeafSpec, &str); 6] = [
        (LeafSpec { attestation_security_level: 0, ..LeafSpec::default() }, "attestation security level is software"),
        (LeafSpec { keymint_security_level: 0, ..LeafSpec::default() }, "KeyMint security level is software"),
        (LeafSpec { origin: Some(2), ..LeafSpec::default() }, "origin is IMPORTED"),
        (LeafSpec { origin: None, ..LeafSpec::default() }, "states no origin"),
        (LeafSpec { purposes: Some(vec![0]), ..LeafSpec::default() }, "purposes are [0]"),
        (LeafSpec { leaf_is_ca: true, ..LeafSpec::default() }, "is a CA"),
    ];
    for (spec, why) in refusals {
        let e = verify_ask_chain_certs(&chain(spec.clone()), &trusted()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid, "{spec:?}");
        assert!(e.message().contains(why), "{why}: {e:?}");
    }
    // The software key with origin IMPORTED and only ENCRYPT of the outside review: refused by
    // default, accepted under a permissive policy (the chain rules still hold).
    let weak = LeafSpec { attestation_security_level: 0, keymint_security_level: 0, origin: Some(2), purposes: Some(vec![0]), ..LeafSpec::default() };
    assert!(verify_ask_chain_certs(&chain(weak.clone()), &trusted()).is_err());
    assert!(verify_ask_chain_certs(&chain(weak), &trusted().policy(AttestationPolicy::permissive())).is_ok());
    let e = verify_ask_chain_certs(&chain(LeafSpec { leaf_is_ca: true, ..LeafSpec::default() }), &trusted().policy(AttestationPolicy::permissive())).unwrap_err();
    assert!(e.message().contains("is a CA"), "{e:?}");
    // A policy allowing StrongBox only refuses TEE.
    let sb_only = AttestationPolicy { security_levels: vec![SecurityLevel::StrongBox], ..AttestationPolicy::default() };
    assert!(verify_ask_chain_certs(&chain(LeafSpec::default()), &trusted().policy(sb_only.clone())).is_err());
    assert!(verify_ask_chain_certs(&chain(LeafSpec { attestation_security_level: 2, keymint_security_level: 2, ..LeafSpec::default() }), &trusted().policy(sb_only)).is_ok());
    // Position 1 saying CA:FALSE explicitly is tolerated.
    assert!(verify_ask_chain_certs(&chain(LeafSpec { device_says_not_ca: true, ..LeafSpec::default() }), &trusted()).is_ok());
}

#[test]
fn a_revocation_list_refuses_an_ask_chain() {
    let list = |serial: &str| {
        soter_verify::RevocationList::parse(format!(r#"{{"entries":{{"{serial}":{{"status":"REVOKED","reason":"KEY_COMPROMISE"}}}}}}"#).as_bytes()).unwrap()
    };
    // Not listed: accepted. The Huawei device certificate's serial listed: CertificateRevoked.
    assert!(verify_ask_chain(&sample(), &opts().revocations(list("abcdef"))).is_ok());
    let report = inspect_ask_chain(&sample(), &opts()).unwrap();
    assert_eq!(report.certs.len(), 4);
    let ders = sample_ders();
    let ka = soter_verify::verify_key_attestation(&ders, &[&ders[3]], Some(AT), None).unwrap();
    let e = verify_ask_chain(&sample(), &opts().revocations(list(&ka.serials[1]))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CertificateRevoked);
    assert!(e.message().contains("certificate #1") && e.message().contains("REVOKED"), "{e:?}");
}
