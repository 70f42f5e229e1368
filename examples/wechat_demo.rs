//! `make demo`, the WeChat part: the whole SOTER and face verification story against the
//! in-process WeChat emulator, printing each step.

use soter_verify::emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Person};
use soter_verify::testing::{Device, KeyPair};
use soter_verify::wechat::{paths, CertInfo, RetryPolicy, WeChatClient};
use soter_verify::{authenticate, new_challenge, verify_auth_key, Expectations};

fn step(s: &str) {
    println!("\n== {s}");
}

fn main() -> Result<(), soter_verify::Error> {
    let (appid, secret) = ("wxdemo0123456789", "demo-app-secret");

    step("W1. Start the WeChat emulator in process (loopback only)");
    let emu = Emulator::start(EmulatorConfig::new(appid, secret))?;
    println!("emulated api.weixin.qq.com at {}", emu.base_url());

    step("W2. A simulated phone: the device's ASK signs its AuthKey; the server checks the chain");
    let ask = KeyPair::generate(2048)?;
    let device = Device::new()?;
    let (ak_json, ak_sig) = device.signed_auth_key(&ask)?;
    let auth_key = verify_auth_key(ask.public_key(), &ak_json, ak_sig.as_bytes())?;
    println!("AuthKey verified with the ASK: cpu_id {}, uid {}, {} bits", auth_key.cpu_id, auth_key.uid, auth_key.public_key.bits());
    emu.register_device("o_demo_user", device.public_key_pem().as_bytes())?;
    println!("WeChat (emulated) holds the device key for openid o_demo_user");

    step("W3. The server issues a challenge; the device signs a resultJSON in its TEE");
    let challenge = new_challenge()?;
    let (json, sig) = device.sign_result(&challenge, 20)?;
    println!("challenge {challenge}");
    println!("resultJSON {}", String::from_utf8_lossy(&json));
    println!("signature  {}...", &sig[..32]);

    step("W4. Verified locally with the AuthKey (signature, challenge, device identity)");
    let mut expect = Expectations::new(challenge.clone());
    expect.cpu_id = Some(auth_key.cpu_id.clone());
    let result = authenticate(&auth_key.public_key, &json, sig.as_bytes(), &expect)?;
    println!("valid: counter {}, raw matches the challenge, cpu_id matches", result.counter);

    step("W5. Verified through the (emulated) WeChat API, as a mini-program backend must");
    let client = WeChatClient::builder(appid, secret)
        .base_url(emu.base_url())
        .retry(RetryPolicy { base_delay: std::time::Duration::from_millis(20), ..RetryPolicy::default() })
        .build()?;
    let json_text = String::from_utf8(json.clone()).expect("the simulator writes UTF-8");
    let ok = client.soter_verify_signature("o_demo_user", &json_text, &sig)?;
    println!("verify_signature: is_ok = {ok}");
    let tampered = json_text.replacen("\"counter\":", "\"counter\":9", 1);
    println!("the same result with a changed counter: is_ok = {}", client.soter_verify_signature("o_demo_user", &tampered, &sig)?);

    step("W6. WeChat is busy twice (errcode -1): the client backs off and retries");
    emu.inject_fault(Fault::new(FaultKind::SystemBusy, 2));
    let ok = client.soter_verify_signature("o_demo_user", &json_text, &sig)?;
    println!("is_ok = {ok} after {} retries", client.stats().retries);

    step("W7. The token is rejected once (40001): one refresh, one retry");
    emu.inject_fault(Fault::new(FaultKind::InvalidToken, 1));
    let ok = client.soter_verify_signature("o_demo_user", &json_text, &sig)?;
    let c = emu.counters();
    println!("is_ok = {ok}; stable_token requests so far: {}", c.requests_to(paths::STABLE_TOKEN));

    step("W8. Face verification (人脸核身): getverifyid, the user scans, queryverifyinfo");
    emu.register_person(Person::new("o_demo_user", "张三", "310101199801011234"))?;
    let cert = CertInfo::identity_card("张三", "310101199801011234");
    let vid = client.face_get_verify_id("demo-seq-1", &cert, "o_demo_user")?;
    println!("verify_id issued (expires in {} s); cert_hash {}", vid.expires_in.unwrap_or(-1), cert.hash());
    let info = client.face_query_verify_info(&vid.verify_id, "demo-seq-1", &cert, "o_demo_user")?;
    println!("verify_ret {} -> {} (passed: {})", info.verify_ret, info.outcome.name(), info.passed());

    step("W9. Legacy face getinfo, checked against the expected person");
    let ticket = emu.issue_verify_result("o_demo_user")?;
    let face = client.face_get_info(&ticket)?;
    println!("identify_ret {}, passed {}, belongs to the expected person: {}", face.identify_ret, face.passed(), face.passed_for("张三", "310101199801011234"));
    println!("for another person: {}", face.passed_for("李四", "310101199801011234"));

    let c = emu.counters();
    println!("\nemulator counters: {} requests, {} token issue(s), {} TCP connection(s), {} fault(s) applied",
        c.total_requests(), c.token_issues, c.connections, c.faults_applied);
    emu.stop();
    Ok(())
}
