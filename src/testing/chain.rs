//! Test certificate chains shaped like Huawei key attestation: a root, an equipment CA, a device
//! certificate and the ASK leaf carrying the key-attestation extension with the device's SOTER
//! JSON. Built with a small DER writer here (this module ships to users, so no dev-dependency).
//!
//! The chain deliberately uses every supported signature algorithm and the quirks real chains
//! have: the RSA root signs itself with sha256WithRSAEncryption and the CA with RSA-PSS, the CA's
//! P-256 key signs the device certificate and the device's P-256 key the leaf with ECDSA (EC keys
//! below the root keep test roots cheap to make: one RSA key generation); the device certificate
//! has no BasicConstraints and no keyCertSign, writes `critical FALSE` out, and the leaf's issuer
//! name is not the device certificate's subject and its KeyUsage has a trailing zero byte.

use p256::ecdsa::signature::Signer;
use rsa::rand_core::OsRng;

use super::KeyPair;
use crate::error::{Error, ErrorKind, Result};
use crate::pkcs1v15::{digest_info_prefix, Hash};

/// notBefore of every test certificate: 2020-01-01T00:00:00Z.
pub const TEST_NOT_BEFORE: u64 = 1_577_836_800;
/// notAfter of every test certificate: 2049-12-31T23:59:59Z (the last UTCTime).
pub const TEST_NOT_AFTER: u64 = 2_524_607_999;

/// A test certificate authority: a self-signed RSA-2048 root and an EC P-256 equipment CA below it.
pub struct TestRoot {
    root_der: Vec<u8>,
    ca_key: p256::ecdsa::SigningKey,
    ca_der: Vec<u8>,
}

impl std::fmt::Debug for TestRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRoot").finish_non_exhaustive()
    }
}

/// What a test chain attests and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// Put the key-attestation extension in the leaf (false: a leaf without it, which must fail).
    pub attestation: bool,
    /// `rsa_pss_saltlen` in the attested JSON (Huawei devices say 32); None leaves it out.
    pub rsa_pss_saltlen: Option<u32>,
}

impl Default for ChainSpec {
    fn default() -> Self {
        ChainSpec { attestation: true, rsa_pss_saltlen: None }
    }
}

/// What the leaf's KeyDescription says, and the CA flags of the two lowest certificates, for
/// tests that show each refusal of [`crate::attestation::AttestationPolicy`] and of the chain
/// rules. The default passes the default policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafSpec {
    /// attestationSecurityLevel: 0 software, 1 TEE, 2 StrongBox.
    pub attestation_security_level: u8,
    /// keyMintSecurityLevel.
    pub keymint_security_level: u8,
    /// Hardware-enforced purposes (None: the tag is left out).
    pub purposes: Option<Vec<u8>>,
    /// Hardware-enforced origin (None: left out).
    pub origin: Option<u8>,
    /// Put these raw authorizations (already encoded `[tag] EXPLICIT` fields, in order) after
    /// origin in the hardware-enforced list.
    pub extra_hardware: Vec<u8>,
    /// The leaf says BasicConstraints CA:TRUE (refused).
    pub leaf_is_ca: bool,
    /// The device certificate (position 1) says CA:FALSE explicitly (tolerated).
    pub device_says_not_ca: bool,
}

impl Default for LeafSpec {
    fn default() -> Self {
        LeafSpec {
            attestation_security_level: 1,
            keymint_security_level: 1,
            purposes: Some(vec![2]),
            origin: Some(0),
            extra_hardware: Vec::new(),
            leaf_is_ca: false,
            device_says_not_ca: false,
        }
    }
}

const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";

impl TestRoot {
    /// A new root and equipment CA (one RSA-2048 key generation: a fraction of a second).
    pub fn generate() -> Result<TestRoot> {
        let root_key = KeyPair::generate(2048)?;
        let ca_key = p256::ecdsa::SigningKey::random(&mut OsRng);
        let root_name = name(&[("2.5.4.10", "soter-verify tests"), ("2.5.4.3", "Test Attestation Root CA")]);
        let root_tbs = tbs(
            1,
            &alg(Hash::Sha256.pkcs1_oid(), Some(&[0x05, 0x00])),
            &root_name,
            &root_name,
            &root_key.public_key().to_spki_der(),
            &[basic_constraints(true), key_usage(0x06, true)],
        );
        let root_der = sign_rsa_pkcs1(&root_key, root_tbs, Hash::Sha256)?;
        let ca_name = name(&[("2.5.4.10", "soter-verify tests"), ("2.5.4.3", "Test Equipment CA")]);
        let ca_tbs = tbs(
            2,
            &pss_alg(),
            &root_name,
            &ca_name,
            &p256_spki(ca_key.verifying_key()),
            &[basic_constraints(true), key_usage(0x06, true)],
        );
        let ca_der = sign_rsa_pss(&root_key, ca_tbs)?;
        Ok(TestRoot { root_der, ca_key, ca_der })
    }

    /// The root certificate (DER): pass it as a trusted root to accept this authority's chains.
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The root certificate as PEM.
    pub fn root_pem(&self) -> String {
        pem("CERTIFICATE", &self.root_der)
    }

    /// A chain for an ASK: [leaf, device certificate, equipment CA, root], each as PEM. The leaf
    /// attests `attested_json` (the SOTER JSON), or carries no attestation when `None`.
    pub fn issue(&self, ask: &KeyPair, device_name: &str, attested_json: Option<&[u8]>) -> Result<Vec<String>> {
        self.issue_with(ask, device_name, attested_json, &LeafSpec::default())
    }

    /// [`TestRoot::issue`] with a chosen KeyDescription and CA flags.
    pub fn issue_with(&self, ask: &KeyPair, device_name: &str, attested_json: Option<&[u8]>, spec: &LeafSpec) -> Result<Vec<String>> {
        let device_key = p256::ecdsa::SigningKey::random(&mut OsRng);
        let device_spki = p256_spki(device_key.verifying_key());
        let ca_name = name(&[("2.5.4.10", "soter-verify tests"), ("2.5.4.3", "Test Equipment CA")]);
        let device_subject = name(&[("2.5.4.10", "soter-verify tests"), ("2.5.4.3", device_name)]);
        // An explicit `critical FALSE` on extended key usage (clientAuth), as real devices write.
        let eku = der_tlv(0x30, &[oid("2.5.29.37"), vec![0x01, 0x01, 0x00], octet(&der_tlv(0x30, &oid("1.3.6.1.5.5.7.3.2")))].concat());
        let mut device_exts = vec![key_usage(0x80, false), eku];
        if spec.device_says_not_ca {
            device_exts.push(basic_constraints(false));
        }
        let device_tbs = tbs(3, &alg(ECDSA_SHA256, None), &ca_name, &device_subject, &device_spki, &device_exts);
        let device_der = sign_ecdsa(&self.ca_key, device_tbs);
        // The leaf names an issuer that is not the device certificate (as Huawei's do).
        let leaf_issuer = name(&[("2.5.4.3", "Test KeyStore")]);
        let leaf_subject = name(&[("2.5.4.3", "A Keymaster Key")]);
        // KeyUsage 03 02 00 00: a BIT STRING with a trailing zero byte, as in the real leaf.
        let mut exts = vec![extension("2.5.29.15", false, &[0x03, 0x02, 0x00, 0x00])];
        if let Some(json) = attested_json {
            exts.push(extension(crate::attestation::OID_KEY_ATTESTATION, false, &key_description(json, spec)));
        }
        if spec.leaf_is_ca {
            exts.push(basic_constraints(true));
        }
        let leaf_tbs = tbs(4, &alg(ECDSA_SHA256, None), &leaf_issuer, &leaf_subject, &ask.public_key().to_spki_der(), &exts);
        let leaf_der = sign_ecdsa(&device_key, leaf_tbs);
        Ok([leaf_der, device_der, self.ca_der.clone(), self.root_der.clone()]
            .iter()
            .map(|d| pem("CERTIFICATE", d))
            .collect())
    }
}

/// A self-signed RSA certificate (PKCS#1 v1.5, SHA-256) for `key`: the emulator's stand-in for
/// WeChat's API security platform certificate.
pub(crate) fn rsa_certificate_pem(key: &KeyPair, common_name: &str) -> Result<String> {
    let n = name(&[("2.5.4.10", "soter-verify tests"), ("2.5.4.3", common_name)]);
    let t = tbs(5, &alg(Hash::Sha256.pkcs1_oid(), Some(&[0x05, 0x00])), &n, &n, &key.public_key().to_spki_der(), &[]);
    Ok(pem("CERTIFICATE", &sign_rsa_pkcs1(key, t, Hash::Sha256)?))
}

/// `{"certs":[...]}` as a device hands it over (PEM with `\n` and `\/` escapes).
pub(crate) fn certs_json(pems: &[String]) -> String {
    let items: Vec<String> = pems.iter().map(|p| super::json_string(p).replace('/', "\\/")).collect();
    format!("{{\"certs\":[{}]}}", items.join(","))
}

pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = crate::base64::encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn sign_rsa_pkcs1(key: &KeyPair, tbs: Vec<u8>, hash: Hash) -> Result<Vec<u8>> {
    let alg_oid = hash.pkcs1_oid();
    let mut t = digest_info_prefix(hash, true);
    t.extend_from_slice(&hash.digest(&tbs));
    let sig = key
        .private
        .sign(rsa::Pkcs1v15Sign::new_unprefixed(), &t)
        .map_err(|_| Error::new(ErrorKind::Internal, "PKCS#1 v1.5 signing failed"))?;
    Ok(certificate(tbs, &alg(alg_oid, Some(&[0x05, 0x00])), &sig))
}

/// A self-signed RSA CA certificate with these extensions after BasicConstraints and KeyUsage,
/// signed with PKCS#1 v1.5 over `hash` (for the certificate parser's and signature check's own
/// tests, which need certificates the real chains do not have).
#[cfg(test)]
pub(crate) fn self_signed(key: &KeyPair, hash: Hash, extra: &[Vec<u8>]) -> Result<Vec<u8>> {
    let n = name(&[("2.5.4.3", "Self-signed test CA")]);
    let exts = [vec![basic_constraints(true), key_usage(0x06, true)], extra.to_vec()].concat();
    let t = tbs(9, &alg(hash.pkcs1_oid(), Some(&[0x05, 0x00])), &n, &n, &key.public_key().to_spki_der(), &exts);
    sign_rsa_pkcs1(key, t, hash)
}

/// One extension: its OID, `critical TRUE` when asked, and `value` as the extnValue octets.
pub(crate) fn extension(oid_text: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let crit = if critical { vec![0x01, 0x01, 0xff] } else { vec![] };
    der_tlv(0x30, &[oid(oid_text), crit, octet(value)].concat())
}

fn sign_ecdsa(key: &p256::ecdsa::SigningKey, tbs: Vec<u8>) -> Vec<u8> {
    let sig: p256::ecdsa::Signature = key.sign(&tbs);
    certificate(tbs, &alg(ECDSA_SHA256, None), sig.to_der().as_bytes())
}

fn sign_rsa_pss(key: &KeyPair, tbs: Vec<u8>) -> Result<Vec<u8>> {
    let sig = key.sign(&tbs, 32)?;
    Ok(certificate(tbs, &pss_alg(), &sig))
}

/// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32.
fn pss_alg() -> Vec<u8> {
    let sha256 = der_tlv(0x30, &[oid("2.16.840.1.101.3.4.2.1"), vec![0x05, 0x00]].concat());
    let mgf1 = der_tlv(0x30, &[oid("1.2.840.113549.1.1.8"), sha256.clone()].concat());
    let params = der_tlv(0x30, &[der_tlv(0xa0, &sha256), der_tlv(0xa1, &mgf1), der_tlv(0xa2, &der_tlv(0x02, &[32]))].concat());
    alg(RSA_PSS, Some(&params))
}

fn certificate(tbs: Vec<u8>, alg: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(sig);
    der_tlv(0x30, &[tbs, alg.to_vec(), der_tlv(0x03, &bits)].concat())
}

fn tbs(serial: u8, alg: &[u8], issuer: &[u8], subject: &[u8], spki: &[u8], exts: &[Vec<u8>]) -> Vec<u8> {
    let validity = der_tlv(0x30, &[utc_time("200101000000Z"), utc_time("491231235959Z")].concat());
    let mut body = vec![
        der_tlv(0xa0, &der_tlv(0x02, &[2])), // v3
        der_tlv(0x02, &[serial]),
        alg.to_vec(),
        issuer.to_vec(),
        validity,
        subject.to_vec(),
        spki.to_vec(),
    ];
    if !exts.is_empty() {
        body.push(der_tlv(0xa3, &der_tlv(0x30, &exts.concat())));
    }
    der_tlv(0x30, &body.concat())
}

fn alg(oid_text: &str, params: Option<&[u8]>) -> Vec<u8> {
    der_tlv(0x30, &[oid(oid_text), params.unwrap_or(&[]).to_vec()].concat())
}

fn name(rdns: &[(&str, &str)]) -> Vec<u8> {
    let sets: Vec<u8> = rdns
        .iter()
        .flat_map(|(o, v)| der_tlv(0x31, &der_tlv(0x30, &[oid(o), der_tlv(0x0c, v.as_bytes())].concat())))
        .collect();
    der_tlv(0x30, &sets)
}

fn basic_constraints(ca: bool) -> Vec<u8> {
    extension("2.5.29.19", true, &der_tlv(0x30, if ca { &[0x01, 0x01, 0xff] } else { &[] }))
}

/// KeyUsage with the first byte of bits (0x80 digitalSignature, 0x04 keyCertSign, 0x02 cRLSign).
fn key_usage(bits: u8, critical: bool) -> Vec<u8> {
    let unused = bits.trailing_zeros().min(7) as u8;
    extension("2.5.29.15", critical, &der_tlv(0x03, &[unused, bits]))
}

/// KeyDescription: version 3, keymaster 4, the challenge, an empty uniqueId and software list,
/// and the hardware list and security levels of `spec`.
fn key_description(challenge: &[u8], spec: &LeafSpec) -> Vec<u8> {
    let mut hw = Vec::new();
    if let Some(p) = &spec.purposes {
        let items: Vec<u8> = p.iter().flat_map(|&v| der_tlv(0x02, &[v])).collect();
        hw.extend(authorization(1, &der_tlv(0x31, &items)));
    }
    if let Some(o) = spec.origin {
        hw.extend(authorization(702, &der_tlv(0x02, &[o])));
    }
    hw.extend_from_slice(&spec.extra_hardware);
    der_tlv(
        0x30,
        &[
            der_tlv(0x02, &[3]),
            der_tlv(0x0a, &[spec.attestation_security_level]),
            der_tlv(0x02, &[4]),
            der_tlv(0x0a, &[spec.keymint_security_level]),
            der_tlv(0x04, challenge),
            der_tlv(0x04, &[]),
            der_tlv(0x30, &[]),
            der_tlv(0x30, &hw),
        ]
        .concat(),
    )
}

/// One authorization `[tag] EXPLICIT value` (tag numbers of 31 and up in the long form).
pub fn authorization(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = if tag < 31 {
        vec![0xa0 | tag as u8]
    } else {
        let mut t = vec![(tag & 0x7f) as u8];
        let mut v = tag >> 7;
        while v > 0 {
            t.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        t.push(0xbf);
        t.reverse();
        t
    };
    out.extend(der_tlv(0x04, value).split_off(1)); // the length and value of a TLV
    out
}

fn p256_spki(key: &p256::ecdsa::VerifyingKey) -> Vec<u8> {
    let point = key.to_encoded_point(false);
    let alg = der_tlv(0x30, &[oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")].concat());
    let mut bits = vec![0u8];
    bits.extend_from_slice(point.as_bytes());
    der_tlv(0x30, &[alg, der_tlv(0x03, &bits)].concat())
}

fn utc_time(t: &str) -> Vec<u8> {
    der_tlv(0x17, t.as_bytes())
}

fn octet(body: &[u8]) -> Vec<u8> {
    der_tlv(0x04, body)
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().expect("a numeric OID arc")).collect();
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        body.extend(tmp.iter().rev());
    };
    push(arcs[0] * 40 + arcs[1]);
    for &a in &arcs[2..] {
        push(a);
    }
    der_tlv(0x06, &body)
}

fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    crate::key::der_tlv(tag, body)
}
