//! The WeChat client against the emulator, over loopback only.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Person};
use soter_verify::testing::Device;
use soter_verify::wechat::{
    paths, CertInfo, ClientBuilder, FetchedToken, RetryPolicy, Secret, TokenSource, VerifyOutcome, WeChatClient,
};
use soter_verify::{ErrorKind, ResultJson};

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "s3cr3t-APP-SECRET-7f1e2d";
const OPENID: &str = "o_user_1";

fn device() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().expect("device"))
}

fn huawei() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().expect("device"))
}

fn emulator_with(f: impl FnOnce(&mut EmulatorConfig)) -> Emulator {
    let mut cfg = EmulatorConfig::new(APPID, SECRET);
    f(&mut cfg);
    let emu = Emulator::start(cfg).expect("emulator");
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    emu.register_device("o_huawei", huawei().public_key_pem().as_bytes()).unwrap();
    emu
}

fn emulator() -> Emulator {
    emulator_with(|_| {})
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(50) }
}

fn builder(emu: &Emulator) -> ClientBuilder {
    WeChatClient::builder(APPID, SECRET).base_url(emu.base_url()).retry(fast_retry()).timeout(Duration::from_secs(5))
}

fn client(emu: &Emulator) -> WeChatClient {
    builder(emu).build().unwrap()
}

/// A fresh signed result from the test device: (json, signature).
fn signed(dev: &Device, salt: usize) -> (String, String) {
    let challenge = soter_verify::new_challenge().unwrap();
    let (json, sig) = dev.sign_result(&challenge, salt).unwrap();
    (String::from_utf8(json).unwrap(), sig)
}

fn verify_ok(c: &WeChatClient) -> soter_verify::Result<bool> {
    let (json, sig) = signed(device(), 20);
    c.soter_verify_signature(OPENID, &json, &sig)
}

#[test]
fn client_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<WeChatClient>();
    check::<Emulator>();
}

#[test]
fn verify_signature_true_false_and_salt_32() {
    let emu = emulator();
    let c = client(&emu);
    let (json, sig) = signed(device(), 20);
    assert!(c.soter_verify_signature(OPENID, &json, &sig).unwrap());
    // The same result, one byte changed: errcode 0 with is_ok false is a failed verification.
    let tampered = json.replace("\"counter\":", "\"counter\":1");
    assert!(!c.soter_verify_signature(OPENID, &tampered, &sig).unwrap());
    // Huawei style: salt 32 announced in rsa_pss_saltlen.
    let (json32, sig32) = signed(huawei(), 32);
    assert!(json32.contains("\"rsa_pss_saltlen\":32"));
    assert!(c.soter_verify_signature("o_huawei", &json32, &sig32).unwrap());
    // The key of another user does not verify it.
    assert!(!c.soter_verify_signature(OPENID, &json32, &sig32).unwrap());
    // Unknown openid: a WeChat API error with its errcode.
    let e = c.soter_verify_signature("o_nobody", &json, &sig).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WeChatApi);
    assert_eq!(e.errcode(), Some(40003));
    // Empty input is refused before any request.
    let before = emu.counters().total_requests();
    assert_eq!(c.soter_verify_signature("", &json, &sig).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.counters().total_requests(), before);
    // The result still parses locally, so the caller can check raw against its challenge.
    assert!(ResultJson::parse(json.as_bytes()).is_ok());
}

#[test]
fn one_token_for_200_calls_on_one_connection() {
    let emu = emulator();
    let c = client(&emu);
    for _ in 0..200 {
        assert!(verify_ok(&c).unwrap());
    }
    let n = emu.counters();
    eprintln!("MEASURED 200 calls: stable_token requests {}, token issues {}, connections {}",
        n.requests_to(paths::STABLE_TOKEN), n.token_issues, n.connections);
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 1);
    assert_eq!(n.token_issues, 1);
    assert_eq!(n.requests_to(paths::SOTER_VERIFY_SIGNATURE), 200);
    assert_eq!(c.stats().token_fetches, 1);
}

#[test]
fn thousand_sequential_calls_use_one_tcp_connection() {
    let emu = emulator();
    let c = client(&emu);
    let (json, sig) = signed(device(), 20);
    let t = Instant::now();
    for _ in 0..1000 {
        assert!(c.soter_verify_signature(OPENID, &json, &sig).unwrap());
    }
    let n = emu.counters();
    eprintln!("MEASURED 1000 sequential calls: {} TCP connection(s), {} token request(s), {:?}",
        n.connections, n.requests_to(paths::STABLE_TOKEN), t.elapsed());
    assert_eq!(n.connections, 1);
    assert_eq!(n.requests_to(paths::SOTER_VERIFY_SIGNATURE), 1000);
}

#[test]
fn sixteen_threads_on_a_cold_cache_make_one_token_request() {
    let emu = emulator();
    let c = Arc::new(client(&emu));
    let barrier = Arc::new(std::sync::Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                verify_ok(&c).unwrap()
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap());
    }
    let n = emu.counters();
    eprintln!("MEASURED 16 threads cold cache: {} token request(s)", n.requests_to(paths::STABLE_TOKEN));
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 1);
    assert_eq!(c.stats().token_fetches, 1);
}

#[test]
fn injected_40001_causes_one_refresh_and_success() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::InvalidToken, 1));
    assert!(verify_ok(&c).unwrap());
    let n = emu.counters();
    eprintln!("MEASURED after injected 40001: token requests {}, token retries {}",
        n.requests_to(paths::STABLE_TOKEN), c.stats().token_retries);
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 2);
    assert_eq!(n.token_issues, 2, "the refresh after a token error is forced");
    assert_eq!(c.stats().token_retries, 1);
    // A second token error within 30 s of that forced refresh: no fetch at all (at most one
    // forced refresh per 30 s), a Token error carrying WeChat's errcode that says why.
    emu.inject_fault(Fault::new(FaultKind::ExpiredToken, 1));
    let e = verify_ok(&c).unwrap_err();
    assert_eq!((e.kind(), e.errcode()), (ErrorKind::Token, Some(42001)));
    assert!(e.message().contains("refreshed at most once per 30 s after a rejection"), "{}", e.message());
    let n = emu.counters();
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 2, "no fetch within 30 s of the forced refresh");
    assert_eq!(n.token_issues, 2, "no second forced refresh within 30 s");
    // The token is still good for the next call.
    assert!(verify_ok(&c).unwrap());
}

#[test]
fn persistent_token_error_is_retried_once_only() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::forever(FaultKind::InvalidToken).on(paths::SOTER_VERIFY_SIGNATURE));
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token);
    assert_eq!(e.errcode(), Some(40001));
    let n = emu.counters();
    assert_eq!(n.requests_to(paths::SOTER_VERIFY_SIGNATURE), 3, "1 ok + the failed call + one retry");
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 2);
}

#[test]
fn real_expiry_42001_refreshes_and_succeeds() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.expire_tokens();
    assert!(verify_ok(&c).unwrap());
    assert_eq!(emu.counters().requests_to(paths::STABLE_TOKEN), 2);
    assert_eq!(c.stats().token_retries, 1);
}

#[test]
fn short_lifetime_refreshes_before_expiry() {
    let emu = emulator_with(|c| c.token_lifetime = Duration::from_secs(2));
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    std::thread::sleep(Duration::from_millis(1200));
    assert!(verify_ok(&c).unwrap());
    let n = emu.counters();
    // Refreshed because less than the margin (half of 2 s) remained; never hit 42001.
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 2);
    assert_eq!(c.stats().token_retries, 0);
}

#[test]
fn two_system_busy_then_success() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::SystemBusy, 2));
    assert!(verify_ok(&c).unwrap());
    eprintln!("MEASURED two injected -1: {} retries", c.stats().retries);
    assert_eq!(c.stats().retries, 2);
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 4);
}

#[test]
fn endless_system_busy_fails_after_bounded_attempts() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::forever(FaultKind::SystemBusy));
    let t = Instant::now();
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WeChatApi);
    assert_eq!(e.errcode(), Some(-1));
    assert!(t.elapsed() < Duration::from_secs(2));
    let n = emu.counters();
    eprintln!("MEASURED endless -1: {} attempts then failure, {} retries", n.requests_to(paths::SOTER_VERIFY_SIGNATURE) - 1, c.stats().retries);
    assert_eq!(n.requests_to(paths::SOTER_VERIFY_SIGNATURE), 1 + 3);
    assert_eq!(c.stats().retries, 2);
}

#[test]
fn http_500_is_retried_and_bounded() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::Http500, 2));
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::forever(FaultKind::Http500));
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("500"), "{e}");
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 1 + 3 + 3);
}

#[test]
fn malformed_body_is_not_retried() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::MalformedBody, 1));
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse);
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_SIGNATURE), 2);
    assert_eq!(c.stats().retries, 0);
}

#[test]
fn dropped_connection_is_retried() {
    let emu = emulator();
    let c = client(&emu);
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::DropConnection, 1));
    assert!(verify_ok(&c).unwrap());
    let n = emu.counters();
    eprintln!("MEASURED dropped connection: {} retries, {} connections", c.stats().retries, n.connections);
    assert!(c.stats().retries >= 1);
    assert_eq!(n.connections, 2);
    emu.inject_fault(Fault::forever(FaultKind::DropConnection));
    assert_eq!(verify_ok(&c).unwrap_err().kind(), ErrorKind::Network);
}

#[test]
fn timeouts_are_honoured() {
    let emu = emulator();
    let c = builder(&emu).timeout(Duration::from_millis(300)).build().unwrap();
    assert!(verify_ok(&c).unwrap());
    emu.inject_fault(Fault::new(FaultKind::Delay(Duration::from_millis(1500)), 1));
    let t = Instant::now();
    let e = verify_ok(&c).unwrap_err();
    let took = t.elapsed();
    eprintln!("MEASURED timeout 300 ms against a 1500 ms delay: failed after {took:?}");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(took < Duration::from_millis(1200), "{took:?}");
    // A delay below the timeout is fine.
    emu.inject_fault(Fault::new(FaultKind::Delay(Duration::from_millis(50)), 1));
    assert!(verify_ok(&c).unwrap());
}

#[test]
fn faults_on_the_token_endpoint() {
    let emu = emulator();
    let c = client(&emu);
    emu.inject_fault(Fault::new(FaultKind::SystemBusy, 1).on(paths::STABLE_TOKEN));
    assert!(verify_ok(&c).unwrap());
    assert_eq!(emu.counters().requests_to(paths::STABLE_TOKEN), 2);
}

#[test]
fn wrong_secret_is_a_token_error_with_errcode() {
    let emu = emulator();
    let c = WeChatClient::builder(APPID, "wrong-secret-XYZ").base_url(emu.base_url()).build().unwrap();
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token);
    assert_eq!(e.errcode(), Some(40125));
    let c = WeChatClient::builder("wx_other", SECRET).base_url(emu.base_url()).build().unwrap();
    assert_eq!(verify_ok(&c).unwrap_err().errcode(), Some(40013));
}

#[test]
fn classic_token_source() {
    let emu = emulator();
    let c = builder(&emu).token_source(TokenSource::ClassicToken).build().unwrap();
    for _ in 0..5 {
        assert!(verify_ok(&c).unwrap());
    }
    let n = emu.counters();
    assert_eq!(n.requests_to(paths::TOKEN), 1);
    assert_eq!(n.requests_to(paths::STABLE_TOKEN), 0);
    emu.expire_tokens();
    assert!(verify_ok(&c).unwrap());
    assert_eq!(emu.counters().requests_to(paths::TOKEN), 2);
}

#[test]
fn fixed_token_source_and_replacement() {
    let emu = emulator();
    emu.add_token("FIXED-TOKEN-ONE", Duration::from_secs(60));
    let c = builder(&emu).token_source(TokenSource::Fixed(Secret::new("FIXED-TOKEN-ONE"))).build().unwrap();
    assert!(verify_ok(&c).unwrap());
    emu.expire_tokens();
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token);
    assert_eq!(e.errcode(), Some(42001));
    assert!(!e.message().contains("FIXED-TOKEN-ONE"));
    emu.add_token("FIXED-TOKEN-TWO", Duration::from_secs(60));
    c.set_fixed_token("FIXED-TOKEN-TWO").unwrap();
    assert!(verify_ok(&c).unwrap());
    assert_eq!(emu.counters().requests_to(paths::STABLE_TOKEN), 0);
    // Not a fixed client: set_fixed_token is refused.
    assert_eq!(client(&emu).set_fixed_token("x").unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn callback_token_source_is_told_to_force_after_a_token_error() {
    let emu = emulator();
    let calls = Arc::new(AtomicU64::new(0));
    let forced = Arc::new(AtomicU64::new(0));
    let emu_tokens = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (calls2, forced2, toks) = (calls.clone(), forced.clone(), emu_tokens.clone());
    let cb = Arc::new(move |req: soter_verify::wechat::TokenRequest| {
        let n = calls2.fetch_add(1, Ordering::SeqCst);
        if req.force_refresh {
            forced2.fetch_add(1, Ordering::SeqCst);
        }
        let t = format!("CALLBACK-TOKEN-{n}");
        toks.lock().unwrap().push(t.clone());
        Ok(FetchedToken { token: Secret::new(t), expires_in: Some(Duration::from_secs(3600)) })
    });
    let c = builder(&emu).token_source(TokenSource::Callback(cb)).build().unwrap();
    // Make the emulator accept the tokens the callback will hand out.
    emu.add_token("CALLBACK-TOKEN-0", Duration::from_secs(60));
    emu.add_token("CALLBACK-TOKEN-1", Duration::from_secs(60));
    assert!(verify_ok(&c).unwrap());
    assert!(verify_ok(&c).unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    emu.inject_fault(Fault::new(FaultKind::InvalidToken, 1).on(paths::SOTER_VERIFY_SIGNATURE));
    assert!(verify_ok(&c).unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(forced.load(Ordering::SeqCst), 1);
    // A failing callback is a Token error.
    let c = builder(&emu)
        .token_source(TokenSource::Callback(Arc::new(|_| Err(soter_verify::Error::new(ErrorKind::Network, "service down")))))
        .build()
        .unwrap();
    assert_eq!(verify_ok(&c).unwrap_err().kind(), ErrorKind::Token);
}

#[test]
fn cloudbase_token_file_mode() {
    let emu = emulator();
    let dir = std::env::temp_dir().join(format!("soter-cloudbase-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cloudbase_access_token");
    std::fs::write(&file, "CLOUDBASE-TOKEN-A\n").unwrap();
    emu.add_token("CLOUDBASE-TOKEN-A", Duration::from_secs(60));
    let c = builder(&emu).token_source(TokenSource::CloudbaseFile(file.clone())).build().unwrap();
    assert!(verify_ok(&c).unwrap());
    // The platform rotates the file: the next call uses the new token.
    emu.expire_tokens();
    std::fs::write(&file, "CLOUDBASE-TOKEN-B").unwrap();
    emu.add_token("CLOUDBASE-TOKEN-B", Duration::from_secs(60));
    assert!(verify_ok(&c).unwrap());
    assert_eq!(emu.counters().requests_to(paths::STABLE_TOKEN), 0);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(verify_ok(&c).unwrap_err().kind(), ErrorKind::Token);
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn cloud_open_api_mode_sends_no_token() {
    let emu = emulator_with(|c| c.open_api = true);
    let c = builder(&emu).token_source(TokenSource::CloudOpenApi).build().unwrap();
    assert!(verify_ok(&c).unwrap());
    let n = emu.counters();
    assert_eq!(n.requests_to(paths::STABLE_TOKEN) + n.requests_to(paths::TOKEN), 0);
    // The same client against a normal emulator: 41001 (no token sent).
    let strict = emulator();
    let c = builder(&strict).token_source(TokenSource::CloudOpenApi).build().unwrap();
    assert_eq!(verify_ok(&c).unwrap_err().errcode(), Some(41001));
}

#[test]
fn face_getinfo() {
    let emu = emulator();
    let c = client(&emu);
    emu.register_person(Person::new("o_face", "张三", "11010519491231002x")).unwrap();
    let ticket = emu.issue_verify_result("o_face").unwrap();
    let info = c.face_get_info(&ticket).unwrap();
    assert!(info.passed());
    assert!(info.passed_for("张三", "11010519491231002X"));
    assert!(info.passed_for("张三", "11010519491231002x"));
    assert!(!info.passed_for("李四", "11010519491231002X"));
    assert!(!info.passed_for("张三", "110105194912310021"));
    assert_eq!(info.openid.as_deref(), Some("o_face"));
    assert!(info.identify_time.is_some() && info.finish_time.is_some() && info.user_id_key.is_some());
    // identify_ret != 0 with errcode 0: a failed verification, not a success.
    let mut p = Person::new("o_fail", "王五", "310101199801011234");
    p.identify_ret = 90100;
    emu.register_person(p).unwrap();
    let info = c.face_get_info(&emu.issue_verify_result("o_fail").unwrap()).unwrap();
    assert_eq!(info.errcode, 0);
    assert!(!info.passed());
    assert!(!info.passed_for("王五", "310101199801011234"));
    assert!(info.matches_person("王五", "310101199801011234"));
    // Unknown ticket: 84001.
    let e = c.face_get_info("no-such-ticket").unwrap_err();
    assert_eq!((e.kind(), e.errcode()), (ErrorKind::WeChatApi, Some(84001)));
    // A redeemed ticket: 84001 too, as in production; the option keeps the old behaviour.
    let e = c.face_get_info(&ticket).unwrap_err();
    assert_eq!((e.kind(), e.errcode()), (ErrorKind::WeChatApi, Some(84001)));
    emu.set_reusable_tickets(true);
    assert!(c.face_get_info(&ticket).unwrap().passed());
    assert!(c.face_get_info(&ticket).unwrap().passed());
    emu.set_reusable_tickets(false);
    assert_eq!(c.face_get_info(&ticket).unwrap_err().errcode(), Some(84001));
    // The same over the admin API and from the config.
    let reusable = emulator_with(|cfg| cfg.reusable_tickets = true);
    reusable.register_person(Person::new("o_face", "张三", "11010519491231002x")).unwrap();
    let t = reusable.issue_verify_result("o_face").unwrap();
    let rc = client(&reusable);
    assert!(rc.face_get_info(&t).unwrap().passed() && rc.face_get_info(&t).unwrap().passed());
    let admin = |on: serde_json::Value| {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut r = agent
            .post(format!("{}/__admin/reusable_tickets", reusable.base_url()))
            .header("content-type", "application/json")
            .send(serde_json::json!({ "enabled": on }).to_string().as_bytes())
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&r.body_mut().read_to_vec().unwrap()).unwrap()
    };
    assert_eq!(admin(serde_json::json!(false))["ok"], true);
    assert_eq!(rc.face_get_info(&t).unwrap_err().errcode(), Some(84001));
    assert_eq!(admin(serde_json::json!("yes"))["ok"], false);
}

#[test]
fn face_getverifyid_and_queryverifyinfo() {
    let emu = emulator();
    let c = client(&emu);
    emu.register_person(Person::new("o_face2", "张三", "310101199801011234")).unwrap();
    let cert = CertInfo::identity_card("张三", "310101199801011234");
    assert_eq!(cert.hash(), "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b");
    let vid = c.face_get_verify_id("seq-1", &cert, "o_face2").unwrap();
    assert!(!vid.verify_id.is_empty());
    assert_eq!(vid.expires_in, Some(3600));
    let info = c.face_query_verify_info(&vid.verify_id, "seq-1", &cert, "o_face2").unwrap();
    assert!(info.passed());
    assert_eq!(info.outcome, VerifyOutcome::Passed);
    // Another document for this user: not passed.
    let other = CertInfo::identity_card("李四", "310101199801011234");
    let vid2 = c.face_get_verify_id("seq-2", &other, "o_face2").unwrap();
    let info = c.face_query_verify_info(&vid2.verify_id, "seq-2", &other, "o_face2").unwrap();
    assert!(!info.passed());
    // A hash that does not match the session's document: WeChat rejects the query.
    let e = c.face_query_verify_info(&vid.verify_id, "seq-1", &other, "o_face2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WeChatApi);
    // A user who cancelled.
    let mut p = Person::new("o_cancel", "赵六", "310101199801015678");
    p.verify_ret = 90003;
    emu.register_person(p).unwrap();
    let cert = CertInfo::identity_card("赵六", "310101199801015678");
    let vid = c.face_get_verify_id("seq-3", &cert, "o_cancel").unwrap();
    let info = c.face_query_verify_info(&vid.verify_id, "seq-3", &cert, "o_cancel").unwrap();
    assert_eq!((info.verify_ret, info.outcome, info.passed()), (90003, VerifyOutcome::UserCancelled, false));
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    let e = WeChatClient::builder(APPID, SECRET).base_url("http://wechat.invalid").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let e = WeChatClient::builder(APPID, SECRET).base_url("http://api.weixin.qq.com").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(WeChatClient::builder(APPID, "").token_source(TokenSource::CloudOpenApi).build().is_ok());
    let e = WeChatClient::builder(APPID, SECRET).proxy("not a url at all").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(WeChatClient::builder(APPID, SECRET).proxy("http://127.0.0.1:3128").build().is_ok());
    assert_eq!(WeChatClient::builder("", SECRET).build().unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(WeChatClient::builder(APPID, "").build().unwrap_err().kind(), ErrorKind::Config);
}

/// A one-connection server answering every request with `response`.
fn canned_server(response: Vec<u8>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().take(4) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&response);
        }
    });
    format!("http://{addr}")
}

#[test]
fn redirects_are_not_followed_and_size_is_capped() {
    let url = canned_server(
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    );
    let c = WeChatClient::builder(APPID, SECRET)
        .base_url(url)
        .token_source(TokenSource::Fixed(Secret::new("T")))
        .build()
        .unwrap();
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{e:?}");
    assert!(e.message().contains("302"));

    let big = format!("{{\"errcode\":0,\"is_ok\":true,\"pad\":\"{}\"}}", "x".repeat(4000));
    let url = canned_server(
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}", big.len())
            .into_bytes(),
    );
    let c = WeChatClient::builder(APPID, SECRET)
        .base_url(url)
        .max_response_size(1024)
        .token_source(TokenSource::Fixed(Secret::new("T")))
        .build()
        .unwrap();
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{e:?}");

    // errcode as a string, is_ok false: a failed verification.
    let body = "{\"errcode\":\"0\",\"errmsg\":\"ok\",\"is_ok\":false}";
    let url = canned_server(
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).into_bytes(),
    );
    let c = WeChatClient::builder(APPID, SECRET).base_url(url).token_source(TokenSource::Fixed(Secret::new("T"))).build().unwrap();
    assert!(!verify_ok(&c).unwrap());
}

#[test]
fn refused_connection_is_a_network_error_after_retries() {
    // A port nobody listens on (bound then closed).
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = WeChatClient::builder(APPID, SECRET).base_url(format!("http://127.0.0.1:{port}")).retry(fast_retry()).build().unwrap();
    let e = verify_ok(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    assert_eq!(c.stats().retries, 2);
}

#[test]
fn secrets_never_appear_in_messages_or_debug() {
    let emu = emulator();
    let token = "FIXED-SECRET-TOKEN-5d41402a";
    let name = "欧阳娜娜";
    let id = "44010619900101123X";
    let proxy_pw = "proxy-pass-9a8b";
    let mut texts: Vec<String> = Vec::new();

    // Error paths with the secret, a token, a name and an ID number in play.
    let c = WeChatClient::builder(APPID, SECRET).base_url(emu.base_url()).retry(fast_retry()).build().unwrap();
    let wrong = WeChatClient::builder(APPID, format!("{SECRET}-wrong")).base_url(emu.base_url()).build().unwrap();
    let e = verify_ok(&wrong).unwrap_err();
    texts.push(e.to_string());
    texts.push(format!("{e:?}"));
    texts.push(format!("{wrong:?}"));
    let classic = builder(&emu).token_source(TokenSource::ClassicToken).build().unwrap();
    emu.inject_fault(Fault::forever(FaultKind::Http500));
    let e = verify_ok(&classic).unwrap_err();
    texts.push(format!("{e:?}"));
    emu.clear_faults();
    let fixed = builder(&emu).token_source(TokenSource::Fixed(Secret::new(token))).build().unwrap();
    let e = verify_ok(&fixed).unwrap_err();
    texts.push(format!("{e:?} {e}"));
    texts.push(format!("{fixed:?} {:?}", fixed.token_source()));
    emu.inject_fault(Fault::new(FaultKind::MalformedBody, 1));
    texts.push(format!("{:?}", verify_ok(&c).unwrap_err()));
    // That failure was the token fetch's: the cache now holds it back for a moment; clearing the
    // cache lets the next call reach the network again.
    c.clear_token_cache();
    emu.inject_fault(Fault::new(FaultKind::DropConnection, 5));
    texts.push(format!("{:?}", verify_ok(&c).unwrap_err()));
    emu.clear_faults();
    c.clear_token_cache();
    let cert = CertInfo::identity_card(name, id);
    texts.push(format!("{cert:?}"));
    emu.register_person(Person::new("o_secret", name, id)).unwrap();
    let e = c.face_query_verify_info("bad-verify-id", "seq", &cert, "o_secret").unwrap_err();
    texts.push(format!("{e:?}"));
    let info = c.face_get_info(&emu.issue_verify_result("o_secret").unwrap()).unwrap();
    texts.push(format!("{info:?}"));
    texts.push(format!("{:?}", Person::new("o", name, id)));
    texts.push(format!("{:?}", EmulatorConfig::new(APPID, SECRET)));
    let e = WeChatClient::builder(APPID, SECRET).proxy(format!("http://user:{proxy_pw}@bad host")).build().unwrap_err();
    texts.push(format!("{e:?}"));
    let e = WeChatClient::builder(APPID, SECRET).base_url(format!("http://user:{SECRET}@wechat.invalid")).build().unwrap_err();
    texts.push(format!("{e:?}"));
    texts.push(format!("{:?}", WeChatClient::builder(APPID, SECRET).proxy(format!("http://u:{proxy_pw}@127.0.0.1:1"))));
    texts.push(format!("{:?}", FetchedToken { token: Secret::new(token), expires_in: None }));

    let forbidden = [SECRET, token, name, id, "44010619900101123", proxy_pw, &soter_verify::wechat::id_card_number_md5(id)];
    for t in &texts {
        for f in forbidden {
            assert!(!t.contains(f), "secret {f:?} leaked in {t:?}");
        }
    }
    assert!(texts.len() >= 15);
}

#[test]
fn admin_http_api() {
    let emu = emulator();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let base = emu.base_url();
    let post = |path: &str, body: serde_json::Value| -> serde_json::Value {
        let mut r = agent.post(format!("{base}{path}")).header("content-type", "application/json").send(body.to_string().as_bytes()).unwrap();
        serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap()
    };
    let dev = Device::new().unwrap();
    let r = post("/__admin/devices", serde_json::json!({"openid": "o_admin", "public_key": dev.public_key_pem()}));
    assert_eq!(r["ok"], true);
    let r = post("/__admin/devices", serde_json::json!({"openid": "o_admin", "public_key": "junk"}));
    assert_eq!(r["ok"], false);
    let r = post("/__admin/faults", serde_json::json!({"kind": "system_busy", "count": 1}));
    assert_eq!(r["ok"], true);
    assert_eq!(post("/__admin/faults", serde_json::json!({"kind": "nope"}))["ok"], false);
    let r = post("/__admin/people", serde_json::json!({"openid": "o_p", "name": "张三", "id_number": "310101199801011234"}));
    assert_eq!(r["ok"], true);
    let r = post("/__admin/verify_results", serde_json::json!({"openid": "o_p"}));
    let ticket = r["verify_result"].as_str().unwrap().to_owned();

    let c = client(&emu);
    let (json, sig) = dev.sign_result("challenge-1", 20).unwrap();
    assert!(c.soter_verify_signature("o_admin", std::str::from_utf8(&json).unwrap(), &sig).unwrap());
    assert!(c.face_get_info(&ticket).unwrap().passed_for("张三", "310101199801011234"));
    let mut r = agent.get(format!("{base}/__admin/counters")).call().unwrap();
    let counters: serde_json::Value = serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
    assert_eq!(counters["faults_applied"], 1);
    assert_eq!(counters["requests"][paths::SOTER_VERIFY_SIGNATURE], 1);
    assert!(counters["connections"].as_u64().unwrap() >= 2);
    assert_eq!(post("/__admin/tokens/expire", serde_json::json!({}))["ok"], true);
    assert_eq!(post("/__admin/counters/reset", serde_json::json!({}))["ok"], true);
    assert_eq!(emu.counters().total_requests(), 0);
    emu.stop();
    emu.stop();
}

#[test]
fn an_expiring_token_is_served_while_one_thread_refreshes() {
    let emu = emulator();
    emu.add_token("SLOW-0", Duration::from_secs(60));
    emu.add_token("SLOW-1", Duration::from_secs(60));
    let calls = Arc::new(AtomicU64::new(0));
    let calls2 = calls.clone();
    let cb = Arc::new(move |_req: soter_verify::wechat::TokenRequest| {
        let n = calls2.fetch_add(1, Ordering::SeqCst);
        if n > 0 {
            std::thread::sleep(Duration::from_millis(800));
        }
        Ok(FetchedToken { token: Secret::new(format!("SLOW-{n}")), expires_in: Some(Duration::from_secs(2)) })
    });
    let c = Arc::new(builder(&emu).token_source(TokenSource::Callback(cb)).build().unwrap());
    assert!(verify_ok(&c).unwrap());
    std::thread::sleep(Duration::from_millis(1100)); // past the refresh point (half of 2 s)
    let c2 = c.clone();
    let refresher = std::thread::spawn(move || verify_ok(&c2).unwrap());
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    assert!(verify_ok(&c).unwrap());
    assert!(t.elapsed() < Duration::from_millis(500), "waited {:?} for the refresh", t.elapsed());
    assert!(refresher.join().unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn ipv6_loopback_when_available() {
    let mut cfg = EmulatorConfig::new(APPID, SECRET);
    cfg.listen = "[::1]:0".parse().unwrap();
    let Ok(emu) = Emulator::start(cfg) else {
        eprintln!("SKIPPED: ::1 is not available here");
        return;
    };
    assert!(emu.base_url().starts_with("http://[::1]:"));
    emu.register_device(OPENID, device().public_key_pem().as_bytes()).unwrap();
    assert!(verify_ok(&client(&emu)).unwrap());
}

/// Two rounds of `n` overlapping calls (each held 150 ms by the emulator so they overlap): the
/// TCP connections the second round opened, i.e. the ones the idle pool did not keep.
fn connections_opened_by_second_round(c: &WeChatClient, emu: &Emulator, n: usize) -> u64 {
    let (json, sig) = signed(device(), 20);
    c.soter_verify_signature(OPENID, &json, &sig).unwrap(); // the token, before the rounds
    let round = || {
        emu.inject_fault(Fault::forever(FaultKind::Delay(Duration::from_millis(150))).on(paths::SOTER_VERIFY_SIGNATURE));
        std::thread::scope(|s| {
            for _ in 0..n {
                s.spawn(|| assert!(c.soter_verify_signature(OPENID, &json, &sig).unwrap()));
            }
        });
        emu.clear_faults();
    };
    round();
    let before = emu.counters().connections;
    round();
    emu.counters().connections - before
}

#[test]
fn max_idle_connections_sizes_the_keep_alive_pool() {
    // 20 in flight: more than ureq's own overall default (10), which used to cap the pool.
    let emu = emulator();
    assert_eq!(connections_opened_by_second_round(&client(&emu), &emu, 20), 0, "the default (64) keeps all 20");
    let small = builder(&emu).max_idle_connections(4).build().unwrap();
    let opened = connections_opened_by_second_round(&small, &emu, 20);
    assert!(opened >= 16, "4 kept idle, so at least 16 of 20 reconnect: {opened}");
    for bad in [0, soter_verify::wechat::MAX_IDLE_CONNECTIONS + 1] {
        let e = builder(&emu).max_idle_connections(bad).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
        assert!(e.to_string().contains("max_idle_connections"), "{e}");
    }
}
