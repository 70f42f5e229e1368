//! RSA public keys in every shape real devices and backends send them (see DESIGN.md):
//! PEM with any label (SPKI or PKCS#1 inside), any line width, CRLF, no trailing newline,
//! `\n`-escaped inside a JSON string, bare base64 of the DER, or raw DER. What the DER is decides,
//! not the label: SPKI or PKCS#1 is the key, an X.509 certificate gives its subject public key
//! (real data has an SPKI under `-----BEGIN CERTIFICATE----`), a private key is refused.

use std::fmt;
use std::sync::Arc;

use rsa::pkcs1::der::Decode;

use crate::backend::{self, Backend, KeyInner};
use crate::base64;
use crate::error::{Error, ErrorKind, Result};

/// Keys larger than this are not keys (a 4096-bit PEM is about 800 bytes).
pub const MAX_KEY_INPUT: usize = 64 * 1024;
pub const MIN_BITS: usize = 2048;
pub const MAX_BITS: usize = 4096;

/// An immutable RSA public key. Cloning is cheap (a reference count); share it between threads.
#[derive(Clone)]
pub struct PublicKey {
    inner: Arc<KeyInner>,
}

impl PublicKey {
    /// Load a public key from any of the supported encodings (see module docs).
    pub fn load(input: &[u8]) -> Result<PublicKey> {
        if input.len() > MAX_KEY_INPUT {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                format!("key input is {} bytes; a public key is at most {MAX_KEY_INPUT}", input.len()),
            ));
        }
        let der = decode_container(input)?;
        let (n, e) = parse_der(&der)?;
        PublicKey::from_components(&n, &e)
    }

    /// Build a key from its modulus (big-endian) and public exponent, with the same checks as `load`.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<PublicKey> {
        let n = strip_zeros(n);
        let e_bytes = strip_zeros(e);
        if n.is_empty() {
            return Err(Error::key("the RSA modulus is zero"));
        }
        if n[n.len() - 1] & 1 == 0 {
            return Err(Error::key("the RSA modulus is even, so it is not a product of two primes"));
        }
        let bits = n.len() * 8 - n[0].leading_zeros() as usize;
        if bits < MIN_BITS {
            return Err(Error::new(
                ErrorKind::KeyTooSmall,
                format!("the RSA key has {bits} bits; at least {MIN_BITS} are required"),
            ));
        }
        if bits > MAX_BITS {
            return Err(Error::new(
                ErrorKind::UnsupportedKey,
                format!("the RSA key has {bits} bits; at most {MAX_BITS} are supported"),
            ));
        }
        // AWS-LC refuses exponents above 33 bits; real keys use 65537.
        if e_bytes.len() > 5 {
            return Err(Error::key("the RSA public exponent is larger than 2^33"));
        }
        let mut e_be = [0u8; 8];
        e_be[8 - e_bytes.len()..].copy_from_slice(e_bytes);
        let e = u64::from_be_bytes(e_be);
        if e < 3 || e % 2 == 0 || e >= 1 << 33 {
            return Err(Error::key(format!(
                "the RSA public exponent {e} is unusable; it must be odd and between 3 and 2^33"
            )));
        }
        if let Some(p) = small_factor(n) {
            return Err(Error::key(format!("the RSA modulus is divisible by {p}, so it is not a valid key")));
        }
        let backends = backend::Keys::new(n, e)?;
        Ok(PublicKey { inner: Arc::new(KeyInner { n: n.to_vec(), e, bits, backends }) })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }

    /// Signature length in bytes (the modulus size rounded up).
    pub fn size(&self) -> usize {
        self.inner.n.len()
    }

    pub fn modulus(&self) -> &[u8] {
        &self.inner.n
    }

    pub fn exponent(&self) -> u64 {
        self.inner.e
    }

    /// The raw RSA public operation `sig^e mod n` on the given backend, as `size()` bytes.
    pub(crate) fn public_op(&self, backend: Backend, sig: &[u8]) -> Result<Vec<u8>> {
        backend::public_op(&self.inner, backend, sig)
    }

    /// SubjectPublicKeyInfo DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        spki_der(&self.inner.n, &self.inner.e.to_be_bytes())
    }

    /// PEM (`PUBLIC KEY`, 64 columns, trailing newline).
    pub fn to_pem(&self) -> String {
        let b64 = base64::encode(&self.to_spki_der());
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.inner.n == other.inner.n && self.inner.e == other.inner.e
    }
}
impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey").field("bits", &self.inner.bits).field("e", &self.inner.e).finish()
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// PKCS#1 RSAPublicKey DER of (n, e), both big-endian unsigned. No checks: tests use it to
/// build hostile keys.
pub(crate) fn pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let v = strip_zeros(v);
        let mut body = Vec::with_capacity(v.len() + 1);
        if v.first().map_or(true, |b| b & 0x80 != 0) {
            body.push(0); // positive, and 0 itself is one zero byte
        }
        body.extend_from_slice(v);
        der_tlv(0x02, &body)
    };
    der_tlv(0x30, &[int(n), int(e)].concat())
}

/// SubjectPublicKeyInfo DER (rsaEncryption) of (n, e).
pub(crate) fn spki_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut bitstring = vec![0u8];
    bitstring.extend_from_slice(&pkcs1_der(n, e));
    // AlgorithmIdentifier { rsaEncryption, NULL }
    let alg: &[u8] = &[0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
    der_tlv(0x30, &[alg.to_vec(), der_tlv(0x03, &bitstring)].concat())
}

pub(crate) fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let lb = strip_zeros(&(len as u64).to_be_bytes()).to_vec();
        out.push(0x80 | lb.len() as u8);
        out.extend_from_slice(&lb);
    }
    out.extend_from_slice(body);
    out
}

/// Whether input is raw DER rather than text (PEM, base64): a SEQUENCE (0x30, which is also the
/// text '0') holding bytes that are not text.
pub(crate) fn is_raw_der(input: &[u8]) -> bool {
    input.first() == Some(&0x30) && !input.iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

/// Unwrap PEM, JSON escaping and base64 down to DER bytes.
pub(crate) fn decode_container(input: &[u8]) -> Result<Vec<u8>> {
    // Taken as it is: trimming "whitespace" would cut DER whose last bytes happen to be 0x0a or 0x20.
    if is_raw_der(input) {
        return Ok(input.to_vec());
    }
    let trimmed = trim_ascii(input);
    if trimmed.is_empty() {
        return Err(Error::input("the key input is empty"));
    }
    let text = std::str::from_utf8(trimmed)
        .map_err(|_| Error::key("the key is neither DER nor text (invalid UTF-8)"))?;
    let text = unescape_json_text(text);
    if text.contains("PRIVATE KEY") {
        return Err(Error::key("this is a private key; pass the public key"));
    }
    let body = match text.find("BEGIN") {
        Some(begin) => pem_body(&text[begin..])?,
        None => text.as_str(),
    };
    base64::decode(body.as_bytes()).map_err(|e| {
        Error::key(format!("the key is not PEM, base64 or DER: its base64 body has {e}"))
    })
}

/// The base64 body after `BEGIN <label>-----` and before the `-----END` (labels may be mangled).
pub(crate) fn pem_body(from_begin: &str) -> Result<&str> {
    let after_label = from_begin
        .find('-')
        .map(|i| i + from_begin[i..].bytes().take_while(|&b| b == b'-').count())
        .ok_or_else(|| Error::key("the PEM header has no closing dashes"))?;
    let rest = &from_begin[after_label..];
    let end = rest.find("-----").or_else(|| rest.find("END")).unwrap_or(rest.len());
    let body = &rest[..end];
    // A mangled footer like "--END" leaves a few dashes at the end of the body.
    Ok(body.trim_end_matches('-'))
}

/// Undo the escaping a PEM gets inside a JSON string (`\n`, `\r`, `\/`, surrounding quotes).
pub(crate) fn unescape_json_text(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(t);
    if !t.contains('\\') {
        return t.to_string();
    }
    t.replace("\\r", "\r").replace("\\n", "\n").replace("\\/", "/").replace("\\u002F", "/")
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |i| i + 1);
    &b[start..end]
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";

/// (modulus, exponent) from SPKI, PKCS#1 or an X.509 certificate's subject key, by content.
fn parse_der(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
    if let Ok(spki) = SubjectPublicKeyInfoRef::from_der(der) {
        return parse_spki(&spki, "public key");
    }
    if let Ok(cert) = x509_cert::certificate::CertificateInner::<x509_cert::certificate::Raw>::from_der(der) {
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let spki_der = x509_cert::der::Encode::to_der(spki).map_err(|_| Error::key("the certificate's public key is malformed"))?;
        let spki = SubjectPublicKeyInfoRef::from_der(&spki_der).map_err(|_| Error::key("the certificate's public key is malformed"))?;
        return parse_spki(&spki, "certificate's public key");
    }
    if let Ok((n, e)) = parse_pkcs1(der) {
        return Ok((n.to_vec(), e.to_vec()));
    }
    if looks_like_private_key(der) {
        return Err(Error::key("this is a private key; pass the public key"));
    }
    Err(Error::key("the key bytes are neither a SubjectPublicKeyInfo, a PKCS#1 RSAPublicKey nor an X.509 certificate"))
}

fn parse_spki(spki: &rsa::pkcs8::spki::SubjectPublicKeyInfoRef<'_>, what: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let oid = spki.algorithm.oid.to_string();
    if oid != OID_RSA && oid != OID_RSA_PSS {
        let kind = match oid.as_str() {
            "1.2.840.10045.2.1" => "an EC key",
            "1.2.840.10040.4.1" => "a DSA key",
            "1.3.101.112" => "an Ed25519 key",
            "1.3.101.113" => "an Ed448 key",
            "1.3.101.110" | "1.3.101.111" => "an X25519/X448 key",
            _ => "not an RSA key",
        };
        return Err(Error::new(
            ErrorKind::UnsupportedKey,
            format!("the {what} is {kind} (algorithm {oid}); SOTER uses RSA"),
        ));
    }
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::key("the SubjectPublicKeyInfo bit string has unused bits"))?;
    let (n, e) = parse_pkcs1(bits)?;
    Ok((n.to_vec(), e.to_vec()))
}

/// PKCS#8 PrivateKeyInfo (`SEQUENCE { INTEGER 0|1, SEQUENCE, OCTET STRING ...}`), PKCS#1
/// RSAPrivateKey (`SEQUENCE { INTEGER 0, INTEGER n, ... }`) or SEC1 ECPrivateKey
/// (`SEQUENCE { INTEGER 1, OCTET STRING ... }`).
fn looks_like_private_key(der: &[u8]) -> bool {
    use x509_cert::der::{Header, Reader, SliceReader, Tag};
    let read = || -> x509_cert::der::Result<bool> {
        let mut r = SliceReader::new(der)?;
        let outer = Header::decode(&mut r)?;
        if outer.tag != Tag::Sequence {
            return Ok(false);
        }
        let version = x509_cert::der::asn1::Int::decode(&mut r)?;
        if !matches!(version.as_bytes(), [0] | [1]) {
            return Ok(false);
        }
        Ok(matches!(r.peek_tag()?, Tag::Sequence | Tag::Integer | Tag::OctetString))
    };
    read().unwrap_or(false)
}

fn parse_pkcs1(der: &[u8]) -> Result<(&[u8], &[u8])> {
    let k = rsa::pkcs1::RsaPublicKey::from_der(der)
        .map_err(|_| Error::key("the key's RSAPublicKey structure is malformed"))?;
    Ok((k.modulus.as_bytes(), k.public_exponent.as_bytes()))
}

/// Odd primes below 1000 grouped into products m < 2^32, each with 2^(32 i) mod m for every
/// 32-bit limb i of a MAX_BITS modulus (least significant first).
struct FactorGroup {
    m: u64,
    primes: Vec<u64>,
    powers: Vec<u64>,
}

static FACTOR_GROUPS: once_cell::sync::Lazy<Vec<FactorGroup>> = once_cell::sync::Lazy::new(factor_groups);

fn factor_groups() -> Vec<FactorGroup> {
    // Trial division without a square-root bound: 168 numbers, once per process.
    let primes: Vec<u64> = (3u64..1000).filter(|&p| (2..p).all(|d| p % d != 0)).collect();
    let limbs = MAX_BITS / 32 + 1;
    let mut groups: Vec<FactorGroup> = Vec::new();
    for p in primes {
        match groups.last_mut() {
            Some(g) if g.m * p < 1 << 32 => {
                g.m *= p;
                g.primes.push(p);
            }
            _ => groups.push(FactorGroup { m: p, primes: vec![p], powers: Vec::new() }),
        }
    }
    for g in &mut groups {
        let step = (1u64 << 32) % g.m;
        let mut pow = 1 % g.m;
        for _ in 0..limbs {
            g.powers.push(pow);
            pow = pow * step % g.m;
        }
    }
    groups
}

/// Smallest prime below 1000 that divides n, if any (a modulus with a small factor is broken).
///
/// Runs on every key load, so it avoids divisions: n mod m for each group's product m is a sum of
/// 32-bit limbs times the precomputed 2^(32 i) mod m, reduced once.
fn small_factor(n: &[u8]) -> Option<u64> {
    // 32-bit limbs of n, least significant first.
    let limbs: Vec<u64> = n
        .rchunks(4)
        .map(|c| c.iter().fold(0u64, |acc, &b| acc << 8 | b as u64))
        .collect();
    for g in FACTOR_GROUPS.iter() {
        // Each product is < 2^64 and there are at most 129 of them: the sum fits in u128.
        let sum: u128 = limbs.iter().zip(&g.powers).map(|(&l, &p)| (l * p) as u128).sum();
        let r = (sum % g.m as u128) as u64;
        if let Some(&p) = g.primes.iter().find(|&&p| r % p == 0) {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_factor_finds_factors() {
        assert_eq!(small_factor(&[0x0f]), Some(3)); // 15
        assert_eq!(small_factor(&997u64.to_be_bytes()), Some(997));
        assert_eq!(small_factor(&(1009u64 * 1013).to_be_bytes()), None);
        // Against plain trial division on many-limb numbers.
        let mut x = 0x1234_5678_9abc_def1u64;
        for _ in 0..200 {
            let n: Vec<u8> = (0..256).map(|_| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x as u8 }).collect();
            let slow = (3u64..1000)
                .filter(|&p| (2..p).take_while(|d| d * d <= p).all(|d| p % d != 0))
                .find(|&p| n.iter().fold(0u64, |acc, &b| (acc * 256 + b as u64) % p) == 0);
            assert_eq!(small_factor(&n), slow);
        }
    }

    #[test]
    fn factor_groups_are_full_and_their_powers_exact() {
        let groups = &*FACTOR_GROUPS;
        // The 167 odd primes below 1000, in order, in as few products below 2^32 as they fit.
        let primes: Vec<u64> = groups.iter().flat_map(|g| g.primes.iter().copied()).collect();
        assert_eq!((primes.len(), primes[0], primes[166]), (167, 3, 997));
        assert!(groups.len() <= 50, "{} groups", groups.len());
        for (i, g) in groups.iter().enumerate() {
            assert_eq!(g.m, g.primes.iter().product::<u64>());
            assert!(g.m < 1 << 32);
            if let Some(next) = groups.get(i + 1) {
                assert!(g.m * next.primes[0] >= 1 << 32, "group {i} had room for {}", next.primes[0]);
            }
            // 2^(32 i) mod m for each limb of a 4096-bit modulus, computed here in u128.
            assert_eq!(g.powers.len(), MAX_BITS / 32 + 1);
            let mut pow = 1u128;
            for &p in &g.powers {
                assert_eq!(p as u128, pow);
                pow = (pow << 32) % g.m as u128;
            }
        }
    }

    #[test]
    fn component_rules_at_their_edges() {
        let kp = crate::testing::KeyPair::generate(2048).unwrap();
        let n = kp.public_key().modulus().to_vec();
        let load = |n: &[u8], e: &[u8]| PublicKey::from_components(n, e).map(|k| k.exponent()).map_err(|e| e.message().to_string());
        // Exponents: 3 and a 5-byte one below 2^33 are usable; 1, even ones, 2^33 and 6 bytes are not.
        assert_eq!(load(&n, &[3]), Ok(3));
        assert_eq!(load(&n, &[1, 0, 0, 0, 1]), Ok((1 << 32) + 1));
        assert_eq!(load(&n, &[1, 0xff, 0xff, 0xff, 0xff]), Ok((1 << 33) - 1));
        assert!(load(&n, &[1]).unwrap_err().contains("unusable"));
        assert!(load(&n, &[2, 0, 0, 0, 0]).unwrap_err().contains("unusable"));
        assert!(load(&n, &[1, 0, 1, 0]).unwrap_err().contains("unusable"));
        assert!(load(&n, &[1, 0, 0, 0, 0, 1]).unwrap_err().contains("larger than 2^33"));
        assert_eq!(load(&n, &[0, 0, 0, 0, 0, 0, 1, 0, 1]), Ok(65537), "leading zeros do not count");
        // An even modulus is named as such.
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xfe;
        assert!(load(&even, &[1, 0, 1]).unwrap_err().contains("even"));
        // Input size: exactly MAX_KEY_INPUT bytes load; one more does not.
        let mut pem = kp.public_key().to_pem().into_bytes();
        pem.resize(MAX_KEY_INPUT, b'\n');
        assert!(PublicKey::load(&pem).is_ok());
        pem.push(b'\n');
        assert_eq!(PublicKey::load(&pem).unwrap_err().kind(), ErrorKind::InputTooLarge);
        assert_eq!(MAX_KEY_INPUT, 64 * 1024);
    }

    #[test]
    fn der_lengths_switch_to_the_long_form_at_128() {
        assert_eq!(der_tlv(0x04, &[0; 127])[..2], [0x04, 0x7f]);
        assert_eq!(der_tlv(0x04, &[0; 128])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(der_tlv(0x04, &[0; 256])[..4], [0x04, 0x82, 0x01, 0x00]);
    }

    #[test]
    fn pem_body_handles_mangled_labels() {
        assert_eq!(pem_body("BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").unwrap().trim(), "AAAA");
        assert_eq!(pem_body("BEGIN RSA PUBLIC KEY---AAAA--END RSA").unwrap(), "AAAA");
        assert_eq!(pem_body("BEGIN PUBLIC KEY-----AAAA").unwrap(), "AAAA");
    }
}
