//! A fixed number of verifications of one signature (or parses of one resultJSON), for
//! profilers (callgrind, perf).
//! Usage: cargo run --release --example verify_loop -- [N] [aws-lc|pure-rust|parse]
use soter_verify::testing::Device;
use soter_verify::{Backend, SaltLen};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(10_000, |s| s.parse().expect("N"));
    let mode = args.next();
    let backend = match mode.as_deref() {
        Some("pure-rust") => Backend::PureRust,
        _ => Backend::default(),
    };
    let device = Device::new().expect("device");
    let (json, sig) = device.sign_result("challenge", 20).expect("sign");
    let sig = soter_verify::base64::decode(sig.as_bytes()).expect("b64");
    if mode.as_deref() == Some("parse") {
        for _ in 0..n {
            std::hint::black_box(soter_verify::ResultJson::parse(std::hint::black_box(&json)).expect("parse"));
        }
        return;
    }
    for _ in 0..n {
        device.public_key().verify_with(backend, &json, &sig, SaltLen::Default).expect("valid");
    }
}
