//! The RSA public operation `s^e mod n`, on AWS-LC (fast, default) or on the pure-Rust `rsa`
//! crate (portable). Everything above it (PSS decoding, salt handling) is shared Rust code in
//! `pss.rs`, so the two backends can only differ in arithmetic, which the differential tests check.

use crate::error::{Error, ErrorKind, Result};
use crate::key::KeyInner;

/// Which implementation performs the modular exponentiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// AWS-LC (cargo feature `aws-lc`, on by default).
    AwsLc,
    /// The `rsa` crate (always built; the default with feature `pure-rust` or without `aws-lc`).
    PureRust,
}

impl Backend {
    /// The backend `verify` uses.
    pub const fn default_backend() -> Backend {
        if cfg!(all(feature = "aws-lc", not(feature = "pure-rust"))) {
            Backend::AwsLc
        } else {
            Backend::PureRust
        }
    }

    /// Backends compiled into this build.
    pub fn available() -> &'static [Backend] {
        if cfg!(feature = "aws-lc") {
            &[Backend::AwsLc, Backend::PureRust]
        } else {
            &[Backend::PureRust]
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::AwsLc => "aws-lc",
            Backend::PureRust => "pure-rust",
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Backend::default_backend()
    }
}

/// Per-backend key objects, built once at key load.
pub(crate) struct Keys {
    #[cfg(feature = "aws-lc")]
    aws: aws::AwsKey,
    /// Built on first use: with AWS-LC as default, most keys never need it.
    pure: std::sync::OnceLock<rsa::RsaPublicKey>,
}

impl Keys {
    pub(crate) fn new(n: &[u8], e: u64) -> Result<Keys> {
        Ok(Keys {
            #[cfg(feature = "aws-lc")]
            aws: aws::AwsKey::new(n, e)?,
            pure: std::sync::OnceLock::new(),
        })
    }
}

/// `sig^e mod n` as exactly `k` bytes; refuses a signature whose length is not `k` or whose
/// value is not below the modulus (RFC 8017 RSAVP1 step 1).
pub(crate) fn public_op(key: &KeyInner, backend: Backend, sig: &[u8]) -> Result<Vec<u8>> {
    let k = key.n.len();
    if sig.len() != k {
        return Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature is {} bytes; a {}-bit key needs {k}", sig.len(), key.bits),
        ));
    }
    if sig >= key.n.as_slice() {
        // Both are k bytes big-endian, so byte order is numeric order.
        return Err(Error::new(
            ErrorKind::MalformedSignature,
            "the signature is not smaller than the key's modulus",
        ));
    }
    match backend {
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => key.backends.aws.public_op(sig, k),
        #[cfg(not(feature = "aws-lc"))]
        Backend::AwsLc => Err(Error::arg("this build has no AWS-LC backend (feature aws-lc is off)")),
        Backend::PureRust => {
            let pk = key.backends.pure.get_or_init(|| {
                rsa::RsaPublicKey::new_unchecked(
                    rsa::BigUint::from_bytes_be(&key.n),
                    rsa::BigUint::from(key.e),
                )
            });
            use rsa::traits::PublicKeyParts;
            let m = rsa::BigUint::from_bytes_be(sig).modpow(pk.e(), pk.n());
            let bytes = m.to_bytes_be();
            let mut out = vec![0u8; k];
            out[k - bytes.len()..].copy_from_slice(&bytes);
            Ok(out)
        }
    }
}

#[cfg(feature = "aws-lc")]
mod aws {
    use super::*;
    use aws_lc_sys as ffi;

    /// An AWS-LC `RSA` holding only the public key. AWS-LC documents RSA objects as safe for
    /// concurrent public-key operations.
    pub(crate) struct AwsKey(*mut ffi::RSA);

    // SAFETY: the RSA object is never mutated after construction except through AWS-LC's own
    // internally locked lazy caches, which are thread-safe.
    unsafe impl Send for AwsKey {}
    unsafe impl Sync for AwsKey {}

    impl AwsKey {
        pub(crate) fn new(n: &[u8], e: u64) -> Result<AwsKey> {
            // SAFETY: plain AWS-LC constructor calls; every allocation is checked and freed.
            unsafe {
                let bn_n = ffi::BN_bin2bn(n.as_ptr(), n.len(), std::ptr::null_mut());
                let bn_e = ffi::BN_new();
                let ok = !bn_n.is_null() && !bn_e.is_null() && ffi::BN_set_u64(bn_e, e) == 1;
                let rsa = if ok { ffi::RSA_new_public_key(bn_n, bn_e) } else { std::ptr::null_mut() };
                ffi::BN_free(bn_n);
                ffi::BN_free(bn_e);
                ffi::ERR_clear_error();
                if rsa.is_null() {
                    return Err(Error::key("AWS-LC refused the RSA public key"));
                }
                Ok(AwsKey(rsa))
            }
        }

        pub(crate) fn public_op(&self, sig: &[u8], k: usize) -> Result<Vec<u8>> {
            let mut out = vec![0u8; k];
            let mut out_len = 0usize;
            // SAFETY: out has k bytes, sig is a valid slice; RSA_verify_raw only reads the key.
            let rc = unsafe {
                ffi::RSA_verify_raw(
                    self.0,
                    &mut out_len,
                    out.as_mut_ptr(),
                    k,
                    sig.as_ptr(),
                    sig.len(),
                    ffi::RSA_NO_PADDING,
                )
            };
            if rc != 1 || out_len != k {
                // SAFETY: clears this thread's AWS-LC error queue so errors never accumulate.
                unsafe { ffi::ERR_clear_error() };
                return Err(Error::new(ErrorKind::MalformedSignature, "AWS-LC refused the signature value"));
            }
            Ok(out)
        }
    }

    impl Drop for AwsKey {
        fn drop(&mut self) {
            // SAFETY: self.0 came from RSA_new_public_key and is freed once.
            unsafe { ffi::RSA_free(self.0) }
        }
    }
}
