//! Classic ASKs through WeChat's verify_ask and the is_support query, against the emulator on
//! loopback: valid, forged, wrong ATTK, errcode paths, and the whole enrollment offline.

mod common;

use std::time::Duration;

use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind};
use soter_verify::testing::{Device, KeyPair};
use soter_verify::wechat::{paths, RetryPolicy, WeChatClient};
use soter_verify::{authenticate, verify_auth_key, AskFormat, ErrorKind, Expectations};

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "s3cr3t-APP-SECRET-7f1e2d";

fn setup() -> (Emulator, WeChatClient, &'static KeyPair) {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    let attk = common::keypair(3072);
    emu.register_attk(attk.public_key().to_pem().as_bytes()).unwrap();
    let client = WeChatClient::builder(APPID, SECRET)
        .base_url(emu.base_url())
        .retry(RetryPolicy { max_attempts: 2, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) })
        .build()
        .unwrap();
    (emu, client, attk)
}

#[test]
fn a_classic_ask_through_verify_ask_then_auth_key_then_result() {
    let (emu, client, attk) = setup();
    let device = Device::new().unwrap();
    let ask_key = common::keypair(2048);
    let (ask_json, ask_sig) = device.classic_ask(ask_key, attk).unwrap();
    let ask = client.soter_verify_ask(std::str::from_utf8(&ask_json).unwrap(), &ask_sig).unwrap();
    assert_eq!(ask.format, AskFormat::Classic);
    assert_eq!(ask.public_key, *ask_key.public_key());
    assert_eq!((ask.cpu_id.as_str(), ask.uid.as_str()), (device.cpu_id.as_str(), device.uid.as_str()));
    assert!(ask.subjects.is_empty());
    assert_eq!(emu.counters().requests_to(paths::SOTER_VERIFY_ASK), 1);
    // AuthKey, checked against the ASK's device.
    let (ak_json, ak_sig) = device.signed_auth_key(ask_key).unwrap();
    let auth_key = verify_auth_key(&ask, &ak_json, ak_sig.as_bytes()).unwrap();
    // A result.
    let (json, sig) = device.sign_result("c-123", 20).unwrap();
    let mut expect = Expectations::new("c-123");
    expect.cpu_id = Some(auth_key.cpu_id.clone());
    expect.uid = Some(auth_key.uid.clone());
    assert_eq!(authenticate(&auth_key.public_key, &json, sig.as_bytes(), &expect).unwrap().counter, device.next_counter() - 1);
}

#[test]
fn forged_and_wrong_attk_are_invalid() {
    let (_emu, client, attk) = setup();
    let device = Device::new().unwrap();
    let ask_key = common::keypair(2048);
    let (ask_json, ask_sig) = device.classic_ask(ask_key, attk).unwrap();
    let text = String::from_utf8(ask_json).unwrap();
    // Forged: the JSON changed after signing (another uid).
    let forged = text.replace(&format!("\"uid\":\"{}\"", device.uid), "\"uid\":\"99999\"");
    assert_ne!(forged, text);
    let e = client.soter_verify_ask(&forged, &ask_sig).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureInvalid, "{e:?}");
    // Signed by an ATTK the emulator does not know.
    let (_, wrong_sig) = device.classic_ask(ask_key, common::keypair(4096)).unwrap();
    assert_eq!(client.soter_verify_ask(&text, &wrong_sig).unwrap_err().kind(), ErrorKind::SignatureInvalid);
    // Broken uploads fail before any request.
    assert_eq!(client.soter_verify_ask("{}", &ask_sig).unwrap_err().kind(), ErrorKind::InvalidJson);
    assert_eq!(client.soter_verify_ask("", &ask_sig).unwrap_err().kind(), ErrorKind::InvalidInput);
    let no_key = text.replace("BEGIN PUBLIC KEY", "BEGIN GARBAGE").replace("MII", "!!!");
    assert_eq!(client.soter_verify_ask(&no_key, &ask_sig).unwrap_err().kind(), ErrorKind::InvalidKey);
}

#[test]
fn errcode_paths() {
    let (emu, client, attk) = setup();
    let device = Device::new().unwrap();
    let (ask_json, ask_sig) = device.classic_ask(common::keypair(2048), attk).unwrap();
    let text = String::from_utf8(ask_json).unwrap();
    emu.inject_fault(Fault::forever(FaultKind::SystemBusy).on(paths::SOTER_VERIFY_ASK));
    let e = client.soter_verify_ask(&text, &ask_sig).unwrap_err();
    assert_eq!((e.kind(), e.errcode()), (ErrorKind::WeChatApi, Some(-1)));
    emu.clear_faults();
    // A token error is refreshed once and retried.
    emu.inject_fault(Fault::new(FaultKind::InvalidToken, 1).on(paths::SOTER_VERIFY_ASK));
    assert!(client.soter_verify_ask(&text, &ask_sig).is_ok());
    emu.inject_fault(Fault::new(FaultKind::MalformedBody, 1).on(paths::SOTER_IS_SUPPORT));
    assert_eq!(client.soter_is_support("HUAWEI-X").unwrap_err().kind(), ErrorKind::MalformedResponse);
    emu.inject_fault(Fault::forever(FaultKind::ExpiredToken).on(paths::SOTER_IS_SUPPORT));
    let e = client.soter_is_support("HUAWEI-X").unwrap_err();
    assert_eq!(e.errcode(), Some(42001), "{e:?}");
}

#[test]
fn is_support_answers_from_the_model_list() {
    let (emu, client, _) = setup();
    emu.register_model("HUAWEI-ELS-AN00", 3).unwrap();
    emu.register_model("vivo-fp", 1).unwrap();
    assert_eq!(client.soter_is_support("HUAWEI-ELS-AN00").unwrap(), (true, 3));
    assert_eq!(client.soter_is_support("vivo-fp").unwrap(), (true, 1));
    assert_eq!(client.soter_is_support("unknown").unwrap(), (false, 0));
    assert_eq!(client.soter_is_support("").unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.register_model("x", 4).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.register_attk(b"not a key").unwrap_err().kind(), ErrorKind::InvalidKey);
}

#[test]
fn admin_http_registers_attk_and_models() {
    use std::io::{Read, Write};
    let (emu, client, _) = setup();
    let attk = common::keypair(4096);
    let post = |path: &str, body: String| {
        let mut s = std::net::TcpStream::connect(emu.local_addr()).unwrap();
        write!(s, "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let r = post("/__admin/attk", serde_json::json!({ "public_key": attk.public_key().to_pem() }).to_string());
    assert!(r.starts_with("HTTP/1.1 200") && r.contains("\"ok\":true"), "{r}");
    let r = post("/__admin/models", r#"{"model_key":"m1","support_type":2}"#.into());
    assert!(r.contains("\"ok\":true"), "{r}");
    let r = post("/__admin/models", r#"{"model_key":"m1","support_type":9}"#.into());
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    assert_eq!(client.soter_is_support("m1").unwrap(), (true, 2));
    let device = Device::new().unwrap();
    let (j, s) = device.classic_ask(common::keypair(2048), attk).unwrap();
    assert!(client.soter_verify_ask(std::str::from_utf8(&j).unwrap(), &s).is_ok());
}
