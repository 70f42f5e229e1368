//! The emulator answers as WeChat documents for the endpoints it serves, as any SDK sees it over
//! plain HTTP: errcodes for wrong methods, empty bodies, missing or wrong credentials and tokens,
//! and the 30 s interval between forced stable_token refreshes.

use soter_verify::emulator::{Emulator, EmulatorConfig};
use soter_verify::wechat::paths;

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "codes-secret-9f8e7d";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// HTTP status and the parsed JSON body.
fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, serde_json::Value) {
    let mut r = r.expect("the emulator answers");
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_vec().unwrap();
    (status, serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&body))))
}

fn errcode(v: &serde_json::Value) -> i64 {
    v["errcode"].as_i64().unwrap_or(0)
}

fn stable(base: &str, body: &str) -> (u16, serde_json::Value) {
    answer(agent().post(format!("{base}{}", paths::STABLE_TOKEN)).header("content-type", "application/json").send(body))
}

#[test]
fn token_endpoints_answer_the_documented_codes() {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    let base = emu.base_url();
    let classic = |q: &str| answer(agent().get(format!("{base}{}?{q}", paths::TOKEN)).call());
    for (query, code, msg) in [
        ("grant_type=client_credential&secret=x", 41002, "appid missing"),
        ("grant_type=client_credential&appid=&secret=x", 41002, "appid missing"),
        (&*format!("appid={APPID}&secret={SECRET}"), 40002, "invalid grant_type"),
        (&*format!("grant_type=password&appid={APPID}&secret={SECRET}"), 40002, "invalid grant_type"),
        (&*format!("grant_type=client_credential&appid={APPID}"), 41004, "appsecret missing"),
        (&*format!("grant_type=client_credential&appid=wxother&secret={SECRET}"), 40013, "invalid appid"),
        (&*format!("grant_type=client_credential&appid={APPID}&secret=wrong"), 40125, "invalid appsecret"),
    ] {
        let (status, v) = classic(query);
        assert_eq!((status, errcode(&v), v["errmsg"].as_str()), (200, code, Some(msg)), "{query}: {v}");
    }
    let (_, v) = classic(&format!("grant_type=client_credential&appid={APPID}&secret={SECRET}"));
    assert!(v["access_token"].is_string() && v["expires_in"] == 7200, "{v}");

    // stable_token: POST only, with a JSON body.
    let (status, v) = answer(agent().get(format!("{base}{}", paths::STABLE_TOKEN)).call());
    assert_eq!((status, errcode(&v), v["errmsg"].as_str()), (200, 43002, Some("require POST method")), "{v}");
    assert_eq!(errcode(&stable(&base, "").1), 44002);
    assert_eq!(stable(&base, " \r\n").1["errmsg"], "empty post data");
    assert_eq!(errcode(&stable(&base, "grant_type=client_credential").1), 47001);
    assert_eq!(errcode(&stable(&base, "[1]").1), 47001);
    for (body, code) in [
        (serde_json::json!({"grant_type": "client_credential", "secret": SECRET}), 41002),
        (serde_json::json!({"appid": APPID, "secret": SECRET}), 40002),
        (serde_json::json!({"grant_type": "client_credential", "appid": APPID}), 41004),
        (serde_json::json!({"grant_type": "client_credential", "appid": "wxother", "secret": SECRET}), 40013),
        (serde_json::json!({"grant_type": "client_credential", "appid": APPID, "secret": "wrong"}), 40125),
    ] {
        assert_eq!(errcode(&stable(&base, &body.to_string()).1), code, "{body}");
    }
}

#[test]
fn forced_stable_refreshes_within_30_s_do_not_refresh() {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    let base = emu.base_url();
    let body = |force: bool| serde_json::json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": force}).to_string();
    let token = |force: bool| stable(&base, &body(force)).1["access_token"].as_str().unwrap().to_owned();
    let first = token(false);
    assert_eq!(token(false), first, "normal mode: the same token while it is valid");
    let forced = token(true);
    assert_ne!(forced, first, "the first forced refresh issues a new token");
    assert_eq!(emu.counters().token_issues, 2);
    // Milliseconds later, forced again: no refresh, the current token, still valid.
    assert_eq!(token(true), forced);
    assert_eq!(token(true), forced);
    assert_eq!(emu.counters().token_issues, 2);
    let (_, v) = answer(
        agent()
            .post(format!("{base}{}?access_token={forced}", paths::SOTER_IS_SUPPORT))
            .header("content-type", "application/json")
            .send(r#"{"model_key":"m"}"#),
    );
    assert_eq!(errcode(&v), 0, "{v}");
    // The refreshed-away token is invalid, as after a real forced refresh.
    let (_, v) = answer(agent().post(format!("{base}{}?access_token={first}", paths::SOTER_IS_SUPPORT)).send(r#"{"model_key":"m"}"#));
    assert_eq!(errcode(&v), 40001, "{v}");
}

#[test]
fn api_endpoints_answer_the_documented_codes() {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    let base = emu.base_url();
    emu.add_token("CODES-TOKEN-0123456789", std::time::Duration::from_secs(600));
    emu.add_token("CODES-OLD-TOKEN-012345", std::time::Duration::from_secs(600));
    let post = |path: &str, token: Option<&str>, body: &str| {
        let q = token.map(|t| format!("?access_token={t}")).unwrap_or_default();
        answer(agent().post(format!("{base}{path}{q}")).header("content-type", "application/json").send(body))
    };
    for path in [paths::SOTER_VERIFY_SIGNATURE, paths::FACE_GETINFO, paths::FACE_GETVERIFYID, paths::FACE_QUERYVERIFYINFO, paths::SOTER_VERIFY_ASK, paths::SOTER_IS_SUPPORT] {
        let (status, v) = answer(agent().get(format!("{base}{path}?access_token=CODES-TOKEN-0123456789")).call());
        assert_eq!((status, errcode(&v), v["errmsg"].as_str()), (200, 43002, Some("require POST method")), "{path}: {v}");
        let (_, v) = post(path, Some("CODES-TOKEN-0123456789"), "");
        assert_eq!((errcode(&v), v["errmsg"].as_str()), (44002, Some("empty post data")), "{path}: {v}");
        assert_eq!(errcode(&post(path, Some("CODES-TOKEN-0123456789"), "{").1), 47001, "{path}");
        assert_eq!(errcode(&post(path, None, "{}").1), 41001, "{path}");
        assert_eq!(errcode(&post(path, Some("NOT-A-TOKEN-ISSUED-HERE"), "{}").1), 40001, "{path}");
    }
    emu.expire_tokens();
    assert_eq!(errcode(&post(paths::SOTER_IS_SUPPORT, Some("CODES-OLD-TOKEN-012345"), "{}").1), 42001);
}
