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

mod http;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::pss::SaltLen;
use crate::wechat::{cert_hash, id_card_number_md5, name_utf8_md5, paths, Secret};

use self::http::{is_loopback_host_header, read_request, write_response, DeadlineStream, Request, Response};

/// Path prefix of the admin API.
pub const ADMIN_PREFIX: &str = "/__admin/";

/// Stand-in for a lifetime too long to represent (an added token then lives ten years).
const MAX_ADDED_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// verify_ret given by queryverifyinfo when the document does not match the registered person.
pub const VERIFY_RET_MISMATCH: i64 = 90011;

/// How the emulator is set up.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Where to listen; loopback only (127.0.0.1:0 by default, port chosen by the system).
    pub listen: SocketAddr,
    pub appid: String,
    pub secret: Secret,
    /// Lifetime of issued tokens (default 7200 s; set a few seconds to test expiry).
    pub token_lifetime: Duration,
    /// After `/cgi-bin/token` issues a new token, the previous ones stay valid this long (300 s).
    pub classic_grace: Duration,
    /// Accept calls with no token, as cloud hosting's open API sidecar does.
    pub open_api: bool,
    /// Connections served at once (128); more are answered 503 and closed.
    pub max_connections: usize,
    /// An idle keep-alive connection is closed after this long (30 s).
    pub idle_timeout: Duration,
    /// A request must arrive whole within this long of its first byte (10 s).
    pub request_timeout: Duration,
    /// Bound on each store: tokens, sessions, tickets, devices, people, ATTK keys, models (10 000).
    pub max_entries: usize,
    /// Let a legacy getinfo ticket be redeemed again and again (false: the second use is
    /// 84001, as in production). For tests written before tickets were single use.
    pub reusable_tickets: bool,
    /// WeChat's API security mode: the emulator makes its own keys and platform certificate
    /// ([`Emulator::api_security`] gives the matching setting), requires sealed requests on the
    /// paths that setting lists (else 40230–40240, as WeChat answers) and seals its answers.
    pub api_security: bool,
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("listen", &self.listen)
            .field("appid", &self.appid)
            .field("secret", &self.secret)
            .field("token_lifetime", &self.token_lifetime)
            .field("open_api", &self.open_api)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl EmulatorConfig {
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> EmulatorConfig {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            appid: appid.into(),
            secret: Secret::new(secret.into()),
            token_lifetime: Duration::from_secs(7200),
            classic_grace: Duration::from_secs(300),
            open_api: false,
            max_connections: 128,
            idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            max_entries: 10_000,
            reusable_tickets: false,
            api_security: false,
        }
    }
}

/// A fault to inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// errcode -1, "system error".
    SystemBusy,
    /// errcode 40001 (as if the token were invalid).
    InvalidToken,
    /// errcode 42001 (as if the token had expired).
    ExpiredToken,
    /// HTTP 500 with a text body.
    Http500,
    /// Answer normally after this delay.
    Delay(Duration),
    /// HTTP 200 with a truncated JSON body.
    MalformedBody,
    /// Close the connection without answering.
    DropConnection,
}

impl FaultKind {
    /// Parse the admin API spelling (`delay` takes `delay_ms`).
    pub fn parse(name: &str, delay_ms: u64) -> Result<FaultKind> {
        Ok(match name {
            "system_busy" => FaultKind::SystemBusy,
            "invalid_token" => FaultKind::InvalidToken,
            "expired_token" => FaultKind::ExpiredToken,
            "http_500" => FaultKind::Http500,
            "delay" => FaultKind::Delay(Duration::from_millis(delay_ms)),
            "malformed_body" => FaultKind::MalformedBody,
            "drop_connection" => FaultKind::DropConnection,
            _ => return Err(Error::input("unknown fault kind")),
        })
    }
}

/// A fault for the next `count` matching calls (`None` = every call until cleared), on one path
/// or (path `None`) on every API endpoint, token endpoints included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub count: Option<u64>,
    pub path: Option<String>,
}

impl Fault {
    pub fn new(kind: FaultKind, count: u64) -> Fault {
        Fault { kind, count: Some(count), path: None }
    }
    pub fn forever(kind: FaultKind) -> Fault {
        Fault { kind, count: None, path: None }
    }
    pub fn on(mut self, path: impl Into<String>) -> Fault {
        self.path = Some(path.into());
        self
    }
}

/// A registered person for face verification. `Debug` hides name and ID number.
#[derive(Clone)]
pub struct Person {
    pub openid: String,
    pub name: String,
    pub id_number: String,
    pub cert_type: String,
    /// identify_ret of legacy getinfo (0 = passed).
    pub identify_ret: i64,
    /// verify_ret of queryverifyinfo for a matching document (10000 = passed).
    pub verify_ret: i64,
}

impl Person {
    pub fn new(openid: impl Into<String>, name: impl Into<String>, id_number: impl Into<String>) -> Person {
        Person {
            openid: openid.into(),
            name: name.into(),
            id_number: id_number.into(),
            cert_type: "IDENTITY_CARD".into(),
            identify_ret: 0,
            verify_ret: 10000,
        }
    }
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Person")
            .field("openid", &self.openid)
            .field("identify_ret", &self.identify_ret)
            .field("verify_ret", &self.verify_ret)
            .finish_non_exhaustive()
    }
}

/// What the emulator has seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// API requests per path (admin requests excluded).
    pub requests: BTreeMap<String, u64>,
    /// Tokens minted (a stable_token answered from the current token does not count).
    pub token_issues: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Connections refused because `max_connections` were open.
    pub connections_refused: u64,
    /// Faults applied.
    pub faults_applied: u64,
}

impl Counters {
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests.get(path).copied().unwrap_or(0)
    }
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "total_requests": self.total_requests(),
            "token_issues": self.token_issues,
            "connections": self.connections,
            "connections_refused": self.connections_refused,
            "faults_applied": self.faults_applied,
        })
    }
}

struct Ticket {
    openid: String,
    expires_at: Instant,
    /// getinfo answered it once.
    redeemed: bool,
    /// Unix seconds when it was issued: the face check's identify_time.
    identified_at: u64,
}

/// A forced stable_token refresh within this long of the previous forced one returns the current
/// token instead of a new one (WeChat's documented interval).
pub const STABLE_FORCE_INTERVAL: Duration = Duration::from_secs(30);

/// How long a legacy face ticket and a getverifyid session stay valid.
const SESSION_LIFETIME: Duration = Duration::from_secs(3600);

/// Makes room in a store that holds `max` entries: drops the expired ones, then, if it is still
/// full, the one that expires first. Purging only when full keeps an expired token answering
/// 42001 (expired) rather than 40001 (unknown) in ordinary use.
fn make_room<V>(map: &mut HashMap<String, V>, max: usize, expiry: impl Fn(&V) -> Instant) {
    if map.len() < max {
        return;
    }
    let now = Instant::now();
    map.retain(|_, v| expiry(v) > now);
    while map.len() >= max.max(1) {
        let Some(oldest) = map.iter().min_by_key(|(_, v)| expiry(v)).map(|(k, _)| k.clone()) else { break };
        map.remove(&oldest);
    }
}

/// Refuses a new registration when a store without expiry (devices, people) is full.
fn check_room<V>(map: &HashMap<String, V>, key: &str, max: usize, what: &str) -> Result<()> {
    if map.len() >= max && !map.contains_key(key) {
        return Err(Error::input(format!("the emulator holds at most {max} {what}")));
    }
    Ok(())
}

struct Session {
    openid: String,
    out_seq_no: String,
    cert_hash: String,
    expires_at: Instant,
}

#[derive(Default)]
struct State {
    /// token -> expiry
    tokens: HashMap<String, Instant>,
    stable: Option<String>,
    /// When stable_token last honoured force_refresh.
    last_forced: Option<Instant>,
    classic: Vec<String>,
    devices: HashMap<String, PublicKey>,
    people: HashMap<String, Person>,
    /// Test ATTK public keys for verify_ask.
    attk: Vec<PublicKey>,
    /// model_key -> support_type for is_support.
    models: HashMap<String, u32>,
    tickets: HashMap<String, Ticket>,
    sessions: HashMap<String, Session>,
    faults: VecDeque<Fault>,
    counters: Counters,
}

struct Inner {
    config: EmulatorConfig,
    state: Mutex<State>,
    stopping: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    /// Connections being served (each has a thread).
    active: AtomicUsize,
    /// [`EmulatorConfig::reusable_tickets`], changeable while running.
    reusable_tickets: AtomicBool,
    security: Option<Security>,
}

/// The emulator's side of API security: the app's setting as the console would show it, the
/// app key's public half (to check request signatures) and the platform key (to sign answers).
struct Security {
    sec: crate::wechat::ApiSecurity,
    app_public: PublicKey,
    platform: crate::testing::KeyPair,
    platform_sn: String,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).expect("the OS random generator works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Security {
    /// New keys (two RSA-2048 generations: a fraction of a second) for `appid`. The sealed paths
    /// are WeChat's documented ones plus every POST endpoint the emulator serves, so a client
    /// built with [`Emulator::api_security`] exercises the mode on each call.
    fn generate(appid: &str) -> Result<Security> {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let app = crate::testing::KeyPair::generate(2048)?;
        let platform = crate::testing::KeyPair::generate(2048)?;
        let platform_sn = random_hex(16);
        let cert = crate::testing::rsa_certificate_pem(&platform, "emulated WeChat API security platform")?;
        let app_pem = app
            .private_key()
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .map_err(|_| Error::new(ErrorKind::Internal, "cannot encode the emulator's app key"))?;
        let mut sym = [0u8; 32];
        getrandom::getrandom(&mut sym).map_err(|_| Error::new(ErrorKind::Internal, "random generator failed"))?;
        let mut sec = crate::wechat::ApiSecurity::new(appid, &crate::base64::encode(&sym), &random_hex(16), &app_pem, &random_hex(16))?
            .platform_cert(&platform_sn, &cert)?;
        for p in SEALED_API_PATHS {
            sec = sec.seal_path(p)?;
        }
        Ok(Security { sec, app_public: app.public_key().clone(), platform, platform_sn })
    }
}

/// The emulator's POST endpoints, sealed when API security is on.
const SEALED_API_PATHS: [&str; 6] = [
    paths::SOTER_VERIFY_SIGNATURE,
    paths::FACE_GETINFO,
    paths::FACE_GETVERIFYID,
    paths::FACE_QUERYVERIFYINFO,
    paths::SOTER_VERIFY_ASK,
    paths::SOTER_IS_SUPPORT,
];

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Store a token valid until `expires_at`, making room first.
    fn store_token(&self, st: &mut State, token: String, expires_at: Instant) {
        make_room(&mut st.tokens, self.config.max_entries, |e| *e);
        st.tokens.insert(token, expires_at);
    }

    fn push_fault(&self, fault: Fault) -> Result<()> {
        let mut st = self.lock();
        if st.faults.len() >= self.config.max_entries {
            return Err(Error::input(format!("the emulator holds at most {} pending faults", self.config.max_entries)));
        }
        st.faults.push_back(fault);
        Ok(())
    }

    fn register_device(&self, openid: String, key: PublicKey) -> Result<()> {
        if openid.is_empty() {
            return Err(Error::input("openid is empty"));
        }
        let mut st = self.lock();
        check_room(&st.devices, &openid, self.config.max_entries, "devices")?;
        st.devices.insert(openid, key);
        Ok(())
    }

    fn register_person(&self, person: Person) -> Result<()> {
        if person.openid.is_empty() || person.name.is_empty() || person.id_number.is_empty() {
            return Err(Error::input("openid, name and id_number must not be empty"));
        }
        let mut st = self.lock();
        check_room(&st.people, &person.openid, self.config.max_entries, "people")?;
        st.people.insert(person.openid.clone(), person);
        Ok(())
    }

    fn register_attk(&self, public_key: &[u8]) -> Result<()> {
        let key = PublicKey::load(public_key)?;
        let mut st = self.lock();
        if st.attk.len() >= self.config.max_entries {
            return Err(Error::input(format!("the emulator holds at most {} ATTK keys", self.config.max_entries)));
        }
        st.attk.push(key);
        Ok(())
    }

    fn register_model(&self, model_key: &str, support_type: u32) -> Result<()> {
        check_model(model_key, support_type)?;
        let mut st = self.lock();
        check_room(&st.models, model_key, self.config.max_entries, "models")?;
        st.models.insert(model_key.to_owned(), support_type);
        Ok(())
    }

    fn issue_verify_result(&self, openid: &str) -> Result<String> {
        let mut st = self.lock();
        if !st.people.contains_key(openid) {
            return Err(Error::input("no person is registered for this openid"));
        }
        make_room(&mut st.tickets, self.config.max_entries, |t| t.expires_at);
        let ticket = random_token(24);
        st.tickets.insert(ticket.clone(), Ticket { openid: openid.to_owned(), expires_at: Instant::now() + SESSION_LIFETIME, redeemed: false, identified_at: unix_now() });
        Ok(ticket)
    }
}

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

fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).expect("the OS random generator works");
    crate::base64::encode_url(&b)
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

fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    for stream in listener.incoming() {
        if inner.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        // The cap: a connection beyond it gets a short 503 and is closed, with no thread.
        if inner.active.load(Ordering::SeqCst) >= inner.config.max_connections {
            inner.lock().counters.connections_refused += 1;
            let mut stream = stream;
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = write_response(&mut stream, 503, "text/plain", b"too many connections", true, "");
            continue;
        }
        inner.lock().counters.connections += 1;
        let id = inner.next_conn.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            inner.conns.lock().unwrap_or_else(|p| p.into_inner()).insert(id, clone);
        }
        inner.active.fetch_add(1, Ordering::SeqCst);
        let inner2 = inner.clone();
        let spawned = std::thread::Builder::new().name("soter-emulator-conn".into()).spawn(move || {
            // Released on every way out of the thread, panics included.
            let _slot = ConnSlot { inner: &inner2, id };
            serve_connection(&inner2, stream);
        });
        if spawned.is_err() {
            inner.conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            inner.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A connection's place under the cap and in the list `stop` closes.
struct ConnSlot<'a> {
    inner: &'a Inner,
    id: u64,
}

impl Drop for ConnSlot<'_> {
    fn drop(&mut self) {
        self.inner.conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
        self.inner.active.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(inner: &Inner, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    // A peer that never reads its responses cannot hold the thread either.
    let _ = writer.set_write_timeout(Some(inner.config.request_timeout));
    let mut reader = BufReader::new(DeadlineStream::new(stream));
    loop {
        // Idle between requests for at most idle_timeout; then the whole request within
        // request_timeout of its first byte.
        reader.get_mut().expire_in(inner.config.idle_timeout);
        match std::io::BufRead::fill_buf(&mut reader) {
            Ok([]) | Err(_) => return,
            Ok(_) => {}
        }
        reader.get_mut().expire_in(inner.config.request_timeout);
        let req = match read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) => {
                let (code, msg): (u16, &[u8]) = match e.kind() {
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => (408, b"request timeout"),
                    _ => (400, b"bad request"),
                };
                let _ = write_response(&mut writer, code, "text/plain", msg, true, "");
                return;
            }
        };
        if inner.stopping.load(Ordering::SeqCst) {
            return;
        }
        let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(inner, &req)))
            .unwrap_or_else(|_| Response::Text(500, "emulator panic".into()));
        let extra = if inner.config.open_api { "x-openapi-seqid: emulated\r\n" } else { "" };
        let ok = match resp {
            Response::Drop => {
                let _ = writer.shutdown(std::net::Shutdown::Both);
                return;
            }
            Response::Json(code, body) => write_response(&mut writer, code, "application/json", body.as_bytes(), req.close, extra),
            Response::JsonWith(code, body, more) => {
                write_response(&mut writer, code, "application/json", body.as_bytes(), req.close, &format!("{extra}{more}"))
            }
            Response::Text(code, body) => write_response(&mut writer, code, "text/plain", body.as_bytes(), req.close, extra),
        };
        if ok.is_err() || req.close {
            return;
        }
    }
}

fn err(code: i64, msg: &str) -> Response {
    Response::Json(200, json!({ "errcode": code, "errmsg": msg }).to_string())
}

fn ok(mut v: Value) -> Response {
    if let Value::Object(o) = &mut v {
        o.insert("errcode".into(), json!(0));
        o.insert("errmsg".into(), json!("ok"));
    }
    Response::Json(200, v.to_string())
}

const API_PATHS: [&str; 8] = [
    paths::SOTER_VERIFY_ASK,
    paths::SOTER_IS_SUPPORT,
    paths::TOKEN,
    paths::STABLE_TOKEN,
    paths::SOTER_VERIFY_SIGNATURE,
    paths::FACE_GETINFO,
    paths::FACE_GETVERIFYID,
    paths::FACE_QUERYVERIFYINFO,
];

fn handle(inner: &Inner, req: &Request) -> Response {
    if let Some(admin) = req.path.strip_prefix(ADMIN_PREFIX) {
        if let Some(refused) = admin_refusal(req) {
            return refused;
        }
        return handle_admin(inner, admin, req);
    }
    if !API_PATHS.contains(&req.path.as_str()) {
        return Response::Text(404, "not found".into());
    }
    // Count, then apply a fault if one matches.
    let fault = {
        let mut st = inner.lock();
        *st.counters.requests.entry(req.path.clone()).or_insert(0) += 1;
        let idx = st.faults.iter().position(|f| f.path.as_deref().map_or(true, |p| p == req.path));
        let fault = idx.map(|i| {
            let f = st.faults[i].clone();
            if let Some(n) = f.count {
                if n <= 1 {
                    st.faults.remove(i);
                } else {
                    st.faults[i].count = Some(n - 1);
                }
            }
            f.kind
        });
        if fault.is_some() {
            st.counters.faults_applied += 1;
        }
        fault
    };
    match fault {
        Some(FaultKind::SystemBusy) => return err(-1, "system error"),
        Some(FaultKind::InvalidToken) => return err(40001, "invalid credential, access_token is invalid or not latest"),
        Some(FaultKind::ExpiredToken) => return err(42001, "access_token expired"),
        Some(FaultKind::Http500) => return Response::Text(500, "internal server error".into()),
        Some(FaultKind::MalformedBody) => return Response::Json(200, "{\"errcode\":0,\"errmsg\":\"o".into()),
        Some(FaultKind::DropConnection) => return Response::Drop,
        Some(FaultKind::Delay(d)) => std::thread::sleep(d),
        None => {}
    }
    match req.path.as_str() {
        paths::TOKEN => classic_token(inner, req),
        paths::STABLE_TOKEN => stable_token(inner, req),
        p => {
            if req.method != "POST" {
                return err(43002, "require POST method");
            }
            if let Some(e) = check_token(inner, req) {
                return e;
            }
            if let Some(sec) = inner.security.as_ref().filter(|s| s.sec.seals(p)) {
                return sealed_call(inner, sec, req);
            }
            let body = match post_body(req) {
                Ok(b) => b,
                Err(e) => return e,
            };
            dispatch(inner, p, &body)
        }
    }
}

/// A call on a sealed path: opened as WeChat does (a fault answers its 40230–40240 errcode,
/// unsigned), served, and the answer sealed when it succeeded (errors go back plain, as WeChat's
/// do).
fn sealed_call(inner: &Inner, sec: &Security, req: &Request) -> Response {
    let url = format!("http://{}{}", req.host.as_deref().unwrap_or(""), req.path);
    let plain = match sec.sec.open_request(&sec.app_public, &url, &req.body, &req.wechatmp, unix_now() as i64) {
        Ok(p) => p,
        Err(code) => return err(code, crate::wechat::api_security_errcode_meaning(code).unwrap_or("api security")),
    };
    let body = match serde_json::from_str::<Value>(&plain) {
        Ok(v) => v,
        Err(_) => return err(40237, "decrypted data is not JSON"),
    };
    match dispatch(inner, &req.path, &body) {
        Response::Json(200, answer) if serde_json::from_str::<Value>(&answer).ok().and_then(|v| v.get("errcode").and_then(Value::as_i64)) == Some(0) => {
            match sec.sec.seal_response(sec.platform.private_key(), &sec.platform_sn, &url, &answer, unix_now() as i64) {
                Ok(sealed) => {
                    let headers: String = sealed.headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
                    Response::JsonWith(200, sealed.body, headers)
                }
                Err(_) => Response::Text(500, "cannot seal the answer".into()),
            }
        }
        other => other,
    }
}

fn dispatch(inner: &Inner, p: &str, body: &Value) -> Response {
    {
        {
            match p {
                paths::SOTER_VERIFY_SIGNATURE => verify_signature(inner, body),
                paths::FACE_GETINFO => getinfo(inner, body),
                paths::FACE_GETVERIFYID => getverifyid(inner, body),
                paths::SOTER_VERIFY_ASK => verify_ask(inner, body),
                paths::SOTER_IS_SUPPORT => is_support(inner, body),
                _ => queryverifyinfo(inner, body),
            }
        }
    }
}

/// Why an admin request is refused, if it is: a Host that is not loopback (DNS rebinding), or a
/// POST without `Content-Type: application/json` (a web page's no-cors request). Applies to
/// every admin route, present and future, in front of their dispatch.
fn admin_refusal(req: &Request) -> Option<Response> {
    if !req.host.as_deref().is_some_and(is_loopback_host_header) {
        return Some(Response::Json(403, json!({"ok": false, "error": "admin requests must name a loopback Host"}).to_string()));
    }
    let json_body = req.content_type.as_deref().is_some_and(|t| {
        t.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json")
    });
    if req.method != "GET" && !json_body {
        return Some(Response::Json(
            415,
            json!({"ok": false, "error": "admin requests must send Content-Type: application/json"}).to_string(),
        ));
    }
    None
}

fn check_token(inner: &Inner, req: &Request) -> Option<Response> {
    let token = req.query("access_token").or_else(|| req.query("cloudbase_access_token"));
    let Some(token) = token else {
        if inner.config.open_api {
            return None;
        }
        return Some(err(41001, "access_token missing"));
    };
    match inner.lock().tokens.get(token) {
        None => Some(err(40001, "invalid credential, access_token is invalid or not latest")),
        Some(exp) if Instant::now() >= *exp => Some(err(42001, "access_token expired")),
        Some(_) => None,
    }
}

/// The JSON object body of a POST-only endpoint, or WeChat's answer when there is none: another
/// method 43002, an empty body 44002, a body that is not a JSON object 47001.
fn post_body(req: &Request) -> std::result::Result<Value, Response> {
    if req.method != "POST" {
        return Err(err(43002, "require POST method"));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(err(44002, "empty post data"));
    }
    match serde_json::from_slice(&req.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(err(47001, "data format error")),
    }
}

/// The token endpoints' checks, in the order WeChat documents their codes: appid missing
/// (41002), grant_type (40002), secret missing (41004), unknown appid (40013), wrong secret
/// (40125). Empty values count as missing.
fn check_credentials(inner: &Inner, grant_type: Option<&str>, appid: Option<&str>, secret: Option<&str>) -> Option<Response> {
    let (appid, secret) = (appid.filter(|a| !a.is_empty()), secret.filter(|s| !s.is_empty()));
    let Some(appid) = appid else { return Some(err(41002, "appid missing")) };
    if grant_type != Some("client_credential") {
        return Some(err(40002, "invalid grant_type"));
    }
    let Some(secret) = secret else { return Some(err(41004, "appsecret missing")) };
    if appid != inner.config.appid {
        return Some(err(40013, "invalid appid"));
    }
    if !crate::constant_time_eq(secret.as_bytes(), inner.config.secret.expose().as_bytes()) {
        return Some(err(40125, "invalid appsecret"));
    }
    None
}

fn issue(inner: &Inner, st: &mut State) -> String {
    let t = random_token(48);
    inner.store_token(st, t.clone(), Instant::now() + inner.config.token_lifetime);
    st.counters.token_issues += 1;
    t
}

fn classic_token(inner: &Inner, req: &Request) -> Response {
    if let Some(e) = check_credentials(inner, req.query("grant_type"), req.query("appid"), req.query("secret")) {
        return e;
    }
    let mut st = inner.lock();
    let grace_end = Instant::now() + inner.config.classic_grace;
    for old in std::mem::take(&mut st.classic) {
        if let Some(exp) = st.tokens.get_mut(&old) {
            *exp = (*exp).min(grace_end);
        }
    }
    let t = issue(inner, &mut st);
    st.classic.push(t.clone());
    let lifetime = inner.config.token_lifetime.as_secs();
    Response::Json(200, json!({ "access_token": t, "expires_in": lifetime }).to_string())
}

fn stable_token(inner: &Inner, req: &Request) -> Response {
    let body = match post_body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let s = |k: &str| body.get(k).and_then(Value::as_str);
    if let Some(e) = check_credentials(inner, s("grant_type"), s("appid"), s("secret")) {
        return e;
    }
    let force = body.get("force_refresh").and_then(Value::as_bool).unwrap_or(false);
    let mut st = inner.lock();
    let now = Instant::now();
    let life = inner.config.token_lifetime;
    // Reissue when little remains: 300 s of 7200, proportionally less for short test lifetimes.
    let reissue_margin = Duration::from_secs(300).min(life / 24);
    let current = st.stable.clone().and_then(|t| st.tokens.get(&t).map(|exp| (t, *exp)).filter(|(_, exp)| *exp > now));
    // A forced refresh within 30 s of the previous one does not refresh (WeChat documents the
    // interval): the current token comes back, and nothing is invalidated.
    let too_soon = st.last_forced.is_some_and(|t| now.saturating_duration_since(t) < STABLE_FORCE_INTERVAL);
    let force = force && !too_soon;
    let (token, exp) = match current {
        Some((t, exp)) if !force && exp > now + reissue_margin => (t, exp),
        other => {
            if force {
                st.last_forced = Some(now);
                if let Some((t, _)) = other {
                    st.tokens.remove(&t);
                }
            }
            let t = issue(inner, &mut st);
            st.stable = Some(t.clone());
            (t, now + life)
        }
    };
    let remaining = exp.saturating_duration_since(now).as_secs_f64().round().max(1.0) as u64;
    Response::Json(200, json!({ "access_token": token, "expires_in": remaining }).to_string())
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn verify_signature(inner: &Inner, body: &Value) -> Response {
    let (Some(openid), Some(json_string), Some(sig)) =
        (field(body, "openid"), field(body, "json_string"), field(body, "json_signature"))
    else {
        return err(47001, "data format error");
    };
    let key = inner.lock().devices.get(openid).cloned();
    let Some(key) = key else { return err(40003, "invalid openid") };
    let is_ok = key.verify(json_string.as_bytes(), sig.as_bytes(), SaltLen::Default).is_ok();
    ok(json!({ "is_ok": is_ok }))
}

fn check_model(model_key: &str, support_type: u32) -> Result<()> {
    if model_key.is_empty() {
        return Err(Error::input("model_key is empty"));
    }
    if support_type > crate::wechat::SUPPORT_FINGERPRINT_AND_FACE {
        return Err(Error::input("support_type must be 0, 1, 2 or 3"));
    }
    Ok(())
}

fn verify_ask(inner: &Inner, body: &Value) -> Response {
    let (Some(ask_json), Some(sig)) = (field(body, "ask_json"), field(body, "ask_json_signature")) else {
        return err(47001, "data format error");
    };
    if crate::attestation::Ask::from_classic_json(ask_json.as_bytes()).is_err() {
        return err(47001, "data format error: ask_json is not an ASK export");
    }
    let attk = inner.lock().attk.clone();
    let verified = attk.iter().any(|k| k.verify(ask_json.as_bytes(), sig.as_bytes(), SaltLen::Default).is_ok());
    ok(json!({ "is_verified": verified }))
}

fn is_support(inner: &Inner, body: &Value) -> Response {
    let Some(model) = field(body, "model_key") else { return err(47001, "data format error") };
    let support_type = inner.lock().models.get(model).copied().unwrap_or(0);
    ok(json!({ "is_support": support_type != 0, "support_type": support_type }))
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn getinfo(inner: &Inner, body: &Value) -> Response {
    let Some(vr) = field(body, "verify_result") else { return err(47001, "data format error") };
    let mut st = inner.lock();
    let st = &mut *st;
    let Some(ticket) = st.tickets.get_mut(vr) else { return err(84001, "invalid verify_result") };
    if Instant::now() >= ticket.expires_at {
        return err(84002, "verify_result expired");
    }
    if ticket.redeemed && !inner.reusable_tickets.load(Ordering::SeqCst) {
        return err(84001, "invalid verify_result");
    }
    let Some(p) = st.people.get(&ticket.openid) else { return err(84003, "user info not found") };
    ticket.redeemed = true;
    let now = unix_now();
    ok(json!({
        "identify_ret": p.identify_ret,
        "identify_time": ticket.identified_at,
        "validate_data": "8/9/1/1",
        "openid": p.openid,
        "user_id_key": format!("emulated_{}", p.openid),
        "finish_time": now,
        "id_card_number_md5": id_card_number_md5(&p.id_number),
        "name_utf8_md5": name_utf8_md5(&p.name),
    }))
}

fn getverifyid(inner: &Inner, body: &Value) -> Response {
    let (Some(openid), Some(seq)) = (field(body, "openid"), field(body, "out_seq_no")) else {
        return err(47001, "data format error");
    };
    let cert = body.get("cert_info").unwrap_or(&Value::Null);
    let (Some(ct), Some(cn), Some(cno)) = (field(cert, "cert_type"), field(cert, "cert_name"), field(cert, "cert_no")) else {
        return err(47001, "data format error");
    };
    let verify_id = random_token(24);
    let session = Session {
        openid: openid.to_owned(),
        out_seq_no: seq.to_owned(),
        cert_hash: cert_hash(ct, cn, cno),
        expires_at: Instant::now() + SESSION_LIFETIME,
    };
    let mut st = inner.lock();
    make_room(&mut st.sessions, inner.config.max_entries, |s| s.expires_at);
    st.sessions.insert(verify_id.clone(), session);
    ok(json!({ "verify_id": verify_id, "expires_in": SESSION_LIFETIME.as_secs() }))
}

fn queryverifyinfo(inner: &Inner, body: &Value) -> Response {
    let (Some(vid), Some(seq), Some(hash), Some(openid)) =
        (field(body, "verify_id"), field(body, "out_seq_no"), field(body, "cert_hash"), field(body, "openid"))
    else {
        return err(47001, "data format error");
    };
    let st = inner.lock();
    let Some(s) = st.sessions.get(vid) else { return err(40097, "invalid args: unknown verify_id") };
    if Instant::now() >= s.expires_at {
        return err(40097, "invalid args: verify_id expired");
    }
    if s.out_seq_no != seq || s.openid != openid {
        return err(40097, "invalid args: out_seq_no or openid differs from getverifyid");
    }
    if s.cert_hash != hash.to_ascii_lowercase() {
        return err(40097, "invalid args: cert_hash does not match the cert_info of getverifyid");
    }
    let verify_ret = match st.people.get(openid) {
        Some(p) if cert_hash(&p.cert_type, &p.name, &p.id_number) == s.cert_hash => p.verify_ret,
        Some(_) => VERIFY_RET_MISMATCH,
        None => 90018,
    };
    ok(json!({ "verify_ret": verify_ret }))
}

fn handle_admin(inner: &Inner, what: &str, req: &Request) -> Response {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(_) => return Response::Json(400, json!({"ok": false, "error": "body is not JSON"}).to_string()),
        }
    };
    let done = |r: Result<Value>| match r {
        Ok(mut v) => {
            if let Value::Object(o) = &mut v {
                o.insert("ok".into(), json!(true));
            }
            Response::Json(200, v.to_string())
        }
        Err(e) => Response::Json(400, json!({"ok": false, "error": e.message()}).to_string()),
    };
    let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    // The handle to reuse the Rust methods.
    let emu = AdminView(inner);
    match (req.method.as_str(), what) {
        ("GET", "counters") => done(Ok(emu.0.lock().counters.to_json())),
        ("POST", "counters/reset") => {
            emu.0.lock().counters = Counters::default();
            done(Ok(json!({})))
        }
        ("POST", "reusable_tickets") => match body.get("enabled").and_then(Value::as_bool) {
            Some(on) => {
                emu.0.reusable_tickets.store(on, Ordering::SeqCst);
                done(Ok(json!({})))
            }
            None => done(Err(Error::input("enabled must be true or false"))),
        },
        ("POST", "devices") => done(
            PublicKey::load(s("public_key").as_bytes()).and_then(|k| emu.0.register_device(s("openid"), k)).map(|_| json!({})),
        ),
        ("POST", "people") => {
            let mut p = Person::new(s("openid"), s("name"), s("id_number"));
            if let Some(t) = body.get("cert_type").and_then(Value::as_str) {
                p.cert_type = t.to_owned();
            }
            if let Some(r) = body.get("identify_ret").and_then(Value::as_i64) {
                p.identify_ret = r;
            }
            if let Some(r) = body.get("verify_ret").and_then(Value::as_i64) {
                p.verify_ret = r;
            }
            done(emu.0.register_person(p).map(|_| json!({})))
        }
        ("POST", "verify_results") => done(emu.0.issue_verify_result(&s("openid")).map(|t| json!({ "verify_result": t }))),
        ("POST", "faults") => {
            let delay = body.get("delay_ms").and_then(Value::as_u64).unwrap_or(0);
            let kind = match FaultKind::parse(&s("kind"), delay) {
                Ok(k) => k,
                Err(e) => return done(Err(e)),
            };
            let count = match body.get("count").and_then(Value::as_i64) {
                None => Some(1),
                Some(n) if n < 0 => None,
                Some(n) => Some(n as u64),
            };
            let path = body.get("path").and_then(Value::as_str).map(str::to_owned);
            done(emu.0.push_fault(Fault { kind, count, path }).map(|_| json!({})))
        }
        ("POST", "faults/clear") => {
            emu.0.lock().faults.clear();
            done(Ok(json!({})))
        }
        ("POST", "tokens") => {
            let t = s("access_token");
            if t.is_empty() {
                return done(Err(Error::input("access_token is empty")));
            }
            let secs = body.get("expires_in").and_then(Value::as_u64).unwrap_or(7200);
            let expires_at = Instant::now().checked_add(Duration::from_secs(secs)).unwrap_or_else(|| Instant::now() + MAX_ADDED_TOKEN_LIFETIME);
            let mut st = emu.0.lock();
            emu.0.store_token(&mut st, t, expires_at);
            done(Ok(json!({})))
        }
        ("POST", "attk") => done(emu.0.register_attk(s("public_key").as_bytes()).map(|_| json!({}))),
        ("POST", "models") => {
            let support_type = body.get("support_type").and_then(Value::as_u64).unwrap_or(u64::MAX);
            let support_type = u32::try_from(support_type).unwrap_or(u32::MAX);
            done(emu.0.register_model(&s("model_key"), support_type).map(|_| json!({})))
        }
        ("POST", "tokens/expire") => {
            let now = Instant::now();
            for v in emu.0.lock().tokens.values_mut() {
                *v = now;
            }
            done(Ok(json!({})))
        }
        _ => Response::Json(404, json!({"ok": false, "error": "unknown admin endpoint"}).to_string()),
    }
}

struct AdminView<'a>(&'a Inner);

#[cfg(test)]
mod tests {
    use super::*;

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
            admin_refused: super::admin_refusal(&q).is_some(),
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
