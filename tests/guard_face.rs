//! Face verification under the ReplayGuard (issue 21): legacy tickets used once and bound to
//! the user, verify_id sessions issued per subject and used up by the first answered query.
//! One suite, on memory, a real Redis and a real Redis Cluster, against the emulator.

mod common;

use std::time::Duration;

use common::redis::{available, RedisCluster, RedisServer};
use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Person};
use soter_verify::guard::{MemoryOptions, MemoryStore, RedisOptions, ReplayGuard, Store};
use soter_verify::wechat::{paths, CertInfo, RetryPolicy, WeChatClient};
use soter_verify::ErrorKind;

const NAME: &str = "张三";
const ID: &str = "310101199801011234";
const MAX_AGE: Duration = Duration::from_secs(600);
const TTL: Duration = Duration::from_secs(3600);

fn setup() -> (Emulator, WeChatClient) {
    let emu = Emulator::start(EmulatorConfig::new("wx_face", "face-secret")).unwrap();
    // A second use reaching the emulator would be 84001 there: the guard's own refusal
    // (ChallengeMismatch, no request) is what these tests check, so the emulator lets it through.
    emu.set_reusable_tickets(true);
    let mut cancel = Person::new("o_cancel", "赵六", "310101199801015678");
    cancel.verify_ret = 90003;
    let mut fail = Person::new("o_fail", "王五", ID);
    fail.identify_ret = 90100;
    for p in [Person::new("o_a", NAME, ID), Person::new("o_b", "李四", ID), cancel, fail] {
        emu.register_person(p).unwrap();
    }
    let retry = RetryPolicy { max_attempts: 2, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(10) };
    let client = WeChatClient::builder("wx_face", "face-secret")
        .base_url(emu.base_url())
        .retry(retry)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (emu, client)
}

fn kind<T: std::fmt::Debug>(r: soter_verify::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

/// `g` and `other` share one store (two servers of one backend, or one guard twice).
fn suite(store: &str, g: &ReplayGuard, other: &ReplayGuard) {
    let (emu, c) = setup();
    let getinfo = || emu.counters().requests_to(paths::FACE_GETINFO);

    // Legacy getinfo: once, then refused everywhere without asking WeChat.
    let t = emu.issue_verify_result("o_a").unwrap();
    let info = g.face_get_info(&c, &t, "o_a", MAX_AGE).unwrap();
    assert!(info.passed_for(NAME, ID), "{store}");
    let asked = getinfo();
    assert_eq!(kind(g.face_get_info(&c, &t, "o_a", MAX_AGE)), ErrorKind::ChallengeMismatch, "{store}");
    let e = other.face_get_info(&c, &t, "o_a", MAX_AGE).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChallengeMismatch, "{store}");
    assert!(e.message().contains("already used") && !e.message().contains(&t), "{store}: {e}");
    assert_eq!(getinfo(), asked, "{store}: a used ticket is refused before WeChat is asked");
    // Another user's ticket (leaked): refused, whoever presents it.
    let t = emu.issue_verify_result("o_b").unwrap();
    let e = g.face_get_info(&c, &t, "o_a", MAX_AGE).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChallengeMismatch, "{store}");
    assert!(e.message().contains("another user"), "{store}: {e}");
    // identify_ret != 0: not passed, named.
    let t = emu.issue_verify_result("o_fail").unwrap();
    let e = g.face_get_info(&c, &t, "o_fail", MAX_AGE).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureInvalid, "{store}");
    assert!(e.message().contains("identify_ret 90100"), "{store}: {e}");
    assert_eq!(kind(g.face_get_info(&c, &t, "o_fail", MAX_AGE)), ErrorKind::ChallengeMismatch, "{store}");
    // Arguments.
    assert_eq!(kind(g.face_get_info(&c, "", "o_a", MAX_AGE)), ErrorKind::InvalidInput);
    assert_eq!(kind(g.face_get_info(&c, "x", "", MAX_AGE)), ErrorKind::InvalidInput);
    assert_eq!(kind(g.face_get_info(&c, "x", "o_a", Duration::ZERO)), ErrorKind::InvalidArgument);
    assert_eq!(kind(g.face_get_info(&c, "x", "o_a", Duration::from_secs(86_401))), ErrorKind::InvalidArgument);

    // getverifyid / queryverifyinfo.
    let cert = CertInfo::identity_card(NAME, ID);
    let vid = g.face_start(&c, "o_a", &cert, None, TTL).unwrap();
    // Unknown, another subject's, another document: refused, and the session stays usable.
    assert_eq!(kind(g.face_finish(&c, "no-such-verify-id", "o_a", &cert)), ErrorKind::ChallengeMismatch);
    assert_eq!(kind(other.face_finish(&c, &vid.verify_id, "o_b", &cert)), ErrorKind::ChallengeMismatch, "{store}");
    let e = g.face_finish(&c, &vid.verify_id, "o_a", &CertInfo::identity_card("李四", ID)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChallengeMismatch, "{store}");
    assert!(e.message().contains("identity document"), "{store}: {e}");
    // No answer from WeChat (the connection dropped on every attempt): still usable.
    emu.inject_fault(Fault { kind: FaultKind::DropConnection, count: None, path: Some(paths::FACE_QUERYVERIFYINFO.into()) });
    assert_eq!(kind(g.face_finish(&c, &vid.verify_id, "o_a", &cert)), ErrorKind::Network, "{store}");
    emu.clear_faults();
    // Then the first answered query uses it up, on any server.
    let info = other.face_finish(&c, &vid.verify_id, "o_a", &cert).unwrap();
    assert!(info.passed(), "{store}");
    assert_eq!(kind(g.face_finish(&c, &vid.verify_id, "o_a", &cert)), ErrorKind::ChallengeMismatch, "{store}");
    // An answer that is an error (WeChat busy) also uses it up: WeChat saw the query.
    let vid = g.face_start(&c, "o_a", &cert, Some("seq-busy"), TTL).unwrap();
    emu.inject_fault(Fault { kind: FaultKind::SystemBusy, count: None, path: Some(paths::FACE_QUERYVERIFYINFO.into()) });
    assert_eq!(kind(g.face_finish(&c, &vid.verify_id, "o_a", &cert)), ErrorKind::WeChatApi, "{store}");
    emu.clear_faults();
    assert_eq!(kind(g.face_finish(&c, &vid.verify_id, "o_a", &cert)), ErrorKind::ChallengeMismatch, "{store}");
    // verify_ret other than 10000: refused with the outcome, and used up.
    let cancel = CertInfo::identity_card("赵六", "310101199801015678");
    let vid = g.face_start(&c, "o_cancel", &cancel, None, TTL).unwrap();
    let e = g.face_finish(&c, &vid.verify_id, "o_cancel", &cancel).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureInvalid, "{store}");
    assert!(e.message().contains("90003") && e.message().contains("user_cancelled"), "{store}: {e}");
    assert_eq!(kind(g.face_finish(&c, &vid.verify_id, "o_cancel", &cancel)), ErrorKind::ChallengeMismatch);
    // Arguments.
    assert_eq!(kind(g.face_start(&c, "o_a", &cert, None, Duration::ZERO)), ErrorKind::InvalidArgument);
    assert_eq!(kind(g.face_start(&c, "o_a", &cert, Some(""), TTL)), ErrorKind::InvalidInput);
    assert_eq!(kind(g.face_finish(&c, "", "o_a", &cert)), ErrorKind::InvalidInput);
}

/// Store-level: expiry, the per-subject bound, ticket single use.
fn store_suite(store: &str, s: &dyn Store) {
    assert!(s.use_ticket(&[7; 32], Duration::from_secs(60)).unwrap(), "{store}");
    assert!(!s.use_ticket(&[7; 32], Duration::from_secs(60)).unwrap(), "{store}");
    assert!(s.use_ticket(&[8; 32], Duration::from_millis(30)).unwrap(), "{store}");
    std::thread::sleep(Duration::from_millis(60));
    assert!(s.use_ticket(&[8; 32], Duration::from_secs(60)).unwrap(), "{store}: an expired mark is gone");
    // Sessions expire, and take is once.
    s.face_record("u", "s1", "h:seq", Duration::from_millis(30)).unwrap();
    s.face_record("u", "s2", "h:seq2", Duration::from_secs(60)).unwrap();
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(s.face_take("u", "s1").unwrap(), None, "{store}");
    let taken = s.face_take("u", "s2").unwrap().expect("s2 is there");
    assert_eq!(taken.record, "h:seq2", "{store}");
    assert!(taken.left > Duration::from_secs(50) && taken.left <= Duration::from_secs(60), "{store}: {:?}", taken.left);
    assert_eq!(s.face_take("u", "s2").unwrap(), None, "{store}");
    assert_eq!(s.face_take("v", "s2").unwrap(), None, "{store}");
    // The per-subject bound (4 here): the oldest go, other subjects are untouched.
    s.face_record("w", "keep", "r", Duration::from_secs(60)).unwrap();
    for i in 0..6 {
        s.face_record("greedy", &format!("g{i}"), "r", Duration::from_secs(60)).unwrap();
    }
    assert_eq!(s.face_take("greedy", "g0").unwrap(), None, "{store}");
    assert_eq!(s.face_take("greedy", "g1").unwrap(), None, "{store}");
    assert!(s.face_take("greedy", "g2").unwrap().is_some(), "{store}");
    assert!(s.face_take("greedy", "g5").unwrap().is_some(), "{store}");
    assert!(s.face_take("w", "keep").unwrap().is_some(), "{store}");
}

#[test]
fn memory_store_passes_the_face_suite() {
    let store = std::sync::Arc::new(MemoryStore::new(MemoryOptions { max_challenges_per_subject: 4, ..Default::default() }).unwrap());
    store_suite("memory", &*store);
    let (a, b) = (ReplayGuard::with_store(store.clone()), ReplayGuard::with_store(store));
    suite("memory", &a, &b);
}

#[test]
fn memory_store_bounds_used_tickets_and_refuses_old_results() {
    let s = MemoryStore::new(MemoryOptions { max_challenges: 2, max_devices: 1, max_challenges_per_subject: 1 }).unwrap();
    assert!(s.use_ticket(&[1; 32], Duration::from_secs(60)).unwrap());
    assert!(s.use_ticket(&[2; 32], Duration::from_secs(60)).unwrap());
    // Full of live marks: forgetting one would let it pass twice, so it fails closed.
    assert_eq!(kind(s.use_ticket(&[3; 32], Duration::from_secs(60))), ErrorKind::StoreUnavailable);
    // identify_time older than max_age: SignatureInvalid, naming the age.
    let (emu, c) = setup();
    let g = ReplayGuard::new();
    let t = emu.issue_verify_result("o_a").unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    let e = g.face_get_info(&c, &t, "o_a", Duration::from_secs(1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureInvalid);
    assert!(e.message().contains("above max_age 1s"), "{e}");
}

#[test]
fn redis_store_passes_the_face_suite() {
    if !available("redis_store_passes_the_face_suite") {
        return;
    }
    let server = RedisServer::start();
    let o = RedisOptions { max_challenges_per_subject: 4, ..Default::default() };
    let s = soter_verify::guard::RedisStore::standalone(&server.url(), &o).unwrap();
    store_suite("redis", &s);
    let (a, b) = (ReplayGuard::redis(&server.url(), &o).unwrap(), ReplayGuard::redis(&server.url(), &o).unwrap());
    suite("redis", &a, &b);
    // Tickets are kept as their SHA-256, sessions in the subject's slot.
    let keys = server.cli(&["--scan", "--pattern", "soter:*"]);
    assert!(keys.lines().any(|k| k.starts_with("soter:ft:") && k.len() == "soter:ft:".len() + 64), "{keys}");
    assert!(keys.lines().any(|k| k.starts_with("soter:{") && k.ends_with("}:f")), "{keys}");
    // One command per step, and every step fails closed without Redis.
    let monitor = server.monitor();
    assert!(s.use_ticket(&[9; 32], Duration::from_secs(60)).unwrap());
    s.face_record("m", "s", "r", Duration::from_secs(60)).unwrap();
    assert!(s.face_take("m", "s").unwrap().is_some());
    assert_eq!(monitor.client_commands(), vec!["SET", "EVALSHA", "EVALSHA"]);
    drop(server);
    assert_eq!(kind(s.use_ticket(&[10; 32], Duration::from_secs(60))), ErrorKind::StoreUnavailable);
    assert_eq!(kind(s.face_take("m", "s")), ErrorKind::StoreUnavailable);
    assert_eq!(kind(s.face_record("m", "s", "r", Duration::from_secs(60))), ErrorKind::StoreUnavailable);
}

#[test]
fn redis_wait_replicas_fails_closed_without_replicas() {
    if !available("redis_wait_replicas_fails_closed_without_replicas") {
        return;
    }
    // No replica acknowledges: what the step used up stays used, and the call is refused.
    let server = RedisServer::start();
    let o = RedisOptions { wait_replicas: 1, timeout: Duration::from_millis(300), ..Default::default() };
    let s = soter_verify::guard::RedisStore::standalone(&server.url(), &o).unwrap();
    assert_eq!(kind(s.use_ticket(&[1; 32], Duration::from_secs(60))), ErrorKind::StoreUnavailable);
    assert!(!s.use_ticket(&[1; 32], Duration::from_secs(60)).unwrap(), "the mark stayed");
    s.face_record("u", "s", "r", Duration::from_secs(60)).unwrap();
    assert_eq!(kind(s.face_take("u", "s")), ErrorKind::StoreUnavailable);
    assert_eq!(s.face_take("u", "s").unwrap(), None, "taken");
}

#[test]
fn redis_cluster_passes_the_face_suite() {
    if !available("redis_cluster_passes_the_face_suite") {
        return;
    }
    let cluster = RedisCluster::start();
    let o = RedisOptions { max_challenges_per_subject: 4, ..Default::default() };
    let s = soter_verify::guard::RedisStore::cluster(&cluster.urls(), &o).unwrap();
    store_suite("cluster", &s);
    let (a, b) = (ReplayGuard::redis_cluster(&cluster.urls(), &o).unwrap(), ReplayGuard::redis_cluster(&cluster.urls(), &o).unwrap());
    suite("cluster", &a, &b);
}

#[test]
fn redis_sentinel_with_a_replica_passes_the_face_suite() {
    if !available("redis_sentinel_with_a_replica_passes_the_face_suite") {
        return;
    }
    // A master, its replica and one Sentinel; wait_replicas 1, so every consuming step also
    // waits for (and gets) the replica's acknowledgement.
    let master = RedisServer::start_with(common::redis::free_port(), &["--repl-diskless-sync-delay", "0"]);
    let replica = RedisServer::start_with(
        common::redis::free_port(),
        &["--replicaof", "127.0.0.1", &master.port.to_string(), "--repl-diskless-sync-delay", "0"],
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !replica.cli(&["INFO", "replication"]).contains("master_link_status:up") {
        assert!(std::time::Instant::now() < deadline, "the replica did not sync");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sentinel = common::redis::Sentinel::start(master.port, 1);
    // A generous bound: every step here must be acknowledged, and a busy 2-core machine has kept
    // the replica's acknowledgement past the default 1 s (a CI failure, not a lost write).
    let o = RedisOptions { max_challenges_per_subject: 4, wait_replicas: 1, timeout: Duration::from_secs(5), ..Default::default() };
    let so = soter_verify::guard::SentinelOptions::default();
    let s = soter_verify::guard::RedisStore::sentinel(&[sentinel.url()], "mymaster", &so, &o).unwrap();
    store_suite("sentinel", &s);
    let g = ReplayGuard::redis_sentinel(&[sentinel.url()], "mymaster", &so, &o).unwrap();
    let other = ReplayGuard::redis_sentinel(&[sentinel.url()], "mymaster", &so, &o).unwrap();
    suite("sentinel", &g, &other);
}
