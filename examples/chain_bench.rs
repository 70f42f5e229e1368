//! Time to verify the four-certificate Huawei sample chain (parse, four signatures, the chain
//! rules, the attestation), per backend. `make bench` (benches/run.py) prints it next to its
//! baseline; run alone: `cargo run --release --example chain_bench [ITERATIONS] [json]`.

use std::time::Instant;

use soter_verify::{verify_ask_chain, ChainOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let json = args.next().as_deref() == Some("json");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tencent-soter-sample/ask_cert_json.txt");
    let chain = std::fs::read(path).expect("the sample chain");
    let options = ChainOptions::new().at(1_767_225_600);
    // Warm up (page in, per-thread contexts).
    for _ in 0..50 {
        verify_ask_chain(&chain, &options).expect("the sample chain verifies");
    }
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    for _ in 0..iterations {
        std::hint::black_box(verify_ask_chain(std::hint::black_box(&chain), &options).unwrap());
    }
    let wall_us = start.elapsed().as_secs_f64() * 1e6 / iterations as f64;
    // CPU time of this thread: on a shared machine the wall time also counts other processes.
    let cpu_us = (thread_cpu_seconds() - cpu_start) * 1e6 / iterations as f64;
    // Cold: the cache of verified CA signatures emptied before every chain (a process's first
    // chain of a vendor), so all four signatures are checked.
    let cold_start = thread_cpu_seconds();
    for _ in 0..iterations / 4 {
        soter_verify::attestation::verified_links::clear();
        std::hint::black_box(verify_ask_chain(std::hint::black_box(&chain), &options).unwrap());
    }
    let cold_us = (thread_cpu_seconds() - cold_start) * 1e6 / (iterations / 4) as f64;
    // A Google chain with the 2026 ECDSA P-384 root (ECDSA P-256 and P-384, SHA-256 and
    // SHA-384), all five signatures checked every time, on each backend.
    let google = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem"))
        .expect("the Pixel 9a chain");
    let mut ecdsa = Vec::new();
    for b in soter_verify::Backend::available() {
        let one = || {
            soter_verify::attestation::verified_links::clear();
            soter_verify::attestation::verify_key_attestation_with(&[&google], &[], Some(1_772_324_168), None, *b).unwrap()
        };
        for _ in 0..20 {
            one();
        }
        let t = thread_cpu_seconds();
        let n = (iterations / 4).max(10);
        for _ in 0..n {
            std::hint::black_box(one());
        }
        ecdsa.push((b.name(), (thread_cpu_seconds() - t) * 1e6 / n as f64));
    }
    let ecdsa_json: Vec<String> = ecdsa.iter().map(|(b, us)| format!("\"{b}\":{us:.2}")).collect();
    let backend = soter_verify::Backend::default().name();
    if json {
        println!("{{\"chain_verify_us\":{cpu_us:.2},\"cold_us\":{cold_us:.2},\"wall_us\":{wall_us:.2},\"iterations\":{iterations},\"backend\":\"{backend}\",\"google_ec_chain_us\":{{{}}}}}", ecdsa_json.join(","));
    } else {
        println!(
            "verify_ask_chain (4 certificates, RSA-2048/4096): {cpu_us:.2} us CPU per chain, {wall_us:.2} us wall ({backend}, {iterations} iterations); cold (all four signatures) {cold_us:.2} us"
        );
        for (b, us) in &ecdsa {
            println!("verify_key_attestation (Pixel 9a, 5 certificates, ECDSA P-256/P-384, all signatures): {us:.2} us CPU ({b})");
        }
    }
}

fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is a valid timespec to write; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}
