//! Regressions of the second hardening review (issue 12), through the public Rust API. Each test
//! failed on the code before its fix (a hang caught by a timeout, a wrong verdict, an accepted
//! input); network traffic stays on loopback, refusals use `.invalid` hosts.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use soter_verify::emulator::{Emulator, EmulatorConfig};
use soter_verify::testing::Device;
use soter_verify::wechat::{FetchedToken, RetryPolicy, Secret, TokenRequest, TokenSource, WeChatClient};
use soter_verify::{authenticate, ErrorKind, Expectations, ResultJson, SaltLen};

const APPID: &str = "wxhardening0000001";
const SECRET: &str = "hardening-secret-2";
const OPENID: &str = "o_hardening";

fn device() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().expect("device"))
}

fn emulator() -> Emulator {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).expect("emulator");
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    emu
}

fn verify_once(c: &WeChatClient) -> soter_verify::Result<bool> {
    let (json, sig) = device().sign_result("hardening-challenge", 20).unwrap();
    c.soter_verify_signature(OPENID, std::str::from_utf8(&json).unwrap(), &sig)
}

/// Runs `f` on a thread; a test failure (not a hung test run) when it does not return in time.
fn within<T: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).unwrap_or_else(|_| panic!("{what} did not return within {limit:?} (hung)"))
}

// ---- 1. token lifetime overflow, single flight released on every path ----

#[test]
fn huge_callback_lifetime_from_four_threads() {
    let emu = Arc::new(emulator());
    emu.add_token("HUGE-LIFETIME-TOKEN", Duration::from_secs(600));
    for life in [Duration::MAX, Duration::from_secs(i64::MAX as u64)] {
        let fetches = Arc::new(AtomicU64::new(0));
        let f2 = fetches.clone();
        let cb = Arc::new(move |_: TokenRequest| {
            f2.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100)); // the other threads queue up behind it
            Ok(FetchedToken { token: Secret::new("HUGE-LIFETIME-TOKEN"), expires_in: Some(life) })
        });
        let c = Arc::new(
            WeChatClient::builder(APPID, "").base_url(emu.base_url()).token_source(TokenSource::Callback(cb)).build().unwrap(),
        );
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let c = c.clone();
                let (tx, rx) = mpsc::channel();
                std::thread::spawn(move || {
                    let _ = tx.send(verify_once(&c));
                });
                rx
            })
            .collect();
        for rx in workers {
            let got = rx.recv_timeout(Duration::from_secs(20)).expect("a thread hung in the token cache");
            assert!(got.unwrap(), "lifetime {life:?}");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one fetch for four threads");
        let c2 = c.clone();
        assert!(within(Duration::from_secs(20), "a later call", move || verify_once(&c2)).unwrap());
    }
}

/// A loopback HTTP server answering each request with `answer(path, accept_encoding)`
/// (headers after the status line, body); one request per connection.
fn scripted_server(
    answer: impl Fn(&str, &str) -> (String, Vec<u8>) + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for s in l.incoming().take(64) {
            let Ok(s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("").split('?').next().unwrap_or("").to_owned();
            let (mut len, mut enc) = (0usize, String::new());
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap_or((&h, ""));
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap_or(0),
                    "accept-encoding" => enc = v.trim().to_owned(),
                    _ => {}
                }
            }
            let mut body = vec![0u8; len];
            let _ = r.read_exact(&mut body);
            seen2.lock().unwrap().push(enc.clone());
            let (headers, body) = answer(&path, &enc);
            let mut out = format!("HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
            out.extend_from_slice(&body);
            let mut s = s;
            let _ = s.write_all(&out);
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn huge_expires_in_from_the_token_endpoint() {
    let (url, _) = scripted_server(|path, _| {
        let body = if path == "/cgi-bin/stable_token" {
            r#"{"access_token":"T-HUGE","expires_in":9223372036854775807}"#.to_owned()
        } else {
            r#"{"errcode":0,"errmsg":"ok","is_ok":true}"#.to_owned()
        };
        ("Content-Type: application/json\r\n".into(), body.into_bytes())
    });
    let c = Arc::new(WeChatClient::builder(APPID, SECRET).base_url(url).build().unwrap());
    let rxs: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(verify_once(&c));
            });
            rx
        })
        .collect();
    for rx in rxs {
        assert!(rx.recv_timeout(Duration::from_secs(20)).expect("a thread hung").unwrap());
    }
    assert_eq!(c.stats().token_fetches, 1);
}

// ---- 3. the response cap applies to the decoded body ----

fn gzip_bomb(decoded: usize) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(br#"{"errcode":0,"errmsg":"ok","is_ok":true,"pad":""#).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut left = decoded;
    while left > 0 {
        let n = left.min(chunk.len());
        enc.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    enc.write_all(br#""}"#).unwrap();
    enc.finish().unwrap()
}

#[test]
fn compressed_bodies_are_capped_after_decoding() {
    // 64 MiB of JSON in about 64 KiB of gzip, against the default 1 MiB cap.
    let bomb = Arc::new(gzip_bomb(64 << 20));
    assert!(bomb.len() < 200 << 10, "the bomb is small on the wire ({} bytes)", bomb.len());
    let b2 = bomb.clone();
    let (url, seen) = scripted_server(move |_, accepted| {
        // Every encoding the client advertises, plus gzip, which servers may send regardless.
        let mut encodings: Vec<String> =
            accepted.split(',').map(|e| e.split(';').next().unwrap_or("").trim().to_ascii_lowercase()).collect();
        encodings.retain(|e| !e.is_empty() && e != "identity");
        for e in &encodings {
            assert!(e == "gzip" || e == "x-gzip", "the client advertises {e:?}: add a bomb for it to this test");
        }
        ("Content-Type: application/json\r\nContent-Encoding: gzip\r\n".into(), b2.to_vec())
    });
    let c = WeChatClient::builder(APPID, SECRET)
        .base_url(url)
        .token_source(TokenSource::Fixed(Secret::new("T")))
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .build()
        .unwrap();
    let e = verify_once(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{e:?}");
    assert!(e.message().contains("cap"), "{}", e.message());
    assert!(!seen.lock().unwrap().is_empty());
    // A small compressed answer still works.
    let (url, _) = scripted_server(|_, _| {
        use flate2::{write::GzEncoder, Compression};
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(br#"{"errcode":0,"errmsg":"ok","is_ok":true}"#).unwrap();
        ("Content-Encoding: gzip\r\n".into(), enc.finish().unwrap())
    });
    let c = WeChatClient::builder(APPID, SECRET).base_url(url).token_source(TokenSource::Fixed(Secret::new("T"))).build().unwrap();
    assert!(verify_once(&c).unwrap());
}

// ---- 4. member checks are linear and the member count bounded ----

fn min_time(runs: usize, f: impl Fn()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn hostile_member_counts_cost_what_genuine_documents_cost() {
    // The reviewer's document: ~59 KB, 8464 distinct names, the required fields last.
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let name = |mut i: usize| {
        let mut n = vec![DIGITS[i % 62]];
        i /= 62;
        while i > 0 {
            n.push(DIGITS[i % 62]);
            i /= 62;
        }
        String::from_utf8(n).unwrap()
    };
    let mut hostile = String::from("{");
    for i in 0..8464 {
        hostile.push_str(&format!("\"{}\":0,", name(i)));
    }
    hostile.push_str(r#""raw":"c","counter":1,"cpu_id":"x","uid":"u"}"#);
    // A genuine result padded with one long vendor field to the same size.
    let head = r#"{"raw":"c","fid":"1","counter":1,"tee_n":"T","tee_v":"1","fp_n":"F","fp_v":"1","cpu_id":"x","uid":"u","pad":""#;
    let genuine = format!("{head}{}\"}}", "p".repeat(hostile.len() - head.len() - 2));
    assert_eq!(genuine.len(), hostile.len());
    assert!(hostile.len() < soter_verify::MAX_DOCUMENT, "{} bytes", hostile.len());
    assert!(ResultJson::parse(genuine.as_bytes()).is_ok());
    let e = ResultJson::parse(hostile.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InputTooLarge, "{e:?}");

    let g = min_time(15, || drop(ResultJson::parse(genuine.as_bytes())));
    let h = min_time(15, || drop(ResultJson::parse(hostile.as_bytes())));
    let ratio = h.as_secs_f64() / g.as_secs_f64();
    eprintln!("MEASURED parse cost, hostile/genuine at equal size: {ratio:.1}x ({h:?} vs {g:?})");
    // Quadratic checking made this thousands; a linear, bounded check keeps it near the cost of
    // parsing as many members (which, in an unoptimised test build, is ~15x scanning one string).
    assert!(ratio < 100.0, "8464 names cost {ratio:.0}x a genuine document of the same size");
}

// ---- 6. a token callback that calls its own client ----

#[test]
fn re_entrant_token_callback_fails_clearly() {
    let emu = Arc::new(emulator());
    let slot: Arc<OnceLock<Arc<WeChatClient>>> = Arc::new(OnceLock::new());
    let slot2 = slot.clone();
    let cb = Arc::new(move |_: TokenRequest| {
        // The callback uses the client it serves: it needs a token, which is being fetched.
        let c = slot2.get().expect("client set").clone();
        verify_once(&c)?;
        Ok(FetchedToken { token: Secret::new("NEVER"), expires_in: None })
    });
    let c = Arc::new(WeChatClient::builder(APPID, "").base_url(emu.base_url()).token_source(TokenSource::Callback(cb)).build().unwrap());
    let _ = slot.set(c.clone());
    let c2 = c.clone();
    let e = within(Duration::from_secs(20), "a re-entrant token callback", move || verify_once(&c2)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token, "{e:?}");
    assert!(e.message().contains("re-entrant"), "{}", e.message());
    // Another thread is not stuck behind it.
    let c3 = c.clone();
    let e = within(Duration::from_secs(20), "a call after the re-entry", move || verify_once(&c3)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token);
}

// ---- 7. a proxy does not defeat the plain-http rule ----

#[test]
fn plain_http_through_a_remote_proxy_is_refused() {
    let e = WeChatClient::builder(APPID, SECRET)
        .base_url("http://127.0.0.1:9")
        .proxy("http://proxy.example.invalid:3128")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
    for proxy in ["socks5://proxy.example.invalid:1080", "http://user:pw@proxy.example.invalid:3128"] {
        let e = WeChatClient::builder(APPID, SECRET).base_url("http://[::1]:9").proxy(proxy).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(!e.message().contains("pw@"));
    }
    let e = WeChatClient::builder(APPID, "").token_source(TokenSource::CloudOpenApi).proxy("http://proxy.example.invalid:3128").build();
    assert_eq!(e.unwrap_err().kind(), ErrorKind::Config);
    // Allowed: explicitly, through a loopback proxy, or over https.
    let ok = |b: soter_verify::wechat::ClientBuilder| assert!(b.build().is_ok());
    ok(WeChatClient::builder(APPID, SECRET).base_url("http://127.0.0.1:9").proxy("http://proxy.example.invalid:3128").allow_insecure_http(true));
    ok(WeChatClient::builder(APPID, SECRET).base_url("http://127.0.0.1:9").proxy("http://127.0.0.1:3128"));
    ok(WeChatClient::builder(APPID, SECRET).proxy("http://proxy.example.invalid:3128"));
}

// ---- 8. one salt-length rule: verify's default and authenticate agree ----

#[test]
fn escaped_saltlen_name_is_honoured_by_verify_and_authenticate() {
    let key = common::keypair(2048);
    for json in [
        r#"{"raw":"salt-rule","counter":3,"cpu_id":"c","uid":"u","rsa_pss_salt\u006cen":32}"#,
        r#"{"raw":"salt-rule","counter":3,"cpu_id":"c","uid":"u","\u0072sa_pss_saltlen":"32"}"#,
        " {\"raw\":\"salt-rule\",\"counter\":3,\"cpu_id\":\"c\",\"uid\":\"u\",\"rsa_pss_saltlen\":32}",
    ] {
        let sig = key.sign(json.as_bytes(), 32).unwrap();
        let parsed = ResultJson::parse(json.as_bytes()).unwrap();
        assert_eq!(parsed.rsa_pss_saltlen, Some(32), "{json}");
        let v = key.public_key().verify(json.as_bytes(), &sig, SaltLen::Default);
        assert_eq!(v.map(|v| v.salt_len).ok(), Some(32), "verify with the default salt: {json}");
        let r = authenticate(key.public_key(), json.as_bytes(), &sig, &Expectations::new("salt-rule"));
        assert!(r.is_ok(), "authenticate: {json}: {r:?}");
        // And a 20-byte signature over the same bytes is refused by both.
        let sig20 = key.sign(json.as_bytes(), 20).unwrap();
        assert_eq!(key.public_key().verify(json.as_bytes(), &sig20, SaltLen::Default).unwrap_err().kind(), ErrorKind::SignatureInvalid);
        let e = authenticate(key.public_key(), json.as_bytes(), &sig20, &Expectations::new("salt-rule")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignatureInvalid);
    }
}

// ---- 10. the emulator bounds connections, times out slow requests, guards its admin API ----

fn raw_request(base: &str, request: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn admin_api_refuses_foreign_hosts_and_simple_content_types() {
    let emu = emulator();
    let base = emu.base_url();
    let host = base.trim_start_matches("http://").to_owned();
    let body = r#"{"kind":"system_busy","count":1}"#;
    let post = |host: &str, ctype: &str| {
        raw_request(
            &base,
            &format!(
                "POST /__admin/faults HTTP/1.1\r\nHost: {host}\r\n{ctype}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    // What a web page can send without a CORS preflight, and a DNS-rebound host name.
    for ctype in ["Content-Type: text/plain\r\n", "Content-Type: application/x-www-form-urlencoded\r\n", "Content-Type: multipart/form-data; boundary=x\r\n", ""] {
        let r = post(&host, ctype);
        assert!(r.starts_with("HTTP/1.1 415"), "{ctype:?}: {r}");
    }
    let r = post("rebound.example.invalid:80", "Content-Type: application/json\r\n");
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    let r = raw_request(&base, "GET /__admin/counters HTTP/1.1\r\nHost: rebound.example.invalid\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert_eq!(emu.counters().faults_applied, 0);
    // The emulator's own clients pass.
    let r = post(&host, "Content-Type: application/json; charset=utf-8\r\n");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let r = post(&format!("localhost:{}", emu.local_addr().port()), "Content-Type: application/json\r\n");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}
