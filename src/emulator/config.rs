//! The emulator's public settings and records: its configuration, the faults it injects, the
//! people it knows and the counters it keeps.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::wechat::Secret;

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
