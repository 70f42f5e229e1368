//! The HTTP path: soter verify_signature through the emulator on loopback, sequential and on
//! 8 threads sharing one client. Prints calls per second and the TCP connections the emulator saw.
//! Usage: cargo run --release --example http_bench -- [CALLS] [--format json]

use std::time::Instant;

use soter_verify::emulator::{Emulator, EmulatorConfig};
use soter_verify::testing::Device;
use soter_verify::wechat::WeChatClient;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let calls: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
    let as_json = args.iter().any(|a| a == "json");
    let emulator = Emulator::start(EmulatorConfig::new("wxbench", "bench-secret"))?;
    let device = Device::new()?;
    emulator.register_device("openid-bench", device.public_key_pem().as_bytes())?;
    let client = WeChatClient::builder("wxbench", "bench-secret").base_url(emulator.base_url()).build()?;
    let (json, sig) = device.sign_result("bench", 20)?;
    let json = String::from_utf8(json)?;
    emulator.reset_counters();
    // The first call opens the connection and fetches the token; counters include it.
    assert!(client.soter_verify_signature("openid-bench", &json, &sig)?, "first call must verify");
    let start = Instant::now();
    for _ in 0..calls {
        assert!(client.soter_verify_signature("openid-bench", &json, &sig)?);
    }
    let sequential = calls as f64 / start.elapsed().as_secs_f64();
    let seq_counters = emulator.counters();

    emulator.reset_counters();
    let threads = 8;
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..calls / threads {
                    assert!(client.soter_verify_signature("openid-bench", &json, &sig).expect("call"));
                }
            });
        }
    });
    let parallel = (calls / threads * threads) as f64 / start.elapsed().as_secs_f64();
    let par_counters = emulator.counters();
    if as_json {
        println!(
            "{}",
            serde_json::json!({
                "calls": calls + 1,
                "sequential_per_s": sequential.round(),
                "sequential_connections": seq_counters.connections,
                "sequential_token_requests": seq_counters.token_issues,
                "threads": threads,
                "threads_per_s": parallel.round(),
                "threads_connections": par_counters.connections,
            })
        );
    } else {
        println!("verify_signature over loopback HTTP (the emulator verifies each call with RSA-2048):");
        println!(
            "  sequential: {} calls, {sequential:.0}/s, TCP connections {}, token requests {}",
            calls + 1,
            seq_counters.connections,
            seq_counters.token_issues
        );
        println!(
            "  {threads} threads:  {} calls, {parallel:.0}/s, TCP connections {}",
            calls / threads * threads,
            par_counters.connections
        );
    }
    Ok(())
}
