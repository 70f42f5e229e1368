//! The Redis store: every server of a backend shares challenges and counters.
//!
//! Keys of one subject share one hash slot (`{hex SHA-256 of the subject}`, which cannot contain
//! braces), so each authentication is one script call (EVALSHA, EVAL after NOSCRIPT) on
//! standalone Redis and on Cluster alike. Expiry is Redis's own (`PX`), so server clocks do not
//! matter. Connections are pooled, so threads do not queue behind one socket; a connection that
//! failed is dropped and the next call opens a new one, so the store recovers by itself when
//! Redis comes back. Every failure is `StoreUnavailable`: nothing is accepted without Redis's
//! answer.
//!
//! Keys: `{prefix}{tag}:c:{challenge}` (value: "1", PX ttl) and `{prefix}{tag}:n` (a hash of
//! device → last counter, as decimal text so counters above 2^53 compare exactly).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConnection};
use redis::{Client, Cmd, Connection, FromRedisValue, RedisError, RedisResult, TlsCertificates, Value};
use sha2::{Digest, Sha256};

use super::{device_key, Step, Store, Verdict};
use crate::error::{Error, ErrorKind, Result};

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "soter:";
/// Default connect and response timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle connections kept for reuse (more are opened under load and closed after use).
const MAX_IDLE: usize = 16;
const MAX_PREFIX: usize = 256;

/// Consume the challenge (KEYS[1]), then the device check (ARGV[3]), then the counter in the
/// hash KEYS[2] under field ARGV[1]: advanced to ARGV[2] only when strictly greater.
/// Returns {0} unknown challenge, {1} device mismatch, {2, last} counter not above, {3} accepted.
const CONSUME_SCRIPT: &str = r#"
if redis.call('DEL', KEYS[1]) == 0 then return {0} end
if ARGV[3] ~= '1' then return {1} end
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last and (#ARGV[2] < #last or (#ARGV[2] == #last and ARGV[2] <= last)) then return {2, last} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return {3}
"#;

/// Settings of a [`RedisStore`].
#[derive(Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Prepended to every key (default `soter:`); no braces.
    pub prefix: String,
    /// Connect timeout and response timeout of each command (default 1 s).
    pub timeout: Duration,
    /// PEM root certificate(s) for `rediss://` when the server's CA is not in the system store.
    pub tls_ca_pem: Option<Vec<u8>>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions { prefix: DEFAULT_PREFIX.to_owned(), timeout: DEFAULT_TIMEOUT, tls_ca_pem: None }
    }
}

impl fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisOptions")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("tls_ca_pem", &self.tls_ca_pem.as_ref().map(|p| p.len()))
            .finish()
    }
}

enum Target {
    Standalone(Client),
    Cluster(ClusterClient),
}

enum Conn {
    Standalone(Connection),
    Cluster(Box<ClusterConnection>),
}

impl Conn {
    fn query<T: FromRedisValue>(&mut self, cmd: &Cmd) -> RedisResult<T> {
        match self {
            Conn::Standalone(c) => cmd.query(c),
            Conn::Cluster(c) => cmd.query(c.as_mut()),
        }
    }
}

/// Challenges and counters in Redis (standalone or Cluster). Thread-safe.
pub struct RedisStore {
    target: Target,
    prefix: String,
    timeout: Duration,
    script_sha: String,
    idle: Mutex<Vec<Conn>>,
    /// The URL(s) with passwords and query parameters replaced, for messages and Debug.
    shown: String,
    /// Passwords as they appear in the URLs, scrubbed from any error text.
    secrets: Vec<String>,
    /// Whether the last call failed for want of Redis: its changes are the "went away" and
    /// "came back" log events (one each per outage, whatever the number of calls).
    down: AtomicBool,
    /// Since when, and how many calls failed meanwhile (read when it comes back).
    outage: Mutex<Option<Instant>>,
    failed_calls: AtomicU64,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// One Redis server: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS.
    pub fn standalone(url: &str, options: &RedisOptions) -> Result<RedisStore> {
        let shown = redact(url);
        let secrets = secrets_of(url);
        let client = match &options.tls_ca_pem {
            Some(pem) => {
                Client::build_with_tls(url, TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) })
            }
            None => Client::open(url),
        }
        .map_err(|e| config_error(&shown, &e, &secrets))?;
        RedisStore::new(Target::Standalone(client), options, shown, secrets)
    }

    /// A Redis Cluster, from the URLs of some of its nodes (the first one's password and TLS
    /// mode apply to all).
    pub fn cluster<S: AsRef<str>>(nodes: &[S], options: &RedisOptions) -> Result<RedisStore> {
        if nodes.is_empty() {
            return Err(Error::new(ErrorKind::Config, "a Redis Cluster needs at least one node URL"));
        }
        let shown = nodes.iter().map(|n| redact(n.as_ref())).collect::<Vec<_>>().join(",");
        let secrets = nodes.iter().flat_map(|n| secrets_of(n.as_ref())).collect::<Vec<_>>();
        let mut builder = ClusterClientBuilder::new(nodes.iter().map(|n| n.as_ref()).collect::<Vec<_>>())
            .connection_timeout(options.timeout)
            .response_timeout(options.timeout)
            // Redirections during resharding need a retry or two; more would outlast the timeout.
            .retries(2)
            .min_retry_wait(10)
            .max_retry_wait(100);
        if let Some(pem) = &options.tls_ca_pem {
            builder = builder.certs(TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) });
        }
        let client = builder.build().map_err(|e| config_error(&shown, &e, &secrets))?;
        RedisStore::new(Target::Cluster(client), options, shown, secrets)
    }

    fn new(target: Target, options: &RedisOptions, shown: String, secrets: Vec<String>) -> Result<RedisStore> {
        if options.prefix.contains(['{', '}']) || options.prefix.len() > MAX_PREFIX {
            return Err(Error::new(
                ErrorKind::Config,
                format!("the key prefix must be at most {MAX_PREFIX} bytes without braces (braces would move every key to one hash slot)"),
            ));
        }
        if options.timeout.is_zero() {
            return Err(Error::new(ErrorKind::Config, "the Redis timeout must be above zero"));
        }
        Ok(RedisStore {
            target,
            prefix: options.prefix.clone(),
            timeout: options.timeout,
            script_sha: redis::Script::new(CONSUME_SCRIPT).get_hash().to_owned(),
            idle: Mutex::new(Vec::new()),
            shown,
            secrets,
            down: AtomicBool::new(false),
            outage: Mutex::new(None),
            failed_calls: AtomicU64::new(0),
        })
    }

    /// The URL(s) as shown in messages: passwords and query parameters replaced by `***`.
    pub fn redacted_url(&self) -> &str {
        &self.shown
    }

    fn connect(&self) -> RedisResult<Conn> {
        match &self.target {
            Target::Standalone(client) => {
                let conn = client.get_connection_with_timeout(self.timeout)?;
                conn.set_read_timeout(Some(self.timeout))?;
                conn.set_write_timeout(Some(self.timeout))?;
                Ok(Conn::Standalone(conn))
            }
            Target::Cluster(client) => Ok(Conn::Cluster(Box::new(client.get_connection()?))),
        }
    }

    /// Run `f` on a pooled connection. A connection that saw any error is dropped, not reused
    /// (its stream may hold a late reply). When a pooled connection turns out dead (Redis
    /// restarted since it was last used), the other idle ones are dropped too and the call is
    /// tried once more on a fresh connection: safe even if the first attempt reached Redis,
    /// because a challenge is consumed once (the retry then reads it as used: fail closed).
    fn with_conn<T>(&self, what: &str, mut f: impl FnMut(&mut Conn) -> RedisResult<T>) -> Result<T> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let was_pooled = pooled.is_some();
        let mut result = pooled.map_or_else(|| self.connect(), Ok).and_then(|mut conn| f(&mut conn).map(|v| (v, conn)));
        if let Err(e) = &result {
            // Dropped, reset and refused connections are all I/O errors to the redis crate; a
            // timeout is not a dead connection, and a server error (a script's) is not either.
            if e.is_io_error() && !e.is_timeout() {
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
                if was_pooled && !e.is_connection_refusal() {
                    result = self.connect().and_then(|mut conn| f(&mut conn).map(|v| (v, conn)));
                }
            }
        }
        match result {
            Ok((value, conn)) => {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                if idle.len() < MAX_IDLE {
                    idle.push(conn);
                }
                drop(idle);
                if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::Relaxed) {
                    self.came_back();
                }
                Ok(value)
            }
            Err(e) => {
                let e = Error::new(
                    ErrorKind::StoreUnavailable,
                    format!("the Redis store {} did not {what}: {}", self.shown, scrub(&e.to_string(), &self.secrets)),
                );
                self.failed_calls.fetch_add(1, Ordering::Relaxed);
                if !self.down.swap(true, Ordering::Relaxed) {
                    *self.outage.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                    crate::log::event!(Error, "{e}; calls fail closed (StoreUnavailable) until it answers again");
                }
                Err(e)
            }
        }
    }

    /// The end of an outage: one log event saying how long it lasted.
    fn came_back(&self) {
        let since = self.outage.lock().unwrap_or_else(|p| p.into_inner()).take();
        let failed = self.failed_calls.swap(0, Ordering::Relaxed);
        let down = since.map_or(Duration::ZERO, |t| t.elapsed());
        crate::log::event!(
            Info,
            "the Redis store {} answers again after {} unavailable ({failed} calls failed closed)",
            self.shown,
            if down < Duration::from_secs(1) { format!("{} ms", down.as_millis()) } else { format!("{:.1} s", down.as_secs_f64()) }
        );
    }

    /// `{prefix}{tag}:` for a subject; the tag is hex, so it never contains a brace.
    fn subject_base(&self, subject: &str) -> String {
        let digest = Sha256::digest(subject.as_bytes());
        let mut s = String::with_capacity(self.prefix.len() + 70);
        s.push_str(&self.prefix);
        s.push('{');
        for b in digest {
            s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        s.push_str("}:");
        s
    }

    fn eval(&self, conn: &mut Conn, keys: &[&str], args: &[&str]) -> RedisResult<Vec<Value>> {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(&self.script_sha).arg(keys.len()).arg(keys).arg(args);
        match conn.query(&cmd) {
            Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                let mut cmd = redis::cmd("EVAL");
                cmd.arg(CONSUME_SCRIPT).arg(keys.len()).arg(keys).arg(args);
                conn.query(&cmd)
            }
            other => other,
        }
    }
}

impl Store for RedisStore {
    fn issue(&self, subject: &str, challenge: &str, ttl: Duration) -> Result<()> {
        let key = format!("{}c:{challenge}", self.subject_base(subject));
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg("1").arg("PX").arg(ms).arg("NX");
        let set: Option<String> = self.with_conn("record the challenge", |c| c.query(&cmd))?;
        match set {
            Some(_) => Ok(()),
            // NX refused: a 256-bit random challenge already pending for this subject.
            None => Err(Error::new(ErrorKind::Internal, "a freshly generated challenge was already pending")),
        }
    }

    fn consume(&self, step: &Step<'_>) -> Result<Verdict> {
        let base = self.subject_base(step.subject);
        let challenge_key = format!("{base}c:{}", step.challenge);
        let counters_key = format!("{base}n");
        let field = device_key(step.cpu_id, step.uid);
        let counter = step.counter.to_string();
        let device_ok = if step.device_ok { "1" } else { "0" };
        let reply = self.with_conn("answer the replay check", |c| {
            self.eval(c, &[&challenge_key, &counters_key], &[&field, &counter, device_ok])
        })?;
        let code = reply.first().and_then(|v| i64::from_redis_value_ref(v).ok());
        let verdict = match (code, reply.get(1)) {
            (Some(0), _) => Some(Verdict::UnknownChallenge),
            (Some(1), _) => Some(Verdict::DeviceMismatch),
            (Some(2), Some(last)) => String::from_redis_value_ref(last)
                .ok()
                .and_then(|s| s.parse().ok())
                .map(|last| Verdict::CounterNotAbove { last }),
            (Some(3), _) => Some(Verdict::Accepted),
            _ => None,
        };
        verdict.ok_or_else(|| {
            Error::new(ErrorKind::StoreUnavailable, format!("the Redis store {} gave an unexpected reply to the replay check", self.shown))
        })
    }

    fn last_counter(&self, subject: &str, cpu_id: &str, uid: &str) -> Result<Option<u64>> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(format!("{}n", self.subject_base(subject))).arg(device_key(cpu_id, uid));
        let v: Option<String> = self.with_conn("read the counter", |c| c.query(&cmd))?;
        v.map(|s| {
            s.parse().map_err(|_| {
                Error::new(ErrorKind::StoreUnavailable, format!("the Redis store {} holds a counter that is not a number", self.shown))
            })
        })
        .transpose()
    }
}

fn config_error(shown: &str, e: &RedisError, secrets: &[String]) -> Error {
    Error::new(ErrorKind::Config, format!("the Redis URL {shown} is not usable: {}", scrub(&e.to_string(), secrets)))
}

/// `scheme://***@host:port/db`: the user information and any query (which may carry a
/// password) replaced.
fn redact(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s, r),
        None => return "<not a URL>".to_owned(),
    };
    let rest = match rest.find(['?', '#']) {
        Some(i) => format!("{}?***", &rest[..i]),
        None => rest.to_owned(),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => format!("{scheme}://{rest}"),
    }
}

/// The password-like parts of a URL (user information, query values), raw and percent-decoded.
fn secrets_of(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if let Some(at) = rest[..end].rfind('@') {
        let userinfo = &rest[..at];
        out.push(userinfo.split_once(':').map_or(userinfo, |(_, p)| p).to_owned());
    }
    if let Some(q) = rest.find('?') {
        out.extend(rest[q + 1..].split('&').filter_map(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned()));
    }
    let decoded: Vec<String> = out.iter().map(|s| percent_decode(s)).collect();
    out.extend(decoded);
    out.retain(|s| s.len() >= 3);
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn scrub(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |t, s| t.replace(s.as_str(), "***"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact("redis://:hunter2@127.0.0.1:6379/0"), "redis://***@127.0.0.1:6379/0");
        assert_eq!(redact("rediss://user:p%40ss@cache.invalid/3"), "rediss://***@cache.invalid/3");
        assert_eq!(redact("redis://127.0.0.1"), "redis://127.0.0.1");
        assert_eq!(redact("redis+unix:///tmp/r.sock?db=1&pass=hunter2"), "redis+unix:///tmp/r.sock?***");
        assert_eq!(redact("hunter2"), "<not a URL>");
        assert_eq!(secrets_of("redis://u:p%40ss@h/0"), vec!["p%40ss".to_owned(), "p@ss".to_owned()]);
        assert_eq!(scrub("bad p@ss here", &secrets_of("redis://u:p%40ss@h/0")), "bad *** here");
        // A query right after the authority, and escapes at the start, the end and cut short.
        assert_eq!(secrets_of("redis://?password=hunter2"), vec!["hunter2".to_owned(), "hunter2".to_owned()]);
        assert_eq!(percent_decode("%41b%2Fc%4"), "Ab/c%4");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("x%7e"), "x~");
    }

    #[test]
    fn bad_settings_are_config_errors_without_the_password() {
        let o = RedisOptions { prefix: "a{b".into(), ..Default::default() };
        assert_eq!(RedisStore::standalone("redis://127.0.0.1", &o).unwrap_err().kind(), ErrorKind::Config);
        let e = RedisStore::standalone("nosuch://:hunter2@127.0.0.1", &RedisOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(!e.message().contains("hunter2"), "{e}");
        let s = RedisStore::standalone("redis://:hunter2@127.0.0.1:1/0", &RedisOptions::default()).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(format!("{s:?}").contains("redis://***@127.0.0.1:1/0"), "{s:?}");
        assert_eq!(s.redacted_url(), "redis://***@127.0.0.1:1/0");
        // The options show the CA certificate's size, not the certificate.
        let o = RedisOptions { tls_ca_pem: Some(b"-----BEGIN CERTIFICATE-----".to_vec()), ..Default::default() };
        assert_eq!(format!("{o:?}"), "RedisOptions { prefix: \"soter:\", timeout: 1s, tls_ca_pem: Some(27) }");
        let empty: [&str; 0] = [];
        assert_eq!(RedisStore::cluster(&empty, &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
    }
}
