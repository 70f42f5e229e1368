//! A WeChat-compatible API server on loopback, for tests (ours and our users', in every language).
//!
//! It implements `/cgi-bin/token`, `/cgi-bin/stable_token`, `/cgi-bin/soter/verify_signature`
//! (really verifying with this crate against device keys registered per openid), and face
//! `getinfo`, `getverifyid`, `queryverifyinfo` against registered people. Tokens are checked
//! (41001 missing, 40001 unknown, 42001 expired). Errcodes follow WeChat's documentation for these
//! endpoints: 43002 "require POST method" for another method on a POST endpoint, 44002 "empty
//! post data", 47001 for a body that is not a JSON object; the token endpoints answer 41002
//! (appid missing), 40002 (grant_type), 41004 (secret missing), 40013 (unknown appid), 40125 (wrong
//! secret); `stable_token` with `force_refresh: true` within 30 s of the previous forced refresh
//! returns the current token without refreshing. An admin API, as Rust methods and over HTTP
//! under `/__admin/`, registers devices and people, injects faults for the next N calls and reads
//! counters (requests per endpoint, token issues, TCP connections).
//!
//! Admin HTTP API (JSON bodies):
//! - `POST /__admin/devices {openid, public_key}`: register a device key (PEM, DER base64...).
//! - `POST /__admin/people {openid, name, id_number, cert_type?, identify_ret?, verify_ret?}`.
//! - `POST /__admin/verify_results {openid}` → `{verify_result}`: a legacy getinfo ticket. It is
//!   redeemed once: getinfo answers a second use with 84001 "invalid verify_result" (WeChat
//!   documents no code of its own for a used ticket; 84002 is about time and 84003 about the
//!   person, while a redeemed ticket is no longer a valid identifier).
//! - `POST /__admin/reusable_tickets {enabled}`: with `true`, tickets answer every time (the
//!   behaviour before single use; [`EmulatorConfig::reusable_tickets`]).
//! - `POST /__admin/faults {kind, count?, delay_ms?, path?}`: kind is one of `system_busy`,
//!   `invalid_token`, `expired_token`, `http_500`, `delay`, `malformed_body`, `drop_connection`;
//!   count defaults to 1, -1 means every call until cleared; path limits it to one endpoint.
//! - `POST /__admin/faults/clear`, `GET /__admin/counters`, `POST /__admin/counters/reset`.
//! - `POST /__admin/tokens {access_token, expires_in}`: accept a token (fixed / file modes).
//! - `POST /__admin/tokens/expire`: every issued token expires now (42001 from then on).
//! - `POST /__admin/attk {public_key}`: register a test ATTK key; `verify_ask` accepts an ASK JSON
//!   whose signature one registered ATTK verifies (PSS, salt 20 unless the JSON says
//!   `rsa_pss_saltlen`), and answers any other with errcode 0 and `is_verified: false` (WeChat
//!   itself may answer a bad ASK with a non-zero errcode instead).
//! - `POST /__admin/models {model_key, support_type}`: `is_support` answers `is_support: true` and
//!   this support_type (1 fingerprint, 2 face, 3 both) for the model, `false`/0 for unknown models.
//!
//! Admin requests must name a loopback host in `Host` (a DNS-rebound name is refused: 403) and,
//! when they POST, send `Content-Type: application/json` (what a web page can send without a CORS
//! preflight is refused: 415), so a browser on the same machine cannot drive the admin API.
//!
//! Limits (see [`EmulatorConfig`]): at most 128 connections at once (more are answered 503 and
//! closed), an idle connection is closed after 30 s, a request must arrive whole within 10 s of its
//! first byte, and tokens, sessions, tickets, devices, people, ATTK keys and models are each bounded (10 000; the
//! expired, then the oldest tokens, sessions and tickets make room).

mod admin;
mod config;
mod endpoints;
mod http;
mod server;
mod state;

use std::collections::HashMap;
use std::fmt;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;

pub use self::admin::ADMIN_PREFIX;
pub use self::config::{Counters, EmulatorConfig, Fault, FaultKind, Person};
pub use self::endpoints::{STABLE_FORCE_INTERVAL, VERIFY_RET_MISMATCH};
use self::server::accept_loop;
use self::state::{Inner, Security, State, MAX_ADDED_TOKEN_LIFETIME};

/// A running emulator. Stops when dropped. `Send + Sync`.
pub struct Emulator {
    inner: Arc<Inner>,
    addr: SocketAddr,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Emulator {
    /// Bind and start serving (a thread accepts, one thread per connection).
    pub fn start(config: EmulatorConfig) -> Result<Emulator> {
        if !config.listen.ip().is_loopback() {
            return Err(Error::new(ErrorKind::Config, "the emulator listens on loopback addresses only"));
        }
        if config.appid.is_empty() || config.secret.is_empty() {
            return Err(Error::new(ErrorKind::Config, "the emulator needs an appid and a secret"));
        }
        if config.token_lifetime < Duration::from_secs(1) || config.token_lifetime > Duration::from_secs(365 * 24 * 3600) {
            return Err(Error::new(ErrorKind::Config, "the token lifetime must be 1 second to 365 days"));
        }
        if config.max_connections == 0 || config.max_entries == 0 {
            return Err(Error::new(ErrorKind::Config, "max_connections and max_entries must be at least 1"));
        }
        if config.idle_timeout.is_zero() || config.request_timeout.is_zero() {
            return Err(Error::new(ErrorKind::Config, "the emulator's timeouts must be greater than zero"));
        }
        let listener = TcpListener::bind(config.listen)
            .map_err(|e| Error::new(ErrorKind::Network, format!("cannot listen on {} ({})", config.listen, e.kind())))?;
        let addr = listener.local_addr().map_err(|_| Error::new(ErrorKind::Network, "no local address"))?;
        let security = if config.api_security { Some(Security::generate(&config.appid)?) } else { None };
        let inner = Arc::new(Inner {
            security,
            reusable_tickets: AtomicBool::new(config.reusable_tickets),
            config,
            state: Mutex::new(State::default()),
            stopping: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            active: AtomicUsize::new(0),
        });
        let inner2 = inner.clone();
        let accept = std::thread::Builder::new()
            .name("soter-emulator-accept".into())
            .spawn(move || accept_loop(inner2, listener))
            .map_err(|_| Error::new(ErrorKind::Internal, "cannot start the emulator thread"))?;
        Ok(Emulator { inner, addr, accept: Mutex::new(Some(accept)) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The app's API security setting matching this emulator (its keys, numbers and platform
    /// certificate), when started with [`EmulatorConfig::api_security`].
    pub fn api_security(&self) -> Option<crate::wechat::ApiSecurity> {
        self.inner.security.as_ref().map(|s| s.sec.clone())
    }

    /// `http://127.0.0.1:PORT` (or `http://[::1]:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn appid(&self) -> &str {
        &self.inner.config.appid
    }

    /// Stop accepting, close every connection, wait for the accept thread. Idempotent.
    pub fn stop(&self) {
        if self.inner.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = h.join();
        }
        for (_, s) in self.inner.conns.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Register (or replace) the device key WeChat holds for `openid` (PEM, DER, base64...).
    pub fn register_device(&self, openid: &str, public_key: &[u8]) -> Result<()> {
        self.inner.register_device(openid.to_owned(), PublicKey::load(public_key)?)
    }

    /// Register (or replace) a person for face verification.
    pub fn register_person(&self, person: Person) -> Result<()> {
        self.inner.register_person(person)
    }

    /// A legacy `verify_result` ticket for a registered person, as the mini-program would get
    /// from `wx.startFacialRecognitionVerify`.
    pub fn issue_verify_result(&self, openid: &str) -> Result<String> {
        self.inner.issue_verify_result(openid)
    }

    /// Whether a legacy ticket may be redeemed more than once from now on (see
    /// [`EmulatorConfig::reusable_tickets`]).
    pub fn set_reusable_tickets(&self, reusable: bool) {
        self.inner.reusable_tickets.store(reusable, Ordering::SeqCst);
    }

    /// Register a test ATTK public key (PEM, DER...): `verify_ask` accepts ASKs it signed.
    pub fn register_attk(&self, public_key: &[u8]) -> Result<()> {
        self.inner.register_attk(public_key)
    }

    /// Register a phone model for `is_support` (support_type 0 none, 1 fingerprint, 2 face, 3 both).
    pub fn register_model(&self, model_key: &str, support_type: u32) -> Result<()> {
        self.inner.register_model(model_key, support_type)
    }

    /// Connections being served right now.
    pub fn active_connections(&self) -> usize {
        self.inner.active.load(Ordering::SeqCst)
    }

    /// Queue a fault (at most `max_entries` are pending; more are dropped).
    pub fn inject_fault(&self, fault: Fault) {
        let _ = self.inner.push_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.inner.lock().faults.clear();
    }

    pub fn counters(&self) -> Counters {
        self.inner.lock().counters.clone()
    }

    pub fn reset_counters(&self) {
        self.inner.lock().counters = Counters::default();
    }

    /// Accept `token` as valid for `lifetime` (for fixed-token and token-file clients).
    pub fn add_token(&self, token: &str, lifetime: Duration) {
        let expires_at = Instant::now().checked_add(lifetime).unwrap_or_else(|| Instant::now() + MAX_ADDED_TOKEN_LIFETIME);
        let mut st = self.inner.lock();
        self.inner.store_token(&mut st, token.to_owned(), expires_at);
    }

    /// Every issued token expires now.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for v in self.inner.lock().tokens.values_mut() {
            *v = now;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::endpoints::{getverifyid, issue};
    use serde_json::json;

    fn small(max_entries: usize) -> Emulator {
        let mut cfg = EmulatorConfig::new("wxbounded", "bounded-secret");
        cfg.max_entries = max_entries;
        Emulator::start(cfg).unwrap()
    }

    #[test]
    fn stores_are_bounded() {
        let emu = small(5);
        let inner = &emu.inner;
        for i in 0..50 {
            let mut st = inner.lock();
            issue(inner, &mut st);
            drop(st);
            emu.add_token(&format!("added-{i}"), Duration::from_secs(60));
            let _ = getverifyid(inner, &json!({"openid": "o", "out_seq_no": format!("s{i}"),
                "cert_info": {"cert_type": "IDENTITY_CARD", "cert_name": "n", "cert_no": "1"}}));
            emu.inject_fault(Fault::new(FaultKind::SystemBusy, 1));
        }
        emu.register_person(Person::new("o_p", "n", "1")).unwrap();
        for _ in 0..50 {
            emu.issue_verify_result("o_p").unwrap();
        }
        let st = inner.lock();
        assert!(st.tokens.len() <= 5, "{}", st.tokens.len());
        assert!(st.sessions.len() <= 5);
        assert!(st.tickets.len() <= 5);
        assert!(st.faults.len() <= 5);
        drop(st);
        // The newest entries are the ones kept.
        assert!(emu.inner.lock().tokens.contains_key("added-49"));
        for i in 0..4 {
            emu.register_person(Person::new(format!("o_{i}"), "n", "1")).unwrap();
        }
        let e = emu.register_person(Person::new("o_full", "n", "1")).unwrap_err();
        assert!(e.message().contains("at most 5"), "{}", e.message());
        emu.register_person(Person::new("o_p", "other", "2")).unwrap(); // replacing is fine
    }

    #[test]
    fn expired_entries_make_room_first() {
        let emu = small(3);
        emu.add_token("old-1", Duration::from_secs(60));
        emu.add_token("old-2", Duration::from_secs(60));
        emu.expire_tokens();
        emu.add_token("keep", Duration::from_secs(600));
        emu.add_token("new", Duration::from_secs(600));
        let st = emu.inner.lock();
        assert!(st.tokens.contains_key("keep") && st.tokens.contains_key("new"));
        assert!(!st.tokens.contains_key("old-1") && !st.tokens.contains_key("old-2"));
    }

    #[test]
    fn absurd_settings_are_refused() {
        let mut cfg = EmulatorConfig::new("wx", "s");
        cfg.token_lifetime = Duration::from_secs(u64::MAX);
        assert_eq!(Emulator::start(cfg).unwrap_err().kind(), ErrorKind::Config);
        let mut cfg = EmulatorConfig::new("wx", "s");
        cfg.max_connections = 0;
        assert_eq!(Emulator::start(cfg).unwrap_err().kind(), ErrorKind::Config);
        let emu = small(3);
        emu.add_token("forever", Duration::MAX); // clamped, no overflow
        assert!(emu.inner.lock().tokens.contains_key("forever"));
    }
}

/// The emulator's request parsing without a socket, for the fuzzer (`fuzz/`). Not a supported
/// API: it may change at any time.
#[doc(hidden)]
pub mod fuzzing {
    use std::io::{self, BufRead};

    /// Largest request head (request line and headers; chunked trailers share what is left).
    pub const MAX_HEADER: usize = super::http::MAX_HEADER;
    /// Largest request body.
    pub const MAX_BODY: usize = super::http::MAX_BODY;

    /// One parsed request.
    #[derive(Debug)]
    pub struct ParsedRequest {
        pub method: String,
        pub path: String,
        pub query: Vec<(String, String)>,
        pub body: Vec<u8>,
        pub close: bool,
        pub host: Option<String>,
        pub content_type: Option<String>,
        /// Whether the admin API would refuse it (Host, Content-Type).
        pub admin_refused: bool,
    }

    /// The next request on a keep-alive connection, exactly as the server reads it; Ok(None) at a
    /// clean end of stream.
    pub fn read_request<R: BufRead>(r: &mut R) -> io::Result<Option<ParsedRequest>> {
        Ok(super::http::read_request(r)?.map(|q| ParsedRequest {
            admin_refused: super::admin::admin_refusal(&q).is_some(),
            method: q.method,
            path: q.path,
            query: q.query,
            body: q.body,
            close: q.close,
            host: q.host,
            content_type: q.content_type,
        }))
    }
}
