//! Log events, captured: an access token refreshed after errcode 40001, retries after errcode -1,
//! HTTP 500 and a dropped connection, an errcode returned to the caller, the Redis store going
//! away and coming back (once each, however many calls fail), refused verifications at debug
//! level, face calls. Every capture is checked for the secrets the test used. The logger is
//! process-wide: the tests of this binary take turns.

mod common;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use common::redis::{available, free_port, RedisServer};
use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Person};
use soter_verify::guard::{RedisOptions, ReplayGuard};
use soter_verify::log::{set_logger, Level};
use soter_verify::testing::Device;
use soter_verify::wechat::{paths, CertInfo, RetryPolicy, WeChatClient};
use soter_verify::{authenticate, ErrorKind, Expectations};

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "s3cr3t-APP-SECRET-log-7f1e2d";
const OPENID: &str = "o_log_user";
const REDIS_PASSWORD: &str = "redis-pw-log-hunter2";
const NAME: &str = "张三丰";
const ID_NUMBER: &str = "11010519491231002X";

/// The events delivered while it lives (at `max`), then the logger is removed. Tests start one
/// first thing: it is also their turn (the logger sees every thread's events).
struct Capture {
    events: Arc<Mutex<Vec<(Level, String)>>>,
    _turn: MutexGuard<'static, ()>,
}

impl Capture {
    fn start(max: Level) -> Capture {
        static TURN: Mutex<()> = Mutex::new(());
        let turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        set_logger(Some(Arc::new(move |l: Level, m: &str| sink.lock().unwrap().push((l, m.to_owned())))), Some(max)).unwrap();
        Capture { events, _turn: turn }
    }

    fn lines(&self) -> Vec<(Level, String)> {
        self.events.lock().unwrap().clone()
    }

    fn count(&self, level: Level, needles: &[&str]) -> usize {
        let lines = self.lines();
        let n = lines.iter().filter(|(l, m)| *l == level && needles.iter().all(|n| m.contains(n))).count();
        if n == 0 {
            eprintln!("no {level} event with {needles:?} in {lines:#?}");
        }
        n
    }

    /// Print the capture (shown with --nocapture) and check it holds none of `secrets`, nor
    /// anything shaped like an access token (a long base64url run).
    fn check_and_show(&self, title: &str, secrets: &[&str]) {
        eprintln!("---- captured log: {title}");
        for (l, m) in self.lines() {
            eprintln!("{l:<5} soter_verify: {m}");
            for s in secrets {
                assert!(!m.contains(s), "a secret ({} bytes) leaked into: {m}", s.len());
            }
            let longest = m.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).map(str::len).max();
            assert!(longest.unwrap_or(0) < 40, "a token-like run in: {m}");
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        set_logger(None, None).unwrap();
    }
}

fn device() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().expect("device"))
}

fn emulator() -> Emulator {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    emu
}

fn client(emu: &Emulator) -> WeChatClient {
    let retry = RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) };
    WeChatClient::builder(APPID, SECRET).base_url(emu.base_url()).retry(retry).build().unwrap()
}

fn verify(c: &WeChatClient) -> soter_verify::Result<bool> {
    let (json, sig) = device().sign_result(&soter_verify::new_challenge().unwrap(), 20).unwrap();
    c.soter_verify_signature(OPENID, std::str::from_utf8(&json).unwrap(), &sig)
}

/// The emulator's current stable token, as any server of the app would get it (the same one the
/// client holds), so the test knows the token values to look for.
fn current_stable_token(emu: &Emulator) -> String {
    let body = serde_json::json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET});
    let mut resp = ureq::post(format!("{}{}", emu.base_url(), paths::STABLE_TOKEN)).send(body.to_string().as_bytes()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn token_refresh_after_errcode_40001() {
    let log = Capture::start(Level::Trace);
    let emu = emulator();
    let c = client(&emu);
    assert!(verify(&c).unwrap());
    let first = current_stable_token(&emu);
    emu.inject_fault(Fault::new(FaultKind::InvalidToken, 1).on(paths::SOTER_VERIFY_SIGNATURE));
    assert!(verify(&c).unwrap(), "refreshed and retried once");
    let second = current_stable_token(&emu);
    assert_ne!(first, second);

    assert_eq!(log.count(Level::Info, &["access token fetched from stable_token (first use)", "valid for 7200 s"]), 1);
    assert_eq!(log.count(Level::Warn, &["soter verify_signature", "errcode 40001", "retried once with a fresh one"]), 1);
    assert_eq!(log.count(Level::Info, &["access token refreshed from stable_token (forced after errcode 40001)"]), 1);
    assert!(log.count(Level::Trace, &["POST /cgi-bin/soter/verify_signature: HTTP 200"]) >= 3);
    log.check_and_show("one 40001 refresh (Rust)", &[SECRET, &first, &second]);
}

#[test]
fn retries_and_their_causes() {
    let log = Capture::start(Level::Warn);
    let emu = emulator();
    let c = client(&emu);
    assert!(verify(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::SystemBusy, 1));
    emu.inject_fault(Fault::new(FaultKind::Http500, 1));
    assert!(verify(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::DropConnection, 1));
    assert!(verify(&c).unwrap());
    assert_eq!(log.count(Level::Warn, &["errcode -1", "retrying (attempt 2 of 3)"]), 1);
    assert_eq!(log.count(Level::Warn, &["HTTP 500", "retrying (attempt 3 of 3)"]), 1);
    assert_eq!(log.count(Level::Warn, &["network error", "retrying (attempt 2 of 3)"]), 1);
    // Retries exhausted: the errcode goes back to the caller, and the log says so.
    emu.inject_fault(Fault::new(FaultKind::SystemBusy, 3));
    assert_eq!(verify(&c).unwrap_err().errcode(), Some(-1));
    assert_eq!(log.count(Level::Warn, &["errcode -1", "retrying"]), 3);
    assert_eq!(log.count(Level::Warn, &["errcode -1"]), 4);
    // Another errcode, returned at once.
    let (json, sig) = device().sign_result("c", 20).unwrap();
    let e = c.soter_verify_signature("o_nobody", std::str::from_utf8(&json).unwrap(), &sig).unwrap_err();
    assert_eq!(e.errcode(), Some(40003));
    assert_eq!(log.count(Level::Warn, &["soter verify_signature: WeChat returned errcode 40003"]), 1);
    assert_eq!(c.stats().retries, 5);
    log.check_and_show("retries", &[SECRET, &current_stable_token(&emu)]);
}

#[test]
fn token_fetch_failure_is_an_error_event() {
    let log = Capture::start(Level::Info);
    let emu = emulator();
    let c = WeChatClient::builder(APPID, "the-wrong-secret-xyz").base_url(emu.base_url()).build().unwrap();
    assert_eq!(verify(&c).unwrap_err().kind(), ErrorKind::Token);
    assert_eq!(log.count(Level::Error, &["access token could not be fetched from stable_token (first use)", "40125"]), 1);
    log.check_and_show("token fetch failure", &["the-wrong-secret-xyz", SECRET]);
}

#[test]
fn redis_outage_and_recovery_are_logged_once_each() {
    let log = Capture::start(Level::Trace);
    if !available("redis_outage_and_recovery_are_logged_once_each") {
        return;
    }
    let mut server = RedisServer::start_with(free_port(), &["--requirepass", REDIS_PASSWORD]);
    let url = format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{}/0", server.port);
    let options = RedisOptions { timeout: Duration::from_millis(300), ..Default::default() };
    let g = ReplayGuard::redis(&url, &options).unwrap();
    g.issue_challenge("log-user", Duration::from_secs(60)).unwrap();
    server.stop();
    for _ in 0..3 {
        assert_eq!(g.issue_challenge("log-user", Duration::from_secs(60)).unwrap_err().kind(), ErrorKind::StoreUnavailable);
    }
    assert_eq!(g.last_counter("log-user", "cpu", "uid").unwrap_err().kind(), ErrorKind::StoreUnavailable);
    server.restart();
    g.issue_challenge("log-user", Duration::from_secs(60)).unwrap();
    g.issue_challenge("log-user", Duration::from_secs(60)).unwrap();

    let shown = format!("redis://***@127.0.0.1:{}/0", server.port);
    assert_eq!(log.count(Level::Error, &[&shown, "did not record the challenge", "calls fail closed (StoreUnavailable)"]), 1);
    assert_eq!(log.count(Level::Error, &[]), 1, "one event per outage, not one per call");
    assert_eq!(log.count(Level::Info, &[&shown, "answers again after", "(4 calls failed closed)"]), 1);
    assert_eq!(log.lines().len(), 2);
    log.check_and_show("one Redis outage (Rust)", &[REDIS_PASSWORD]);
}

#[test]
fn refused_verifications_at_debug_level_only() {
    let log = Capture::start(Level::Info);
    let dev = device();
    let guard = ReplayGuard::new();
    let challenge = guard.issue_challenge("u1", Duration::from_secs(60)).unwrap();
    let (json, sig) = dev.sign_result(&challenge, 20).unwrap();
    let other = soter_verify::new_challenge().unwrap();
    assert_eq!(guard.authenticate(dev.public_key(), &json, sig.as_bytes(), "u2", None, None).unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    assert!(log.lines().is_empty(), "debug events reach an INFO logger: {:?}", log.lines());
    soter_verify::log::set_max_level(Some(Level::Debug));
    let kind = |r: soter_verify::Result<soter_verify::ResultJson>| r.unwrap_err().kind();
    assert_eq!(kind(guard.authenticate(dev.public_key(), &json, b"AAAA", "u1", None, None)), ErrorKind::MalformedSignature);
    assert_eq!(kind(guard.authenticate(dev.public_key(), &json, sig.as_bytes(), "u1", Some("another cpu"), None)), ErrorKind::DeviceMismatch);
    assert_eq!(kind(authenticate(dev.public_key(), &json, sig.as_bytes(), &Expectations::new(other.clone()))), ErrorKind::ChallengeMismatch);
    let mut tampered = json.clone();
    tampered[10] ^= 1;
    assert_eq!(kind(authenticate(dev.public_key(), &tampered, sig.as_bytes(), &Expectations::new(challenge.clone()))), ErrorKind::SignatureInvalid);
    assert!(authenticate(dev.public_key(), &json, sig.as_bytes(), &Expectations::new(challenge.clone())).is_ok());

    assert_eq!(log.count(Level::Debug, &["ReplayGuard authenticate: refused (MalformedSignature)"]), 1);
    assert_eq!(log.count(Level::Debug, &["ReplayGuard authenticate: refused (DeviceMismatch)", "cpu_id"]), 1);
    assert_eq!(log.count(Level::Debug, &["authenticate: refused (ChallengeMismatch)"]), 1);
    assert_eq!(log.count(Level::Debug, &["authenticate: refused (SignatureInvalid)"]), 1);
    assert_eq!(log.lines().len(), 4, "an accepted result logs nothing");
    log.check_and_show("refused verifications", &[&challenge, &other, &dev.cpu_id, &sig]);
}

#[test]
fn face_calls_keep_names_and_id_numbers_out() {
    let log = Capture::start(Level::Trace);
    let emu = emulator();
    emu.register_person(Person::new("o_face", NAME, ID_NUMBER)).unwrap();
    let c = client(&emu);
    let cert = CertInfo::identity_card(NAME, ID_NUMBER);
    let vid = c.face_get_verify_id("seq-log-1", &cert, "o_face").unwrap();
    assert!(c.face_query_verify_info(&vid.verify_id, "seq-log-1", &cert, "o_face").unwrap().passed());
    let wrong = CertInfo::identity_card("李四", ID_NUMBER);
    let vid = c.face_get_verify_id("seq-log-2", &wrong, "o_face").unwrap();
    assert!(!c.face_query_verify_info(&vid.verify_id, "seq-log-2", &wrong, "o_face").unwrap().passed());
    let ticket = emu.issue_verify_result("o_face").unwrap();
    assert!(c.face_get_info(&ticket).unwrap().passed());

    assert_eq!(log.count(Level::Debug, &["face queryverifyinfo: not passed (verify_ret 90011"]), 1);
    assert_eq!(log.count(Level::Trace, &["POST /cityservice/face/identify/"]), 5);
    let lower = ID_NUMBER.to_lowercase();
    log.check_and_show("face calls", &[SECRET, NAME, "李四", ID_NUMBER, &lower, &ID_NUMBER[6..14], &ticket, &cert.hash()]);
}
