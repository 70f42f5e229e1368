//! HTTP to WeChat: one ureq agent, the retry policy and retries with backoff, response size cap,
//! and the mapping of every failure onto this crate's error kinds (never echoing URLs, which carry
//! tokens).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::error::{human, Error, ErrorKind, Result};

use crate::fork::PerProcess;

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

pub(crate) type JsonObject = Map<String, Value>;

/// A request body, or none (GET).
pub(crate) enum Body<'a> {
    Get,
    Json(&'a Value),
    /// POST, sealed with the app's API security setting; the answer is verified and opened.
    Sealed(&'a Value, &'a super::api_security::ApiSecurity),
}

pub(crate) struct Transport {
    /// The HTTP agent and its keep-alive pool, this process's own: a forked child leaves the
    /// inherited one (and its sockets) untouched and builds a fresh one with the same settings.
    agent: PerProcess<ureq::Agent>,
    base: String,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    retry: RetryPolicy,
    max_response: u64,
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
}

/// One call's time budget: every attempt, every backoff and the token fetch the call needs end
/// by `at`. Each attempt gets the least of its own limits and what is left of this.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    at: Option<Instant>,
    total: Duration,
}

impl Deadline {
    pub(crate) fn after(total: Duration) -> Deadline {
        Deadline { at: Instant::now().checked_add(total), total }
    }

    /// What is left (zero once expired).
    pub(crate) fn remaining(&self) -> Duration {
        self.at.map_or(Duration::MAX, |at| at.saturating_duration_since(Instant::now()))
    }

    pub(crate) fn expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// The Timeout error that names this limit: "`what`: the overall deadline (15 s) expired `how`".
    pub(crate) fn error(&self, what: &str, how: &str) -> Error {
        Error::new(ErrorKind::Timeout, format!("{what}: the overall deadline ({}) expired{how}", human(self.total)))
    }
}

/// " (after 3 attempts)", or nothing for one.
fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// What one attempt produced.
pub(crate) enum Attempt {
    Done(JsonObject),
    /// errcode -1, HTTP 5xx, a connection failure: worth another attempt.
    Transient(Error, Option<JsonObject>),
    Fatal(Error),
}

impl Transport {
    pub(crate) fn new(
        base: String,
        connect_timeout: Duration,
        attempt_timeout: Duration,
        proxy: Option<ureq::Proxy>,
        retry: RetryPolicy,
        max_response: u64,
        max_idle: usize,
    ) -> Transport {
        // Timeouts are set per attempt (see `attempt`): each is cut to what the call has left.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(false)
            .proxy(proxy)
            .user_agent(concat!("soter-verify/", env!("CARGO_PKG_VERSION")))
            // Both caps: ureq's overall one (10 by default) would otherwise cut the per-host one.
            .max_idle_connections(max_idle)
            .max_idle_connections_per_host(max_idle)
            .build()
            .into();
        Transport {
            // A child's agent: the same settings (read from the inherited one, a plain value),
            // a new pool and a new TLS connector (its session cache has a lock of its own).
            agent: PerProcess::new(agent, |inherited| ureq::Agent::new_with_config(inherited.config().clone())),
            base,
            connect_timeout,
            attempt_timeout,
            retry,
            max_response,
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    /// Call `path` with `query` and `body`, retrying transient failures (timed-out attempts
    /// included) per the policy while `deadline` allows: no attempt starts after it, none runs
    /// past it, and no backoff sleeps past it. Returns the response object, which may carry a
    /// non-zero errcode (other than -1 unless retries ran out).
    pub(crate) fn call(&self, path: &str, query: &[(&str, &str)], body: Body<'_>, what: &str, deadline: Deadline) -> Result<JsonObject> {
        let attempts = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            if deadline.expired() {
                return Err(deadline.error(what, &after(attempt - 1)));
            }
            match self.attempt(path, query, &body, what, deadline, attempt) {
                a @ (Attempt::Done(_) | Attempt::Fatal(_)) => return last_attempt(a, attempt),
                a @ Attempt::Transient(..) => {
                    if attempt >= attempts {
                        return last_attempt(a, attempt);
                    }
                    let delay = self.retry.delay(attempt);
                    if delay >= deadline.remaining() {
                        // No time for another attempt: the last failure, saying so.
                        return last_attempt(a, attempt).map_err(|e| {
                            let note = format!("; the overall deadline ({}) leaves no time for another", human(deadline.total));
                            Error::new(e.kind(), format!("{}{note}", e.message()))
                        });
                    }
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    if let Attempt::Transient(e, _) = &a {
                        crate::log::event!(Warn, "{e}; retrying (attempt {} of {attempts}) in {} ms", attempt + 1, delay.as_millis());
                    }
                    std::thread::sleep(delay);
                    attempt += 1;
                }
            }
        }
    }

    fn attempt(&self, path: &str, query: &[(&str, &str)], body: &Body<'_>, what: &str, deadline: Deadline, n: u32) -> Attempt {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}{}", self.base, path);
        let agent = self.agent.get();
        // This attempt's limits, each cut to what the call has left (then the deadline is the
        // limit that expires, and the message says so).
        let left = deadline.remaining();
        let limits = Limits {
            connect: self.connect_timeout.min(left),
            attempt: self.attempt_timeout.min(left),
            connect_is_deadline: left <= self.connect_timeout,
            attempt_is_deadline: left <= self.attempt_timeout,
        };
        let sent = match body {
            Body::Get => {
                let mut req = agent.get(&url);
                for (k, v) in query {
                    req = req.query(k, v);
                }
                req.config().timeout_connect(Some(limits.connect)).timeout_global(Some(limits.attempt)).build().call()
            }
            Body::Json(v) => {
                let bytes = serde_json::to_vec(v).expect("a JSON value always serializes");
                let mut req = agent.post(&url).header("content-type", "application/json");
                for (k, v) in query {
                    req = req.query(k, v);
                }
                req.config().timeout_connect(Some(limits.connect)).timeout_global(Some(limits.attempt)).build().send(&bytes[..])
            }
            Body::Sealed(v, sec) => {
                // Sealed per attempt: each gets its own timestamp, nonce and IV.
                let text = serde_json::to_string(v).expect("a JSON value always serializes");
                let sealed = match sec.seal(&url, &text, None, None, None) {
                    Ok(s) => s,
                    Err(e) => return Attempt::Fatal(e.prefixed(&format!("{what}: "))),
                };
                let mut req = agent.post(&url).header("content-type", "application/json");
                for (k, v) in &sealed.headers {
                    req = req.header(k.as_str(), v.as_str());
                }
                for (k, v) in query {
                    req = req.query(k, v);
                }
                req.config().timeout_connect(Some(limits.connect)).timeout_global(Some(limits.attempt)).build().send(sealed.body.as_bytes())
            }
        };
        let timeout = |e: ureq::Error| self.timeout_or(e, what, &limits, deadline, n);
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => return timeout(e),
        };
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter(|(k, _)| k.as_str().starts_with("wechatmp-"))
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let bytes = match read_capped(resp.body_mut(), self.max_response) {
            Ok(b) => b,
            Err(ReadError::TooLarge) => {
                return Attempt::Fatal(Error::new(
                    ErrorKind::MalformedResponse,
                    format!("{what}: the response is larger than the {} byte cap", self.max_response),
                ))
            }
            Err(ReadError::Http(_)) if status >= 500 => {
                return Attempt::Transient(Error::new(ErrorKind::Network, format!("{what}: WeChat answered HTTP {status}")), None)
            }
            Err(ReadError::Http(e)) => return timeout(e),
        };
        crate::log::event!(Trace, "{what}: {} {path}: HTTP {status}, {} bytes", if matches!(body, Body::Get) { "GET" } else { "POST" }, bytes.len());
        if let (Body::Sealed(_, sec), 200) = (body, status) {
            return open_sealed(sec, &url, &bytes, &headers, what);
        }
        classify(status, &bytes, what)
    }

    /// A failed attempt: timeouts named by the limit that expired (the call's deadline: final;
    /// the connect timeout or the per-attempt timeout: retried while the deadline allows), other
    /// failures as [`map_ureq_error`] classifies them.
    fn timeout_or(&self, e: ureq::Error, what: &str, limits: &Limits, deadline: Deadline, n: u32) -> Attempt {
        let connect = match &e {
            ureq::Error::Timeout(ureq::Timeout::Connect) => true,
            ureq::Error::Timeout(_) => false,
            ureq::Error::Io(io) if matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => false,
            _ => return map_ureq_error(e, what),
        };
        let by_deadline = deadline.expired() || if connect { limits.connect_is_deadline } else { limits.attempt_is_deadline };
        if by_deadline {
            return Attempt::Fatal(deadline.error(what, &after(n)));
        }
        let message = if connect {
            format!("{what}: the connect timeout ({}) expired", human(limits.connect))
        } else {
            format!("{what}: the per-attempt timeout ({}) expired before the answer was read", human(limits.attempt))
        };
        Attempt::Transient(Error::new(ErrorKind::Timeout, message), None)
    }
}

/// The limits of one attempt, and whether each is the call's deadline (what is left of it).
struct Limits {
    connect: Duration,
    attempt: Duration,
    connect_is_deadline: bool,
    attempt_is_deadline: bool,
}

enum ReadError {
    TooLarge,
    Http(ureq::Error),
}

/// The response body, decoded (ureq inflates gzip on its own: the client advertises it), and
/// capped at `cap` bytes *after* decoding, so a small compressed body cannot inflate past the
/// cap. The wire bytes are capped too (ureq's limit), which bounds a body that decodes to little.
fn read_capped(body: &mut ureq::Body, cap: u64) -> std::result::Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let reader = body.with_config().limit(cap).reader();
    let mut out = Vec::new();
    match reader.take(cap.saturating_add(1)).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > cap => Err(ReadError::TooLarge),
        Ok(_) => Ok(out),
        Err(e) => match ureq::Error::from(e) {
            ureq::Error::BodyExceedsLimit(_) => Err(ReadError::TooLarge),
            e => Err(ReadError::Http(e)),
        },
    }
}

/// A sealed call's answer: verified and opened, then classified as a plain one. WeChat's unsigned
/// errcode answers go through the usual handling (token errors, -1), except the API security
/// errcodes, which are final and carry their meaning.
fn open_sealed(sec: &super::api_security::ApiSecurity, url: &str, bytes: &[u8], headers: &[(String, String)], what: &str) -> Attempt {
    let url = url.split_once('?').map_or(url, |u| u.0);
    match sec.open(url, bytes, headers, None) {
        Ok(plain) => classify(200, plain.as_bytes(), what),
        Err(e) if e.kind() == ErrorKind::WeChatApi && super::api_security::errcode_meaning(e.errcode().unwrap_or(0)).is_none() => {
            classify(200, bytes, what)
        }
        Err(e) => Attempt::Fatal(e.prefixed(&format!("{what}: "))),
    }
}

/// The pure part of one attempt: HTTP status and body bytes to a JSON object, a transient failure
/// (HTTP 5xx, errcode -1) or a fatal one. No I/O; the fuzzer calls it through [`super::fuzzing`].
pub(crate) fn classify(status: u16, bytes: &[u8], what: &str) -> Attempt {
    if status >= 500 {
        return Attempt::Transient(Error::new(ErrorKind::Network, format!("{what}: WeChat answered HTTP {status}")), None);
    }
    if status != 200 {
        let note = if (300..400).contains(&status) { " (redirects are not followed)" } else { "" };
        return Attempt::Fatal(Error::new(
            ErrorKind::MalformedResponse,
            format!("{what}: unexpected HTTP status {status}{note}"),
        ));
    }
    let obj = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => o,
        _ => {
            return Attempt::Fatal(Error::new(
                ErrorKind::MalformedResponse,
                format!("{what}: the response ({} bytes) is not a JSON object", bytes.len()),
            ))
        }
    };
    match errcode(&obj) {
        Ok(-1) => {
            let e = Error::wechat(-1, errmsg(&obj), what);
            Attempt::Transient(e, Some(obj))
        }
        Ok(_) => Attempt::Done(obj),
        Err(e) => Attempt::Fatal(Error::new(e.kind(), format!("{what}: {}", e.message()))),
    }
}

/// What [`Transport::call`] returns once an attempt is final: errcode -1 after the last attempt is
/// handed back as the object (the caller reports it as WeChat's error).
pub(crate) fn last_attempt(a: Attempt, attempts: u32) -> Result<JsonObject> {
    match a {
        Attempt::Done(obj) | Attempt::Transient(_, Some(obj)) => Ok(obj),
        Attempt::Fatal(e) => Err(e),
        Attempt::Transient(e, None) => {
            Err(Error::new(e.kind(), format!("{} (after {attempts} attempts)", e.message())))
        }
    }
}

/// Map a ureq failure onto our kinds. The ureq error's text is not used: some variants carry the
/// URL, and the URL carries the access token (or, for /cgi-bin/token, the app secret).
fn map_ureq_error(e: ureq::Error, what: &str) -> Attempt {
    use ureq::Error as U;
    match e {
        // (Timeouts are named by `Transport::timeout_or`, which knows the limits.)
        U::Timeout(_) => Attempt::Transient(Error::new(ErrorKind::Timeout, format!("{what}: a timeout expired")), None),
        U::ConnectionFailed => Attempt::Transient(Error::new(ErrorKind::Network, format!("{what}: the connection failed")), None),
        U::Io(io) => {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::TimedOut | K::WouldBlock => {
                    Attempt::Transient(Error::new(ErrorKind::Timeout, format!("{what}: the network timed out")), None)
                }
                k => Attempt::Transient(Error::new(ErrorKind::Network, format!("{what}: network error ({k})")), None),
            }
        }
        U::Protocol(_) => Attempt::Transient(
            Error::new(ErrorKind::Network, format!("{what}: the connection broke or the HTTP response was malformed")),
            None,
        ),
        U::HostNotFound => Attempt::Fatal(Error::new(ErrorKind::Network, format!("{what}: the host name did not resolve"))),
        U::Tls(m) => Attempt::Fatal(Error::new(ErrorKind::Network, format!("{what}: TLS failed ({m})"))),
        U::BodyExceedsLimit(n) => Attempt::Fatal(Error::new(
            ErrorKind::MalformedResponse,
            format!("{what}: the response is larger than the {n} byte cap"),
        )),
        U::InvalidProxyUrl | U::ConnectProxyFailed(_) => {
            Attempt::Fatal(Error::new(ErrorKind::Network, format!("{what}: the proxy refused or failed the connection")))
        }
        U::TooManyRedirects | U::RedirectFailed => {
            Attempt::Fatal(Error::new(ErrorKind::MalformedResponse, format!("{what}: WeChat redirected (not followed)")))
        }
        U::BadUri(_) | U::Http(_) => Attempt::Fatal(Error::new(ErrorKind::Config, format!("{what}: the request URL is invalid"))),
        _ => Attempt::Fatal(Error::new(ErrorKind::Network, format!("{what}: the HTTP request failed"))),
    }
}

/// `errcode` as a number or a numeric string; absent means 0 (token endpoints omit it).
pub(crate) fn errcode(obj: &JsonObject) -> Result<i64> {
    match obj.get("errcode") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, "errcode is not an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::new(ErrorKind::MalformedResponse, "errcode is a string that is not a number")),
        Some(_) => Err(Error::new(ErrorKind::MalformedResponse, "errcode is neither a number nor a string")),
    }
}

/// `errmsg`, or "" when absent. Truncated: it lands in our error messages.
pub(crate) fn errmsg(obj: &JsonObject) -> String {
    match obj.get("errmsg") {
        Some(Value::String(s)) => s.chars().take(200).collect(),
        _ => String::new(),
    }
}

/// An integer field that may arrive as a number or a numeric string.
pub(crate) fn int_field(obj: &JsonObject, name: &str, what: &str) -> Result<Option<i64>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, format!("{what}: {name} is not an integer"))),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::new(ErrorKind::MalformedResponse, format!("{what}: {name} is not a number"))),
        Some(_) => Err(Error::new(ErrorKind::MalformedResponse, format!("{what}: {name} is not a number"))),
    }
}

/// A string field (numbers are accepted and rendered).
pub(crate) fn str_field(obj: &JsonObject, name: &str) -> Option<String> {
    match obj.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
