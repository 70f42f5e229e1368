//! The Redis store: every server of a backend shares challenges and counters.
//!
//! Keys of one subject share one hash slot (`{hex SHA-256 of the subject}`, which cannot contain
//! braces), so each step is one script call (EVALSHA, EVAL after NOSCRIPT) on standalone Redis,
//! Sentinel and Cluster alike. Expiry is Redis's own clock (`TIME` inside the scripts), so server
//! clocks do not matter. Every failure is `StoreUnavailable`: nothing is accepted without Redis's
//! answer.
//!
//! Keys: `{prefix}{tag}:c` (a hash of the subject's pending challenges: challenge →
//! "expires_ms:issued_us", at most `max_challenges_per_subject`, the oldest dropped first; the key
//! itself expires with its last challenge) and `{prefix}{tag}:n` (a hash of device → last
//! counter, as decimal text so counters above 2^53 compare exactly). Face steps:
//! `{prefix}{tag}:f` (the subject's face sessions: SHA-256 of verify_id →
//! "expires_ms:issued_us:cert_hash:out_seq_no", bounded like challenges) and `{prefix}ft:{hex
//! SHA-256 of a legacy ticket}` (a used ticket, in no subject's slot: used once by anyone).
//!
//! Where users deploy it, four things hold:
//! - **Fork.** Connections belong to the process that opened them ([`crate::fork`]): a forked
//!   child buries what it inherited (never used, never dropped) and opens its own.
//! - **Durability.** With `wait_replicas` = N, a consumed challenge is reported accepted only
//!   after `WAIT N` on the same connection (the node that ran the script) saw N replicas
//!   acknowledge it; fewer is `StoreUnavailable` (fail closed: the challenge stays used).
//! - **Bounds.** `timeout` bounds a whole call: connect, Sentinel discovery, the retry on a stale
//!   connection, the script and WAIT. After a call fails for want of Redis, calls fail at once
//!   while one call at a time probes whether it is back.
//! - **Failover.** On Sentinel, a connection error or `READONLY` (an old master demoted) makes the
//!   next connection ask the Sentinels for the master again.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConnection};
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
use redis::{
    Client, Cmd, Connection, ConnectionAddr, ConnectionInfo, FromRedisValue, IntoConnectionInfo, RedisConnectionInfo,
    RedisError, RedisResult, TlsCertificates, Value,
};
use sha2::{Digest, Sha256};

use super::{device_key, FaceSession, Step, Store, Verdict, DEFAULT_MAX_CHALLENGES_PER_SUBJECT, MAX_CHALLENGES_PER_SUBJECT};
use crate::error::{human, Error, ErrorKind, Result};
use crate::fork;

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "soter:";
/// Default bound of one whole guard call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// Larger timeouts are refused as a likely unit mistake (seconds taken for milliseconds).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Idle connections kept for reuse (more are opened under load and closed after use).
const MAX_IDLE: usize = 16;
const MAX_PREFIX: usize = 256;

/// Record a challenge (ARGV[1]) for ARGV[2] ms in the subject's hash KEYS[1], after dropping its
/// expired ones and, at the bound ARGV[3], its oldest. Returns 1, or 0 when it already existed.
/// Face sessions use it too (their own hash): ARGV[4], when given, is kept after the expiry as
/// `expires_ms:issued_us:record`, which is why the pattern is not anchored at the end.
const ISSUE_SCRIPT: &str = r#"
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local expires = now + tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local live, last = {}, expires
for i = 1, #all, 2 do
  local e, at = string.match(all[i + 1], '^(%d+):(%d+)')
  e = tonumber(e)
  if e == nil or e <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    live[#live + 1] = {tonumber(at), all[i]}
    if e > last then last = e end
  end
end
local excess = #live - tonumber(ARGV[3]) + 1
if excess > 0 then
  table.sort(live, function(a, b) return a[1] < b[1] end)
  for i = 1, excess do redis.call('HDEL', KEYS[1], live[i][2]) end
end
-- %d: a plain concatenation would print the microseconds in exponent form
local v = string.format('%d:%d', expires, us)
if ARGV[4] then v = v .. ':' .. ARGV[4] end
if redis.call('HSETNX', KEYS[1], ARGV[1], v) == 0 then return 0 end
redis.call('PEXPIREAT', KEYS[1], string.format('%d', last))
return 1
"#;

/// Consume the challenge ARGV[4] from the subject's hash KEYS[1] (unknown or expired: {0}), then
/// the device check (ARGV[3]: {1}), then the counter in the hash KEYS[2] under field ARGV[1]:
/// advanced to ARGV[2] only when strictly greater ({2, last} otherwise, {3} accepted).
const CONSUME_SCRIPT: &str = r#"
redis.replicate_commands()
local v = redis.call('HGET', KEYS[1], ARGV[4])
if not v then return {0} end
redis.call('HDEL', KEYS[1], ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local e = tonumber(string.match(v, '^(%d+):'))
if e == nil or e <= now then return {0} end
if ARGV[3] ~= '1' then return {1} end
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last and (#ARGV[2] < #last or (#ARGV[2] == #last and ARGV[2] <= last)) then return {2, last} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return {3}
"#;

/// Take the face session ARGV[1] from the subject's hash KEYS[1]: {1, record, ms left} once
/// when it is there and unexpired, {0} otherwise (an expired one is dropped too).
const FACE_TAKE_SCRIPT: &str = r#"
redis.replicate_commands()
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return {0} end
redis.call('HDEL', KEYS[1], ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local e, record = string.match(v, '^(%d+):%d+:(.*)$')
e = tonumber(e)
if e == nil or e <= now then return {0} end
return {1, record, string.format('%d', e - now)}
"#;

/// Settings of a [`RedisStore`].
#[derive(Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Prepended to every key (default `soter:`); no braces.
    pub prefix: String,
    /// The bound of one whole call (connect, discovery, retry, script, WAIT); default 1 s, at
    /// most an hour.
    pub timeout: Duration,
    /// PEM root certificate(s) for `rediss://` when the server's CA is not in the system store.
    pub tls_ca_pem: Option<Vec<u8>>,
    /// Replicas that must acknowledge a consumed challenge before it counts as accepted (`WAIT`);
    /// 0 (default) does not wait: a failover or a restart without AOF can then bring a used
    /// challenge back.
    pub wait_replicas: u32,
    /// Pending challenges per subject (default 16, 1 to 1024): issuing past it drops that
    /// subject's oldest, so one user cannot exhaust the store or lock others out.
    pub max_challenges_per_subject: u32,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            tls_ca_pem: None,
            wait_replicas: 0,
            max_challenges_per_subject: DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
        }
    }
}

impl fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisOptions")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("tls_ca_pem", &self.tls_ca_pem.as_ref().map(|p| p.len()))
            .field("wait_replicas", &self.wait_replicas)
            .field("max_challenges_per_subject", &self.max_challenges_per_subject)
            .finish()
    }
}

/// How to reach the master that Redis Sentinel names (the Sentinels' own URLs carry their
/// address and TLS mode).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SentinelOptions {
    /// The master's (and its replicas') password, if any.
    pub password: Option<String>,
    /// The Sentinels' password, if any (`requirepass` in sentinel.conf).
    pub sentinel_password: Option<String>,
    /// The database on the master.
    pub db: i64,
}

impl fmt::Debug for SentinelOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |p: &Option<String>| p.as_ref().map(|_| "***");
        f.debug_struct("SentinelOptions")
            .field("password", &shown(&self.password))
            .field("sentinel_password", &shown(&self.sentinel_password))
            .field("db", &self.db)
            .finish()
    }
}

/// Redis Sentinel, asked for the master's address with `SENTINEL get-master-addr-by-name` and a
/// `ROLE` check of the answer. Written here rather than with the redis crate's sentinel client
/// because that client connects and reads without timeouts: a stalled Sentinel would hold a call
/// past its bound.
struct SentinelTarget {
    nodes: Vec<ConnectionInfo>,
    service: String,
    master: RedisConnectionInfo,
    tls: bool,
    certs: Option<Vec<u8>>,
}

enum Target {
    Standalone(Client),
    Cluster(ClusterClient),
    Sentinel(SentinelTarget),
}

enum Link {
    Standalone(Connection),
    Cluster(Box<ClusterConnection>),
}

/// A connection and the socket timeout last set on it.
struct Conn {
    link: Link,
    timeout: Duration,
}

impl Conn {
    fn new(link: Link) -> Conn {
        Conn { link, timeout: Duration::ZERO }
    }

    fn query<T: FromRedisValue>(&mut self, cmd: &Cmd) -> RedisResult<T> {
        match &mut self.link {
            Link::Standalone(c) => cmd.query(c),
            Link::Cluster(c) => cmd.query(c.as_mut()),
        }
    }

    /// Read and write timeouts for what is left of the call (`whole`'s bound). Two system calls,
    /// so skipped when the timeout already set is within 1% of what is left (the bound then
    /// holds to that 1%) and not far below it: the usual call, on a pooled connection.
    fn bound(&mut self, left: Duration, whole: Duration) -> RedisResult<()> {
        let left = left.max(Duration::from_millis(1));
        if self.timeout <= left + whole / 100 && self.timeout + whole / 10 >= left {
            return Ok(());
        }
        match &mut self.link {
            Link::Standalone(c) => {
                c.set_read_timeout(Some(left))?;
                c.set_write_timeout(Some(left))?;
            }
            // A Cluster call may follow a redirection: each of its (at most two) tries gets half.
            Link::Cluster(c) => {
                let half = Some((left / 2).max(Duration::from_millis(1)));
                c.set_read_timeout(half)?;
                c.set_write_timeout(half)?;
            }
        }
        self.timeout = left;
        Ok(())
    }

    /// `WAIT replicas ms` on the node that ran the script (the master of `key`'s slot).
    fn wait(&mut self, key: &str, replicas: u32, ms: u64) -> RedisResult<i64> {
        let mut cmd = redis::cmd("WAIT");
        cmd.arg(replicas).arg(ms.max(1));
        match &mut self.link {
            Link::Standalone(c) => cmd.query(c),
            Link::Cluster(c) => {
                let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(Route::with_key(key, SlotAddr::Master)));
                Ok(i64::from_redis_value(c.route_command(&cmd, route)?)?)
            }
        }
    }
}

/// What one process generation holds: idle connections and the master Sentinel named last. A
/// forked child makes its own and buries its parent's (see [`crate::fork`]).
struct Pool {
    idle: Mutex<Vec<Conn>>,
    master: Mutex<Option<(String, u16)>>,
    /// Set while one call probes an outage (per process: a child must not inherit a probe of a
    /// thread it does not have, or it would fail fast forever).
    probing: AtomicBool,
}

impl Pool {
    fn new() -> Pool {
        Pool { idle: Mutex::new(Vec::new()), master: Mutex::new(None), probing: AtomicBool::new(false) }
    }

    fn forget(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
        *self.master.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Challenges and counters in Redis (standalone, Sentinel or Cluster). Thread-safe and fork-safe.
pub struct RedisStore {
    target: Target,
    prefix: String,
    timeout: Duration,
    wait_replicas: u32,
    per_subject: u32,
    issue_sha: String,
    consume_sha: String,
    face_take_sha: String,
    /// This process's pool (a forked child makes its own and buries the inherited one).
    pool: fork::PerProcess<Pool>,
    /// The URL(s) with passwords and query parameters replaced, for messages and Debug.
    shown: String,
    /// Passwords as they appear in the URLs, scrubbed from any error text.
    secrets: Vec<String>,
    /// Whether the last call failed for want of Redis: its changes are the "went away" and
    /// "came back" log events (one each per outage), and while it is set calls fail at once but
    /// for one probe at a time.
    down: AtomicBool,
    /// Milliseconds since `born` when the outage began, and how many calls failed meanwhile.
    born: Instant,
    down_since_ms: AtomicU64,
    failed_calls: AtomicU64,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("wait_replicas", &self.wait_replicas)
            .field("max_challenges_per_subject", &self.per_subject)
            .finish_non_exhaustive()
    }
}

/// Why a call failed.
enum Failure {
    Redis(RedisError),
    /// Sentinel discovery found no usable master.
    NoMaster(String),
}

impl From<RedisError> for Failure {
    fn from(e: RedisError) -> Failure {
        Failure::Redis(e)
    }
}

impl RedisStore {
    /// One Redis server: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS.
    pub fn standalone(url: &str, options: &RedisOptions) -> Result<RedisStore> {
        let (shown, secrets) = (redact(url), secrets_of(url));
        check_url(url, &shown)?;
        check_options(options)?;
        let info = url.into_connection_info().map(quiet).map_err(|e| config_error(&shown, &e, &secrets))?;
        let client = match &options.tls_ca_pem {
            Some(pem) => {
                Client::build_with_tls(info, TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) })
            }
            None => Client::open(info),
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
        check_options(options)?;
        let shown = nodes.iter().map(|n| redact(n.as_ref())).collect::<Vec<_>>().join(",");
        let secrets = nodes.iter().flat_map(|n| secrets_of(n.as_ref())).collect::<Vec<_>>();
        for n in nodes {
            check_url(n.as_ref(), &shown)?;
        }
        // Two tries (one redirection during resharding, or one reconnect), each with a quarter of
        // the bound to connect and (Conn::bound) half of what is left to answer: the whole call
        // stays within the timeout.
        let quarter = (options.timeout / 4).max(Duration::from_millis(1));
        let infos = nodes
            .iter()
            .map(|n| n.as_ref().into_connection_info().map(quiet))
            .collect::<RedisResult<Vec<_>>>()
            .map_err(|e| config_error(&shown, &e, &secrets))?;
        let mut builder = ClusterClientBuilder::new(infos)
            .connection_timeout(quarter)
            .response_timeout(quarter)
            .retries(1)
            .min_retry_wait(1)
            .max_retry_wait(10);
        if let Some(pem) = &options.tls_ca_pem {
            builder = builder.certs(TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) });
        }
        let client = builder.build().map_err(|e| config_error(&shown, &e, &secrets))?;
        RedisStore::new(Target::Cluster(client), options, shown, secrets)
    }

    /// Redis Sentinel: the URLs of some Sentinels (`redis://host:26379`, `rediss://` for TLS to
    /// the Sentinels and the master) and the service (master) name they monitor.
    pub fn sentinel<S: AsRef<str>>(
        sentinels: &[S],
        service_name: &str,
        sentinel: &SentinelOptions,
        options: &RedisOptions,
    ) -> Result<RedisStore> {
        if sentinels.is_empty() {
            return Err(Error::new(ErrorKind::Config, "Redis Sentinel needs at least one Sentinel URL"));
        }
        if service_name.is_empty() || service_name.len() > 256 || service_name.chars().any(|c| c.is_control() || c == ' ') {
            return Err(Error::new(ErrorKind::Config, "the Sentinel service name must be 1 to 256 characters without spaces"));
        }
        check_options(options)?;
        let mut secrets = sentinels.iter().flat_map(|n| secrets_of(n.as_ref())).collect::<Vec<_>>();
        secrets.extend(sentinel.password.iter().chain(&sentinel.sentinel_password).filter(|p| !p.is_empty()).cloned());
        let shown = format!(
            "sentinel {}/{service_name}",
            sentinels.iter().map(|n| redact(n.as_ref())).collect::<Vec<_>>().join(",")
        );
        let mut nodes = Vec::with_capacity(sentinels.len());
        let mut tls = None;
        for url in sentinels {
            check_url(url.as_ref(), &shown)?;
            let info = url.as_ref().into_connection_info().map_err(|e| config_error(&shown, &e, &secrets))?;
            let this_tls = match info.addr() {
                ConnectionAddr::Tcp(..) => false,
                ConnectionAddr::TcpTls { .. } => true,
                _ => {
                    return Err(Error::new(ErrorKind::Config, format!("{shown}: Sentinels are reached over TCP (redis:// or rediss://)")))
                }
            };
            if tls.is_some_and(|t| t != this_tls) {
                return Err(Error::new(ErrorKind::Config, format!("{shown}: every Sentinel URL must use the same scheme")));
            }
            tls = Some(this_tls);
            let mut redis = info.redis_settings().clone();
            if let Some(p) = &sentinel.sentinel_password {
                redis = redis.set_password(p);
            }
            nodes.push(quiet(info.set_redis_settings(redis)));
        }
        let mut master = RedisConnectionInfo::default().set_db(sentinel.db).set_skip_set_lib_name();
        if let Some(p) = &sentinel.password {
            master = master.set_password(p);
        }
        let target = SentinelTarget {
            nodes,
            service: service_name.to_owned(),
            master,
            tls: tls.unwrap_or(false),
            certs: options.tls_ca_pem.clone(),
        };
        RedisStore::new(Target::Sentinel(target), options, shown, secrets)
    }

    fn new(target: Target, options: &RedisOptions, shown: String, secrets: Vec<String>) -> Result<RedisStore> {
        Ok(RedisStore {
            target,
            prefix: options.prefix.clone(),
            timeout: options.timeout,
            wait_replicas: options.wait_replicas,
            per_subject: options.max_challenges_per_subject,
            issue_sha: redis::Script::new(ISSUE_SCRIPT).get_hash().to_owned(),
            consume_sha: redis::Script::new(CONSUME_SCRIPT).get_hash().to_owned(),
            face_take_sha: redis::Script::new(FACE_TAKE_SCRIPT).get_hash().to_owned(),
            pool: fork::PerProcess::new(Pool::new(), |_| Pool::new()),
            shown,
            secrets,
            down: AtomicBool::new(false),
            born: Instant::now(),
            down_since_ms: AtomicU64::new(0),
            failed_calls: AtomicU64::new(0),
        })
    }

    /// The URL(s) as shown in messages: passwords and query parameters replaced by `***`.
    pub fn redacted_url(&self) -> &str {
        &self.shown
    }

    /// This process's pool: in a forked child, a new one (the inherited one is buried untouched).
    fn pool(&self) -> &Pool {
        self.pool.get()
    }

    fn connect(&self, pool: &Pool, deadline: Instant) -> std::result::Result<Conn, Failure> {
        let left = left(deadline).ok_or_else(|| Failure::Redis(timed_out()))?;
        match &self.target {
            Target::Standalone(client) => Ok(Conn::new(Link::Standalone(client.get_connection_with_timeout(left)?))),
            Target::Cluster(client) => Ok(Conn::new(Link::Cluster(Box::new(client.get_connection()?)))),
            Target::Sentinel(s) => self.connect_master(s, pool, deadline).map(|c| Conn::new(Link::Standalone(c))),
        }
    }

    /// The master Sentinel names (the one named last first), checked with `ROLE`.
    fn connect_master(&self, s: &SentinelTarget, pool: &Pool, deadline: Instant) -> std::result::Result<Connection, Failure> {
        let known = pool.master.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((host, port)) = known {
            if let Ok(conn) = self.master_at(s, &host, port, deadline) {
                return Ok(conn);
            }
            *pool.master.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        let mut why = Vec::new();
        for (i, node) in s.nodes.iter().enumerate() {
            // Each Sentinel gets its share of what is left, so one stalled Sentinel cannot use
            // up the whole call.
            let Some(left) = left(deadline) else { break };
            let share = (left / u32::try_from(s.nodes.len() - i).unwrap_or(1)).max(Duration::from_millis(1));
            let asked = Client::open(node.clone()).and_then(|c| {
                let mut conn = c.get_connection_with_timeout(share)?;
                conn.set_read_timeout(Some(share))?;
                conn.set_write_timeout(Some(share))?;
                redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(&s.service).query::<Option<(String, u16)>>(&mut conn)
            });
            match asked {
                Ok(Some((host, port))) => match self.master_at(s, &host, port, deadline) {
                    Ok(conn) => {
                        *pool.master.lock().unwrap_or_else(|p| p.into_inner()) = Some((host, port));
                        return Ok(conn);
                    }
                    Err(e) => why.push(format!("Sentinel {} named {host}:{port}: {e}", i + 1)),
                },
                Ok(None) => why.push(format!("Sentinel {} knows no master named {}", i + 1, s.service)),
                Err(e) => why.push(format!("Sentinel {}: {}", i + 1, describe(&e, self.timeout))),
            }
        }
        if why.is_empty() {
            return Err(Failure::Redis(timed_out()));
        }
        Err(Failure::NoMaster(why.join("; ")))
    }

    fn master_at(&self, s: &SentinelTarget, host: &str, port: u16, deadline: Instant) -> std::result::Result<Connection, String> {
        let left = left(deadline).ok_or_else(|| "no time left".to_owned())?;
        let addr = match s.tls {
            true => ConnectionAddr::TcpTls { host: host.to_owned(), port, insecure: false, tls_params: None },
            false => ConnectionAddr::Tcp(host.to_owned(), port),
        };
        let info = "redis://127.0.0.1".into_connection_info().expect("a constant URL").set_addr(addr).set_redis_settings(s.master.clone());
        let client = match &s.certs {
            Some(pem) => Client::build_with_tls(info, TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) }),
            None => Client::open(info),
        };
        let mut conn = client.and_then(|c| c.get_connection_with_timeout(left)).map_err(|e| describe(&e, self.timeout))?;
        conn.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
        let role: Vec<Value> = redis::cmd("ROLE").query(&mut conn).map_err(|e| describe(&e, self.timeout))?;
        match role.first().map(String::from_redis_value_ref) {
            Some(Ok(r)) if r == "master" => Ok(conn),
            _ => Err("it is not a master (a failover in progress?)".to_owned()),
        }
    }

    /// Run `f` on a pooled connection within one call's bound. A connection that saw any error is
    /// dropped, not reused (its stream may hold a late reply). When a pooled connection turns
    /// out dead (Redis restarted since it was last used) or the server is no longer the master
    /// (`READONLY` after a failover), the pool is emptied and the call tried once more on a
    /// fresh connection: safe even if the first attempt reached Redis, because a challenge is
    /// consumed once (the retry then reads it as used: fail closed).
    fn with_conn<T>(&self, what: &str, f: impl FnMut(&mut Conn, Instant) -> RedisResult<T>) -> Result<T> {
        self.with_conn_retried(what, f).map(|(value, _)| value)
    }

    /// [`Self::with_conn`], also saying whether the value came from a second try after the
    /// first one's connection broke. The first try may then have run on the server (the
    /// request was sent; its reply was lost): a step that uses something up reads a second
    /// try's "not there" as "maybe used by the first try", never as a verdict.
    fn with_conn_retried<T>(&self, what: &str, mut f: impl FnMut(&mut Conn, Instant) -> RedisResult<T>) -> Result<(T, bool)> {
        let deadline = Instant::now() + self.timeout;
        let pool = self.pool();
        let _probe = self.admit(pool, what)?;
        let mut run = |conn: std::result::Result<Conn, Failure>| -> std::result::Result<(T, Conn), Failure> {
            let mut conn = conn?;
            let left = left(deadline).ok_or_else(|| Failure::Redis(timed_out()))?;
            conn.bound(left, self.timeout)?;
            let value = f(&mut conn, deadline)?;
            Ok((value, conn))
        };
        let pooled = pool.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let was_pooled = pooled.is_some();
        let mut result = run(pooled.map_or_else(|| self.connect(pool, deadline), Ok));
        let mut retried = false;
        if let Err(Failure::Redis(e)) = &result {
            let stale = e.is_io_error() && !e.is_timeout() && !e.is_connection_refusal();
            let demoted = e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly);
            if (e.is_io_error() && !e.is_timeout()) || demoted {
                pool.forget();
            }
            if ((stale && was_pooled) || demoted) && left(deadline).is_some() {
                retried = true;
                result = run(self.connect(pool, deadline));
            }
        }
        match result {
            Ok((value, conn)) => {
                let mut idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner());
                if idle.len() < MAX_IDLE {
                    idle.push(conn);
                }
                drop(idle);
                if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::Relaxed) {
                    self.came_back();
                }
                Ok((value, retried))
            }
            Err(failure) => {
                let (outage, why) = match &failure {
                    Failure::Redis(e) => (
                        e.is_io_error() || e.is_timeout() || e.is_cluster_error() || e.is_connection_refusal(),
                        describe(e, self.timeout),
                    ),
                    Failure::NoMaster(why) => (true, format!("no master could be reached: {why}")),
                };
                let e = self.unavailable(&format!("did not {what}: {}", scrub(&why, &self.secrets)));
                if outage {
                    self.failed_calls.fetch_add(1, Ordering::Relaxed);
                    if !self.down.swap(true, Ordering::Relaxed) {
                        self.down_since_ms.store(self.elapsed_ms(), Ordering::Relaxed);
                        crate::log::event!(Error, "{e}; calls fail closed (StoreUnavailable) until it answers again");
                    }
                }
                Err(e)
            }
        }
    }

    /// A step's retry found what it uses gone: the first try, whose reply was lost with its
    /// connection, may have used it. Not a verdict about the caller's result: fail closed.
    fn maybe_used(&self, step: &str, thing: &str) -> Error {
        self.unavailable(&format!(
            "lost its connection after the {step} was sent, and the retry found the {thing} gone: the lost try may have used it \
             (it stays used; start again with a new one)"
        ))
    }

    fn unavailable(&self, what: &str) -> Error {
        Error::new(ErrorKind::StoreUnavailable, format!("the Redis store {} {what}", self.shown))
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// While Redis is out, one call at a time goes through to find out whether it is back (its
    /// success ends the outage); the others fail at once instead of each waiting the timeout.
    fn admit<'p>(&self, pool: &'p Pool, what: &str) -> Result<Option<Probe<'p>>> {
        if !self.down.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if pool.probing.swap(true, Ordering::Acquire) {
            self.failed_calls.fetch_add(1, Ordering::Relaxed);
            let since = self.elapsed_ms().saturating_sub(self.down_since_ms.load(Ordering::Relaxed));
            return Err(self.unavailable(&format!(
                "did not {what}: it has been unavailable for {} and another call is checking whether it is back (failing fast)",
                human(Duration::from_millis(since))
            )));
        }
        Ok(Some(Probe(&pool.probing)))
    }

    /// The end of an outage: one log event saying how long it lasted.
    fn came_back(&self) {
        let down = Duration::from_millis(self.elapsed_ms().saturating_sub(self.down_since_ms.load(Ordering::Relaxed)));
        let failed = self.failed_calls.swap(0, Ordering::Relaxed);
        crate::log::event!(
            Info,
            "the Redis store {} answers again after {} unavailable ({failed} calls failed closed)",
            self.shown,
            human(down)
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

    fn eval(conn: &mut Conn, script: &str, sha: &str, keys: &[&str], args: &[&str]) -> RedisResult<Value> {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(sha).arg(keys.len()).arg(keys).arg(args);
        match conn.query(&cmd) {
            Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                let mut cmd = redis::cmd("EVAL");
                cmd.arg(script).arg(keys.len()).arg(keys).arg(args);
                conn.query(&cmd)
            }
            other => other,
        }
    }

    /// `WAIT` for `wait_replicas` after a step that used something up (`changed`), with what is
    /// left of the call less a margin for WAIT's own reply; `None` when nothing is to wait for.
    fn wait_after(&self, c: &mut Conn, key: &str, changed: bool, deadline: Instant) -> RedisResult<Option<i64>> {
        match self.wait_replicas {
            0 => Ok(None),
            _ if !changed => Ok(None),
            n => {
                // WAIT gets what is left less a margin for its reply to arrive: Redis checks
                // WAIT's timeout at its `hz` (10 a second by default), so the reply can come up
                // to 100 ms after it.
                let left = left(deadline).unwrap_or_default();
                let ms = u64::try_from((left - (left / 3).min(Duration::from_millis(150))).as_millis()).unwrap_or(u64::MAX);
                Ok(Some(c.wait(key, n, ms)?))
            }
        }
    }

    /// Fewer replicas than `wait_replicas` acknowledged: fail closed (what was used stays used).
    fn check_acked(&self, acked: Option<i64>) -> Result<()> {
        match acked {
            Some(acked) if acked < i64::from(self.wait_replicas) => Err(self.unavailable(&format!(
                "recorded the step, but only {acked} of the {} replicas required (wait_replicas) acknowledged it within {}; failing closed (what it used stays used)",
                self.wait_replicas,
                human(self.timeout)
            ))),
            _ => Ok(()),
        }
    }

    /// One round trip to check that Redis answers (what a readiness probe calls).
    pub fn ping(&self) -> Result<()> {
        let pong: String = self.with_conn("answer PING", |c, _| c.query(&redis::cmd("PING")))?;
        match pong.as_str() {
            "PONG" => Ok(()),
            _ => Err(self.unavailable("answered PING with something other than PONG")),
        }
    }
}

/// Clears the probe flag however the probing call ends.
struct Probe<'a>(&'a AtomicBool);

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Without `CLIENT SETINFO` after connecting: two more round trips per connection, each waiting
/// its own timeout on a server that does not answer (the bound is the whole call's).
fn quiet(info: ConnectionInfo) -> ConnectionInfo {
    let settings = info.redis_settings().clone().set_skip_set_lib_name();
    info.set_redis_settings(settings)
}

/// What is left before `deadline`, or `None` once it passed.
fn left(deadline: Instant) -> Option<Duration> {
    Some(deadline.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
}

fn timed_out() -> RedisError {
    RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
}

/// An error as the operator should read it: a timeout names the limit that expired.
fn describe(e: &RedisError, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("Redis did not answer within {} (the guard's timeout)", human(timeout))
    } else {
        e.to_string()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_options(options: &RedisOptions) -> Result<()> {
    if options.prefix.contains(['{', '}']) || options.prefix.len() > MAX_PREFIX {
        return Err(Error::new(
            ErrorKind::Config,
            format!("the key prefix must be at most {MAX_PREFIX} bytes without braces (braces would move every key to one hash slot)"),
        ));
    }
    if options.timeout.is_zero() {
        return Err(Error::new(ErrorKind::Config, "the Redis timeout must be above zero"));
    }
    if options.timeout > MAX_TIMEOUT {
        return Err(Error::new(
            ErrorKind::Config,
            format!("the Redis timeout is {}: timeouts above an hour are refused as a likely unit mistake", human(options.timeout)),
        ));
    }
    if options.max_challenges_per_subject == 0 || options.max_challenges_per_subject > MAX_CHALLENGES_PER_SUBJECT {
        return Err(Error::new(
            ErrorKind::Config,
            format!("max_challenges_per_subject must be 1 to {MAX_CHALLENGES_PER_SUBJECT}"),
        ));
    }
    Ok(())
}

impl Store for RedisStore {
    fn issue(&self, subject: &str, challenge: &str, ttl: Duration) -> Result<()> {
        let key = format!("{}c", self.subject_base(subject));
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1).to_string();
        let max = self.per_subject.to_string();
        let (set, retried) = self.with_conn_retried("record the challenge", |c, _| {
            Self::eval(c, ISSUE_SCRIPT, &self.issue_sha, &[&key], &[challenge, &ms, &max]).and_then(|v| Ok(i64::from_redis_value(v)?))
        })?;
        match set {
            1 => Ok(()),
            // The first try recorded it and lost its reply: it is pending, as asked.
            0 if retried => Ok(()),
            // A 256-bit random challenge already pending for this subject.
            _ => Err(Error::new(ErrorKind::Internal, "a freshly generated challenge was already pending")),
        }
    }

    fn consume(&self, step: &Step<'_>) -> Result<Verdict> {
        let base = self.subject_base(step.subject);
        let challenges_key = format!("{base}c");
        let counters_key = format!("{base}n");
        let field = device_key(step.cpu_id, step.uid);
        let counter = step.counter.to_string();
        let device_ok = if step.device_ok { "1" } else { "0" };
        let ((code, reply, acked), retried) = self.with_conn_retried("answer the replay check", |c, deadline| {
            let reply = Self::eval(c, CONSUME_SCRIPT, &self.consume_sha, &[&challenges_key, &counters_key], &[&field, &counter, device_ok, step.challenge])?;
            let reply = Vec::<Value>::from_redis_value(reply)?;
            let code = reply.first().and_then(|v| i64::from_redis_value_ref(v).ok());
            // Only an acceptance must survive a failover; a refusal is final whatever happens.
            let acked = self.wait_after(c, &challenges_key, code == Some(3), deadline)?;
            Ok((code, reply, acked))
        })?;
        self.check_acked(acked)?;
        let verdict = match (code, reply.get(1)) {
            (Some(0), _) if retried => return Err(self.maybe_used("replay check", "challenge")),
            (Some(0), _) => Some(Verdict::UnknownChallenge),
            (Some(1), _) => Some(Verdict::DeviceMismatch),
            (Some(2), Some(last)) => String::from_redis_value_ref(last)
                .ok()
                .and_then(|s| s.parse().ok())
                .map(|last| Verdict::CounterNotAbove { last }),
            (Some(3), _) => Some(Verdict::Accepted),
            _ => None,
        };
        verdict.ok_or_else(|| self.unavailable("gave an unexpected reply to the replay check"))
    }

    fn use_ticket(&self, ticket_sha256: &[u8; 32], ttl: Duration) -> Result<bool> {
        // One key per ticket outside any subject's slot: a ticket is used once whoever presents
        // it. SET NX PX is atomic and expires on Redis's clock.
        let key = format!("{}ft:{}", self.prefix, hex(ticket_sha256));
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key).arg(1).arg("NX").arg("PX").arg(ms);
        let ((set, acked), retried) = self.with_conn_retried("mark the face ticket used", |c, deadline| {
            let set: Option<String> = c.query(&cmd)?;
            Ok((set.is_some(), self.wait_after(c, &key, set.is_some(), deadline)?))
        })?;
        self.check_acked(acked)?;
        match set {
            false if retried => Err(self.maybe_used("face ticket step", "ticket")),
            _ => Ok(set),
        }
    }

    fn face_record(&self, subject: &str, session: &str, record: &str, ttl: Duration) -> Result<()> {
        let key = format!("{}f", self.subject_base(subject));
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1).to_string();
        let max = self.per_subject.to_string();
        // 0 (already there) only when a put-back meets the same session recorded again: either
        // way it is recorded.
        self.with_conn("record the face session", |c, _| {
            Self::eval(c, ISSUE_SCRIPT, &self.issue_sha, &[&key], &[session, &ms, &max, record]).and_then(|v| Ok(i64::from_redis_value(v)?))
        })?;
        Ok(())
    }

    fn face_take(&self, subject: &str, session: &str) -> Result<Option<FaceSession>> {
        let key = format!("{}f", self.subject_base(subject));
        let ((reply, acked), retried) = self.with_conn_retried("take the face session", |c, deadline| {
            let reply = Vec::<Value>::from_redis_value(Self::eval(c, FACE_TAKE_SCRIPT, &self.face_take_sha, &[&key], &[session])?)?;
            let taken = reply.first().and_then(|v| i64::from_redis_value_ref(v).ok()) == Some(1);
            Ok((reply, self.wait_after(c, &key, taken, deadline)?))
        })?;
        self.check_acked(acked)?;
        match (reply.first().and_then(|v| i64::from_redis_value_ref(v).ok()), reply.get(1), reply.get(2)) {
            (Some(0), _, _) if retried => Err(self.maybe_used("face session step", "face session")),
            (Some(0), _, _) => Ok(None),
            (Some(1), Some(record), Some(left)) => {
                let record = String::from_redis_value_ref(record).ok();
                let left = String::from_redis_value_ref(left).ok().and_then(|l| l.parse::<u64>().ok());
                match (record, left) {
                    (Some(record), Some(ms)) => Ok(Some(FaceSession { record, left: Duration::from_millis(ms) })),
                    _ => Err(self.unavailable("gave an unexpected reply to the face session step")),
                }
            }
            _ => Err(self.unavailable("gave an unexpected reply to the face session step")),
        }
    }

    fn last_counter(&self, subject: &str, cpu_id: &str, uid: &str) -> Result<Option<u64>> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(format!("{}n", self.subject_base(subject))).arg(device_key(cpu_id, uid));
        let v: Option<String> = self.with_conn("read the counter", |c, _| c.query(&cmd))?;
        v.map(|s| s.parse().map_err(|_| self.unavailable("holds a counter that is not a number"))).transpose()
    }

    fn ping(&self) -> Result<()> {
        RedisStore::ping(self)
    }
}

/// A URL whose user information holds an unencoded `@ / ? #` is refused before any parser reads
/// it: the parser would take part of the password for the host (which errors then name) or
/// connect somewhere else.
fn check_url(url: &str, shown: &str) -> Result<()> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.rfind('@') {
        Some(at) if rest[..at].contains(['@', '/', '?', '#']) => Err(Error::new(
            ErrorKind::Config,
            format!(
                "the Redis URL {shown} is not usable: its password (or a query value) holds an unencoded @ / ? or #; \
                 percent-encode them (%40 %2F %3F %23)"
            ),
        )),
        _ => Ok(()),
    }
}

fn config_error(shown: &str, e: &RedisError, secrets: &[String]) -> Error {
    // A password with an unencoded reserved character moves the URL parser's boundaries, so
    // parts of it could sit anywhere in the parser's message: with user information or a query
    // present, the message is left out entirely.
    let detail = match secrets.is_empty() {
        true => e.to_string(),
        false => "it does not parse as redis://[user:password@]host[:port][/db]".to_owned(),
    };
    Error::new(
        ErrorKind::Config,
        format!("the Redis URL {shown} is not usable: {detail} (percent-encode / ? # @ : % in a password)"),
    )
}

/// `scheme://***@host:port/db`: the user information and any query (which may carry a
/// password) replaced. A generated password may hold an unencoded `/`, `?`, `#` or `@`, so
/// everything before the last `@` counts as user information; and when a `?` or `#` comes
/// before that `@` (a password holding one, or a query holding an `@`: nobody can tell), all of
/// it is hidden.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<not a URL>".to_owned();
    };
    let query = rest.find(['?', '#']);
    let (hidden, rest) = match rest.rfind('@') {
        Some(at) if query.is_some_and(|q| q < at) => return format!("{scheme}://***"),
        Some(at) => (true, &rest[at + 1..]),
        None => (false, rest),
    };
    let rest = match rest.find(['?', '#']) {
        Some(i) => format!("{}?***", &rest[..i]),
        None => rest.to_owned(),
    };
    match hidden {
        true => format!("{scheme}://***@{rest}"),
        false => format!("{scheme}://{rest}"),
    }
}

/// The password-like parts of a URL (user information, query values), raw and percent-decoded,
/// under every reading of an ambiguous URL (see [`redact`]).
fn secrets_of(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    if let Some(at) = rest.rfind('@') {
        let userinfo = &rest[..at];
        out.push(userinfo.split_once(':').map_or(userinfo, |(_, p)| p).to_owned());
    }
    if let Some(q) = rest.find('?') {
        out.extend(rest[q + 1..].split('&').filter_map(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned()));
    }
    let decoded: Vec<String> = out.iter().map(|s| percent_decode(s)).collect();
    out.extend(decoded);
    out.retain(|s| s.len() >= 3); // shorter ones would mangle every message they occur in
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
        assert_eq!(
            format!("{o:?}"),
            "RedisOptions { prefix: \"soter:\", timeout: 1s, tls_ca_pem: Some(27), wait_replicas: 0, max_challenges_per_subject: 16 }"
        );
        // Timeouts above an hour (seconds taken for milliseconds) and per-subject bounds outside 1..=1024.
        for o in [
            RedisOptions { timeout: Duration::from_secs(1000 * 3600), ..Default::default() },
            RedisOptions { max_challenges_per_subject: 0, ..Default::default() },
            RedisOptions { max_challenges_per_subject: 1025, ..Default::default() },
        ] {
            let e = RedisStore::standalone("redis://127.0.0.1", &o).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{o:?}");
        }
        let e = RedisStore::standalone("redis://127.0.0.1", &RedisOptions { timeout: Duration::from_secs(3601), ..Default::default() }).unwrap_err();
        assert!(e.message().contains("above an hour"), "{e}");
        assert!(RedisStore::standalone("redis://127.0.0.1", &RedisOptions { timeout: MAX_TIMEOUT, ..Default::default() }).is_ok());
        let empty: [&str; 0] = [];
        assert_eq!(RedisStore::cluster(&empty, &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
        let sentinel = SentinelOptions { password: Some("m4ster-pw".into()), sentinel_password: Some("s3nt-pw".into()), db: 2 };
        assert_eq!(format!("{sentinel:?}"), "SentinelOptions { password: Some(\"***\"), sentinel_password: Some(\"***\"), db: 2 }");
        let s = RedisStore::sentinel(&["redis://:u%2Fp@127.0.0.1:1"], "mymaster", &sentinel, &RedisOptions::default()).unwrap();
        assert_eq!(s.redacted_url(), "sentinel redis://***@127.0.0.1:1/mymaster");
        assert_eq!(RedisStore::sentinel(&empty, "m", &sentinel, &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(RedisStore::sentinel(&["redis://127.0.0.1:1"], "", &sentinel, &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
        let mixed = ["redis://127.0.0.1:1", "rediss://127.0.0.1:2"];
        assert_eq!(RedisStore::sentinel(&mixed, "m", &sentinel, &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn unencoded_reserved_characters_in_a_password_are_refused() {
        for url in ["redis://:S3cr/etPw+q9@127.0.0.1:6379/0", "redis://:a@b@127.0.0.1", "redis://u:p?w@127.0.0.1", "redis://:p#w@h"] {
            let e = RedisStore::standalone(url, &RedisOptions::default()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{url}");
            assert!(e.message().contains("percent-encode"), "{e}");
            assert_eq!(RedisStore::cluster(&[url], &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
            let s = SentinelOptions::default();
            assert_eq!(RedisStore::sentinel(&[url], "m", &s, &RedisOptions::default()).unwrap_err().kind(), ErrorKind::Config);
        }
        // Encoded, the same passwords are fine.
        assert!(RedisStore::standalone("redis://:S3cr%2FetPw+q9@127.0.0.1:6379/0", &RedisOptions::default()).is_ok());
    }

    #[test]
    fn generated_passwords_with_reserved_characters_never_reach_a_message() {
        // Generated passwords hold / ? # @ : % unencoded; whatever the parser makes of the URL,
        // no part of the password may be shown (messages, Debug), in any of the three shapes.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> = "/?#@:%&=+;,![]$'()*~ abcXYZ019".chars().collect();
        for round in 0..300 {
            let len = 8 + (next() % 17) as usize;
            let mut pw: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            pw.insert_str(0, "Zq"); // every password distinct from the URL's own text
            pw.push_str("Kw");
            let urls = [
                format!("redis://:{pw}@127.0.0.1:6399/0"),
                format!("redis://user:{pw}@127.0.0.1:6399"),
                format!("rediss://default:{pw}@cache.invalid:6380/1"),
                format!("redis://127.0.0.1:6399/0?password={pw}"),
            ];
            for url in &urls {
                let shown = match RedisStore::standalone(url, &RedisOptions::default()) {
                    Ok(s) => format!("{s:?} {}", s.redacted_url()),
                    Err(e) => format!("{e} {e:?}"),
                };
                let cluster = match RedisStore::cluster(&[url.as_str()], &RedisOptions::default()) {
                    Ok(s) => format!("{s:?}"),
                    Err(e) => format!("{e} {e:?}"),
                };
                for text in [&shown, &cluster] {
                    // No run of 4 or more characters of the password survives (shorter runs
                    // such as "127." occur in any message).
                    let chars: Vec<char> = pw.chars().collect();
                    for w in chars.windows(4) {
                        let piece: String = w.iter().collect();
                        if piece.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ':' || c == '/') {
                            continue; // digits and separators: indistinguishable from host:port/db
                        }
                        assert!(!text.contains(&piece), "round {round}: {piece:?} of {pw:?} shown in {text}");
                    }
                }
            }
        }
    }
}
