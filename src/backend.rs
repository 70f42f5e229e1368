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

    /// The modulus, exponent and Montgomery context, built once per key. Verification calls
    /// `BN_mod_exp_mont` directly with them: no RSA object, so no lock or reference count is
    /// touched per call and threads verifying with one key never contend.
    pub(crate) struct AwsKey {
        n: *mut ffi::BIGNUM,
        e: *mut ffi::BIGNUM,
        mont: *mut ffi::BN_MONT_CTX,
    }

    // SAFETY: n, e and mont are never written after construction; AWS-LC only reads them.
    unsafe impl Send for AwsKey {}
    unsafe impl Sync for AwsKey {}

    /// Frees a BIGNUM on every path out of a scope.
    struct Bn(*mut ffi::BIGNUM);
    impl Drop for Bn {
        fn drop(&mut self) {
            // SAFETY: BN_free accepts NULL and the pointer is owned here.
            unsafe { ffi::BN_free(self.0) }
        }
    }

    /// A per-thread scratch context (BN_CTX is not thread-safe, and allocating one per call costs).
    struct Ctx(*mut ffi::BN_CTX);
    impl Drop for Ctx {
        fn drop(&mut self) {
            // SAFETY: owned by this thread-local, freed once at thread exit.
            unsafe { ffi::BN_CTX_free(self.0) }
        }
    }
    thread_local! {
        // SAFETY: BN_CTX_new has no preconditions; NULL (out of memory) is checked at use.
        static CTX: Ctx = Ctx(unsafe { ffi::BN_CTX_new() });
    }

    fn fail(what: &str) -> Error {
        // SAFETY: clears this thread's AWS-LC error queue so errors never accumulate.
        unsafe { ffi::ERR_clear_error() };
        Error::new(ErrorKind::Internal, format!("AWS-LC failed to {what}"))
    }

    impl AwsKey {
        pub(crate) fn new(n: &[u8], e: u64) -> Result<AwsKey> {
            // SAFETY: plain AWS-LC constructors; every result is checked, and the partially built
            // key is freed by Drop on the error paths.
            unsafe {
                let mut key = AwsKey { n: ffi::BN_bin2bn(n.as_ptr(), n.len(), std::ptr::null_mut()), e: ffi::BN_new(), mont: std::ptr::null_mut() };
                if key.n.is_null() || key.e.is_null() || ffi::BN_set_u64(key.e, e) != 1 {
                    return Err(fail("load the RSA public key"));
                }
                key.mont = ffi::BN_MONT_CTX_new_for_modulus(key.n, std::ptr::null_mut());
                if key.mont.is_null() {
                    return Err(fail("prepare the RSA modulus"));
                }
                Ok(key)
            }
        }

        /// `sig^e mod n` as k bytes. The caller has checked `sig < n` and `sig.len() == k`.
        pub(crate) fn public_op(&self, sig: &[u8], k: usize) -> Result<Vec<u8>> {
            let mut out = vec![0u8; k];
            CTX.with(|ctx| {
                if ctx.0.is_null() {
                    return Err(fail("allocate a BN_CTX"));
                }
                // SAFETY: all pointers are live BIGNUMs/contexts; out has k bytes.
                unsafe {
                    let s = Bn(ffi::BN_bin2bn(sig.as_ptr(), sig.len(), std::ptr::null_mut()));
                    let m = Bn(ffi::BN_new());
                    if s.0.is_null() || m.0.is_null()
                        || ffi::BN_mod_exp_mont(m.0, s.0, self.e, self.n, ctx.0, self.mont) != 1
                        || ffi::BN_bn2bin_padded(out.as_mut_ptr(), k, m.0) != 1
                    {
                        return Err(fail("compute the RSA public operation"));
                    }
                }
                Ok(())
            })?;
            Ok(out)
        }
    }

    impl Drop for AwsKey {
        fn drop(&mut self) {
            // SAFETY: each pointer is NULL or owned by this key, freed once.
            unsafe {
                ffi::BN_MONT_CTX_free(self.mont);
                ffi::BN_free(self.n);
                ffi::BN_free(self.e);
            }
        }
    }
}
