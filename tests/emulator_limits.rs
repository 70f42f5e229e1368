//! The emulator under half-sent requests (slowloris), on loopback: a bounded number of connection
//! threads, slow requests timed out, then the emulator serves again. One test per binary part:
//! the thread count of this process is measured, so nothing else may run beside it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use soter_verify::emulator::{Emulator, EmulatorConfig};
use soter_verify::testing::Device;
use soter_verify::wechat::WeChatClient;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

#[test]
fn half_sent_requests_are_bounded_and_timed_out() {
    if threads() == 0 {
        eprintln!("SKIPPED: no /proc/self/task on this system");
        return;
    }
    let mut cfg = EmulatorConfig::new("wxlimits", "limits-secret");
    cfg.max_connections = 16;
    cfg.request_timeout = Duration::from_secs(1);
    cfg.idle_timeout = Duration::from_secs(2);
    let emu = Emulator::start(cfg).unwrap();
    let addr = emu.local_addr();
    let before = threads();

    // 300 connections, each with half a request line and no end of headers.
    let mut held: Vec<TcpStream> = (0..300)
        .filter_map(|_| {
            let mut s = TcpStream::connect(addr).ok()?;
            let _ = s.write_all(b"POST /cgi-bin/soter/verify_signature HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            Some(s)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let during = threads();
    eprintln!("MEASURED threads: {before} before, {during} with {} half-sent requests", held.len());
    assert!(during <= before + 16 + 2, "{during} threads for {} connections (cap 16)", held.len());
    assert!(emu.active_connections() <= 16);
    assert!(emu.counters().connections_refused >= 250, "{:?}", emu.counters());

    // The request timeout closes the admitted ones (408), without help from the peers.
    let t = Instant::now();
    while emu.active_connections() > 0 && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(emu.active_connections(), 0, "slow requests still held after {:?}", t.elapsed());
    let mut timed_out = 0;
    for s in &mut held {
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        timed_out += out.starts_with("HTTP/1.1 408") as usize;
    }
    assert!(timed_out >= 1, "no 408 answers");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert!(threads() <= before + 1, "connection threads left behind: {} (before {before})", threads());

    // And it serves again.
    let dev = Device::new().unwrap();
    emu.register_device("o_limits", dev.public_key_pem().as_bytes()).unwrap();
    let c = WeChatClient::builder("wxlimits", "limits-secret").base_url(emu.base_url()).build().unwrap();
    let (json, sig) = dev.sign_result("limits", 20).unwrap();
    assert!(c.soter_verify_signature("o_limits", std::str::from_utf8(&json).unwrap(), &sig).unwrap());

    // An idle keep-alive connection is closed after idle_timeout.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 16];
    let n = idle.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "an idle connection gets no data, only closed");
    assert!(t.elapsed() >= Duration::from_millis(1500) && t.elapsed() < Duration::from_secs(8), "closed after {:?}", t.elapsed());
}
