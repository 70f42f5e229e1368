//! Log event figures for `make bench` (benches/run.py), as JSON: what a refused verification (a
//! debug event) costs with no logger, with a logger whose level filters the event (WARN), and
//! with the event formatted and delivered (DEBUG, to a logger that drops it). Two paths: a full
//! `authenticate` (signature verified, then the challenge refused) and `ReplayGuard::accept` of
//! a result whose `raw` cannot be a challenge (a parse, then refused: the cheapest refusal, where
//! formatting would show most). Short batches of the three settings alternate, many rounds (a
//! shared machine preempts in bursts); per-call medians.
//!
//! Usage: cargo run --release --example log_bench -- [CALLS_PER_BATCH] [ROUNDS]
use std::sync::Arc;
use std::time::Instant;

use soter_verify::guard::ReplayGuard;
use soter_verify::log::{set_logger, Level, Logger};
use soter_verify::testing::Device;
use soter_verify::{authenticate, Expectations};

#[derive(Clone, Copy)]
enum Setting {
    NoLogger,
    Filtered,
    Delivered,
}

fn apply(s: Setting) {
    let sink: Logger = Arc::new(|_: Level, m: &str| {
        std::hint::black_box(m);
    });
    match s {
        Setting::NoLogger => set_logger(None, None),
        Setting::Filtered => set_logger(Some(sink), Some(Level::Warn)),
        Setting::Delivered => set_logger(Some(sink), Some(Level::Debug)),
    }
    .expect("set_logger");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

/// Median per-call microseconds of `call` under each setting: [none, filtered, delivered].
fn measure(calls: usize, rounds: usize, mut call: impl FnMut()) -> [f64; 3] {
    let settings = [Setting::NoLogger, Setting::Filtered, Setting::Delivered];
    let mut times: [Vec<f64>; 3] = Default::default();
    for _ in 0..calls {
        call(); // warm up
    }
    for round in 0..rounds {
        for k in 0..3 {
            let i = (round + k) % 3; // rotate the order so drift hits every setting alike
            apply(settings[i]);
            let t = Instant::now();
            for _ in 0..calls {
                call();
            }
            times[i].push(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    apply(Setting::NoLogger);
    times.map(median)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let calls: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(500);
    let rounds: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(301);

    let device = Device::new().expect("device");
    let key = device.public_key();
    let (json, sig) = device.sign_result(&soter_verify::new_challenge().expect("challenge"), 20).expect("sign");
    let other = Expectations::new(soter_verify::new_challenge().expect("challenge"));
    let full = measure(calls / 10 + 1, rounds, || {
        let r = authenticate(key, &json, sig.as_bytes(), &other);
        assert!(r.is_err());
    });

    let guard = ReplayGuard::new();
    let cheap = br#"{"raw":"not-a-challenge","fid":"1","counter":7,"tee_n":"t","tee_v":"1","fp_n":"f","fp_v":"1","cpu_id":"c","uid":"u"}"#;
    let early = measure(calls, rounds, || {
        let r = guard.accept(cheap, "user", None, None);
        assert!(r.is_err());
    });

    let obj = |v: [f64; 3]| format!("{{\"none_us\":{:.4},\"filtered_us\":{:.4},\"delivered_us\":{:.4}}}", v[0], v[1], v[2]);
    println!(
        "{{\"authenticate_refused\":{},\"accept_refused\":{},\"calls\":{calls},\"rounds\":{rounds}}}",
        obj(full),
        obj(early)
    );
}
