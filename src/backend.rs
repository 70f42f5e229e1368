//! The RSA public operation `s^e mod n`, on AWS-LC (fast, default) or on the pure-Rust `rsa`
//! crate (portable). Everything above it (PSS decoding, salt handling) is shared Rust code in
//! `pss.rs`, so the two backends can only differ in arithmetic, which the differential tests check.

use crate::error::{Error, ErrorKind, Result};

/// Which implementation performs the modular exponentiation. Both give the same verdicts (the
/// differential tests check it); AWS-LC is about 30 times faster.
///
/// The default is AWS-LC whenever it is built (feature `aws-lc`, on by default), whatever other
/// features are on: a dependency that enables `pure-rust` cannot silently slow verification down.
/// To use the pure-Rust backend in a build that has both, ask for it explicitly
/// ([`crate::PublicKey::verify_with`], [`crate::authenticate_with`]), or build without `aws-lc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// AWS-LC (cargo feature `aws-lc`, on by default).
    AwsLc,
    /// The `rsa` crate (always built; the default only in builds without `aws-lc`).
    PureRust,
}

impl Backend {
    /// The backend `verify` uses: AWS-LC whenever it is built.
    pub const fn default_backend() -> Backend {
        if cfg!(feature = "aws-lc") {
            Backend::AwsLc
        } else {
            Backend::PureRust
        }
    }

    /// The backend called `name` ("aws-lc" or "pure-rust") if this build has it.
    pub fn by_name(name: &str) -> Option<Backend> {
        Backend::available().iter().copied().find(|b| b.name() == name)
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

/// A public key's numbers and its per-backend objects: what the public operation needs. Here,
/// beside the backends, so that the backend does not depend on the key module that uses it.
pub(crate) struct KeyInner {
    /// Modulus, big-endian without leading zeros.
    pub(crate) n: Vec<u8>,
    pub(crate) e: u64,
    pub(crate) bits: usize,
    pub(crate) backends: Keys,
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

/// `sig^e mod n` as exactly `k` bytes; a signature whose length is not `k` is malformed, one whose
/// value is not below the modulus does not verify (RFC 8017 RSAVP1 step 1).
pub(crate) fn public_op(key: &KeyInner, backend: Backend, sig: &[u8]) -> Result<Vec<u8>> {
    let k = key.n.len();
    if sig.len() != k {
        return Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature is {} bytes; a {}-bit key needs {k}", sig.len(), key.bits),
        ));
    }
    if sig >= key.n.as_slice() {
        // Both are k bytes big-endian, so byte order is numeric order. RFC 8017 calls this
        // "invalid signature": it is what another key's signature often looks like, so it gets
        // the same verdict as any other signature that does not verify.
        return Err(Error::new(
            ErrorKind::SignatureInvalid,
            "the signature does not verify: its value is not below the key's modulus (signed with another key?)",
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
        /// Built on the first `BN_mod_exp_mont`, not at load: it is a quarter of a key load, and
        /// where the IFMA kernel runs (2048-bit keys on AVX-512 IFMA CPUs) it is never used.
        mont: std::sync::OnceLock<Mont>,
        /// AVX-512 IFMA kernel for 2048-bit moduli, built on first use on CPUs that have it.
        #[cfg(target_arch = "x86_64")]
        ifma: std::sync::OnceLock<Option<ifma::Modulus2048>>,
        /// The public exponent as a word, for the IFMA kernel (x86-64 only).
        #[cfg(target_arch = "x86_64")]
        e_word: u64,
    }

    // SAFETY: n, e and mont are never written after construction; AWS-LC only reads them.
    unsafe impl Send for AwsKey {}
    unsafe impl Sync for AwsKey {}

    /// A Montgomery context owned by one key (freed with it).
    pub(crate) struct Mont(*mut ffi::BN_MONT_CTX);
    // SAFETY: written once by BN_MONT_CTX_new_for_modulus, then only read by AWS-LC.
    unsafe impl Send for Mont {}
    unsafe impl Sync for Mont {}
    impl Drop for Mont {
        fn drop(&mut self) {
            // SAFETY: owned here, freed once.
            unsafe { ffi::BN_MONT_CTX_free(self.0) }
        }
    }

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
                let key = AwsKey {
                    n: ffi::BN_bin2bn(n.as_ptr(), n.len(), std::ptr::null_mut()),
                    e: ffi::BN_new(),
                    mont: std::sync::OnceLock::new(),
                    #[cfg(target_arch = "x86_64")]
                    ifma: std::sync::OnceLock::new(),
                    #[cfg(target_arch = "x86_64")]
                    e_word: e,
                };
                if key.n.is_null() || key.e.is_null() || ffi::BN_set_u64(key.e, e) != 1 {
                    return Err(fail("load the RSA public key"));
                }
                Ok(key)
            }
        }

        /// `sig^e mod n` as k bytes. The caller has checked `sig < n` and `sig.len() == k`.
        pub(crate) fn public_op(&self, sig: &[u8], k: usize) -> Result<Vec<u8>> {
            #[cfg(target_arch = "x86_64")]
            if k == 256 && ifma::available() {
                let kernel = self.ifma.get_or_init(|| ifma::Modulus2048::new(self.n));
                if let Some(kernel) = kernel {
                    return Ok(kernel.public_op(sig, self.e_word));
                }
            }
            self.public_op_bn(sig, k)
        }

        /// The key's Montgomery context, built on first use (threads racing to build it keep
        /// one; the others' copies are freed).
        fn mont(&self) -> Result<*const ffi::BN_MONT_CTX> {
            if let Some(m) = self.mont.get() {
                return Ok(m.0);
            }
            // SAFETY: n is the key's live, odd modulus (checked at load).
            let m = unsafe { ffi::BN_MONT_CTX_new_for_modulus(self.n, std::ptr::null_mut()) };
            if m.is_null() {
                return Err(fail("prepare the RSA modulus"));
            }
            let _ = self.mont.set(Mont(m));
            Ok(self.mont.get().expect("set just above").0)
        }

        /// The portable AWS-LC path: `BN_mod_exp_mont` (mulx/adx assembly on x86-64).
        pub(crate) fn public_op_bn(&self, sig: &[u8], k: usize) -> Result<Vec<u8>> {
            let mont = self.mont()?;
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
                        || ffi::BN_mod_exp_mont(m.0, s.0, self.e, self.n, ctx.0, mont) != 1
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
            // SAFETY: each pointer is NULL or owned by this key, freed once (mont by its Drop).
            unsafe {
                ffi::BN_free(self.n);
                ffi::BN_free(self.e);
            }
        }
    }

    /// RSA-2048 public operation on AWS-LC's AVX-512 IFMA Almost Montgomery Multiplication
    /// kernel (`rsaz_amm52x40_x1_ifma256`, which AWS-LC uses for RSA-4096 private keys): numbers
    /// are 40 digits of 52 bits, R' = 2^2080. Measured 2.4x faster than `BN_mod_exp_mont` here.
    /// Used only when AWS-LC itself would use it: its own CPU capability words (which honour the
    /// OS's register state and the `OPENSSL_ia32cap` override) must show AVX-512 F, DQ, BW, VL
    /// and IFMA (`CRYPTO_is_AVX512IFMA_capable`), plus BMI2 for the kernel's `mulx`.
    #[cfg(target_arch = "x86_64")]
    pub(crate) mod ifma {
        use super::ffi;

        extern "C" {
            // AWS-LC prefixes its symbols with its version; a new aws-lc-sys fails to link here
            // rather than silently losing the fast path.
            #[link_name = "aws_lc_0_47_0_rsaz_amm52x40_x1_ifma256"]
            fn amm52x40(res: *mut u64, a: *const u64, b: *const u64, m: *const u64, k0: u64);
            /// AWS-LC's CPU capability words (cpucap/internal.h), set by `OPENSSL_cpuid_setup`.
            #[link_name = "aws_lc_0_47_0_OPENSSL_ia32cap_P"]
            static IA32CAP: [u32; 4];
        }

        /// `CPU_CAP_AVX512IFMA_BITFLAGS` of AWS-LC: AVX512VL | AVX512BW | AVX512_IFMA |
        /// AVX512DQ | AVX512F, in capability word 2 (CPUID leaf 7, EBX).
        pub(crate) const AVX512IFMA_BITS: u32 = 0xC023_0000;
        /// BMI2 (`mulx`), word 2 bit 8 (`CRYPTO_is_BMI2_capable`).
        pub(crate) const BMI2_BIT: u32 = 1 << 8;

        /// The eligibility rule on AWS-LC's capability words.
        pub(crate) fn usable(cap: [u32; 4]) -> bool {
            cap[2] & AVX512IFMA_BITS == AVX512IFMA_BITS && cap[2] & BMI2_BIT != 0
        }

        /// AWS-LC's capability words, after its CPU detection has run.
        pub(crate) fn aws_lc_caps() -> [u32; 4] {
            // SAFETY: CRYPTO_library_init runs AWS-LC's CPU detection once (idempotent, thread
            // safe); after it the words are only read.
            unsafe {
                ffi::CRYPTO_library_init();
                std::ptr::addr_of!(IA32CAP).read_volatile()
            }
        }

        const DIGITS: usize = 40;
        const MASK: u64 = (1 << 52) - 1;

        #[repr(C, align(64))]
        #[derive(Clone, Copy)]
        struct Digits([u64; DIGITS]);

        pub(crate) fn available() -> bool {
            static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
            *AVAILABLE.get_or_init(|| usable(aws_lc_caps()))
        }

        /// The modulus in 52-bit digits with its Montgomery constants.
        pub(crate) struct Modulus2048 {
            m: Digits,
            /// 2^(2*2080) mod m: converts into the Montgomery domain.
            rr: Digits,
            /// -m^-1 mod 2^64 (the kernel uses its low 52 bits).
            k0: u64,
            /// m big-endian, for the final conditional subtraction.
            m_be: [u8; 256],
        }

        impl Modulus2048 {
            /// None when AWS-LC cannot compute RR (out of memory); the BN path is used then.
            pub(crate) fn new(n: *const ffi::BIGNUM) -> Option<Modulus2048> {
                let mut m_be = [0u8; 256];
                // SAFETY: n is the key's live modulus; the temporaries are freed below.
                let rr_be = unsafe {
                    if ffi::BN_bn2bin_padded(m_be.as_mut_ptr(), 256, n) != 1 {
                        return None;
                    }
                    let ctx = ffi::BN_CTX_new();
                    let t = ffi::BN_new();
                    let rr = ffi::BN_new();
                    let mut rr_be = [0u8; 256];
                    let ok = !ctx.is_null()
                        && !t.is_null()
                        && !rr.is_null()
                        && ffi::BN_set_bit(t, 2 * 52 * DIGITS as i32) == 1
                        && ffi::BN_div(std::ptr::null_mut(), rr, t, n, ctx) == 1
                        && ffi::BN_bn2bin_padded(rr_be.as_mut_ptr(), 256, rr) == 1;
                    ffi::BN_free(t);
                    ffi::BN_free(rr);
                    ffi::BN_CTX_free(ctx);
                    if !ok {
                        ffi::ERR_clear_error();
                        return None;
                    }
                    rr_be
                };
                let n0 = u64::from_be_bytes(m_be[248..].try_into().expect("8 bytes"));
                // Newton's iteration doubles the correct low bits: 3 (odd n0) -> 96 >= 64.
                let mut inv = n0;
                for _ in 0..5 {
                    inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
                }
                debug_assert_eq!(n0.wrapping_mul(inv), 1);
                Some(Modulus2048 { m: to_digits(&m_be), rr: to_digits(&rr_be), k0: inv.wrapping_neg(), m_be })
            }

            fn amm(&self, a: &Digits, b: &Digits) -> Digits {
                let mut r = Digits([0; DIGITS]);
                // SAFETY: four 40-digit aligned buffers; the kernel reads a, b, m and writes r.
                unsafe { amm52x40(r.0.as_mut_ptr(), a.0.as_ptr(), b.0.as_ptr(), self.m.0.as_ptr(), self.k0) };
                r
            }

            /// `sig^e mod m` for sig < m, as 256 big-endian bytes.
            pub(crate) fn public_op(&self, sig: &[u8], e: u64) -> Vec<u8> {
                let x = to_digits(sig);
                let base = self.amm(&x, &self.rr); // sig * R' mod m
                let mut y = base;
                let mut montgomery = true;
                for bit in (0..63 - e.leading_zeros()).rev() {
                    y = self.amm(&y, &y);
                    if e >> bit & 1 == 1 {
                        if bit == 0 {
                            // The last multiplication (e is odd) takes sig itself, not sig * R':
                            // the product leaves the Montgomery domain in the same step, which
                            // saves the conversion (one of 19 multiplications for e = 65537).
                            y = self.amm(&y, &x);
                            montgomery = false;
                        } else {
                            y = self.amm(&y, &base);
                        }
                    }
                }
                if montgomery {
                    let mut one = Digits([0; DIGITS]);
                    one.0[0] = 1;
                    y = self.amm(&y, &one);
                }
                // Either way the value is below 2m (y < 2^2080 times a factor below m, over
                // R' = 2^2080, plus less than m), which may exceed 2^2048: reduce it once, on
                // 260 bytes.
                let mut wide = from_digits(&y);
                let mut m = [0u8; WIDE];
                m[WIDE - 256..].copy_from_slice(&self.m_be);
                if wide[..] >= m[..] {
                    let mut borrow = 0u16;
                    for (o, &mb) in wide.iter_mut().zip(&m).rev() {
                        let v = (*o as u16).wrapping_sub(mb as u16).wrapping_sub(borrow);
                        *o = v as u8;
                        borrow = (v >> 8) & 1;
                    }
                }
                debug_assert!(wide[..WIDE - 256].iter().all(|&b| b == 0));
                wide[WIDE - 256..].to_vec()
            }
        }

        /// Big-endian bytes (at most 256) to little-endian 52-bit digits.
        fn to_digits(be: &[u8]) -> Digits {
            let mut d = Digits([0; DIGITS]);
            let (mut acc, mut bits, mut i) = (0u128, 0u32, 0usize);
            for &b in be.iter().rev() {
                acc |= (b as u128) << bits;
                bits += 8;
                if bits >= 52 {
                    d.0[i] = acc as u64 & MASK;
                    acc >>= 52;
                    bits -= 52;
                    i += 1;
                }
            }
            if bits > 0 {
                d.0[i] = acc as u64;
            }
            d
        }

        /// Bytes of 40 digits of 52 bits (2080 bits).
        const WIDE: usize = 260;

        /// Normalised 52-bit digits (value below 2^2080) to 260 big-endian bytes.
        fn from_digits(d: &Digits) -> [u8; WIDE] {
            let mut out = [0u8; WIDE];
            let (mut acc, mut bits, mut pos) = (0u128, 0u32, 0usize);
            for &digit in &d.0 {
                acc |= (digit as u128) << bits;
                bits += 52;
                while bits >= 8 && pos < WIDE {
                    out[WIDE - 1 - pos] = acc as u8;
                    acc >>= 8;
                    bits -= 8;
                    pos += 1;
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod default_tests {
    use super::Backend;

    /// AWS-LC is the default whenever it is built, whatever other features are on (`make
    /// test-rust` also runs this with both backends built).
    #[test]
    fn aws_lc_is_the_default_whenever_built() {
        let want = if cfg!(feature = "aws-lc") { Backend::AwsLc } else { Backend::PureRust };
        assert_eq!(Backend::default(), want);
        assert_eq!(Backend::default_backend(), want);
        assert_eq!(Backend::available()[0], want);
        assert_eq!(Backend::by_name("pure-rust"), Some(Backend::PureRust));
        assert_eq!(Backend::by_name("aws-lc").is_some(), cfg!(feature = "aws-lc"));
        assert_eq!(Backend::by_name("openssl"), None);
    }
}

#[cfg(all(test, feature = "aws-lc", target_arch = "x86_64"))]
mod tests {
    use super::aws::ifma;

    /// Every capability AWS-LC requires, and BMI2, is required: clearing any one bit refuses.
    #[test]
    fn ifma_needs_every_bit_aws_lc_checks_and_bmi2() {
        let all = [0, 0, ifma::AVX512IFMA_BITS | ifma::BMI2_BIT, 0];
        assert!(ifma::usable(all));
        let bits = ifma::AVX512IFMA_BITS | ifma::BMI2_BIT;
        for bit in (0..32).filter(|b| bits & (1 << b) != 0) {
            let mut cap = all;
            cap[2] &= !(1 << bit);
            assert!(!ifma::usable(cap), "bit {bit} of word 2 is not required");
        }
        assert_eq!(bits.count_ones(), 6, "F, DQ, IFMA, BW, VL and BMI2");
    }

    /// The rule reads AWS-LC's own words: masking BMI2 or AVX512BW with AWS-LC's
    /// `OPENSSL_ia32cap` override turns the kernel off (run in a child process, since the words
    /// are read once per process).
    #[test]
    fn ifma_follows_aws_lc_capability_words() {
        if let Ok(want) = std::env::var("SOTER_IFMA_PROBE_WANT") {
            assert_eq!(ifma::available().to_string(), want);
            return;
        }
        let exe = std::env::current_exe().unwrap();
        // The second value of OPENSSL_ia32cap is words 2 and 3; "~" clears the given bits.
        for (mask, what) in [("0x100", "BMI2"), ("0x40000000", "AVX512BW"), ("0x200000", "IFMA")] {
            let out = std::process::Command::new(&exe)
                .args(["--exact", "backend::tests::ifma_follows_aws_lc_capability_words", "--nocapture"])
                .env("OPENSSL_ia32cap", format!(":~{mask}"))
                .env("SOTER_IFMA_PROBE_WANT", "false")
                .output()
                .unwrap();
            assert!(out.status.success(), "without {what} the IFMA kernel must be off: {}", String::from_utf8_lossy(&out.stdout));
        }
    }

    /// The IFMA kernel against AWS-LC's BN_mod_exp_mont on random values, edge values and
    /// several moduli (the moduli need not be RSA moduli for the arithmetic to be checked).
    #[test]
    fn ifma_kernel_matches_bn_mod_exp() {
        if !ifma::available() {
            eprintln!("SKIPPED: this CPU has no AVX-512 IFMA; the kernel is not used here");
            return;
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..8 {
            let mut n: Vec<u8> = (0..256).map(|_| next() as u8).collect();
            n[0] |= 0x80;
            n[255] |= 1;
            if round == 0 {
                n = vec![0xff; 256]; // the largest modulus
            }
            let e = [65537u64, 3, (1 << 33) - 1, 17][round % 4];
            let key = super::aws::AwsKey::new(&n, e).unwrap();
            let mut cases: Vec<Vec<u8>> = vec![vec![0; 256], {
                let mut one = vec![0; 256];
                one[255] = 1;
                one
            }, {
                let mut m1 = n.clone();
                m1[255] -= 1;
                m1
            }];
            for _ in 0..300 {
                let mut s: Vec<u8> = (0..256).map(|_| next() as u8).collect();
                s[0] &= 0x7f;
                cases.push(s);
            }
            for s in cases {
                assert_eq!(key.public_op(&s, 256).unwrap(), key.public_op_bn(&s, 256).unwrap(), "round {round}");
            }
        }
    }
}
