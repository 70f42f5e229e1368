//! C ABI for trusted ASKs: certificate-chain verification (key attestation), the `SoterAsk`
//! handle both ASK formats share, and AuthKey verification against an ASK's device.

// The safety contract of every export is the header's: pointers are NULL or valid for the
// given length, handles are live, out-parameters writable (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use super::core::{SoterAuthKey, SoterKey};
use super::{bytes, free_handle, guard, guard_value, handle, into_handle, out_ptr, SoterError, SoterStatus};
use crate::attestation::{Ask, AskFormat, ChainOptions};
use crate::error::{Error, Result};

/// `soter_ask_format`: a classic ASK, verified by WeChat (`verify_ask`).
pub const SOTER_ASK_FORMAT_CLASSIC: i32 = 0;
/// `soter_ask_format`: a certificate-chain ASK (key attestation), verified locally.
pub const SOTER_ASK_FORMAT_CERTIFICATE_CHAIN: i32 = 1;

/// A trusted ASK: the device's app key and the identity (cpu_id, uid, counter, salt length) it
/// was attested or verified for. Immutable; thread-safe. Free with `soter_ask_free`. Strings it
/// hands out are borrowed from it.
pub struct SoterAsk(pub(crate) Ask);

/// A (pointer, length) byte string in an array argument.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SoterBytes {
    pub data: *const u8,
    pub len: usize,
}

/// Options from the C arguments: extra roots and the time.
unsafe fn chain_options(roots: *const SoterBytes, roots_count: usize, has_at: bool, at: i64) -> Result<ChainOptions> {
    let mut options = ChainOptions::new();
    for (i, r) in byte_list(roots, roots_count, "roots")?.into_iter().enumerate() {
        options.add_root(r).map_err(|e| Error::new(e.kind(), format!("roots[{i}]: {}", e.message())))?;
    }
    if let Some(at) = at_arg(has_at, at)? {
        options.set_at(Some(at));
    }
    Ok(options)
}

/// The `has_at`/`at` pair of the chain exports: `Some(Unix seconds)`, or `None` for now.
fn at_arg(has_at: bool, at: i64) -> Result<Option<u64>> {
    if !has_at {
        return Ok(None);
    }
    u64::try_from(at).map(Some).map_err(|_| Error::arg(format!("at {at} is before 1970; pass a Unix time in seconds")))
}

/// The `revocations`/`revocations_len` pair: Google's status list JSON, NULL with 0 for none.
unsafe fn revocations_arg(revocations: *const u8, len: usize) -> Result<Option<crate::attestation::RevocationList>> {
    if revocations.is_null() && len == 0 {
        return Ok(None);
    }
    crate::attestation::RevocationList::parse(bytes(revocations, len, "revocations")?).map(Some)
}

/// An array of (pointer, length) inputs; NULL only with count 0.
unsafe fn byte_list<'a>(items: *const SoterBytes, count: usize, name: &str) -> Result<Vec<&'a [u8]>> {
    if items.is_null() {
        return if count == 0 { Ok(Vec::new()) } else { Err(Error::arg(format!("{name} is NULL with count {count}"))) };
    }
    if count > 1024 {
        return Err(Error::arg(format!("{name} has {count} items; at most 1024 are accepted")));
    }
    std::slice::from_raw_parts(items, count)
        .iter()
        .enumerate()
        .map(|(i, b)| bytes(b.data, b.len, &format!("{name}[{i}]")))
        .collect()
}

/// Verify a certificate-chain ASK as received: the certs JSON (`{"certs":[PEM...]}`, escaped or
/// not), a JSON array of PEM strings, a PEM bundle or concatenated DER; leaf first, root last.
/// Trusted roots: the built-in Huawei CBG Root CA plus `roots` (`roots_count` PEM or DER
/// certificates; NULL with 0 for none). Validity is checked at `at` (Unix seconds) when `has_at`,
/// else now. On success `*out` receives the ASK (free with `soter_ask_free`).
/// Errors: `SOTER_STATUS_CERTIFICATE_INVALID` (message names the certificate by position and
/// subject), `SOTER_STATUS_UNTRUSTED_ROOT`, `SOTER_STATUS_INPUT_TOO_LARGE`,
/// `SOTER_STATUS_INVALID_JSON`, `SOTER_STATUS_DUPLICATE_FIELD`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_ask_chain(
    chain: *const u8,
    chain_len: usize,
    roots: *const SoterBytes,
    roots_count: usize,
    has_at: bool,
    at: i64,
    out: *mut *mut SoterAsk,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let options = chain_options(roots, roots_count, has_at, at)?;
        let ask = crate::verify_ask_chain(bytes(chain, chain_len, "chain")?, &options)?;
        *out = into_handle(SoterAsk(ask));
        Ok(())
    })
}

/// `soter_verify_ask_chain` for certificates given one by one (`certs_count` items, each one PEM
/// or DER certificate), leaf first.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_ask_chain_certs(
    certs: *const SoterBytes,
    certs_count: usize,
    roots: *const SoterBytes,
    roots_count: usize,
    has_at: bool,
    at: i64,
    out: *mut *mut SoterAsk,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let options = chain_options(roots, roots_count, has_at, at)?;
        let ask = crate::verify_ask_chain_certs(&byte_list(certs, certs_count, "certs")?, &options)?;
        *out = into_handle(SoterAsk(ask));
        Ok(())
    })
}

/// Rebuild an ASK the server verified earlier and stored (public key, cpu_id, uid, counter, salt
/// length or -1, and its format `SOTER_ASK_FORMAT_*`), to check that device's later AuthKeys
/// with `soter_verify_auth_key_with_ask`. The key is copied (free yours as usual). On success
/// `*out` receives the ASK (free with `soter_ask_free`); it has no chain subjects.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_from_stored(
    public_key: *const SoterKey,
    cpu_id: *const u8,
    cpu_id_len: usize,
    uid: *const u8,
    uid_len: usize,
    counter: u64,
    rsa_pss_saltlen: i32,
    format: i32,
    out: *mut *mut SoterAsk,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let key = handle(public_key, "public_key")?;
        let out = out_ptr(out, "out")?;
        let format = match format {
            SOTER_ASK_FORMAT_CLASSIC => AskFormat::Classic,
            SOTER_ASK_FORMAT_CERTIFICATE_CHAIN => AskFormat::CertificateChain,
            f => return Err(Error::arg(format!("format {f} is not SOTER_ASK_FORMAT_CLASSIC (0) or SOTER_ASK_FORMAT_CERTIFICATE_CHAIN (1)"))),
        };
        let salt = match rsa_pss_saltlen {
            -1 => None,
            n if n >= 0 => Some(n as u32),
            n => return Err(Error::arg(format!("rsa_pss_saltlen {n} is not -1 or a length"))),
        };
        let ask = Ask::from_stored(
            key.0.clone(),
            super::text(cpu_id, cpu_id_len, "cpu_id")?,
            super::text(uid, uid_len, "uid")?,
            counter,
            salt,
            format,
        )?;
        *out = into_handle(SoterAsk(ask));
        Ok(())
    })
}

/// Free an ASK. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_free(ask: *mut SoterAsk) {
    guard_value((), || free_handle(ask))
}

/// The ASK's public key as a new, independent key handle (free with `soter_key_free`).
#[no_mangle]
pub unsafe extern "C" fn soter_ask_public_key(ask: *const SoterAsk, out: *mut *mut SoterKey, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let a = handle(ask, "ask")?;
        let out = out_ptr(out, "out")?;
        *out = into_handle(SoterKey(a.0.public_key.clone()));
        Ok(())
    })
}

unsafe fn write_borrowed(value: &str, ptr: *mut *const u8, len: *mut usize) -> Result<()> {
    let (ptr, len) = (out_ptr(ptr, "ptr")?, out_ptr(len, "len")?);
    *ptr = value.as_ptr();
    *len = value.len();
    Ok(())
}

/// The attested cpu_id: `*ptr`/`*len` receive UTF-8 bytes (not NUL-terminated) borrowed from `ask`.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_cpu_id(ask: *const SoterAsk, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || write_borrowed(&handle(ask, "ask")?.0.cpu_id, ptr, len))
}

/// The attested uid (text, also when the signed JSON had a number); borrowed like `soter_ask_cpu_id`.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_uid(ask: *const SoterAsk, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || write_borrowed(&handle(ask, "ask")?.0.uid, ptr, len))
}

/// The signed JSON the identity was read from (the leaf's attestationChallenge, or the classic
/// ask_json); borrowed like `soter_ask_cpu_id`.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_signed_json(ask: *const SoterAsk, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || write_borrowed(&handle(ask, "ask")?.0.signed_json, ptr, len))
}

/// The attested counter (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_ask_counter(ask: *const SoterAsk) -> u64 {
    guard_value(0, || ask.as_ref().map_or(0, |a| a.0.counter))
}

/// The attested `rsa_pss_saltlen`, or -1 when absent (or for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_ask_salt_len(ask: *const SoterAsk) -> i32 {
    guard_value(-1, || ask.as_ref().and_then(|a| a.0.rsa_pss_saltlen).map_or(-1, |s| s as i32))
}

/// `SOTER_ASK_FORMAT_CLASSIC` or `SOTER_ASK_FORMAT_CERTIFICATE_CHAIN`; -1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_format(ask: *const SoterAsk) -> i32 {
    guard_value(-1, || {
        ask.as_ref().map_or(-1, |a| match a.0.format {
            AskFormat::Classic => SOTER_ASK_FORMAT_CLASSIC,
            AskFormat::CertificateChain => SOTER_ASK_FORMAT_CERTIFICATE_CHAIN,
        })
    })
}

/// Number of certificates in the chain (0 for a classic ASK or NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_ask_subject_count(ask: *const SoterAsk) -> usize {
    guard_value(0, || ask.as_ref().map_or(0, |a| a.0.subjects.len()))
}

/// The subject of certificate `index` (0 = the leaf), borrowed like `soter_ask_cpu_id`.
/// `SOTER_STATUS_INVALID_ARGUMENT` when `index` is out of range.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_subject(ask: *const SoterAsk, index: usize, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || {
        let a = &handle(ask, "ask")?.0;
        let s = a.subjects.get(index).ok_or_else(|| Error::arg(format!("subject index {index} is out of range")))?;
        write_borrowed(s, ptr, len)
    })
}

/// Copy the SHA-256 of the chain root's SubjectPublicKeyInfo into `out32` (32 bytes) and return
/// true; false for a classic ASK, NULL, or a NULL `out32`.
#[no_mangle]
pub unsafe extern "C" fn soter_ask_root_spki_sha256(ask: *const SoterAsk, out32: *mut u8) -> bool {
    guard_value(false, || match (ask.as_ref().and_then(|a| a.0.root_spki_sha256), out32.is_null()) {
        (Some(h), false) => {
            std::ptr::copy_nonoverlapping(h.as_ptr(), out32, 32);
            true
        }
        _ => false,
    })
}

/// Verify an AuthKey export JSON and its signature with a trusted ASK: the salt length is the
/// ASK's attested `rsa_pss_saltlen` when it has one, and the AuthKey's cpu_id and uid must be the
/// ASK's (`SOTER_STATUS_DEVICE_MISMATCH` otherwise). On success `*out` receives the AuthKey (free
/// with `soter_auth_key_free`). Other errors as for `soter_verify_auth_key`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_auth_key_with_ask(
    ask: *const SoterAsk,
    auth_key_json: *const u8,
    auth_key_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    out: *mut *mut SoterAuthKey,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let ask = handle(ask, "ask")?;
        let out = out_ptr(out, "out")?;
        let ak = crate::verify_auth_key(
            &ask.0,
            bytes(auth_key_json, auth_key_json_len, "auth_key_json")?,
            bytes(signature, signature_len, "signature")?,
        )?;
        *out = into_handle(SoterAuthKey(ak));
        Ok(())
    })
}

/// A verified Android key attestation (`soter_verify_key_attestation`): the leaf's decoded
/// KeyDescription, its key and the chain. Immutable; thread-safe. Free with
/// `soter_key_attestation_free`. Bytes it hands out are borrowed from it.
pub struct SoterKeyAttestation {
    attestation: crate::attestation::KeyAttestation,
    json: String,
}

/// `soter_key_attestation_security_level`: software.
pub const SOTER_SECURITY_LEVEL_SOFTWARE: i32 = 0;
/// `soter_key_attestation_security_level`: a trusted execution environment.
pub const SOTER_SECURITY_LEVEL_TEE: i32 = 1;
/// `soter_key_attestation_security_level`: a StrongBox secure element.
pub const SOTER_SECURITY_LEVEL_STRONGBOX: i32 = 2;

/// Verify an Android key attestation chain: `certs_count` items, leaf first, each one PEM or
/// DER certificate (or one item holding the whole chain as a PEM bundle), up to Google's
/// hardware attestation roots (built in, pinned by SPKI SHA-256) or one of `roots`, with
/// validity at `at` (Unix seconds) when `has_at`, else now. `revocations` (NULL with 0 for none)
/// is Google's attestation status list JSON as fetched by the caller: a listed serial fails with
/// `SOTER_STATUS_CERTIFICATE_REVOKED`. No policy is applied (read the result). On success
/// `*out` receives the attestation (free with `soter_key_attestation_free`).
/// Errors: `SOTER_STATUS_CERTIFICATE_INVALID` (a malformed KeyDescription names its field),
/// `SOTER_STATUS_CERTIFICATE_REVOKED`, `SOTER_STATUS_UNTRUSTED_ROOT`,
/// `SOTER_STATUS_INPUT_TOO_LARGE`, `SOTER_STATUS_INVALID_JSON` (the status list). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_key_attestation(
    certs: *const SoterBytes,
    certs_count: usize,
    roots: *const SoterBytes,
    roots_count: usize,
    has_at: bool,
    at: i64,
    revocations: *const u8,
    revocations_len: usize,
    out: *mut *mut SoterKeyAttestation,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let certs = byte_list(certs, certs_count, "certs")?;
        let roots = byte_list(roots, roots_count, "roots")?;
        let at = at_arg(has_at, at)?;
        let list = revocations_arg(revocations, revocations_len)?;
        let attestation = crate::attestation::verify_key_attestation(&certs, &roots, at, list.as_ref())?;
        let json = attestation.to_json();
        *out = into_handle(SoterKeyAttestation { attestation, json });
        Ok(())
    })
}

/// Free a key attestation. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_free(attestation: *mut SoterKeyAttestation) {
    guard_value((), || free_handle(attestation))
}

unsafe fn write_borrowed_bytes(value: &[u8], ptr: *mut *const u8, len: *mut usize) -> Result<()> {
    let (ptr, len) = (out_ptr(ptr, "ptr")?, out_ptr(len, "len")?);
    *ptr = value.as_ptr();
    *len = value.len();
    Ok(())
}

/// The whole attestation as UTF-8 JSON (bytes as lowercase hex, absent fields left out; the
/// layout the Python and Java `KeyAttestation` read), borrowed from `attestation`.
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_json(attestation: *const SoterKeyAttestation, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || write_borrowed_bytes(handle(attestation, "attestation")?.json.as_bytes(), ptr, len))
}

/// The attestationChallenge bytes, borrowed from `attestation`.
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_challenge(attestation: *const SoterKeyAttestation, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || write_borrowed_bytes(&handle(attestation, "attestation")?.attestation.attestation_challenge, ptr, len))
}

/// The attested key's SubjectPublicKeyInfo (DER, any algorithm), borrowed from `attestation`.
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_public_key(attestation: *const SoterKeyAttestation, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || write_borrowed_bytes(&handle(attestation, "attestation")?.attestation.public_key, ptr, len))
}

fn level_code(level: crate::attestation::keydesc::SecurityLevel) -> i32 {
    use crate::attestation::keydesc::SecurityLevel;
    match level {
        SecurityLevel::Software => SOTER_SECURITY_LEVEL_SOFTWARE,
        SecurityLevel::TrustedEnvironment => SOTER_SECURITY_LEVEL_TEE,
        SecurityLevel::StrongBox => SOTER_SECURITY_LEVEL_STRONGBOX,
    }
}

/// The attestation security level (`SOTER_SECURITY_LEVEL_*`; -1 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_security_level(attestation: *const SoterKeyAttestation) -> i32 {
    guard_value(-1, || attestation.as_ref().map_or(-1, |a| level_code(a.attestation.attestation_security_level)))
}

/// The KeyMint (keymaster) security level (`SOTER_SECURITY_LEVEL_*`; -1 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_keymint_security_level(attestation: *const SoterKeyAttestation) -> i32 {
    guard_value(-1, || attestation.as_ref().map_or(-1, |a| level_code(a.attestation.keymint_security_level)))
}

/// The attestation version (-1 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_key_attestation_version(attestation: *const SoterKeyAttestation) -> i64 {
    guard_value(-1, || attestation.as_ref().map_or(-1, |a| a.attestation.attestation_version))
}

/// `soter_verify_ask_chain_policy` flag: accept Software security levels too.
pub const SOTER_POLICY_ALLOW_SOFTWARE: u32 = 1;
/// `soter_verify_ask_chain_policy` flag: accept any key origin (IMPORTED, ...).
pub const SOTER_POLICY_ANY_ORIGIN: u32 = 2;
/// `soter_verify_ask_chain_policy` flag: accept any purpose (ENCRYPT, ...).
pub const SOTER_POLICY_ANY_PURPOSE: u32 = 4;

/// `soter_verify_ask_chain` with the default attestation policy relaxed by `policy_flags`
/// (`SOTER_POLICY_*`, 0 for the default: TEE or StrongBox, origin GENERATED, purpose SIGN) and
/// Google's attestation status list `revocations` (NULL with 0 for none; a listed serial is
/// `SOTER_STATUS_CERTIFICATE_REVOKED`). Unknown flag bits are `SOTER_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_ask_chain_policy(
    chain: *const u8,
    chain_len: usize,
    roots: *const SoterBytes,
    roots_count: usize,
    has_at: bool,
    at: i64,
    policy_flags: u32,
    revocations: *const u8,
    revocations_len: usize,
    out: *mut *mut SoterAsk,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        use crate::attestation::{keydesc::SecurityLevel, AttestationPolicy};
        let out = out_ptr(out, "out")?;
        let mut options = chain_options(roots, roots_count, has_at, at)?;
        if policy_flags & !7 != 0 {
            return Err(Error::arg(format!("policy_flags 0x{policy_flags:x} has unknown bits")));
        }
        let mut policy = AttestationPolicy::default();
        if policy_flags & SOTER_POLICY_ALLOW_SOFTWARE != 0 {
            policy.security_levels.push(SecurityLevel::Software);
        }
        if policy_flags & SOTER_POLICY_ANY_ORIGIN != 0 {
            policy.origins.clear();
        }
        if policy_flags & SOTER_POLICY_ANY_PURPOSE != 0 {
            policy.purposes.clear();
        }
        options.set_policy(policy);
        if let Some(list) = revocations_arg(revocations, revocations_len)? {
            options.set_revocations(Some(list));
        }
        let ask = crate::verify_ask_chain(bytes(chain, chain_len, "chain")?, &options)?;
        *out = into_handle(SoterAsk(ask));
        Ok(())
    })
}
