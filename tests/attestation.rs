//! Certificate-chain ASKs (key attestation): the real Huawei sample chain, tampering, trust,
//! validity, attestation content, hostile input, and the AuthKey step.

mod common;

use soter_verify::attestation::{inspect_ask_chain, HUAWEI_CBG_ROOT_SPKI_SHA256, MAX_CHAIN_CERTS};
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
