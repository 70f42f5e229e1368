//! The C ABI: the only unsafe, C-facing layer. Thin by rule: each export checks its pointers,
//! calls the safe core, and maps the result. Conventions (see DESIGN.md):
//!
//! - every fallible export returns a `SoterStatus` (OK = 0) and runs inside [`guard`], which
//!   catches panics, so a bug becomes `SOTER_STATUS_INTERNAL`, never an abort of the host process;
//! - detail travels in an optional per-call `SoterError **err` out-parameter (no thread-local
//!   "last error": Java virtual threads hop OS threads), freed with `soter_error_free`;
//! - out-parameters are written only on success; inputs are (pointer, length) pairs;
//! - handles are opaque, immutable and safe to share between threads; every `_free` accepts NULL.
//!
//! The safety contract of each export (valid pointers and lengths) is stated in its header comment.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, ErrorKind, Result};

mod api_security;
mod attestation;
mod core;
mod emulator;
mod guard;
mod log;
mod testing;
mod wechat;
pub use self::api_security::*;
pub use self::attestation::*;
pub use self::core::*;
pub use self::emulator::*;
pub use self::guard::*;
pub use self::log::*;
pub use self::testing::*;
pub use self::wechat::*;

/// Version of this C ABI. Wrappers compare it with the version they were written for.
pub const SOTER_ABI_VERSION: u32 = 3;

/// Status of a call. `SOTER_STATUS_OK` is 0; every other value names one kind of failure and
/// matches one exception class in the Python and Java packages.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterStatus {
    /// Success.
    Ok = 0,
    /// API misuse: a NULL pointer, an option out of range.
    InvalidArgument = 1,
    /// Input that is not what was expected: invalid UTF-8, empty, a bad option string.
    InvalidInput = 2,
    /// Input larger than the documented cap.
    InputTooLarge = 3,
    /// A public key that cannot be parsed or is not a usable RSA key.
    InvalidKey = 4,
    /// An RSA key below 2048 bits.
    KeyTooSmall = 5,
    /// A key of another algorithm (EC, DSA, Ed25519) or an RSA key above 4096 bits.
    UnsupportedKey = 6,
    /// A signature that cannot be decoded or has the wrong length for the key.
    MalformedSignature = 7,
    /// JSON that is not well formed, too deep, or with a missing or mistyped field.
    InvalidJson = 8,
    /// A JSON object that names the same field twice.
    DuplicateField = 9,
    /// The signature does not verify.
    SignatureInvalid = 10,
    /// The signed challenge is not the expected one.
    ChallengeMismatch = 11,
    /// The signed cpu_id or uid is not the expected device's.
    DeviceMismatch = 12,
    /// The signed counter is below the minimum (replay).
    CounterReplay = 13,
    /// Network failure (connection refused or reset, DNS, TLS).
    Network = 14,
    /// A call's overall deadline, its connect timeout or a per-attempt timeout expired (the
    /// message names which).
    Timeout = 15,
    /// WeChat answered with a non-zero errcode (see soter_error_errcode / soter_error_errmsg).
    WechatApi = 16,
    /// No access token could be obtained.
    Token = 17,
    /// WeChat's response was not the documented JSON, or too large.
    MalformedResponse = 18,
    /// A refused client setting (plain http to a remote host, a bad URL or proxy).
    Config = 19,
    /// The state store (Redis) could not be reached or did not answer in time. Fails closed:
    /// nothing was accepted.
    StoreUnavailable = 20,
    /// A certificate chain that cannot be accepted: unparseable, a signature in the chain that
    /// does not verify, a non-CA intermediate, outside its validity, no usable attestation.
    CertificateInvalid = 21,
    /// A sound certificate chain that ends at a root that is not trusted.
    UntrustedRoot = 22,
    /// A certificate of the chain is listed in the revocation status list the caller passed
    /// (revoked or suspended).
    CertificateRevoked = 23,
    /// A bug in soter-verify (a caught panic). Never caused by input.
    Internal = 99,
}

// The conversions between ErrorKind and the C enum, from the one list of statuses
// (crate::error::statuses). The matches are exhaustive both ways and the values are checked at
// compile time, so the literal enum above cannot drift from the list.
macro_rules! status_conversions {
    ($( $(#[doc = $doc:literal])* $kind:ident = $code:literal => $status:ident, $name:literal; )+) => {
        impl From<ErrorKind> for SoterStatus {
            fn from(kind: ErrorKind) -> Self {
                match kind {
                    $( ErrorKind::$kind => SoterStatus::$status, )+
                }
            }
        }

        impl SoterStatus {
            /// The error kind of a failure status (None for OK).
            #[allow(dead_code)]
            pub(crate) fn kind(self) -> Option<ErrorKind> {
                match self {
                    SoterStatus::Ok => None,
                    $( SoterStatus::$status => Some(ErrorKind::$kind), )+
                }
            }
        }

        const _: () = {
            $( assert!(SoterStatus::$status as i32 == $code && ErrorKind::$kind as i32 == $code); )+
        };
    };
}
crate::error::statuses!(status_conversions);

/// Detail of one failed call: status, a one-sentence message, and for WeChat API errors
/// WeChat's errcode and errmsg. Never contains secrets. Free with `soter_error_free`.
pub struct SoterError {
    status: SoterStatus,
    message: CString,
    errcode: Option<i64>,
    errmsg: Option<CString>,
}

fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "?")).expect("NUL bytes were replaced")
}

impl SoterError {
    fn from_error(e: &Error) -> SoterError {
        SoterError {
            status: e.kind().into(),
            message: c_string(e.message()),
            errcode: e.errcode(),
            errmsg: e.errmsg().map(c_string),
        }
    }
}

/// Run the body of an export: catch panics, write `*err` on failure (when `err` is not NULL),
/// return the status.
pub(crate) fn guard(err: *mut *mut SoterError, body: impl FnOnce() -> Result<()>) -> SoterStatus {
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        Err(Error::new(ErrorKind::Internal, "soter-verify hit an internal error (a caught panic); please report it"))
    });
    match result {
        Ok(()) => SoterStatus::Ok,
        Err(e) => {
            if !err.is_null() {
                // SAFETY: the caller passes either NULL or a valid SoterError* slot.
                unsafe { *err = Box::into_raw(Box::new(SoterError::from_error(&e))) };
            }
            e.kind().into()
        }
    }
}

/// Like `guard` for exports that return a plain value: a panic yields `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// An enum that C passes in, by value or inside a struct. C hands over a plain integer: any
/// `int` is a legal C value of a C enum type, but not every integer is a Rust enum value (a
/// Rust enum holding anything else is undefined behaviour; a `match` on it jumps anywhere). So
/// exports take `int32_t` and convert here; an unknown value is `SOTER_STATUS_INVALID_ARGUMENT`.
pub(crate) trait CEnum: Sized + Copy + 'static {
    /// Every variant (the `c_enum!` macro proves the list is complete).
    const ALL: &'static [Self];
    /// The C type's name, for messages.
    const NAME: &'static str;
    fn value(self) -> i32;

    /// The variant whose value is `v`, or InvalidArgument naming the parameter.
    fn from_c(v: i32, param: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.value() == v)
            .ok_or_else(|| Error::arg(format!("{param} = {v} is not a {} value", Self::NAME)))
    }
}

/// Implements [`CEnum`] for a fieldless `#[repr(C)]` enum; lists every variant, and fails to
/// compile when one is missing (the exhaustive match below).
macro_rules! c_enum {
    ($t:ident { $($v:ident),+ $(,)? }) => {
        impl $crate::ffi::CEnum for $t {
            const ALL: &'static [Self] = &[$($t::$v),+];
            const NAME: &'static str = stringify!($t);
            fn value(self) -> i32 {
                const _: fn($t) = |x| match x { $($t::$v => {}),+ };
                self as i32
            }
        }
    };
}
pub(crate) use c_enum;

/// A (pointer, length) input. NULL is allowed only with length 0.
///
/// # Safety
/// `ptr` must be NULL or valid for `len` bytes for the duration of the call.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Error::arg(format!("{name} is NULL with length {len}"))) };
    }
    if len > isize::MAX as usize {
        return Err(Error::arg(format!("{name} has an impossible length")));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// A (pointer, length) text input that must be UTF-8.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes(ptr, len, name)?)
        .map_err(|e| Error::input(format!("{name} is not valid UTF-8 (at byte {})", e.valid_up_to())))
}

/// An optional text input: NULL means "not given".
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn opt_text<'a>(ptr: *const u8, len: usize, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        text(ptr, len, name).map(Some)
    }
}

/// A handle argument that must not be NULL.
///
/// # Safety
/// `ptr` must be NULL or a live handle of this type.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    ptr.as_ref().ok_or_else(|| Error::arg(format!("{name} is NULL")))
}

/// Check an out-parameter before doing the work, so a NULL never costs the caller the result.
pub(crate) fn out_ptr<T>(ptr: *mut T, name: &str) -> Result<*mut T> {
    if ptr.is_null() {
        Err(Error::arg(format!("{name} (the out-parameter) is NULL")))
    } else {
        Ok(ptr)
    }
}

/// Hand a value to C as an owned handle.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Free a handle made by `into_handle`; NULL is a no-op.
///
/// # Safety
/// `ptr` must be NULL or a handle of this type not yet freed.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        drop(Box::from_raw(ptr));
    }
}

/// Hand an owned string to C (freed with `soter_string_free`); NUL bytes become '?'.
pub(crate) fn into_c_string(s: &str) -> *mut c_char {
    c_string(s).into_raw()
}

/// Write an owned string to a checked out-parameter, and its length to `out_len` unless NULL.
///
/// # Safety
/// `out` must be writable; `out_len` NULL or writable.
pub(crate) unsafe fn write_c_string(s: &str, out: *mut *mut c_char, out_len: *mut usize) {
    if !out_len.is_null() {
        *out_len = s.len();
    }
    *out = into_c_string(s);
}

/// The ABI version (`SOTER_ABI_VERSION` of the header this library was built with).
/// Wrappers call it first and refuse to run on a mismatch. Thread-safe.
#[no_mangle]
pub extern "C" fn soter_abi_version() -> u32 {
    SOTER_ABI_VERSION
}

/// The library version, e.g. "0.1.0". Static string: do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn soter_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a status value, e.g. "SOTER_STATUS_KEY_TOO_SMALL"; "SOTER_STATUS_UNKNOWN" for a
/// value that is not a status. Static string: do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn soter_status_name(status: i32) -> *const c_char {
    let name: &'static str = match status {
        0 => "SOTER_STATUS_OK\0",
        _ => ErrorKind::from_code(status).map_or("SOTER_STATUS_UNKNOWN\0", ErrorKind::status_name_nul),
    };
    name.as_ptr().cast()
}

/// The status of a failed call. `SOTER_STATUS_INVALID_ARGUMENT` for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_error_status(err: *const SoterError) -> SoterStatus {
    // SAFETY: err is NULL or a live SoterError.
    unsafe { err.as_ref() }.map_or(SoterStatus::InvalidArgument, |e| e.status)
}

/// The message of a failed call: one sentence, UTF-8, NUL-terminated. Borrowed: valid until
/// `soter_error_free(err)`. Returns "" for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_error_message(err: *const SoterError) -> *const c_char {
    // SAFETY: err is NULL or a live SoterError.
    match unsafe { err.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// WeChat's errcode for `SOTER_STATUS_WECHAT_API` errors (and token errors WeChat caused).
/// Writes `*errcode` and returns true when there is one; returns false otherwise.
#[no_mangle]
pub unsafe extern "C" fn soter_error_errcode(err: *const SoterError, errcode: *mut i64) -> bool {
    // SAFETY: err is NULL or a live SoterError; errcode is NULL or writable.
    match (unsafe { err.as_ref() }.and_then(|e| e.errcode), errcode.is_null()) {
        (Some(code), false) => {
            unsafe { *errcode = code };
            true
        }
        _ => false,
    }
}

/// WeChat's errmsg when there is an errcode, else NULL. Borrowed like `soter_error_message`.
#[no_mangle]
pub unsafe extern "C" fn soter_error_errmsg(err: *const SoterError) -> *const c_char {
    // SAFETY: err is NULL or a live SoterError.
    unsafe { err.as_ref() }.and_then(|e| e.errmsg.as_ref()).map_or(std::ptr::null(), |m| m.as_ptr())
}

/// Free an error. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_error_free(err: *mut SoterError) {
    // SAFETY: err is NULL or a SoterError from this library, freed once.
    guard_value((), || unsafe { free_handle(err) })
}

/// Free a string this library returned as `char *` (documented at each export). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: s came from CString::into_raw in this library and is freed once.
        guard_value((), || unsafe { drop(CString::from_raw(s)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_a_status_and_an_error() {
        let mut err: *mut SoterError = std::ptr::null_mut();
        let status = guard(&mut err, || panic!("boom"));
        assert_eq!(status, SoterStatus::Internal);
        assert!(!err.is_null());
        // SAFETY: err is the live error guard just wrote.
        unsafe {
            assert_eq!(soter_error_status(err), SoterStatus::Internal);
            soter_error_free(err);
        }
        assert_eq!(guard_value(7, || panic!("boom")), 7);
    }

    #[test]
    fn every_error_kind_has_a_status_and_a_name() {
        for kind in ErrorKind::ALL {
            let status = SoterStatus::from(kind);
            assert_eq!(status as i32, kind as i32);
            // SAFETY: soter_status_name returns a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(soter_status_name(status as i32)) };
            assert_ne!(name.to_str().unwrap(), "SOTER_STATUS_UNKNOWN", "{kind:?}");
        }
    }

    #[test]
    fn c_enums_take_their_values_and_refuse_the_rest() {
        fn check<E: CEnum + std::fmt::Debug + PartialEq>(count: i32) {
            assert_eq!(E::ALL.len() as i32, count, "{}", E::NAME);
            for (i, e) in E::ALL.iter().enumerate() {
                assert_eq!(e.value(), i as i32);
                assert_eq!(E::from_c(i as i32, "x").unwrap(), *e);
            }
            for bad in [count, count + 1, 1000, -1, i32::MAX, i32::MIN] {
                let err = E::from_c(bad, "param").unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidArgument);
                assert!(err.message().contains("param") && err.message().contains(E::NAME), "{}", err.message());
            }
        }
        check::<SoterField>(9);
        check::<SoterTokenSource>(6);
        check::<SoterFaceField>(6);
        check::<SoterFaceNumber>(4);
        check::<SoterFault>(7);
    }

    #[test]
    fn messages_never_carry_nul_bytes() {
        let e = Error::input("a\0b");
        let c = SoterError::from_error(&e);
        assert_eq!(c.message.to_str().unwrap(), "a?b");
    }
}
