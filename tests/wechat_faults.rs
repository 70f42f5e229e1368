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
