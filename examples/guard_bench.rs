//! ReplayGuard figures for `make bench` (benches/run.py), as JSON:
//! - memory guard `authenticate` vs plain `authenticate` on the same results, call by call;
//! - Redis guard `authenticate` vs plain `authenticate` vs a PING on its own connection,
//!   interleaved call by call (loopback latency swings within seconds), medians;
//! - Redis guard throughput with 1 and 2 threads (alternating batches, medians).
//!
//! - with `wait` after the URL (the server has one replica): only guard authenticate with
//!   `wait_replicas` 1 against 0, interleaved, in round trips (PINGs). The figures above are
//!   taken without a replica: on a small machine a replica on the same cores competes with
//!   Redis and the benchmark for the CPU on every write, which a replica on its own host does not.
//!
//! Usage: cargo run --release --example guard_bench -- [N] [redis://127.0.0.1:PORT [wait]]
use std::time::{Duration, Instant};

use soter_verify::guard::{MemoryOptions, RedisOptions, ReplayGuard};
use soter_verify::testing::Device;
use soter_verify::{authenticate, Expectations};

const TTL: Duration = Duration::from_secs(600);

/// `n` results of `device`, each for a fresh challenge the guard issued to `subject`, signed on
/// two threads (signing is the slow part of the setup).
fn results(device: &Device, guard: &ReplayGuard, subject: &str, n: usize) -> Vec<(String, Vec<u8>, String)> {
    let challenges: Vec<String> = (0..n).map(|_| guard.issue_challenge(subject, TTL).expect("issue")).collect();
    let mut out: Vec<(String, Vec<u8>, String)> = std::thread::scope(|s| {
        let halves: Vec<_> = challenges
            .chunks(n.div_ceil(2).max(1))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|c| {
                            let (json, sig) = device.sign_result(c, 20).expect("sign");
                            (c.clone(), json, sig)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().expect("signer")).collect()
    });
    // Counters must rise in the order the guard sees them.
    out.sort_by_key(|r| soter_verify::ResultJson::parse(&r.1).expect("parse").counter);
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Per-call times of plain authenticate and guard authenticate on the same results, interleaved.
fn overhead(device: &Device, guard: &ReplayGuard, subject: &str, n: usize, mut ping: impl FnMut() -> f64) -> (f64, f64, f64) {
    // In batches below the per-subject bound (1024 here), each used before the next is issued.
    let key = device.public_key();
    let (mut plain, mut guarded, mut pings) = (Vec::new(), Vec::new(), Vec::new());
    for done in (0..n).step_by(1000) {
        for (challenge, json, sig) in &results(device, guard, subject, (n - done).min(1000)) {
            pings.push(ping());
            let t = Instant::now();
            authenticate(key, json, sig.as_bytes(), &Expectations::new(challenge.as_str())).expect("plain");
            plain.push(us(t.elapsed()));
            let t = Instant::now();
            guard.authenticate(key, json, sig.as_bytes(), subject, Some(&device.cpu_id), Some(&device.uid)).expect("guard");
            guarded.push(us(t.elapsed()));
        }
    }
    (median(plain), median(guarded), median(pings))
}

/// Medians of guard authenticate with `wait_replicas` 0 and 1 (on the same master, which has one
/// replica), interleaved call by call, and of a PING: the cost of durability in round trips.
fn wait_cost(device: &Device, g0: &ReplayGuard, g1: &ReplayGuard, n: usize, mut ping: impl FnMut() -> f64) -> (f64, f64, f64) {
    let r0 = results(device, g0, "bench-wait-0", n);
    let r1 = results(device, g1, "bench-wait-1", n);
    let key = device.public_key();
    let (mut t0s, mut t1s, mut pings) = (Vec::new(), Vec::new(), Vec::new());
    for ((_, j0, s0), (_, j1, s1)) in r0.iter().zip(&r1) {
        pings.push(ping());
        let t = Instant::now();
        g0.authenticate(key, j0, s0.as_bytes(), "bench-wait-0", None, None).expect("wait_replicas 0");
        t0s.push(us(t.elapsed()));
        let t = Instant::now();
        g1.authenticate(key, j1, s1.as_bytes(), "bench-wait-1", None, None).expect("wait_replicas 1");
        t1s.push(us(t.elapsed()));
    }
    (median(t0s), median(t1s), median(pings))
}

fn throughput(device: &Device, guard: &ReplayGuard, threads: usize, n: usize) -> f64 {
    let key = device.public_key();
    // One subject per thread: its results' counters rise in the order that thread presents them.
    let work: Vec<_> = (0..threads)
        .map(|t| {
            let subject = format!("tp-{threads}-{t}");
            let rs = results(device, guard, &subject, n / threads);
            (subject, rs)
        })
        .collect();
    let t = Instant::now();
    std::thread::scope(|s| {
        for (subject, rs) in &work {
            s.spawn(move || {
                for (_, json, sig) in rs {
                    guard.authenticate(key, json, sig.as_bytes(), subject, None, None).expect("guard");
                }
            });
        }
    });
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(2000, |s| s.parse().expect("N"));
    let url = args.next();
    let wait_only = args.next().as_deref() == Some("wait");
    let device = Device::new().expect("device");
    let mut out = format!("{{\"calls\":{n}");

    if !wait_only {
        let memory = ReplayGuard::memory(MemoryOptions { max_challenges_per_subject: 1024, ..Default::default() }).expect("memory guard");
        let (plain, guarded, _) = overhead(&device, &memory, "bench-memory", n, || 0.0);
        out.push_str(&format!(",\"plain_us\":{plain:.3},\"memory_us\":{guarded:.3},\"memory_overhead_us\":{:.3}", guarded - plain));
    }

    if let Some(url) = url {
        let guard = ReplayGuard::redis(&url, &RedisOptions { max_challenges_per_subject: 1024, ..Default::default() }).expect("redis guard");
        let client = redis::Client::open(url.as_str()).expect("url");
        let mut con = client.get_connection().expect("PING connection");
        let mut ping = || {
            let t = Instant::now();
            let _: String = redis::cmd("PING").query(&mut con).expect("PING");
            us(t.elapsed())
        };
        if wait_only {
            let durable = ReplayGuard::redis(&url, &RedisOptions { wait_replicas: 1, max_challenges_per_subject: 1024, ..Default::default() }).expect("redis guard");
            let (w0, w1, rtt) = wait_cost(&device, &guard, &durable, n / 2, &mut ping);
            out.push_str(&format!(
                ",\"wait0_us\":{w0:.3},\"wait1_us\":{w1:.3},\"wait_ping_us\":{rtt:.3},\"wait_extra_round_trips\":{:.3}",
                (w1 - w0) / rtt
            ));
        } else {
            let (plain, guarded, rtt) = overhead(&device, &guard, "bench-redis", n, &mut ping);
            // Alternating batches, medians: a shared machine's load swings within seconds.
            let (mut ones, mut twos) = (Vec::new(), Vec::new());
            for _ in 0..5 {
                ones.push(throughput(&device, &guard, 1, n / 5));
                twos.push(throughput(&device, &guard, 2, n / 5));
            }
            let (one, two) = (median(ones), median(twos));
            out.push_str(&format!(
                ",\"redis_plain_us\":{plain:.3},\"redis_us\":{guarded:.3},\"redis_overhead_us\":{:.3},\"ping_us\":{rtt:.3},\
                 \"redis_overhead_round_trips\":{:.3},\"redis_per_s_1_thread\":{one:.0},\"redis_per_s_2_threads\":{two:.0}",
                guarded - plain,
                (guarded - plain) / rtt
            ));
        }
    }
    out.push('}');
    println!("{out}");
}
