//! General Android key attestation: any vendor's chain up to Google's hardware attestation roots
//! (or roots the caller adds), the leaf's KeyDescription decoded, Google's revocation status
//! list, and the policy SOTER ASK chains are held to.
//!
//! Chain tolerances are those of SOTER chains (see the `attestation` module docs), plus: the
//! certificate at position 1 (the device's attestation key) may carry BasicConstraints CA:FALSE
//! written out (Pixel and Sony factory chains do) as well as none at all (Huawei); the leaf is
//! never a CA; a leaf key of any algorithm (RSA, EC, ML-DSA, Ed25519) is returned as its SPKI,
//! since the leaf signs nothing in the chain.

use std::collections::HashMap;

use serde_json::json;

use super::cert::{self, Cert};
use super::keydesc::{self, AuthorizationList, KeyDescription, SecurityLevel};
use super::{check_chain, decode_certs, hex, invalid, leaf_key_description, parse_all};
use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};

/// SHA-256 of the SubjectPublicKeyInfo of Google's RSA-4096 hardware attestation root
/// (subject serialNumber=f92009e853b6b045; its 2016, 2019 and 2022 certificates share the key).
/// From the `roots.json` of the android/keyattestation project.
pub const GOOGLE_ROOT_RSA_SPKI_SHA256: &str = "feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae";
/// SHA-256 of the SubjectPublicKeyInfo of Google's ECDSA P-384 root "Key Attestation CA1"
/// (2025-07-17 to 2035-07-15), from the same `roots.json`.
pub const GOOGLE_ROOT_EC_2025_SPKI_SHA256: &str = "3ee44512a1af2beb39c889490c60ea3f82e43f5d5a5532f5ab9419f676cd07ec";

/// A verified Android key attestation: the leaf's KeyDescription, its key, and the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAttestation {
    pub attestation_version: i64,
    pub attestation_security_level: SecurityLevel,
    pub keymint_version: i64,
    pub keymint_security_level: SecurityLevel,
    pub attestation_challenge: Vec<u8>,
    pub unique_id: Vec<u8>,
    pub software_enforced: AuthorizationList,
    pub hardware_enforced: AuthorizationList,
    /// The attested key's SubjectPublicKeyInfo (DER), whatever its algorithm.
    pub public_key: Vec<u8>,
    /// "RSA 2048", "EC P-256", or the algorithm's name for keys only returned as SPKI.
    pub public_key_algorithm: String,
    /// Subjects, leaf first.
    pub subjects: Vec<String>,
    /// Serial numbers (lowercase hex, as the status list writes them), leaf first.
    pub serials: Vec<String>,
    pub root_spki_sha256: [u8; 32],
}

impl KeyAttestation {
    fn new(kd: KeyDescription, certs: &[Cert], root: [u8; 32]) -> KeyAttestation {
        let leaf = &certs[0];
        let public_key_algorithm = match leaf.key() {
            cert::CertKey::Unusable(_) => spki_algorithm(&leaf.spki_der),
            k => k.describe(),
        };
        KeyAttestation {
            attestation_version: kd.attestation_version,
            attestation_security_level: kd.attestation_security_level,
            keymint_version: kd.keymint_version,
            keymint_security_level: kd.keymint_security_level,
            attestation_challenge: kd.attestation_challenge,
            unique_id: kd.unique_id,
            software_enforced: kd.software_enforced,
            hardware_enforced: kd.hardware_enforced,
            public_key: leaf.spki_der.clone(),
            public_key_algorithm,
            subjects: certs.iter().map(|c| c.subject.clone()).collect(),
            serials: certs.iter().map(|c| c.serial_hex.clone()).collect(),
            root_spki_sha256: root,
        }
    }

    /// The KeyDescription part (for [`AttestationPolicy::check`]).
    pub fn key_description(&self) -> KeyDescription {
        KeyDescription {
            attestation_version: self.attestation_version,
            attestation_security_level: self.attestation_security_level,
            keymint_version: self.keymint_version,
            keymint_security_level: self.keymint_security_level,
            attestation_challenge: self.attestation_challenge.clone(),
            unique_id: self.unique_id.clone(),
            software_enforced: self.software_enforced.clone(),
            hardware_enforced: self.hardware_enforced.clone(),
        }
    }

    /// The whole attestation as JSON (bytes as lowercase hex; absent fields left out): what the
    /// C ABI hands to Python and Java, and what `soter inspect --chain` prints.
    pub fn to_json(&self) -> String {
        let mut v = key_description_json(&self.key_description());
        let m = v.as_object_mut().expect("an object");
        m.insert("public_key".into(), json!(hex(&self.public_key)));
        m.insert("public_key_algorithm".into(), json!(self.public_key_algorithm));
        m.insert("subjects".into(), json!(self.subjects));
        m.insert("serials".into(), json!(self.serials));
        m.insert("root_spki_sha256".into(), json!(hex(&self.root_spki_sha256)));
        v.to_string()
    }
}

/// A KeyDescription as JSON (bytes as lowercase hex, absent fields left out): the form
/// [`KeyAttestation::to_json`] and `soter inspect --chain` use.
pub fn key_description_json(kd: &KeyDescription) -> serde_json::Value {
    json!({
        "attestation_version": kd.attestation_version,
        "attestation_security_level": kd.attestation_security_level.name(),
        "keymint_version": kd.keymint_version,
        "keymint_security_level": kd.keymint_security_level.name(),
        "attestation_challenge": hex(&kd.attestation_challenge),
        "unique_id": hex(&kd.unique_id),
        "software_enforced": list_json(&kd.software_enforced),
        "hardware_enforced": list_json(&kd.hardware_enforced),
    })
}

fn list_json(a: &AuthorizationList) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut m = Map::new();
    let mut int = |k: &str, v: Option<i64>| {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    };
    int("algorithm", a.algorithm);
    int("key_size", a.key_size);
    int("ec_curve", a.ec_curve);
    int("ml_dsa_variant", a.ml_dsa_variant);
    int("rsa_public_exponent", a.rsa_public_exponent);
    int("active_date_time", a.active_date_time);
    int("origination_expire_date_time", a.origination_expire_date_time);
    int("usage_expire_date_time", a.usage_expire_date_time);
    int("usage_count_limit", a.usage_count_limit);
    int("user_auth_type", a.user_auth_type);
    int("auth_timeout", a.auth_timeout);
    int("creation_date_time", a.creation_date_time);
    int("origin", a.origin);
    int("os_version", a.os_version);
    int("os_patch_level", a.os_patch_level);
    int("vendor_patch_level", a.vendor_patch_level);
    int("boot_patch_level", a.boot_patch_level);
    for (k, v) in [("purposes", &a.purposes), ("block_modes", &a.block_modes), ("digests", &a.digests), ("paddings", &a.paddings), ("mgf_digests", &a.mgf_digests)] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    for (k, v) in [
        ("rollback_resistance", a.rollback_resistance),
        ("early_boot_only", a.early_boot_only),
        ("no_auth_required", a.no_auth_required),
        ("allow_while_on_body", a.allow_while_on_body),
        ("trusted_user_presence_required", a.trusted_user_presence_required),
        ("trusted_confirmation_required", a.trusted_confirmation_required),
        ("unlocked_device_required", a.unlocked_device_required),
        ("device_unique_attestation", a.device_unique_attestation),
    ] {
        if v {
            m.insert(k.into(), json!(true));
        }
    }
    for (k, v) in [
        ("attestation_id_brand", &a.attestation_id_brand),
        ("attestation_id_device", &a.attestation_id_device),
        ("attestation_id_product", &a.attestation_id_product),
        ("attestation_id_serial", &a.attestation_id_serial),
        ("attestation_id_imei", &a.attestation_id_imei),
        ("attestation_id_second_imei", &a.attestation_id_second_imei),
        ("attestation_id_meid", &a.attestation_id_meid),
        ("attestation_id_manufacturer", &a.attestation_id_manufacturer),
        ("attestation_id_model", &a.attestation_id_model),
        ("module_hash", &a.module_hash),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(hex(v)));
        }
    }
    if let Some(r) = &a.root_of_trust {
        let mut rm = Map::new();
        rm.insert("verified_boot_key".into(), json!(hex(&r.verified_boot_key)));
        rm.insert("device_locked".into(), json!(r.device_locked));
        rm.insert("verified_boot_state".into(), json!(r.verified_boot_state.name()));
        if let Some(h) = &r.verified_boot_hash {
            rm.insert("verified_boot_hash".into(), json!(hex(h)));
        }
        m.insert("root_of_trust".into(), Value::Object(rm));
    }
    if let Some(id) = &a.attestation_application_id {
        let packages: Vec<Value> = id
            .packages
            .iter()
            .map(|p| json!({"name": String::from_utf8_lossy(&p.name), "version": p.version}))
            .collect();
        let digests: Vec<String> = id.signature_digests.iter().map(|d| hex(d)).collect();
        m.insert("attestation_application_id".into(), json!({"packages": packages, "signature_digests": digests}));
    }
    if !a.unknown_tags.is_empty() {
        m.insert("unknown_tags".into(), json!(a.unknown_tags));
    }
    Value::Object(m)
}

/// The algorithm name of an SPKI the chain check cannot use (for ML-DSA and Ed25519 leaves).
fn spki_algorithm(spki: &[u8]) -> String {
    use x509_cert::der::Decode;
    match x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki) {
        Ok(s) => cert::algorithm_name(&s.algorithm.oid.to_string()),
        Err(_) => "unknown".into(),
    }
}

/// One entry of Google's attestation status list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationEntry {
    /// "REVOKED" or "SUSPENDED" (both refuse the chain).
    pub status: String,
    pub reason: Option<String>,
}

/// Google's attestation status list: `{"entries": {"<serial hex>": {"status": ..., "reason": ...}}}`,
/// as fetched or shipped by the caller (this library never fetches it). Refresh it daily; see the
/// README for failing closed when the copy is older than `revocations_max_age`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevocationList {
    entries: HashMap<String, RevocationEntry>,
}

/// Largest status list accepted (Google's is tens of KiB today).
pub const MAX_REVOCATION_LIST: usize = 16 * 1024 * 1024;

fn normalize_serial(s: &str) -> String {
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.to_string() }
}

impl RevocationList {
    /// Parse the status list JSON. `InvalidJson` when it is not that shape.
    pub fn parse(json: &[u8]) -> Result<RevocationList> {
        if json.len() > MAX_REVOCATION_LIST {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                format!("the revocation list is {} bytes; at most {MAX_REVOCATION_LIST} are accepted", json.len()),
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| Error::json(format!("the revocation list is not JSON ({e})")))?;
        let entries = v
            .get("entries")
            .and_then(|e| e.as_object())
            .ok_or_else(|| Error::json("the revocation list has no \"entries\" object"))?;
        let mut out = HashMap::with_capacity(entries.len());
        for (serial, e) in entries {
            if serial.is_empty() || !serial.trim().bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::json(format!("the revocation list names a serial that is not hex: {:?}", serial.chars().take(80).collect::<String>())));
            }
            let status = e
                .get("status")
                .and_then(|s| s.as_str())
                .ok_or_else(|| Error::json(format!("the revocation list entry {serial} has no \"status\" string")))?;
            let reason = e.get("reason").and_then(|r| r.as_str()).map(str::to_string);
            out.insert(normalize_serial(serial), RevocationEntry { status: status.to_string(), reason });
        }
        Ok(RevocationList { entries: out })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for a serial number (hex, any case, leading zeros or not).
    pub fn get(&self, serial_hex: &str) -> Option<&RevocationEntry> {
        self.entries.get(&normalize_serial(serial_hex))
    }

    /// `CertificateRevoked` naming the first listed certificate of the chain.
    pub(crate) fn check(&self, certs: &[Cert]) -> Result<()> {
        for (i, c) in certs.iter().enumerate() {
            if let Some(e) = self.entries.get(&c.serial_hex) {
                let reason = e.reason.as_deref().map(|r| format!(", reason {}", r.chars().take(80).collect::<String>())).unwrap_or_default();
                return Err(Error::new(
                    ErrorKind::CertificateRevoked,
                    format!("{} (serial {}) is listed in the revocation list as {}{reason}", c.name(i), c.serial_hex, e.status.chars().take(20).collect::<String>()),
                ));
            }
        }
        Ok(())
    }
}

/// What a key attestation must say for a SOTER ASK chain to be accepted. The default: both
/// security levels TEE or StrongBox, origin GENERATED, purpose SIGN (each read from the
/// hardware-enforced list). Relax a field by widening it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationPolicy {
    /// Accepted attestation and KeyMint security levels.
    pub security_levels: Vec<SecurityLevel>,
    /// Accepted origins ([`keydesc::origin`]); empty: any, or none stated.
    pub origins: Vec<i64>,
    /// The key must have one of these purposes ([`keydesc::purpose`]); empty: any.
    pub purposes: Vec<i64>,
}

/// The purpose value Huawei's SOTER keys carry instead of SIGN (`02 05 00 ff 01 00 01` in the
/// real 2018 chain's hardware-enforced list): accepted by the default policy as SOTER's signing
/// purpose, a documented tolerance.
pub const HUAWEI_SOTER_PURPOSE: i64 = 0xff01_0001;

impl Default for AttestationPolicy {
    fn default() -> Self {
        AttestationPolicy {
            security_levels: vec![SecurityLevel::TrustedEnvironment, SecurityLevel::StrongBox],
            origins: vec![keydesc::origin::GENERATED],
            purposes: vec![keydesc::purpose::SIGN, HUAWEI_SOTER_PURPOSE],
        }
    }
}

impl AttestationPolicy {
    /// No requirement on the KeyDescription (the chain rules still apply).
    pub fn permissive() -> AttestationPolicy {
        AttestationPolicy {
            security_levels: vec![SecurityLevel::Software, SecurityLevel::TrustedEnvironment, SecurityLevel::StrongBox],
            origins: Vec::new(),
            purposes: Vec::new(),
        }
    }

    /// `CertificateInvalid` naming the first requirement the KeyDescription does not meet.
    pub fn check(&self, kd: &KeyDescription) -> Result<()> {
        for (what, level) in [("attestation", kd.attestation_security_level), ("KeyMint", kd.keymint_security_level)] {
            if !self.security_levels.contains(&level) {
                return Err(invalid(format!("the {what} security level is {}, and the policy requires {}", level.name(), names(&self.security_levels))));
            }
        }
        // Hardware-enforced values are what the secure hardware vouches for; a key at Software
        // level (only when the policy allows it) has its values in the software list.
        let software_ok = self.security_levels.contains(&SecurityLevel::Software);
        let hw = &kd.hardware_enforced;
        let sw = &kd.software_enforced;
        if !self.origins.is_empty() {
            let origin = hw.origin.or(if software_ok { sw.origin } else { None });
            match origin {
                Some(o) if self.origins.contains(&o) => {}
                Some(o) => return Err(invalid(format!("the key's origin is {} and the policy requires {}", origin_name(o), self.origins.iter().map(|&o| origin_name(o)).collect::<Vec<_>>().join(" or ")))),
                None => return Err(invalid("the hardware-enforced list states no origin, and the policy requires one".into())),
            }
        }
        if !self.purposes.is_empty() {
            let purposes = hw.purposes.as_ref().or(if software_ok { sw.purposes.as_ref() } else { None });
            if !purposes.is_some_and(|ps| ps.iter().any(|p| self.purposes.contains(p))) {
                return Err(invalid(format!(
                    "the key's purposes are {:?}, and the policy requires {}",
                    purposes.cloned().unwrap_or_default(),
                    self.purposes.iter().map(|&p| purpose_name(p)).collect::<Vec<_>>().join(" or ")
                )));
            }
        }
        Ok(())
    }
}

fn names(levels: &[SecurityLevel]) -> String {
    levels.iter().map(|l| l.name()).collect::<Vec<_>>().join(" or ")
}

fn origin_name(o: i64) -> String {
    match o {
        0 => "GENERATED".into(),
        1 => "DERIVED".into(),
        2 => "IMPORTED".into(),
        3 => "UNKNOWN".into(),
        4 => "SECURELY_IMPORTED".into(),
        other => other.to_string(),
    }
}

fn purpose_name(p: i64) -> String {
    let name = match p {
        0 => "ENCRYPT",
        1 => "DECRYPT",
        2 => "SIGN",
        3 => "VERIFY",
        5 => "WRAP_KEY",
        6 => "AGREE_KEY",
        7 => "ATTEST_KEY",
        HUAWEI_SOTER_PURPOSE => "HUAWEI_SOTER",
        _ => return p.to_string(),
    };
    format!("{name} ({p})")
}

fn is_google_root(pin: &[u8; 32]) -> bool {
    let h = hex(pin);
    h == GOOGLE_ROOT_RSA_SPKI_SHA256 || h == GOOGLE_ROOT_EC_2025_SPKI_SHA256
}

/// Verify an Android key attestation chain (leaf first; each item one certificate as PEM or
/// DER, or one item holding the whole chain as a PEM bundle) up to Google's hardware
/// attestation roots or one of `roots` (certificates, PEM or DER), at Unix time `at` (now when
/// None), refusing any certificate `revocations` lists. No policy is applied: the caller reads
/// the returned [`KeyAttestation`] (or uses [`AttestationPolicy::check`]).
///
/// Errors: `CertificateInvalid` (a broken chain, an unsupported signature algorithm, a
/// malformed KeyDescription naming its field), `CertificateRevoked`, `UntrustedRoot`,
/// `InputTooLarge`.
pub fn verify_key_attestation<C: AsRef<[u8]>>(
    certs: &[C],
    roots: &[&[u8]],
    at: Option<u64>,
    revocations: Option<&RevocationList>,
) -> Result<KeyAttestation> {
    verify_key_attestation_with(certs, roots, at, revocations, Backend::default())
}

/// [`verify_key_attestation`] on a chosen backend (for the differential tests and benchmarks).
#[doc(hidden)]
pub fn verify_key_attestation_with<C: AsRef<[u8]>>(
    certs: &[C],
    roots: &[&[u8]],
    at: Option<u64>,
    revocations: Option<&RevocationList>,
    backend: Backend,
) -> Result<KeyAttestation> {
    let mut ders = Vec::new();
    for (i, c) in certs.iter().enumerate() {
        ders.extend(decode_certs(c.as_ref(), &format!("certificate #{i}"))?);
        if ders.len() > super::MAX_CHAIN_CERTS {
            break; // parse_all reports the count
        }
    }
    let parsed = parse_all(&ders)?;
    let mut pins = Vec::with_capacity(roots.len());
    for (i, r) in roots.iter().enumerate() {
        let ders = decode_certs(r, &format!("root #{i}"))?;
        if ders.len() != 1 {
            return Err(invalid(format!("root #{i}: a root is one certificate; this input holds {}", ders.len())));
        }
        pins.push(cert::parse(&ders[0], 0).map_err(|e| e.prefixed(&format!("root #{i}: ")))?.spki_sha256());
    }
    let at = at.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
    });
    let trusts = |pin: &[u8; 32]| is_google_root(pin) || pins.contains(pin);
    let root = check_chain(&parsed, at, &trusts, revocations, backend)?;
    let kd = leaf_key_description(&parsed[0])?;
    Ok(KeyAttestation::new(kd, &parsed, root))
}
