//! A simulated SOTER TEE for tests (ours and our users'): a device key pair, resultJSONs with a
//! rising counter signed with PSS, AuthKey exports signed by the device's ASK, and the ASK itself
//! in both formats: a classic ASK export signed by a test ATTK (for the emulator's `verify_ask`)
//! and a key-attestation certificate chain under a test root ([`TestRoot`]).
//!
//! Signing uses the pure-Rust `rsa` crate, an implementation independent of this crate's
//! verification code, so every simulated signature is also a cross-check of the verifier.

mod chain;
pub(crate) use chain::rsa_certificate_pem;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::pss::DEFAULT_SALT_LEN;

pub use self::chain::{authorization, ChainSpec, LeafSpec, TestRoot, TEST_NOT_AFTER, TEST_NOT_BEFORE};
#[cfg(test)]
pub(crate) use self::chain::{extension, self_signed};

/// An RSA key pair standing in for a TEE key (AuthKey or ASK).
pub struct KeyPair {
    private: rsa::RsaPrivateKey,
    public: PublicKey,
}

impl KeyPair {
    /// Generate a key of 2048, 3072 or 4096 bits (e = 65537).
    pub fn generate(bits: usize) -> Result<KeyPair> {
        if !(crate::key::MIN_BITS..=crate::key::MAX_BITS).contains(&bits) {
            return Err(Error::arg(format!("key size {bits} is outside 2048..=4096")));
        }
        let private = rsa::RsaPrivateKey::new(&mut OsRng, bits)
            .map_err(|_| Error::new(ErrorKind::Internal, "RSA key generation failed"))?;
        let public = PublicKey::from_components(&private.n().to_bytes_be(), &private.e().to_bytes_be())?;
        Ok(KeyPair { private, public })
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The private half (the emulator signs API security answers with it).
    pub(crate) fn private_key(&self) -> &rsa::RsaPrivateKey {
        &self.private
    }

    /// RSASSA-PSS (SHA-256, MGF1-SHA-256) signature of `message` with the given salt length.
    pub fn sign(&self, message: &[u8], salt_len: usize) -> Result<Vec<u8>> {
        let max = self.max_salt_len();
        if salt_len > max {
            return Err(Error::arg(format!("salt length {salt_len} exceeds the key's maximum {max}")));
        }
        let digest = Sha256::digest(message);
        self.private
            .sign_with_rng(&mut OsRng, rsa::Pss::new_with_salt::<Sha256>(salt_len), &digest)
            .map_err(|_| Error::new(ErrorKind::Internal, "PSS signing failed"))
    }

    /// The raw RSA private operation `x^d mod n` as `size()` bytes (x given big-endian, below n):
    /// signs a hand-made encoded message, so tests can present the verifier with encodings that
    /// break one EMSA-PSS rule at a time.
    #[cfg(test)]
    pub(crate) fn raw_private_op(&self, x: &[u8]) -> Vec<u8> {
        use rsa::traits::PrivateKeyParts;
        let m = rsa::BigUint::from_bytes_be(x).modpow(self.private.d(), self.private.n());
        let bytes = m.to_bytes_be();
        let mut out = vec![0u8; self.public.size()];
        out[self.public.size() - bytes.len()..].copy_from_slice(&bytes);
        out
    }

    /// The largest salt length this key can sign with.
    pub fn max_salt_len(&self) -> usize {
        (self.public.bits() - 1).div_ceil(8) - 32 - 2
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair").field("bits", &self.public.bits()).finish_non_exhaustive()
    }
}

/// A simulated phone: an AuthKey with its device identity and a counter that rises per result.
#[derive(Debug)]
pub struct Device {
    key: KeyPair,
    pub cpu_id: String,
    pub uid: String,
    counter: AtomicU64,
}

impl Device {
    /// A new device with a fresh 2048-bit AuthKey and a random cpu_id.
    pub fn new() -> Result<Device> {
        Device::with_key(KeyPair::generate(2048)?)
    }

    pub fn with_key(key: KeyPair) -> Result<Device> {
        let mut id = [0u8; 20];
        getrandom::getrandom(&mut id).map_err(|_| Error::new(ErrorKind::Internal, "random generator failed"))?;
        let cpu_id = id.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Device { key, cpu_id, uid: "10115".into(), counter: AtomicU64::new(240) })
    }

    pub fn key(&self) -> &KeyPair {
        &self.key
    }

    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    pub fn public_key_pem(&self) -> String {
        self.public_key().to_pem()
    }

    /// The counter the next result will carry.
    pub fn next_counter(&self) -> u64 {
        self.counter.load(Ordering::SeqCst) + 1
    }

    /// A resultJSON for `challenge` (counter incremented), signed with `salt_len`. A salt length
    /// other than 20 is announced in `rsa_pss_saltlen`, as Huawei devices do.
    /// Returns (exact JSON bytes, standard padded base64 signature).
    pub fn sign_result(&self, challenge: &str, salt_len: usize) -> Result<(Vec<u8>, String)> {
        let counter = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let mut json = format!(
            "{{\"raw\":{},\"fid\":\"2313170\",\"counter\":{counter},\"tee_n\":\"soter-verify-simulated-tee\",\
             \"tee_v\":\"10010\",\"fp_n\":\"FPC\",\"fp_v\":\"6516\",\"cpu_id\":\"{}\",\"uid\":\"{}\"",
            json_string(challenge),
            self.cpu_id,
            self.uid
        );
        if salt_len != DEFAULT_SALT_LEN {
            json.push_str(&format!(",\"rsa_pss_saltlen\":{salt_len}"));
        }
        json.push('}');
        let sig = self.key.sign(json.as_bytes(), salt_len)?;
        Ok((json.into_bytes(), crate::base64::encode(&sig)))
    }

    /// This device's AuthKey export JSON, as the TEE would produce it (PEM with `\n` and `\/`).
    pub fn auth_key_json(&self) -> Vec<u8> {
        let pem = self.public_key_pem().replace('/', "\\/").replace('\n', "\\n");
        format!(
            "{{\"pub_key\":\"{pem}\",\"cpu_id\":\"{}\",\"counter\":{},\"uid\":\"{}\"}}",
            self.cpu_id,
            self.counter.load(Ordering::SeqCst),
            self.uid
        )
        .into_bytes()
    }

    /// The AuthKey export signed by `ask` (salt 20): (JSON bytes, base64 signature).
    pub fn signed_auth_key(&self, ask: &KeyPair) -> Result<(Vec<u8>, String)> {
        self.signed_auth_key_with_salt(ask, DEFAULT_SALT_LEN)
    }

    /// The AuthKey export signed by `ask` with PSS salt `salt_len` (an ASK whose attestation says
    /// `rsa_pss_saltlen` 32 signs with 32).
    pub fn signed_auth_key_with_salt(&self, ask: &KeyPair, salt_len: usize) -> Result<(Vec<u8>, String)> {
        let json = self.auth_key_json();
        let sig = ask.sign(&json, salt_len)?;
        Ok((json, crate::base64::encode(&sig)))
    }

    /// The classic ASK export JSON for `ask` on this device: `{"pub_key", "cpu_id", "counter", "uid"}`.
    pub fn ask_json(&self, ask: &KeyPair) -> Vec<u8> {
        let pem = ask.public_key().to_pem().replace('/', "\\/").replace('\n', "\\n");
        format!(
            "{{\"pub_key\":\"{pem}\",\"cpu_id\":\"{}\",\"counter\":{},\"uid\":\"{}\"}}",
            self.cpu_id,
            self.counter.load(Ordering::SeqCst),
            self.uid
        )
        .into_bytes()
    }

    /// A classic ASK as the device uploads it: the ASK export JSON and its signature by the
    /// factory key `attk` (PSS, salt 20, standard base64). WeChat's `verify_ask` (or the emulator,
    /// with `attk` registered) checks it.
    pub fn classic_ask(&self, ask: &KeyPair, attk: &KeyPair) -> Result<(Vec<u8>, String)> {
        let json = self.ask_json(ask);
        let sig = attk.sign(&json, DEFAULT_SALT_LEN)?;
        Ok((json, crate::base64::encode(&sig)))
    }

    /// The JSON a chain's leaf attests for this device: `{"cpu_id","counter","uid"}` (and
    /// `rsa_pss_saltlen` when given).
    pub fn attestation_json(&self, rsa_pss_saltlen: Option<u32>) -> Vec<u8> {
        let mut json = format!(
            "{{\"cpu_id\":\"{}\",\"counter\":{},\"uid\":\"{}\"",
            self.cpu_id,
            self.counter.load(Ordering::SeqCst),
            self.uid
        );
        if let Some(s) = rsa_pss_saltlen {
            json.push_str(&format!(",\"rsa_pss_saltlen\":{s}"));
        }
        json.push('}');
        json.into_bytes()
    }

    /// A certificate-chain ASK for `ask` under `root`, as a Huawei phone hands it over:
    /// `{"certs":[leaf, device, CA, root]}` with JSON-escaped PEM. Verify it with
    /// [`crate::verify_ask_chain`] and `root` added as a trusted root.
    pub fn ask_chain(&self, ask: &KeyPair, root: &TestRoot) -> Result<Vec<u8>> {
        self.ask_chain_with(ask, root, &ChainSpec::default())
    }

    /// [`Device::ask_chain`] with choices (a leaf without attestation, an attested salt length).
    pub fn ask_chain_with(&self, ask: &KeyPair, root: &TestRoot, spec: &ChainSpec) -> Result<Vec<u8>> {
        let attested = spec.attestation.then(|| self.attestation_json(spec.rsa_pss_saltlen));
        let pems = root.issue(ask, &format!("TEST_{}", self.cpu_id), attested.as_deref())?;
        Ok(chain::certs_json(&pems).into_bytes())
    }
}

/// SubjectPublicKeyInfo DER of an RSA key (n, e big-endian), without any validity check: for
/// building hostile keys in tests.
pub fn rsa_spki_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    crate::key::spki_der(n, e)
}

/// PKCS#1 RSAPublicKey DER of (n, e), without any validity check.
pub fn rsa_pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    crate::key::pkcs1_der(n, e)
}

/// A JSON string literal for `s` (quotes, backslashes and control characters escaped).
pub(crate) fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}
