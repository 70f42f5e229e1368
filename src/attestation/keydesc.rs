//! The Android KeyDescription (the value of extension 1.3.6.1.4.1.11129.2.1.17), decoded strictly.
//!
//! Schema (Android key attestation, attestation versions 1 to 400):
//! `KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
//! keyMintVersion INTEGER, keyMintSecurityLevel ENUMERATED, attestationChallenge OCTET STRING,
//! uniqueId OCTET STRING, softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList }`,
//! each AuthorizationList a SEQUENCE of optional `[tag] EXPLICIT` fields.
//!
//! Strictness: DER lengths (minimal, definite, exact: no byte left over at any level, through the
//! `der` crate's decoders), INTEGERs minimal, BOOLEANs 00/FF, authorization tags in strictly
//! ascending order (so no duplicates), known tags with their documented types. Unknown tags (added
//! by later Android versions) are skipped, still in order. The `der` crate (0.7) reads tag numbers
//! up to 30 only, and authorization tags go up to 724, so the tag and length of each
//! authorization are read here (the high-tag-number form, minimal) and every value inside by `der`.
//!
//! Tolerated: SET OF elements in any order (DER sorts them; the values are a set either way).

use x509_cert::der::{
    asn1::{Null, OctetStringRef},
    Decode, Length, Reader, SliceReader,
};

/// Where the key lives: `software`, `tee` or `strongbox`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityLevel {
    Software,
    TrustedEnvironment,
    StrongBox,
}

impl SecurityLevel {
    /// "software", "tee", "strongbox".
    pub fn name(self) -> &'static str {
        match self {
            SecurityLevel::Software => "software",
            SecurityLevel::TrustedEnvironment => "tee",
            SecurityLevel::StrongBox => "strongbox",
        }
    }
}

/// KeyMint purposes (the `purposes` values).
pub mod purpose {
    pub const ENCRYPT: i64 = 0;
    pub const DECRYPT: i64 = 1;
    pub const SIGN: i64 = 2;
    pub const VERIFY: i64 = 3;
    pub const WRAP_KEY: i64 = 5;
    pub const AGREE_KEY: i64 = 6;
    pub const ATTEST_KEY: i64 = 7;
}

/// KeyMint key origins (the `origin` values).
pub mod origin {
    pub const GENERATED: i64 = 0;
    pub const DERIVED: i64 = 1;
    pub const IMPORTED: i64 = 2;
    pub const UNKNOWN: i64 = 3;
    pub const SECURELY_IMPORTED: i64 = 4;
}

/// Verified boot state of the root of trust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBootState {
    Verified,
    SelfSigned,
    Unverified,
    Failed,
}

impl VerifiedBootState {
    /// "verified", "self_signed", "unverified", "failed".
    pub fn name(self) -> &'static str {
        match self {
            VerifiedBootState::Verified => "verified",
            VerifiedBootState::SelfSigned => "self_signed",
            VerifiedBootState::Unverified => "unverified",
            VerifiedBootState::Failed => "failed",
        }
    }
}

/// The device's boot state as the secure hardware saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootOfTrust {
    pub verified_boot_key: Vec<u8>,
    pub device_locked: bool,
    pub verified_boot_state: VerifiedBootState,
    /// Present from attestation version 3 on.
    pub verified_boot_hash: Option<Vec<u8>>,
}

/// One package of the attesting application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageInfo {
    /// Package name bytes (UTF-8 in practice, not checked).
    pub name: Vec<u8>,
    pub version: i64,
}

/// Which application asked for the key: its packages and the SHA-256 of its signing certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationApplicationId {
    pub packages: Vec<PackageInfo>,
    pub signature_digests: Vec<Vec<u8>>,
}

/// One authorization list (software- or hardware-enforced). Absent fields are `None` (or
/// `false` for the NULL-typed flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationList {
    pub purposes: Option<Vec<i64>>,
    pub algorithm: Option<i64>,
    pub key_size: Option<i64>,
    pub block_modes: Option<Vec<i64>>,
    pub digests: Option<Vec<i64>>,
    pub paddings: Option<Vec<i64>>,
    pub ec_curve: Option<i64>,
    /// 1 ML-DSA-65, 2 ML-DSA-87.
    pub ml_dsa_variant: Option<i64>,
    pub rsa_public_exponent: Option<i64>,
    pub mgf_digests: Option<Vec<i64>>,
    pub rollback_resistance: bool,
    pub early_boot_only: bool,
    pub active_date_time: Option<i64>,
    pub origination_expire_date_time: Option<i64>,
    pub usage_expire_date_time: Option<i64>,
    pub usage_count_limit: Option<i64>,
    pub no_auth_required: bool,
    pub user_auth_type: Option<i64>,
    pub auth_timeout: Option<i64>,
    pub allow_while_on_body: bool,
    pub trusted_user_presence_required: bool,
    pub trusted_confirmation_required: bool,
    pub unlocked_device_required: bool,
    pub creation_date_time: Option<i64>,
    pub origin: Option<i64>,
    pub root_of_trust: Option<RootOfTrust>,
    pub os_version: Option<i64>,
    pub os_patch_level: Option<i64>,
    pub attestation_application_id: Option<AttestationApplicationId>,
    pub attestation_id_brand: Option<Vec<u8>>,
    pub attestation_id_device: Option<Vec<u8>>,
    pub attestation_id_product: Option<Vec<u8>>,
    pub attestation_id_serial: Option<Vec<u8>>,
    pub attestation_id_imei: Option<Vec<u8>>,
    pub attestation_id_meid: Option<Vec<u8>>,
    pub attestation_id_manufacturer: Option<Vec<u8>>,
    pub attestation_id_model: Option<Vec<u8>>,
    pub vendor_patch_level: Option<i64>,
    pub boot_patch_level: Option<i64>,
    pub device_unique_attestation: bool,
    pub attestation_id_second_imei: Option<Vec<u8>>,
    pub module_hash: Option<Vec<u8>>,
    /// Tag numbers present that this decoder does not know (kept for diagnosis).
    pub unknown_tags: Vec<u32>,
}

/// The decoded KeyDescription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDescription {
    pub attestation_version: i64,
    pub attestation_security_level: SecurityLevel,
    /// keymasterVersion before KeyMint.
    pub keymint_version: i64,
    pub keymint_security_level: SecurityLevel,
    pub attestation_challenge: Vec<u8>,
    pub unique_id: Vec<u8>,
    pub software_enforced: AuthorizationList,
    pub hardware_enforced: AuthorizationList,
}

/// Why a KeyDescription was refused: the field path and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDescriptionError {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for KeyDescriptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

type R<T> = Result<T, KeyDescriptionError>;

fn err(field: &str, reason: impl std::fmt::Display) -> KeyDescriptionError {
    KeyDescriptionError { field: field.to_string(), reason: reason.to_string() }
}

/// Universal tags used here.
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const ENUMERATED: u8 = 0x0a;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;

/// One TLV: class bits (0x00 universal, 0x80 context), constructed, tag number, the whole TLV
/// and its contents.
struct Tlv<'a> {
    class: u8,
    constructed: bool,
    number: u32,
    raw: &'a [u8],
    body: &'a [u8],
}

/// Read one TLV off the front of `input` (tag in low or minimal high-tag-number form, length
/// by `der`: definite, minimal, within the input).
fn read_tlv<'a>(input: &mut &'a [u8], field: &str) -> R<Tlv<'a>> {
    let all = *input;
    let first = *all.first().ok_or_else(|| err(field, "missing (the data ends)"))?;
    let mut pos = 1usize;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let b = *all.get(pos).ok_or_else(|| err(field, "a tag runs past the end"))?;
            if pos == 1 && b == 0x80 {
                return Err(err(field, "a tag number with a leading zero (not minimal)"));
            }
            if pos > 4 {
                return Err(err(field, "a tag number too large"));
            }
            number = (number << 7) | u32::from(b & 0x7f);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        if number < 31 {
            return Err(err(field, "a tag number below 31 in the long form (not minimal)"));
        }
    }
    let mut r = SliceReader::new(&all[pos..]).map_err(|e| err(field, e))?;
    let len = Length::decode(&mut r).map_err(|e| err(field, format!("bad length ({e})")))?;
    let header_len = pos + usize::try_from(r.position()).map_err(|_| err(field, "length overflow"))?;
    let body_len = usize::try_from(len).map_err(|_| err(field, "length overflow"))?;
    let end = header_len.checked_add(body_len).filter(|&e| e <= all.len()).ok_or_else(|| err(field, "the length runs past the end"))?;
    *input = &all[end..];
    Ok(Tlv { class: first & 0xc0, constructed: first & 0x20 != 0, number, raw: &all[..end], body: &all[header_len..end] })
}

/// A universal TLV of the given tag (one byte).
fn expect<'a>(input: &mut &'a [u8], tag: u8, field: &str) -> R<Tlv<'a>> {
    let t = read_tlv(input, field)?;
    if t.raw[0] != tag {
        return Err(err(field, format!("expected tag 0x{tag:02x}, found 0x{:02x}", t.raw[0])));
    }
    Ok(t)
}

fn integer(raw: &[u8], field: &str) -> R<i64> {
    i64::from_der(raw).map_err(|e| err(field, format!("not a DER INTEGER that fits 64 bits ({e})")))
}

/// ENUMERATED as a small non-negative integer (same content rules as INTEGER).
fn enumerated(t: &Tlv<'_>, field: &str) -> R<i64> {
    let mut as_int = t.raw.to_vec();
    as_int[0] = INTEGER;
    integer(&as_int, field)
}

fn octets(raw: &[u8], field: &str) -> R<Vec<u8>> {
    OctetStringRef::from_der(raw).map(|o| o.as_bytes().to_vec()).map_err(|e| err(field, format!("not a DER OCTET STRING ({e})")))
}

fn security_level(t: &Tlv<'_>, field: &str) -> R<SecurityLevel> {
    match enumerated(t, field)? {
        0 => Ok(SecurityLevel::Software),
        1 => Ok(SecurityLevel::TrustedEnvironment),
        2 => Ok(SecurityLevel::StrongBox),
        v => Err(err(field, format!("unknown security level {v}"))),
    }
}

/// Decode a KeyDescription (the extnValue octets).
pub fn parse(input: &[u8]) -> R<KeyDescription> {
    let mut rest = input;
    let outer = expect(&mut rest, SEQUENCE, "KeyDescription")?;
    if !rest.is_empty() {
        return Err(err("KeyDescription", "bytes after the SEQUENCE"));
    }
    let mut b = outer.body;
    let attestation_version = integer(expect(&mut b, INTEGER, "attestationVersion")?.raw, "attestationVersion")?;
    let t = expect(&mut b, ENUMERATED, "attestationSecurityLevel")?;
    let attestation_security_level = security_level(&t, "attestationSecurityLevel")?;
    let keymint_version = integer(expect(&mut b, INTEGER, "keyMintVersion")?.raw, "keyMintVersion")?;
    let t = expect(&mut b, ENUMERATED, "keyMintSecurityLevel")?;
    let keymint_security_level = security_level(&t, "keyMintSecurityLevel")?;
    let attestation_challenge = octets(expect(&mut b, OCTET_STRING, "attestationChallenge")?.raw, "attestationChallenge")?;
    let unique_id = octets(expect(&mut b, OCTET_STRING, "uniqueId")?.raw, "uniqueId")?;
    let software_enforced = authorization_list(expect(&mut b, SEQUENCE, "softwareEnforced")?.body, "softwareEnforced")?;
    let hardware_enforced = authorization_list(expect(&mut b, SEQUENCE, "hardwareEnforced")?.body, "hardwareEnforced")?;
    if !b.is_empty() {
        return Err(err("KeyDescription", "fields after hardwareEnforced"));
    }
    Ok(KeyDescription {
        attestation_version,
        attestation_security_level,
        keymint_version,
        keymint_security_level,
        attestation_challenge,
        unique_id,
        software_enforced,
        hardware_enforced,
    })
}

/// The attestationChallenge alone (the SOTER JSON of an ASK), by the same strict decoder.
pub(crate) fn challenge(input: &[u8]) -> R<Vec<u8>> {
    parse(input).map(|kd| kd.attestation_challenge)
}

fn set_of_integers(raw_body: &[u8], field: &str) -> R<Vec<i64>> {
    let mut b = raw_body;
    let set = expect(&mut b, SET, field)?;
    if !b.is_empty() {
        return Err(err(field, "bytes after the SET"));
    }
    let mut items = set.body;
    let mut out = Vec::new();
    while !items.is_empty() {
        out.push(integer(expect(&mut items, INTEGER, field)?.raw, field)?);
    }
    Ok(out)
}

fn authorization_list(body: &[u8], list: &str) -> R<AuthorizationList> {
    let mut a = AuthorizationList::default();
    let mut rest = body;
    let mut last: Option<u32> = None;
    while !rest.is_empty() {
        let t = read_tlv(&mut rest, list)?;
        let name = tag_name(t.number);
        let field = format!("{list}.{}", name.unwrap_or("[unknown tag]"));
        if t.class != 0x80 || !t.constructed {
            return Err(err(&field, "an authorization is not an EXPLICIT context-specific tag"));
        }
        if let Some(prev) = last {
            if t.number == prev {
                return Err(err(&field, format!("tag [{}] appears twice", t.number)));
            }
            if t.number < prev {
                return Err(err(&field, format!("tag [{}] comes after [{prev}]: tags must be in ascending order", t.number)));
            }
        }
        last = Some(t.number);
        let v = t.body;
        let f = field.as_str();
        let int = || integer(v, f);
        let flag = || Null::from_der(v).map(|_| true).map_err(|e| err(f, format!("not a DER NULL ({e})")));
        let bytes = || octets(v, f);
        match t.number {
            1 => a.purposes = Some(set_of_integers(v, f)?),
            2 => a.algorithm = Some(int()?),
            3 => a.key_size = Some(int()?),
            4 => a.block_modes = Some(set_of_integers(v, f)?),
            5 => a.digests = Some(set_of_integers(v, f)?),
            6 => a.paddings = Some(set_of_integers(v, f)?),
            10 => a.ec_curve = Some(int()?),
            11 => a.ml_dsa_variant = Some(int()?),
            200 => a.rsa_public_exponent = Some(int()?),
            203 => a.mgf_digests = Some(set_of_integers(v, f)?),
            303 => a.rollback_resistance = flag()?,
            305 => a.early_boot_only = flag()?,
            400 => a.active_date_time = Some(int()?),
            401 => a.origination_expire_date_time = Some(int()?),
            402 => a.usage_expire_date_time = Some(int()?),
            405 => a.usage_count_limit = Some(int()?),
            503 => a.no_auth_required = flag()?,
            504 => a.user_auth_type = Some(int()?),
            505 => a.auth_timeout = Some(int()?),
            506 => a.allow_while_on_body = flag()?,
            507 => a.trusted_user_presence_required = flag()?,
            508 => a.trusted_confirmation_required = flag()?,
            509 => a.unlocked_device_required = flag()?,
            701 => a.creation_date_time = Some(int()?),
            702 => a.origin = Some(int()?),
            704 => a.root_of_trust = Some(root_of_trust(v, f)?),
            705 => a.os_version = Some(int()?),
            706 => a.os_patch_level = Some(int()?),
            709 => a.attestation_application_id = Some(application_id(&bytes()?, f)?),
            710 => a.attestation_id_brand = Some(bytes()?),
            711 => a.attestation_id_device = Some(bytes()?),
            712 => a.attestation_id_product = Some(bytes()?),
            713 => a.attestation_id_serial = Some(bytes()?),
            714 => a.attestation_id_imei = Some(bytes()?),
            715 => a.attestation_id_meid = Some(bytes()?),
            716 => a.attestation_id_manufacturer = Some(bytes()?),
            717 => a.attestation_id_model = Some(bytes()?),
            718 => a.vendor_patch_level = Some(int()?),
            719 => a.boot_patch_level = Some(int()?),
            720 => a.device_unique_attestation = flag()?,
            723 => a.attestation_id_second_imei = Some(bytes()?),
            724 => a.module_hash = Some(bytes()?),
            n => {
                // Still one complete TLV inside the explicit tag.
                let mut inner = v;
                read_tlv(&mut inner, f)?;
                if !inner.is_empty() {
                    return Err(err(f, "bytes after the value"));
                }
                a.unknown_tags.push(n)
            }
        }
    }
    Ok(a)
}

fn tag_name(n: u32) -> Option<&'static str> {
    Some(match n {
        1 => "purpose",
        2 => "algorithm",
        3 => "keySize",
        4 => "blockMode",
        5 => "digest",
        6 => "padding",
        10 => "ecCurve",
        11 => "mlDsaVariant",
        200 => "rsaPublicExponent",
        203 => "mgfDigest",
        303 => "rollbackResistance",
        305 => "earlyBootOnly",
        400 => "activeDateTime",
        401 => "originationExpireDateTime",
        402 => "usageExpireDateTime",
        405 => "usageCountLimit",
        503 => "noAuthRequired",
        504 => "userAuthType",
        505 => "authTimeout",
        506 => "allowWhileOnBody",
        507 => "trustedUserPresenceRequired",
        508 => "trustedConfirmationRequired",
        509 => "unlockedDeviceRequired",
        701 => "creationDateTime",
        702 => "origin",
        704 => "rootOfTrust",
        705 => "osVersion",
        706 => "osPatchLevel",
        709 => "attestationApplicationId",
        710 => "attestationIdBrand",
        711 => "attestationIdDevice",
        712 => "attestationIdProduct",
        713 => "attestationIdSerial",
        714 => "attestationIdImei",
        715 => "attestationIdMeid",
        716 => "attestationIdManufacturer",
        717 => "attestationIdModel",
        718 => "vendorPatchLevel",
        719 => "bootPatchLevel",
        720 => "deviceUniqueAttestation",
        723 => "attestationIdSecondImei",
        724 => "moduleHash",
        _ => return None,
    })
}

fn root_of_trust(raw: &[u8], field: &str) -> R<RootOfTrust> {
    let mut rest = raw;
    let seq = expect(&mut rest, SEQUENCE, field)?;
    if !rest.is_empty() {
        return Err(err(field, "bytes after the SEQUENCE"));
    }
    let mut b = seq.body;
    let f = |name: &str| format!("{field}.{name}");
    let verified_boot_key = octets(expect(&mut b, OCTET_STRING, &f("verifiedBootKey"))?.raw, &f("verifiedBootKey"))?;
    let fl = f("deviceLocked");
    let device_locked = bool::from_der(read_tlv(&mut b, &fl)?.raw).map_err(|e| err(&fl, format!("not a DER BOOLEAN ({e})")))?;
    let fs = f("verifiedBootState");
    let state = match enumerated(&expect(&mut b, ENUMERATED, &fs)?, &fs)? {
        0 => VerifiedBootState::Verified,
        1 => VerifiedBootState::SelfSigned,
        2 => VerifiedBootState::Unverified,
        3 => VerifiedBootState::Failed,
        v => return Err(err(&fs, format!("unknown verified boot state {v}"))),
    };
    let verified_boot_hash = if b.is_empty() {
        None
    } else {
        let fh = f("verifiedBootHash");
        Some(octets(expect(&mut b, OCTET_STRING, &fh)?.raw, &fh)?)
    };
    if !b.is_empty() {
        return Err(err(field, "fields after verifiedBootHash"));
    }
    Ok(RootOfTrust { verified_boot_key, device_locked, verified_boot_state: state, verified_boot_hash })
}

fn application_id(der: &[u8], field: &str) -> R<AttestationApplicationId> {
    let mut rest = der;
    let seq = expect(&mut rest, SEQUENCE, field)?;
    if !rest.is_empty() {
        return Err(err(field, "bytes after the SEQUENCE"));
    }
    let mut b = seq.body;
    let fp = format!("{field}.packageInfos");
    let mut infos = expect(&mut b, SET, &fp)?.body;
    let mut packages = Vec::new();
    while !infos.is_empty() {
        let mut p = expect(&mut infos, SEQUENCE, &fp)?.body;
        let name = octets(expect(&mut p, OCTET_STRING, &fp)?.raw, &fp)?;
        let version = integer(expect(&mut p, INTEGER, &fp)?.raw, &fp)?;
        if !p.is_empty() {
            return Err(err(&fp, "fields after the version"));
        }
        packages.push(PackageInfo { name, version });
    }
    let fd = format!("{field}.signatureDigests");
    let mut digests = expect(&mut b, SET, &fd)?.body;
    let mut signature_digests = Vec::new();
    while !digests.is_empty() {
        signature_digests.push(octets(expect(&mut digests, OCTET_STRING, &fd)?.raw, &fd)?);
    }
    if !b.is_empty() {
        return Err(err(field, "fields after signatureDigests"));
    }
    Ok(AttestationApplicationId { packages, signature_digests })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        v.extend(crate::key::der_tlv(0x00, body).split_off(1));
        v
    }

    fn kd(sw: &[u8], hw: &[u8]) -> Vec<u8> {
        let body = [
            tlv(&[2], &[4]),
            tlv(&[0x0a], &[1]),
            tlv(&[2], &[41]),
            tlv(&[0x0a], &[2]),
            tlv(&[4], b"chal"),
            tlv(&[4], b""),
            tlv(&[0x30], sw),
            tlv(&[0x30], hw),
        ]
        .concat();
        tlv(&[0x30], &body)
    }

    /// [n] EXPLICIT in the high-tag-number form (n >= 31) or low form.
    fn ctx(n: u32, inner: &[u8]) -> Vec<u8> {
        let tag = if n < 31 {
            vec![0xa0 | n as u8]
        } else if n < 128 {
            vec![0xbf, n as u8]
        } else {
            vec![0xbf, 0x80 | (n >> 7) as u8, (n & 0x7f) as u8]
        };
        tlv(&tag, inner)
    }

    #[test]
    fn fields_decode_and_lists_stay_apart() {
        let hw = [
            ctx(1, &tlv(&[0x31], &[tlv(&[2], &[2]), tlv(&[2], &[3])].concat())),
            ctx(503, &[0x05, 0x00]),
            ctx(702, &tlv(&[2], &[0])),
            ctx(704, &tlv(&[0x30], &[tlv(&[4], &[7; 32]), vec![0x01, 0x01, 0xff], tlv(&[0x0a], &[0]), tlv(&[4], &[9; 32])].concat())),
        ]
        .concat();
        let sw = ctx(701, &tlv(&[2], &[0x01, 0x00]));
        let d = parse(&kd(&sw, &hw)).unwrap();
        assert_eq!((d.attestation_version, d.keymint_version), (4, 41));
        assert_eq!((d.attestation_security_level, d.keymint_security_level), (SecurityLevel::TrustedEnvironment, SecurityLevel::StrongBox));
        assert_eq!(d.attestation_challenge, b"chal");
        assert_eq!(d.hardware_enforced.purposes, Some(vec![2, 3]));
        assert!(d.hardware_enforced.no_auth_required && !d.software_enforced.no_auth_required);
        assert_eq!(d.hardware_enforced.origin, Some(origin::GENERATED));
        assert_eq!(d.software_enforced.creation_date_time, Some(256));
        assert_eq!(d.hardware_enforced.creation_date_time, None);
        let rot = d.hardware_enforced.root_of_trust.unwrap();
        assert!(rot.device_locked);
        assert_eq!(rot.verified_boot_state, VerifiedBootState::Verified);
        assert_eq!(rot.verified_boot_hash, Some(vec![9; 32]));
    }

    #[test]
    fn order_duplicates_and_lengths_are_strict() {
        let a = ctx(702, &tlv(&[2], &[0]));
        let b = ctx(705, &tlv(&[2], &[1]));
        assert!(parse(&kd(&[], &[a.clone(), b.clone()].concat())).is_ok());
        let e = parse(&kd(&[], &[b.clone(), a.clone()].concat())).unwrap_err();
        assert_eq!(e.field, "hardwareEnforced.origin");
        assert!(e.reason.contains("ascending"), "{e}");
        let e = parse(&kd(&[], &[a.clone(), a.clone()].concat())).unwrap_err();
        assert!(e.reason.contains("twice"), "{e}");
        // A non-minimal INTEGER inside, a NULL flag with content, a BOOLEAN 01.
        let e = parse(&kd(&[], &ctx(702, &tlv(&[2], &[0, 1])))).unwrap_err();
        assert_eq!(e.field, "hardwareEnforced.origin");
        assert!(parse(&kd(&[], &ctx(503, &[0x05, 0x01, 0x00]))).unwrap_err().field.ends_with("noAuthRequired"));
        let rot = ctx(704, &tlv(&[0x30], &[tlv(&[4], &[]), vec![0x01, 0x01, 0x01], tlv(&[0x0a], &[0])].concat()));
        assert_eq!(parse(&kd(&[], &rot)).unwrap_err().field, "hardwareEnforced.rootOfTrust.deviceLocked");
        // A long-form tag that fits the short form; a leading 0x80 in a tag number.
        assert!(parse(&kd(&[], &tlv(&[0xbf, 0x05], &tlv(&[2], &[0])))).unwrap_err().reason.contains("not minimal"));
        assert!(parse(&kd(&[], &tlv(&[0xbf, 0x80, 0x85, 0x3e], &tlv(&[2], &[0])))).unwrap_err().reason.contains("not minimal"));
        // A non-minimal length, lengths past the end, trailing bytes.
        let mut long_len = kd(&[], &[]);
        long_len.splice(1..2, [0x81, long_len[1]]);
        assert!(parse(&long_len).unwrap_err().reason.contains("length"));
        let good = kd(&[], &a);
        for cut in 1..good.len() {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(parse(&trailing).is_err());
        // Unknown tags are skipped in order; missing fields are named.
        let d = parse(&kd(&[], &[a.clone(), ctx(800, &[0x05, 0x00])].concat())).unwrap();
        assert_eq!(d.hardware_enforced.unknown_tags, [800]);
        assert_eq!(parse(&tlv(&[0x30], &tlv(&[2], &[4]))).unwrap_err().field, "attestationSecurityLevel");
    }
}
