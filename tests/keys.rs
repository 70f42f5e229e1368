//! Public keys in every shape devices and backends send, and every way a key can be unusable.

mod common;

use soter_verify::testing::{rsa_pkcs1_der, rsa_spki_der};
use soter_verify::{base64, ErrorKind, PublicKey, SaltLen};

const EC_P256: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpAEiGJAMgEGy80+U1S6DxueTtXFriPzOpIU4rOTex62OsxhALE955niHdFL3gsjU5AOa1JSApPRglEbn6Nlvuw==";
const ED25519: &str = "MCowBQYDK2VwAyEAMilJAIsWVh0QYYV0hYBl6EYK7FE9lHuqV1l2hhoyNII=";
const DSA_1024: &str = "MIIBvjCCATMGByqGSM44BAEwggEmAoGBAJIXRaxdOZlJiXPfMJsWtANXx76NJMMKpdb0k5T2Vk5mGG3Ial1tbPQAmz8hatxsldjZp+fQCgA1raBYPIDw8DNfbz5yVN60yXaK6j0e81oEO2O3aLC0Igs/uaewg/INZhVf6T0z/QjPrTdGsyY+uX9NXcc5yLwMLyS7m2QhuJUnAh0A/GeNxj8ZEHozgiPBYG/YxLeiQ+x+O8jAUX0cqwKBgBoI+vRBGPOEfOuSMPEDwEE/y5c2hBNAdxqkcdlVBUdCmmQGvKe0cA1WXgxN4zajauuFt5utLsT8bUt1gihzAQrTLW7HOD4s+i/IMoXgoWDBW9LeiMab/LcfA7bKL+leo6BXIYwQ3k4pg+iQ1SYn/Co5EAYNCo2det5+91OmExg0A4GEAAKBgBHLv0gxzV1q6vEc1la7Xfd/4G/ab4D92jwvf1ZijjpXSp3tTip/NauI0wv2Y8nPfosLqG1Zrzlxk0PynMQ2oMupX0uiu1Q2/OW0GQEV2I0BhH5vCc+9HoIGURCLWsGejKXg73gPImjIp5xphYZ/3iOcGq34N/JV+kllrrjrObnT";
/// Ed448, X25519 and X448 SubjectPublicKeyInfo with made-up key bytes (only the algorithm is read).
const ED448: &str = "MEMwBQYDK2VxAzoAAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4";
const X25519: &str = "MCowBQYDK2VuAyEAAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const X448: &str = "MEIwBQYDK2VvAzkAAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc=";
const RSA_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDKUGRHTbbfJYIWvUPz75sEg86ADjnJBinzvpniYVjhMHzWKCKEyHoDxF/BymBpilEH9V71s3JtXWu10b5E2qSEycmZPYM+V940TxRSS7Mm5zSgkubOFdzsLRWTUf+O8nke+ztdXqsSLk79FrDWGytApjKFGzcMAQacg0kbfs+rOwIDAQAB";

fn pem(label: &str, der: &[u8], width: usize, eol: &str) -> String {
    let b64 = base64::encode(der);
    let body: Vec<&str> = b64.as_bytes().chunks(width).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----{eol}{}{eol}-----END {label}-----", body.join(eol))
}

fn kind(input: &[u8]) -> ErrorKind {
    PublicKey::load(input).unwrap_err().kind()
}

#[test]
fn every_encoding_loads_the_same_key() {
    let kp = common::keypair(2048);
    let key = kp.public_key();
    let spki = key.to_spki_der();
    let pkcs1 = rsa_pkcs1_der(key.modulus(), &key.exponent().to_be_bytes());
    let json_escaped = pem("PUBLIC KEY", &spki, 64, "\n").replace('\n', "\\n").replace('/', "\\/");
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("PEM 64 columns", pem("PUBLIC KEY", &spki, 64, "\n").into_bytes()),
        ("PEM with trailing newline", (pem("PUBLIC KEY", &spki, 64, "\n") + "\n").into_bytes()),
        ("PEM one long line", pem("PUBLIC KEY", &spki, 10_000, "\n").into_bytes()),
        ("PEM header and body on one line", pem("PUBLIC KEY", &spki, 10_000, "").into_bytes()),
        ("PEM CRLF", pem("PUBLIC KEY", &spki, 64, "\r\n").into_bytes()),
        ("PEM 76 columns", pem("PUBLIC KEY", &spki, 76, "\n").into_bytes()),
        ("PEM surrounded by whitespace", format!("\n\n  {}  \n\t", pem("PUBLIC KEY", &spki, 64, "\n")).into_bytes()),
        ("SPKI under an RSA PUBLIC KEY label", pem("RSA PUBLIC KEY", &spki, 64, "\n").into_bytes()),
        ("PKCS#1 PEM", pem("RSA PUBLIC KEY", &pkcs1, 64, "\n").into_bytes()),
        ("PKCS#1 under a PUBLIC KEY label", pem("PUBLIC KEY", &pkcs1, 64, "\n").into_bytes()),
        ("mangled label", pem("PUBLIC KEY", &spki, 64, "\n").replace("-----BEGIN PUBLIC KEY-----", "----BEGIN PUBLIC  KEY---").replace("-----END PUBLIC KEY-----", "--END PUBLIC KEY-").into_bytes()),
        ("bare base64", base64::encode(&spki).into_bytes()),
        ("bare base64 of PKCS#1", base64::encode(&pkcs1).into_bytes()),
        ("URL-safe base64 without padding", base64::encode_url(&spki).into_bytes()),
        ("DER", spki.clone()),
        ("PKCS#1 DER", pkcs1.clone()),
        ("\\n-escaped inside a JSON string", json_escaped.clone().into_bytes()),
        ("quoted JSON string", format!("\"{json_escaped}\"").into_bytes()),
    ];
    for (what, input) in inputs {
        let loaded = PublicKey::load(&input).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(&loaded, key, "{what}");
    }
}

#[test]
fn shared_vector_keys_in_their_forms() {
    let dir = common::vectors();
    let pem = common::read(&dir, "auth_key.pem");
    let key = PublicKey::load(&pem).unwrap();
    let one_line: Vec<u8> = pem.iter().copied().filter(|&b| b != b'\n').collect();
    assert_eq!(PublicKey::load(&one_line).unwrap(), key);
    assert_eq!(PublicKey::load(&key.to_spki_der()).unwrap(), key);
    assert_eq!(PublicKey::load(key.to_pem().as_bytes()).unwrap(), key);
}

#[test]
fn key_sizes_2048_to_4096() {
    for bits in [2048, 3072, 4096] {
        assert_eq!(common::keypair(bits).public_key().bits(), bits);
    }
    let der = base64::decode(RSA_1024.as_bytes()).unwrap();
    let e = PublicKey::load(&der).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeyTooSmall);
    assert!(e.message().contains("1024 bits"), "{e}");
    // An 8192-bit modulus (need not be a real key: the size is refused first).
    let mut n = vec![0xffu8; 1024];
    n[1023] = 0xfd;
    assert_eq!(kind(&rsa_spki_der(&n, &[1, 0, 1])), ErrorKind::UnsupportedKey);
}

#[test]
fn other_algorithms_are_named() {
    for (der, name) in [(EC_P256, "EC"), (ED25519, "Ed25519"), (DSA_1024, "DSA"), (ED448, "Ed448"), (X25519, "X25519"), (X448, "X448")] {
        let e = PublicKey::load(der.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnsupportedKey, "{name}");
        assert!(e.message().contains(name), "{name}: {e}");
        let e = PublicKey::load(pem("PUBLIC KEY", &base64::decode(der.as_bytes()).unwrap(), 64, "\n").as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnsupportedKey, "{name} PEM");
    }
}

#[test]
fn der_ending_in_whitespace_bytes_is_not_trimmed() {
    // An EC key whose DER ends in 0x0a: found by the Java suite (1 in ~60 random P-256 keys).
    let mut der = base64::decode(EC_P256.as_bytes()).unwrap();
    *der.last_mut().unwrap() = 0x0a;
    assert_eq!(kind(&der), ErrorKind::UnsupportedKey);
    *der.last_mut().unwrap() = 0x20;
    assert_eq!(kind(&der), ErrorKind::UnsupportedKey);
}

#[test]
fn broken_rsa_keys_are_refused() {
    let key = common::keypair(2048).public_key();
    let n = key.modulus().to_vec();
    let e = PublicKey::load(&rsa_spki_der(&n, &[1])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey);
    assert!(e.message().contains("exponent"), "{e}");
    assert_eq!(kind(&rsa_spki_der(&n, &[0x01, 0x00, 0x00])), ErrorKind::InvalidKey); // even
    assert_eq!(kind(&rsa_spki_der(&n, &[0])), ErrorKind::InvalidKey);
    assert_eq!(kind(&rsa_spki_der(&n, &[1, 0, 0, 0, 0, 0, 1])), ErrorKind::InvalidKey); // > 2^33
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert_eq!(kind(&rsa_spki_der(&even, &[1, 0, 1])), ErrorKind::InvalidKey);
    // A modulus with small factors: 2^2048 - 1 = 3 * 5 * 17 * 257 * ...
    let all_ones = vec![0xffu8; 256];
    let e = PublicKey::load(&rsa_spki_der(&all_ones, &[1, 0, 1])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey);
    assert!(e.message().contains("divisible by 3"), "{e}");
}

#[test]
fn private_keys_are_named_by_their_shape() {
    let message = |der: &[u8]| PublicKey::load(der).unwrap_err().message().to_string();
    let private: [&[u8]; 3] = [
        &[0x30, 0x09, 0x02, 0x01, 0x00, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03], // PKCS#1 RSAPrivateKey: version 0, n, e
        &[0x30, 0x05, 0x02, 0x01, 0x00, 0x30, 0x00], // PKCS#8: version 0, then the algorithm
        &[0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00], // SEC1 ECPrivateKey: version 1, then the key
    ];
    for der in private {
        assert!(message(der).contains("private key"), "{der:02x?}");
        assert!(message(base64::encode(der).as_bytes()).contains("private key"), "{der:02x?} as base64");
    }
    let other: [&[u8]; 3] = [
        &[0x30, 0x09, 0x02, 0x01, 0x02, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03], // version 2
        &[0x31, 0x09, 0x02, 0x01, 0x00, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03], // a SET, not a SEQUENCE
        &[0x30, 0x06, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00], // version 0, then a BOOLEAN
    ];
    for der in other {
        let m = message(base64::encode(der).as_bytes());
        assert!(m.contains("neither a SubjectPublicKeyInfo"), "{der:02x?}: {m}");
    }
}

#[test]
fn keys_are_equal_by_modulus_and_exponent() {
    let n = common::keypair(2048).public_key().modulus().to_vec();
    let k = PublicKey::from_components(&n, &[1, 0, 1]).unwrap();
    assert_eq!(k, *common::keypair(2048).public_key());
    assert_ne!(k, PublicKey::from_components(&n, &[3]).unwrap(), "same modulus, another exponent");
    assert_ne!(k, *common::keypair(3072).public_key());
    // Debug shows the size and exponent, never the modulus.
    assert_eq!(format!("{k:?}"), "PublicKey { bits: 2048, e: 65537 }");
}

#[test]
fn garbage_is_refused_with_a_reason() {
    assert_eq!(kind(b""), ErrorKind::InvalidInput);
    assert_eq!(kind(b"   \n"), ErrorKind::InvalidInput);
    assert_eq!(kind(b"hello world"), ErrorKind::InvalidKey);
    assert_eq!(kind(b"-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----"), ErrorKind::InvalidKey);
    assert_eq!(kind(b"\x30\x82\x01\x22\x00\x00"), ErrorKind::InvalidKey);
    // Bytes that are not text are DER only when they start with a SEQUENCE; else not a key at all.
    let e = PublicKey::load(&[0xffu8; 300]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey);
    assert!(e.message().contains("neither DER nor text"), "{e}");
    // Text that starts with '0' (0x30) is read as text, not as DER.
    let e = PublicKey::load(b"0 is not a key").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey);
    assert!(e.message().contains("base64 body"), "{e}");
    assert_eq!(kind(&vec![b'A'; 16 << 20]), ErrorKind::InputTooLarge);
    let e = PublicKey::load(b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----").unwrap_err();
    assert!(e.message().contains("private key"), "{e}");
    let e = PublicKey::load(b"-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----").unwrap_err();
    assert!(e.message().contains("certificate"), "{e}");
    // Truncated DER of a real key.
    let spki = common::keypair(2048).public_key().to_spki_der();
    for cut in [1, 10, 100, spki.len() - 1] {
        assert_eq!(kind(&spki[..cut]), ErrorKind::InvalidKey, "cut at {cut}");
    }
}

#[test]
fn hostile_signatures() {
    let kp = common::keypair(2048);
    let key = kp.public_key();
    let msg = b"{\"raw\":\"x\",\"counter\":1,\"cpu_id\":\"c\",\"uid\":\"u\"}";
    let sig = kp.sign(msg, 20).unwrap();
    let v = |s: &[u8]| key.verify(msg, s, SaltLen::Exact(20)).map(|_| ()).map_err(|e| e.kind());
    assert_eq!(v(&sig), Ok(()));
    assert_eq!(v(&[0u8; 256]), Err(ErrorKind::SignatureInvalid));
    assert_eq!(v(&[0xffu8; 256]), Err(ErrorKind::SignatureInvalid));
    assert_eq!(v(key.modulus()), Err(ErrorKind::SignatureInvalid));
    assert_eq!(v(&sig[..255]), Err(ErrorKind::MalformedSignature));
    assert_eq!(v(&[sig.clone(), vec![0]].concat()), Err(ErrorKind::MalformedSignature));
    assert_eq!(v(b""), Err(ErrorKind::MalformedSignature));
    assert_eq!(v(&vec![b'A'; 16 << 20]), Err(ErrorKind::InputTooLarge));
    // base64 forms
    let b64 = base64::encode(&sig);
    assert_eq!(v(b64.as_bytes()), Ok(()));
    assert_eq!(v(base64::encode_url(&sig).as_bytes()), Ok(()));
    assert_eq!(v(b64.trim_end_matches('=').as_bytes()), Ok(()));
    let wrapped: String = b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n");
    assert_eq!(v(format!("  {wrapped}\n").as_bytes()), Ok(()));
    assert_eq!(v(&b64.as_bytes()[..100]), Err(ErrorKind::MalformedSignature));
    assert_eq!(v(format!("{b64}!").as_bytes()), Err(ErrorKind::MalformedSignature));
}
