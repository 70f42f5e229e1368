//! C ABI for WeChat's server API security mode: an immutable `SoterApiSecurity` handle, sealing
//! and opening by hand, and the client option `api_security` (see wechat.rs).

// The safety contract of every export is the header's: pointers are NULL or valid for the
// given length, handles are live, out-parameters writable (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::{bytes, free_handle, guard, handle, into_handle, opt_text, out_ptr, text, write_c_string, SoterError, SoterStatus};
use crate::error::{Error, Result};
use crate::wechat::ApiSecurity;

/// One app's API security setting (symmetric key and its number, app private key and its
/// number, platform certificates by number, sealed paths). Immutable and thread-safe; the
/// `_with_` functions make a new handle. Free with `soter_api_security_free`. The keys never
/// appear in an error message.
pub struct SoterApiSecurity(pub(crate) ApiSecurity);

/// A new setting. `sym_key`: base64 of the 32-byte AES-256 key; `app_private_key`: PEM, PKCS#1
/// or PKCS#8. It seals WeChat's documented "支持加密请求" paths the client calls (see the README);
/// add platform certificates and paths with the `_with_` functions.
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_new(
    appid: *const u8,
    appid_len: usize,
    sym_key: *const u8,
    sym_key_len: usize,
    sym_sn: *const u8,
    sym_sn_len: usize,
    app_private_key: *const u8,
    app_private_key_len: usize,
    app_key_sn: *const u8,
    app_key_sn_len: usize,
    out: *mut *mut SoterApiSecurity,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let sec = ApiSecurity::new(
            text(appid, appid_len, "appid")?,
            text(sym_key, sym_key_len, "sym_key")?,
            text(sym_sn, sym_sn_len, "sym_sn")?,
            text(app_private_key, app_private_key_len, "app_private_key")?,
            text(app_key_sn, app_key_sn_len, "app_key_sn")?,
        )?;
        *out = into_handle(SoterApiSecurity(sec));
        Ok(())
    })
}

/// A copy of `sec` that also trusts the platform certificate `pem` under its `number` (the
/// number the console shows, not the X.509 serial). `sec` is unchanged; free both.
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_with_platform_cert(
    sec: *const SoterApiSecurity,
    number: *const u8,
    number_len: usize,
    pem: *const u8,
    pem_len: usize,
    out: *mut *mut SoterApiSecurity,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let s = handle(sec, "sec")?.0.clone().platform_cert(text(number, number_len, "number")?, text(pem, pem_len, "pem")?)?;
        *out = into_handle(SoterApiSecurity(s));
        Ok(())
    })
}

/// A copy of `sec` that also seals calls to `path` (e.g. "/cgi-bin/soter/verify_signature").
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_with_path(
    sec: *const SoterApiSecurity,
    path: *const u8,
    path_len: usize,
    out: *mut *mut SoterApiSecurity,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let s = handle(sec, "sec")?.0.clone().seal_path(text(path, path_len, "path")?)?;
        *out = into_handle(SoterApiSecurity(s));
        Ok(())
    })
}

/// Whether a client using `sec` seals calls to `path`. False for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_seals(sec: *const SoterApiSecurity, path: *const u8, path_len: usize) -> bool {
    super::guard_value(false, || match (sec.as_ref(), text(path, path_len, "path")) {
        (Some(s), Ok(p)) => s.0.seals(p),
        _ => false,
    })
}

/// Free a setting. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_free(sec: *mut SoterApiSecurity) {
    super::guard_value((), || free_handle(sec))
}

/// Seal a request to `url` (with scheme and host; its query parameters other than access_token
/// go into the plaintext) whose body is the JSON object `params`. `timestamp` 0, `nonce` NULL
/// and `iv12` NULL mean now and random (fixed values are for tests: 12 bytes at `iv12`). On
/// success `*body` gets the body to send and `*headers_json` a JSON object of the headers to
/// send with it; free both with `soter_string_free`.
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_seal(
    sec: *const SoterApiSecurity,
    url: *const u8,
    url_len: usize,
    params: *const u8,
    params_len: usize,
    timestamp: i64,
    nonce: *const u8,
    nonce_len: usize,
    iv12: *const u8,
    body: *mut *mut c_char,
    body_len: *mut usize,
    headers_json: *mut *mut c_char,
    headers_json_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let s = handle(sec, "sec")?;
        let body = out_ptr(body, "body")?;
        let headers_json = out_ptr(headers_json, "headers_json")?;
        let iv = if iv12.is_null() { None } else { Some(<[u8; 12]>::try_from(bytes(iv12, 12, "iv12")?).expect("12 bytes")) };
        let sealed = s.0.seal(
            text(url, url_len, "url")?,
            text(params, params_len, "params")?,
            (timestamp != 0).then_some(timestamp),
            opt_text(nonce, nonce_len, "nonce")?,
            iv,
        )?;
        let headers: serde_json::Map<String, serde_json::Value> =
            sealed.headers.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        write_c_string(&sealed.body, body, body_len);
        write_c_string(&serde_json::Value::Object(headers).to_string(), headers_json, headers_json_len);
        Ok(())
    })
}

/// Verify and open WeChat's answer `body` to a call to `url`, given its headers as a JSON object
/// of strings (names in any case). `now` 0 means the current time (a fixed value is for tests).
/// On success `*out` gets the answer's JSON object without `_n`, `_appid` and `_timestamp`
/// (free with `soter_string_free`). Each refusal has its own status and message (see the
/// README): a bad signature, an unknown serial, another URL, tampering, a stale timestamp:
/// `SOTER_STATUS_SIGNATURE_INVALID`; a missing header or another Wechatmp-Appid:
/// `SOTER_STATUS_MALFORMED_RESPONSE`; WeChat's plain errcode answer: `SOTER_STATUS_WECHAT_API`.
#[no_mangle]
pub unsafe extern "C" fn soter_api_security_open(
    sec: *const SoterApiSecurity,
    url: *const u8,
    url_len: usize,
    body: *const u8,
    body_len: usize,
    headers_json: *const u8,
    headers_json_len: usize,
    now: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let s = handle(sec, "sec")?;
        let out = out_ptr(out, "out")?;
        let headers = parse_headers(text(headers_json, headers_json_len, "headers_json")?)?;
        let opened = s.0.open(text(url, url_len, "url")?, bytes(body, body_len, "body")?, &headers, (now != 0).then_some(now))?;
        write_c_string(&opened, out, out_len);
        Ok(())
    })
}

fn parse_headers(json: &str) -> Result<Vec<(String, String)>> {
    if json.is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k, s)),
                _ => Err(Error::input("headers_json values must be strings")),
            })
            .collect(),
        _ => Err(Error::input("headers_json must be a JSON object of strings")),
    }
}
