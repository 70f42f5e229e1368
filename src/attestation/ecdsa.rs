//! ECDSA over P-256 and P-384 for certificate signatures, on the crate's backends: AWS-LC (the
//! fast default, about ten times the pure-Rust speed for P-256) or the RustCrypto `p256`/`p384`
//! crates (portable). The digest (SHA-256 or SHA-384, as the signature algorithm says) is computed
//! here and handed to both as a prehash, so the two differ only in curve arithmetic, which the
//! differential tests check on real chains.

use sha2::{Digest, Sha256, Sha384};

use crate::backend::Backend;

/// A named curve this check verifies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
}

impl Curve {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }

    /// Length of an uncompressed point (04 || X || Y).
    fn point_len(self) -> usize {
        match self {
            Curve::P256 => 65,
            Curve::P384 => 97,
        }
    }
}

/// The digest an ECDSA signature algorithm names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EcHash {
    Sha256,
    Sha384,
}

/// An EC public key: its curve and SEC1 point, checked to be on the curve when parsed.
#[derive(Clone, Debug)]
pub(crate) struct EcKey {
    pub curve: Curve,
    pub point: Vec<u8>,
}

impl EcKey {
    /// The key from its SEC1 point; None when the point is not a valid point of the curve.
    /// Compressed points are refused: attestation certificates carry uncompressed ones.
    pub(crate) fn new(curve: Curve, point: &[u8]) -> Option<EcKey> {
        if point.len() != curve.point_len() || point[0] != 0x04 {
            return None;
        }
        // The on-curve check is done once here by the portable code (a few microseconds), so a
        // bad key is refused the same way on both backends.
        let ok = match curve {
            Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(point).is_ok(),
            Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(point).is_ok(),
        };
        ok.then(|| EcKey { curve, point: point.to_vec() })
    }

    /// Whether `sig` (DER ECDSA-Sig-Value) is a valid signature of `msg` under `hash`.
    pub(crate) fn verify(&self, backend: Backend, hash: EcHash, msg: &[u8], sig: &[u8]) -> bool {
        let digest: Vec<u8> = match hash {
            EcHash::Sha256 => Sha256::digest(msg).to_vec(),
            EcHash::Sha384 => Sha384::digest(msg).to_vec(),
        };
        match backend {
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => aws::verify(self, &digest, sig),
            #[cfg(not(feature = "aws-lc"))]
            Backend::AwsLc => false,
            Backend::PureRust => self.verify_pure(&digest, sig),
        }
    }

    fn verify_pure(&self, digest: &[u8], sig: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        match self.curve {
            Curve::P256 => {
                let (Ok(k), Ok(s)) =
                    (p256::ecdsa::VerifyingKey::from_sec1_bytes(&self.point), p256::ecdsa::Signature::from_der(sig))
                else {
                    return false;
                };
                k.verify_prehash(digest, &s).is_ok()
            }
            Curve::P384 => {
                let (Ok(k), Ok(s)) =
                    (p384::ecdsa::VerifyingKey::from_sec1_bytes(&self.point), p384::ecdsa::Signature::from_der(sig))
                else {
                    return false;
                };
                k.verify_prehash(digest, &s).is_ok()
            }
        }
    }
}

#[cfg(feature = "aws-lc")]
mod aws {
    use super::{Curve, EcKey};
    use aws_lc_sys as ffi;

    struct Key(*mut ffi::EC_KEY);
    impl Drop for Key {
        fn drop(&mut self) {
            // SAFETY: EC_KEY_free accepts NULL; the pointer is owned here.
            unsafe { ffi::EC_KEY_free(self.0) }
        }
    }
    struct Point(*mut ffi::EC_POINT);
    impl Drop for Point {
        fn drop(&mut self) {
            // SAFETY: EC_POINT_free accepts NULL; the pointer is owned here.
            unsafe { ffi::EC_POINT_free(self.0) }
        }
    }

    /// ECDSA_verify over the prehash. AWS-LC parses the DER signature strictly and truncates a
    /// digest longer than the curve order (SHA-384 on P-256) as FIPS 186 says.
    pub(super) fn verify(key: &EcKey, digest: &[u8], sig: &[u8]) -> bool {
        let nid = match key.curve {
            Curve::P256 => ffi::NID_X9_62_prime256v1,
            Curve::P384 => ffi::NID_secp384r1,
        };
        // SAFETY: every pointer is checked before use and owned by a guard that frees it; the
        // buffers outlive the calls that read them.
        let ok = unsafe {
            let k = Key(ffi::EC_KEY_new_by_curve_name(nid));
            if k.0.is_null() {
                return false;
            }
            let group = ffi::EC_KEY_get0_group(k.0);
            let p = Point(ffi::EC_POINT_new(group));
            if p.0.is_null()
                || ffi::EC_POINT_oct2point(group, p.0, key.point.as_ptr(), key.point.len(), std::ptr::null_mut()) != 1
                || ffi::EC_KEY_set_public_key(k.0, p.0) != 1
            {
                false
            } else {
                ffi::ECDSA_verify(0, digest.as_ptr(), digest.len(), sig.as_ptr(), sig.len(), k.0) == 1
            }
        };
        // A failed verification leaves entries on this thread's error queue.
        // SAFETY: clears this thread's AWS-LC error queue.
        unsafe { ffi::ERR_clear_error() };
        ok
    }
}
