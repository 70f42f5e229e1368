//! General Android key attestation on real chains (tests/vectors/android-keyattestation, from
//! the android/keyattestation project, with its NOTICE): every field this crate decodes is
//! compared with the values the project publishes beside each chain, at a time inside the
//! chain's validity; the invalid chains are refused naming the field; both backends agree.

use serde_json::{json, Map, Value};
use soter_verify::attestation::keydesc::{AuthorizationList, SecurityLevel};
use soter_verify::attestation::{
    verify_key_attestation, verify_key_attestation_with, KeyAttestation, RevocationList, GOOGLE_ROOT_EC_2025_SPKI_SHA256,
    GOOGLE_ROOT_RSA_SPKI_SHA256,
};
use soter_verify::{Backend, ErrorKind};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/android-keyattestation/");

/// Each chain and a Unix time inside the validity of all its certificates (the middle of the
/// overlap; remotely provisioned intermediates live two weeks to two months).
const CHAINS: [(&str, u64); 12] = [
    ("akita/sdk34/TEE_EC_NONE", 1727237961),
    ("akita/sdk34/TEE_RSA_BASE+IMEI", 1727237961),
    ("akita/sdk34/TEE_RSA_NONE_USERAUTH", 1727237961),
    ("blueline/sdk28/SB_RSA_NONE", 1654587493),
    ("blueline/sdk28/TEE_RSA_NONE", 1656009064),
    ("caiman/sdk36/SB_EC_RKP", 1759173116),
    ("sony-xperia10-iii/sdk33/TEE_EC", 1621961636),
    ("tegu/sdk36/TEE_EC_2026_ROOT", 1772324168),
    ("tegu/sdk37/TEE_MAX_USAGE_COUNT", 1783797207),
    ("tegu/sdk37/TEE_TRUSTED_CONF", 1783428564),
    ("tokay/sdk37/TEE_MLDSA_FACTORY", 1855179144),
    ("tokay/sdk37/TEE_MLDSA_RKP", 1777757452),
];

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}.pem")).unwrap()
}

/// The published values (JSON with `//` comment lines).
fn published(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DIR}{name}.json")).unwrap();
    let text: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    serde_json::from_str(&text).unwrap()
}

fn b64(bytes: &[u8]) -> Value {
    json!(String::from_utf8(soter_verify::base64::encode(bytes).into_bytes()).unwrap())
}

fn level(l: SecurityLevel) -> &'static str {
    match l {
        SecurityLevel::Software => "SOFTWARE",
        SecurityLevel::TrustedEnvironment => "TRUSTED_ENVIRONMENT",
        SecurityLevel::StrongBox => "STRONG_BOX",
    }
}

/// An authorization list in the published form (numbers as strings, bytes as base64, the
/// attestation IDs as text, the flags as `true`).
fn list(a: &AuthorizationList) -> Value {
    let mut m = Map::new();
    let s = |v: i64| json!(v.to_string());
    let ss = |v: &Vec<i64>| json!(v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("purposes", a.purposes.as_ref().map(ss));
    put("algorithms", a.algorithm.map(s));
    put("keySize", a.key_size.map(s));
    put("blockModes", a.block_modes.as_ref().map(ss));
    put("digests", a.digests.as_ref().map(ss));
    put("paddings", a.paddings.as_ref().map(ss));
    put("ecCurve", a.ec_curve.map(s));
    put("mlDsaVariant", a.ml_dsa_variant.map(s));
    put("rsaPublicExponent", a.rsa_public_exponent.map(s));
    put("rsaOaepMgfDigests", a.mgf_digests.as_ref().map(ss));
    put("activeDateTime", a.active_date_time.map(s));
    put("originationExpireDateTime", a.origination_expire_date_time.map(s));
    put("usageExpireDateTime", a.usage_expire_date_time.map(s));
    put("usageCountLimit", a.usage_count_limit.map(s));
    put("userAuthType", a.user_auth_type.map(s));
    put("authTimeout", a.auth_timeout.map(s));
    put("creationDateTime", a.creation_date_time.map(s));
    put("origin", a.origin.map(|o| json!(["GENERATED", "DERIVED", "IMPORTED", "UNKNOWN", "SECURELY_IMPORTED"][o as usize])));
    put("osVersion", a.os_version.map(s));
    put("osPatchLevel", a.os_patch_level.map(s));
    put("vendorPatchLevel", a.vendor_patch_level.map(s));
    put("bootPatchLevel", a.boot_patch_level.map(s));
    for (k, v) in [
        ("rollbackResistant", a.rollback_resistance),
        ("earlyBootOnly", a.early_boot_only),
        ("noAuthRequired", a.no_auth_required),
        ("allowWhileOnBody", a.allow_while_on_body),
        ("trustedUserPresenceRequired", a.trusted_user_presence_required),
        ("trustedConfirmationRequired", a.trusted_confirmation_required),
        ("unlockedDeviceRequired", a.unlocked_device_required),
        ("deviceUniqueAttestation", a.device_unique_attestation),
    ] {
        put(k, v.then(|| json!(true)));
    }
    let text = |v: &Option<Vec<u8>>| v.as_ref().map(|b| json!(String::from_utf8(b.clone()).unwrap()));
    put("attestationIdBrand", text(&a.attestation_id_brand));
    put("attestationIdDevice", text(&a.attestation_id_device));
    put("attestationIdProduct", text(&a.attestation_id_product));
    put("attestationIdSerial", text(&a.attestation_id_serial));
    put("attestationIdImei", text(&a.attestation_id_imei));
    put("attestationIdSecondImei", text(&a.attestation_id_second_imei));
    put("attestationIdMeid", text(&a.attestation_id_meid));
    put("attestationIdManufacturer", text(&a.attestation_id_manufacturer));
    put("attestationIdModel", text(&a.attestation_id_model));
    put("moduleHash", a.module_hash.as_deref().map(b64));
    put(
        "rootOfTrust",
        a.root_of_trust.as_ref().map(|r| {
            let mut v = json!({
                "verifiedBootKey": b64(&r.verified_boot_key),
                "deviceLocked": r.device_locked,
                "verifiedBootState": r.verified_boot_state.name().to_uppercase(),
            });
            if let Some(h) = &r.verified_boot_hash {
                v["verifiedBootHash"] = b64(h);
            }
            v
        }),
    );
    put(
        "attestationApplicationId",
        a.attestation_application_id.as_ref().map(|id| {
            json!({
                "packages": id.packages.iter().map(|p| json!({"name": String::from_utf8(p.name.clone()).unwrap(), "version": p.version.to_string()})).collect::<Vec<_>>(),
                "signatures": id.signature_digests.iter().map(|d| b64(d)).collect::<Vec<_>>(),
            })
        }),
    );
    assert!(a.unknown_tags.is_empty(), "tags this decoder does not know: {:?}", a.unknown_tags);
    Value::Object(m)
}

fn ours(ka: &KeyAttestation) -> Value {
    json!({
        "attestationVersion": ka.attestation_version.to_string(),
        "attestationSecurityLevel": level(ka.attestation_security_level),
        "keyMintVersion": ka.keymint_version.to_string(),
        "keyMintSecurityLevel": level(ka.keymint_security_level),
        "attestationChallenge": b64(&ka.attestation_challenge),
        "uniqueId": b64(&ka.unique_id),
        "softwareEnforced": list(&ka.software_enforced),
        "hardwareEnforced": list(&ka.hardware_enforced),
    })
}

/// The published JSON without its meta field `areTagsOrdered` (the decoder refuses unordered
/// tags, so every chain it accepts has them ordered).
fn strip_meta(mut v: Value) -> Value {
    for l in ["softwareEnforced", "hardwareEnforced"] {
        if let Some(m) = v[l].as_object_mut() {
            if let Some(ordered) = m.remove("areTagsOrdered") {
                assert_eq!(ordered, json!(true));
            }
        }
    }
    v
}

#[test]
fn every_decoded_field_matches_the_published_values() {
    for (name, at) in CHAINS {
        let ka = verify_key_attestation(&[pem(name)], &[], Some(at), None).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(ours(&ka), strip_meta(published(name)), "{name}");
        // The root is one of Google's two, pinned.
        let root = soter_verify::attestation::hex(&ka.root_spki_sha256);
        let expected = if name.starts_with("tegu") || name.ends_with("MLDSA_RKP") { GOOGLE_ROOT_EC_2025_SPKI_SHA256 } else { GOOGLE_ROOT_RSA_SPKI_SHA256 };
        assert_eq!(root, expected, "{name}");
        // The leaf key comes back as its SPKI whatever its algorithm.
        assert_eq!(ka.public_key[0], 0x30, "{name}");
        if name.contains("MLDSA") {
            assert!(ka.public_key_algorithm.starts_with("ML-DSA-65"), "{name}: {}", ka.public_key_algorithm);
        }
        // JSON form parses and carries the same challenge.
        let j: Value = serde_json::from_str(&ka.to_json()).unwrap();
        assert_eq!(j["attestation_challenge"], json!(soter_verify::attestation::hex(&ka.attestation_challenge)));
    }
}

#[test]
fn both_backends_agree_on_every_real_chain() {
    for (name, at) in CHAINS {
        let aws = verify_key_attestation_with(&[pem(name)], &[], Some(at), None, Backend::default()).unwrap();
        let pure = verify_key_attestation_with(&[pem(name)], &[], Some(at), None, Backend::PureRust).unwrap();
        assert_eq!(aws, pure, "{name}");
    }
}

#[test]
fn the_google_pins_are_the_roots_published_in_roots_json() {
    let roots: Vec<String> = serde_json::from_slice(&std::fs::read(format!("{DIR}roots.json")).unwrap()).unwrap();
    assert_eq!(roots.len(), 2);
    // Each published root verifies alone (self-signed, pinned) at a time inside its validity.
    for (root, at) in roots.iter().zip([1_700_000_000u64, 1_800_000_000]) {
        let e = verify_key_attestation(&[root.as_bytes()], &[], Some(at), None).unwrap_err();
        // A root has no KeyDescription: the chain is sound and trusted, the leaf unusable.
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
        assert!(e.message().contains("no key-attestation extension"), "{e:?}");
    }
}

#[test]
fn validity_is_checked_at_the_given_time() {
    let (name, at) = CHAINS[7];
    let e = verify_key_attestation(&[pem(name)], &[], Some(at + 400 * 86_400), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CertificateInvalid);
    assert!(e.message().contains("expired"), "{e:?}");
    let e = verify_key_attestation(&[pem(name)], &[], Some(1_600_000_000), None).unwrap_err();
    assert!(e.message().contains("not valid before"), "{e:?}");
}

#[test]
fn a_listed_serial_is_revoked_anywhere_in_the_chain() {
    let (name, at) = CHAINS[0];
    let ka = verify_key_attestation(&[pem(name)], &[], Some(at), None).unwrap();
    // Google's list format; serials in any case and with leading zeros.
    let empty = RevocationList::parse(br#"{"entries": {"2c8cdddfd5e03bfc": {"status": "REVOKED", "reason": "KEY_COMPROMISE"}}}"#).unwrap();
    assert!(verify_key_attestation(&[pem(name)], &[], Some(at), Some(&empty)).is_ok());
    for (i, serial) in ka.serials.iter().enumerate() {
        let body = format!(r#"{{"entries": {{"00{}": {{"status": "SUSPENDED", "reason": "SOFTWARE_FLAW"}}}}}}"#, serial.to_uppercase());
        let list = RevocationList::parse(body.as_bytes()).unwrap();
        let e = verify_key_attestation(&[pem(name)], &[], Some(at), Some(&list)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateRevoked, "{i}");
        assert!(e.message().contains(&format!("certificate #{i}")) && e.message().contains("SUSPENDED"), "{e:?}");
    }
    for bad in [&b"[]"[..], b"{}", br#"{"entries": {"xyz": {"status": "REVOKED"}}}"#, br#"{"entries": {"ab": {}}}"#] {
        assert_eq!(RevocationList::parse(bad).unwrap_err().kind(), ErrorKind::InvalidJson);
    }
}

/// The leaf's KeyDescription extension value, read with x509-cert.
fn leaf_key_description(pem_chain: &[u8]) -> Vec<u8> {
    use x509_cert::der::Decode;
    let text = std::str::from_utf8(pem_chain).unwrap();
    let first = &text[text.find("-----BEGIN CERTIFICATE-----").unwrap() + 27..text.find("-----END CERTIFICATE-----").unwrap()];
    let b64: String = first.chars().filter(|c| !c.is_whitespace()).collect();
    let c = x509_cert::Certificate::from_der(&soter_verify::base64::decode(b64.as_bytes()).unwrap()).unwrap();
    let ext = c.tbs_certificate.extensions.unwrap().into_iter().find(|e| e.extn_id.to_string() == soter_verify::attestation::OID_KEY_ATTESTATION).unwrap();
    ext.extn_value.as_bytes().to_vec()
}

#[test]
fn the_projects_invalid_chains_are_refused_naming_the_field() {
    // Both leaves were edited after signing, so the chain check refuses them at the signature;
    // the decoder on its own names the malformed field.
    for (name, at, field, why) in [
        ("invalid/tags_not_in_ascending_order", 1821115501, "hardwareEnforced.purpose", "ascending order"),
        ("invalid/malformed_rot_device_locked", 1768252213, "hardwareEnforced.rootOfTrust.deviceLocked", "BOOLEAN"),
    ] {
        let e = verify_key_attestation(&[pem(name)], &[], Some(at), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CertificateInvalid, "{name}");
        let e = soter_verify::attestation::keydesc::parse(&leaf_key_description(&pem(name))).unwrap_err();
        assert_eq!(e.field, field, "{name}: {e}");
        assert!(e.reason.contains(why), "{name}: {e}");
    }
}

#[test]
fn untrusted_roots_are_refused_and_added_roots_trusted() {
    let root = soter_verify::testing::TestRoot::generate().unwrap();
    let ask = soter_verify::testing::KeyPair::generate(2048).unwrap();
    let chain = root.issue(&ask, "dev", Some(b"{}")).unwrap();
    let e = verify_key_attestation(&chain, &[], Some(1_700_000_000), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UntrustedRoot);
    let ka = verify_key_attestation(&chain, &[root.root_der()], Some(1_700_000_000), None).unwrap();
    assert_eq!(ka.attestation_challenge, b"{}");
    assert_eq!(ka.hardware_enforced.purposes, Some(vec![2]));
    assert_eq!(ka.public_key_algorithm, "RSA 2048");
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let (name, at) = CHAINS[3];
    let good = pem(name);
    // Truncated PEM bundles, a chain out of order, an empty chain.
    for cut in [10, good.len() / 3, good.len() / 2, good.len() - 40] {
        assert!(verify_key_attestation(&[&good[..cut]], &[], Some(at), None).is_err());
    }
    let empty: [&[u8]; 0] = [];
    assert_eq!(verify_key_attestation(&empty, &[], Some(at), None).unwrap_err().kind(), ErrorKind::CertificateInvalid);
    let text = String::from_utf8(good.clone()).unwrap();
    let mut blocks: Vec<String> = text.split_inclusive("-----END CERTIFICATE-----").map(str::to_string).filter(|b| b.contains("BEGIN")).collect();
    blocks.swap(0, 1);
    let e = verify_key_attestation(&blocks, &[], Some(at), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CertificateInvalid, "{e:?}");
}
