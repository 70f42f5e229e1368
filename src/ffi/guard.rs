//! C ABI for the ReplayGuard: single-use challenges and rising counters, in memory or on Redis.

// The safety contract of every export is the header's: pointers are NULL or valid for the
// given length, handles are live, out-parameters writable (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;
use std::time::Duration;

use super::wechat::{cert, SoterCertInfo, SoterFaceInfo, SoterVerifyInfo};
use super::{
    bytes, free_handle, guard, guard_value, handle, into_c_string, into_handle, opt_text, out_ptr, text, write_c_string,
    SoterError, SoterKey, SoterResultJson, SoterStatus, SoterWechatClient, SOTER_CHALLENGE_LEN,
};
use crate::error::{Error, Result};
use crate::guard::{MemoryOptions, RedisOptions, ReplayGuard, SentinelOptions, DEFAULT_FACE_MAX_AGE, DEFAULT_FACE_TTL};

/// Default of `SoterGuardOptions.max_challenges`: pending challenges an in-memory guard holds.
pub const SOTER_GUARD_DEFAULT_MAX_CHALLENGES: u64 = 100_000;
/// Default of `SoterGuardOptions.max_devices`: devices whose counter an in-memory guard keeps.
pub const SOTER_GUARD_DEFAULT_MAX_DEVICES: u64 = 1_000_000;
/// Default of `SoterGuardOptions.timeout_ms`: the bound of one whole Redis guard call.
pub const SOTER_GUARD_DEFAULT_TIMEOUT_MS: u32 = 1000;
/// Largest `SoterGuardOptions.timeout_ms` (one hour): larger is refused as a likely unit mistake.
pub const SOTER_GUARD_MAX_TIMEOUT_MS: u32 = 3_600_000;
/// Default of `SoterGuardOptions.max_challenges_per_subject`.
pub const SOTER_GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT: u32 = 16;
const _: () = assert!(SOTER_GUARD_DEFAULT_MAX_CHALLENGES == crate::guard::DEFAULT_MAX_CHALLENGES as u64);
const _: () = assert!(SOTER_GUARD_DEFAULT_MAX_DEVICES == crate::guard::DEFAULT_MAX_DEVICES as u64);
const _: () = assert!(crate::guard::DEFAULT_TIMEOUT.as_millis() == SOTER_GUARD_DEFAULT_TIMEOUT_MS as u128);
const _: () = assert!(crate::guard::MAX_TIMEOUT.as_millis() == SOTER_GUARD_MAX_TIMEOUT_MS as u128);
const _: () = assert!(crate::guard::DEFAULT_MAX_CHALLENGES_PER_SUBJECT == SOTER_GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT);
/// Default `max_age_s` of `soter_replay_guard_face_get_info` (0 means it): 10 minutes.
pub const SOTER_GUARD_DEFAULT_FACE_MAX_AGE_S: u32 = 600;
/// Default `ttl_s` of `soter_replay_guard_face_start` (0 means it): an hour.
pub const SOTER_GUARD_DEFAULT_FACE_TTL_S: u32 = 3600;
const _: () = assert!(DEFAULT_FACE_MAX_AGE.as_secs() == SOTER_GUARD_DEFAULT_FACE_MAX_AGE_S as u64);
const _: () = assert!(DEFAULT_FACE_TTL.as_secs() == SOTER_GUARD_DEFAULT_FACE_TTL_S as u64);

/// Single-use challenges and rising counters, in memory (one process) or on Redis (shared by
/// every server). Thread-safe: share one per application. Free with `soter_replay_guard_free`
/// after every call on it has returned. Its description never shows a password.
pub struct SoterReplayGuard(ReplayGuard);

/// Guard settings. A zeroed struct (or `soter_guard_options_init`) means every default.
/// Read during the `_new` call only.
#[repr(C)]
pub struct SoterGuardOptions {
    /// Redis: key prefix (NULL = "soter:"); no braces.
    pub prefix: *const u8,
    pub prefix_len: usize,
    /// Redis: the bound of one whole call in ms (connect, Sentinel discovery, retry, script,
    /// WAIT; 0 = 1000, at most 3600000). After a call fails for want of Redis, calls fail at
    /// once while one call at a time checks whether it is back.
    pub timeout_ms: u32,
    /// Redis `rediss://`: PEM root certificate(s) to trust instead of the system store (NULL = system).
    pub tls_ca_pem: *const u8,
    pub tls_ca_pem_len: usize,
    /// Memory: pending challenges held at most (0 = 100000); when full (after dropping expired
    /// ones) issuing fails with `SOTER_STATUS_STORE_UNAVAILABLE`.
    pub max_challenges: u64,
    /// Memory: devices whose last counter is kept (0 = 1000000); at the bound the least recently
    /// accepted sixteenth is forgotten.
    pub max_devices: u64,
    /// Redis: replicas that must acknowledge a consumed challenge (`WAIT`) before it counts as
    /// accepted (0 = do not wait); fewer gives `SOTER_STATUS_STORE_UNAVAILABLE` (fail closed).
    pub wait_replicas: u32,
    /// Every store: pending challenges per subject (0 = 16, at most 1024); issuing past it drops
    /// that subject's oldest.
    pub max_challenges_per_subject: u32,
}

/// How to reach the master Redis Sentinel names. Text is (pointer, length); NULL = none.
/// A zeroed struct means no passwords and database 0. Read during the `_new` call only.
#[repr(C)]
pub struct SoterSentinelOptions {
    /// The master's password, if any.
    pub password: *const u8,
    pub password_len: usize,
    /// The Sentinels' own password, if any.
    pub sentinel_password: *const u8,
    pub sentinel_password_len: usize,
    /// The database on the master.
    pub db: i64,
}

/// Who a result must belong to. Text is (pointer, length), UTF-8.
#[repr(C)]
pub struct SoterGuardSubject {
    /// The user the challenge was issued to (required, at most 1024 bytes).
    pub subject: *const u8,
    pub subject_len: usize,
    /// The device's cpu_id as stored with its AuthKey, or NULL to skip the check.
    pub cpu_id: *const u8,
    pub cpu_id_len: usize,
    /// The uid as stored with the AuthKey, or NULL to skip the check.
    pub uid: *const u8,
    pub uid_len: usize,
}

/// Fill `opts` with the defaults (all zero / NULL). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_guard_options_init(opts: *mut SoterGuardOptions) {
    guard_value((), || {
        if !opts.is_null() {
            opts.write(SoterGuardOptions {
                prefix: std::ptr::null(),
                prefix_len: 0,
                timeout_ms: 0,
                tls_ca_pem: std::ptr::null(),
                tls_ca_pem_len: 0,
                max_challenges: 0,
                max_devices: 0,
                wait_replicas: 0,
                max_challenges_per_subject: 0,
            })
        }
    })
}

unsafe fn redis_options(opts: *const SoterGuardOptions) -> Result<RedisOptions> {
    let mut o = RedisOptions::default();
    if let Some(opts) = opts.as_ref() {
        if let Some(p) = opt_text(opts.prefix, opts.prefix_len, "prefix")? {
            o.prefix = p.to_owned();
        }
        if opts.timeout_ms != 0 {
            o.timeout = Duration::from_millis(opts.timeout_ms.into());
        }
        if !opts.tls_ca_pem.is_null() {
            o.tls_ca_pem = Some(bytes(opts.tls_ca_pem, opts.tls_ca_pem_len, "tls_ca_pem")?.to_vec());
        }
        o.wait_replicas = opts.wait_replicas;
        if opts.max_challenges_per_subject != 0 {
            o.max_challenges_per_subject = opts.max_challenges_per_subject;
        }
    }
    Ok(o)
}

unsafe fn url_list<'a>(urls: *const *const u8, url_lens: *const usize, count: usize, what: &str) -> Result<Vec<&'a str>> {
    if count == 0 || urls.is_null() || url_lens.is_null() {
        return Err(Error::arg(format!("{what} needs at least one URL (urls, url_lens, count)")));
    }
    let (ptrs, lens) = (std::slice::from_raw_parts(urls, count), std::slice::from_raw_parts(url_lens, count));
    ptrs.iter().zip(lens).map(|(&p, &l)| text(p, l, "urls[i]")).collect()
}

fn bound(value: u64, default: usize) -> usize {
    match value {
        0 => default,
        v => usize::try_from(v).unwrap_or(usize::MAX),
    }
}

/// An in-memory guard (one process). `opts` may be NULL. On success `*out` receives a new guard.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_new_memory(
    opts: *const SoterGuardOptions,
    out: *mut *mut SoterReplayGuard,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let mut m = MemoryOptions::default();
        if let Some(o) = opts.as_ref() {
            m.max_challenges = bound(o.max_challenges, m.max_challenges);
            m.max_devices = bound(o.max_devices, m.max_devices);
            if o.max_challenges_per_subject != 0 {
                m.max_challenges_per_subject = o.max_challenges_per_subject;
            }
        }
        *out = into_handle(SoterReplayGuard(ReplayGuard::memory(m)?));
        Ok(())
    })
}

/// A guard on one Redis server: `redis://[user:password@]host[:port][/db]`, or `rediss://` for
/// TLS. Connects on first use (a Redis that cannot be reached then gives
/// `SOTER_STATUS_STORE_UNAVAILABLE`); a URL that cannot be used gives `SOTER_STATUS_CONFIG`.
/// `opts` may be NULL. On success `*out` receives a new guard.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_new_redis(
    url: *const u8,
    url_len: usize,
    opts: *const SoterGuardOptions,
    out: *mut *mut SoterReplayGuard,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let g = ReplayGuard::redis(text(url, url_len, "url")?, &redis_options(opts)?)?;
        *out = into_handle(SoterReplayGuard(g));
        Ok(())
    })
}

/// A guard on a Redis Cluster, from `count` node URLs (`urls[i]`, `url_lens[i]`). The first
/// URL's password and TLS mode apply to every node. As for `soter_replay_guard_new_redis`.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_new_redis_cluster(
    urls: *const *const u8,
    url_lens: *const usize,
    count: usize,
    opts: *const SoterGuardOptions,
    out: *mut *mut SoterReplayGuard,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let nodes = url_list(urls, url_lens, count, "a Redis Cluster")?;
        let g = ReplayGuard::redis_cluster(&nodes, &redis_options(opts)?)?;
        *out = into_handle(SoterReplayGuard(g));
        Ok(())
    })
}

/// A guard on the master that Redis Sentinel names for `service_name`, from `count` Sentinel
/// URLs (`urls[i]`, `url_lens[i]`: `redis://host:26379`, or `rediss://` for TLS to the
/// Sentinels and the master). After a failover the same guard follows the new master. `sopts`
/// and `opts` may be NULL. Errors as for `soter_replay_guard_new_redis`.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_new_redis_sentinel(
    urls: *const *const u8,
    url_lens: *const usize,
    count: usize,
    service_name: *const u8,
    service_name_len: usize,
    sopts: *const SoterSentinelOptions,
    opts: *const SoterGuardOptions,
    out: *mut *mut SoterReplayGuard,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let sentinels = url_list(urls, url_lens, count, "Redis Sentinel")?;
        let mut s = SentinelOptions::default();
        if let Some(o) = sopts.as_ref() {
            s.password = opt_text(o.password, o.password_len, "password")?.map(str::to_owned);
            s.sentinel_password = opt_text(o.sentinel_password, o.sentinel_password_len, "sentinel_password")?.map(str::to_owned);
            s.db = o.db;
        }
        let g = ReplayGuard::redis_sentinel(&sentinels, text(service_name, service_name_len, "service_name")?, &s, &redis_options(opts)?)?;
        *out = into_handle(SoterReplayGuard(g));
        Ok(())
    })
}

/// One round trip to the guard's store (always OK in memory): what a readiness probe calls.
/// `SOTER_STATUS_STORE_UNAVAILABLE` when Redis does not answer within the timeout. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_ping(g: *const SoterReplayGuard, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || handle(g, "guard")?.0.ping())
}

/// Free a guard. NULL is a no-op. No call on it may be in flight.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_free(g: *mut SoterReplayGuard) {
    guard_value((), || free_handle(g))
}

/// The guard's store as text, e.g. `RedisStore { url: "redis://***@127.0.0.1:6379/0", ... }`
/// (passwords replaced). On success `*out` receives a string to free with `soter_string_free`
/// and `*out_len` (if not NULL) its length.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_describe(
    g: *const SoterReplayGuard,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let out = out_ptr(out, "out")?;
        write_c_string(&format!("{:?}", g.0), out, out_len);
        Ok(())
    })
}

/// Issue a challenge for `subject`, valid `ttl_ms` milliseconds (1 to 86400000) and for one
/// authentication: writes it (43 characters) and a NUL into `buf` (`cap` at least
/// `SOTER_CHALLENGE_LEN + 1`), and 43 to `*out_len` if not NULL. A full in-memory guard or an
/// unreachable Redis gives `SOTER_STATUS_STORE_UNAVAILABLE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_issue_challenge(
    g: *const SoterReplayGuard,
    subject: *const u8,
    subject_len: usize,
    ttl_ms: u64,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let buf = out_ptr(buf, "buf")?;
        if cap < SOTER_CHALLENGE_LEN + 1 {
            return Err(Error::arg(format!("buf holds {cap} bytes; a challenge needs {}", SOTER_CHALLENGE_LEN + 1)));
        }
        let c = g.0.issue_challenge(text(subject, subject_len, "subject")?, Duration::from_millis(ttl_ms))?;
        std::ptr::copy_nonoverlapping(c.as_ptr(), buf.cast::<u8>(), c.len());
        *buf.add(c.len()) = 0;
        if !out_len.is_null() {
            *out_len = c.len();
        }
        Ok(())
    })
}

struct Who<'a> {
    subject: &'a str,
    cpu_id: Option<&'a str>,
    uid: Option<&'a str>,
}

unsafe fn who<'a>(w: *const SoterGuardSubject) -> Result<Who<'a>> {
    let w = handle(w, "subject")?;
    Ok(Who {
        subject: text(w.subject, w.subject_len, "subject.subject")?,
        cpu_id: opt_text(w.cpu_id, w.cpu_id_len, "subject.cpu_id")?,
        uid: opt_text(w.uid, w.uid_len, "subject.uid")?,
    })
}

unsafe fn write_result(result: crate::ResultJson, out: *mut *mut SoterResultJson) {
    if !out.is_null() {
        *out = into_handle(SoterResultJson(result));
    }
}

/// Verify a result for `who`: the signature first (failure touches no state), then in one
/// atomic store step the challenge (consumed by the first validly signed result presenting it),
/// the device (`cpu_id`/`uid` when given) and the counter (strictly above the last accepted for
/// this device, then stored). Returns `SOTER_STATUS_OK` and, if `out` is not NULL, the parsed
/// result (free with `soter_result_json_free`); or `SOTER_STATUS_SIGNATURE_INVALID`,
/// `_CHALLENGE_MISMATCH` (unknown, expired, used or another subject's), `_DEVICE_MISMATCH`,
/// `_COUNTER_REPLAY`, `_STORE_UNAVAILABLE` (fails closed), or an input error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_authenticate(
    g: *const SoterReplayGuard,
    key: *const SoterKey,
    result_json: *const u8,
    result_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    subject: *const SoterGuardSubject,
    out: *mut *mut SoterResultJson,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let key = handle(key, "key")?;
        let w = who(subject)?;
        let r = g.0.authenticate(
            &key.0,
            bytes(result_json, result_json_len, "result_json")?,
            bytes(signature, signature_len, "signature")?,
            w.subject,
            w.cpu_id,
            w.uid,
        )?;
        write_result(r, out);
        Ok(())
    })
}

/// The state step alone, for a result whose signature was verified elsewhere (never on an
/// unverified one: see `soter_replay_guard_authenticate_via_wechat`). Results as for
/// `soter_replay_guard_authenticate`, without the signature check. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_accept(
    g: *const SoterReplayGuard,
    result_json: *const u8,
    result_json_len: usize,
    subject: *const SoterGuardSubject,
    out: *mut *mut SoterResultJson,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let w = who(subject)?;
        let r = g.0.accept(bytes(result_json, result_json_len, "result_json")?, w.subject, w.cpu_id, w.uid)?;
        write_result(r, out);
        Ok(())
    })
}

/// The mini-program path: WeChat's verify_signature for `openid` first (is_ok false gives
/// `SOTER_STATUS_SIGNATURE_INVALID` and touches no state; WeChat errors as for
/// `soter_wechat_soter_verify_signature`), then the state step. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_authenticate_via_wechat(
    g: *const SoterReplayGuard,
    client: *const SoterWechatClient,
    openid: *const u8,
    openid_len: usize,
    result_json: *const u8,
    result_json_len: usize,
    signature: *const u8,
    signature_len: usize,
    subject: *const SoterGuardSubject,
    out: *mut *mut SoterResultJson,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let client = handle(client, "client")?;
        let w = who(subject)?;
        let r = g.0.authenticate_via_wechat(
            &client.0,
            text(openid, openid_len, "openid")?,
            text(result_json, result_json_len, "result_json")?,
            text(signature, signature_len, "signature")?,
            w.subject,
            w.cpu_id,
            w.uid,
        )?;
        write_result(r, out);
        Ok(())
    })
}

/// The last counter accepted for (subject, cpu_id, uid): on success `*found` says whether there
/// is one and, when there is, `*counter` receives it (left alone otherwise). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_last_counter(
    g: *const SoterReplayGuard,
    subject: *const u8,
    subject_len: usize,
    cpu_id: *const u8,
    cpu_id_len: usize,
    uid: *const u8,
    uid_len: usize,
    found: *mut bool,
    counter: *mut u64,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let (found, counter) = (out_ptr(found, "found")?, out_ptr(counter, "counter")?);
        let last = g.0.last_counter(
            text(subject, subject_len, "subject")?,
            text(cpu_id, cpu_id_len, "cpu_id")?,
            text(uid, uid_len, "uid")?,
        )?;
        *found = last.is_some();
        if let Some(c) = last {
            *counter = c;
        }
        Ok(())
    })
}

fn secs_or(value: u32, default: u32) -> Duration {
    Duration::from_secs(u64::from(if value == 0 { default } else { value }))
}

/// Legacy face verification used once and bound to the user: the `verify_result` ticket is
/// marked used in the guard's store first (a second use on any server sharing the store gives
/// `SOTER_STATUS_CHALLENGE_MISMATCH` without a WeChat call; a ticket whose call failed stays
/// used), then `getinfo`: its openid must be `subject` (`_CHALLENGE_MISMATCH` otherwise),
/// identify_ret 0 and identify_time at most `max_age_s` seconds old (0 = 600, at most 86400;
/// `_SIGNATURE_INVALID` otherwise, naming the reason). On success `*out` receives the result
/// (free with `soter_face_info_free`); check the person with `soter_face_info_matches_person`.
/// `_STORE_UNAVAILABLE` when the store cannot confirm (fails closed). Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_face_get_info(
    g: *const SoterReplayGuard,
    client: *const SoterWechatClient,
    verify_result: *const u8,
    verify_result_len: usize,
    subject: *const u8,
    subject_len: usize,
    max_age_s: u32,
    out: *mut *mut SoterFaceInfo,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let client = handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let info = g.0.face_get_info(
            &client.0,
            text(verify_result, verify_result_len, "verify_result")?,
            text(subject, subject_len, "subject")?,
            secs_or(max_age_s, SOTER_GUARD_DEFAULT_FACE_MAX_AGE_S),
        )?;
        *out = SoterFaceInfo::into_raw(info);
        Ok(())
    })
}

/// Start a face verification session (`getverifyid`) for `subject` (the openid) with
/// `cert_info`, and record it in the guard's store for `ttl_s` seconds (0 = 3600, at most
/// 86400; shortened to WeChat's expires_in) under the per-subject bound. `out_seq_no` NULL
/// generates one. On success `*verify_id` receives a NUL-terminated string (free with
/// `soter_string_free`) and `*expires_in` (if not NULL) WeChat's lifetime in seconds (-1 when it
/// gave none). Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_face_start(
    g: *const SoterReplayGuard,
    client: *const SoterWechatClient,
    subject: *const u8,
    subject_len: usize,
    cert_info: *const SoterCertInfo,
    out_seq_no: *const u8,
    out_seq_no_len: usize,
    ttl_s: u32,
    verify_id: *mut *mut c_char,
    expires_in: *mut i64,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let client = handle(client, "client")?;
        let out = out_ptr(verify_id, "verify_id")?;
        let v = g.0.face_start(
            &client.0,
            text(subject, subject_len, "subject")?,
            &cert(cert_info)?,
            opt_text(out_seq_no, out_seq_no_len, "out_seq_no")?,
            secs_or(ttl_s, SOTER_GUARD_DEFAULT_FACE_TTL_S),
        )?;
        if !expires_in.is_null() {
            *expires_in = v.expires_in.unwrap_or(-1);
        }
        *out = into_c_string(&v.verify_id);
        Ok(())
    })
}

/// Finish a face session (`queryverifyinfo`): `verify_id` must be one
/// `soter_replay_guard_face_start` issued to `subject` on this guard's store, unexpired and
/// unused, and `cert_info` the document it was started with (`SOTER_STATUS_CHALLENGE_MISMATCH`
/// otherwise); WeChat is asked with the recorded out_seq_no and verify_ret must be 10000
/// (`_SIGNATURE_INVALID` otherwise, naming the outcome). The session is used up by the first
/// call that gets WeChat's answer; one that got none (`_NETWORK`, `_TIMEOUT`, `_TOKEN`) leaves
/// it usable. On success writes `*out`. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_replay_guard_face_finish(
    g: *const SoterReplayGuard,
    client: *const SoterWechatClient,
    verify_id: *const u8,
    verify_id_len: usize,
    subject: *const u8,
    subject_len: usize,
    cert_info: *const SoterCertInfo,
    out: *mut SoterVerifyInfo,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let g = handle(g, "guard")?;
        let client = handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let v = g.0.face_finish(
            &client.0,
            text(verify_id, verify_id_len, "verify_id")?,
            text(subject, subject_len, "subject")?,
            &cert(cert_info)?,
        )?;
        *out = SoterVerifyInfo { verify_ret: v.verify_ret, outcome: v.outcome.into(), passed: v.passed() };
        Ok(())
    })
}
