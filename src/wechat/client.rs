//! The client: settings, host policy, token sources and the call flow shared by every endpoint.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

use super::secret::Secret;
use super::token::{Rejection, TokenCache, TokenRequest, TokenSource, TokenUse, FAILURE_HOLD_MAX, FORCE_REFRESH_INTERVAL};
use super::transport::{errcode, errmsg, human, int_field, str_field, Body, Deadline, JsonObject, Transport};
use super::api_security::ApiSecurity;
use super::{paths, DEFAULT_BASE_URL, OPEN_API_BASE_URL, TOKEN_ERRCODES};

/// Longest accepted timeout or deadline: a WeChat call that may take longer is a mistake (most
/// likely milliseconds given where seconds were meant).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Default of [`ClientBuilder::max_idle_connections`].
pub const DEFAULT_MAX_IDLE_CONNECTIONS: usize = 64;
/// Largest [`ClientBuilder::max_idle_connections`] accepted.
pub const MAX_IDLE_CONNECTIONS: usize = 4096;

/// Bounded retries with exponential backoff and jitter, for errcode -1, HTTP 5xx and connection
/// failures only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first (1 = no retry). Default 3.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one. Default 200 ms.
    pub base_delay: Duration,
    /// Cap on one delay. Default 5 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    /// The delay after failed attempt `attempt` (1-based): base * 2^(attempt-1), capped, with
    /// "equal jitter" (uniform in [d/2, d]) so that servers that failed together do not retry
    /// together.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let d = exp.min(self.max_delay);
        let mut r = [0u8; 4];
        let _ = getrandom::getrandom(&mut r);
        let frac = u32::from_le_bytes(r) as f64 / u32::MAX as f64;
        d / 2 + d.mul_f64(frac / 2.0)
    }
}

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

/// Tokens are printable ASCII without spaces (they travel in a query string).
fn check_token_text(t: &Secret) -> Result<()> {
    let s = t.expose();
    if s.is_empty() || s.len() > 4096 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::new(ErrorKind::InvalidInput, "an access token must be 1 to 4096 printable ASCII characters"));
    }
    Ok(())
}

/// Whether `host` (as in a URL authority, IPv6 in brackets) is a loopback address or localhost.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// Validate the base URL and return it without a trailing slash. Plain http only to loopback,
/// or when explicitly allowed, or to api.weixin.qq.com in cloud hosting's open API mode.
pub(crate) fn check_base_url(url: &str, allow_insecure: bool, open_api: bool) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let uri: ureq::http::Uri =
        url.parse().map_err(|_| Error::new(ErrorKind::Config, "the base URL is not a valid URL"))?;
    let host = uri.host().ok_or_else(|| Error::new(ErrorKind::Config, "the base URL has no host"))?;
    if uri.path() != "/" && !uri.path().is_empty() || uri.query().is_some() {
        return Err(Error::new(ErrorKind::Config, "the base URL must not have a path or query"));
    }
    if url.contains('@') {
        return Err(Error::new(ErrorKind::Config, "the base URL must not carry credentials"));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") => {
            let ok = is_loopback_host(host) || allow_insecure || (open_api && host.eq_ignore_ascii_case("api.weixin.qq.com"));
            if !ok {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("plain http to {host} is refused (only loopback, unless allow_insecure_http is set)"),
                ));
            }
        }
        _ => return Err(Error::new(ErrorKind::Config, "the base URL must start with https:// (or http:// for loopback)")),
    }
    Ok(url.to_owned())
}

/// Plain http must not leave the machine: with an http:// base URL (loopback, or cloud hosting's
/// open API host), a proxy that is not on loopback would carry the request (the app secret, tokens,
/// personal data) in clear text over the network. Refused unless `allow_insecure_http`.
/// (An https:// base is tunnelled through any proxy with CONNECT: TLS end to end.)
pub(crate) fn check_proxy(base: &str, proxy_host: Option<&str>, allow_insecure: bool) -> Result<()> {
    let plain = base.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    match proxy_host {
        Some(host) if plain && !allow_insecure && !is_loopback_host(host) => Err(Error::new(
            ErrorKind::Config,
            "plain http through a proxy that is not on loopback is refused (the request would cross the network \
             in clear text); use https, a loopback proxy, or set allow_insecure_http",
        )),
        _ => Ok(()),
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
        match &self.source {
            TokenSource::StableToken => {
                let body = serde_json::json!({
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret.expose(),
                    "force_refresh": force,
                });
                let obj = self.transport.call(paths::STABLE_TOKEN, &[], Body::Json(&body), "stable_token", deadline)?;
                parse_token_response(&obj, "stable_token")
            }
            TokenSource::ClassicToken => {
                let q = [("grant_type", "client_credential"), ("appid", self.appid.as_str()), ("secret", self.secret.expose())];
                let obj = self.transport.call(paths::TOKEN, &q, Body::Get, "token", deadline)?;
                parse_token_response(&obj, "token")
            }
            // The token last set; the one the client was built with if a forked child could not
            // read its parent's (the parent's cache was locked at the fork).
            TokenSource::Fixed(initial) => Ok((self.tokens.fixed().unwrap_or_else(|| initial.clone()), None)),
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

    #[test]
    fn host_policy() {
        assert!(check_base_url("https://api.weixin.qq.com", false, false).is_ok());
        assert!(check_base_url("http://127.0.0.1:8080/", false, false).is_ok());
        assert!(check_base_url("http://[::1]:8080", false, false).is_ok());
        assert!(check_base_url("http://localhost:1", false, false).is_ok());
        let e = check_base_url("http://wechat.invalid", false, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(check_base_url("http://wechat.invalid", true, false).is_ok());
        assert!(check_base_url("http://api.weixin.qq.com", false, true).is_ok());
        assert!(check_base_url("http://api.weixin.qq.com", false, false).is_err());
        assert!(check_base_url("http://other.invalid", false, true).is_err());
        assert!(check_base_url("ftp://127.0.0.1", false, false).is_err());
        assert!(check_base_url("https://h.invalid/path", false, false).is_err());
        assert!(check_base_url("https://u:p@h.invalid", false, false).is_err());
        assert!(check_base_url("http://127.0.0.2.invalid", false, false).is_err());
    }

    #[test]
    fn proxy_policy() {
        let remote = Some("proxy.example.invalid");
        assert_eq!(check_proxy("http://127.0.0.1:9", remote, false).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(check_proxy("HTTP://[::1]:9", remote, false).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(check_proxy("http://api.weixin.qq.com", remote, false).unwrap_err().kind(), ErrorKind::Config);
        assert!(check_proxy("http://127.0.0.1:9", remote, true).is_ok());
        assert!(check_proxy("http://127.0.0.1:9", Some("127.0.0.1"), false).is_ok());
        assert!(check_proxy("http://127.0.0.1:9", Some("localhost"), false).is_ok());
        assert!(check_proxy("http://127.0.0.1:9", None, false).is_ok());
        assert!(check_proxy("https://api.weixin.qq.com", remote, false).is_ok());
    }

    #[test]
    fn backoff_grows_with_jitter_and_cap() {
        let p = RetryPolicy { max_attempts: 5, base_delay: Duration::from_millis(100), max_delay: Duration::from_millis(300) };
        for _ in 0..50 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d2 = p.delay(2);
            assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200), "{d2:?}");
            let d5 = p.delay(5);
            assert!(d5 >= Duration::from_millis(150) && d5 <= Duration::from_millis(300), "{d5:?}");
        }
    }
}
