//! Where access tokens come from, and the cache in front of them.
//!
//! The cache refreshes when less than the refresh margin remains (5 minutes, or half the token's
//! lifetime when that is shorter), lets exactly one thread fetch while the others wait
//! (single flight), and on a token error drops the cached token only if it is still the one that
//! failed, so a burst of failures after one expiry causes one refresh, not one per thread.
//!
//! **Token-failure hold.** After a failed fetch from WeChat's token endpoints (stable_token,
//! /cgi-bin/token), calls do not fetch again at once: for a hold of 1 s, doubled per consecutive
//! failure up to a ceiling (30 s by default, [`super::ClientBuilder::token_retry_max`], at most
//! an hour), every call that needs a token fails at once with the error of the failed fetch
//! (same kind and errcode), its message saying so: "no access token: holding for 4 s after the
//! fetch at 07:31:02 UTC failed: ...". A failing token service so sees one fetch (with its
//! bounded retries) per hold, not one per call. The first successful fetch ends it;
//! [`super::WeChatClient::clear_token_cache`] ends it too. A fetch cut short by its caller's
//! deadline starts no hold. Token callbacks and files keep their own policy (no hold).
//!
//! **Forced refreshes.** When WeChat rejects a token (40001, 40014, 42001) the client drops it,
//! fetches a fresh one (stable_token with `force_refresh: true`) and retries the call once. Such
//! a forced refresh happens at most once per 30 s per client (WeChat's spacing for
//! stable_token's force_refresh; for /cgi-bin/token the same, since each fetch invalidates the
//! previous token): a token rejected within 30 s of the last forced refresh fails the call with
//! a `Token` error (WeChat's errcode kept) *without* another fetch. A WeChat that keeps rejecting
//! fresh tokens so costs one fetch per 30 s, not one per call. A fixed token that is rejected
//! gives a `Token` error (the client cannot make another); a callback is asked again with
//! `force_refresh` (its service keeps its own policy).
//!
//! **Fork.** The cache's lock and condition variable belong to the process that made them: a
//! forked child starts from a clean state (no fetch in flight, no hold, no waiters) that keeps
//! the parent's cached token, if one was cached and its lock was free at the fork.
//!
//! Lifetimes are clamped to [`MAX_TOKEN_LIFETIME`] and all instant arithmetic is checked, and the
//! single-flight release (flag reset and wake-up) is a drop guard, so no lifetime and no panic can
//! leave waiting threads blocked. A fetch that calls back into the same cache on the fetching
//! thread (a token callback using its own client) fails at once instead of waiting on itself.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, TryLockError};
use std::thread::ThreadId;
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, ErrorKind, Result};

use super::secret::Secret;
use crate::fork::PerProcess;
use super::paths;
use super::transport::{errcode, errmsg, int_field, str_field, Body, Deadline, JsonObject, Transport};

/// What a token callback is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// True when the previous token was just rejected by WeChat (40001, 40014, 42001): the
    /// callback's token service should hand out a fresh one, not its cached copy.
    pub force_refresh: bool,
}

/// A token produced by a callback.
#[derive(Clone)]
pub struct FetchedToken {
    pub token: Secret,
    /// Remaining validity; `None` caches the token until WeChat rejects it.
    pub expires_in: Option<Duration>,
}

impl fmt::Debug for FetchedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchedToken").field("token", &self.token).field("expires_in", &self.expires_in).finish()
    }
}

/// A caller-supplied token service (the C ABI wraps a function pointer and user data in one).
pub type TokenCallback = Arc<dyn Fn(TokenRequest) -> Result<FetchedToken> + Send + Sync>;

/// Where the client gets its access token.
#[derive(Clone, Default)]
pub enum TokenSource {
    /// `POST /cgi-bin/stable_token` (the default): every server of the app gets the same token,
    /// so they never invalidate each other. `force_refresh` is sent only after a token error, and
    /// never within 30 seconds of the previous forced refresh.
    #[default]
    StableToken,
    /// `GET /cgi-bin/token`: a new token per request (invalidates the previous one after 5 min).
    ClassicToken,
    /// A token supplied by the caller (e.g. from a central token service), replaceable at any time
    /// with [`super::WeChatClient::set_fixed_token`].
    Fixed(Secret),
    /// A caller-supplied function.
    Callback(TokenCallback),
    /// WeChat cloud hosting's open API service: no token at all (the platform's sidecar
    /// authenticates); plain http to api.weixin.qq.com is allowed in this mode only.
    CloudOpenApi,
    /// WeChat cloud hosting's "微信令牌": the token is read from this file (kept current by the
    /// platform) and sent as the `cloudbase_access_token` query parameter.
    CloudbaseFile(PathBuf),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::StableToken => f.write_str("StableToken"),
            TokenSource::ClassicToken => f.write_str("ClassicToken"),
            TokenSource::Fixed(_) => f.write_str("Fixed(<redacted>)"),
            TokenSource::Callback(_) => f.write_str("Callback"),
            TokenSource::CloudOpenApi => f.write_str("CloudOpenApi"),
            TokenSource::CloudbaseFile(p) => f.debug_tuple("CloudbaseFile").field(p).finish(),
        }
    }
}

impl TokenSource {
    /// The query parameter the token travels in, or None when no token is sent.
    pub(crate) fn query_param(&self) -> Option<&'static str> {
        match self {
            TokenSource::CloudOpenApi => None,
            TokenSource::CloudbaseFile(_) => Some("cloudbase_access_token"),
            _ => Some("access_token"),
        }
    }

    /// Where tokens come from, as log messages name it.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            TokenSource::StableToken => "stable_token",
            TokenSource::ClassicToken => "/cgi-bin/token",
            TokenSource::Fixed(_) => "the fixed token",
            TokenSource::Callback(_) => "the token callback",
            TokenSource::CloudOpenApi => "no token source (cloud open API)",
            TokenSource::CloudbaseFile(_) => "the cloudbase token file",
        }
    }

    /// Whether tokens from this source are cached (a file is re-read for every call).
    fn cached(&self) -> bool {
        !matches!(self, TokenSource::CloudbaseFile(_) | TokenSource::CloudOpenApi)
    }

    /// Whether a failed fetch holds back the next ones ([`FAILURE_HOLD`]): WeChat's own token
    /// endpoints only. A callback is the caller's service, which keeps its own policy.
    fn holds_after_failure(&self) -> bool {
        matches!(self, TokenSource::StableToken | TokenSource::ClassicToken)
    }

    /// Whether a rejected token is refreshed at most once per [`FORCE_REFRESH_INTERVAL`]:
    /// WeChat's own token endpoints (a callback's service keeps its own policy).
    pub(crate) fn spaces_forced_refresh(&self) -> bool {
        matches!(self, TokenSource::StableToken | TokenSource::ClassicToken)
    }
}

/// A token in use by one call: its value and which cache generation it came from.
// Debug is safe: Secret's Debug is redacted.
#[derive(Clone, Debug)]
pub(crate) struct TokenUse {
    pub(crate) token: Secret,
    pub(crate) generation: u64,
}

/// Minimum interval between two stable_token force_refresh requests (WeChat's limit).
pub(crate) const FORCE_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// After a failed fetch from WeChat's token endpoint, calls get that failure back without a new
/// request for this long, doubled for each consecutive failure up to the client's
/// `token_retry_max` ([`FAILURE_HOLD_MAX`] by default), so a failing token service sees one fetch
/// (with its bounded retries) per hold, not one per call.
pub(crate) const FAILURE_HOLD: Duration = Duration::from_secs(1);
/// The default ceiling of the failure hold (`token_retry_max`).
pub const FAILURE_HOLD_MAX: Duration = Duration::from_secs(30);

/// Longest lifetime the cache believes (WeChat's tokens live 7200 s). Longer ones, from a callback
/// or a response, are cut to this: the token is then fetched again after at most a day.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

struct Cached {
    token: Secret,
    /// When to fetch again (expiry minus the refresh margin); None = until rejected.
    refresh_at: Option<Instant>,
    /// When the token expires; until then it is served to other threads while one refreshes.
    expires_at: Option<Instant>,
    generation: u64,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// The token of the fixed source (replaceable with `set`).
    fixed: Option<Secret>,
    refreshing: bool,
    /// The thread running the fetch while `refreshing` (to detect re-entry from that thread).
    fetcher: Option<ThreadId>,
    /// Incremented when a fetch finishes (waiters use it to take the fetcher's error).
    rounds: u64,
    last_error: Option<Error>,
    next_generation: u64,
    /// A token was rejected: the next stable_token fetch should force a refresh.
    force_pending: bool,
    /// The errcode WeChat rejected the last dropped token with (for the log).
    rejected_with: i64,
    last_force: Option<Instant>,
    /// Consecutive failed fetches, and until when `last_error` is served instead of fetching.
    failures: u32,
    hold_until: Option<Instant>,
    /// When the fetch that started the hold failed (wall clock, for the message).
    failed_at: Option<SystemTime>,
}

/// What became of a token WeChat rejected (see [`TokenCache::invalidate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Dropped: the next fetch is a forced refresh.
    Dropped,
    /// Another thread replaced it already: use the current one.
    Replaced,
    /// The last forced refresh was this long ago (under [`FORCE_REFRESH_INTERVAL`]): no other
    /// now; the call fails.
    Spaced(Duration),
}

/// The fetch itself, supplied by the client: (force_refresh) -> (token, expires_in).
pub(crate) type Fetcher<'a> = &'a dyn Fn(bool) -> Result<(Secret, Option<Duration>)>;

/// The lock and condition variable of one process (see the module docs on fork).
struct Shared {
    state: Mutex<State>,
    cond: Condvar,
}

impl Shared {
    fn new(state: State) -> Shared {
        Shared { state: Mutex::new(state), cond: Condvar::new() }
    }

    /// A forked child's cache: the inherited cached token, fixed token and forced-refresh
    /// spacing, read without waiting (the lock may be held by a thread of the parent, which does
    /// not exist here: then the child starts empty); nothing of a fetch in flight, its waiters or
    /// a failure hold.
    fn renew(inherited: &Shared) -> Shared {
        // Only one thread of the child renews (PerProcess), and no other thread of the child
        // reaches the inherited cache, so a held lock was held at the fork (by a thread of the
        // parent, or by the forking thread's own call) and is never released here: one try.
        let old = match inherited.state.try_lock() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        let mut st = State::default();
        if let Some(old) = old {
            st.cached = old.cached.as_ref().map(|c| Cached {
                token: c.token.clone(),
                refresh_at: c.refresh_at,
                expires_at: c.expires_at,
                generation: c.generation,
            });
            st.fixed = old.fixed.clone();
            st.next_generation = old.next_generation;
            st.force_pending = old.force_pending;
            st.rejected_with = old.rejected_with;
            st.last_force = old.last_force;
            // The guard is dropped here: it unlocks the child's copy of the inherited lock,
            // which nothing else in the child ever uses.
        }
        Shared::new(st)
    }
}

pub(crate) struct TokenCache {
    shared: PerProcess<Shared>,
    margin: Duration,
    /// The ceiling of the failure hold.
    retry_max: Duration,
}

impl TokenCache {
    pub(crate) fn new(margin: Duration, retry_max: Duration) -> TokenCache {
        TokenCache { shared: PerProcess::new(Shared::new(State::default()), Shared::renew), margin, retry_max }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.get().state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A valid token, fetching one (single flight) when the cache is cold or expiring.
    /// `source` decides caching. `deadline` is the calling call's: waiting for another thread's
    /// fetch ends with it (a Timeout), and `fetch` is expected to respect it too.
    pub(crate) fn get(&self, source: &TokenSource, fetch: Fetcher<'_>, deadline: Deadline) -> Result<TokenUse> {
        if !source.cached() {
            let (token, _) = fetch(false)?;
            return Ok(TokenUse { token, generation: 0 });
        }
        let me = std::thread::current().id();
        let shared = self.shared.get();
        let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        let start_round = st.rounds;
        loop {
            if let Some(c) = &st.cached {
                let now = Instant::now();
                let fresh = c.refresh_at.map_or(true, |t| now < t);
                // While another thread refreshes, an expiring but still valid token is served.
                let usable = st.refreshing && c.expires_at.is_some_and(|t| now < t);
                if fresh || usable {
                    return Ok(TokenUse { token: c.token.clone(), generation: c.generation });
                }
            }
            if st.refreshing {
                if st.fetcher == Some(me) {
                    // The fetch itself (a token callback) called this client: waiting would wait
                    // on ourselves, and every other thread behind us.
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        "the token callback called back into its own client while fetching a token (re-entrant call refused)",
                    ));
                }
                let left = deadline.remaining();
                if left.is_zero() {
                    return Err(deadline.error("access token", " while another thread was fetching it"));
                }
                st = shared.cond.wait_timeout(st, left).unwrap_or_else(|p| p.into_inner()).0;
                continue;
            }
            if st.rounds != start_round {
                // A fetch finished while we waited and left no usable token: share its error
                // instead of starting another request.
                if let Some(e) = &st.last_error {
                    return Err(e.clone());
                }
            }
            if source.holds_after_failure() {
                if let (Some(until), Some(e)) = (st.hold_until, &st.last_error) {
                    let left = until.saturating_duration_since(Instant::now());
                    if !left.is_zero() {
                        // The last fetch failed moments ago: back off instead of asking again,
                        // saying so (this error is that fetch's, not this call's).
                        return Err(e.prefixed(&format!(
                            "no access token: holding for {} after the fetch at {} failed: ",
                            hold_left(left),
                            utc_time(st.failed_at)
                        )));
                    }
                }
            }
            break;
        }
        st.refreshing = true;
        st.fetcher = Some(me);
        let force = st.force_pending && st.last_force.map_or(true, |t| t.elapsed() >= FORCE_REFRESH_INTERVAL);
        let why = FetchReason::of(&st, force);
        drop(st);
        // From here on, every way out (return, error, panic) releases the flight and wakes the
        // waiters: the guard's Drop does it.
        let flight = Flight { shared };

        let fetched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fetch(force)))
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "the token fetch panicked")));

        let lifetime = fetched.as_ref().ok().and_then(|(_, life)| *life);
        let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        let out = match fetched {
            Ok((token, expires_in)) => {
                if force {
                    st.force_pending = false;
                    st.last_force = Some(Instant::now());
                }
                let (refresh_at, expires_at) = match expires_in {
                    None => (None, None),
                    Some(life) => deadlines(Instant::now(), life, self.margin),
                };
                st.next_generation += 1;
                let generation = st.next_generation;
                st.cached = Some(Cached { token: token.clone(), refresh_at, expires_at, generation });
                st.last_error = None;
                st.failures = 0;
                st.hold_until = None;
                st.failed_at = None;
                Ok(TokenUse { token, generation })
            }
            Err(e) if deadline.expired() => {
                // This caller's deadline ran out, which says nothing about the token service:
                // no hold, and waiters (with their own deadlines) fetch again instead of sharing it.
                st.last_error = None;
                Err(e)
            }
            Err(e) => {
                st.last_error = Some(e.clone());
                st.failures = st.failures.saturating_add(1);
                let hold = FAILURE_HOLD.saturating_mul(1 << (st.failures - 1).min(12)).min(self.retry_max);
                st.hold_until = Instant::now().checked_add(hold);
                st.failed_at = Some(SystemTime::now());
                Err(e)
            }
        };
        st.refreshing = false;
        st.fetcher = None;
        st.rounds += 1;
        drop(st);
        drop(flight);
        match &out {
            Ok(_) => crate::log::event!(Info, "access token {} from {} ({why}); valid for {}", why.verb(), source.label(), Lifetime(lifetime)),
            Err(e) => crate::log::event!(Error, "access token could not be {} from {} ({why}): {e}", why.verb(), source.label()),
        }
        out
    }

    /// WeChat rejected `used`: drop it if it is still the cached one (another thread may have
    /// refreshed already), unless `source` spaces forced refreshes and the last one was under
    /// [`FORCE_REFRESH_INTERVAL`] ago (then the token stays, and the call fails).
    pub(crate) fn invalidate(&self, source: &TokenSource, used: &TokenUse, errcode: i64) -> Rejection {
        let mut st = self.lock();
        match &st.cached {
            Some(c) if c.generation == used.generation => {
                if source.spaces_forced_refresh() {
                    if let Some(ago) = st.last_force.map(|t| t.elapsed()).filter(|ago| *ago < FORCE_REFRESH_INTERVAL) {
                        return Rejection::Spaced(ago);
                    }
                }
                st.cached = None;
                st.force_pending = true;
                st.rejected_with = errcode;
                Rejection::Dropped
            }
            _ => Rejection::Replaced,
        }
    }

    /// Replace the cached token (fixed source).
    pub(crate) fn set(&self, token: Secret) {
        let mut st = self.lock();
        st.next_generation += 1;
        let generation = st.next_generation;
        st.fixed = Some(token.clone());
        st.cached = Some(Cached { token, refresh_at: None, expires_at: None, generation });
        st.last_error = None;
    }

    /// The fixed source's token (`None` if never set in this process's cache).
    pub(crate) fn fixed(&self) -> Option<Secret> {
        self.lock().fixed.clone()
    }

    /// Forget the cached token and any failure hold (the next call fetches).
    pub(crate) fn clear(&self) {
        let mut st = self.lock();
        st.cached = None;
        st.hold_until = None;
        st.failed_at = None;
        st.failures = 0;
    }

    pub(crate) fn has_token(&self) -> bool {
        self.lock().cached.is_some()
    }
}

/// Why a token is fetched, for the log line that reports the fetch.
#[derive(Clone, Copy)]
enum FetchReason {
    FirstUse,
    /// The cached token reached its refresh margin; the time it had left.
    Expiring(Option<Duration>),
    /// WeChat rejected the cached token with this errcode; whether force_refresh is requested.
    Rejected(i64, bool),
    /// The cache was cleared by the caller.
    Cleared,
}

impl FetchReason {
    fn of(st: &State, force: bool) -> FetchReason {
        match &st.cached {
            Some(c) => FetchReason::Expiring(c.expires_at.map(|t| t.saturating_duration_since(Instant::now()))),
            None if st.force_pending => FetchReason::Rejected(st.rejected_with, force),
            None if st.next_generation == 0 => FetchReason::FirstUse,
            None => FetchReason::Cleared,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            FetchReason::FirstUse | FetchReason::Cleared => "fetched",
            _ => "refreshed",
        }
    }
}

impl fmt::Display for FetchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchReason::FirstUse => f.write_str("first use"),
            FetchReason::Expiring(Some(left)) => write!(f, "expiring: {} s left", left.as_secs()),
            FetchReason::Expiring(None) => f.write_str("expiring"),
            FetchReason::Rejected(code, true) => write!(f, "forced after errcode {code}"),
            FetchReason::Rejected(code, false) => write!(
                f,
                "after errcode {code}; force_refresh withheld: the last forced refresh was under {} s ago",
                FORCE_REFRESH_INTERVAL.as_secs()
            ),
            FetchReason::Cleared => f.write_str("the token cache was cleared"),
        }
    }
}

/// A token's lifetime as the log shows it.
struct Lifetime(Option<Duration>);

impl fmt::Display for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "{} s", d.as_secs()),
            None => f.write_str("as long as WeChat accepts it"),
        }
    }
}

/// When to refresh and when the token expires, for a token of lifetime `life` fetched at `now`:
/// the lifetime clamped to [`MAX_TOKEN_LIFETIME`], the refresh `margin` (at most half the
/// lifetime) before expiry. Checked arithmetic: an instant past the platform's range means
/// "never", which the clamp makes unreachable in practice.
fn deadlines(now: Instant, life: Duration, margin: Duration) -> (Option<Instant>, Option<Instant>) {
    let life = life.min(MAX_TOKEN_LIFETIME);
    let expires_at = now.checked_add(life);
    let refresh_at = now.checked_add(life.saturating_sub(margin.min(life / 2)));
    (refresh_at, expires_at)
}

/// "4 s" (rounded up) or, under half a second, "300 ms": what is left of a hold.
fn hold_left(d: Duration) -> String {
    if d > Duration::from_millis(500) {
        format!("{} s", d.as_secs() + u64::from(d.subsec_nanos() > 0))
    } else {
        format!("{} ms", d.as_millis().max(1))
    }
}

/// "07:31:02 UTC": the time of day of `t` (UTC, without a date: holds last at most an hour).
fn utc_time(t: Option<SystemTime>) -> String {
    let Some(secs) = t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()).map(|d| d.as_secs()) else {
        return "an unknown time".to_owned();
    };
    let s = secs % 86_400;
    format!("{:02}:{:02}:{:02} UTC", s / 3600, s / 60 % 60, s % 60)
}

/// The single-flight release: whatever way `get` leaves after taking the flight, the flag is
/// reset (with an error for the waiters if the fetch never recorded an outcome) and every waiter
/// is woken.
struct Flight<'a> {
    shared: &'a Shared,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.refreshing {
            st.refreshing = false;
            st.fetcher = None;
            st.rounds += 1;
            st.last_error = Some(Error::new(ErrorKind::Internal, "the token fetch did not complete"));
        }
        drop(st);
        self.shared.cond.notify_all();
    }
}

impl TokenSource {
    /// Get a token from this source (no cache), within the calling call's deadline. `force` asks
    /// for a fresh one. `tokens` is the client's cache (a fixed token lives there).
    pub(crate) fn fetch(
        &self,
        appid: &str,
        secret: &Secret,
        transport: &Transport,
        tokens: &TokenCache,
        force: bool,
        deadline: Deadline,
    ) -> Result<(Secret, Option<Duration>)> {
        match self {
            TokenSource::StableToken => {
                let body = serde_json::json!({
                    "grant_type": "client_credential",
                    "appid": appid,
                    "secret": secret.expose(),
                    "force_refresh": force,
                });
                let obj = transport.call(paths::STABLE_TOKEN, &[], Body::Json(&body), "stable_token", deadline)?;
                parse_token_response(&obj, "stable_token")
            }
            TokenSource::ClassicToken => {
                let q = [("grant_type", "client_credential"), ("appid", appid), ("secret", secret.expose())];
                let obj = transport.call(paths::TOKEN, &q, Body::Get, "token", deadline)?;
                parse_token_response(&obj, "token")
            }
            // The token last set; the one the client was built with if a forked child could not
            // read its parent's (the parent's cache was locked at the fork).
            TokenSource::Fixed(initial) => Ok((tokens.fixed().unwrap_or_else(|| initial.clone()), None)),
            TokenSource::Callback(cb) => {
                let got = cb(TokenRequest { force_refresh: force }).map_err(|e| {
                    if e.kind() == ErrorKind::Token {
                        e
                    } else {
                        Error::new(ErrorKind::Token, format!("the token callback failed: {}", e.message()))
                    }
                })?;
                check_token_text(&got.token).map_err(|e| e.with_kind(ErrorKind::Token))?;
                Ok((got.token, got.expires_in))
            }
            TokenSource::CloudbaseFile(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::new(ErrorKind::Token, format!("cannot read the cloudbase_access_token file ({})", e.kind()))
                })?;
                let t = Secret::new(text.trim().to_owned());
                check_token_text(&t).map_err(|_| Error::new(ErrorKind::Token, "the cloudbase_access_token file holds no token"))?;
                Ok((t, None))
            }
            TokenSource::CloudOpenApi => Ok((Secret::new(String::new()), None)),
        }
    }
}

/// Tokens are printable ASCII without spaces (they travel in a query string).
pub(crate) fn check_token_text(t: &Secret) -> Result<()> {
    let s = t.expose();
    if s.is_empty() || s.len() > 4096 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::new(ErrorKind::InvalidInput, "an access token must be 1 to 4096 printable ASCII characters"));
    }
    Ok(())
}

pub(crate) fn parse_token_response(obj: &JsonObject, what: &str) -> Result<(Secret, Option<Duration>)> {
    let code = errcode(obj)?;
    if code != 0 {
        return Err(Error::wechat(code, errmsg(obj), what).with_kind(ErrorKind::Token));
    }
    let token = str_field(obj, "access_token")
        .map(Secret::new)
        .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, format!("{what}: the response has no access_token")))?;
    check_token_text(&token)
        .map_err(|_| Error::new(ErrorKind::MalformedResponse, format!("{what}: the access_token is not printable ASCII")))?;
    let expires = int_field(obj, "expires_in", what)?
        .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, format!("{what}: the response has no expires_in")))?;
    if expires <= 0 {
        return Err(Error::new(ErrorKind::MalformedResponse, format!("{what}: expires_in is not positive")));
    }
    Ok((token, Some(Duration::from_secs(expires as u64))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn secret(s: &str) -> Secret {
        Secret::new(s.to_owned())
    }

    fn long() -> Deadline {
        Deadline::after(Duration::from_secs(60))
    }

    #[test]
    fn waiting_for_another_threads_fetch_ends_at_the_deadline() {
        let cache = Arc::new(TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX));
        let (started, go) = (Arc::new(std::sync::Barrier::new(2)), Arc::new(std::sync::Barrier::new(2)));
        let (c2, s2, g2) = (cache.clone(), started.clone(), go.clone());
        let fetcher = std::thread::spawn(move || {
            c2.get(
                &TokenSource::StableToken,
                &|_| {
                    s2.wait();
                    g2.wait(); // held until the waiter has timed out
                    Ok((secret("SLOW"), None))
                },
                long(),
            )
        });
        started.wait();
        let t = Instant::now();
        let e = cache.get(&TokenSource::StableToken, &|_| panic!("single flight"), Deadline::after(Duration::from_millis(150))).unwrap_err();
        let took = t.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert!(e.message().contains("overall deadline (150 ms) expired while another thread"), "{}", e.message());
        assert!(took >= Duration::from_millis(140) && took < Duration::from_secs(2), "{took:?}");
        go.wait();
        assert_eq!(fetcher.join().unwrap().unwrap().token.expose(), "SLOW");
    }

    #[test]
    fn a_fetch_cut_short_by_its_callers_deadline_holds_nobody_back() {
        let cache = TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX);
        let short = Deadline::after(Duration::from_millis(20));
        let e = cache
            .get(&TokenSource::StableToken, &|_| {
                std::thread::sleep(Duration::from_millis(40));
                Err(Error::new(ErrorKind::Timeout, "deadline"))
            }, short)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout);
        // The next caller, with time to spare, fetches at once (no failure hold).
        assert_eq!(cache.get(&TokenSource::StableToken, &|_| Ok((secret("NEXT"), None)), long()).unwrap().token.expose(), "NEXT");
        // A genuine failure (time left) is held back, as before.
        let cache = TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX);
        let _ = cache.get(&TokenSource::StableToken, &|_| Err(Error::new(ErrorKind::Token, "refused")), long());
        let e = cache.get(&TokenSource::StableToken, &|_| panic!("held back"), long()).unwrap_err();
        assert!(e.message().starts_with("no access token: holding for 1 s after the fetch at "), "{}", e.message());
        assert!(e.message().ends_with(" UTC failed: refused"), "{}", e.message());
        assert_eq!(e.kind(), ErrorKind::Token, "the failed fetch's kind is kept");
    }

    #[test]
    fn huge_lifetimes_from_four_threads_never_hang() {
        for life in [Duration::MAX, Duration::from_secs(i64::MAX as u64), Duration::from_secs(u64::MAX / 2)] {
            let cache = Arc::new(TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX));
            let fetches = Arc::new(AtomicU32::new(0));
            let (tx, rx) = std::sync::mpsc::channel();
            for _ in 0..4 {
                let (cache, fetches, tx) = (cache.clone(), fetches.clone(), tx.clone());
                std::thread::spawn(move || {
                    let got = cache.get(
                        &TokenSource::StableToken,
                        &|_| {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            Ok((secret("HUGE"), Some(life)))
                        },
                        long(),
                    );
                    let _ = tx.send(got.map(|t| t.token.expose().to_owned()));
                });
            }
            for _ in 0..4 {
                let got = rx.recv_timeout(Duration::from_secs(10)).expect("a thread hung in the token cache");
                assert_eq!(got.unwrap(), "HUGE");
            }
            assert_eq!(fetches.load(Ordering::SeqCst), 1, "single flight");
            // Cached, and later calls work without fetching.
            let t = cache.get(&TokenSource::StableToken, &|_| panic!("must not fetch"), long()).unwrap();
            assert_eq!(t.token.expose(), "HUGE");
        }
    }

    #[test]
    fn lifetimes_are_clamped_and_margins_hold() {
        let now = Instant::now();
        let (r, e) = deadlines(now, Duration::MAX, Duration::from_secs(300));
        assert_eq!(e, Some(now + MAX_TOKEN_LIFETIME));
        assert_eq!(r, Some(now + MAX_TOKEN_LIFETIME - Duration::from_secs(300)));
        let (r, e) = deadlines(now, Duration::from_secs(7200), Duration::from_secs(300));
        assert_eq!((r, e), (Some(now + Duration::from_secs(6900)), Some(now + Duration::from_secs(7200))));
        // A short lifetime refreshes at half of it.
        let (r, _) = deadlines(now, Duration::from_secs(10), Duration::from_secs(300));
        assert_eq!(r, Some(now + Duration::from_secs(5)));
    }

    #[test]
    fn unwinding_with_the_flight_taken_wakes_the_waiters() {
        let cache = Arc::new(TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX));
        {
            let mut st = cache.lock();
            st.refreshing = true;
            st.fetcher = None;
        }
        let c2 = cache.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(c2.get(&TokenSource::StableToken, &|_| Ok((secret("X"), None)), long()).map(|_| ()));
        });
        std::thread::sleep(Duration::from_millis(100)); // the waiter is now waiting on the flight
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _flight = Flight { shared: cache.shared.get() };
            panic!("unwinding with the flight taken");
        }));
        assert!(r.is_err());
        let got = rx.recv_timeout(Duration::from_secs(10)).expect("the waiter was never woken");
        assert_eq!(got.unwrap_err().kind(), ErrorKind::Internal);
        assert!(!cache.lock().refreshing);
    }

    /// Fork with `cache` as it is; the child runs `check` (with a 10 s alarm: a hang fails) and
    /// leaves with its verdict as the exit status.
    fn in_a_child(check: impl FnOnce() -> bool) {
        // SAFETY: the child runs only this cache's code and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            unsafe { libc::alarm(10) };
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or(false);
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status} (SIGALRM = hung)");
    }

    #[test]
    fn a_child_forked_during_a_fetch_or_with_the_lock_held_starts_clean() {
        // No unit test's logger is mid-delivery (holding its own lock) at the forks: the
        // children log their fetches.
        let _serial = crate::log::tests::SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let source = TokenSource::StableToken;
        // 1. A fetch in flight on another thread at the fork: the child keeps the cached token,
        // and a fetch of its own does not wait for the parent's (whose thread is not there).
        let cache = Arc::new(TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX));
        cache.get(&source, &|_| Ok((secret("PARENT"), Some(Duration::from_secs(7200)))), long()).unwrap();
        let (started, go) = (Arc::new(std::sync::Barrier::new(2)), Arc::new(std::sync::Barrier::new(2)));
        let (c2, s2, g2) = (cache.clone(), started.clone(), go.clone());
        let fetcher = std::thread::spawn(move || {
            c2.clear();
            c2.get(
                &TokenSource::StableToken,
                &|_| {
                    s2.wait();
                    g2.wait();
                    Ok((secret("PARENT-2"), None))
                },
                long(),
            )
            .map(|t| t.token.expose().to_owned())
        });
        started.wait(); // the fetch is in flight, the cache empty, `refreshing` set
        in_a_child(|| {
            let t = cache.get(&source, &|_| Ok((secret("CHILD"), None)), Deadline::after(Duration::from_secs(5)));
            t.map(|t| t.token.expose() == "CHILD").unwrap_or(false)
        });
        go.wait();
        assert_eq!(fetcher.join().unwrap().unwrap(), "PARENT-2", "the parent's fetch is its own");

        // 2. A valid cached token is kept across the fork: no fetch in the child.
        in_a_child(|| cache.get(&source, &|_| panic!("the child must not fetch"), long()).map(|t| t.token.expose() == "PARENT-2").unwrap_or(false));

        // 3. The cache's lock held by another thread at the fork: the child starts empty
        // instead of waiting for a lock nobody will release.
        let (locked, release) = (Arc::new(std::sync::Barrier::new(2)), Arc::new(std::sync::Barrier::new(2)));
        let (c3, l3, r3) = (cache.clone(), locked.clone(), release.clone());
        let holder = std::thread::spawn(move || {
            let st = c3.lock();
            l3.wait();
            r3.wait();
            drop(st);
        });
        locked.wait();
        in_a_child(|| cache.get(&source, &|_| Ok((secret("CHILD-3"), None)), long()).map(|t| t.token.expose() == "CHILD-3").unwrap_or(false));
        release.wait();
        holder.join().unwrap();

        // 4. A failure hold in the parent does not follow the child.
        let cache = TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX);
        let _ = cache.get(&source, &|_| Err(Error::new(ErrorKind::Token, "refused")), long());
        assert!(cache.get(&source, &|_| panic!("held"), long()).is_err());
        in_a_child(|| cache.get(&source, &|_| Ok((secret("CHILD-4"), None)), long()).is_ok());
    }

    #[test]
    fn re_entry_from_the_fetching_thread_fails_clearly() {
        let cache = TokenCache::new(Duration::from_secs(300), FAILURE_HOLD_MAX);
        let inner: std::cell::RefCell<Option<Error>> = std::cell::RefCell::new(None);
        let got = cache.get(
            &TokenSource::StableToken,
            &|_| {
                let e = cache.get(&TokenSource::StableToken, &|_| Ok((secret("NESTED"), None)), long()).unwrap_err();
                *inner.borrow_mut() = Some(e.clone());
                Err(e)
            },
            long(),
        );
        let e = inner.borrow().clone().expect("the nested call returned");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("re-entrant"), "{}", e.message());
        assert_eq!(got.unwrap_err().kind(), ErrorKind::InvalidArgument);
        // The cache is usable afterwards.
        let fixed = TokenSource::Fixed(secret("OK"));
        assert_eq!(cache.get(&fixed, &|_| Ok((secret("OK"), None)), long()).unwrap().token.expose(), "OK");
    }
}
