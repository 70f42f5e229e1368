//! `soter emulator`: starts, prints its base URL, serves the WeChat API and the admin API.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use soter_verify::testing::Device;
use soter_verify::wechat::WeChatClient;

#[test]
fn soter_emulator_serves_until_killed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_soter"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--appid", "wxcli", "--secret", "cli-secret", "--token-lifetime", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("soter runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let dev = Device::new().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let body = serde_json::json!({"openid": "o_cli", "public_key": dev.public_key_pem()}).to_string();
    let r = agent.post(format!("{base}/__admin/devices")).header("content-type", "application/json").send(body.as_bytes()).unwrap();
    assert_eq!(r.status(), 200);

    let client = WeChatClient::builder("wxcli", "cli-secret").base_url(&base).timeout(Duration::from_secs(5)).build().unwrap();
    let (json, sig) = dev.sign_result("cli-challenge", 20).unwrap();
    assert!(client.soter_verify_signature("o_cli", std::str::from_utf8(&json).unwrap(), &sig).unwrap());
    let mut r = agent.get(format!("{base}/__admin/counters")).call().unwrap();
    let c: serde_json::Value = serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
    assert_eq!(c["token_issues"], 1);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn soter_emulator_refuses_bad_options() {
    let out = Command::new(env!("CARGO_BIN_EXE_soter")).args(["emulator", "--appid", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_soter"))
        .args(["emulator", "--listen", "0.0.0.0:0", "--appid", "x", "--secret", "y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
    let out = Command::new(env!("CARGO_BIN_EXE_soter"))
        .args(["emulator", "--appid", "x", "--secret", "y", "--reusable-tickets", "maybe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reusable-tickets must be yes or no"));
    let out = Command::new(env!("CARGO_BIN_EXE_soter")).args(["emulator", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("/__admin/faults"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--reusable-tickets yes|no"));
}
