//! ReplayGuard: one suite, run on the memory store, a real Redis and a real three-master Redis
//! Cluster; then what only Redis has: processes racing, one process issuing and another
//! authenticating, one command per authentication (MONITOR), Redis going away and coming back,
//! passwords kept out of messages.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use common::redis::{available, RedisCluster, RedisServer};
use soter_verify::emulator::{Emulator, EmulatorConfig};
use soter_verify::guard::{MemoryOptions, MemoryStore, RedisOptions, ReplayGuard, Step, Store, Verdict};
use soter_verify::testing::Device;
use soter_verify::wechat::WeChatClient;
use soter_verify::{ErrorKind, PublicKey};

const TTL: Duration = Duration::from_secs(60);

fn device_a() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().unwrap())
}

fn device_b() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(|| Device::new().unwrap())
}

/// A result of `dev` for `challenge` with exactly `counter`: (JSON bytes, base64 signature).
fn sign(dev: &Device, challenge: &str, counter: u64) -> (Vec<u8>, String) {
    let json = format!(
        "{{\"raw\":\"{challenge}\",\"fid\":\"1\",\"counter\":{counter},\"tee_n\":\"t\",\"tee_v\":\"1\",\"fp_n\":\"f\",\"fp_v\":\"1\",\"cpu_id\":\"{}\",\"uid\":\"{}\"}}",
        dev.cpu_id, dev.uid
    );
    let sig = dev.key().sign(json.as_bytes(), 20).unwrap();
    (json.into_bytes(), soter_verify::base64::encode(&sig))
}

fn auth(g: &ReplayGuard, dev: &Device, signed: &(Vec<u8>, String), subject: &str) -> soter_verify::Result<u64> {
    g.authenticate(dev.public_key(), &signed.0, signed.1.as_bytes(), subject, Some(&dev.cpu_id), Some(&dev.uid))
        .map(|r| r.counter)
}

fn kind<T: std::fmt::Debug>(r: soter_verify::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

/// Every store must pass this, with the same verdicts.
fn suite(store: &str, g: &ReplayGuard) {
    let (a, b) = (device_a(), device_b());
    let last = |subject: &str, d: &Device| g.last_counter(subject, &d.cpu_id, &d.uid).unwrap();

    // Signature first: a bad one (tampered, or another device's key) touches no state.
    let s = "basics";
    let c = g.issue_challenge(s, TTL).unwrap();
    let good = sign(a, &c, 10);
    let mut tampered = good.clone();
    tampered.0[5] ^= 1;
    assert_eq!(kind(auth(g, a, &tampered, s)), ErrorKind::SignatureInvalid, "{store}");
    assert_eq!(kind(auth(g, b, &good, s)), ErrorKind::SignatureInvalid, "{store}");
    assert_eq!(last(s, a), None, "{store}");
    assert_eq!(auth(g, a, &good, s).unwrap(), 10, "{store}: the challenge survived the bad signatures");
    assert_eq!(last(s, a), Some(10), "{store}");
    // Used: the same result again.
    assert_eq!(kind(auth(g, a, &good, s)), ErrorKind::ChallengeMismatch, "{store}");

    // Another subject's challenge is not this subject's, and stays its owner's.
    let c = g.issue_challenge("alice", TTL).unwrap();
    let r = sign(a, &c, 11);
    assert_eq!(kind(auth(g, a, &r, "mallory")), ErrorKind::ChallengeMismatch, "{store}");
    assert_eq!(auth(g, a, &r, "alice").unwrap(), 11, "{store}");

    // Never issued (right shape), or not even a challenge's shape.
    let r = sign(a, &soter_verify::new_challenge().unwrap(), 12);
    assert_eq!(kind(auth(g, a, &r, s)), ErrorKind::ChallengeMismatch, "{store}");
    let r = sign(a, "hello", 12);
    assert_eq!(kind(auth(g, a, &r, s)), ErrorKind::ChallengeMismatch, "{store}");

    // Expired.
    let c = g.issue_challenge("expiry", Duration::from_millis(100)).unwrap();
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(kind(auth(g, a, &sign(a, &c, 13), "expiry")), ErrorKind::ChallengeMismatch, "{store}");

    // Counters: equal and lower refused (the challenge is consumed all the same), never lowered;
    // a second device of the same subject keeps its own.
    let s = "counters";
    let issue = || g.issue_challenge(s, TTL).unwrap();
    assert_eq!(auth(g, a, &sign(a, &issue(), 20), s).unwrap(), 20);
    let c = issue();
    let equal = sign(a, &c, 20);
    assert_eq!(kind(auth(g, a, &equal, s)), ErrorKind::CounterReplay, "{store}");
    assert_eq!(kind(auth(g, a, &sign(a, &c, 21), s)), ErrorKind::ChallengeMismatch, "{store}: consumed by the replay");
    assert_eq!(kind(auth(g, a, &sign(a, &issue(), 19), s)), ErrorKind::CounterReplay, "{store}");
    assert_eq!(last(s, a), Some(20), "{store}");
    assert_eq!(auth(g, b, &sign(b, &issue(), 5), s).unwrap(), 5, "{store}: device b has its own counter");
    assert_eq!(auth(g, a, &sign(a, &issue(), 21), s).unwrap(), 21);
    assert_eq!((last(s, a), last(s, b)), (Some(21), Some(5)), "{store}");
    assert_eq!(last("nobody", a), None);

    // Device expectations: a mismatch consumes the challenge and leaves the counter alone.
    let s = "device";
    let c = g.issue_challenge(s, TTL).unwrap();
    let r = sign(a, &c, 30);
    let wrong_cpu = g.authenticate(a.public_key(), &r.0, r.1.as_bytes(), s, Some(&b.cpu_id), None);
    assert_eq!(kind(wrong_cpu), ErrorKind::DeviceMismatch, "{store}");
    assert_eq!(kind(auth(g, a, &r, s)), ErrorKind::ChallengeMismatch, "{store}");
    let c = g.issue_challenge(s, TTL).unwrap();
    let r = sign(a, &c, 31);
    assert_eq!(kind(g.authenticate(a.public_key(), &r.0, r.1.as_bytes(), s, None, Some("other uid"))), ErrorKind::DeviceMismatch);
    assert_eq!(last(s, a), None, "{store}");
    let c = g.issue_challenge(s, TTL).unwrap();
    let r = sign(a, &c, 32);
    assert_eq!(g.authenticate(a.public_key(), &r.0, r.1.as_bytes(), s, None, None).unwrap().counter, 32, "{store}: no expectations");

    // accept (signature verified elsewhere), and counters above 2^53 compared exactly.
    let s = "accept";
    let json = |c: &str, n: u64| format!("{{\"raw\":\"{c}\",\"counter\":{n},\"cpu_id\":\"cpu\",\"uid\":\"u\"}}").into_bytes();
    let big = 1u64 << 60;
    assert_eq!(g.accept(&json(&g.issue_challenge(s, TTL).unwrap(), big), s, None, None).unwrap().counter, big);
    assert_eq!(kind(g.accept(&json(&g.issue_challenge(s, TTL).unwrap(), big), s, None, None)), ErrorKind::CounterReplay);
    let c = g.issue_challenge(s, TTL).unwrap();
    assert_eq!(kind(g.accept(b"{\"raw\":", s, None, None)), ErrorKind::InvalidJson);
    assert_eq!(g.accept(&json(&c, big + 1), s, Some("cpu"), Some("u")).unwrap().counter, big + 1, "{store}: the bad JSON took nothing");
    assert_eq!(g.accept(&json(&g.issue_challenge(s, TTL).unwrap(), u64::MAX), s, None, None).unwrap().counter, u64::MAX);
    assert_eq!(g.last_counter(s, "cpu", "u").unwrap(), Some(u64::MAX));

    // Eight threads present one result: exactly one wins.
    let s = "threads";
    let r = sign(a, &g.issue_challenge(s, TTL).unwrap(), 40);
    let barrier = Barrier::new(8);
    let verdicts: Vec<Result<u64, ErrorKind>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    auth(g, a, &r, s).map_err(|e| e.kind())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(verdicts.iter().filter(|v| v.is_ok()).count(), 1, "{store}: {verdicts:?}");
    assert!(verdicts.iter().all(|v| matches!(v, Ok(40) | Err(ErrorKind::ChallengeMismatch))), "{store}: {verdicts:?}");

    // The mini-program path: WeChat verifies, then the same state step.
    let emu = Emulator::start(EmulatorConfig::new("wxguard", "guard-secret")).unwrap();
    emu.register_device("o_guard", a.public_key_pem().as_bytes()).unwrap();
    let client = WeChatClient::builder("wxguard", "guard-secret").base_url(emu.base_url()).build().unwrap();
    let s = "wechat";
    let c = g.issue_challenge(s, TTL).unwrap();
    let (j, sig) = sign(a, &c, 50);
    let j = String::from_utf8(j).unwrap();
    let forged = j.replace("\"counter\":50", "\"counter\":99");
    let via = |json: &str| g.authenticate_via_wechat(&client, "o_guard", json, &sig, s, Some(&a.cpu_id), None);
    assert_eq!(kind(via(&forged)), ErrorKind::SignatureInvalid, "{store}");
    assert_eq!(via(&j).unwrap().counter, 50, "{store}: WeChat's refusal touched no state");
    assert_eq!(kind(via(&j)), ErrorKind::ChallengeMismatch, "{store}");
}

#[test]
fn memory_store_passes_the_suite() {
    suite("memory", &ReplayGuard::new());
}

#[test]
fn memory_store_is_bounded_and_stays_flat() {
    let full = ReplayGuard::memory(MemoryOptions { max_challenges: 1000, max_devices: 64, ..Default::default() }).unwrap();
    for i in 0..1000 {
        full.issue_challenge(&format!("u{i}"), TTL).unwrap();
    }
    let e = full.issue_challenge("one-more", TTL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
    assert!(e.message().contains("maximum of 1000 pending challenges"), "{e}");

    // 50 000 issue/accept rounds over 500 subjects, some challenges left to expire: the maps
    // never pass their bounds.
    let store = Arc::new(MemoryStore::new(MemoryOptions { max_challenges: 1000, max_devices: 64, ..Default::default() }).unwrap());
    let g = ReplayGuard::with_store(store.clone());
    for i in 0..50_000u64 {
        let s = format!("u{}", i % 500);
        // Long enough to survive a loaded machine between issue and accept; the 1 ms ones below
        // are the ones left to expire.
        let c = g.issue_challenge(&s, TTL).unwrap();
        let json = format!("{{\"raw\":\"{c}\",\"counter\":{},\"cpu_id\":\"c\",\"uid\":\"u\"}}", i + 1);
        g.accept(json.as_bytes(), &s, None, None).unwrap();
        if i % 100 == 0 {
            g.issue_challenge(&s, Duration::from_millis(1)).unwrap();
        }
        assert!(store.pending() <= 1000 && store.devices() <= 64);
    }
    // Through the shared Arc, the guard reads what the store keeps.
    assert_eq!(g.last_counter("u499", "c", "u").unwrap(), Some(50_000));
}

#[test]
fn redis_store_passes_the_suite() {
    if !available("redis_store_passes_the_suite") {
        return;
    }
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions::default()).unwrap();
    suite("redis", &g);
    // The suite's eight racing threads did not queue behind one socket: the guard's pool opened
    // several connections (CLIENT LIST also shows redis-cli's own).
    let clients = server.cli(&["CLIENT", "LIST"]).lines().count();
    assert!(clients >= 3, "{clients} connections: the guard used one socket for concurrent calls");
    // Keys carry the prefix and share the subject's slot.
    let g = ReplayGuard::redis(&server.url(), &RedisOptions { prefix: "myapp:".into(), ..Default::default() }).unwrap();
    g.issue_challenge("p", TTL).unwrap();
    let keys = server.cli(&["--scan", "--pattern", "myapp:*"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    assert!(keys.starts_with("myapp:{") && keys.trim_end().ends_with("}:c"), "{keys}");
}

#[test]
fn redis_cluster_passes_the_suite() {
    if !available("redis_cluster_passes_the_suite") {
        return;
    }
    let cluster = RedisCluster::start();
    let g = ReplayGuard::redis_cluster(&cluster.urls(), &RedisOptions::default()).unwrap();
    suite("cluster", &g);
    race_processes("cluster", &ChildTarget::Cluster(cluster.urls().join(",")));
}

#[test]
fn redis_one_command_per_authenticate() {
    if !available("redis_one_command_per_authenticate") {
        return;
    }
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions::default()).unwrap();
    let a = device_a();
    let results: Vec<_> = (0..6).map(|i| sign(a, &g.issue_challenge("mon", TTL).unwrap(), 100 + i)).collect();
    auth(&g, a, &results[0], "mon").unwrap(); // loads the script (EVALSHA, NOSCRIPT, EVAL) once
    let monitor = server.monitor();
    for r in &results[1..] {
        auth(&g, a, r, "mon").unwrap();
    }
    auth(&g, a, &results[1], "mon").unwrap_err(); // a refusal is one command too
    let commands = monitor.client_commands();
    assert_eq!(commands, vec!["EVALSHA".to_string(); 6], "one script call per authenticate");
}

/// A store that answers every step with one verdict, as a broken custom store might.
#[derive(Debug)]
struct Answers(Verdict);

impl Store for Answers {
    fn issue(&self, _: &str, _: &str, _: Duration) -> soter_verify::Result<()> {
        Ok(())
    }
    fn consume(&self, _: &Step<'_>) -> soter_verify::Result<Verdict> {
        Ok(self.0)
    }
    fn last_counter(&self, _: &str, _: &str, _: &str) -> soter_verify::Result<Option<u64>> {
        Ok(None)
    }
}

#[test]
fn a_store_answering_what_it_was_not_asked_is_never_an_acceptance() {
    let a = device_a();
    let check = |verdict: Verdict, device_ok: bool| {
        let g = ReplayGuard::with_store(Answers(verdict));
        let r = sign(a, &g.issue_challenge("custom", TTL).unwrap(), 1);
        let uid = if device_ok { a.uid.as_str() } else { "someone else" };
        g.authenticate(a.public_key(), &r.0, r.1.as_bytes(), "custom", Some(&a.cpu_id), Some(uid))
    };
    assert!(check(Verdict::Accepted, true).is_ok());
    // Accepted for a step whose device failed, DeviceMismatch for one whose device passed, and
    // a counter verdict for a failed device: the store is wrong, and the guard says so.
    for (verdict, device_ok) in
        [(Verdict::Accepted, false), (Verdict::DeviceMismatch, true), (Verdict::CounterNotAbove { last: 0 }, false)]
    {
        let e = check(verdict, device_ok).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Internal, "{verdict:?} {device_ok}: {e:?}");
        assert!(e.message().contains("a step it was not asked"), "{e}");
    }
    assert_eq!(kind(check(Verdict::DeviceMismatch, false)), ErrorKind::DeviceMismatch);
    assert_eq!(kind(check(Verdict::CounterNotAbove { last: 5 }, true)), ErrorKind::CounterReplay);
    assert_eq!(kind(check(Verdict::UnknownChallenge, true)), ErrorKind::ChallengeMismatch);
}

#[test]
fn redis_script_errors_are_not_retried() {
    // A retry is for a dead pooled connection only: a script error on a live one (here a
    // counters hash another program overwrote with a string) is StoreUnavailable at once. A retry
    // would find the challenge consumed and report a replay instead.
    if !available("redis_script_errors_are_not_retried") {
        return;
    }
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions::default()).unwrap();
    let a = device_a();
    auth(&g, a, &sign(a, &g.issue_challenge("typed", TTL).unwrap(), 1), "typed").unwrap();
    let keys: Vec<String> = server.cli(&["--scan", "--pattern", "soter:*n"]).lines().map(str::to_owned).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    server.cli(&["SET", &keys[0], "not a hash"]);
    let r = sign(a, &g.issue_challenge("typed", TTL).unwrap(), 2); // leaves a connection in the pool
    let e = auth(&g, a, &r, "typed").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable, "{e:?}");
    assert!(e.message().contains("WRONGTYPE"), "{e}");
    // Fail closed: the script consumed the challenge before it failed.
    assert_eq!(kind(auth(&g, a, &r, "typed")), ErrorKind::ChallengeMismatch);
}

#[test]
fn a_fresh_connection_that_fails_is_not_retried() {
    // Only a pooled connection may be stale (Redis restarted since it was used), so only its
    // failure earns a second try. A server that accepts and hangs up at once: one connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    let g = ReplayGuard::redis(&url, &RedisOptions { timeout: Duration::from_secs(2), ..Default::default() }).unwrap();
    assert_eq!(kind(g.issue_challenge("fresh", TTL)), ErrorKind::StoreUnavailable);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn redis_keeps_at_most_sixteen_idle_connections() {
    if !available("redis_keeps_at_most_sixteen_idle_connections") {
        return;
    }
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions { timeout: Duration::from_secs(20), ..Default::default() }).unwrap();
    // Every client paused: 24 calls are in flight at once, each on a connection of its own.
    assert_eq!(server.cli(&["CLIENT", "PAUSE", "2000", "ALL"]).trim(), "OK");
    let barrier = Barrier::new(24);
    std::thread::scope(|s| {
        for i in 0..24 {
            let (g, barrier) = (&g, &barrier);
            s.spawn(move || {
                barrier.wait();
                g.issue_challenge(&format!("pool-{i}"), TTL).unwrap();
            });
        }
    });
    // Sixteen stay open for reuse, eight are closed (the count less the redis-cli asking).
    let ours = || server.cli(&["INFO", "clients"]).lines().find_map(|l| l.strip_prefix("connected_clients:")?.trim().parse::<i64>().ok()).unwrap() - 1;
    let deadline = Instant::now() + Duration::from_secs(5);
    while ours() != 16 {
        assert!(Instant::now() < deadline, "{} connections stay open; the pool keeps 16", ours());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn redis_races_between_processes() {
    if !available("redis_races_between_processes") {
        return;
    }
    let server = RedisServer::start();
    race_processes("redis", &ChildTarget::Standalone(server.url()));

    // One process issues, another authenticates (what two servers behind a balancer do).
    let target = ChildTarget::Standalone(server.url());
    let out = child(&target, "issue", &[("SOTER_SUBJECT", "two-servers".into())]).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let challenge = field(&stdout, "CHALLENGE=").unwrap_or_else(|| panic!("no challenge from the issuing process: {stdout}"));
    let r = sign(device_a(), &challenge, 500);
    let out = child(&target, "authenticate", &signed_env("two-servers", &r, None)).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(field(&stdout, "VERDICT=").as_deref(), Some("ok 500"), "{stdout}");
}

#[test]
fn redis_going_away_fails_closed_and_recovers() {
    if !available("redis_going_away_fails_closed_and_recovers") {
        return;
    }
    let mut server = RedisServer::start();
    let timeout = Duration::from_millis(300);
    let g = Arc::new(ReplayGuard::redis(&server.url(), &RedisOptions { timeout, ..Default::default() }).unwrap());
    let a = device_a();
    // Two threads keep connections in the pool, so both go stale when Redis restarts.
    let pending: Vec<_> = (0..4).map(|i| sign(a, &g.issue_challenge("fault", TTL).unwrap(), 600 + i)).collect();
    let b = device_b(); // the second thread's own device: counters of one device must arrive in order
    let of_b = sign(b, &g.issue_challenge("fault", TTL).unwrap(), 1);
    std::thread::scope(|s| {
        s.spawn(|| auth(&g, a, &pending[0], "fault").unwrap());
        s.spawn(|| auth(&g, b, &of_b, "fault").unwrap());
    });
    server.stop();
    for r in &pending[2..] {
        let t = Instant::now();
        assert_eq!(kind(auth(&g, a, r, "fault")), ErrorKind::StoreUnavailable);
        assert!(t.elapsed() < timeout * 3, "took {:?}", t.elapsed());
    }
    let e = g.issue_challenge("fault", TTL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
    assert!(e.message().contains("127.0.0.1"), "{e}");
    // A server that accepts connections but never answers: the response timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung = ReplayGuard::redis(&format!("redis://{}", silent.local_addr().unwrap()), &RedisOptions { timeout, ..Default::default() }).unwrap();
    let t = Instant::now();
    assert_eq!(kind(hung.issue_challenge("fault", TTL)), ErrorKind::StoreUnavailable);
    assert!(t.elapsed() < timeout * 3, "took {:?}", t.elapsed());

    server.restart();
    let r = sign(a, &g.issue_challenge("fault", TTL).unwrap(), 700);
    assert_eq!(auth(&g, a, &r, "fault").unwrap(), 700, "works again without a new guard");
    // Redis restarted under idle pooled connections: the next call still works.
    server.restart();
    let r = sign(a, &g.issue_challenge("fault", TTL).unwrap(), 701);
    assert_eq!(auth(&g, a, &r, "fault").unwrap(), 701);
}

#[test]
fn redis_passwords_stay_out_of_messages() {
    if !available("redis_passwords_stay_out_of_messages") {
        return;
    }
    let password = "hunter2-redis-PW";
    let server = RedisServer::start_with(common::redis::free_port(), &["--requirepass", password]);
    let url = format!("redis://:{password}@127.0.0.1:{}/2", server.port);
    let g = ReplayGuard::redis(&url, &RedisOptions::default()).unwrap();
    let r = sign(device_a(), &g.issue_challenge("pw", TTL).unwrap(), 800);
    assert_eq!(auth(&g, device_a(), &r, "pw").unwrap(), 800, "password and db from the URL");
    assert!(server.cli(&["-a", password, "-n", "2", "--no-auth-warning", "DBSIZE"]).trim() != "0");
    let debug = format!("{g:?}");
    assert!(!debug.contains(password) && debug.contains("***@127.0.0.1"), "{debug}");
    let wrong = ReplayGuard::redis(&format!("redis://:wrong-{password}@127.0.0.1:{}/2", server.port), &RedisOptions::default()).unwrap();
    let e = wrong.issue_challenge("pw", TTL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
    assert!(!e.message().contains(password) && !format!("{e:?}").contains(password), "{e:?}");
    let e = ReplayGuard::redis(&format!("redis://:{password}@127.0.0.1:notaport"), &RedisOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(!e.message().contains(password), "{e}");
    let e = ReplayGuard::redis_cluster(&[format!("redis://:{password}@127.0.0.1:notaport")], &RedisOptions::default()).unwrap_err();
    assert!(!e.message().contains(password), "{e}");
}

// ---- processes -------------------------------------------------------------------------------

enum ChildTarget {
    Standalone(String),
    Cluster(String),
}

fn child(target: &ChildTarget, mode: &str, env: &[(&str, String)]) -> Child {
    let (var, value) = match target {
        ChildTarget::Standalone(u) => ("SOTER_GUARD_URL", u),
        ChildTarget::Cluster(n) => ("SOTER_GUARD_CLUSTER", n),
    };
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "guard_child_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SOTER_GUARD_CHILD", mode)
        .env(var, value)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn signed_env(subject: &str, r: &(Vec<u8>, String), sync: Option<&Path>) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("SOTER_SUBJECT", subject.to_owned()),
        ("SOTER_KEY", device_a().public_key_pem()),
        ("SOTER_JSON", String::from_utf8(r.0.clone()).unwrap()),
        ("SOTER_SIG", r.1.clone()),
    ];
    if let Some(dir) = sync {
        env.push(("SOTER_SYNC_DIR", dir.to_str().unwrap().to_owned()));
    }
    env
}

fn field(stdout: &str, name: &str) -> Option<String> {
    // libtest prints "test name ... " before the child's own line, on the same line.
    stdout.lines().find_map(|l| l.find(name).map(|i| l[i + name.len()..].to_owned()))
}

/// Eight processes, each with its own guard on the same Redis, present one signed result at
/// the same moment: exactly one succeeds.
fn race_processes(store: &str, target: &ChildTarget) {
    let g = match target {
        ChildTarget::Standalone(u) => ReplayGuard::redis(u, &RedisOptions::default()).unwrap(),
        ChildTarget::Cluster(n) => ReplayGuard::redis_cluster(&n.split(',').collect::<Vec<_>>(), &RedisOptions::default()).unwrap(),
    };
    let subject = format!("race-{store}");
    let r = sign(device_a(), &g.issue_challenge(&subject, TTL).unwrap(), 900);
    let dir = std::env::temp_dir().join(format!("soter-race-{store}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let children: Vec<Child> = (0..8).map(|_| child(target, "authenticate", &signed_env(&subject, &r, Some(&dir)))).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(&dir).unwrap().count() < 8 {
        assert!(Instant::now() < deadline, "the racing processes did not get ready");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::write(dir.join("go"), b"").unwrap();
    let verdicts: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            field(&String::from_utf8_lossy(&out.stdout), "VERDICT=").unwrap_or_else(|| "no verdict".into())
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(verdicts.iter().filter(|v| *v == "ok 900").count(), 1, "{store}: {verdicts:?}");
    assert_eq!(verdicts.iter().filter(|v| *v == "ChallengeMismatch").count(), 7, "{store}: {verdicts:?}");
}

/// Not a test: the body of the child processes above (does nothing unless SOTER_GUARD_CHILD).
#[test]
#[ignore = "run as a child process by the race tests"]
fn guard_child_process() {
    let Ok(mode) = std::env::var("SOTER_GUARD_CHILD") else { return };
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let g = match std::env::var("SOTER_GUARD_CLUSTER") {
        Ok(nodes) => ReplayGuard::redis_cluster(&nodes.split(',').collect::<Vec<_>>(), &RedisOptions::default()).unwrap(),
        Err(_) => ReplayGuard::redis(&env("SOTER_GUARD_URL"), &RedisOptions::default()).unwrap(),
    };
    let subject = env("SOTER_SUBJECT");
    match mode.as_str() {
        "issue" => println!("CHALLENGE={}", g.issue_challenge(&subject, TTL).unwrap()),
        "authenticate" => {
            let key = PublicKey::load(env("SOTER_KEY").as_bytes()).unwrap();
            if let Ok(dir) = std::env::var("SOTER_SYNC_DIR") {
                g.last_counter(&subject, "warm", "up").unwrap(); // connected before the start
                let dir = Path::new(&dir);
                std::fs::write(dir.join(format!("ready-{}", std::process::id())), b"").unwrap();
                while !dir.join("go").exists() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            let verdict = match g.authenticate(&key, env("SOTER_JSON").as_bytes(), env("SOTER_SIG").as_bytes(), &subject, None, None) {
                Ok(r) => format!("ok {}", r.counter),
                Err(e) => format!("{:?}", e.kind()),
            };
            println!("VERDICT={verdict}");
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// A CA and a server certificate for 127.0.0.1 made with the openssl command, in `dir`.
fn make_certs(dir: &Path) -> bool {
    let sh = |script: &str| Command::new("sh").arg("-c").arg(script).current_dir(dir).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=soter test CA' \
        && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' \
        && printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf \
        && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf")
}

#[test]
fn redis_over_tls() {
    if !available("redis_over_tls") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("soter-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if !make_certs(&dir) {
        assert!(std::env::var("SOTER_REQUIRE_REDIS").map_or(true, |v| v != "1"), "openssl could not make test certificates");
        eprintln!("\n*** SKIPPED redis_over_tls: the openssl command could not make test certificates ***\n");
        return;
    }
    let tls_port = common::redis::free_port();
    let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let (cert, key, ca) = (file("server.pem"), file("server.key"), file("ca.pem"));
    let tls_args = ["--tls-port", &tls_port.to_string(), "--tls-cert-file", &cert, "--tls-key-file", &key, "--tls-ca-cert-file", &ca, "--tls-auth-clients", "no"];
    let _server = RedisServer::start_with(common::redis::free_port(), &tls_args);
    let url = format!("rediss://127.0.0.1:{tls_port}/0");
    let options = RedisOptions { tls_ca_pem: Some(std::fs::read(&ca).unwrap()), ..Default::default() };
    let g = ReplayGuard::redis(&url, &options).unwrap();
    let a = device_a();
    let r = sign(a, &g.issue_challenge("tls", TTL).unwrap(), 1);
    assert_eq!(auth(&g, a, &r, "tls").unwrap(), 1, "over TLS");
    assert_eq!(kind(auth(&g, a, &r, "tls")), ErrorKind::ChallengeMismatch);
    // Without our CA the server's certificate is not trusted: refused, not accepted.
    let untrusted = ReplayGuard::redis(&url, &RedisOptions::default()).unwrap();
    assert_eq!(kind(untrusted.issue_challenge("tls", TTL)), ErrorKind::StoreUnavailable);
    let _ = std::fs::remove_dir_all(&dir);
}
