//! The WeChat endpoints the emulator serves: the token endpoints, SOTER verify_signature,
//! verify_ask and is_support, and face getinfo, getverifyid and queryverifyinfo, with WeChat's
//! errcodes for what they refuse.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::pss::SaltLen;
use crate::wechat::{cert_hash, id_card_number_md5, name_utf8_md5};

use super::http::{Request, Response};
use super::state::{make_room, random_token, unix_now, Inner, Session, State, SESSION_LIFETIME};

/// verify_ret given by queryverifyinfo when the document does not match the registered person.
pub const VERIFY_RET_MISMATCH: i64 = 90011;

/// A forced stable_token refresh within this long of the previous forced one returns the current
/// token instead of a new one (WeChat's documented interval).
pub const STABLE_FORCE_INTERVAL: Duration = Duration::from_secs(30);

pub(super) fn err(code: i64, msg: &str) -> Response {
    Response::Json(200, json!({ "errcode": code, "errmsg": msg }).to_string())
}

fn ok(mut v: Value) -> Response {
    if let Value::Object(o) = &mut v {
        o.insert("errcode".into(), json!(0));
        o.insert("errmsg".into(), json!("ok"));
    }
    Response::Json(200, v.to_string())
}

pub(super) fn check_token(inner: &Inner, req: &Request) -> Option<Response> {
    let token = req.query("access_token").or_else(|| req.query("cloudbase_access_token"));
    let Some(token) = token else {
        if inner.config.open_api {
            return None;
        }
        return Some(err(41001, "access_token missing"));
    };
    match inner.lock().tokens.get(token) {
        None => Some(err(40001, "invalid credential, access_token is invalid or not latest")),
        Some(exp) if Instant::now() >= *exp => Some(err(42001, "access_token expired")),
        Some(_) => None,
    }
}

/// The JSON object body of a POST-only endpoint, or WeChat's answer when there is none: another
/// method 43002, an empty body 44002, a body that is not a JSON object 47001.
pub(super) fn post_body(req: &Request) -> std::result::Result<Value, Response> {
    if req.method != "POST" {
        return Err(err(43002, "require POST method"));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(err(44002, "empty post data"));
    }
    match serde_json::from_slice(&req.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(err(47001, "data format error")),
    }
}

/// The token endpoints' checks, in the order WeChat documents their codes: appid missing
/// (41002), grant_type (40002), secret missing (41004), unknown appid (40013), wrong secret
/// (40125). Empty values count as missing.
fn check_credentials(inner: &Inner, grant_type: Option<&str>, appid: Option<&str>, secret: Option<&str>) -> Option<Response> {
    let (appid, secret) = (appid.filter(|a| !a.is_empty()), secret.filter(|s| !s.is_empty()));
    let Some(appid) = appid else { return Some(err(41002, "appid missing")) };
    if grant_type != Some("client_credential") {
        return Some(err(40002, "invalid grant_type"));
    }
    let Some(secret) = secret else { return Some(err(41004, "appsecret missing")) };
    if appid != inner.config.appid {
        return Some(err(40013, "invalid appid"));
    }
    if !crate::constant_time_eq(secret.as_bytes(), inner.config.secret.expose().as_bytes()) {
        return Some(err(40125, "invalid appsecret"));
    }
    None
}

pub(super) fn issue(inner: &Inner, st: &mut State) -> String {
    let t = random_token(48);
    inner.store_token(st, t.clone(), Instant::now() + inner.config.token_lifetime);
    st.counters.token_issues += 1;
    t
}

pub(super) fn classic_token(inner: &Inner, req: &Request) -> Response {
    if let Some(e) = check_credentials(inner, req.query("grant_type"), req.query("appid"), req.query("secret")) {
        return e;
    }
    let mut st = inner.lock();
    let grace_end = Instant::now() + inner.config.classic_grace;
    for old in std::mem::take(&mut st.classic) {
        if let Some(exp) = st.tokens.get_mut(&old) {
            *exp = (*exp).min(grace_end);
        }
    }
    let t = issue(inner, &mut st);
    st.classic.push(t.clone());
    let lifetime = inner.config.token_lifetime.as_secs();
    Response::Json(200, json!({ "access_token": t, "expires_in": lifetime }).to_string())
}

pub(super) fn stable_token(inner: &Inner, req: &Request) -> Response {
    let body = match post_body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let s = |k: &str| body.get(k).and_then(Value::as_str);
    if let Some(e) = check_credentials(inner, s("grant_type"), s("appid"), s("secret")) {
        return e;
    }
    let force = body.get("force_refresh").and_then(Value::as_bool).unwrap_or(false);
    let mut st = inner.lock();
    let now = Instant::now();
    let life = inner.config.token_lifetime;
    // Reissue when little remains: 300 s of 7200, proportionally less for short test lifetimes.
    let reissue_margin = Duration::from_secs(300).min(life / 24);
    let current = st.stable.clone().and_then(|t| st.tokens.get(&t).map(|exp| (t, *exp)).filter(|(_, exp)| *exp > now));
    // A forced refresh within 30 s of the previous one does not refresh (WeChat documents the
    // interval): the current token comes back, and nothing is invalidated.
    let too_soon = st.last_forced.is_some_and(|t| now.saturating_duration_since(t) < STABLE_FORCE_INTERVAL);
    let force = force && !too_soon;
    let (token, exp) = match current {
        Some((t, exp)) if !force && exp > now + reissue_margin => (t, exp),
        other => {
            if force {
                st.last_forced = Some(now);
                if let Some((t, _)) = other {
                    st.tokens.remove(&t);
                }
            }
            let t = issue(inner, &mut st);
            st.stable = Some(t.clone());
            (t, now + life)
        }
    };
    let remaining = exp.saturating_duration_since(now).as_secs_f64().round().max(1.0) as u64;
    Response::Json(200, json!({ "access_token": token, "expires_in": remaining }).to_string())
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(super) fn verify_signature(inner: &Inner, body: &Value) -> Response {
    let (Some(openid), Some(json_string), Some(sig)) =
        (field(body, "openid"), field(body, "json_string"), field(body, "json_signature"))
    else {
        return err(47001, "data format error");
    };
    let key = inner.lock().devices.get(openid).cloned();
    let Some(key) = key else { return err(40003, "invalid openid") };
    let is_ok = key.verify(json_string.as_bytes(), sig.as_bytes(), SaltLen::Default).is_ok();
    ok(json!({ "is_ok": is_ok }))
}


pub(super) fn verify_ask(inner: &Inner, body: &Value) -> Response {
    let (Some(ask_json), Some(sig)) = (field(body, "ask_json"), field(body, "ask_json_signature")) else {
        return err(47001, "data format error");
    };
    if crate::attestation::Ask::from_classic_json(ask_json.as_bytes()).is_err() {
        return err(47001, "data format error: ask_json is not an ASK export");
    }
    let attk = inner.lock().attk.clone();
    let verified = attk.iter().any(|k| k.verify(ask_json.as_bytes(), sig.as_bytes(), SaltLen::Default).is_ok());
    ok(json!({ "is_verified": verified }))
}

pub(super) fn is_support(inner: &Inner, body: &Value) -> Response {
    let Some(model) = field(body, "model_key") else { return err(47001, "data format error") };
    let support_type = inner.lock().models.get(model).copied().unwrap_or(0);
    ok(json!({ "is_support": support_type != 0, "support_type": support_type }))
}


pub(super) fn getinfo(inner: &Inner, body: &Value) -> Response {
    let Some(vr) = field(body, "verify_result") else { return err(47001, "data format error") };
    let mut st = inner.lock();
    let st = &mut *st;
    let Some(ticket) = st.tickets.get_mut(vr) else { return err(84001, "invalid verify_result") };
    if Instant::now() >= ticket.expires_at {
        return err(84002, "verify_result expired");
    }
    if ticket.redeemed && !inner.reusable_tickets.load(Ordering::SeqCst) {
        return err(84001, "invalid verify_result");
    }
    let Some(p) = st.people.get(&ticket.openid) else { return err(84003, "user info not found") };
    ticket.redeemed = true;
    let now = unix_now();
    ok(json!({
        "identify_ret": p.identify_ret,
        "identify_time": ticket.identified_at,
        "validate_data": "8/9/1/1",
        "openid": p.openid,
        "user_id_key": format!("emulated_{}", p.openid),
        "finish_time": now,
        "id_card_number_md5": id_card_number_md5(&p.id_number),
        "name_utf8_md5": name_utf8_md5(&p.name),
    }))
}

pub(super) fn getverifyid(inner: &Inner, body: &Value) -> Response {
    let (Some(openid), Some(seq)) = (field(body, "openid"), field(body, "out_seq_no")) else {
        return err(47001, "data format error");
    };
    let cert = body.get("cert_info").unwrap_or(&Value::Null);
    let (Some(ct), Some(cn), Some(cno)) = (field(cert, "cert_type"), field(cert, "cert_name"), field(cert, "cert_no")) else {
        return err(47001, "data format error");
    };
    let verify_id = random_token(24);
    let session = Session {
        openid: openid.to_owned(),
        out_seq_no: seq.to_owned(),
        cert_hash: cert_hash(ct, cn, cno),
        expires_at: Instant::now() + SESSION_LIFETIME,
    };
    let mut st = inner.lock();
    make_room(&mut st.sessions, inner.config.max_entries, |s| s.expires_at);
    st.sessions.insert(verify_id.clone(), session);
    ok(json!({ "verify_id": verify_id, "expires_in": SESSION_LIFETIME.as_secs() }))
}

pub(super) fn queryverifyinfo(inner: &Inner, body: &Value) -> Response {
    let (Some(vid), Some(seq), Some(hash), Some(openid)) =
        (field(body, "verify_id"), field(body, "out_seq_no"), field(body, "cert_hash"), field(body, "openid"))
    else {
        return err(47001, "data format error");
    };
    let st = inner.lock();
    let Some(s) = st.sessions.get(vid) else { return err(40097, "invalid args: unknown verify_id") };
    if Instant::now() >= s.expires_at {
        return err(40097, "invalid args: verify_id expired");
    }
    if s.out_seq_no != seq || s.openid != openid {
        return err(40097, "invalid args: out_seq_no or openid differs from getverifyid");
    }
    if s.cert_hash != hash.to_ascii_lowercase() {
        return err(40097, "invalid args: cert_hash does not match the cert_info of getverifyid");
    }
    let verify_ret = match st.people.get(openid) {
        Some(p) if cert_hash(&p.cert_type, &p.name, &p.id_number) == s.cert_hash => p.verify_ret,
        Some(_) => VERIFY_RET_MISMATCH,
        None => 90018,
    };
    ok(json!({ "verify_ret": verify_ret }))
}
