//! ReplayGuard: the state that makes a SOTER result mean something. A valid signature proves the
//! device's key signed `raw`; only the server's own record proves `raw` is a challenge it issued
//! to this user, not used yet and not expired, and that the device's counter rose.
//!
//! The guard issues challenges per subject (your user id) and, per authentication, runs the
//! stateless checks first (signature, parse: nothing is touched when they fail) and then one
//! atomic step of its [`Store`]: consume the challenge, check the device, advance the counter.
//! Stores: [`MemoryStore`] (one process, bounded) and [`RedisStore`] (every server of a backend
//! shares one Redis, standalone or Cluster; one script call per authentication).
//!
//! Face verification results get the same discipline ([`ReplayGuard::face_get_info`],
//! [`ReplayGuard::face_start`], [`ReplayGuard::face_finish`]): used once, bound to the subject.
//!
//! ```no_run
//! use std::time::Duration;
//! use soter_verify::guard::ReplayGuard;
//! # fn main() -> Result<(), soter_verify::Error> {
//! # let (key, result_json, signature) = (soter_verify::PublicKey::load(b"")?, b"", b"");
//! let guard = ReplayGuard::new();                       // or ReplayGuard::redis(url, &options)?
//! let challenge = guard.issue_challenge("user-42", Duration::from_secs(300))?;
//! // ... the mini-program signs it; the result comes back ...
//! let result = guard.authenticate(&key, result_json, signature, "user-42", Some("cpu id"), Some("uid"))?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use crate::authenticate::{check_device, verify_result};
use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::pss::SaltLen;
use crate::result_json::ResultJson;
use crate::wechat::WeChatClient;

mod face;
mod memory;
mod redis;

pub use face::{DEFAULT_FACE_MAX_AGE, DEFAULT_FACE_TTL, TICKET_MARGIN};

pub use memory::{MemoryOptions, MemoryStore, DEFAULT_MAX_CHALLENGES, DEFAULT_MAX_DEVICES};
pub use redis::{RedisOptions, RedisStore, SentinelOptions, DEFAULT_PREFIX, DEFAULT_TIMEOUT, MAX_TIMEOUT};

/// Default bound on one subject's pending challenges (every store): issuing past it drops that
/// subject's oldest, so one user can neither fill the store nor lock anyone else out.
pub const DEFAULT_MAX_CHALLENGES_PER_SUBJECT: u32 = 16;
/// Largest `max_challenges_per_subject` accepted.
pub const MAX_CHALLENGES_PER_SUBJECT: u32 = 1024;

/// Longest subject (user id) accepted, in bytes.
pub const MAX_SUBJECT: usize = 1024;
/// Longest challenge lifetime accepted.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// One atomic state step: everything the store needs to decide, for one result whose signature
/// (or WeChat's verification) already passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step<'a> {
    /// Whose challenge it must be.
    pub subject: &'a str,
    /// The signed `raw`.
    pub challenge: &'a str,
    /// The signed device identity: counters are kept per (subject, cpu_id, uid).
    pub cpu_id: &'a str,
    pub uid: &'a str,
    /// The signed counter.
    pub counter: u64,
    /// False when the caller's cpu_id/uid expectations failed: the challenge is still consumed,
    /// the counter is left alone, and the verdict is [`Verdict::DeviceMismatch`].
    pub device_ok: bool,
}

/// What the store decided, in this order: challenge, device, counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Challenge consumed, counter advanced to the result's.
    Accepted,
    /// No pending challenge `raw` for this subject: unknown, expired, used, or another subject's.
    UnknownChallenge,
    /// Challenge consumed; the device is not the expected one.
    DeviceMismatch,
    /// Challenge consumed; the counter is not above `last`, the last one accepted.
    CounterNotAbove { last: u64 },
}

/// Where a guard keeps challenges and counters. Implementations must make [`Store::consume`]
/// atomic (two results presenting one challenge at once: exactly one sees it) and fail closed
/// (any doubt is an `Err` of kind `StoreUnavailable`, never a verdict).
pub trait Store: Send + Sync + fmt::Debug {
    /// Record `challenge` as pending for `subject` for `ttl`.
    fn issue(&self, subject: &str, challenge: &str, ttl: Duration) -> Result<()>;
    /// Consume the challenge (if it is the subject's, pending and unexpired), then check the
    /// device, then advance the counter when it is strictly greater than the last one.
    fn consume(&self, step: &Step<'_>) -> Result<Verdict>;
    /// The last counter accepted for this subject and device.
    fn last_counter(&self, subject: &str, cpu_id: &str, uid: &str) -> Result<Option<u64>>;
    /// Whether the store answers (one round trip for a remote store); `StoreUnavailable` if not.
    fn ping(&self) -> Result<()> {
        Ok(())
    }
    /// Mark a legacy face ticket used, given its SHA-256 (the ticket itself is a bearer
    /// credential and is never stored), for `ttl`: true the first time, false when any subject
    /// on any server sharing the store marked it before. Atomic, like [`Store::consume`].
    /// The default (a store written before face steps existed) fails closed.
    fn use_ticket(&self, ticket_sha256: &[u8; 32], ttl: Duration) -> Result<bool> {
        let _ = (ticket_sha256, ttl);
        Err(no_face_steps())
    }
    /// Record a face session (`verify_id`'s SHA-256 in hex as `session`, `record` what must be
    /// checked at the end) for `subject` for `ttl`, under the same per-subject bound as
    /// challenges (the subject's oldest dropped first).
    fn face_record(&self, subject: &str, session: &str, record: &str, ttl: Duration) -> Result<()> {
        let _ = (subject, session, record, ttl);
        Err(no_face_steps())
    }
    /// Atomically take the subject's session: `Some` (its record and the time it had left)
    /// once, `None` when it is unknown, expired, taken or another subject's.
    fn face_take(&self, subject: &str, session: &str) -> Result<Option<FaceSession>> {
        let _ = (subject, session);
        Err(no_face_steps())
    }
}

/// A face session taken from a store by [`Store::face_take`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceSession {
    /// What [`Store::face_record`] recorded.
    pub record: String,
    /// How long it had left to live when taken (a put-back keeps the original expiry).
    pub left: Duration,
}

fn no_face_steps() -> Error {
    Error::new(ErrorKind::StoreUnavailable, "this guard's store does not implement the face steps (use_ticket, face_record, face_take)")
}

/// A shared store (e.g. an `Arc<MemoryStore>` kept to read its counts) is a store.
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn issue(&self, subject: &str, challenge: &str, ttl: Duration) -> Result<()> {
        (**self).issue(subject, challenge, ttl)
    }
    fn consume(&self, step: &Step<'_>) -> Result<Verdict> {
        (**self).consume(step)
    }
    fn last_counter(&self, subject: &str, cpu_id: &str, uid: &str) -> Result<Option<u64>> {
        (**self).last_counter(subject, cpu_id, uid)
    }
    fn ping(&self) -> Result<()> {
        (**self).ping()
    }
    fn use_ticket(&self, ticket_sha256: &[u8; 32], ttl: Duration) -> Result<bool> {
        (**self).use_ticket(ticket_sha256, ttl)
    }
    fn face_record(&self, subject: &str, session: &str, record: &str, ttl: Duration) -> Result<()> {
        (**self).face_record(subject, session, record, ttl)
    }
    fn face_take(&self, subject: &str, session: &str) -> Result<Option<FaceSession>> {
        (**self).face_take(subject, session)
    }
}

/// Single-use challenges and rising counters in front of [`crate::authenticate`]. Thread-safe:
/// build one per application and share it.
#[derive(Debug)]
pub struct ReplayGuard {
    store: Box<dyn Store>,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        ReplayGuard::new()
    }
}

impl ReplayGuard {
    /// An in-memory guard with the default bounds (one process only).
    pub fn new() -> ReplayGuard {
        ReplayGuard::with_store(MemoryStore::default())
    }

    /// An in-memory guard with the given bounds (each at least 1: `InvalidArgument` otherwise).
    pub fn memory(options: MemoryOptions) -> Result<ReplayGuard> {
        Ok(ReplayGuard::with_store(MemoryStore::new(options)?))
    }

    /// A guard on one Redis server: `redis://[user:password@]host[:port][/db]` or `rediss://`
    /// (TLS, system root certificates). Connects on first use; a bad URL is `Config`.
    pub fn redis(url: &str, options: &RedisOptions) -> Result<ReplayGuard> {
        Ok(ReplayGuard::with_store(RedisStore::standalone(url, options)?))
    }

    /// A guard on a Redis Cluster, given some of its nodes' URLs.
    pub fn redis_cluster<S: AsRef<str>>(nodes: &[S], options: &RedisOptions) -> Result<ReplayGuard> {
        Ok(ReplayGuard::with_store(RedisStore::cluster(nodes, options)?))
    }

    /// A guard on the master that Redis Sentinel names for `service_name`, given some Sentinels'
    /// URLs (`redis://host:26379`; `rediss://` for TLS to the Sentinels and the master). After a
    /// failover the same guard follows the new master (asked again on a connection error or
    /// `READONLY`). Set `wait_replicas` so that what was accepted survives the failover.
    pub fn redis_sentinel<S: AsRef<str>>(
        sentinels: &[S],
        service_name: &str,
        sentinel: &SentinelOptions,
        options: &RedisOptions,
    ) -> Result<ReplayGuard> {
        Ok(ReplayGuard::with_store(RedisStore::sentinel(sentinels, service_name, sentinel, options)?))
    }

    /// Whether the store answers: one round trip on Redis (what a readiness probe calls), always
    /// true in memory. `StoreUnavailable` when it does not answer within the timeout.
    pub fn ping(&self) -> Result<()> {
        self.store.ping()
    }

    /// A guard on your own store.
    pub fn with_store(store: impl Store + 'static) -> ReplayGuard {
        ReplayGuard { store: Box::new(store) }
    }

    /// A fresh challenge ([`crate::new_challenge`]) recorded for `subject`, valid for `ttl`
    /// (1 ms to 24 h) and for one authentication.
    pub fn issue_challenge(&self, subject: &str, ttl: Duration) -> Result<String> {
        check_subject(subject)?;
        if ttl < Duration::from_millis(1) || ttl > MAX_TTL {
            return Err(Error::arg(format!("ttl {ttl:?} is outside 1 ms to 24 h")));
        }
        let challenge = crate::new_challenge()?;
        self.store.issue(subject, &challenge, ttl)?;
        Ok(challenge)
    }

    /// Verify a result end to end for `subject`: the signature first (a failure touches no
    /// state), then in one atomic store step the challenge (consumed by the first validly signed
    /// result that presents it, whatever follows), the device (`cpu_id`/`uid` when given) and
    /// the counter (strictly above the last accepted for this device, then stored).
    /// Errors: `SignatureInvalid`, `ChallengeMismatch`, `DeviceMismatch`, `CounterReplay`,
    /// `StoreUnavailable`, or an input error.
    pub fn authenticate(
        &self,
        key: &PublicKey,
        result_json: &[u8],
        signature: &[u8],
        subject: &str,
        cpu_id: Option<&str>,
        uid: Option<&str>,
    ) -> Result<ResultJson> {
        let verdict = check_subject(subject)
            .and_then(|()| verify_result(crate::Backend::default(), key, result_json, signature, SaltLen::Default))
            .and_then(|parsed| self.step(parsed, subject, cpu_id, uid));
        crate::log::refused("ReplayGuard authenticate", verdict)
    }

    /// The state step alone, for a result whose signature was verified elsewhere. Never call it
    /// on a result nobody verified: prefer [`ReplayGuard::authenticate_via_wechat`] for the
    /// mini-program path.
    pub fn accept(&self, result_json: &[u8], subject: &str, cpu_id: Option<&str>, uid: Option<&str>) -> Result<ResultJson> {
        let verdict = check_subject(subject)
            .and_then(|()| ResultJson::parse(result_json))
            .and_then(|parsed| self.step(parsed, subject, cpu_id, uid));
        crate::log::refused("ReplayGuard accept", verdict)
    }

    /// The mini-program path in one call: WeChat's `verify_signature` first (is_ok false is
    /// `SignatureInvalid` and touches no state), then the state step.
    #[allow(clippy::too_many_arguments)]
    pub fn authenticate_via_wechat(
        &self,
        client: &WeChatClient,
        openid: &str,
        result_json: &str,
        signature: &str,
        subject: &str,
        cpu_id: Option<&str>,
        uid: Option<&str>,
    ) -> Result<ResultJson> {
        let verdict = check_subject(subject)
            .and_then(|()| match client.soter_verify_signature(openid, result_json, signature)? {
                true => ResultJson::parse(result_json.as_bytes()),
                false => Err(Error::new(
                    ErrorKind::SignatureInvalid,
                    "WeChat's verify_signature says the signature is not valid (is_ok false)",
                )),
            })
            .and_then(|parsed| self.step(parsed, subject, cpu_id, uid));
        crate::log::refused("ReplayGuard authenticate_via_wechat", verdict)
    }

    /// The last counter accepted for this subject and device, if any.
    pub fn last_counter(&self, subject: &str, cpu_id: &str, uid: &str) -> Result<Option<u64>> {
        check_subject(subject)?;
        self.store.last_counter(subject, cpu_id, uid)
    }

    fn step(&self, parsed: ResultJson, subject: &str, cpu_id: Option<&str>, uid: Option<&str>) -> Result<ResultJson> {
        // A raw that new_challenge cannot have produced is no pending challenge: no store call.
        if !is_challenge(&parsed.raw) {
            return Err(challenge_mismatch());
        }
        let device = check_device(&parsed, cpu_id, uid);
        let step = Step {
            subject,
            challenge: &parsed.raw,
            cpu_id: &parsed.cpu_id,
            uid: &parsed.uid,
            counter: parsed.counter,
            device_ok: device.is_ok(),
        };
        match self.store.consume(&step)? {
            Verdict::Accepted if step.device_ok => Ok(parsed),
            Verdict::UnknownChallenge => Err(challenge_mismatch()),
            Verdict::DeviceMismatch if !step.device_ok => Err(device.expect_err("device_ok is false")),
            Verdict::CounterNotAbove { last } if step.device_ok => Err(Error::new(
                ErrorKind::CounterReplay,
                format!(
                    "the result's counter {} is not above {last}, the last accepted for this device (replayed or stale)",
                    parsed.counter
                ),
            )),
            v => Err(Error::new(ErrorKind::Internal, format!("the store answered {v:?} to a step it was not asked"))),
        }
    }
}

fn challenge_mismatch() -> Error {
    Error::new(
        ErrorKind::ChallengeMismatch,
        "the signed challenge (raw) is not pending for this subject: unknown, expired, already used or issued to another subject",
    )
}

fn check_subject(subject: &str) -> Result<()> {
    if subject.is_empty() {
        return Err(Error::input("the subject is empty; pass the user id the challenge is for"));
    }
    if subject.len() > MAX_SUBJECT {
        return Err(Error::new(ErrorKind::InputTooLarge, format!("the subject is longer than {MAX_SUBJECT} bytes")));
    }
    Ok(())
}

/// The shape of [`crate::new_challenge`]'s output: 43 URL-safe base64 characters.
fn is_challenge(raw: &str) -> bool {
    raw.len() == crate::CHALLENGE_LEN && raw.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// One key for a device's counter: length-prefixed so no two (subject, cpu_id, uid) collide.
fn device_key(cpu_id: &str, uid: &str) -> String {
    format!("{}:{cpu_id}{uid}", cpu_id.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_shape() {
        assert!(is_challenge(&crate::new_challenge().unwrap()));
        assert!(!is_challenge("short"));
        assert!(!is_challenge(&"a".repeat(42)));
        assert!(!is_challenge(&format!("{}+", "a".repeat(42))));
    }

    #[test]
    fn device_keys_do_not_collide() {
        assert_ne!(device_key("ab", "c"), device_key("a", "bc"));
        assert_ne!(device_key("1:a", ""), device_key("1", ":a"));
    }

    #[test]
    fn subjects_and_ttls_are_checked() {
        let g = ReplayGuard::new();
        assert_eq!(g.issue_challenge("", Duration::from_secs(1)).unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(g.issue_challenge(&"x".repeat(MAX_SUBJECT + 1), Duration::from_secs(1)).unwrap_err().kind(), ErrorKind::InputTooLarge);
        assert_eq!(g.issue_challenge("u", Duration::ZERO).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(g.issue_challenge("u", MAX_TTL + Duration::from_secs(1)).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert!(g.issue_challenge(&"x".repeat(MAX_SUBJECT), MAX_TTL).is_ok());
        // The documented bounds: a day, and 1024 bytes.
        assert!(g.issue_challenge("u", Duration::from_secs(86_400)).is_ok());
        assert_eq!(g.issue_challenge("u", Duration::from_secs(86_401)).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(MAX_SUBJECT, 1024);
    }
}
