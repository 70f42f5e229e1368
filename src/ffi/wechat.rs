//! C ABI for the WeChat client: options, token sources (including a C callback), SOTER
//! verify_signature and face verification.

// The safety contract of every export is the header's: pointers are NULL or valid for the
// given length, handles are live, out-parameters writable (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{c_enum, free_handle, guard, guard_value, handle, into_c_string, into_handle, opt_text, out_ptr, text, CEnum, SoterError, SoterStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::wechat::{
    CertInfo, FaceInfo, FetchedToken, RetryPolicy, Secret, TokenRequest, TokenSource, VerifyOutcome, WeChatClient,
    DEFAULT_CLOUDBASE_TOKEN_PATH,
};

/// A WeChat API client for one app. Thread-safe: share one per app between all threads (it
/// holds the connection pool and the token cache). Free with `soter_wechat_client_free`, after
/// every call on it has returned. Fork-safe: a client made before `fork()` (prefork servers) may
/// be used and freed in the child, which never touches the parent's connections (it opens its
/// own) nor waits on a lock held at the fork, and keeps the cached token.
pub struct SoterWechatClient(pub(crate) WeChatClient);

/// A legacy face verification result (`getinfo`). Immutable; thread-safe. Free with
/// `soter_face_info_free`. Strings it hands out are borrowed from it.
pub struct SoterFaceInfo(FaceInfo);

impl SoterFaceInfo {
    /// A handle for a parsed result, for Rust code that drives the C ABI (the fuzzer); free it
    /// with `soter_face_info_free`. Not a supported API.
    #[doc(hidden)]
    pub fn into_raw(info: FaceInfo) -> *mut SoterFaceInfo {
        into_handle(SoterFaceInfo(info))
    }
}

/// Where the client gets its access token.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterTokenSource {
    /// POST /cgi-bin/stable_token (default): the same token for every server of the app;
    /// force_refresh only after a token error and at most every 30 s.
    Stable = 0,
    /// GET /cgi-bin/token: a new token per request.
    Classic = 1,
    /// A caller-supplied token (`fixed_token`), replaceable with `soter_wechat_client_set_fixed_token`.
    Fixed = 2,
    /// The caller's `token_callback`.
    Callback = 3,
    /// WeChat cloud hosting open API service: no token; plain http to api.weixin.qq.com allowed.
    CloudOpenApi = 4,
    /// WeChat cloud hosting "微信令牌": read `token_file` (default
    /// /.tencentcloudbase/wx/cloudbase_access_token) for every call, sent as cloudbase_access_token.
    CloudbaseFile = 5,
}
c_enum!(SoterTokenSource { Stable, Classic, Fixed, Callback, CloudOpenApi, CloudbaseFile });

/// A token callback. Called when the client needs a token (cold cache, expiring token, or after
/// WeChat rejected the previous one: then `force_refresh` is true and a fresh token is wanted).
/// Write the token (printable ASCII, not NUL-terminated) into `buf` (capacity `cap`, 4096
/// bytes), its length to `*len`, and its remaining validity in seconds to `*expires_in` (0 or
/// negative: cache it until WeChat rejects it; above 86400: taken as 86400). Return 0 on success,
/// anything else on failure (the call then fails with `SOTER_STATUS_TOKEN`).
///
/// Called on whichever thread needs the token, never concurrently for one client (single
/// flight). It must not call back into the same client: a call that needs a token from inside
/// the callback fails at once with `SOTER_STATUS_INVALID_ARGUMENT`. `user_data` is passed
/// through as given.
pub type SoterTokenCallback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, force_refresh: bool, buf: *mut u8, cap: usize, len: *mut usize, expires_in: *mut i64) -> i32>;

/// Client settings. A zeroed struct (or `soter_client_options_init`) means every default.
/// Text fields are (pointer, length), UTF-8; NULL pointer = not set. The struct and its strings
/// are read during `soter_wechat_client_new` only (`token_callback_user_data` is kept).
#[repr(C)]
pub struct SoterClientOptions {
    /// Base URL (scheme://host[:port]); NULL = https://api.weixin.qq.com (http://api.weixin.qq.com
    /// in cloud open API mode). Plain http only to loopback unless `allow_insecure_http`.
    pub base_url: *const u8,
    pub base_url_len: usize,
    pub allow_insecure_http: bool,
    /// Longest wait for one connection, in milliseconds (0 = 5000); retried while the deadline
    /// allows.
    pub connect_timeout_ms: u32,
    /// The overall deadline of one call in milliseconds (0 = 15000): every attempt, backoff and
    /// the token fetch the call needs end within it.
    pub timeout_ms: u32,
    /// Longest one HTTP attempt may take, connect to last byte, in milliseconds (0 = 5000); a
    /// timed-out attempt is retried while the deadline allows. Each of the three timeouts is at
    /// most 3600000 (one hour): a larger value gives `SOTER_STATUS_CONFIG` (likely seconds
    /// multiplied twice, or microseconds). `SOTER_STATUS_TIMEOUT`'s message names the limit that
    /// expired: the overall deadline, the connect timeout or the per-attempt timeout.
    pub attempt_timeout_ms: u32,
    /// HTTP(S) proxy URL, e.g. http://proxy:3128 (NULL = none). Treated as a secret. With a
    /// plain http base URL it must be on loopback unless `allow_insecure_http`.
    pub proxy: *const u8,
    pub proxy_len: usize,
    /// Attempts per call for errcode -1, HTTP 5xx and connection failures (0 = 3; at most 10).
    pub max_attempts: u32,
    /// First backoff delay in ms, doubled per retry, with jitter (0 = 200).
    pub backoff_base_ms: u32,
    /// Cap on one backoff delay in ms (0 = 5000).
    pub backoff_max_ms: u32,
    /// Largest response body accepted in bytes (0 = 1 MiB).
    pub max_response_size: u64,
    /// Refresh a cached token when fewer seconds than this remain (0 = 300).
    pub refresh_margin_s: u32,
    /// A `SoterTokenSource` value (others: `SOTER_STATUS_INVALID_ARGUMENT`).
    pub token_source: i32,
    /// The token for `SOTER_TOKEN_SOURCE_FIXED`.
    pub fixed_token: *const u8,
    pub fixed_token_len: usize,
    /// The file for `SOTER_TOKEN_SOURCE_CLOUDBASE_FILE` (NULL = the platform's default path).
    pub token_file: *const u8,
    pub token_file_len: usize,
    /// The callback for `SOTER_TOKEN_SOURCE_CALLBACK`, and its user data (must stay valid, and
    /// usable from any thread, until the client is freed).
    pub token_callback: SoterTokenCallback,
    pub token_callback_user_data: *mut c_void,
    /// The ceiling of the token-failure hold in milliseconds (0 = 30000; at most 3600000, like
    /// the timeouts). After a token fetch from WeChat (stable_token, /cgi-bin/token) fails,
    /// calls needing a token fail at once for 1 s, doubled per consecutive failure up to this,
    /// with the failed fetch's status and errcode and a message that says so ("no access token:
    /// holding for 4 s after the fetch at 07:31:02 UTC failed: ...").
    pub token_retry_max_ms: u32,
    /// Idle keep-alive connections kept to WeChat (0 = 64; at most 4096, more gives
    /// `SOTER_STATUS_CONFIG`). Size it to the calls in flight at once: a call finding none idle
    /// opens a new connection, and one returned to a full pool is closed.
    pub max_idle_connections: u32,
    /// WeChat's API security mode (NULL = off): calls to the paths it lists are sealed and
    /// their answers verified and opened. Read during `soter_wechat_client_new` only (the client
    /// keeps its own copy); its appid must be the client's (else `SOTER_STATUS_CONFIG`).
    pub api_security: *const super::SoterApiSecurity,
}

/// Fill `opts` with the defaults (all zero / NULL, stable_token). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_client_options_init(opts: *mut SoterClientOptions) {
    guard_value((), || {
        if !opts.is_null() {
            opts.write(SoterClientOptions {
                base_url: std::ptr::null(),
                base_url_len: 0,
                allow_insecure_http: false,
                connect_timeout_ms: 0,
                timeout_ms: 0,
                attempt_timeout_ms: 0,
                proxy: std::ptr::null(),
                proxy_len: 0,
                max_attempts: 0,
                backoff_base_ms: 0,
                backoff_max_ms: 0,
                max_response_size: 0,
                refresh_margin_s: 0,
                token_source: SoterTokenSource::Stable as i32,
                fixed_token: std::ptr::null(),
                fixed_token_len: 0,
                token_file: std::ptr::null(),
                token_file_len: 0,
                token_callback: None,
                token_callback_user_data: std::ptr::null_mut(),
                token_retry_max_ms: 0,
                max_idle_connections: 0,
                api_security: std::ptr::null(),
            })
        }
    })
}

/// The callback and its user data, callable from any thread (the caller promised as much).
struct CCallback {
    f: unsafe extern "C" fn(*mut c_void, bool, *mut u8, usize, *mut usize, *mut i64) -> i32,
    user_data: *mut c_void,
}
// SAFETY: the header documents that user_data must be usable from any thread.
unsafe impl Send for CCallback {}
unsafe impl Sync for CCallback {}

const CALLBACK_CAP: usize = 4096;

impl CCallback {
    fn call(&self, req: TokenRequest) -> Result<FetchedToken> {
        let mut buf = vec![0u8; CALLBACK_CAP];
        let mut len = usize::MAX;
        let mut expires = 0i64;
        // SAFETY: a C function pointer supplied by the caller, with valid buffers.
        let rc = unsafe { (self.f)(self.user_data, req.force_refresh, buf.as_mut_ptr(), CALLBACK_CAP, &mut len, &mut expires) };
        if rc != 0 {
            return Err(Error::new(ErrorKind::Token, format!("the token callback returned {rc}")));
        }
        if len == 0 || len > CALLBACK_CAP {
            return Err(Error::new(ErrorKind::Token, "the token callback wrote no length, or one above its capacity"));
        }
        buf.truncate(len);
        let token = String::from_utf8(buf).map_err(|_| Error::new(ErrorKind::Token, "the token callback wrote a non-UTF-8 token"))?;
        let expires_in = (expires > 0).then(|| Duration::from_secs(expires as u64));
        Ok(FetchedToken { token: Secret::new(token), expires_in })
    }
}

fn ms(v: u32, default: u64) -> Duration {
    Duration::from_millis(if v == 0 { default } else { v as u64 })
}

/// Create a client for the app `appid` with its app secret (may be empty for the fixed,
/// callback and cloud token sources). `opts` may be NULL (defaults). Settings are checked here,
/// before any connection: plain http to a non-loopback host, a bad URL or proxy give
/// `SOTER_STATUS_CONFIG`. On success `*out` receives the client (free with
/// `soter_wechat_client_free`). No network traffic happens until the first call.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_client_new(
    appid: *const u8,
    appid_len: usize,
    secret: *const u8,
    secret_len: usize,
    opts: *const SoterClientOptions,
    out: *mut *mut SoterWechatClient,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let appid = text(appid, appid_len, "appid")?;
        let secret = text(secret, secret_len, "secret")?;
        let mut b = WeChatClient::builder(appid, secret);
        if let Some(o) = opts.as_ref() {
            if let Some(url) = opt_text(o.base_url, o.base_url_len, "base_url")? {
                b = b.base_url(url);
            }
            b = b.allow_insecure_http(o.allow_insecure_http);
            b = b
                .connect_timeout(ms(o.connect_timeout_ms, 5000))
                .timeout(ms(o.timeout_ms, 15000))
                .attempt_timeout(ms(o.attempt_timeout_ms, 5000));
            if let Some(p) = opt_text(o.proxy, o.proxy_len, "proxy")? {
                b = b.proxy(p);
            }
            let d = RetryPolicy::default();
            b = b.retry(RetryPolicy {
                max_attempts: if o.max_attempts == 0 { d.max_attempts } else { o.max_attempts },
                base_delay: ms(o.backoff_base_ms, 200),
                max_delay: ms(o.backoff_max_ms, 5000),
            });
            if o.max_response_size != 0 {
                b = b.max_response_size(o.max_response_size);
            }
            b = b.token_retry_max(ms(o.token_retry_max_ms, 30000));
            if o.max_idle_connections != 0 {
                b = b.max_idle_connections(o.max_idle_connections as usize);
            }
            if let Some(sec) = o.api_security.as_ref() {
                b = b.api_security(sec.0.clone());
            }
            if o.refresh_margin_s != 0 {
                b = b.refresh_margin(Duration::from_secs(o.refresh_margin_s as u64));
            }
            let source = match SoterTokenSource::from_c(o.token_source, "token_source")? {
                SoterTokenSource::Stable => TokenSource::StableToken,
                SoterTokenSource::Classic => TokenSource::ClassicToken,
                SoterTokenSource::Fixed => {
                    let t = opt_text(o.fixed_token, o.fixed_token_len, "fixed_token")?
                        .ok_or_else(|| Error::arg("the fixed token source needs fixed_token"))?;
                    TokenSource::Fixed(Secret::new(t))
                }
                SoterTokenSource::Callback => {
                    let f = o.token_callback.ok_or_else(|| Error::arg("the callback token source needs token_callback"))?;
                    let cb = CCallback { f, user_data: o.token_callback_user_data };
                    TokenSource::Callback(Arc::new(move |req| cb.call(req)))
                }
                SoterTokenSource::CloudOpenApi => TokenSource::CloudOpenApi,
                SoterTokenSource::CloudbaseFile => {
                    let p = opt_text(o.token_file, o.token_file_len, "token_file")?.unwrap_or(DEFAULT_CLOUDBASE_TOKEN_PATH);
                    TokenSource::CloudbaseFile(PathBuf::from(p))
                }
            };
            b = b.token_source(source);
        }
        *out = into_handle(SoterWechatClient(b.build()?));
        Ok(())
    })
}

/// Free a client. NULL is a no-op. No call on it may be in flight.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_client_free(client: *mut SoterWechatClient) {
    guard_value((), || free_handle(client))
}

/// Replace the token of a client made with `SOTER_TOKEN_SOURCE_FIXED` (other sources:
/// `SOTER_STATUS_INVALID_ARGUMENT`). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_client_set_fixed_token(
    client: *const SoterWechatClient,
    token: *const u8,
    token_len: usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || handle(client, "client")?.0.set_fixed_token(text(token, token_len, "token")?))
}

/// Drop the cached token; the next call fetches one. NULL is a no-op. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_client_clear_token(client: *const SoterWechatClient) {
    guard_value((), || {
        if let Some(c) = client.as_ref() {
            c.0.clear_token_cache()
        }
    })
}

/// Counters of a client, for metrics and tests.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SoterClientStats {
    /// HTTP requests sent (every attempt, token requests included).
    pub http_requests: u64,
    /// Retries after errcode -1, HTTP 5xx or connection failures.
    pub retries: u64,
    /// Tokens obtained from the source (WeChat, callback, file).
    pub token_fetches: u64,
    /// Calls retried once after a token error (40001, 40014, 42001).
    pub token_retries: u64,
}

/// Read the client's counters into `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_client_stats(
    client: *const SoterWechatClient,
    out: *mut SoterClientStats,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let s = c.0.stats();
        *out = SoterClientStats {
            http_requests: s.http_requests,
            retries: s.retries,
            token_fetches: s.token_fetches,
            token_retries: s.token_retries,
        };
        Ok(())
    })
}

/// SOTER verify_signature: ask WeChat whether `json_signature` signs exactly `json_string` for
/// the user `openid`. On `SOTER_STATUS_OK`, `*is_ok` is true only when WeChat said errcode 0 and
/// is_ok true (errcode 0 with is_ok false writes false: a failed verification). Other errcodes
/// give `SOTER_STATUS_WECHAT_API` (errcode and errmsg in `*err`), token problems
/// `SOTER_STATUS_TOKEN`; also `SOTER_STATUS_NETWORK`, `SOTER_STATUS_TIMEOUT`,
/// `SOTER_STATUS_MALFORMED_RESPONSE`. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_soter_verify_signature(
    client: *const SoterWechatClient,
    openid: *const u8,
    openid_len: usize,
    json_string: *const u8,
    json_string_len: usize,
    json_signature: *const u8,
    json_signature_len: usize,
    is_ok: *mut bool,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let is_ok = out_ptr(is_ok, "is_ok")?;
        let v = c.0.soter_verify_signature(
            text(openid, openid_len, "openid")?,
            text(json_string, json_string_len, "json_string")?,
            text(json_signature, json_signature_len, "json_signature")?,
        )?;
        *is_ok = v;
        Ok(())
    })
}

/// Legacy face verification: `getinfo` for `verify_result`. On success `*out` receives the
/// result (free with `soter_face_info_free`); check `soter_face_info_passed` and
/// `soter_face_info_matches_person`. errcodes 84001/84002/84003 give `SOTER_STATUS_WECHAT_API`.
/// Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_face_get_info(
    client: *const SoterWechatClient,
    verify_result: *const u8,
    verify_result_len: usize,
    out: *mut *mut SoterFaceInfo,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let info = c.0.face_get_info(text(verify_result, verify_result_len, "verify_result")?)?;
        *out = into_handle(SoterFaceInfo(info));
        Ok(())
    })
}

/// Free a face result. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_face_info_free(info: *mut SoterFaceInfo) {
    guard_value((), || free_handle(info))
}

/// True only when errcode is 0 and identify_ret is 0. False for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_face_info_passed(info: *const SoterFaceInfo) -> bool {
    guard_value(false, || info.as_ref().is_some_and(|i| i.0.passed()))
}

/// True when the result's name_utf8_md5 and id_card_number_md5 are those of `name` and
/// `id_number` (a final x is uppercased). Says nothing about passing; combine with
/// `soter_face_info_passed`. False for NULL or invalid UTF-8.
#[no_mangle]
pub unsafe extern "C" fn soter_face_info_matches_person(
    info: *const SoterFaceInfo,
    name: *const u8,
    name_len: usize,
    id_number: *const u8,
    id_number_len: usize,
) -> bool {
    guard_value(false, || {
        let (Some(i), Ok(n), Ok(id)) = (info.as_ref(), text(name, name_len, "name"), text(id_number, id_number_len, "id_number"))
        else {
            return false;
        };
        i.0.matches_person(n, id)
    })
}

/// A text field of a face result.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterFaceField {
    Errmsg = 0,
    ValidateData = 1,
    Openid = 2,
    UserIdKey = 3,
    IdCardNumberMd5 = 4,
    NameUtf8Md5 = 5,
}
c_enum!(SoterFaceField { Errmsg, ValidateData, Openid, UserIdKey, IdCardNumberMd5, NameUtf8Md5 });

/// A number field of a face result.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterFaceNumber {
    Errcode = 0,
    IdentifyRet = 1,
    IdentifyTime = 2,
    FinishTime = 3,
}
c_enum!(SoterFaceNumber { Errcode, IdentifyRet, IdentifyTime, FinishTime });

/// Borrow a text field (`field` is a `SoterFaceField` value): `*ptr`/`*len` point into `info`
/// (valid until it is freed; not NUL-terminated). Returns false (and writes nothing) when the
/// field is absent, `field` is not a `SoterFaceField` value, or info is NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_face_info_get(info: *const SoterFaceInfo, field: i32, ptr: *mut *const u8, len: *mut usize) -> bool {
    guard_value(false, || {
        let Some(i) = info.as_ref() else { return false };
        if ptr.is_null() || len.is_null() {
            return false;
        }
        let Ok(field) = SoterFaceField::from_c(field, "field") else { return false };
        let v: Option<&str> = match field {
            SoterFaceField::Errmsg => Some(i.0.errmsg.as_str()),
            SoterFaceField::ValidateData => i.0.validate_data.as_deref(),
            SoterFaceField::Openid => i.0.openid.as_deref(),
            SoterFaceField::UserIdKey => i.0.user_id_key.as_deref(),
            SoterFaceField::IdCardNumberMd5 => i.0.id_card_number_md5.as_deref(),
            SoterFaceField::NameUtf8Md5 => i.0.name_utf8_md5.as_deref(),
        };
        match v {
            Some(s) => {
                *ptr = s.as_ptr();
                *len = s.len();
                true
            }
            None => false,
        }
    })
}

/// Read a number field (`field` is a `SoterFaceNumber` value) into `*out`. Returns false when
/// absent, when `field` is not a `SoterFaceNumber` value, or info/out is NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_face_info_number(info: *const SoterFaceInfo, field: i32, out: *mut i64) -> bool {
    guard_value(false, || {
        let Some(i) = info.as_ref() else { return false };
        if out.is_null() {
            return false;
        }
        let Ok(field) = SoterFaceNumber::from_c(field, "field") else { return false };
        let v = match field {
            SoterFaceNumber::Errcode => Some(i.0.errcode),
            SoterFaceNumber::IdentifyRet => Some(i.0.identify_ret),
            SoterFaceNumber::IdentifyTime => i.0.identify_time,
            SoterFaceNumber::FinishTime => i.0.finish_time,
        };
        match v {
            Some(n) => {
                *out = n;
                true
            }
            None => false,
        }
    })
}

/// An identity document. Text is (pointer, length), UTF-8. `cert_type` NULL = "IDENTITY_CARD".
#[repr(C)]
pub struct SoterCertInfo {
    pub cert_type: *const u8,
    pub cert_type_len: usize,
    pub cert_name: *const u8,
    pub cert_name_len: usize,
    pub cert_no: *const u8,
    pub cert_no_len: usize,
}

pub(super) unsafe fn cert(c: *const SoterCertInfo) -> Result<CertInfo> {
    let c = handle(c, "cert")?;
    Ok(CertInfo {
        cert_type: opt_text(c.cert_type, c.cert_type_len, "cert_type")?.unwrap_or("IDENTITY_CARD").to_owned(),
        cert_name: text(c.cert_name, c.cert_name_len, "cert_name")?.to_owned(),
        cert_no: text(c.cert_no, c.cert_no_len, "cert_no")?.to_owned(),
    })
}

/// Length of a cert_hash (lowercase hex SHA-256), without the terminating NUL.
pub const SOTER_CERT_HASH_LEN: usize = 64;

/// The `cert_hash` of a document: lowercase hex SHA-256 of
/// `cert_type=B64&cert_name=B64&cert_no=B64`. Writes 64 characters and a NUL to `buf`
/// (`cap` at least 65). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_cert_hash(cert_info: *const SoterCertInfo, buf: *mut c_char, cap: usize, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let c = cert(cert_info)?;
        let buf = out_ptr(buf, "buf")?;
        if cap < SOTER_CERT_HASH_LEN + 1 {
            return Err(Error::arg("buf needs room for 65 bytes"));
        }
        let h = c.hash();
        std::ptr::copy_nonoverlapping(h.as_ptr().cast::<c_char>(), buf, SOTER_CERT_HASH_LEN);
        *buf.add(SOTER_CERT_HASH_LEN) = 0;
        Ok(())
    })
}

/// Start a face verification session (`getverifyid`). On success `*verify_id` receives a
/// NUL-terminated string (free with `soter_string_free`) and `*expires_in` (if not NULL) its
/// lifetime in seconds (-1 when WeChat gave none). Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_face_get_verify_id(
    client: *const SoterWechatClient,
    out_seq_no: *const u8,
    out_seq_no_len: usize,
    cert_info: *const SoterCertInfo,
    openid: *const u8,
    openid_len: usize,
    verify_id: *mut *mut c_char,
    expires_in: *mut i64,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let out = out_ptr(verify_id, "verify_id")?;
        let v = c.0.face_get_verify_id(text(out_seq_no, out_seq_no_len, "out_seq_no")?, &cert(cert_info)?, text(openid, openid_len, "openid")?)?;
        if !expires_in.is_null() {
            *expires_in = v.expires_in.unwrap_or(-1);
        }
        *out = into_c_string(&v.verify_id);
        Ok(())
    })
}

/// Named meaning of a `verify_ret`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoterVerifyOutcome {
    /// 10000.
    Passed = 0,
    /// 90002..90006.
    UserCancelled = 1,
    /// 90001, 90109.
    DeviceUnsupported = 2,
    /// 90007, 90012.
    NetworkError = 3,
    /// 90008..90010.
    PermissionDenied = 4,
    /// 90011, 90013, 90014.
    InvalidFaceData = 5,
    /// 90017, 90107.
    Timeout = 6,
    /// 90018, 90104..90106, 90110, 90199.
    SystemError = 7,
    /// Anything else.
    Other = 8,
}

impl From<VerifyOutcome> for SoterVerifyOutcome {
    fn from(o: VerifyOutcome) -> Self {
        match o {
            VerifyOutcome::Passed => SoterVerifyOutcome::Passed,
            VerifyOutcome::UserCancelled => SoterVerifyOutcome::UserCancelled,
            VerifyOutcome::DeviceUnsupported => SoterVerifyOutcome::DeviceUnsupported,
            VerifyOutcome::NetworkError => SoterVerifyOutcome::NetworkError,
            VerifyOutcome::PermissionDenied => SoterVerifyOutcome::PermissionDenied,
            VerifyOutcome::InvalidFaceData => SoterVerifyOutcome::InvalidFaceData,
            VerifyOutcome::Timeout => SoterVerifyOutcome::Timeout,
            VerifyOutcome::SystemError => SoterVerifyOutcome::SystemError,
            VerifyOutcome::Other => SoterVerifyOutcome::Other,
        }
    }
}

/// The result of `queryverifyinfo`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SoterVerifyInfo {
    /// WeChat's verify_ret (10000 = passed).
    pub verify_ret: i64,
    pub outcome: SoterVerifyOutcome,
    /// True only for errcode 0 and verify_ret 10000.
    pub passed: bool,
}

/// The result of a face verification session (`queryverifyinfo`); the library computes
/// cert_hash from `cert_info` (the document given to getverifyid). On success writes `*out`.
/// Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_face_query_verify_info(
    client: *const SoterWechatClient,
    verify_id: *const u8,
    verify_id_len: usize,
    out_seq_no: *const u8,
    out_seq_no_len: usize,
    cert_info: *const SoterCertInfo,
    openid: *const u8,
    openid_len: usize,
    out: *mut SoterVerifyInfo,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let v = c.0.face_query_verify_info(
            text(verify_id, verify_id_len, "verify_id")?,
            text(out_seq_no, out_seq_no_len, "out_seq_no")?,
            &cert(cert_info)?,
            text(openid, openid_len, "openid")?,
        )?;
        *out = SoterVerifyInfo { verify_ret: v.verify_ret, outcome: v.outcome.into(), passed: v.passed() };
        Ok(())
    })
}

/// The name of an outcome, e.g. "user_cancelled"; "unknown" for a value that is not one.
/// Static string: do not free.
#[no_mangle]
pub extern "C" fn soter_verify_outcome_name(outcome: i32) -> *const c_char {
    let s: &'static str = match outcome {
        0 => "passed\0",
        1 => "user_cancelled\0",
        2 => "device_unsupported\0",
        3 => "network_error\0",
        4 => "permission_denied\0",
        5 => "invalid_face_data\0",
        6 => "timeout\0",
        7 => "system_error\0",
        8 => "other\0",
        _ => "unknown\0",
    };
    s.as_ptr().cast()
}

/// Native-app SOTER `verify_ask`: WeChat checks a classic ASK (the ASK export JSON a device
/// uploaded and its ATTK signature, exactly as received, still base64). The JSON is parsed and its
/// `pub_key` loaded before the call (`SOTER_STATUS_INVALID_JSON`/`SOTER_STATUS_INVALID_KEY` without
/// a request). On success `*out` receives the ASK (free with `soter_ask_free`); store it by device
/// and pass it to `soter_verify_auth_key_with_ask`. WeChat's `is_verified: false` gives
/// `SOTER_STATUS_SIGNATURE_INVALID`; other errcodes `SOTER_STATUS_WECHAT_API`. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_soter_verify_ask(
    client: *const SoterWechatClient,
    ask_json: *const u8,
    ask_json_len: usize,
    ask_json_signature: *const u8,
    ask_json_signature_len: usize,
    out: *mut *mut super::SoterAsk,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let ask = c.0.soter_verify_ask(
            text(ask_json, ask_json_len, "ask_json")?,
            text(ask_json_signature, ask_json_signature_len, "ask_json_signature")?,
        )?;
        *out = into_handle(super::SoterAsk(ask));
        Ok(())
    })
}

/// Native-app SOTER `is_support`: whether the phone model `model_key` supports SOTER. On
/// success `*is_support` and `*support_type` (0 none, 1 fingerprint, 2 face, 3 both) are written.
/// Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_wechat_soter_is_support(
    client: *const SoterWechatClient,
    model_key: *const u8,
    model_key_len: usize,
    is_support: *mut bool,
    support_type: *mut u32,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let c = handle(client, "client")?;
        let (is_support, support_type) = (out_ptr(is_support, "is_support")?, out_ptr(support_type, "support_type")?);
        let (s, t) = c.0.soter_is_support(text(model_key, model_key_len, "model_key")?)?;
        *is_support = s;
        *support_type = t;
        Ok(())
    })
}
