//! WeChat faults the emulator cannot stage, over raw sockets, and a token service that keeps
//! failing under concurrent load. Loopback (127.0.0.1) only.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind};
use soter_verify::testing::Device;
use soter_verify::wechat::{paths, RetryPolicy, Secret, TokenSource, WeChatClient};
use soter_verify::ErrorKind;

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "s3cr3t-APP-SECRET-7f1e2d";
const TOKEN: &str = "FIXED-SECRET-TOKEN-5d41402a";
const OPENID: &str = "o_user_1";

fn device() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().expect("device"))
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(50) }
}

/// One signed result, made once (key generation and signing stay out of the timings).
fn signed() -> &'static (String, String) {
    static S: OnceLock<(String, String)> = OnceLock::new();
    S.get_or_init(|| {
        let (json, sig) = device().sign_result("challenge-faults", 20).unwrap();
        (String::from_utf8(json).unwrap(), sig)
    })
}

fn verify(c: &WeChatClient) -> soter_verify::Result<bool> {
    let (json, sig) = signed();
    c.soter_verify_signature(OPENID, json, sig)
}

/// Every text must be free of the app secret and the token.
fn assert_no_secrets(texts: &[String]) {
    for t in texts {
        for f in [SECRET, TOKEN] {
            assert!(!t.contains(f), "secret {f:?} leaked in {t:?}");
        }
    }
}

/// A loopback server: for each accepted connection (up to `conns`), read the request head and
/// hand the stream to `answer`.
fn raw_server(conns: usize, answer: impl Fn(TcpStream) + Send + Sync + 'static) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for s in l.incoming().take(conns) {
            let Ok(mut s) = s else { continue };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = s.read(&mut buf);
                answer(s);
            });
        }
    });
    format!("http://{addr}")
}

fn fixed_client(url: String, timeout: Duration) -> WeChatClient {
    WeChatClient::builder(APPID, SECRET)
        .base_url(url)
        .retry(fast_retry())
        .timeout(timeout)
        .token_source(TokenSource::Fixed(Secret::new(TOKEN)))
        .build()
        .unwrap()
}

#[test]
fn truncated_body_is_an_error_in_bounded_time() {
    let url = raw_server(8, |mut s| {
        let body = b"{\"errcode\":0,\"errmsg\":\"ok\",";
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n");
        let _ = s.write_all(body);
        let _ = s.flush();
        // Close with 200 - 28 bytes still owed.
    });
    let c = fixed_client(url, Duration::from_secs(3));
    signed();
    let t = Instant::now();
    let e = verify(&c).unwrap_err();
    let took = t.elapsed();
    eprintln!("MEASURED truncated body: {:?} after {took:?}, {} attempt(s)", e.kind(), c.stats().http_requests);
    assert!(matches!(e.kind(), ErrorKind::MalformedResponse | ErrorKind::Network), "{e:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(c.stats().http_requests <= 3);
    assert_no_secrets(&[e.to_string(), format!("{e:?}"), format!("{c:?}")]);
}

/// Send `bytes` one per `every`; stop when the client has gone.
fn trickle(mut s: TcpStream, bytes: &[u8], every: Duration) {
    for b in bytes {
        if s.write_all(&[*b]).and_then(|_| s.flush()).is_err() {
            return;
        }
        std::thread::sleep(every);
    }
}

#[test]
fn one_byte_per_second_hits_the_overall_deadline() {
    const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"errcode\":0,\"errmsg\":\"ok\",\"is_ok\":true}";
    let timeout = Duration::from_millis(1000);
    let mut texts = Vec::new();
    // The whole response trickles (stuck in the head), then only the body trickles.
    for head_fast in [false, true] {
        let url = raw_server(4, move |mut s| {
            let split = if head_fast { RESPONSE.iter().position(|&b| b == b'{').unwrap() } else { 0 };
            let _ = s.write_all(&RESPONSE[..split]);
            trickle(s, &RESPONSE[split..], Duration::from_secs(1));
        });
        let c = fixed_client(url, timeout);
        signed();
        let t = Instant::now();
        let e = verify(&c).unwrap_err();
        let took = t.elapsed();
        eprintln!("MEASURED one byte per second (head fast: {head_fast}), timeout {timeout:?}: {:?} after {took:?}", e.kind());
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
        assert!(took >= timeout - Duration::from_millis(50), "{took:?}");
        assert!(took < timeout + Duration::from_millis(300), "{took:?}");
        assert_eq!(c.stats().http_requests, 1, "the deadline expired: no time for another attempt");
        texts.push(format!("{e} {e:?}"));
    }
    assert_no_secrets(&texts);
}

/// 8 threads x 5 calls against a token endpoint that always fails: how many token requests?
fn storm(kind: FaultKind, source: TokenSource, path: &str) -> (u64, Vec<String>, Emulator, Arc<WeChatClient>) {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    signed();
    emu.inject_fault(Fault::forever(kind).on(path));
    let c = Arc::new(
        WeChatClient::builder(APPID, SECRET)
            .base_url(emu.base_url())
            .retry(fast_retry())
            .timeout(Duration::from_secs(3))
            .token_source(source)
            .build()
            .unwrap(),
    );
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (c, b) = (c.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                let mut texts = Vec::new();
                for _ in 0..5 {
                    let e = verify(&c).unwrap_err();
                    assert!(matches!(e.kind(), ErrorKind::Token | ErrorKind::Network), "{e:?}");
                    texts.push(format!("{e} {e:?}"));
                }
                texts
            })
        })
        .collect();
    let texts: Vec<String> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let n = emu.counters().requests_to(path);
    (n, texts, emu, c)
}

#[test]
fn a_failing_token_service_is_not_stormed() {
    let attempts = u64::from(fast_retry().max_attempts);
    let calls = 8 * 5;
    let mut texts = Vec::new();
    for (kind, source, path) in [
        (FaultKind::SystemBusy, TokenSource::StableToken, paths::STABLE_TOKEN),
        (FaultKind::Http500, TokenSource::StableToken, paths::STABLE_TOKEN),
        (FaultKind::SystemBusy, TokenSource::ClassicToken, paths::TOKEN),
        (FaultKind::Http500, TokenSource::ClassicToken, paths::TOKEN),
    ] {
        let t = Instant::now();
        let (n, mut tx, emu, c) = storm(kind, source.clone(), path);
        eprintln!(
            "MEASURED {kind:?} forever on {path}, 8 threads x 5 calls: {n} token requests (no-storm ceiling {}), {:?}",
            attempts * calls,
            t.elapsed()
        );
        // No call reached the API endpoint without a token.
        assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 0);
        // One failed fetch (its bounded retries), shared by every thread and held back afterwards.
        assert!(n <= attempts, "{n} token requests for {calls} calls");
        texts.append(&mut tx);
        // Once the token service recovers, a cleared cache fetches at once.
        emu.clear_faults();
        c.clear_token_cache();
        assert!(verify(&c).unwrap());
    }
    assert_no_secrets(&texts);
}

/// `threads` threads x `calls` calls to verify_signature; every error's (kind, errcode, message).
fn hammer(c: &Arc<WeChatClient>, threads: usize, calls: usize) -> Vec<(ErrorKind, Option<i64>, String)> {
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || (0..calls).filter_map(|_| verify(&c).err()).map(|e| (e.kind(), e.errcode(), e.to_string())).collect::<Vec<_>>())
        })
        .collect();
    hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
}

#[test]
fn a_wechat_rejecting_fresh_tokens_gets_one_forced_refresh_per_30_s() {
    // Issue 19: a WeChat that kept answering 40001 made the client fetch 107 tokens for 400 calls.
    for (source, path) in [(TokenSource::StableToken, paths::STABLE_TOKEN), (TokenSource::ClassicToken, paths::TOKEN)] {
        let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
        emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
        let c = Arc::new(
            WeChatClient::builder(APPID, SECRET)
                .base_url(emu.base_url())
                .retry(fast_retry())
                .timeout(Duration::from_secs(5))
                .token_source(source.clone())
                .build()
                .unwrap(),
        );
        assert!(verify(&c).unwrap());
        emu.inject_fault(Fault::forever(FaultKind::InvalidToken).on(paths::SOTER_VERIFY_SIGNATURE));
        let t = Instant::now();
        let errors = hammer(&c, 8, 50);
        let n = emu.counters();
        eprintln!(
            "MEASURED {source:?}, 40001 forever, 8 threads x 50 calls: {} token requests, {} tokens minted, {:?}",
            n.requests_to(path),
            n.token_issues,
            t.elapsed()
        );
        assert_eq!(errors.len(), 400, "every call fails");
        for (kind, code, text) in &errors {
            assert_eq!((*kind, *code), (ErrorKind::Token, Some(40001)), "{text}");
        }
        assert_eq!(n.requests_to(path), 2, "the first token and one forced refresh, no more within 30 s");
        assert_eq!(n.token_issues, 2);
        let spaced = errors.iter().filter(|e| e.2.contains("refreshed at most once per 30 s after a rejection")).count();
        assert!(spaced >= 300, "calls fail without a fetch, saying why ({spaced} of 400)");
        // WeChat recovers: the cached token works again, still without a fetch.
        emu.clear_faults();
        assert!(verify(&c).unwrap());
        assert_eq!(emu.counters().requests_to(path), 2);
        assert_no_secrets(&errors.into_iter().map(|e| e.2).collect::<Vec<_>>());
    }
}

#[test]
fn a_rejected_fixed_token_is_a_token_error_without_a_fetch() {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    emu.add_token(TOKEN, Duration::from_secs(600));
    let c = Arc::new(fixed_client(emu.base_url(), Duration::from_secs(5)));
    assert!(verify(&c).unwrap());
    emu.inject_fault(Fault::forever(FaultKind::InvalidToken).on(paths::SOTER_VERIFY_SIGNATURE));
    let errors = hammer(&c, 4, 10);
    assert_eq!(errors.len(), 40);
    for (kind, code, text) in &errors {
        assert_eq!((*kind, *code), (ErrorKind::Token, Some(40001)), "{text}");
    }
    let n = emu.counters();
    assert_eq!(n.requests_to(paths::STABLE_TOKEN) + n.requests_to(paths::TOKEN), 0);
    assert!(n.requests_to(paths::SOTER_VERIFY_SIGNATURE) <= 1 + 40, "a fixed token is not retried");
    assert_no_secrets(&errors.into_iter().map(|e| e.2).collect::<Vec<_>>());
}

/// Seconds since midnight UTC of an "HH:MM:SS UTC" in `text`.
fn utc_seconds_in(text: &str) -> u64 {
    let i = text.find(" UTC").expect("a UTC time");
    let hms: Vec<u64> = text[i - 8..i].split(':').map(|n| n.parse().unwrap()).collect();
    hms[0] * 3600 + hms[1] * 60 + hms[2]
}

#[test]
fn the_token_failure_hold_says_so_and_its_ceiling_is_settable() {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    emu.inject_fault(Fault::forever(FaultKind::SystemBusy).on(paths::STABLE_TOKEN));
    let build = |max: Option<Duration>| {
        let b = WeChatClient::builder(APPID, SECRET)
            .base_url(emu.base_url())
            .retry(RetryPolicy { max_attempts: 1, ..fast_retry() })
            .timeout(Duration::from_secs(5));
        match max {
            Some(m) => b.token_retry_max(m),
            None => b,
        }
        .build()
    };
    let fetches = || emu.counters().requests_to(paths::STABLE_TOKEN);

    // Default ceiling: the first hold is 1 s, and says so with the failed fetch's error.
    let c = build(None).unwrap();
    let first = verify(&c).unwrap_err();
    assert_eq!(fetches(), 1);
    let held = verify(&c).unwrap_err();
    assert_eq!(fetches(), 1, "no fetch during the hold");
    assert_eq!((held.kind(), held.errcode()), (first.kind(), first.errcode()), "the original kind and errcode");
    let prefix = "no access token: holding for 1 s after the fetch at ";
    assert!(held.message().starts_with(prefix), "{}", held.message());
    assert!(held.message().ends_with(&format!(" UTC failed: {}", first.message())), "{}", held.message());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 86_400;
    let at = utc_seconds_in(held.message());
    assert!((now + 86_400 - at) % 86_400 <= 5, "the fetch's time of day, UTC: {at} vs now {now}");

    // A 300 ms ceiling: every hold is 300 ms (not 1 s, 2 s, ...).
    let emu_fetches = fetches();
    let c = build(Some(Duration::from_millis(300))).unwrap();
    for round in 1..=3u64 {
        let e = verify(&c).unwrap_err();
        assert!(!e.message().starts_with("no access token: holding"), "round {round}: {}", e.message());
        assert_eq!(fetches(), emu_fetches + round);
        let held = verify(&c).unwrap_err();
        assert_eq!(fetches(), emu_fetches + round, "held");
        let ms: u64 = held.message()["no access token: holding for ".len()..].split(' ').next().unwrap().parse().unwrap();
        assert!(held.message().contains(" ms after the fetch at ") && ms <= 300, "{}", held.message());
        std::thread::sleep(Duration::from_millis(350));
    }
    // Recovery: the first call after the hold fetches and succeeds.
    emu.clear_faults();
    assert!(verify(&c).unwrap());

    // Refused like the timeouts: zero, and above an hour.
    for bad in [Duration::ZERO, Duration::from_secs(3601)] {
        let e = build(Some(bad)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad:?}");
    }
    assert!(build(Some(Duration::from_secs(3600))).is_ok());
    assert!(format!("{}", build(Some(Duration::from_secs(3601))).unwrap_err()).contains("token_retry_max"));
}
