//! WeChat's published API security example (tests/vectors/wechat-api-security) and a round trip.

use soter_verify::wechat::ApiSecurity;
use soter_verify::{ErrorKind, PublicKey, SaltLen};

fn vector() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/wechat-api-security/getuserriskrank.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

fn sec(v: &serde_json::Value) -> ApiSecurity {
    ApiSecurity::new(s(v, "appid"), s(v, "sym_key_base64"), s(v, "sym_sn"), s(v, "app_private_key_pem"), s(v, "app_key_sn"))
        .unwrap()
        .platform_cert(s(v, "platform_cert_sn"), s(v, "platform_cert_pem"))
        .unwrap()
}

fn response_headers(v: &serde_json::Value) -> Vec<(String, String)> {
    v["response"]["headers"].as_object().unwrap().iter().map(|(k, x)| (k.clone(), x.as_str().unwrap().to_owned())).collect()
}

#[test]
fn seal_reproduces_the_published_body() {
    let v = vector();
    let req = &v["request"];
    let iv: [u8; 12] = soter_verify::base64::decode(s(req, "iv_base64").as_bytes()).unwrap().try_into().unwrap();
    // serde_json (no preserve_order) would sort the keys: the documented order as text, with
    // a space that sealing must compact away.
    let params = r#"{"appid":"wxba6223c06417af7b", "openid":"oEWzBfmdLqhFS2mTXCo2E4Y9gJAM","scene":0,"client_ip":"127.0.0.1"}"#;
    let sealed = sec(&v).seal(s(&v, "url"), params, req["timestamp"].as_i64(), Some(s(req, "nonce")), Some(iv)).unwrap();
    assert_eq!(sealed.body, s(req, "body"));
    let h = |n: &str| sealed.headers.iter().find(|x| x.0 == n).unwrap().1.clone();
    assert_eq!(h("Wechatmp-Appid"), "wxba6223c06417af7b");
    assert_eq!(h("Wechatmp-TimeStamp"), "1635927954");
    assert_eq!(h("Wechatmp-Serial"), s(&v, "app_key_sn"));
    // Our own signature (PSS is randomized) verifies with the key's public half, like WeChat's.
    let public = public_half(&v);
    // The vector's app_public_key.pem (for the C test, which cannot derive it) is that half.
    let file = PublicKey::load(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/wechat-api-security/app_public_key.pem")).unwrap()).unwrap();
    assert_eq!(file.modulus(), public.modulus());
    let signed = format!("{}\n{}\n{}\n{}", s(&v, "url"), s(&v, "appid"), 1635927954, sealed.body);
    public.verify(signed.as_bytes(), h("Wechatmp-Signature").as_bytes(), SaltLen::Exact(32)).unwrap();
    public.verify(signed.as_bytes(), s(req, "signature_base64").as_bytes(), SaltLen::Exact(32)).unwrap();
    // The access token stays out of the plaintext; other query parameters go in.
    let with_query = format!("{}?access_token=T&lang=zh%5FCN", s(&v, "url"));
    let q = sec(&v).seal(&with_query, params, req["timestamp"].as_i64(), Some(s(req, "nonce")), Some(iv)).unwrap();
    assert_ne!(q.body, sealed.body);
}

fn public_half(v: &serde_json::Value) -> PublicKey {
    use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(s(v, "app_private_key_pem")).unwrap();
    PublicKey::load(key.to_public_key().to_pkcs1_der().unwrap().as_bytes()).unwrap()
}

#[test]
fn open_gives_the_documented_json() {
    let v = vector();
    let resp = &v["response"];
    let out = sec(&v).open(s(&v, "url"), s(resp, "body").as_bytes(), &response_headers(&v), Some(1635927960)).unwrap();
    assert_eq!(out, r#"{"errcode":0,"errmsg":"getuserriskrank succ","risk_rank":0,"unoin_id":2258658297}"#);
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed, resp["result_after_stripping"]);
}

#[test]
fn open_refuses_each_fault_with_its_error() {
    let v = vector();
    let resp = &v["response"];
    let url = s(&v, "url");
    let body = s(resp, "body");
    let headers = response_headers(&v);
    let now = Some(1635927960);
    // Tampered body: the signature covers it.
    let tampered = body.replace("\"iv\":\"r", "\"iv\":\"R");
    let e = sec(&v).open(url, tampered.as_bytes(), &headers, now).unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::SignatureInvalid, "API security: the response signature does not verify"));
    // Stale: 301 s after the response's timestamp.
    let e = sec(&v).open(url, body.as_bytes(), &headers, Some(1635927956 + 301)).unwrap_err();
    assert_eq!(e.message(), "API security: the response timestamp is more than 300 s from now");
    assert!(sec(&v).open(url, body.as_bytes(), &headers, Some(1635927956 + 300)).is_ok());
    // A timestamp header at the end of the range is refused, not an overflow (the signature
    // covers it, so it fails there first).
    let mut h = headers.clone();
    h.iter_mut().find(|x| x.0 == "Wechatmp-TimeStamp").unwrap().1 = i64::MIN.to_string();
    assert_eq!(sec(&v).open(url, body.as_bytes(), &h, Some(i64::MAX)).unwrap_err().kind(), ErrorKind::SignatureInvalid);
    // Unknown serial.
    let mut h = headers.clone();
    h.iter_mut().find(|x| x.0 == "Wechatmp-Serial").unwrap().1 = "00000000000000000000000000000000".into();
    let e = sec(&v).open(url, body.as_bytes(), &h, now).unwrap_err();
    assert_eq!(e.message(), "API security: unknown platform certificate serial");
    // Another URL.
    let e = sec(&v).open("https://api.weixin.qq.com/wxa/other", body.as_bytes(), &headers, now).unwrap_err();
    assert_eq!(e.message(), "API security: the response signature does not verify");
    // Another appid in the header.
    let mut h = headers.clone();
    h.iter_mut().find(|x| x.0 == "Wechatmp-Appid").unwrap().1 = "wx0000000000000000".into();
    let e = sec(&v).open(url, body.as_bytes(), &h, now).unwrap_err();
    assert_eq!(e.message(), "API security: the response's Wechatmp-Appid is not ours");
    // Plain errcode answer: reported with its meaning.
    let e = sec(&v).open(url, br#"{"errcode":40234,"errmsg":"invalid signature"}"#, &[], now).unwrap_err();
    assert_eq!((e.kind(), e.errcode()), (ErrorKind::WeChatApi, Some(40234)));
    assert!(e.message().contains("lacks the Wechatmp-Signature"), "{}", e.message());
    // Deprecated pair during a rotation is accepted.
    let h: Vec<_> = headers.iter().map(|(k, x)| (k.replace("Signature", "Signature-Deprecated").replace("Serial", "Serial-Deprecated"), x.clone())).collect();
    assert!(sec(&v).open(url, body.as_bytes(), &h, now).is_ok());
}

#[test]
fn secrets_stay_out_of_debug() {
    let v = vector();
    let d = format!("{:?}", sec(&v));
    assert!(!d.contains(s(&v, "sym_key_base64")) && !d.contains("MIIE") && d.contains("<redacted>"), "{d}");
    let e = ApiSecurity::new("wx", "c2hvcnQ=", "sn", "not a key", "sn").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

mod end_to_end {
    use std::time::Duration;

    use soter_verify::emulator::{Emulator, EmulatorConfig};
    use soter_verify::testing::Device;
    use soter_verify::wechat::{paths, WeChatClient};
    use soter_verify::ErrorKind;

    const APPID: &str = "wx0123456789abcdef";

    #[test]
    fn sealed_calls_on_the_emulator() {
        let mut cfg = EmulatorConfig::new(APPID, "secret");
        cfg.api_security = true;
        let emu = Emulator::start(cfg).unwrap();
        let dev = Device::new().unwrap();
        emu.register_device("o1", dev.public_key_pem().as_bytes()).unwrap();
        let sec = emu.api_security().expect("the emulator's setting");
        assert!(sec.seals(paths::SOTER_VERIFY_SIGNATURE));
        let builder = || WeChatClient::builder(APPID, "secret").base_url(emu.base_url()).timeout(Duration::from_secs(5));

        let c = builder().api_security(sec.clone()).build().unwrap();
        let (json, sig) = dev.sign_result(&soter_verify::new_challenge().unwrap(), 20).unwrap();
        let json = String::from_utf8(json).unwrap();
        assert!(c.soter_verify_signature("o1", &json, &sig).unwrap());
        assert!(!c.soter_verify_signature("o1", &json.replace("\"counter\"", "\"counter\" "), &sig).unwrap());

        // Unsealed: WeChat's 40230 with its meaning, not a pass.
        let plain = builder().build().unwrap();
        let e = plain.soter_verify_signature("o1", &json, &sig).unwrap_err();
        assert_eq!((e.kind(), e.errcode()), (ErrorKind::WeChatApi, Some(40230)));

        // Another app's setting for the same appid: the emulator cannot verify the request.
        let v = super::vector();
        let other = ApiSecurityFor::other(&v);
        let e = builder().api_security(other).build().unwrap().soter_verify_signature("o1", &json, &sig).unwrap_err();
        assert_eq!(e.errcode(), Some(40240), "{e:?}");
        // The setting must be for the client's appid.
        let e = WeChatClient::builder("wx_other", "s").api_security(sec).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    struct ApiSecurityFor;
    impl ApiSecurityFor {
        /// The published example's keys under our appid.
        fn other(v: &serde_json::Value) -> soter_verify::wechat::ApiSecurity {
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            soter_verify::wechat::ApiSecurity::new(APPID, &s("sym_key_base64"), &s("sym_sn"), &s("app_private_key_pem"), &s("app_key_sn"))
                .unwrap()
                .seal_path(paths::SOTER_VERIFY_SIGNATURE)
                .unwrap()
        }
    }

    /// The emulator answers a faulty sealed request with WeChat's errcode for it.
    #[test]
    fn emulator_refuses_faulty_sealed_requests() {
        let mut cfg = EmulatorConfig::new(APPID, "secret");
        cfg.api_security = true;
        let emu = Emulator::start(cfg).unwrap();
        let sec = emu.api_security().unwrap();
        emu.add_token("T", Duration::from_secs(60));
        let url = format!("{}{}", emu.base_url(), paths::SOTER_IS_SUPPORT);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let send = |body: &str, headers: &[(String, String)]| -> i64 {
            let mut req = ureq::post(&format!("{url}?access_token=T")).header("content-type", "application/json");
            for (k, v) in headers {
                req = req.header(k.as_str(), v.as_str());
            }
            let text = req.send(body).unwrap().body_mut().read_to_string().unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["errcode"].as_i64().unwrap_or(0)
        };
        let params = r#"{"model_key":"m","support_type":1}"#;
        let good = sec.seal(&url, params, None, None, None).unwrap();
        let with = |name: &str, value: &str| -> Vec<(String, String)> {
            good.headers.iter().map(|(k, v)| (k.clone(), if k == name { value.to_owned() } else { v.clone() })).collect()
        };
        let without = |name: &str| -> Vec<(String, String)> { good.headers.iter().filter(|h| h.0 != name).cloned().collect() };
        assert_eq!(send(&good.body, &without("Wechatmp-Appid")), 40230);
        assert_eq!(send(&good.body, &with("Wechatmp-Appid", "wx_other")), 40231);
        assert_eq!(send(&good.body, &without("Wechatmp-TimeStamp")), 40232);
        let stale = sec.seal(&url, params, Some(now - 400), None, None).unwrap();
        assert_eq!(send(&stale.body, &stale.headers), 40233);
        assert_eq!(send(&good.body, &without("Wechatmp-Signature")), 40234);
        assert_eq!(send(&good.body.replace("\"iv\":\"", "\"iv\":\"A"), &good.headers), 40235);
        assert_eq!(send(&good.body, &with("Wechatmp-Serial", "0")), 40240);
        // The untouched request passes: its answer is sealed (no plain errcode at all).
        assert_eq!(send(&good.body, &good.headers), 0);
    }
}
