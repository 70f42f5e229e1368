//! RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2, EMSA-PKCS1-v1_5 §9.2), used for certificate
//! signatures in ASK chains. Like `pss.rs`, only the RSA arithmetic is the backend's: the encoding
//! check is here, once, shared by AWS-LC and pure Rust.

use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;

/// Digests a PKCS#1 v1.5 certificate signature may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(crate) fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        }
    }

    /// The hash's sha*WithRSAEncryption signature algorithm (RFC 8017 A.2.4), dotted.
    pub(crate) fn pkcs1_oid(self) -> &'static str {
        match self {
            Hash::Sha256 => "1.2.840.113549.1.1.11",
            Hash::Sha384 => "1.2.840.113549.1.1.12",
            Hash::Sha512 => "1.2.840.113549.1.1.13",
        }
    }

    /// DER of the hash's AlgorithmIdentifier OID (tag, length, value).
    fn oid(self) -> &'static [u8] {
        match self {
            Hash::Sha256 => &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
            Hash::Sha384 => &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02],
            Hash::Sha512 => &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03],
        }
    }
}

/// DigestInfo DER prefix (everything before the hash bytes). `with_null`: the AlgorithmIdentifier
/// carries NULL parameters, as RFC 8017 writes it; RFC 8017 §9.2 note 2 lets verifiers also
/// accept the form without them, which some signers produce.
pub(crate) fn digest_info_prefix(hash: Hash, with_null: bool) -> Vec<u8> {
    let oid = hash.oid();
    let hash_len = hash.digest(b"").len();
    let params: &[u8] = if with_null { &[0x05, 0x00] } else { &[] };
    let alg_len = oid.len() + params.len();
    let mut out = vec![0x30, (2 + alg_len + 2 + hash_len) as u8, 0x30, alg_len as u8];
    out.extend_from_slice(oid);
    out.extend_from_slice(params);
    out.extend_from_slice(&[0x04, hash_len as u8]);
    out
}

impl PublicKey {
    /// Verify a raw (`size()` bytes) PKCS#1 v1.5 signature over `message` with `hash`.
    pub(crate) fn verify_pkcs1v15(&self, backend: Backend, hash: Hash, message: &[u8], sig: &[u8]) -> Result<()> {
        let em = self.public_op(backend, sig)?;
        let digest = hash.digest(message);
        let bad = || Error::new(ErrorKind::SignatureInvalid, "the signature does not verify");
        // EM = 0x00 || 0x01 || PS (0xff, at least 8) || 0x00 || DigestInfo || hash
        for with_null in [true, false] {
            let t_len = digest_info_prefix(hash, with_null).len() + digest.len();
            if em.len() < t_len + 11 {
                return Err(bad());
            }
            let ps_end = em.len() - t_len - 1;
            let ok = em[0] == 0
                && em[1] == 1
                && em[2..ps_end].iter().all(|&b| b == 0xff)
                && em[ps_end] == 0
                && em[ps_end + 1..em.len() - digest.len()] == digest_info_prefix(hash, with_null)[..]
                && crate::constant_time_eq(&em[em.len() - digest.len()..], &digest);
            if ok {
                return Ok(());
            }
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_info_prefixes_match_rfc_8017() {
        // RFC 8017 §9.2 note 1: the SHA-256 DigestInfo prefix.
        assert_eq!(
            digest_info_prefix(Hash::Sha256, true),
            [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        );
        assert_eq!(digest_info_prefix(Hash::Sha512, true)[..2], [0x30, 0x51]);
        assert_eq!(digest_info_prefix(Hash::Sha256, false)[..4], [0x30, 0x2f, 0x30, 0x0b]);
    }
}
