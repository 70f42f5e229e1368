//! The ReplayGuard where users deploy it, against real processes started here: forked workers
//! sharing a guard made before the fork, a stalled Redis (timeouts bound whole calls, an outage
//! fails fast), one subject flooding challenges, and Sentinel failover with and without
//! `wait_replicas`.

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::redis::{available, RedisServer, ReplyCutter, Sentinel};
use soter_verify::guard::{RedisOptions, RedisStore, ReplayGuard, SentinelOptions, Store};
use soter_verify::testing::Device;
use soter_verify::ErrorKind;

const TTL: Duration = Duration::from_secs(60);

fn devices() -> &'static [Device] {
    static D: OnceLock<Vec<Device>> = OnceLock::new();
    D.get_or_init(|| (0..4).map(|_| Device::new().unwrap()).collect())
}

/// Issue a challenge for `subject`, sign it on `dev`, authenticate: the genuine login.
fn login(g: &ReplayGuard, dev: &Device, subject: &str) -> soter_verify::Result<(Vec<u8>, String)> {
    let c = g.issue_challenge(subject, TTL)?;
    let signed = dev.sign_result(&c, 20).unwrap();
    present(g, dev, &signed, subject).map(|_| signed)
}

fn present(g: &ReplayGuard, dev: &Device, signed: &(Vec<u8>, String), subject: &str) -> soter_verify::Result<u64> {
    g.authenticate(dev.public_key(), &signed.0, signed.1.as_bytes(), subject, Some(&dev.cpu_id), Some(&dev.uid)).map(|r| r.counter)
}

#[test]
fn forked_workers_never_share_a_connection() {
    if !available("forked_workers_never_share_a_connection") {
        return;
    }
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions { timeout: Duration::from_secs(5), ..Default::default() }).unwrap();
    let devs = devices();
    // The parent uses the guard (gunicorn --preload, uWSGI): a connection sits in its pool.
    login(&g, &devs[0], "parent").unwrap();
    let mut children = Vec::new();
    for (i, dev) in devs.iter().enumerate() {
        // SAFETY: the child runs this crate's code and exits with _exit, never returning into
        // the test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            // Each child: genuine logins must pass; results whose raw was never issued (validly
            // signed by the child's own key) must never pass. Exit code: forged accepted * 16 +
            // genuine failed.
            let (mut forged_ok, mut genuine_failed) = (0, 0);
            for round in 0..8 {
                let subject = format!("worker-{i}");
                if login(&g, dev, &subject).is_err() {
                    genuine_failed += 1;
                }
                let forged = dev.sign_result(&soter_verify::new_challenge().unwrap(), 20).unwrap();
                match present(&g, dev, &forged, &subject) {
                    Ok(_) => forged_ok += 1,
                    Err(e) if e.kind() == ErrorKind::ChallengeMismatch => {}
                    Err(e) => {
                        eprintln!("worker {i} round {round}: forged result: {e}");
                        genuine_failed += 1;
                    }
                }
            }
            unsafe { libc::_exit((forged_ok * 16 + genuine_failed).min(255)) }
        }
        children.push(pid);
    }
    let mut codes = Vec::new();
    for pid in children {
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status), "worker {pid} died: status {status}");
        codes.push(libc::WEXITSTATUS(status));
    }
    let forged_accepted: i32 = codes.iter().map(|c| c / 16).sum();
    let genuine_failed: i32 = codes.iter().map(|c| c % 16).sum();
    println!("forked workers: {forged_accepted} forged results accepted, {genuine_failed} genuine logins failed (of 32 each)");
    assert_eq!((forged_accepted, genuine_failed), (0, 0), "per worker (forged*16 + failed): {codes:?}");
    // The parent's own pool still works after its children used theirs.
    login(&g, &devs[0], "parent").unwrap();
}

#[test]
fn a_stalled_redis_bounds_every_call_and_fails_fast() {
    if !available("a_stalled_redis_bounds_every_call_and_fails_fast") {
        return;
    }
    let server = RedisServer::start();
    let timeout = Duration::from_millis(300);
    let g = ReplayGuard::redis(&server.url(), &RedisOptions { timeout, ..Default::default() }).unwrap();
    let dev = &devices()[0];
    g.ping().unwrap();
    let pending = dev.sign_result(&g.issue_challenge("stall", TTL).unwrap(), 20).unwrap();
    server.signal(libc::SIGSTOP);
    let t = Instant::now();
    let e = present(&g, dev, &pending, "stall").unwrap_err();
    let first = t.elapsed();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable, "{e}");
    assert!(e.message().contains("did not answer within 300 ms"), "{e}");
    assert!(first < timeout + Duration::from_millis(150), "one call took {first:?} with a 300 ms timeout");
    // 50 callers during the outage: they fail at once, while at most one at a time waits.
    let t = Instant::now();
    let slow = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    let t = Instant::now();
                    let e = g.issue_challenge("stall-many", TTL).unwrap_err();
                    assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
                    t.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).filter(|d| *d > Duration::from_millis(100)).count()
    });
    let all = t.elapsed();
    println!("stalled Redis: first call {first:?}; 50 concurrent calls in {all:?}, {slow} of them over 100 ms");
    assert!(slow <= 2, "{slow} of 50 calls waited (only the probe should)");
    let e = g.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
    server.signal(libc::SIGCONT);
    // The first call after Redis answers again works (it is the probe).
    std::thread::sleep(Duration::from_millis(50));
    g.ping().unwrap();
    let signed = login(&g, dev, "stall").unwrap();
    // The stalled step may have run late in Redis (fail closed): either way, a replay fails.
    assert_eq!(present(&g, dev, &signed, "stall").unwrap_err().kind(), ErrorKind::ChallengeMismatch);
}

#[test]
fn one_subject_cannot_fill_redis() {
    if !available("one_subject_cannot_fill_redis") {
        return;
    }
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions::default()).unwrap();
    let dev = &devices()[1];
    let issued: Vec<String> = (0..2000).map(|_| g.issue_challenge("flood", TTL).unwrap()).collect();
    let keys = server.cli(&["--scan", "--pattern", "soter:*"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    assert_eq!(server.cli(&["HLEN", keys.trim()]).trim(), "16", "the subject's pending challenges are bounded");
    // The newest works, the dropped ones never will, and other subjects are untouched.
    let newest = dev.sign_result(issued.last().unwrap(), 20).unwrap();
    present(&g, dev, &newest, "flood").unwrap();
    let dropped = dev.sign_result(&issued[0], 20).unwrap();
    assert_eq!(present(&g, dev, &dropped, "flood").unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    login(&g, dev, "someone-else").unwrap();
    // The key expires with its last challenge.
    let short = ReplayGuard::redis(&server.url(), &RedisOptions { prefix: "short:".into(), ..Default::default() }).unwrap();
    short.issue_challenge("brief", Duration::from_millis(200)).unwrap();
    let pttl: i64 = server.cli(&["PTTL", server.cli(&["--scan", "--pattern", "short:*"]).trim()]).trim().parse().unwrap();
    assert!((1..=200).contains(&pttl), "pttl {pttl}");
}

/// A master, a replica and three Sentinels on loopback. With `wait_replicas` 1, nothing is
/// accepted while the replica is cut off and stalled, and nothing accepted before the failover is
/// accepted after it. Without it, logins go on during the stall and are accepted again after the
/// failover (the window the option closes). The same guard objects serve after the failover.
#[test]
fn sentinel_failover_with_and_without_wait_replicas() {
    if !available("sentinel_failover_with_and_without_wait_replicas") {
        return;
    }
    let mut master = RedisServer::start_with(common::redis::free_port(), &["--repl-diskless-sync-delay", "0"]);
    let replica = RedisServer::start_with(
        common::redis::free_port(),
        &["--replicaof", "127.0.0.1", &master.port.to_string(), "--repl-diskless-sync-delay", "0"],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !replica.cli(&["INFO", "replication"]).contains("master_link_status:up") {
        assert!(Instant::now() < deadline, "the replica did not sync");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sentinels: Vec<Sentinel> = (0..3).map(|_| Sentinel::start(master.port, 2)).collect();
    let urls: Vec<String> = sentinels.iter().map(Sentinel::url).collect();
    let options = |wait_replicas| RedisOptions { timeout: Duration::from_secs(1), wait_replicas, ..Default::default() };
    let durable = ReplayGuard::redis_sentinel(&urls, "mymaster", &SentinelOptions::default(), &options(1)).unwrap();
    let fast = ReplayGuard::redis_sentinel(&urls, "mymaster", &SentinelOptions::default(), &options(0)).unwrap();
    let (d, f) = (&devices()[2], &devices()[3]);

    // Accepted with the replica's acknowledgement.
    // One subject each: a lost write would lose the counter with the challenge, so only the
    // replication (not a later counter) decides whether these come back.
    let before: Vec<_> = (0..3).map(|i| login(&durable, d, &format!("durable-{i}")).unwrap()).collect();
    // Challenges issued (and replicated) now, consumed during the stall below.
    let fast_pending: Vec<_> = (0..3).map(|_| f.sign_result(&fast.issue_challenge("fast", TTL).unwrap(), 20).unwrap()).collect();
    let durable_pending: Vec<_> = (0..2).map(|_| d.sign_result(&durable.issue_challenge("durable", TTL).unwrap(), 20).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100)); // let the issued challenges reach the replica

    // The replica drops its link to the master and stalls before it can reconnect (a partition,
    // as the master sees it): what the master writes now reaches no replica.
    let t = Instant::now();
    loop {
        replica.cli(&["CLIENT", "KILL", "TYPE", "master"]);
        replica.signal(libc::SIGSTOP);
        std::thread::sleep(Duration::from_millis(50));
        if master.cli(&["INFO", "replication"]).contains("connected_slaves:0") {
            break;
        }
        // It reconnected before it stopped (its once-a-second reconnect): again.
        replica.signal(libc::SIGCONT);
        assert!(t.elapsed() < Duration::from_secs(10), "the replica could not be cut off");
    }
    for p in &durable_pending {
        let e = present(&durable, d, p, "durable").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StoreUnavailable, "{e}");
        assert!(e.message().contains("0 of the 1 replicas"), "{e}");
    }
    let accepted_in_stall: Vec<_> = fast_pending.iter().filter(|p| present(&fast, f, p, "fast").is_ok()).collect();
    assert_eq!(accepted_in_stall.len(), 3, "without wait_replicas the stall does not stop logins");

    // The master dies; the replica resumes and Sentinel promotes it.
    master.stop();
    replica.signal(libc::SIGCONT);
    let t = Instant::now();
    while durable.ping().is_err() {
        assert!(t.elapsed() < Duration::from_secs(30), "the guard did not reach a new master");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(sentinels.iter().any(|s| s.master_port() == Some(replica.port)), "Sentinel names the promoted replica");
    let failover = t.elapsed();
    // Replays first, before any newer login raises the devices' counters (the counter would
    // refuse them then, hiding what the store forgot). The durable results are presented
    // through the fast guard (same store), whose acceptance needs no replica.
    let replayed_durable = before.iter().enumerate().filter(|(i, p)| present(&fast, d, p, &format!("durable-{i}")).is_ok()).count();
    let replayed_fast = accepted_in_stall.iter().filter(|p| present(&fast, f, p, "fast").is_ok()).count();
    // The same guard objects serve again: at once without wait_replicas; with it, once the old
    // master is back (empty: no persistence) and Sentinel has made it the new master's replica.
    login(&fast, f, "fast").unwrap();
    master.restart();
    while login(&durable, d, "durable").is_err() {
        assert!(t.elapsed() < Duration::from_secs(40), "the durable guard did not serve again with a replica back");
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "sentinel failover in {failover:?}: wait_replicas=1: {replayed_durable} of {} results accepted before it were accepted again; \
         wait_replicas=0: {replayed_fast} of {} results accepted while the replica was cut off were accepted again",
        before.len(),
        accepted_in_stall.len()
    );
    assert_eq!(replayed_durable, 0, "a result accepted with wait_replicas=1 came back after the failover");
    // Without wait_replicas, what was accepted during the partition is gone from the new master:
    // those results are accepted a second time (the window the option closes).
    assert_eq!(replayed_fast, accepted_in_stall.len(), "without wait_replicas the results accepted in the partition came back");
}

#[test]
fn ping_and_the_timeout_bound() {
    if !available("ping_and_the_timeout_bound") {
        return;
    }
    assert!(ReplayGuard::new().ping().is_ok());
    let server = RedisServer::start();
    let g = ReplayGuard::redis(&server.url(), &RedisOptions::default()).unwrap();
    g.ping().unwrap();
    let e = ReplayGuard::redis(&server.url(), &RedisOptions { timeout: Duration::from_secs(1000 * 3600), ..Default::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    // A listener that accepts and never answers: ping fails within its bound, naming it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung = ReplayGuard::redis(
        &format!("redis://{}", silent.local_addr().unwrap()),
        &RedisOptions { timeout: Duration::from_millis(200), ..Default::default() },
    )
    .unwrap();
    let t = Instant::now();
    let e = hung.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
    assert!(e.message().contains("did not answer within 200 ms"), "{e}");
    assert!(t.elapsed() < Duration::from_millis(400), "{:?}", t.elapsed());
}

#[test]
fn wait_replicas_on_a_plain_master() {
    if !available("wait_replicas_on_a_plain_master") {
        return;
    }
    let master = RedisServer::start_with(common::redis::free_port(), &["--repl-diskless-sync-delay", "0"]);
    let replica = RedisServer::start_with(common::redis::free_port(), &["--replicaof", "127.0.0.1", &master.port.to_string()]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !replica.cli(&["INFO", "replication"]).contains("master_link_status:up") {
        assert!(Instant::now() < deadline, "the replica did not sync");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Generous timeouts where the replica answers: a loaded machine must not fail them.
    let options = |wait_replicas, secs| RedisOptions { wait_replicas, timeout: Duration::from_secs(secs), ..Default::default() };
    let g = ReplayGuard::redis(&master.url(), &options(1, 5)).unwrap();
    let dev = &devices()[1];
    let signed = login(&g, dev, "w").unwrap();
    assert_eq!(present(&g, dev, &signed, "w").unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    // The replica stalls: nothing is accepted, and what was tried stays used.
    let stalled = ReplayGuard::redis(&master.url(), &options(1, 1)).unwrap();
    let pending = dev.sign_result(&stalled.issue_challenge("w", TTL).unwrap(), 20).unwrap();
    replica.signal(libc::SIGSTOP);
    let e = present(&stalled, dev, &pending, "w").unwrap_err();
    replica.signal(libc::SIGCONT);
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable, "{e}");
    assert_eq!(present(&g, dev, &pending, "w").unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    // Two replicas required, one exists: refused with the count.
    let two = ReplayGuard::redis(&master.url(), &options(2, 1)).unwrap();
    let e = login(&two, dev, "w2").unwrap_err();
    assert!(e.message().contains("only 1 of the 2 replicas"), "{e}");
}

/// A reply lost with its connection (the step ran on the server): the retry on a new
/// connection must not read the step's own effect as a verdict. Issuing: the challenge is
/// pending, as asked. Consuming or a face step: `StoreUnavailable`, never `ChallengeMismatch`
/// for a genuine user (what the lost try used stays used).
#[test]
fn a_reply_lost_with_its_connection_is_never_a_verdict() {
    if !available("a_reply_lost_with_its_connection_is_never_a_verdict") {
        return;
    }
    let server = RedisServer::start();
    let cutter = ReplyCutter::start(server.port);
    let url = format!("redis://127.0.0.1:{}", cutter.port);
    let options = RedisOptions { timeout: Duration::from_secs(5), ..Default::default() };
    let g = ReplayGuard::redis(&url, &options).unwrap();
    let dev = &devices()[1];
    // Scripts loaded (a cut NOSCRIPT reply would be no test) and a pooled connection, the one
    // a retry replaces.
    login(&g, dev, "warm").unwrap();
    cutter.arm();
    let challenge = g.issue_challenge("cut", TTL).unwrap();
    let signed = dev.sign_result(&challenge, 20).unwrap();
    cutter.arm();
    let e = present(&g, dev, &signed, "cut").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable, "{e}");
    assert!(e.message().contains("the lost try may have used it"), "{e}");
    assert_eq!(present(&g, dev, &signed, "cut").unwrap_err().kind(), ErrorKind::ChallengeMismatch);
    // The face steps through the store itself.
    let store = RedisStore::standalone(&url, &options).unwrap();
    assert!(store.face_take("warm", "none").unwrap().is_none());
    cutter.arm();
    let e = store.use_ticket(&[7; 32], TTL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StoreUnavailable, "{e}");
    assert!(!store.use_ticket(&[7; 32], TTL).unwrap(), "the ticket stays used");
    store.face_record("cut", "session-1", "record", TTL).unwrap();
    cutter.arm();
    assert_eq!(store.face_take("cut", "session-1").unwrap_err().kind(), ErrorKind::StoreUnavailable);
    assert!(store.face_take("cut", "session-1").unwrap().is_none(), "the session stays taken");
    // Nothing lost without a cut; every armed cut happened.
    let fresh = dev.sign_result(&g.issue_challenge("cut", TTL).unwrap(), 20).unwrap();
    present(&g, dev, &fresh, "cut").unwrap();
    assert_eq!(cutter.cuts(), 4);
}
