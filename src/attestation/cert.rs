//! One X.509 certificate as the chain check needs it: the exact signed bytes, the signature, the
//! names, validity, key, and the few extensions that matter. Parsing is x509-cert (RustCrypto, on
//! the `der` crate) with its lenient `Raw` profile; see the module docs of `attestation` for the
//! deviations from DER that real devices produce and that are tolerated here.

use x509_cert::der::{self, asn1::ObjectIdentifier, Decode, Encode, Reader, SliceReader, Tag};
use sha2::{Digest, Sha256};
use x509_cert::certificate::{CertificateInner, Raw};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;

use super::ecdsa::{Curve, EcKey};

pub(crate) const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub(crate) const OID_KEY_USAGE: &str = "2.5.29.15";
/// Android key attestation (KeyDescription).
pub const OID_KEY_ATTESTATION: &str = "1.3.6.1.4.1.11129.2.1.17";
/// Extensions whose meaning this check knows, so that marking them critical is fine.
const KNOWN_CRITICAL: [&str; 9] = [
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    "2.5.29.37", // extended key usage
    "2.5.29.14", // subject key identifier
    "2.5.29.35", // authority key identifier
    "2.5.29.17", // subject alternative name
    "2.5.29.31", // CRL distribution points
    "2.5.29.32", // certificate policies
    OID_KEY_ATTESTATION,
];
/// Largest certificate accepted (real attestation certificates are 1 to 3 KiB).
pub const MAX_CERT_SIZE: usize = 32 * 1024;

/// A certificate's public key, as far as chain checks use it.
#[derive(Clone, Debug)]
pub(crate) enum CertKey {
    Rsa(PublicKey),
    Ec(EcKey),
    /// Parsed but not usable to check a signature: the reason, for the error message. A leaf
    /// may hold such a key (ML-DSA, Ed25519): it signs nothing in the chain, and its
    /// SubjectPublicKeyInfo is returned as bytes.
    Unusable(String),
}

impl CertKey {
    pub(crate) fn describe(&self) -> String {
        match self {
            CertKey::Rsa(k) => format!("RSA {}", k.bits()),
            CertKey::Ec(k) => format!("EC {}", k.curve.name()),
            CertKey::Unusable(why) => why.clone(),
        }
    }
}

/// A parsed certificate. `der` is the certificate exactly as received.
#[derive(Clone, Debug)]
pub(crate) struct Cert {
    pub der: Vec<u8>,
    /// The exact bytes the signature covers (tbsCertificate as received, never re-encoded).
    pub tbs: Vec<u8>,
    pub sig_alg: ObjectIdentifier,
    /// DER of the signature AlgorithmIdentifier parameters, when present.
    pub sig_params: Option<Vec<u8>>,
    pub signature: Vec<u8>,
    /// The serial number as Google's status list writes it: lowercase hex, no leading zeros.
    pub serial_hex: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: u64,
    pub not_after: u64,
    pub not_before_text: String,
    pub not_after_text: String,
    pub spki_der: Vec<u8>,
    /// The key, decoded on first use: a trusted root whose self-signature was already checked
    /// never needs its (RSA-4096) key, whose Montgomery setup was a quarter of a chain's time.
    key: std::sync::OnceLock<CertKey>,
    spki: x509_cert::spki::SubjectPublicKeyInfoOwned,
    /// BasicConstraints: None when absent, else (cA, pathLenConstraint).
    pub basic_constraints: Option<(bool, Option<u8>)>,
    /// keyCertSign from KeyUsage: None when KeyUsage is absent.
    pub key_cert_sign: Option<bool>,
    /// OIDs of critical extensions this check does not understand.
    pub unknown_critical: Vec<String>,
    /// The extnValue of the key-attestation extension, when present.
    pub attestation: Option<Vec<u8>>,
}

impl Cert {
    /// "#2 (C=CN, O=Huawei, ...)": how messages name a certificate.
    pub(crate) fn name(&self, index: usize) -> String {
        format!("certificate #{index} ({})", self.subject)
    }

    pub(crate) fn key(&self) -> &CertKey {
        self.key.get_or_init(|| cert_key(&self.spki, &self.spki_der))
    }

    /// Replace the key (tests that change one parsed property at a time).
    #[cfg(test)]
    pub(crate) fn set_key(&mut self, key: CertKey) {
        self.key = std::sync::OnceLock::from(key);
    }

    pub(crate) fn spki_sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.spki_der).into()
    }
}

fn invalid(index: usize, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::CertificateInvalid, format!("certificate #{index}: {what}"))
}

/// Parse one DER certificate; `index` is its position in the chain (for messages).
pub(crate) fn parse(der: &[u8], index: usize) -> Result<Cert> {
    if der.len() > MAX_CERT_SIZE {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            format!("certificate #{index} is {} bytes; at most {MAX_CERT_SIZE} are accepted", der.len()),
        ));
    }
    let cert = CertificateInner::<Raw>::from_der(der)
        .map_err(|e| invalid(index, format!("not a parseable X.509 certificate ({e})")))?;
    // The signed bytes are the first element of the outer SEQUENCE exactly as received: the
    // parsed form would re-encode differently when the input is not strict DER.
    let tbs = first_element(der).map_err(|e| invalid(index, format!("not a parseable X.509 certificate ({e})")))?;
    let t = &cert.tbs_certificate;
    if t.signature.oid != cert.signature_algorithm.oid {
        return Err(invalid(index, format!(
            "its signature algorithm {} differs from the one inside the signed part {}",
            cert.signature_algorithm.oid, t.signature.oid
        )));
    }
    let subject = name_text(&t.subject);
    let signature = cert
        .signature
        .as_bytes()
        .ok_or_else(|| invalid(index, "the signature BIT STRING has unused bits"))?
        .to_vec();
    let spki_der = t
        .subject_public_key_info
        .to_der()
        .map_err(|e| invalid(index, format!("its public key cannot be encoded ({e})")))?;
    let mut c = Cert {
        der: der.to_vec(),
        tbs: tbs.to_vec(),
        sig_alg: cert.signature_algorithm.oid,
        sig_params: match &cert.signature_algorithm.parameters {
            None => None,
            Some(p) => Some(p.to_der().map_err(|e| invalid(index, format!("bad signature parameters ({e})")))?),
        },
        signature,
        serial_hex: serial_hex(t.serial_number.as_bytes()),
        issuer: name_text(&t.issuer),
        not_before: t.validity.not_before.to_unix_duration().as_secs(),
        not_after: t.validity.not_after.to_unix_duration().as_secs(),
        not_before_text: t.validity.not_before.to_string(),
        not_after_text: t.validity.not_after.to_string(),
        spki_der,
        key: std::sync::OnceLock::new(),
        spki: t.subject_public_key_info.clone(),
        basic_constraints: None,
        key_cert_sign: None,
        unknown_critical: Vec::new(),
        attestation: None,
        subject,
    };
    for ext in t.extensions.as_deref().unwrap_or(&[]) {
        let oid = ext.extn_id.to_string();
        let value = ext.extn_value.as_bytes();
        let seen = |what: bool| if what { Err(invalid(index, format!("the extension {oid} appears twice"))) } else { Ok(()) };
        match oid.as_str() {
            OID_BASIC_CONSTRAINTS => {
                seen(c.basic_constraints.is_some())?;
                let bc = x509_cert::ext::pkix::BasicConstraints::from_der(value)
                    .map_err(|e| invalid(index, format!("its BasicConstraints cannot be parsed ({e})")))?;
                c.basic_constraints = Some((bc.ca, bc.path_len_constraint));
            }
            OID_KEY_USAGE => {
                seen(c.key_cert_sign.is_some())?;
                c.key_cert_sign = Some(key_cert_sign(value).map_err(|e| invalid(index, format!("its KeyUsage cannot be parsed ({e})")))?);
            }
            OID_KEY_ATTESTATION => {
                seen(c.attestation.is_some())?;
                c.attestation = Some(value.to_vec());
            }
            _ if ext.critical && !KNOWN_CRITICAL.contains(&oid.as_str()) => c.unknown_critical.push(oid),
            _ => {}
        }
    }
    Ok(c)
}

/// A serial number's content octets as lowercase hex without leading zeros (Java's
/// `BigInteger.toString(16)` for the non-negative serials CAs issue; a negative one keeps its
/// two's-complement bytes, which no list entry matches by accident).
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    let h = crate::attestation::hex(bytes);
    let t = h.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.to_string() }
}

/// The raw TLV of the first element inside the outer SEQUENCE.
fn first_element(der: &[u8]) -> der::Result<&[u8]> {
    let mut r = SliceReader::new(der)?;
    let header = der::Header::decode(&mut r)?;
    header.tag.assert_eq(Tag::Sequence)?;
    r.tlv_bytes()
}

/// keyCertSign (bit 5) of a KeyUsage BIT STRING. Read from the raw bytes: devices write BIT STRINGs
/// with trailing zero bits (`03 02 00 00`), which strict DER forbids.
fn key_cert_sign(value: &[u8]) -> der::Result<bool> {
    let mut r = SliceReader::new(value)?;
    let header = der::Header::decode(&mut r)?;
    header.tag.assert_eq(Tag::BitString)?;
    let body = r.read_slice(header.length)?;
    r.finish(())?;
    match body {
        [] => Err(der::ErrorKind::Length { tag: Tag::BitString }.into()),
        [unused, ..] if *unused > 7 => Err(der::ErrorKind::Value { tag: Tag::BitString }.into()),
        [_] => Ok(false),
        [_, first, ..] => Ok(first & 0x04 != 0),
    }
}

/// RDNs in the order they are written, "C=CN, O=Huawei, CN=..." (as OpenSSL prints them), each
/// attribute as RFC 4514 writes it.
fn name_text(name: &x509_cert::name::Name) -> String {
    let mut text = String::new();
    for rdn in name.0.iter() {
        for (j, atv) in rdn.0.iter().enumerate() {
            if !text.is_empty() {
                text.push_str(if j == 0 { ", " } else { "+" });
            }
            attribute_text(atv, &mut text);
        }
    }
    if text.is_empty() {
        return "empty subject".into();
    }
    // Names come from the input: control characters are masked and length bounded for messages.
    text.chars().take(512).map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// One attribute as x509-cert's Display writes it, without its scan of the whole OID name
/// database for the common attribute types (a tenth of the chain check's time otherwise).
fn attribute_text(atv: &x509_cert::attr::AttributeTypeAndValue, out: &mut String) {
    use x509_cert::der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
    let key = match atv.oid.to_string().as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        _ => "",
    };
    let v = &atv.value;
    let value = match x509_cert::der::Tagged::tag(v) {
        Tag::PrintableString => PrintableStringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(v).ok().map(|s| s.as_str()),
        _ => None,
    };
    let (false, Some(value)) = (key.is_empty(), value) else {
        out.push_str(&atv.to_string());
        return;
    };
    out.push_str(key);
    out.push('=');
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || chars.peek().is_none() => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x00'..='\x1f' | '\x7f' => out.push_str(&format!("\\{:02x}", c as u8)),
            _ => out.push(c),
        }
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

fn cert_key(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned, der: &[u8]) -> CertKey {
    match spki.algorithm.oid.to_string().as_str() {
        OID_RSA => match PublicKey::load(der) {
            Ok(k) => CertKey::Rsa(k),
            Err(e) => CertKey::Unusable(e.message().to_string()),
        },
        OID_EC => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let curve = match curve.map(|c| c.to_string()).as_deref() {
                Some(OID_P256) => Curve::P256,
                Some(OID_P384) => Curve::P384,
                _ => return CertKey::Unusable("an EC key on a curve other than P-256 and P-384".into()),
            };
            match spki.subject_public_key.as_bytes().and_then(|p| EcKey::new(curve, p)) {
                Some(k) => CertKey::Ec(k),
                None => CertKey::Unusable(format!("an EC {} key whose point is not an uncompressed point of the curve", curve.name())),
            }
        }
        other => CertKey::Unusable(format!("a key of algorithm {}, which is not supported for signatures", algorithm_name(other))),
    }
}

/// A readable name for the public-key algorithms attestation leaves carry.
pub(crate) fn algorithm_name(oid: &str) -> String {
    match oid {
        "1.3.101.112" => "Ed25519 (1.3.101.112)".into(),
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44 (2.16.840.1.101.3.4.3.17)".into(),
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65 (2.16.840.1.101.3.4.3.18)".into(),
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87 (2.16.840.1.101.3.4.3.19)".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn names_read_as_x509_cert_writes_them() {
        // Every RDN of the real chain: ours (forward order) against x509-cert's Display per RDN.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tencent-soter-sample/ask_cert_json.txt");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let mut seen = 0;
        for pem in v["certs"].as_array().unwrap() {
            let ders = crate::attestation::decode_certs(pem.as_str().unwrap().as_bytes(), "test").unwrap();
            let cert = CertificateInner::<Raw>::from_der(&ders[0]).unwrap();
            for name in [&cert.tbs_certificate.subject, &cert.tbs_certificate.issuer] {
                let theirs: Vec<String> = name.0.iter().map(|rdn| rdn.to_string()).collect();
                assert_eq!(name_text(name), theirs.join(", "));
                seen += theirs.len();
            }
        }
        assert!(seen >= 20);
        // Escapes (a control character among them), an unknown attribute type, a multi-valued
        // RDN, and the short names the real chain lacks (L, ST, C).
        let name = x509_cert::name::Name::from_str("CN=\\#a\\, b\\ ,OU=y+O=x,2.5.4.99=#0c0178,L=Shenzhen,ST=Guangdong,C=CN,CN=#1603616263,O=a#b,O=#0c03610162")
            .unwrap();
        let theirs: Vec<String> = name.0.iter().map(|rdn| rdn.to_string()).collect();
        assert_eq!(name_text(&name), theirs.join(", "));
    }
    fn key() -> &'static crate::testing::KeyPair {
        static K: std::sync::OnceLock<crate::testing::KeyPair> = std::sync::OnceLock::new();
        K.get_or_init(|| crate::testing::KeyPair::generate(2048).unwrap())
    }

    fn with(exts: &[Vec<u8>]) -> Vec<u8> {
        crate::testing::self_signed(key(), crate::pkcs1v15::Hash::Sha256, exts).unwrap()
    }

    #[test]
    fn key_usage_bits_are_read_with_their_unused_count() {
        assert_eq!(key_cert_sign(&[0x03, 0x02, 0x01, 0x04]), Ok(true));
        assert_eq!(key_cert_sign(&[0x03, 0x02, 0x07, 0x80]), Ok(false));
        assert_eq!(key_cert_sign(&[0x03, 0x01, 0x00]), Ok(false));
        assert!(key_cert_sign(&[0x03, 0x02, 0x08, 0x04]).is_err(), "more than 7 unused bits");
        assert!(key_cert_sign(&[0x03, 0x00]).is_err());
    }

    #[test]
    fn only_unknown_critical_extensions_are_recorded() {
        use crate::testing::extension;
        let c = parse(&with(&[extension("1.2.3.4", true, &[0x05, 0x00])]), 0).unwrap();
        assert_eq!(c.unknown_critical, ["1.2.3.4"]);
        // Not critical, or critical and known (BasicConstraints and KeyUsage are both critical
        // in every test certificate): not recorded.
        let c = parse(&with(&[extension("1.2.3.4", false, &[0x05, 0x00])]), 0).unwrap();
        assert!(c.unknown_critical.is_empty());
        assert_eq!((c.basic_constraints, c.key_cert_sign), (Some((true, None)), Some(true)));
        let c = parse(&with(&[extension("2.5.29.32", true, &[0x30, 0x00])]), 0).unwrap();
        assert!(c.unknown_critical.is_empty());
    }

    #[test]
    fn a_certificate_of_exactly_the_size_cap_is_parsed() {
        // A non-critical padding extension grown until the certificate is MAX_CERT_SIZE bytes.
        let padded = |pad: usize| with(&[crate::testing::extension("1.2.3.5", false, &vec![0u8; pad])]);
        let mut pad = MAX_CERT_SIZE - with(&[]).len();
        while padded(pad).len() > MAX_CERT_SIZE {
            pad -= 1;
        }
        let at_cap = padded(pad);
        assert_eq!(at_cap.len(), MAX_CERT_SIZE);
        assert!(parse(&at_cap, 3).is_ok());
        let over = padded(pad + 1);
        assert_eq!(over.len(), MAX_CERT_SIZE + 1);
        let e = parse(&over, 3).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InputTooLarge);
        assert!(e.message().contains("certificate #3 is 32769 bytes"), "{e:?}");
    }
}
