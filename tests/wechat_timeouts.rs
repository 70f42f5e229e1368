//! One overall deadline per call: attempts, backoff and the token fetch all end within it, timed
//! out attempts are retried while it allows, and each error names the limit that expired.
//! Loopback only; every deadline here is under a second (the whole file runs in about 5 s).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind};
use soter_verify::testing::Device;
use soter_verify::wechat::{paths, ClientBuilder, RetryPolicy, Secret, TokenSource, WeChatClient, MAX_TIMEOUT};
use soter_verify::ErrorKind;

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "timeouts-secret-1a2b3c";
const TOKEN: &str = "TIMEOUTS-FIXED-TOKEN-77";
const OPENID: &str = "o_timeouts";
/// Scheduling slack allowed past a deadline on a loaded 2-core machine.
const SLACK: Duration = Duration::from_millis(300);

fn signed() -> &'static (Device, String, String) {
    static S: OnceLock<(Device, String, String)> = OnceLock::new();
    S.get_or_init(|| {
        let d = Device::new().unwrap();
        let (json, sig) = d.sign_result("timeouts", 20).unwrap();
        (d, String::from_utf8(json).unwrap(), sig)
    })
}

fn emulator() -> Emulator {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    emu.register_device(OPENID, signed().0.public_key_pem().as_bytes()).unwrap();
    emu.add_token(TOKEN, Duration::from_secs(600));
    emu
}

fn retry(max_attempts: u32, base_ms: u64, max_ms: u64) -> RetryPolicy {
    RetryPolicy { max_attempts, base_delay: Duration::from_millis(base_ms), max_delay: Duration::from_millis(max_ms) }
}

/// A client with a fixed token (no token fetch) unless a source is set later.
fn builder(base: &str) -> ClientBuilder {
    WeChatClient::builder(APPID, SECRET).base_url(base).token_source(TokenSource::Fixed(Secret::new(TOKEN)))
}

fn verify(c: &WeChatClient) -> (soter_verify::Result<bool>, Duration) {
    let (_, json, sig) = signed();
    let t = Instant::now();
    let r = c.soter_verify_signature(OPENID, json, sig);
    (r, t.elapsed())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn timed_out_attempts_are_retried_until_the_deadline() {
    let emu = emulator();
    emu.inject_fault(Fault::forever(FaultKind::Delay(ms(2000))).on(paths::SOTER_VERIFY_SIGNATURE));
    let c = builder(&emu.base_url()).timeout(ms(700)).attempt_timeout(ms(200)).retry(retry(10, 10, 20)).build().unwrap();
    let (r, took) = verify(&c);
    let e = r.unwrap_err();
    let attempts = emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE);
    eprintln!("MEASURED 200 ms attempts under a 700 ms deadline: {took:?}, {attempts} attempts: {}", e.message());
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("the overall deadline (700 ms) expired"), "{}", e.message());
    assert!(took >= ms(690) && took < ms(700) + SLACK, "{took:?}");
    assert!(attempts >= 3, "{attempts} attempts");
    assert_eq!(c.stats().retries + 1, attempts);
}

#[test]
fn a_timed_out_attempt_is_retried_and_the_next_one_answers() {
    let emu = emulator();
    emu.inject_fault(Fault::new(FaultKind::Delay(ms(2000)), 1).on(paths::SOTER_VERIFY_SIGNATURE));
    let c = builder(&emu.base_url()).timeout(ms(3000)).attempt_timeout(ms(200)).retry(retry(3, 10, 20)).build().unwrap();
    let (r, took) = verify(&c);
    assert!(r.unwrap(), "the second attempt verifies");
    assert!(took < ms(200) + SLACK + ms(300), "{took:?}");
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 2);
    // When every attempt times out and the attempts run out first, the per-attempt limit is named.
    emu.inject_fault(Fault::forever(FaultKind::Delay(ms(2000))).on(paths::SOTER_VERIFY_SIGNATURE));
    let c = builder(&emu.base_url()).timeout(ms(3000)).attempt_timeout(ms(150)).retry(retry(2, 10, 20)).build().unwrap();
    let (r, took) = verify(&c);
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("the per-attempt timeout (150 ms) expired") && e.message().contains("after 2 attempts"), "{}", e.message());
    assert!(took < ms(300) + SLACK, "{took:?}");
}

#[test]
fn a_deadline_shorter_than_the_connect_timeout_wins() {
    let emu = emulator();
    emu.inject_fault(Fault::forever(FaultKind::Delay(ms(2000))).on(paths::SOTER_VERIFY_SIGNATURE));
    let c = builder(&emu.base_url()).timeout(ms(300)).connect_timeout(ms(5000)).attempt_timeout(ms(5000)).build().unwrap();
    let (r, took) = verify(&c);
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("the overall deadline (300 ms) expired"), "{}", e.message());
    assert!(took >= ms(290) && took < ms(300) + SLACK, "{took:?}");
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 1);
}

#[test]
fn backoff_never_sleeps_past_the_deadline() {
    let emu = emulator();
    // Backoff of 1 to 2 s after each failure, a 500 ms deadline: one attempt, then the answer.
    let c = builder(&emu.base_url()).timeout(ms(500)).retry(retry(5, 2000, 2000)).build().unwrap();
    emu.inject_fault(Fault::forever(FaultKind::Http500).on(paths::SOTER_VERIFY_SIGNATURE));
    let (r, took) = verify(&c);
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("HTTP 500") && e.message().contains("the overall deadline (500 ms) leaves no time for another"), "{}", e.message());
    assert!(took < ms(250), "{took:?}");
    emu.clear_faults();
    emu.inject_fault(Fault::forever(FaultKind::SystemBusy).on(paths::SOTER_VERIFY_SIGNATURE));
    let (r, took) = verify(&c);
    assert_eq!(r.unwrap_err().errcode(), Some(-1));
    assert!(took < ms(250), "{took:?}");
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 2, "one attempt per call");
    // With a short backoff, the same deadline leaves room for retries.
    let c = builder(&emu.base_url()).timeout(ms(500)).retry(retry(5, 10, 20)).build().unwrap();
    emu.reset_counters();
    let _ = verify(&c);
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 5);
}

#[test]
fn the_token_fetch_inside_a_call_keeps_the_calls_deadline() {
    let emu = emulator();
    emu.inject_fault(Fault::forever(FaultKind::Delay(ms(2000))).on(paths::STABLE_TOKEN));
    let c = WeChatClient::builder(APPID, SECRET).base_url(emu.base_url()).timeout(ms(400)).build().unwrap();
    let (r, took) = verify(&c);
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("stable_token: the overall deadline (400 ms) expired"), "{}", e.message());
    assert!(took >= ms(390) && took < ms(400) + SLACK, "{took:?}");
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 0);
    // The caller's deadline said nothing about the token service: the next call fetches at once.
    emu.clear_faults();
    let (r, _) = verify(&c);
    assert!(r.unwrap());
}

/// A loopback listener whose accept queue is full, so that a further connect hangs (its SYN is
/// dropped): the only way to make a connect time out without leaving the machine.
fn full_listener() -> Option<(TcpListener, Vec<TcpStream>, SocketAddr)> {
    let l = TcpListener::bind("127.0.0.1:0").ok()?;
    let addr = l.local_addr().ok()?;
    let mut held = Vec::new();
    for _ in 0..1024 {
        match TcpStream::connect_timeout(&addr, ms(100)) {
            Ok(s) => held.push(s),
            Err(_) => return Some((l, held, addr)),
        }
    }
    None
}

#[test]
fn a_connect_that_times_out_is_named_and_retried() {
    let Some((_listener, _held, addr)) = full_listener() else {
        panic!("could not fill a loopback accept queue: connects do not hang on this system");
    };
    let c = builder(&format!("http://{addr}")).timeout(ms(2000)).connect_timeout(ms(150)).retry(retry(3, 10, 20)).build().unwrap();
    let (r, took) = verify(&c);
    let e = r.unwrap_err();
    eprintln!("MEASURED 3 connects of 150 ms: {took:?}: {}", e.message());
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("the connect timeout (150 ms) expired") && e.message().contains("after 3 attempts"), "{}", e.message());
    assert!(took >= ms(440) && took < ms(450) + SLACK, "{took:?}");
}

#[test]
fn timeouts_are_bounded_with_units_in_the_message() {
    for b in [
        builder("http://127.0.0.1:9").timeout(MAX_TIMEOUT + ms(1)),
        builder("http://127.0.0.1:9").connect_timeout(Duration::from_secs(5000)),
        builder("http://127.0.0.1:9").attempt_timeout(Duration::from_secs(86400)),
        builder("http://127.0.0.1:9").timeout(Duration::ZERO),
    ] {
        let e = b.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
    }
    let e = builder("http://127.0.0.1:9").timeout(Duration::from_secs(5000)).build().unwrap_err();
    assert!(e.message().contains("timeout is 5000 s: timeouts above an hour are refused as a likely unit mistake"), "{}", e.message());
    assert!(builder("http://127.0.0.1:9").timeout(MAX_TIMEOUT).build().is_ok());
}
