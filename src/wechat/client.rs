//! The client: settings and the call flow shared by every endpoint (host policy is in `host`, token
//! sources and fetching in `token`, HTTP and retries in `transport`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::error::{human, Error, ErrorKind, Result};

use super::secret::Secret;
use super::host::{check_base_url, check_proxy};
use super::token::{check_token_text, Rejection, TokenCache, TokenSource, TokenUse, FAILURE_HOLD_MAX, FORCE_REFRESH_INTERVAL};
use super::transport::{errcode, errmsg, Body, Deadline, JsonObject, RetryPolicy, Transport};
use super::api_security::ApiSecurity;
use super::{DEFAULT_BASE_URL, OPEN_API_BASE_URL, TOKEN_ERRCODES};

/// Longest accepted timeout or deadline: a WeChat call that may take longer is a mistake (most
/// likely milliseconds given where seconds were meant).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Default of [`ClientBuilder::max_idle_connections`].
pub const DEFAULT_MAX_IDLE_CONNECTIONS: usize = 64;
/// Largest [`ClientBuilder::max_idle_connections`] accepted.
pub const MAX_IDLE_CONNECTIONS: usize = 4096;

/// Counters for observing the client (tests, metrics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent (every attempt, token requests included).
    pub http_requests: u64,
    /// Retries after transient failures (attempts beyond the first).
    pub retries: u64,
    /// Token requests (to WeChat, to the callback, or reads of the token file).
    pub token_fetches: u64,
    /// Calls retried once after a token error.
    pub token_retries: u64,
}

/// Builds a [`WeChatClient`]. Every setting has a default; `build` checks them all before any
/// connection is made.
pub struct ClientBuilder {
    appid: String,
    secret: Secret,
    base_url: Option<String>,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    timeout: Duration,
    proxy: Option<Secret>,
    retry: RetryPolicy,
    max_response_size: u64,
    refresh_margin: Duration,
    token_retry_max: Duration,
    max_idle_connections: usize,
    source: TokenSource,
    api_security: Option<std::sync::Arc<ApiSecurity>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("appid", &self.appid)
            .field("secret", &self.secret)
            .field("base_url", &self.base_url)
            .field("token_source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Base URL (scheme, host, optional port; no path). Default https://api.weixin.qq.com, or
    /// http://api.weixin.qq.com with [`TokenSource::CloudOpenApi`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Allow plain http to a host that is not loopback, or through a proxy that is not on loopback
    /// (off by default: the token would travel in clear text). Not needed for loopback, nor for
    /// cloud hosting's open API mode without a remote proxy.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }
    /// Longest wait for one connection to be established (default 5 s). A connect that times out
    /// is retried while the deadline allows.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Longest one HTTP attempt may take, connect to last body byte (default 5 s). An attempt
    /// that times out is retried (per the retry policy) while the deadline allows.
    pub fn attempt_timeout(mut self, t: Duration) -> Self {
        self.attempt_timeout = t;
        self
    }
    /// The overall deadline of one call (default 15 s): every attempt, every backoff and the
    /// token fetch the call needs end within it. The timeout error says which limit expired (the
    /// deadline, the connect timeout or the per-attempt timeout).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// An HTTP(S) proxy URL (`http://host:port`, optionally with user:password); HTTPS traffic is
    /// tunnelled with CONNECT. The URL is treated as a secret. With a plain http base URL the proxy
    /// must be on loopback unless [`Self::allow_insecure_http`] is set (the request would otherwise
    /// cross the network in clear text).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(Secret::new(url.into()));
        self
    }
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Largest response body accepted (default 1 MiB).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes;
        self
    }
    /// Refresh a cached token when less than this remains (default 5 minutes; half the token's
    /// lifetime is used instead when that is shorter).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }
    pub fn token_source(mut self, source: TokenSource) -> Self {
        self.source = source;
        self
    }
    /// The ceiling of the token-failure hold (default 30 s, at most an hour). After a token
    /// fetch from WeChat (stable_token or /cgi-bin/token) fails, calls that need a token fail at
    /// once for a hold instead of fetching again: 1 s after the first failure, doubled after each
    /// consecutive one up to this ceiling; the first successful fetch ends it. During a hold the
    /// error keeps the kind (and errcode) of the failed fetch and says so: "no access token:
    /// holding for 4 s after the fetch at 07:31:02 UTC failed: ...". A lower ceiling recovers
    /// sooner after an outage and costs more requests to a failing token service.
    pub fn token_retry_max(mut self, max: Duration) -> Self {
        self.token_retry_max = max;
        self
    }

    /// Idle keep-alive connections kept to WeChat (default 64, 1 to 4096; the client talks to
    /// one host). A call finding none idle opens a new connection, and one returned to a full
    /// pool is closed: size it to the calls in flight at once (threads or the async pool), or a
    /// busy server keeps opening and closing TLS connections.
    pub fn max_idle_connections(mut self, n: usize) -> Self {
        self.max_idle_connections = n;
        self
    }

    /// Sign and encrypt calls to the paths `sec` lists ([`ApiSecurity::paths`]) and verify and
    /// open WeChat's answers to them (WeChat's "API 安全" mode). Its appid must be the client's.
    pub fn api_security(mut self, sec: ApiSecurity) -> Self {
        self.api_security = Some(std::sync::Arc::new(sec));
        self
    }
    pub fn build(self) -> Result<WeChatClient> {
        if self.appid.is_empty() || self.appid.len() > 64 || !self.appid.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::new(ErrorKind::Config, "the appid must be 1 to 64 printable ASCII characters"));
        }
        let needs_secret = matches!(self.source, TokenSource::StableToken | TokenSource::ClassicToken);
        if needs_secret && self.secret.is_empty() {
            return Err(Error::new(ErrorKind::Config, "the app secret is empty (needed by this token source)"));
        }
        if let TokenSource::Fixed(t) = &self.source {
            check_token_text(t)?;
        }
        for (name, t) in [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
            ("attempt_timeout", self.attempt_timeout),
            ("token_retry_max", self.token_retry_max),
        ] {
            if t.is_zero() {
                return Err(Error::new(ErrorKind::Config, "timeouts must be greater than zero"));
            }
            if t > MAX_TIMEOUT {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("{name} is {}: timeouts above an hour are refused as a likely unit mistake", human(t)),
                ));
            }
        }
        if self.retry.max_attempts == 0 || self.retry.max_attempts > 10 {
            return Err(Error::new(ErrorKind::Config, "retry max_attempts must be 1 to 10"));
        }
        if !(1..=MAX_IDLE_CONNECTIONS).contains(&self.max_idle_connections) {
            return Err(Error::new(
                ErrorKind::Config,
                format!("max_idle_connections must be 1 to {MAX_IDLE_CONNECTIONS}, not {}", self.max_idle_connections),
            ));
        }
        if self.max_response_size < 1024 {
            return Err(Error::new(ErrorKind::Config, "the response size cap must be at least 1024 bytes"));
        }
        if let Some(sec) = &self.api_security {
            if sec.appid() != self.appid {
                return Err(Error::new(ErrorKind::Config, "the API security setting is for another appid"));
            }
        }
        let open_api = matches!(self.source, TokenSource::CloudOpenApi);
        let default = if open_api { OPEN_API_BASE_URL } else { DEFAULT_BASE_URL };
        let base = check_base_url(self.base_url.as_deref().unwrap_or(default), self.allow_insecure_http, open_api)?;
        let proxy = match &self.proxy {
            None => None,
            Some(p) => Some(
                ureq::Proxy::new(p.expose())
                    .map_err(|_| Error::new(ErrorKind::Config, "the proxy URL is invalid (expected http://host:port)"))?,
            ),
        };
        check_proxy(&base, proxy.as_ref().map(ureq::Proxy::host), self.allow_insecure_http)?;
        let transport =
            Transport::new(
            base,
            self.connect_timeout,
            self.attempt_timeout,
            proxy,
            self.retry,
            self.max_response_size,
            self.max_idle_connections,
        );
        let tokens = TokenCache::new(self.refresh_margin, self.token_retry_max);
        if let TokenSource::Fixed(t) = &self.source {
            tokens.set(t.clone());
        }
        Ok(WeChatClient {
            appid: self.appid,
            secret: self.secret,
            source: self.source,
            transport,
            timeout: self.timeout,
            tokens,
            token_fetches: AtomicU64::new(0),
            token_retries: AtomicU64::new(0),
            api_security: self.api_security,
        })
    }
}

/// A WeChat API client for one app. `Send + Sync`: share one per app across all threads.
pub struct WeChatClient {
    appid: String,
    secret: Secret,
    source: TokenSource,
    transport: Transport,
    /// The overall deadline of each call.
    timeout: Duration,
    tokens: TokenCache,
    token_fetches: AtomicU64,
    token_retries: AtomicU64,
    api_security: Option<std::sync::Arc<ApiSecurity>>,
}

impl fmt::Debug for WeChatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatClient")
            .field("appid", &self.appid)
            .field("secret", &self.secret)
            .field("token_source", &self.source)
            .field("api_security", &self.api_security)
            .field("stats", &self.stats())
            .finish()
    }
}

impl WeChatClient {
    /// A builder for the app `appid` with its app secret (ignored by token sources that need none).
    pub fn builder(appid: impl Into<String>, secret: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            appid: appid.into(),
            secret: Secret::new(secret.into()),
            base_url: None,
            allow_insecure_http: false,
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            proxy: None,
            retry: RetryPolicy::default(),
            max_response_size: 1 << 20,
            refresh_margin: Duration::from_secs(300),
            token_retry_max: FAILURE_HOLD_MAX,
            max_idle_connections: DEFAULT_MAX_IDLE_CONNECTIONS,
            source: TokenSource::StableToken,
            api_security: None,
        }
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    pub fn token_source(&self) -> &TokenSource {
        &self.source
    }

    pub fn stats(&self) -> ClientStats {
        ClientStats {
            http_requests: self.transport.requests.load(Ordering::Relaxed),
            retries: self.transport.retries.load(Ordering::Relaxed),
            token_fetches: self.token_fetches.load(Ordering::Relaxed),
            token_retries: self.token_retries.load(Ordering::Relaxed),
        }
    }

    /// Replace the token of a [`TokenSource::Fixed`] client (other sources: InvalidArgument).
    pub fn set_fixed_token(&self, token: impl Into<String>) -> Result<()> {
        let token = Secret::new(token.into());
        check_token_text(&token)?;
        if !matches!(self.source, TokenSource::Fixed(_)) {
            return Err(Error::arg("set_fixed_token needs a client with the fixed token source"));
        }
        self.tokens.set(token);
        Ok(())
    }

    /// Drop the cached token; the next call fetches a new one.
    pub fn clear_token_cache(&self) {
        self.tokens.clear();
    }

    /// Whether a token is cached.
    pub fn has_cached_token(&self) -> bool {
        self.tokens.has_token()
    }

    /// Get a token from the source (no cache), within the calling call's deadline. `force` asks
    /// for a fresh one.
    fn fetch_token(&self, force: bool, deadline: Deadline) -> Result<(Secret, Option<Duration>)> {
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
        self.source.fetch(&self.appid, &self.secret, &self.transport, &self.tokens, force, deadline)
    }

    fn token(&self, deadline: Deadline) -> Result<Option<TokenUse>> {
        if matches!(self.source, TokenSource::CloudOpenApi) {
            return Ok(None);
        }
        self.tokens.get(&self.source, &|force| self.fetch_token(force, deadline), deadline).map(Some)
    }

    /// POST `body` to `path` with the token, handling token errors (drop, refresh, retry once) and
    /// transient failures (retry policy), all within one overall deadline (the `timeout`
    /// setting). Returns the response object when errcode is 0; any other errcode is a `WeChatApi`
    /// error carrying errcode and errmsg. `what` names the call in messages. Use this for WeChat
    /// APIs this crate has no typed method for.
    pub fn call(&self, path: &str, body: &Value, what: &str) -> Result<serde_json::Map<String, Value>> {
        if !path.starts_with('/') || path.contains('?') || path.contains("..") {
            return Err(Error::arg("the API path must start with / and have no query"));
        }
        let deadline = Deadline::after(self.timeout);
        let mut used = self.token(deadline)?;
        let mut retried = false;
        loop {
            let param = self.source.query_param();
            let query: Vec<(&str, &str)> = match (&used, param) {
                (Some(t), Some(p)) => vec![(p, t.token.expose())],
                _ => vec![],
            };
            let sent = match &self.api_security {
                Some(sec) if sec.seals(path) => Body::Sealed(body, sec),
                _ => Body::Json(body),
            };
            let obj = self.transport.call(path, &query, sent, what, deadline).map_err(log_failure)?;
            let e = match api_result(obj, what) {
                Ok(obj) => return Ok(obj),
                Err(e) => e,
            };
            if is_token_error(&e) {
                if let (Some(failed), false) = (&used, retried) {
                    if let Rejection::Spaced(ago) = self.tokens.invalidate(&self.source, failed, e.errcode().unwrap_or_default()) {
                        // WeChat rejects tokens fresh from a forced refresh: another would not help
                        // and would storm the token endpoint.
                        return Err(log_failure(e.suffixed(&format!(
                            "; the access token was refreshed {} s ago, and is refreshed at most once per {} s \
                             after a rejection",
                            ago.as_secs(),
                            FORCE_REFRESH_INTERVAL.as_secs()
                        ))));
                    }
                    crate::log::event!(Warn, "{e}; the access token is dropped and the call retried once with a fresh one");
                    let fresh = self.token(deadline)?;
                    let same = fresh.as_ref().map(|f| f.token == failed.token).unwrap_or(true);
                    if !same {
                        self.token_retries.fetch_add(1, Ordering::Relaxed);
                        used = fresh;
                        retried = true;
                        continue;
                    }
                }
            }
            return Err(log_failure(e));
        }
    }
}

/// A failed WeChat call, as it goes back to the caller: logged at warn level.
fn log_failure(e: Error) -> Error {
    crate::log::event!(Warn, "{e}");
    e
}

/// An API response object to the caller's result: errcode 0 gives the object back; a token
/// errcode (40001, 40014, 42001) is a `Token` error, any other errcode a `WeChatApi` error.
pub(crate) fn api_result(obj: JsonObject, what: &str) -> Result<JsonObject> {
    let code = errcode(&obj)?;
    if code == 0 {
        return Ok(obj);
    }
    let e = Error::wechat(code, errmsg(&obj), what);
    if TOKEN_ERRCODES.contains(&code) {
        return Err(e.with_kind(ErrorKind::Token));
    }
    Err(e)
}

/// Whether `e` is WeChat rejecting the access token (drop it, refresh, retry once).
fn is_token_error(e: &Error) -> bool {
    e.kind() == ErrorKind::Token && e.errcode().is_some_and(|c| TOKEN_ERRCODES.contains(&c))
}
