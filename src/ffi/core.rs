//! C ABI for keys, PSS verification, resultJSON and AuthKey parsing, authenticate, challenges.
// The safety contract of each export (valid pointers and lengths) is stated in its header comment.
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::{bytes, c_enum, free_handle, guard, guard_value, handle, into_handle, opt_text, out_ptr, text, write_c_string, CEnum, SoterError, SoterStatus};
use crate::error::{Error, Result};
use crate::result_json::ResultJsonRef;
use crate::{AuthKey, Expectations, PublicKey, ResultJson, SaltLen};

/// Salt length: `rsa_pss_saltlen` from the signed JSON when present, else 20 (the SOTER default).
pub const SOTER_SALT_LEN_DEFAULT: i32 = -1;
/// Salt length: accept whatever salt length the signer used (for diagnosis).
pub const SOTER_SALT_LEN_AUTO: i32 = -2;
/// Length of a challenge from `soter_new_challenge`, without the terminating NUL.
pub const SOTER_CHALLENGE_LEN: usize = 43;
const _: () = assert!(SOTER_CHALLENGE_LEN == crate::CHALLENGE_LEN);

fn salt_len(value: i32) -> Result<SaltLen> {
    match value {
        SOTER_SALT_LEN_DEFAULT => Ok(SaltLen::Default),
        SOTER_SALT_LEN_AUTO => Ok(SaltLen::Auto),
        n if n >= 0 => Ok(SaltLen::Exact(n as usize)),
        n => Err(Error::arg(format!(
            "salt_len {n} is not a length, SOTER_SALT_LEN_DEFAULT (-1) or SOTER_SALT_LEN_AUTO (-2)"
        ))),
    }
}

/// An RSA public key (2048 to 4096 bits). Immutable; safe to use from many threads at once.
/// Free with `soter_key_free`.
pub struct SoterKey(pub(crate) PublicKey);

impl SoterKey {
    /// Wrap a key (for Rust code that drives the C ABI, such as the benches).
    pub fn from_key(key: PublicKey) -> SoterKey {
        SoterKey(key)
    }
}

/// A parsed resultJSON. Immutable; safe to share between threads. Free with
/// `soter_result_json_free`. Strings it hands out are borrowed from it.
pub struct SoterResultJson(pub(crate) ResultJson);

/// A verified AuthKey (public key plus the device identity it was issued for). Immutable;
/// safe to share between threads. Free with `soter_auth_key_free`.
pub struct SoterAuthKey(pub(crate) AuthKey);

/// A text field of a resultJSON or AuthKey.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterField {
    Raw = 0,
    Fid = 1,
    TeeN = 2,
    TeeV = 3,
    FpN = 4,
    FpV = 5,
    CpuId = 6,
    Uid = 7,
    /// AuthKey only: the `pub_key` text as sent (after JSON unescaping).
    PubKey = 8,
}
c_enum!(SoterField { Raw, Fid, TeeN, TeeV, FpN, FpV, CpuId, Uid, PubKey });

/// What `soter_authenticate` expects of a result. Text is (pointer, length), UTF-8.
#[repr(C)]
pub struct SoterExpectations {
    /// The challenge this server issued (required, non-empty).
    pub challenge: *const u8,
    pub challenge_len: usize,
    /// Expected cpu_id, or NULL to skip the check.
    pub cpu_id: *const u8,
    pub cpu_id_len: usize,
    /// Expected uid, or NULL to skip the check.
    pub uid: *const u8,
    pub uid_len: usize,
    /// When true, the counter must be at least `min_counter` (pass last accepted + 1).
    pub has_min_counter: bool,
    pub min_counter: u64,
    /// A salt length, `SOTER_SALT_LEN_DEFAULT` or `SOTER_SALT_LEN_AUTO`.
    pub salt_len: i32,
}

/// Load an RSA public key: PEM (SPKI or PKCS#1, any label, line width or line ending), PEM
/// escaped inside a JSON string, bare base64 of the DER, or DER. Keys below 2048 bits fail with
/// `SOTER_STATUS_KEY_TOO_SMALL`; EC/DSA/Ed25519 keys and keys above 4096 bits with
/// `SOTER_STATUS_UNSUPPORTED_KEY`; anything unparsable with `SOTER_STATUS_INVALID_KEY`; input
/// over 64 KiB with `SOTER_STATUS_INPUT_TOO_LARGE`.
/// On success `*out` receives a new key (free with `soter_key_free`). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_key_load(data: *const u8, len: usize, out: *mut *mut SoterKey, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let key = PublicKey::load(bytes(data, len, "data")?)?;
        *out = into_handle(SoterKey(key));
        Ok(())
    })
}

/// Free a key. NULL is a no-op. Keys obtained from an AuthKey are independent and freed alike.
#[no_mangle]
pub unsafe extern "C" fn soter_key_free(key: *mut SoterKey) {
    guard_value((), || free_handle(key))
}

/// Modulus size in bits (2048 to 4096), or 0 for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_key_bits(key: *const SoterKey) -> u32 {
    guard_value(0, || key.as_ref().map_or(0, |k| k.0.bits() as u32))
}

/// True when both keys are the same RSA key (modulus and exponent). False if either is NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_key_equal(a: *const SoterKey, b: *const SoterKey) -> bool {
    guard_value(false, || matches!((a.as_ref(), b.as_ref()), (Some(a), Some(b)) if a.0 == b.0))
}

/// The key as SPKI PEM (64 columns, trailing newline). On success `*out` receives a
/// NUL-terminated string to free with `soter_string_free`, and `*out_len` (if not NULL) its length.
#[no_mangle]
pub unsafe extern "C" fn soter_key_to_pem(key: *const SoterKey, out: *mut *mut c_char, out_len: *mut usize, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let key = handle(key, "key")?;
        let out = out_ptr(out, "out")?;
        write_c_string(&key.0.to_pem(), out, out_len);
        Ok(())
    })
}

/// Verify an RSASSA-PSS (SHA-256, MGF1-SHA-256) signature over exactly `message`.
/// `signature` is raw bytes, hex (exactly two digits per signature byte: 512 for RSA-2048) or
/// base64 (standard or URL-safe, padded or not); whitespace ok in text.
/// `salt_len` is a length, `SOTER_SALT_LEN_DEFAULT` or `SOTER_SALT_LEN_AUTO`.
/// Returns `SOTER_STATUS_OK` when valid (and writes the salt length used to `*out_salt_len` if
/// not NULL), `SOTER_STATUS_SIGNATURE_INVALID` when not, `SOTER_STATUS_MALFORMED_SIGNATURE` when
/// the signature cannot be one by this key. Thread-safe; the key may be shared.
#[no_mangle]
pub unsafe extern "C" fn soter_key_verify(
    key: *const SoterKey,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
    salt_len: i32,
    out_salt_len: *mut u32,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let key = handle(key, "key")?;
        let v = key.0.verify(bytes(message, message_len, "message")?, bytes(signature, signature_len, "signature")?, self::salt_len(salt_len)?)?;
        if !out_salt_len.is_null() {
            *out_salt_len = v.salt_len as u32;
        }
        Ok(())
    })
}

/// Parse a resultJSON (at most 64 KiB; duplicate fields, BOM, trailing data refused; literal
/// newlines in strings and `\/` accepted). Required fields: raw, counter, cpu_id, uid.
/// On success `*out` receives a new handle (free with `soter_result_json_free`).
/// Errors: `SOTER_STATUS_INVALID_JSON`, `SOTER_STATUS_DUPLICATE_FIELD`, `SOTER_STATUS_INVALID_INPUT`
/// (not UTF-8, empty), `SOTER_STATUS_INPUT_TOO_LARGE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_parse(data: *const u8, len: usize, out: *mut *mut SoterResultJson, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let parsed = ResultJson::parse(bytes(data, len, "data")?)?;
        *out = into_handle(SoterResultJson(parsed));
        Ok(())
    })
}

/// `soter_result_json_parse` in one call for language bindings: on success `*packed_len`
/// receives the size of the packed fields (the form of `soter_result_json_pack`), written to
/// `buf` when `cap` is at least that size; a larger size means nothing was written (call again
/// with room). No handle is made. Errors as for `soter_result_json_parse`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_parse_packed(
    data: *const u8,
    len: usize,
    buf: *mut u8,
    cap: usize,
    packed_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let packed_len = out_ptr(packed_len, "packed_len")?;
        // Packed straight from the borrowed parse: no owned copy of each field.
        let r = ResultJsonRef::parse(bytes(data, len, "data")?)?;
        *packed_len = pack_result_ref(&r, buf, cap);
        Ok(())
    })
}

/// Free a parsed resultJSON. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_free(result: *mut SoterResultJson) {
    guard_value((), || free_handle(result))
}

/// A text field of a resultJSON: `field` is a `SoterField` value; `*ptr`/`*len` receive UTF-8
/// bytes (not NUL-terminated) borrowed from `result`, valid until it is freed. Absent optional
/// fields read as "" (length 0). `SOTER_FIELD_PUB_KEY` (not a resultJSON field) and values that
/// are not a `SoterField` give `SOTER_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_get(result: *const SoterResultJson, field: i32, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || {
        let r = &handle(result, "result")?.0;
        let value = match SoterField::from_c(field, "field")? {
            SoterField::Raw => &r.raw,
            SoterField::Fid => &r.fid,
            SoterField::TeeN => &r.tee_n,
            SoterField::TeeV => &r.tee_v,
            SoterField::FpN => &r.fp_n,
            SoterField::FpV => &r.fp_v,
            SoterField::CpuId => &r.cpu_id,
            SoterField::Uid => &r.uid,
            SoterField::PubKey => return Err(Error::arg("a resultJSON has no pub_key field")),
        };
        write_borrowed(value, ptr, len)
    })
}

unsafe fn write_borrowed(value: &str, ptr: *mut *const u8, len: *mut usize) -> Result<()> {
    let (ptr, len) = (out_ptr(ptr, "ptr")?, out_ptr(len, "len")?);
    *ptr = value.as_ptr();
    *len = value.len();
    Ok(())
}

/// The counter of a resultJSON (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_counter(result: *const SoterResultJson) -> u64 {
    guard_value(0, || result.as_ref().map_or(0, |r| r.0.counter))
}

/// `rsa_pss_saltlen` of a resultJSON, or -1 when absent (or for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_salt_len(result: *const SoterResultJson) -> i32 {
    guard_value(-1, || result.as_ref().and_then(|r| r.0.rsa_pss_saltlen).map_or(-1, |s| s as i32))
}

/// Number of fields beyond the typed ones (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_extra_count(result: *const SoterResultJson) -> usize {
    guard_value(0, || result.as_ref().map_or(0, |r| r.0.extra.len()))
}

/// The `index`th extra field, in document order: its decoded name and the exact JSON source
/// text of its value, both borrowed from `result` (UTF-8, not NUL-terminated).
/// `SOTER_STATUS_INVALID_ARGUMENT` when `index` is out of range.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_extra(
    result: *const SoterResultJson,
    index: usize,
    name: *mut *const u8,
    name_len: *mut usize,
    value: *mut *const u8,
    value_len: *mut usize,
) -> SoterStatus {
    guard(std::ptr::null_mut(), || {
        let r = &handle(result, "result")?.0;
        let (n, v) = r.extra.get(index).ok_or_else(|| Error::arg(format!("extra field index {index} is out of range")))?;
        let (value, value_len) = (out_ptr(value, "value")?, out_ptr(value_len, "value_len")?);
        write_borrowed(n, name, name_len)?;
        *value = v.as_ptr();
        *value_len = v.len();
        Ok(())
    })
}

/// Every field of a resultJSON in one call: for language bindings, where each call across the
/// boundary costs more than reading a field. Like `snprintf`: returns the size of the packed
/// form, and writes it to `buf` only when `cap` is at least that size (pass `cap` 0 to learn the
/// size). Returns 0 for NULL. The packed form, in native byte order, without padding:
///
/// ```c
/// uint64_t counter;
/// int32_t  rsa_pss_saltlen;        // -1 when absent
/// uint32_t extra_count;            // E
/// uint32_t len[8 + 2 * E];         // byte lengths of the texts below (without their NUL)
/// char     texts[];                // raw, fid, tee_n, tee_v, fp_n, fp_v, cpu_id, uid, then
///                                  // each extra field's name and value (document order)
/// ```
///
/// The texts are UTF-8, one after the other, each followed by a NUL byte: the same bytes as
/// `soter_result_json_get` and `soter_result_json_extra` give. No text contains NUL (parsing
/// refuses it, escaped or not), so each is also a C string. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_pack(result: *const SoterResultJson, buf: *mut u8, cap: usize) -> usize {
    guard_value(0, || match result.as_ref() {
        Some(r) => pack_result(&r.0, buf, cap),
        None => 0,
    })
}

/// The packed form of `soter_result_json_pack`.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `cap` bytes.
unsafe fn pack_result(r: &ResultJson, buf: *mut u8, cap: usize) -> usize {
    let typed = [&r.raw, &r.fid, &r.tee_n, &r.tee_v, &r.fp_n, &r.fp_v, &r.cpu_id, &r.uid].map(String::as_str);
    pack_fields(r.counter, r.rsa_pss_saltlen, typed, r.extra.iter().map(|(n, v)| (n.as_str(), v.as_str())), buf, cap)
}

/// The packed form of `soter_result_json_pack` from a borrowed parse (the packed exports).
///
/// # Safety
/// `buf` must be NULL or valid for writes of `cap` bytes.
unsafe fn pack_result_ref(r: &ResultJsonRef<'_>, buf: *mut u8, cap: usize) -> usize {
    let typed = [&r.raw, &r.fid, &r.tee_n, &r.tee_v, &r.fp_n, &r.fp_v, &r.cpu_id, &r.uid].map(|t| t.as_ref());
    pack_fields(r.counter, r.rsa_pss_saltlen, typed, r.extra.iter().map(|(n, v)| (n.as_ref(), *v)), buf, cap)
}

/// The packed form of `soter_result_json_pack` from the fields themselves.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `cap` bytes.
unsafe fn pack_fields<'a>(
    counter: u64,
    salt_len: Option<u32>,
    typed: [&'a str; 8],
    extra: impl ExactSizeIterator<Item = (&'a str, &'a str)> + Clone,
    buf: *mut u8,
    cap: usize,
) -> usize {
    let extra_count = u32::try_from(extra.len()).expect("extra fields are bounded by the 64 KiB input cap");
    let mut head = [0u8; 16];
    head[..8].copy_from_slice(&counter.to_ne_bytes());
    head[8..12].copy_from_slice(&salt_len.map_or(-1, |s| s as i32).to_ne_bytes());
    head[12..].copy_from_slice(&extra_count.to_ne_bytes());
    let texts = typed.into_iter().chain(extra.flat_map(|(n, v)| [n, v]));
    pack(&head, texts, buf, cap)
}

/// The packed form shared by the `_pack` exports: `head`, then a `uint32_t` length per text,
/// then the texts, each followed by NUL. Returns its size; writes it only when `buf` holds
/// `cap >= size` bytes.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `cap` bytes.
unsafe fn pack<'a>(head: &[u8], texts: impl Iterator<Item = &'a str> + Clone, buf: *mut u8, cap: usize) -> usize {
    let (count, total) = texts.clone().fold((0usize, 0usize), |(n, t), s| (n + 1, t + s.len()));
    let size = head.len() + 5 * count + total;
    if buf.is_null() || cap < size {
        return size;
    }
    let out = std::slice::from_raw_parts_mut(buf, size);
    out[..head.len()].copy_from_slice(head);
    let (mut at_len, mut at_text) = (head.len(), head.len() + 4 * count);
    for s in texts {
        let len = u32::try_from(s.len()).expect("texts are bounded by the 64 KiB input cap");
        out[at_len..at_len + 4].copy_from_slice(&len.to_ne_bytes());
        out[at_text..at_text + s.len()].copy_from_slice(s.as_bytes());
        out[at_text + s.len()] = 0;
        at_len += 4;
        at_text += s.len() + 1;
    }
    size
}

/// Verify one SOTER result end to end: signature over the exact bytes, then challenge (constant
/// time), cpu_id/uid, minimum counter. Returns `SOTER_STATUS_OK` and, if `out` is not NULL, the
/// parsed result (free with `soter_result_json_free`); or exactly one of
/// `SOTER_STATUS_SIGNATURE_INVALID`, `SOTER_STATUS_CHALLENGE_MISMATCH`,
/// `SOTER_STATUS_DEVICE_MISMATCH`, `SOTER_STATUS_COUNTER_REPLAY` (or an input error).
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_authenticate(
    key: *const SoterKey,
    result_json: *const u8,
    result_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    expect: *const SoterExpectations,
    out: *mut *mut SoterResultJson,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let parsed = authenticate_args(key, result_json, result_json_len, signature, signature_len, expect)?;
        if !out.is_null() {
            *out = into_handle(SoterResultJson(parsed));
        }
        Ok(())
    })
}

/// The arguments of `soter_authenticate` checked and the result verified.
///
/// # Safety
/// As for `soter_authenticate`.
unsafe fn authenticate_args(
    key: *const SoterKey,
    result_json: *const u8,
    result_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    expect: *const SoterExpectations,
) -> Result<ResultJson> {
    let (key, expect) = authenticate_inputs(key, expect)?;
    crate::authenticate(
        &key.0,
        bytes(result_json, result_json_len, "result_json")?,
        bytes(signature, signature_len, "signature")?,
        &expect,
    )
}

/// The key and expectations of `soter_authenticate`, checked.
///
/// # Safety
/// As for `soter_authenticate`.
unsafe fn authenticate_inputs<'k>(key: *const SoterKey, expect: *const SoterExpectations) -> Result<(&'k SoterKey, Expectations)> {
    let key = handle(key, "key")?;
    let e = handle(expect, "expect")?;
    let expect = Expectations {
        challenge: text(e.challenge, e.challenge_len, "expect.challenge")?.to_owned(),
        cpu_id: opt_text(e.cpu_id, e.cpu_id_len, "expect.cpu_id")?.map(str::to_owned),
        uid: opt_text(e.uid, e.uid_len, "expect.uid")?.map(str::to_owned),
        min_counter: e.has_min_counter.then_some(e.min_counter),
        salt_len: salt_len(e.salt_len)?,
    };
    Ok((key, expect))
}

/// `soter_authenticate` in one call for language bindings: on success `*packed_len` receives the
/// size of the result's packed fields (the form of `soter_result_json_pack`), written to `buf`
/// when `cap` is at least that size; a larger size means nothing was written (call again with
/// room: the check has no side effects). No handle is made. Errors as for `soter_authenticate`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_authenticate_packed(
    key: *const SoterKey,
    result_json: *const u8,
    result_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    expect: *const SoterExpectations,
    buf: *mut u8,
    cap: usize,
    packed_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let packed_len = out_ptr(packed_len, "packed_len")?;
        let (key, expect) = authenticate_inputs(key, expect)?;
        let r = crate::authenticate::authenticate_ref(
            crate::Backend::default(),
            &key.0,
            bytes(result_json, result_json_len, "result_json")?,
            bytes(signature, signature_len, "signature")?,
            &expect,
        )?;
        // Packed straight from the borrowed result: no owned copy of each field.
        *packed_len = pack_result_ref(&r, buf, cap);
        Ok(())
    })
}

/// `SoterAuthenticateIn::flags`: check the result's cpu_id against the text that follows.
pub const SOTER_IO_CPU_ID: u32 = 1;
/// `SoterAuthenticateIn::flags`: check the result's uid against the text that follows.
pub const SOTER_IO_UID: u32 = 2;
/// `SoterAuthenticateIn::flags`: the counter must be at least `min_counter`.
pub const SOTER_IO_MIN_COUNTER: u32 = 4;

/// The head of `soter_authenticate_io`'s input, in native byte order; the texts follow it back to
/// back: result_json, signature, challenge, then cpu_id and uid when their flags are set.
#[repr(C)]
pub struct SoterAuthenticateIn {
    /// Lowest acceptable counter, with `SOTER_IO_MIN_COUNTER` (pass last accepted + 1).
    pub min_counter: u64,
    /// Bytes at `out`, at least 8.
    pub out_cap: u32,
    pub result_json_len: u32,
    pub signature_len: u32,
    pub challenge_len: u32,
    pub cpu_id_len: u32,
    pub uid_len: u32,
    /// A salt length, `SOTER_SALT_LEN_DEFAULT` or `SOTER_SALT_LEN_AUTO`.
    pub salt_len: i32,
    /// `SOTER_IO_CPU_ID`, `SOTER_IO_UID`, `SOTER_IO_MIN_COUNTER` or'ed (other bits: an error).
    pub flags: u32,
}

/// The head of `soter_result_json_parse_io`'s input, in native byte order; the document follows.
#[repr(C)]
pub struct SoterParseIn {
    /// Bytes at `out`, at least 8.
    pub out_cap: u32,
    pub data_len: u32,
}

/// Where a `_io` export's input texts start and how the next one is taken.
struct IoTexts {
    at: *const u8,
}

impl IoTexts {
    /// The next `len` bytes of the input.
    ///
    /// # Safety
    /// The input must hold them (the caller's contract).
    unsafe fn take<'a>(&mut self, len: u32) -> &'a [u8] {
        let s = std::slice::from_raw_parts(self.at, len as usize);
        self.at = self.at.add(len as usize);
        s
    }
}

/// The head of a `_io` input (read unaligned: it is a byte buffer) and where its texts start.
///
/// # Safety
/// `input` must be NULL or hold a `T`.
unsafe fn io_head<T>(input: *const u8) -> Result<(T, IoTexts)> {
    if input.is_null() {
        return Err(Error::arg("input is NULL"));
    }
    let head = std::ptr::read_unaligned(input.cast::<T>());
    Ok((head, IoTexts { at: input.add(std::mem::size_of::<T>()) }))
}

/// Write a `_io` output: the packed form's size as a `uint64_t`, then the packed form when it fits
/// in `cap` bytes (else only the size).
///
/// # Safety
/// `out` must be valid for writes of `cap` bytes.
unsafe fn io_out(out: *mut u8, cap: u32, pack_into: impl FnOnce(*mut u8, usize) -> usize) {
    let size = pack_into(out.add(8), cap as usize - 8);
    std::ptr::write_unaligned(out.cast::<u64>(), size as u64);
}

/// A `_io` output checked before the work, so a bad one never costs the caller the result.
fn io_out_ok(out: *mut u8, cap: u32) -> Result<()> {
    if out.is_null() || cap < 8 {
        return Err(Error::arg("out is NULL or out_cap is below 8"));
    }
    Ok(())
}

/// `soter_authenticate_packed` with one input buffer and one output buffer, for bindings where
/// each argument costs (Python's ctypes converts every argument on every call): `input` holds a
/// `SoterAuthenticateIn` and then its texts (`sizeof(SoterAuthenticateIn)` plus the lengths it
/// gives; texts UTF-8 except the document and the signature). On success `out` receives the
/// `uint64_t` size of the result's packed fields (the form of `soter_result_json_pack`), then
/// those fields when they fit in `out_cap - 8` bytes; a larger size means only the size was
/// written (call again with room: the check has no side effects). Checks, verdicts and errors as
/// for `soter_authenticate`; an unknown flag is `SOTER_STATUS_INVALID_ARGUMENT`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_authenticate_io(key: *const SoterKey, input: *const u8, out: *mut u8, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let key = handle(key, "key")?;
        let (h, mut t) = io_head::<SoterAuthenticateIn>(input)?;
        if h.flags & !(SOTER_IO_CPU_ID | SOTER_IO_UID | SOTER_IO_MIN_COUNTER) != 0 {
            return Err(Error::arg(format!("flags {:#x} has unknown bits", h.flags)));
        }
        io_out_ok(out, h.out_cap)?;
        let (doc, sig) = (t.take(h.result_json_len), t.take(h.signature_len));
        fn utf8<'a>(b: &'a [u8], name: &str) -> Result<&'a str> {
            std::str::from_utf8(b).map_err(|e| Error::input(format!("{name} is not valid UTF-8 (at byte {})", e.valid_up_to())))
        }
        let challenge = utf8(t.take(h.challenge_len), "expect.challenge")?.to_owned();
        let cpu_id = if h.flags & SOTER_IO_CPU_ID != 0 { Some(utf8(t.take(h.cpu_id_len), "expect.cpu_id")?.to_owned()) } else { None };
        let uid = if h.flags & SOTER_IO_UID != 0 { Some(utf8(t.take(h.uid_len), "expect.uid")?.to_owned()) } else { None };
        let expect = Expectations {
            challenge,
            cpu_id,
            uid,
            min_counter: (h.flags & SOTER_IO_MIN_COUNTER != 0).then_some(h.min_counter),
            salt_len: salt_len(h.salt_len)?,
        };
        let r = crate::authenticate::authenticate_ref(crate::Backend::default(), &key.0, doc, sig, &expect)?;
        io_out(out, h.out_cap, |buf, cap| pack_result_ref(&r, buf, cap));
        Ok(())
    })
}

/// `soter_result_json_parse_packed` with one input buffer and one output buffer (see
/// `soter_authenticate_io`): `input` holds a `SoterParseIn` and then the document's `data_len`
/// bytes; `out` receives the `uint64_t` size of the packed fields, then those fields when they
/// fit in `out_cap - 8` bytes. Errors as for `soter_result_json_parse`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_result_json_parse_io(input: *const u8, out: *mut u8, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let (h, mut t) = io_head::<SoterParseIn>(input)?;
        io_out_ok(out, h.out_cap)?;
        let r = ResultJsonRef::parse(t.take(h.data_len))?;
        io_out(out, h.out_cap, |buf, cap| pack_result_ref(&r, buf, cap));
        Ok(())
    })
}

/// Verify an AuthKey export JSON and its signature with the device's ASK public key (one the server
/// trusted at enrollment by other means; `soter_verify_auth_key_with_ask` takes a verified ASK), and load the
/// AuthKey's public key. On success `*out` receives a new handle (free with `soter_auth_key_free`).
/// Errors as for `soter_key_verify`, plus JSON errors and key errors for the `pub_key`.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_auth_key(
    ask: *const SoterKey,
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

/// `soter_verify_auth_key` in one call for language bindings: on success `*key_out` receives the
/// AuthKey's public key (free with `soter_key_free`) and `*packed_len` the size of its packed
/// fields (the form of `soter_auth_key_pack`), written to `buf` when `cap` is at least that
/// size; a larger size means nothing was written (call again with room: verification has no side
/// effects). No AuthKey handle is made. Errors as for `soter_verify_auth_key`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_verify_auth_key_packed(
    ask: *const SoterKey,
    auth_key_json: *const u8,
    auth_key_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    key_out: *mut *mut SoterKey,
    buf: *mut u8,
    cap: usize,
    packed_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let ask = handle(ask, "ask")?;
        let key_out = out_ptr(key_out, "key_out")?;
        let packed_len = out_ptr(packed_len, "packed_len")?;
        let ak = crate::verify_auth_key(
            &ask.0,
            bytes(auth_key_json, auth_key_json_len, "auth_key_json")?,
            bytes(signature, signature_len, "signature")?,
        )?;
        let texts = [ak.cpu_id.as_str(), ak.uid.as_str(), ak.json.pub_key.as_str()];
        *packed_len = pack(&ak.counter.to_ne_bytes(), texts.into_iter(), buf, cap);
        *key_out = into_handle(SoterKey(ak.public_key));
        Ok(())
    })
}

/// Free an AuthKey. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_auth_key_free(auth_key: *mut SoterAuthKey) {
    guard_value((), || free_handle(auth_key))
}

/// The AuthKey's public key as a new, independent key handle (free with `soter_key_free`).
#[no_mangle]
pub unsafe extern "C" fn soter_auth_key_public_key(auth_key: *const SoterAuthKey, out: *mut *mut SoterKey, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let ak = handle(auth_key, "auth_key")?;
        let out = out_ptr(out, "out")?;
        *out = into_handle(SoterKey(ak.0.public_key.clone()));
        Ok(())
    })
}

/// A text field of an AuthKey: `field` is `SOTER_FIELD_CPU_ID`, `SOTER_FIELD_UID` or
/// `SOTER_FIELD_PUB_KEY` (other values: `SOTER_STATUS_INVALID_ARGUMENT`). Borrowed like
/// `soter_result_json_get`.
#[no_mangle]
pub unsafe extern "C" fn soter_auth_key_get(auth_key: *const SoterAuthKey, field: i32, ptr: *mut *const u8, len: *mut usize) -> SoterStatus {
    guard(std::ptr::null_mut(), || {
        let ak = &handle(auth_key, "auth_key")?.0;
        let value = match SoterField::from_c(field, "field")? {
            SoterField::CpuId => &ak.cpu_id,
            SoterField::Uid => &ak.uid,
            SoterField::PubKey => &ak.json.pub_key,
            _ => return Err(Error::arg("an AuthKey has only cpu_id, uid and pub_key text fields")),
        };
        write_borrowed(value, ptr, len)
    })
}

/// Every field of an AuthKey in one call (for language bindings), like `soter_result_json_pack`:
/// returns the size of the packed form and writes it to `buf` only when `cap` is at least that
/// size; 0 for NULL. The packed form, in native byte order, without padding:
///
/// ```c
/// uint64_t counter;
/// uint32_t len[3];                 // byte lengths of the texts below (without their NUL)
/// char     texts[];                // cpu_id, uid, pub_key (as `soter_auth_key_get` gives
///                                  // them), each followed by a NUL byte
/// ```
///
/// The public key itself comes from `soter_auth_key_public_key`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_auth_key_pack(auth_key: *const SoterAuthKey, buf: *mut u8, cap: usize) -> usize {
    guard_value(0, || {
        let Some(ak) = auth_key.as_ref().map(|a| &a.0) else { return 0 };
        let texts = [ak.cpu_id.as_str(), ak.uid.as_str(), ak.json.pub_key.as_str()];
        pack(&ak.counter.to_ne_bytes(), texts.into_iter(), buf, cap)
    })
}

/// The AuthKey's counter (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn soter_auth_key_counter(auth_key: *const SoterAuthKey) -> u64 {
    guard_value(0, || auth_key.as_ref().map_or(0, |a| a.0.counter))
}

/// Write a fresh challenge (256 bits from the OS CSPRNG, URL-safe base64, 43 characters) and a
/// terminating NUL into `buf`, which must hold at least `SOTER_CHALLENGE_LEN + 1` bytes.
/// `*out_len` (if not NULL) receives 43. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_new_challenge(buf: *mut c_char, cap: usize, out_len: *mut usize, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let buf = out_ptr(buf, "buf")?;
        if cap < SOTER_CHALLENGE_LEN + 1 {
            return Err(Error::arg(format!("buf holds {cap} bytes; a challenge needs {}", SOTER_CHALLENGE_LEN + 1)));
        }
        let c = crate::new_challenge()?;
        std::ptr::copy_nonoverlapping(c.as_ptr(), buf.cast::<u8>(), c.len());
        *buf.add(c.len()) = 0;
        if !out_len.is_null() {
            *out_len = c.len();
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the packed form back: (head, texts).
    fn unpack(buf: &[u8], head_len: usize, count: usize) -> (&[u8], Vec<&str>) {
        let mut at = head_len + 4 * count;
        let texts = (0..count)
            .map(|i| {
                let at_len = head_len + 4 * i;
                let len = u32::from_ne_bytes(buf[at_len..at_len + 4].try_into().unwrap()) as usize;
                at += len + 1;
                assert_eq!(buf[at - 1], 0, "each text ends with NUL");
                std::str::from_utf8(&buf[at - 1 - len..at - 1]).unwrap()
            })
            .collect();
        assert_eq!(at, buf.len(), "nothing after the last text");
        (&buf[..head_len], texts)
    }

    #[test]
    fn result_json_pack_carries_every_field_and_writes_only_when_it_fits() {
        let doc = br#"{"raw":"ch\u00e9","counter":18446744073709551615,"cpu_id":"c","uid":7,"fid":"","bo_t":{"a":1},"rsa_pss_saltlen":32,"x\"y":"z"}"#;
        let handle = into_handle(SoterResultJson(ResultJson::parse(doc).unwrap()));
        // SAFETY: `handle` is live until freed below; buffers are valid for the lengths given.
        unsafe {
            let size = soter_result_json_pack(handle, std::ptr::null_mut(), 0);
            let mut buf = vec![0xAAu8; size];
            assert_eq!(soter_result_json_pack(handle, buf.as_mut_ptr(), size - 1), size);
            assert!(buf.iter().all(|&b| b == 0xAA), "written although it did not fit");
            assert_eq!(soter_result_json_pack(handle, buf.as_mut_ptr(), size), size);
            let (head, texts) = unpack(&buf, 16, 8 + 4);
            assert_eq!(u64::from_ne_bytes(head[..8].try_into().unwrap()), u64::MAX);
            assert_eq!(i32::from_ne_bytes(head[8..12].try_into().unwrap()), 32);
            assert_eq!(u32::from_ne_bytes(head[12..].try_into().unwrap()), 2);
            assert_eq!(texts, ["ch\u{e9}", "", "", "", "", "", "c", "7", "bo_t", r#"{"a":1}"#, "x\"y", r#""z""#]);
            assert_eq!(soter_result_json_pack(std::ptr::null(), buf.as_mut_ptr(), size), 0);
            soter_result_json_free(handle);
        }
    }

    #[test]
    fn auth_key_pack_carries_counter_identity_and_pem() {
        let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tencent-soter-sample/");
        let read = |name: &str| std::fs::read(format!("{vectors}{name}")).unwrap();
        let ask = PublicKey::load(&read("ask.pem")).unwrap();
        let ak = crate::verify_auth_key(&ask, &read("auth_key_json.txt"), &read("auth_key_signature.bin")).unwrap();
        let (cpu_id, uid, pem, counter) = (ak.cpu_id.clone(), ak.uid.clone(), ak.json.pub_key.clone(), ak.counter);
        let handle = into_handle(SoterAuthKey(ak));
        // SAFETY: as above.
        unsafe {
            let size = soter_auth_key_pack(handle, std::ptr::null_mut(), 0);
            let mut buf = vec![0u8; size + 10];
            assert_eq!(soter_auth_key_pack(handle, buf.as_mut_ptr(), buf.len()), size);
            let (head, texts) = unpack(&buf[..size], 8, 3);
            assert_eq!(u64::from_ne_bytes(head.try_into().unwrap()), counter);
            assert_eq!(texts, [cpu_id.as_str(), uid.as_str(), pem.as_str()]);
            assert_eq!(soter_auth_key_pack(std::ptr::null(), buf.as_mut_ptr(), buf.len()), 0);
            soter_auth_key_free(handle);
        }
    }
}
