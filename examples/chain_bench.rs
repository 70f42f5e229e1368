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
    for _ in 0..iterations {
        std::hint::black_box(verify_ask_chain(std::hint::black_box(&chain), &options).unwrap());
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / iterations as f64;
    let backend = soter_verify::Backend::default().name();
    if json {
        println!("{{\"chain_verify_us\":{us:.2},\"iterations\":{iterations},\"backend\":\"{backend}\"}}");
    } else {
        println!("verify_ask_chain (4 certificates, RSA-2048/4096): {us:.2} us per chain ({backend}, {iterations} iterations)");
    }
}
