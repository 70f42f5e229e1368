//! C ABI for the WeChat emulator (in-process start/stop for the Python and Java test helpers).

// The safety contract of every export is the header's: pointers are NULL or valid for the
// given length, handles are live, out-parameters writable (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::time::Duration;

use super::{c_enum, free_handle, guard, guard_value, handle, into_c_string, into_handle, opt_text, out_ptr, text, CEnum, SoterError, SoterStatus};
use crate::emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Person};
use crate::error::{Error, ErrorKind};
use crate::wechat::paths;

/// A running WeChat emulator on loopback. Thread-safe. Free with `soter_emulator_free` (which
/// stops it).
pub struct SoterEmulator {
    emu: Emulator,
    base_url: CString,
}

/// Emulator settings. A zeroed struct means every default. Text is (pointer, length).
#[repr(C)]
pub struct SoterEmulatorOptions {
    /// Listen address, e.g. "127.0.0.1:0" (NULL = 127.0.0.1 with a free port). Loopback only.
    pub listen: *const u8,
    pub listen_len: usize,
    /// Lifetime of issued tokens in seconds (0 = 7200).
    pub token_lifetime_s: u32,
    /// Accept calls without a token (cloud hosting open API mode).
    pub open_api: bool,
    /// WeChat's API security mode: the emulator makes its own keys and requires sealed calls
    /// (get the matching setting with `soter_emulator_api_security`).
    pub api_security: bool,
}

/// Start an emulator for the app (`appid`, `secret`). `opts` may be NULL. On success `*out`
/// receives it (free with `soter_emulator_free`). Loopback only: another address gives
/// `SOTER_STATUS_CONFIG`; a port in use `SOTER_STATUS_NETWORK`.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_start(
    appid: *const u8,
    appid_len: usize,
    secret: *const u8,
    secret_len: usize,
    opts: *const SoterEmulatorOptions,
    out: *mut *mut SoterEmulator,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let mut cfg = EmulatorConfig::new(text(appid, appid_len, "appid")?, text(secret, secret_len, "secret")?);
        if let Some(o) = opts.as_ref() {
            if let Some(l) = opt_text(o.listen, o.listen_len, "listen")? {
                cfg.listen = l.parse().map_err(|_| Error::new(ErrorKind::Config, "listen must be IP:PORT"))?;
            }
            if o.token_lifetime_s != 0 {
                cfg.token_lifetime = Duration::from_secs(o.token_lifetime_s as u64);
            }
            cfg.open_api = o.open_api;
            cfg.api_security = o.api_security;
        }
        let emu = Emulator::start(cfg)?;
        let base_url = CString::new(emu.base_url()).expect("a URL has no NUL");
        *out = into_handle(SoterEmulator { emu, base_url });
        Ok(())
    })
}

/// The API security setting matching an emulator started with `api_security`: on success
/// `*out` gets a new handle (free with `soter_api_security_free`); an emulator without the mode
/// gives `SOTER_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_api_security(
    emu: *const SoterEmulator,
    out: *mut *mut super::SoterApiSecurity,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let sec = handle(emu, "emu")?.emu.api_security().ok_or_else(|| Error::arg("the emulator was started without api_security"))?;
        *out = into_handle(super::SoterApiSecurity(sec));
        Ok(())
    })
}

/// Stop serving (idempotent); the handle stays valid until `soter_emulator_free`. NULL: no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_stop(emu: *const SoterEmulator) {
    guard_value((), || {
        if let Some(e) = emu.as_ref() {
            e.emu.stop()
        }
    })
}

/// Stop and free. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_free(emu: *mut SoterEmulator) {
    guard_value((), || free_handle(emu))
}

/// The base URL, e.g. "http://127.0.0.1:41234" (pass it as the client's base_url). Borrowed:
/// valid until `soter_emulator_free`. "" for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_base_url(emu: *const SoterEmulator) -> *const c_char {
    guard_value(c"".as_ptr(), || emu.as_ref().map_or(c"".as_ptr(), |e| e.base_url.as_ptr()))
}

/// Register (or replace) the device key for `openid` (PEM, base64 DER or DER).
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_register_device(
    emu: *const SoterEmulator,
    openid: *const u8,
    openid_len: usize,
    public_key: *const u8,
    public_key_len: usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let e = handle(emu, "emu")?;
        e.emu.register_device(text(openid, openid_len, "openid")?, super::bytes(public_key, public_key_len, "public_key")?)
    })
}

/// Register (or replace) a person for face verification: `identify_ret` is what legacy getinfo
/// reports (0 = passed), `verify_ret` what queryverifyinfo reports for a matching document
/// (10000 = passed; a document that does not match gives 90011).
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_register_person(
    emu: *const SoterEmulator,
    openid: *const u8,
    openid_len: usize,
    name: *const u8,
    name_len: usize,
    id_number: *const u8,
    id_number_len: usize,
    identify_ret: i64,
    verify_ret: i64,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let e = handle(emu, "emu")?;
        let mut p = Person::new(text(openid, openid_len, "openid")?, text(name, name_len, "name")?, text(id_number, id_number_len, "id_number")?);
        p.identify_ret = identify_ret;
        p.verify_ret = verify_ret;
        e.emu.register_person(p)
    })
}

/// A legacy `verify_result` ticket for a registered person (as wx.startFacialRecognitionVerify
/// would give the mini-program). `*out` receives a string to free with `soter_string_free`.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_issue_verify_result(
    emu: *const SoterEmulator,
    openid: *const u8,
    openid_len: usize,
    out: *mut *mut c_char,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let e = handle(emu, "emu")?;
        let out = out_ptr(out, "out")?;
        let t = e.emu.issue_verify_result(text(openid, openid_len, "openid")?)?;
        *out = into_c_string(&t);
        Ok(())
    })
}

/// Whether a legacy ticket may be redeemed more than once from now on (false, the default: a
/// second getinfo of one ticket is errcode 84001, as in production). For tests written before
/// tickets were single use. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_set_reusable_tickets(emu: *const SoterEmulator, reusable: bool) {
    guard_value((), || {
        if let Some(e) = emu.as_ref() {
            e.emu.set_reusable_tickets(reusable)
        }
    })
}

/// A fault to inject.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterFault {
    /// errcode -1.
    SystemBusy = 0,
    /// errcode 40001.
    InvalidToken = 1,
    /// errcode 42001.
    ExpiredToken = 2,
    /// HTTP 500.
    Http500 = 3,
    /// Answer normally after `delay_ms`.
    Delay = 4,
    /// HTTP 200 with truncated JSON.
    MalformedBody = 5,
    /// Close the connection without answering.
    DropConnection = 6,
}
c_enum!(SoterFault { SystemBusy, InvalidToken, ExpiredToken, Http500, Delay, MalformedBody, DropConnection });

/// Inject `fault` (a `SoterFault` value; others give `SOTER_STATUS_INVALID_ARGUMENT`) for the
/// next `count` matching API calls (`count` < 0: every call until
/// `soter_emulator_clear_faults`). `path` (e.g. "/cgi-bin/soter/verify_signature") limits it to
/// one endpoint; NULL = every API endpoint, token endpoints included. `delay_ms` is for
/// `SOTER_FAULT_DELAY`.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_inject_fault(
    emu: *const SoterEmulator,
    fault: i32,
    count: i64,
    delay_ms: u32,
    path: *const u8,
    path_len: usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let e = handle(emu, "emu")?;
        let kind = match SoterFault::from_c(fault, "fault")? {
            SoterFault::SystemBusy => FaultKind::SystemBusy,
            SoterFault::InvalidToken => FaultKind::InvalidToken,
            SoterFault::ExpiredToken => FaultKind::ExpiredToken,
            SoterFault::Http500 => FaultKind::Http500,
            SoterFault::Delay => FaultKind::Delay(Duration::from_millis(delay_ms as u64)),
            SoterFault::MalformedBody => FaultKind::MalformedBody,
            SoterFault::DropConnection => FaultKind::DropConnection,
        };
        let count = (count >= 0).then_some(count as u64);
        let path = opt_text(path, path_len, "path")?.map(str::to_owned);
        e.emu.inject_fault(Fault { kind, count, path });
        Ok(())
    })
}

/// Remove every pending fault. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_clear_faults(emu: *const SoterEmulator) {
    guard_value((), || {
        if let Some(e) = emu.as_ref() {
            e.emu.clear_faults()
        }
    })
}

/// What the emulator has seen.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SoterEmulatorCounters {
    /// API requests (admin requests excluded).
    pub total_requests: u64,
    /// Requests to /cgi-bin/token and /cgi-bin/stable_token.
    pub token_requests: u64,
    /// Tokens minted.
    pub token_issues: u64,
    /// Requests to /cgi-bin/soter/verify_signature.
    pub verify_signature_requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Faults applied.
    pub faults_applied: u64,
}

/// Read the counters into `*out`.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_counters(emu: *const SoterEmulator, out: *mut SoterEmulatorCounters, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let e = handle(emu, "emu")?;
        let out = out_ptr(out, "out")?;
        let c = e.emu.counters();
        *out = SoterEmulatorCounters {
            total_requests: c.total_requests(),
            token_requests: c.requests_to(paths::TOKEN) + c.requests_to(paths::STABLE_TOKEN),
            token_issues: c.token_issues,
            verify_signature_requests: c.requests_to(paths::SOTER_VERIFY_SIGNATURE),
            connections: c.connections,
            faults_applied: c.faults_applied,
        };
        Ok(())
    })
}

/// Requests seen for one path (e.g. "/cityservice/face/identify/getinfo"); 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_requests_to(emu: *const SoterEmulator, path: *const u8, path_len: usize) -> u64 {
    guard_value(0, || match (emu.as_ref(), text(path, path_len, "path")) {
        (Some(e), Ok(p)) => e.emu.counters().requests_to(p),
        _ => 0,
    })
}

/// Zero every counter. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_reset_counters(emu: *const SoterEmulator) {
    guard_value((), || {
        if let Some(e) = emu.as_ref() {
            e.emu.reset_counters()
        }
    })
}

/// Accept `token` for `lifetime_s` seconds (for fixed-token, callback and token-file clients).
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_add_token(
    emu: *const SoterEmulator,
    token: *const u8,
    token_len: usize,
    lifetime_s: u32,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let e = handle(emu, "emu")?;
        let t = text(token, token_len, "token")?;
        if t.is_empty() {
            return Err(Error::input("the token is empty"));
        }
        e.emu.add_token(t, Duration::from_secs(lifetime_s as u64));
        Ok(())
    })
}

/// Expire every issued token now (calls then get 42001). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_expire_tokens(emu: *const SoterEmulator) {
    guard_value((), || {
        if let Some(e) = emu.as_ref() {
            e.emu.expire_tokens()
        }
    })
}

/// Register a test ATTK public key (PEM, base64 DER or DER): `verify_ask` accepts ASK JSONs it
/// signed (PSS) and answers others with `is_verified: false`.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_register_attk(
    emu: *const SoterEmulator,
    public_key: *const u8,
    public_key_len: usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || handle(emu, "emu")?.emu.register_attk(super::bytes(public_key, public_key_len, "public_key")?))
}

/// Register a phone model for `is_support`: `support_type` 0 none, 1 fingerprint, 2 face, 3 both
/// (others: `SOTER_STATUS_INVALID_INPUT`). Unregistered models answer is_support false.
#[no_mangle]
pub unsafe extern "C" fn soter_emulator_register_model(
    emu: *const SoterEmulator,
    model_key: *const u8,
    model_key_len: usize,
    support_type: u32,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || handle(emu, "emu")?.emu.register_model(text(model_key, model_key_len, "model_key")?, support_type))
}
