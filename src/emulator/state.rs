//! What a running emulator holds: its stores (tokens, devices, people, tickets, sessions,
//! faults, counters), the connection bookkeeping, and its API security keys.

use std::collections::{HashMap, VecDeque};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::wechat::paths;

use super::config::{Counters, EmulatorConfig, Fault, Person};

/// Stand-in for a lifetime too long to represent (an added token then lives ten years).
pub(super) const MAX_ADDED_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

pub(super) struct Ticket {
    pub(super) openid: String,
    pub(super) expires_at: Instant,
    /// getinfo answered it once.
    pub(super) redeemed: bool,
    /// Unix seconds when it was issued: the face check's identify_time.
    pub(super) identified_at: u64,
}

/// How long a legacy face ticket and a getverifyid session stay valid.
pub(super) const SESSION_LIFETIME: Duration = Duration::from_secs(3600);

/// Makes room in a store that holds `max` entries: drops the expired ones, then, if it is still
/// full, the one that expires first. Purging only when full keeps an expired token answering
/// 42001 (expired) rather than 40001 (unknown) in ordinary use.
pub(super) fn make_room<V>(map: &mut HashMap<String, V>, max: usize, expiry: impl Fn(&V) -> Instant) {
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

pub(super) struct Session {
    pub(super) openid: String,
    pub(super) out_seq_no: String,
    pub(super) cert_hash: String,
    pub(super) expires_at: Instant,
}

#[derive(Default)]
pub(super) struct State {
    /// token -> expiry
    pub(super) tokens: HashMap<String, Instant>,
    pub(super) stable: Option<String>,
    /// When stable_token last honoured force_refresh.
    pub(super) last_forced: Option<Instant>,
    pub(super) classic: Vec<String>,
    pub(super) devices: HashMap<String, PublicKey>,
    pub(super) people: HashMap<String, Person>,
    /// Test ATTK public keys for verify_ask.
    pub(super) attk: Vec<PublicKey>,
    /// model_key -> support_type for is_support.
    pub(super) models: HashMap<String, u32>,
    pub(super) tickets: HashMap<String, Ticket>,
    pub(super) sessions: HashMap<String, Session>,
    pub(super) faults: VecDeque<Fault>,
    pub(super) counters: Counters,
}

pub(super) struct Inner {
    pub(super) config: EmulatorConfig,
    pub(super) state: Mutex<State>,
    pub(super) stopping: AtomicBool,
    pub(super) conns: Mutex<HashMap<u64, TcpStream>>,
    pub(super) next_conn: AtomicU64,
    /// Connections being served (each has a thread).
    pub(super) active: AtomicUsize,
    /// [`EmulatorConfig::reusable_tickets`], changeable while running.
    pub(super) reusable_tickets: AtomicBool,
    pub(super) security: Option<Security>,
}

/// The emulator's side of API security: the app's setting as the console would show it, the
/// app key's public half (to check request signatures) and the platform key (to sign answers).
pub(super) struct Security {
    pub(super) sec: crate::wechat::ApiSecurity,
    pub(super) app_public: PublicKey,
    pub(super) platform: crate::testing::KeyPair,
    pub(super) platform_sn: String,
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
    pub(super) fn generate(appid: &str) -> Result<Security> {
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
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Store a token valid until `expires_at`, making room first.
    pub(super) fn store_token(&self, st: &mut State, token: String, expires_at: Instant) {
        make_room(&mut st.tokens, self.config.max_entries, |e| *e);
        st.tokens.insert(token, expires_at);
    }

    pub(super) fn push_fault(&self, fault: Fault) -> Result<()> {
        let mut st = self.lock();
        if st.faults.len() >= self.config.max_entries {
            return Err(Error::input(format!("the emulator holds at most {} pending faults", self.config.max_entries)));
        }
        st.faults.push_back(fault);
        Ok(())
    }

    pub(super) fn register_device(&self, openid: String, key: PublicKey) -> Result<()> {
        if openid.is_empty() {
            return Err(Error::input("openid is empty"));
        }
        let mut st = self.lock();
        check_room(&st.devices, &openid, self.config.max_entries, "devices")?;
        st.devices.insert(openid, key);
        Ok(())
    }

    pub(super) fn register_person(&self, person: Person) -> Result<()> {
        if person.openid.is_empty() || person.name.is_empty() || person.id_number.is_empty() {
            return Err(Error::input("openid, name and id_number must not be empty"));
        }
        let mut st = self.lock();
        check_room(&st.people, &person.openid, self.config.max_entries, "people")?;
        st.people.insert(person.openid.clone(), person);
        Ok(())
    }

    pub(super) fn register_attk(&self, public_key: &[u8]) -> Result<()> {
        let key = PublicKey::load(public_key)?;
        let mut st = self.lock();
        if st.attk.len() >= self.config.max_entries {
            return Err(Error::input(format!("the emulator holds at most {} ATTK keys", self.config.max_entries)));
        }
        st.attk.push(key);
        Ok(())
    }

    pub(super) fn register_model(&self, model_key: &str, support_type: u32) -> Result<()> {
        check_model(model_key, support_type)?;
        let mut st = self.lock();
        check_room(&st.models, model_key, self.config.max_entries, "models")?;
        st.models.insert(model_key.to_owned(), support_type);
        Ok(())
    }

    pub(super) fn issue_verify_result(&self, openid: &str) -> Result<String> {
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

pub(super) fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).expect("the OS random generator works");
    crate::base64::encode_url(&b)
}

pub(super) fn check_model(model_key: &str, support_type: u32) -> Result<()> {
    if model_key.is_empty() {
        return Err(Error::input("model_key is empty"));
    }
    if support_type > crate::wechat::SUPPORT_FINGERPRINT_AND_FACE {
        return Err(Error::input("support_type must be 0, 1, 2 or 3"));
    }
    Ok(())
}

pub(super) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
