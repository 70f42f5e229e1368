//! Trusting an ASK (the per-device, per-app key a SOTER TEE makes) before any AuthKey it signs.
//!
//! Two formats reach a server:
//! - **classic**: the ASK export JSON signed by the factory key ATTK, which only Tencent can check
//!   ([`crate::wechat::WeChatClient::soter_verify_ask`] returns an [`Ask`]);
//! - **certificate chain** (SOTER 2.0, Huawei key attestation): `{"certs": [leaf, ..., root]}`,
//!   checked here, locally, by [`verify_ask_chain`]. The leaf's key is the ASK; the leaf's Android
//!   key-attestation extension (1.3.6.1.4.1.11129.2.1.17) carries, as its attestationChallenge,
//!   the signed JSON `{"cpu_id", "counter", "uid", "rsa_pss_saltlen"?}`.
//!
//! What the chain check requires: each certificate is signed by the next one (RSA PKCS#1 v1.5
//! with SHA-256/384/512, RSA-PSS with SHA-256, ECDSA P-256/P-384 with SHA-256/384); the last one is
//! self-signed and its SubjectPublicKeyInfo is a trusted root (the Huawei CBG Root CA is built in,
//! pinned by the SHA-256 of its SPKI; [`ChainOptions::add_root`] adds others); every certificate is
//! within its validity at the given time; the certificates above the device certificate carry
//! BasicConstraints CA:TRUE (and keyCertSign when they have KeyUsage) and respect
//! pathLenConstraint; none above position 1 says CA:FALSE, the leaf is no CA; no certificate has a critical extension
//! this check does not know; no certificate appears twice.
//!
//! Real-device quirks tolerated on purpose (each seen in real Huawei chains, or allowed by the
//! RFCs for the same reason). The signature always covers the bytes exactly as received, so a
//! lenient reading cannot change what was signed:
//! - the chain is linked by signatures, not by names: the leaf's issuer ("Huawei KeyStore") is not
//!   its signer's subject;
//! - the device certificate right above the leaf has no BasicConstraints and no keyCertSign in its
//!   KeyUsage: tolerated at that position only (position 1), never above;
//! - explicitly encoded DEFAULT values (`critical FALSE`, `cA FALSE` written out), which DER forbids;
//! - BIT STRINGs with trailing zero bits (the leaf's KeyUsage is `03 02 00 00`);
//! - extension values that do not parse (the leaf's CRL distribution points is one byte `00`): only
//!   BasicConstraints, KeyUsage and the attestation extension are read, others are skipped unless
//!   critical;
//! - sha256WithRSAEncryption without the NULL parameters (RFC 4055 lets verifiers accept both), and
//!   a PKCS#1 v1.5 DigestInfo without them (RFC 8017 §9.2 note 2);
//! - serial numbers of any length and sign (the lenient `Raw` profile of x509-cert).
//!
//! - (all Android chains, [`verify_key_attestation`]) the device certificate at position 1 saying
//!   CA:FALSE explicitly (Pixel and Sony factory chains); the leaf is never a CA;
//! - Huawei SOTER's vendor purpose `0xff010001` instead of SIGN ([`HUAWEI_SOTER_PURPOSE`]) under
//!   the default [`AttestationPolicy`].
//!
//! Verified CA signatures (positions 2 and up, and a root's self-signature) are remembered per
//! process by the exact bytes of certificate and signer key (bounded); device certificates and
//! leaves are checked every time.
//!
//! Not tolerated: BER indefinite lengths, lengths past the end of the input, a BOOLEAN other than
//! 00/FF, trailing bytes after a certificate, an outer signature algorithm that differs from the
//! one in the signed part.

mod android;
mod cert;
mod ecdsa;
pub mod keydesc;
mod sig;

pub use self::android::{
    key_description_json,
    verify_key_attestation, verify_key_attestation_with, AttestationPolicy, HUAWEI_SOTER_PURPOSE, KeyAttestation, RevocationEntry, RevocationList,
    GOOGLE_ROOT_EC_2025_SPKI_SHA256, GOOGLE_ROOT_RSA_SPKI_SHA256,
};

use std::fmt;

use sha2::{Digest, Sha256};

use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::json::{self, Value};
use crate::key::PublicKey;
use crate::result_json::AskFields;

use self::cert::{Cert, CertKey};
pub use self::cert::{MAX_CERT_SIZE, OID_KEY_ATTESTATION};

/// SHA-256 of the SubjectPublicKeyInfo (DER) of the Huawei CBG Root CA (RSA-4096, valid
/// 2017-08-21 to 2042-08-15), the root of Huawei phones' key attestation chains.
pub const HUAWEI_CBG_ROOT_SPKI_SHA256: &str = "ce6e5dcf8859401b2c65d04246d675d45b7531f81f997c1ae8dc73fa83135fb9";
/// Most certificates a chain may have (real chains have 3 or 4).
pub const MAX_CHAIN_CERTS: usize = 10;
/// Largest chain input (the certs JSON or a PEM bundle).
pub const MAX_CHAIN_INPUT: usize = json::MAX_DOCUMENT;

/// Where an [`Ask`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AskFormat {
    /// The ASK export JSON signed by ATTK, verified by WeChat (`verify_ask`).
    Classic,
    /// A key-attestation certificate chain verified locally.
    CertificateChain,
}

/// A trusted ASK: the device's app key and the device identity it was issued for. Store it by
/// device (`cpu_id` + `uid`); verify that device's AuthKeys with it ([`crate::verify_auth_key`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Ask {
    pub public_key: PublicKey,
    pub cpu_id: String,
    /// Text, also when the signed JSON has a number.
    pub uid: String,
    pub counter: u64,
    /// The salt length the device signs with, when the signed JSON says so (Huawei: 32).
    pub rsa_pss_saltlen: Option<u32>,
    pub format: AskFormat,
    /// Subjects of the chain, leaf first (empty for a classic ASK).
    pub subjects: Vec<String>,
    /// SHA-256 of the root's SubjectPublicKeyInfo (chains only).
    pub root_spki_sha256: Option<[u8; 32]>,
    /// The signed JSON the identity was read from: the attestationChallenge or the classic ask_json.
    pub signed_json: String,
}

impl fmt::Debug for Ask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ask")
            .field("format", &self.format)
            .field("public_key", &self.public_key)
            .field("cpu_id", &self.cpu_id)
            .field("uid", &self.uid)
            .field("counter", &self.counter)
            .field("rsa_pss_saltlen", &self.rsa_pss_saltlen)
            .field("subjects", &self.subjects)
            .finish_non_exhaustive()
    }
}

impl Ask {
    /// An ASK the server verified earlier and stored (its public key, device identity and salt
    /// length), rebuilt to check that device's later AuthKeys with [`crate::verify_auth_key`].
    /// Store these fields only after [`verify_ask_chain`] or `soter_verify_ask` succeeded.
    pub fn from_stored(
        public_key: PublicKey,
        cpu_id: impl Into<String>,
        uid: impl Into<String>,
        counter: u64,
        rsa_pss_saltlen: Option<u32>,
        format: AskFormat,
    ) -> Result<Ask> {
        let (cpu_id, uid) = (cpu_id.into(), uid.into());
        if cpu_id.is_empty() || uid.is_empty() {
            return Err(Error::input("a stored ASK needs its cpu_id and uid"));
        }
        if rsa_pss_saltlen.is_some_and(|s| s > 512) {
            return Err(Error::input("rsa_pss_saltlen must be 0 to 512"));
        }
        Ok(Ask {
            public_key,
            cpu_id,
            uid,
            counter,
            rsa_pss_saltlen,
            format,
            subjects: Vec::new(),
            root_spki_sha256: None,
            signed_json: String::new(),
        })
    }

    /// A classic ASK from its export JSON (`pub_key`, `cpu_id`, `counter`, `uid`). This does not
    /// check the ATTK signature: only WeChat can ([`crate::wechat::WeChatClient::soter_verify_ask`]
    /// does both).
    pub(crate) fn from_classic_json(ask_json: &[u8]) -> Result<Ask> {
        let f = AskFields::parse(ask_json, "ASK JSON", true)?;
        let pem = f.pub_key.expect("parsed with pub_key");
        let public_key = PublicKey::load(pem.as_bytes())
            .map_err(|e| Error::new(e.kind(), format!("the ASK's pub_key: {}", e.message())))?;
        Ok(Ask {
            public_key,
            cpu_id: f.cpu_id,
            uid: f.uid,
            counter: f.counter,
            rsa_pss_saltlen: f.rsa_pss_saltlen,
            format: AskFormat::Classic,
            subjects: Vec::new(),
            root_spki_sha256: None,
            signed_json: String::from_utf8_lossy(ask_json).into_owned(),
        })
    }
}

/// Trusted roots and the time at which validity is checked.
#[derive(Clone, Debug)]
pub struct ChainOptions {
    roots: Vec<[u8; 32]>,
    builtin: bool,
    at: Option<u64>,
    policy: AttestationPolicy,
    revocations: Option<std::sync::Arc<RevocationList>>,
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions::new()
    }
}

impl ChainOptions {
    /// The built-in roots (Huawei CBG Root CA), validity checked now.
    pub fn new() -> ChainOptions {
        ChainOptions { roots: Vec::new(), builtin: true, at: None, policy: AttestationPolicy::default(), revocations: None }
    }

    /// Also trust the root certificate `cert` (PEM or DER): a chain whose last certificate has the
    /// same SubjectPublicKeyInfo is trusted. For other vendors and for test chains.
    pub fn add_root(&mut self, cert: &[u8]) -> Result<()> {
        let ders = decode_certs(cert, "root")?;
        if ders.len() != 1 {
            return Err(Error::new(
                ErrorKind::CertificateInvalid,
                format!("a root is one certificate; this input holds {}", ders.len()),
            ));
        }
        let c = cert::parse(&ders[0], 0).map_err(|e| Error::new(e.kind(), format!("the root: {}", e.message())))?;
        self.roots.push(c.spki_sha256());
        Ok(())
    }

    /// Builder form of [`ChainOptions::add_root`].
    pub fn with_root(mut self, cert: &[u8]) -> Result<ChainOptions> {
        self.add_root(cert)?;
        Ok(self)
    }

    /// Trust a root by the SHA-256 of its SubjectPublicKeyInfo.
    pub fn add_root_spki_sha256(&mut self, sha256: [u8; 32]) {
        self.roots.push(sha256);
    }

    /// Do not trust the built-in roots (only those added).
    pub fn without_builtin_roots(mut self) -> ChainOptions {
        self.builtin = false;
        self
    }

    /// Check validity at this Unix time (seconds) instead of now.
    pub fn at(mut self, unix_seconds: u64) -> ChainOptions {
        self.at = Some(unix_seconds);
        self
    }

    pub fn set_at(&mut self, unix_seconds: Option<u64>) {
        self.at = unix_seconds;
    }

    /// What the leaf's KeyDescription must say ([`AttestationPolicy::default`] unless relaxed).
    pub fn policy(mut self, policy: AttestationPolicy) -> ChainOptions {
        self.policy = policy;
        self
    }

    pub fn set_policy(&mut self, policy: AttestationPolicy) {
        self.policy = policy;
    }

    /// Refuse chains holding a certificate this status list names (`CertificateRevoked`).
    pub fn revocations(mut self, list: RevocationList) -> ChainOptions {
        self.revocations = Some(std::sync::Arc::new(list));
        self
    }

    pub fn set_revocations(&mut self, list: Option<RevocationList>) {
        self.revocations = list.map(std::sync::Arc::new);
    }

    fn trusts(&self, spki_sha256: &[u8; 32]) -> bool {
        (self.builtin && hex(spki_sha256) == HUAWEI_CBG_ROOT_SPKI_SHA256) || self.roots.contains(spki_sha256)
    }

    fn time(&self) -> u64 {
        self.at.unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
        })
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Verify a certificate-chain ASK as received: the certs JSON (`{"certs": [PEM, ...], ...}`,
/// escaped or not), a JSON array of PEM strings, a PEM bundle, or DER certificates one after the
/// other; leaf first, root last. Top-level `cpu_id`, `uid`, `counter` next to `certs` are not
/// signed: when present they must equal the attested values.
///
/// Errors: `CertificateInvalid` (naming the certificate by position and subject) for an empty or
/// too long chain, an unparseable certificate, a signature that does not verify, an unsupported
/// algorithm, a non-CA issuer, a certificate outside its validity, a repeated certificate, a leaf
/// without a usable attestation, disagreeing top-level fields; `UntrustedRoot` for a sound chain
/// whose root is not trusted; `InputTooLarge` past [`MAX_CHAIN_INPUT`] or [`MAX_CERT_SIZE`];
/// `InvalidJson`/`DuplicateField` for a broken JSON wrapper.
pub fn verify_ask_chain(input: &[u8], options: &ChainOptions) -> Result<Ask> {
    let (ders, top) = decode_input(input)?;
    let certs = parse_all(&ders)?;
    let ask = check(&certs, options)?;
    top.check(&ask)?;
    Ok(ask)
}

/// [`verify_ask_chain`] for certificates given one by one (each PEM or DER), leaf first.
pub fn verify_ask_chain_certs<C: AsRef<[u8]>>(certs: &[C], options: &ChainOptions) -> Result<Ask> {
    check_count(certs.len())?;
    let mut ders = Vec::with_capacity(certs.len());
    for (i, c) in certs.iter().enumerate() {
        let mut one = decode_certs(c.as_ref(), &format!("certificate #{i}"))?;
        if one.len() != 1 {
            return Err(Error::new(
                ErrorKind::CertificateInvalid,
                format!("certificate #{i}: the item holds {} certificates; pass one per item", one.len()),
            ));
        }
        ders.push(one.pop().expect("one"));
    }
    check(&parse_all(&ders)?, options)
}

/// One certificate as `soter inspect --chain` shows it.
#[derive(Clone, Debug)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// "RSA 2048", "EC P-256", or why the key is unusable.
    pub key: String,
    pub signature_algorithm: String,
    /// Whether the next certificate's key verifies this one's signature (for the last: its own).
    pub signed_by_next: bool,
    /// Why not, when it does not.
    pub signature_problem: Option<String>,
}

/// Everything `soter inspect --chain` prints.
#[derive(Clone, Debug)]
pub struct ChainReport {
    pub certs: Vec<CertSummary>,
    pub root_spki_sha256: String,
    pub root_cert_sha256: String,
    pub root_trusted: bool,
    /// The leaf's attestationChallenge as text, when the leaf has the extension.
    pub attestation_json: Option<String>,
    /// The leaf's KeyDescription decoded (or why it cannot be), when the leaf has the extension.
    pub key_description: Option<std::result::Result<keydesc::KeyDescription, String>>,
    /// The options' [`AttestationPolicy`] applied to that KeyDescription.
    pub policy_verdict: Option<Result<()>>,
    /// The verdict of [`verify_ask_chain`] with the same options.
    pub verdict: Result<Ask>,
}

/// Parse a chain and describe each certificate, without stopping at the first problem (for
/// diagnosis). Fails only when the input cannot be read as certificates.
pub fn inspect_ask_chain(input: &[u8], options: &ChainOptions) -> Result<ChainReport> {
    let (ders, _) = decode_input(input)?;
    let certs = parse_all(&ders)?;
    let last = certs.last().expect("parse_all refuses an empty chain");
    let summaries = certs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let signer = certs.get(i + 1).unwrap_or(c);
            let problem = match sig::verify(c, signer.key()) {
                Ok(()) => None,
                Err(sig::SigError::Invalid) => Some("the signature does not verify".to_string()),
                Err(sig::SigError::Unsupported(why)) => Some(why),
            };
            CertSummary {
                subject: c.subject.clone(),
                issuer: c.issuer.clone(),
                not_before: c.not_before_text.clone(),
                not_after: c.not_after_text.clone(),
                key: c.key().describe(),
                signature_algorithm: c.sig_alg.to_string(),
                signed_by_next: problem.is_none(),
                signature_problem: problem,
            }
        })
        .collect();
    let attestation_json = certs[0]
        .attestation
        .as_deref()
        .and_then(|kd| keydesc::challenge(kd).ok())
        .map(|c| String::from_utf8_lossy(&c).into_owned());
    let key_description = certs[0].attestation.as_deref().map(|kd| keydesc::parse(kd).map_err(|e| e.to_string()));
    Ok(ChainReport {
        certs: summaries,
        root_spki_sha256: hex(&last.spki_sha256()),
        root_cert_sha256: hex(&Sha256::digest(&last.der)),
        root_trusted: options.trusts(&last.spki_sha256()),
        attestation_json,
        policy_verdict: match &key_description {
            Some(Ok(kd)) => Some(options.policy.check(kd)),
            _ => None,
        },
        key_description,
        verdict: verify_ask_chain(input, options),
    })
}

fn check_count(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::new(ErrorKind::CertificateInvalid, "the certificate chain is empty"));
    }
    if n > MAX_CHAIN_CERTS {
        return Err(Error::new(
            ErrorKind::CertificateInvalid,
            format!("the chain has {n} certificates; at most {MAX_CHAIN_CERTS} are accepted"),
        ));
    }
    Ok(())
}

fn parse_all(ders: &[Vec<u8>]) -> Result<Vec<Cert>> {
    check_count(ders.len())?;
    for (i, d) in ders.iter().enumerate() {
        if let Some(j) = ders[..i].iter().position(|e| e == d) {
            return Err(Error::new(
                ErrorKind::CertificateInvalid,
                format!("certificate #{i} repeats certificate #{j}: a chain never holds a certificate twice (a cycle?)"),
            ));
        }
    }
    ders.iter()
        .enumerate()
        .map(|(i, d)| {
            // CA certificates (position 2 and up) are the same for every device of a vendor:
            // parsed once per process with their key loaded, then copied (bounded cache).
            if i < 2 {
                return cert::parse(d, i);
            }
            let h: [u8; 32] = Sha256::digest(d).into();
            if let Some(c) = parsed_cas::get(&h) {
                return Ok(c);
            }
            let c = cert::parse(d, i)?;
            c.key();
            parsed_cas::insert(h, &c);
            Ok(c)
        })
        .collect()
}

/// Parsed CA certificates by the SHA-256 of their DER (a parse is pure: the same bytes always
/// give the same `Cert`). Bounded: once full, new certificates are parsed every time.
mod parsed_cas {
    use super::cert::Cert;
    use std::collections::HashMap;
    use std::sync::{OnceLock, RwLock};

    const MAX: usize = 64;

    fn map() -> &'static RwLock<HashMap<[u8; 32], Cert>> {
        static M: OnceLock<RwLock<HashMap<[u8; 32], Cert>>> = OnceLock::new();
        M.get_or_init(|| RwLock::new(HashMap::new()))
    }

    pub(super) fn get(h: &[u8; 32]) -> Option<Cert> {
        map().read().ok()?.get(h).cloned()
    }

    pub(super) fn insert(h: [u8; 32], c: &Cert) {
        if let Ok(mut m) = map().write() {
            if m.len() < MAX {
                m.entry(h).or_insert_with(|| c.clone());
            }
        }
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::CertificateInvalid, message)
}

/// The chain rules (see the module docs), then the attestation and the policy, then trust.
fn check(certs: &[Cert], options: &ChainOptions) -> Result<Ask> {
    let trusted = |pin: &[u8; 32]| options.trusts(pin);
    let pin = check_chain(certs, options.time(), &trusted, options.revocations.as_deref(), Backend::default())?;
    let leaf = &certs[0];
    let ask = leaf_ask(leaf)?;
    let kd = leaf_key_description(leaf)?;
    options.policy.check(&kd).map_err(|e| e.prefixed(&format!("the key attestation of the leaf {}: ", leaf.name(0))))?;
    Ok(Ask { subjects: certs.iter().map(|c| c.subject.clone()).collect(), root_spki_sha256: Some(pin), ..ask })
}

/// The chain rules shared by SOTER ASK chains and general key attestation: validity at `at`,
/// CA rules by position, signatures (each certificate by the next, the last by itself), the
/// revocation list, then trust of the root by its SPKI SHA-256 (returned).
pub(crate) fn check_chain(
    certs: &[Cert],
    at: u64,
    trusts: &dyn Fn(&[u8; 32]) -> bool,
    revocations: Option<&RevocationList>,
    backend: Backend,
) -> Result<[u8; 32]> {
    let n = certs.len();
    for (i, c) in certs.iter().enumerate() {
        let name = c.name(i);
        if at < c.not_before {
            return Err(invalid(format!("{name} is not valid before {} (checked at Unix time {at})", c.not_before_text)));
        }
        if at > c.not_after {
            return Err(invalid(format!("{name} expired at {} (checked at Unix time {at})", c.not_after_text)));
        }
        if let Some(oid) = c.unknown_critical.first() {
            return Err(invalid(format!("{name} has a critical extension this check does not know ({oid})")));
        }
        if i == 0 && n > 1 && c.basic_constraints.is_some_and(|(ca, _)| ca) {
            return Err(invalid(format!("the leaf {name} is a CA (BasicConstraints CA:TRUE): an attested key never is")));
        }
        // Position 1 is the device's attestation key: real chains give it no BasicConstraints
        // (Huawei), or an explicit CA:FALSE (some Android devices), and no keyCertSign.
        if i >= 2 && c.basic_constraints.is_some_and(|(ca, _)| !ca) {
            return Err(invalid(format!("{name} signs certificate #{} but says it is not a CA (CA:FALSE)", i - 1)));
        }
        if i >= 2 {
            if c.basic_constraints.is_none() {
                return Err(invalid(format!("{name} signs certificate #{} but has no BasicConstraints CA:TRUE", i - 1)));
            }
            if c.key_cert_sign == Some(false) {
                return Err(invalid(format!("{name} signs certificate #{} but its KeyUsage lacks keyCertSign", i - 1)));
            }
            if let Some((_, Some(max))) = c.basic_constraints {
                // Certificates between it and the leaf: positions 1..i.
                if i - 1 > max as usize {
                    return Err(invalid(format!("{name} allows {max} certificates below it before the leaf (pathLenConstraint); the chain has {}", i - 1)));
                }
            }
        }
        let signer = certs.get(i + 1).unwrap_or(c);
        // The signatures of CA certificates (position 2 and up: shared by every device of a
        // vendor) are checked once per process and remembered by the exact bytes of certificate
        // and signer key: a valid signature stays valid. The RSA-4096 operations of the root were
        // 70% of a Huawei chain's time. Device certificates and leaves are always checked.
        let cacheable = i >= 2 || (i + 1 == n && n > 1);
        let link = cacheable.then(|| verified_links::key(&c.der, &signer.spki_der));
        if link.is_some_and(|k| verified_links::contains(&k)) {
            continue;
        }
        if let Err(e) = sig::verify_with(c, signer.key(), backend) {
            let by = if i + 1 < n { signer.name(i + 1) } else { "its own key (the root is self-signed)".into() };
            let why = match e {
                sig::SigError::Invalid => "does not verify".to_string(),
                sig::SigError::Unsupported(why) => format!("cannot be checked: {why}"),
            };
            let last = i + 1 == n;
            if last && !trusts(&c.spki_sha256()) {
                // A chain that stops below its root (the root was left out) is sound but untrusted.
                return Err(Error::new(
                    ErrorKind::UntrustedRoot,
                    format!("the chain ends at {name}, which is not a self-signed trusted root: its root is missing or not trusted"),
                ));
            }
            return Err(invalid(format!("the signature of {name} by {by} {why}")));
        }
        if let Some(k) = link {
            verified_links::insert(k);
        }
    }
    if let Some(list) = revocations {
        list.check(certs)?;
    }
    let root = &certs[n - 1];
    let pin = root.spki_sha256();
    if !trusts(&pin) {
        return Err(Error::new(
            ErrorKind::UntrustedRoot,
            format!(
                "the chain is sound but ends at {}, which is not a trusted root (SPKI SHA-256 {}); pass it as a root to trust it",
                root.name(n - 1),
                hex(&pin)
            ),
        ));
    }
    Ok(pin)
}

/// CA certificate signatures verified in this process, by the SHA-256 of (certificate DER,
/// signer SPKI DER). Bounded: once full, new links are checked every time, never evicted, so
/// input cannot flush the entries real chains use.
#[doc(hidden)]
pub mod verified_links {
    use sha2::{Digest, Sha256};
    use std::sync::RwLock;

    const MAX: usize = 256;
    static SEEN: RwLock<Vec<[u8; 32]>> = RwLock::new(Vec::new());

    pub(crate) fn key(cert_der: &[u8], signer_spki: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update((cert_der.len() as u64).to_be_bytes());
        h.update(cert_der);
        h.update(signer_spki);
        h.finalize().into()
    }

    pub(crate) fn contains(k: &[u8; 32]) -> bool {
        SEEN.read().map(|s| s.contains(k)).unwrap_or(false)
    }

    pub(crate) fn insert(k: [u8; 32]) {
        if let Ok(mut s) = SEEN.write() {
            if s.len() < MAX && !s.contains(&k) {
                s.push(k);
            }
        }
    }

    /// Forget every entry (the benchmark's cold figure; tests).
    #[doc(hidden)]
    pub fn clear() {
        if let Ok(mut s) = SEEN.write() {
            s.clear();
        }
    }
}

/// The leaf's KeyDescription, decoded strictly.
pub(crate) fn leaf_key_description(leaf: &Cert) -> Result<keydesc::KeyDescription> {
    let name = leaf.name(0);
    let kd = leaf
        .attestation
        .as_deref()
        .ok_or_else(|| invalid(format!("the leaf {name} has no key-attestation extension ({OID_KEY_ATTESTATION})")))?;
    keydesc::parse(kd).map_err(|e| invalid(format!("the KeyDescription of the leaf {name} is malformed at {e}")))
}

/// The ASK and its attested identity from the leaf.
fn leaf_ask(leaf: &Cert) -> Result<Ask> {
    let name = leaf.name(0);
    let kd = leaf
        .attestation
        .as_deref()
        .ok_or_else(|| invalid(format!("the leaf {name} has no key-attestation extension ({OID_KEY_ATTESTATION})")))?;
    let challenge = keydesc::challenge(kd)
        .map_err(|e| invalid(format!("the key attestation of the leaf {name} cannot be parsed (at {e})")))?;
    let fields = AskFields::parse(&challenge, "attestation JSON", false)
        .map_err(|e| invalid(format!("the attestationChallenge of the leaf {name}: {}", e.message())))?;
    let public_key = match leaf.key() {
        CertKey::Rsa(k) => k.clone(),
        other => return Err(invalid(format!("the leaf {name} holds {}, but an ASK is an RSA key of 2048 to 4096 bits", other.describe()))),
    };
    Ok(Ask {
        public_key,
        cpu_id: fields.cpu_id,
        uid: fields.uid,
        counter: fields.counter,
        rsa_pss_saltlen: fields.rsa_pss_saltlen,
        format: AskFormat::CertificateChain,
        subjects: Vec::new(),
        root_spki_sha256: None,
        signed_json: String::from_utf8_lossy(&challenge).into_owned(),
    })
}

/// Unsigned identity fields sent next to `certs`.
#[derive(Default)]
struct TopFields {
    cpu_id: Option<String>,
    uid: Option<String>,
    counter: Option<u64>,
}

impl TopFields {
    fn check(&self, ask: &Ask) -> Result<()> {
        let differs = |field: &str| {
            invalid(format!("the top-level {field} (not signed) differs from the attested {field}"))
        };
        if self.cpu_id.as_deref().is_some_and(|c| c != ask.cpu_id) {
            return Err(differs("cpu_id"));
        }
        if self.uid.as_deref().is_some_and(|u| u != ask.uid) {
            return Err(differs("uid"));
        }
        if self.counter.is_some_and(|c| c != ask.counter) {
            return Err(differs("counter"));
        }
        Ok(())
    }
}

/// Certificates (DER) and top-level fields from the chain input.
fn decode_input(input: &[u8]) -> Result<(Vec<Vec<u8>>, TopFields)> {
    if input.len() > MAX_CHAIN_INPUT {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            format!("the certificate chain input is {} bytes; at most {MAX_CHAIN_INPUT} are accepted", input.len()),
        ));
    }
    let trimmed = input.iter().position(|b| !b.is_ascii_whitespace()).map_or(&input[..0], |i| &input[i..]);
    match trimmed.first() {
        Some(b'{') => {
            let members = json::parse_object(input, "certificate chain JSON")?;
            let mut top = TopFields::default();
            let mut certs = None;
            for m in &members {
                match (m.name.as_ref(), &m.value) {
                    ("certs", Value::Compound) => certs = Some(json_strings(m.raw)?),
                    ("certs", _) => return Err(Error::json("the certificate chain JSON field \"certs\" must be an array of PEM strings")),
                    ("cpu_id", Value::String(s)) => top.cpu_id = Some(s.to_string()),
                    ("uid", Value::String(s)) => top.uid = Some(s.to_string()),
                    ("uid", Value::Number(n)) => top.uid = Some(n.to_string()),
                    ("counter", Value::Number(n)) => {
                        top.counter = Some(n.parse().map_err(|_| Error::json("the top-level counter is not a non-negative integer"))?)
                    }
                    ("cpu_id" | "uid" | "counter", _) => {
                        return Err(Error::json(format!("the top-level field \"{}\" has the wrong type", m.name)))
                    }
                    _ => {}
                }
            }
            let certs = certs.ok_or_else(|| Error::json("the certificate chain JSON has no \"certs\" field"))?;
            let mut ders = Vec::with_capacity(certs.len());
            check_count(certs.len())?;
            for (i, text) in certs.iter().enumerate() {
                let mut one = decode_certs(text.as_bytes(), &format!("certificate #{i}"))?;
                if one.len() != 1 {
                    return Err(invalid(format!("certificate #{i}: the string holds {} certificates", one.len())));
                }
                ders.push(one.pop().expect("one"));
            }
            Ok((ders, top))
        }
        Some(b'[') => {
            let text = std::str::from_utf8(trimmed).map_err(|_| Error::input("the certificate chain is not valid UTF-8"))?;
            let certs = json_strings(text)?;
            check_count(certs.len())?;
            let mut ders = Vec::new();
            for (i, t) in certs.iter().enumerate() {
                ders.extend(decode_certs(t.as_bytes(), &format!("certificate #{i}"))?);
            }
            Ok((ders, TopFields::default()))
        }
        _ => Ok((decode_certs(input, "certificate chain")?, TopFields::default())),
    }
}

/// A JSON array of strings (nesting is refused by the type).
fn json_strings(raw: &str) -> Result<Vec<String>> {
    serde_json::from_str::<Vec<String>>(raw)
        .map_err(|_| Error::json("the certificate chain must be a JSON array of PEM strings"))
}

/// One or more certificates from PEM (one block or a bundle; any label, any number of dashes,
/// `\n`-escaped), bare base64, or DER (one or several concatenated).
pub(crate) fn decode_certs(input: &[u8], what: &str) -> Result<Vec<Vec<u8>>> {
    let bad = |why: String| invalid(format!("{what}: {why}"));
    if crate::key::is_raw_der(input) {
        return split_der(input).map_err(bad);
    }
    let text = std::str::from_utf8(input).map_err(|_| bad("neither DER nor text".into()))?;
    let text = crate::key::unescape_json_text(text);
    if text.contains("PRIVATE KEY") {
        return Err(bad("this is a private key, not a certificate".into()));
    }
    let blocks: Vec<&str> = text.split("BEGIN").skip(1).collect();
    let bodies: Vec<&str> = if blocks.is_empty() {
        vec![text.as_str()]
    } else {
        blocks.iter().map(|b| crate::key::pem_body(b)).collect::<Result<_>>().map_err(|e| bad(e.message().to_string()))?
    };
    let mut out = Vec::new();
    for body in bodies {
        let der = crate::base64::decode(body.as_bytes()).map_err(|e| bad(format!("not PEM, base64 or DER ({e})")))?;
        if der.is_empty() {
            return Err(bad("empty".into()));
        }
        out.extend(split_der(&der).map_err(bad)?);
    }
    Ok(out)
}

/// DER values one after the other (each a SEQUENCE), at most MAX_CHAIN_CERTS + 1 of them.
fn split_der(mut der: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    use x509_cert::der::{Decode, Reader, SliceReader};
    let mut out = Vec::new();
    while !der.is_empty() {
        if out.len() > MAX_CHAIN_CERTS {
            return Err(format!("more than {MAX_CHAIN_CERTS} certificates"));
        }
        let mut r = SliceReader::new(der).map_err(|e| format!("not DER ({e})"))?;
        let h = x509_cert::der::Header::decode(&mut r).map_err(|e| format!("not DER ({e})"))?;
        if h.tag != x509_cert::der::Tag::Sequence {
            return Err("not a DER certificate (no SEQUENCE)".into());
        }
        r.read_slice(h.length).map_err(|e| format!("a DER length runs past the end of the input ({e})"))?;
        let used: usize = r.position().try_into().map_err(|_| "a DER length overflows".to_string())?;
        out.push(der[..used].to_vec());
        der = &der[used..];
    }
    Ok(out)
}

/// Chain parsing for the fuzzer (`fuzz/`). Not a supported API.
#[doc(hidden)]
pub mod fuzzing {
    /// Decode and parse every certificate of a chain input, then run the checks at a fixed time
    /// with the built-in roots; any outcome but a panic is fine.
    pub fn parse_and_check(input: &[u8]) -> bool {
        let options = super::ChainOptions::new().at(1_767_225_600);
        let _ = super::inspect_ask_chain(input, &options);
        super::verify_ask_chain(input, &options).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real Huawei chain, parsed, for tests that change one parsed property at a time (the
    /// CA rules run before the signature checks, so the changed chain fails on the rule itself).
    fn sample() -> Vec<Cert> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tencent-soter-sample/ask_cert_json.txt");
        let (ders, _) = decode_input(&std::fs::read(path).unwrap()).unwrap();
        parse_all(&ders).unwrap()
    }

    fn verdict(certs: &[Cert]) -> Result<Ask> {
        check(certs, &ChainOptions::new().at(1_767_225_600))
    }

    #[test]
    fn the_device_certificate_is_tolerated_at_position_1_only() {
        let certs = sample();
        assert_eq!(certs[1].basic_constraints, None, "the real device certificate has no BasicConstraints");
        assert_eq!(certs[1].key_cert_sign, Some(false), "and no keyCertSign");
        assert!(verdict(&certs).is_ok());
        // The same omissions one level up are refused.
        let mut c = sample();
        c[2].basic_constraints = None;
        let e = verdict(&c).unwrap_err();
        assert!(e.message().contains("certificate #2") && e.message().contains("no BasicConstraints"), "{e:?}");
        let mut c = sample();
        c[2].key_cert_sign = Some(false);
        assert!(verdict(&c).unwrap_err().message().contains("keyCertSign"));
        let mut c = sample();
        c[3].basic_constraints = Some((false, None));
        assert!(verdict(&c).unwrap_err().message().contains("CA:FALSE"));
        // An explicit CA:FALSE is tolerated at position 1 (Android factory chains say it); the
        // device certificate is the attestation key, which signs only the leaf.
        let mut c = sample();
        c[1].basic_constraints = Some((false, None));
        assert!(verdict(&c).is_ok());
        // A leaf that is a CA is refused.
        let mut c = sample();
        c[0].basic_constraints = Some((true, None));
        let e = verdict(&c).unwrap_err();
        assert!(e.message().contains("the leaf certificate #0") && e.message().contains("is a CA"), "{e:?}");
    }

    #[test]
    fn path_length_and_unknown_critical_extensions() {
        let mut c = sample();
        c[3].basic_constraints = Some((true, Some(1))); // two certificates below it before the leaf
        assert!(verdict(&c).unwrap_err().message().contains("pathLenConstraint"));
        c[3].basic_constraints = Some((true, Some(2)));
        assert!(verdict(&c).is_ok());
        let mut c = sample();
        c[1].unknown_critical.push("1.2.3.4".into());
        assert!(verdict(&c).unwrap_err().message().contains("critical extension this check does not know (1.2.3.4)"));
    }

    #[test]
    fn a_non_rsa_leaf_or_a_bad_attestation_is_refused() {
        let mut c = sample();
        c[0].attestation = Some(vec![0x30, 0x03, 0x02, 0x01, 0x02]);
        assert!(verdict(&c).unwrap_err().message().contains("cannot be parsed"));
        let mut c = sample();
        c[0].set_key(CertKey::Unusable("a key of algorithm 1.3.101.112, which is not supported".into()));
        // The leaf's key is checked as the ASK after its signature (by #1) verified.
        assert!(verdict(&c).unwrap_err().message().contains("an ASK is an RSA key"));
    }

    #[test]
    fn the_fuzz_harness_tells_a_verified_chain() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tencent-soter-sample/ask_cert_json.txt");
        let input = std::fs::read(path).unwrap();
        assert!(fuzzing::parse_and_check(&input));
        assert!(!fuzzing::parse_and_check(&input[..input.len() / 2]));
    }

    #[test]
    fn split_der_refuses_lengths_past_the_end() {
        assert!(split_der(&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00]).is_err());
        assert!(split_der(&[0x30, 0x80, 0x00, 0x00]).is_err()); // BER indefinite length
        assert_eq!(split_der(&[0x30, 0x00, 0x30, 0x00]).unwrap().len(), 2);
    }
}
