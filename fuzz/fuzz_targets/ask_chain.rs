#![no_main]
//! Any bytes as a certificate-chain ASK (certs JSON, PEM bundle, DER) and as one certificate of a
//! list: no panic, a bounded outcome, and only a chain ending at the built-in root can pass.
use libfuzzer_sys::fuzz_target;
use soter_verify::attestation::fuzzing::parse_and_check;
use soter_verify::{verify_ask_chain_certs, ChainOptions};

fuzz_target!(|data: &[u8]| {
    let _ = parse_and_check(data);
    let options = ChainOptions::new().at(1_767_225_600);
    if let Ok(ask) = verify_ask_chain_certs(&[data], &options) {
        // One certificate alone is never a trusted ASK: it would be leaf and Huawei root at once.
        panic!("a single certificate was accepted as a chain: {ask:?}");
    }
});
