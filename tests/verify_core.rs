//! The verification core's decisions at their edges, written to kill the mutants that matter
//! (`make mutants`): constant-time comparison, each early check of EMSA-PSS-VERIFY, salt rules,
//! JSON limits. Fast: part of the mutation test set in .cargo/mutants.toml.

mod common;

use soter_verify::{authenticate, constant_time_eq, ErrorKind, Expectations};

#[test]
fn constant_time_eq_differs_whenever_any_byte_differs() {
    assert!(constant_time_eq(b"", b""));
    assert!(constant_time_eq(b"challenge", b"challenge"));
    // Two differences that cancel under XOR-folding ('a'^'b' == 'b'^'a').
    assert!(!constant_time_eq(b"ab", b"ba"));
    assert!(!constant_time_eq(b"xaby", b"xbay"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
    assert!(!constant_time_eq(b"", b"a"));
}

#[test]
fn a_challenge_differing_in_two_bytes_is_a_mismatch() {
    let key = common::keypair(2048);
    let json = br#"{"raw":"challenge-ab","counter":1,"cpu_id":"c","uid":"u"}"#;
    let sig = key.sign(json, 20).unwrap();
    assert!(authenticate(key.public_key(), json, &sig, &Expectations::new("challenge-ab")).is_ok());
    let e = authenticate(key.public_key(), json, &sig, &Expectations::new("challenge-ba")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChallengeMismatch);
}
