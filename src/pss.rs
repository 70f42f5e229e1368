//! RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with SHA-256 and
//! MGF1-SHA-256, over the exact bytes given. The RSA arithmetic is the backend's; the encoding
//! check is here, once, so that an explicit, default or recovered ("auto") salt length all go
//! through the same code.

use sha2::{Digest, Sha256};

use crate::backend::Backend;
use crate::base64;
use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;

const H_LEN: usize = 32;
/// Salt length SOTER devices use unless the resultJSON says otherwise.
pub const DEFAULT_SALT_LEN: usize = 20;
/// Encoded signatures longer than this are not signatures (4096-bit base64 is 684 bytes).
pub const MAX_SIGNATURE_INPUT: usize = 8 * 1024;

/// Which salt length a signature must have been made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SaltLen {
    /// `rsa_pss_saltlen` from the resultJSON when the message is one and has it, else 20.
    #[default]
    Default,
    /// Exactly this many bytes.
    Exact(usize),
    /// Whatever length the signer used (for diagnosis; accepts any salt length).
    Auto,
}

impl SaltLen {
    /// Parse the CLI/wrapper spelling: a number, "auto" or "default".
    pub fn parse(text: &str) -> Result<SaltLen> {
        match text.trim() {
            "auto" => Ok(SaltLen::Auto),
            "default" | "" => Ok(SaltLen::Default),
            t => t.parse::<usize>().map(SaltLen::Exact).map_err(|_| {
                Error::input("the salt length must be a number of bytes, \"auto\" or \"default\"")
            }),
        }
    }
}

impl SaltLen {
    /// The salt length this rule requires for `message`, or None for "any" ([`SaltLen::Auto`]).
    /// The one place the default rule lives: `rsa_pss_saltlen` of the signed JSON object when it
    /// has a usable one (decoded as the parser decodes it, escapes included), else 20. Every path
    /// that verifies with the default salt (`verify`, `authenticate`, `verify_auth_key`, the
    /// emulator) goes through here, so they cannot disagree.
    pub fn resolve(self, message: &[u8]) -> Option<usize> {
        match self {
            SaltLen::Default => Some(crate::result_json::signed_salt_len(message).unwrap_or(DEFAULT_SALT_LEN)),
            SaltLen::Exact(n) => Some(n),
            SaltLen::Auto => None,
        }
    }
}

/// A successful verification: which salt length the signature had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub salt_len: usize,
}

/// Decode a signature given as raw bytes or base64 (standard or URL-safe, padded or not,
/// whitespace tolerated), for a key whose signatures are `k` bytes long.
pub fn decode_signature(input: &[u8], k: usize) -> Result<Vec<u8>> {
    if input.is_empty() {
        return Err(Error::new(ErrorKind::MalformedSignature, "the signature is empty"));
    }
    if input.len() > MAX_SIGNATURE_INPUT {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            format!("the signature input is {} bytes; at most {MAX_SIGNATURE_INPUT} are accepted", input.len()),
        ));
    }
    // Base64 text that decodes to k bytes is longer than k, so exactly k bytes is the raw
    // signature (the common case from C and Java: no decoding attempt on the hot path).
    if input.len() == k {
        return Ok(input.to_vec());
    }
    match base64::decode(input) {
        Ok(raw) if raw.len() == k => Ok(raw),
        Ok(raw) => Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature decodes to {} bytes; a {}-bit key signs {k}", raw.len(), k * 8),
        )),
        Err(e) => Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature is neither {k} raw bytes nor base64 ({} bytes with {e})", input.len()),
        )),
    }
}

impl PublicKey {
    /// Verify `signature` (raw or base64) over exactly `message`. Returns the salt length on
    /// success, `SignatureInvalid` when the signature does not verify, `MalformedSignature` when it
    /// cannot be a signature by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8], salt: SaltLen) -> Result<Verified> {
        self.verify_with(Backend::default(), message, signature, salt)
    }

    /// `verify` on a chosen backend (both give the same answers; see the differential tests).
    pub fn verify_with(&self, backend: Backend, message: &[u8], signature: &[u8], salt: SaltLen) -> Result<Verified> {
        let sig = decode_signature(signature, self.size())?;
        let salt = salt.resolve(message);
        let mhash: [u8; H_LEN] = Sha256::digest(message).into();
        self.verify_digest(backend, &mhash, &sig, salt)
    }

    /// EMSA-PSS-VERIFY on the recovered encoded message; `salt: None` accepts any salt length.
    pub(crate) fn verify_digest(&self, backend: Backend, mhash: &[u8; H_LEN], sig: &[u8], salt: Option<usize>) -> Result<Verified> {
        let em_bits = self.bits() - 1;
        let em_len = em_bits.div_ceil(8);
        let decoded = self.public_op(backend, sig)?;
        // RSAVP1 gives k bytes; when emBits is a multiple of 8 the first byte must be zero.
        let (lead, em) = decoded.split_at(decoded.len() - em_len);
        let bad = || Error::new(ErrorKind::SignatureInvalid, "the signature does not verify");
        if lead.iter().any(|&b| b != 0) || em_len < H_LEN + 2 || em[em_len - 1] != 0xbc {
            return Err(bad());
        }
        if let Some(s) = salt {
            if em_len < H_LEN + s + 2 {
                return Err(bad());
            }
        }
        let (masked_db, rest) = em.split_at(em_len - H_LEN - 1);
        let h = &rest[..H_LEN];
        let top_bits = 8 * em_len - em_bits; // bits of the first byte that must be zero
        let top_mask = 0xffu8 >> top_bits;
        if masked_db[0] & !top_mask != 0 {
            return Err(bad());
        }
        let mut db = masked_db.to_vec();
        mgf1_xor(h, &mut db);
        db[0] &= top_mask;
        // DB = PS (zeros) || 0x01 || salt
        let one = db.iter().position(|&b| b != 0).ok_or_else(bad)?;
        if db[one] != 0x01 {
            return Err(bad());
        }
        let salt_bytes = &db[one + 1..];
        if let Some(s) = salt {
            if salt_bytes.len() != s {
                return Err(bad());
            }
        }
        let mut hasher = Sha256::new();
        hasher.update([0u8; 8]);
        hasher.update(mhash);
        hasher.update(salt_bytes);
        let h2: [u8; H_LEN] = hasher.finalize().into();
        if h2.as_slice() != h {
            return Err(bad());
        }
        Ok(Verified { salt_len: salt_bytes.len() })
    }
}

/// `db ^= MGF1-SHA256(seed, db.len())`.
fn mgf1_xor(seed: &[u8], db: &mut [u8]) {
    let base = {
        let mut h = Sha256::new();
        h.update(seed);
        h
    };
    for (counter, chunk) in db.chunks_mut(H_LEN).enumerate() {
        let mut h = base.clone();
        h.update((counter as u32).to_be_bytes());
        let mask = h.finalize();
        for (d, m) in chunk.iter_mut().zip(mask.iter()) {
            *d ^= m;
        }
    }
}
