//! The admin API over HTTP (`/__admin/`): registrations, faults, tokens and counters, behind
//! the loopback-Host and JSON Content-Type checks that keep a web page from driving it.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::key::PublicKey;

use super::config::{Counters, Fault, FaultKind, Person};
use super::http::{Request, Response};
use super::state::{Inner, MAX_ADDED_TOKEN_LIFETIME};
use crate::wechat::host::is_loopback_host_header;

/// Path prefix of the admin API.
pub const ADMIN_PREFIX: &str = "/__admin/";

/// Why an admin request is refused, if it is: a Host that is not loopback (DNS rebinding), or a
/// POST without `Content-Type: application/json` (a web page's no-cors request). Applies to
/// every admin route, present and future, in front of their dispatch.
pub(super) fn admin_refusal(req: &Request) -> Option<Response> {
    if !req.host.as_deref().is_some_and(is_loopback_host_header) {
        return Some(Response::Json(403, json!({"ok": false, "error": "admin requests must name a loopback Host"}).to_string()));
    }
    let json_body = req.content_type.as_deref().is_some_and(|t| {
        t.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json")
    });
    if req.method != "GET" && !json_body {
        return Some(Response::Json(
            415,
            json!({"ok": false, "error": "admin requests must send Content-Type: application/json"}).to_string(),
        ));
    }
    None
}

pub(super) fn handle_admin(inner: &Inner, what: &str, req: &Request) -> Response {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(_) => return Response::Json(400, json!({"ok": false, "error": "body is not JSON"}).to_string()),
        }
    };
    let done = |r: Result<Value>| match r {
        Ok(mut v) => {
            if let Value::Object(o) = &mut v {
                o.insert("ok".into(), json!(true));
            }
            Response::Json(200, v.to_string())
        }
        Err(e) => Response::Json(400, json!({"ok": false, "error": e.message()}).to_string()),
    };
    let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    // The handle to reuse the Rust methods.
    let emu = AdminView(inner);
    match (req.method.as_str(), what) {
        ("GET", "counters") => done(Ok(emu.0.lock().counters.to_json())),
        ("POST", "counters/reset") => {
            emu.0.lock().counters = Counters::default();
            done(Ok(json!({})))
        }
        ("POST", "reusable_tickets") => match body.get("enabled").and_then(Value::as_bool) {
            Some(on) => {
                emu.0.reusable_tickets.store(on, Ordering::SeqCst);
                done(Ok(json!({})))
            }
            None => done(Err(Error::input("enabled must be true or false"))),
        },
        ("POST", "devices") => done(
            PublicKey::load(s("public_key").as_bytes()).and_then(|k| emu.0.register_device(s("openid"), k)).map(|_| json!({})),
        ),
        ("POST", "people") => {
            let mut p = Person::new(s("openid"), s("name"), s("id_number"));
            if let Some(t) = body.get("cert_type").and_then(Value::as_str) {
                p.cert_type = t.to_owned();
            }
            if let Some(r) = body.get("identify_ret").and_then(Value::as_i64) {
                p.identify_ret = r;
            }
            if let Some(r) = body.get("verify_ret").and_then(Value::as_i64) {
                p.verify_ret = r;
            }
            done(emu.0.register_person(p).map(|_| json!({})))
        }
        ("POST", "verify_results") => done(emu.0.issue_verify_result(&s("openid")).map(|t| json!({ "verify_result": t }))),
        ("POST", "faults") => {
            let delay = body.get("delay_ms").and_then(Value::as_u64).unwrap_or(0);
            let kind = match FaultKind::parse(&s("kind"), delay) {
                Ok(k) => k,
                Err(e) => return done(Err(e)),
            };
            let count = match body.get("count").and_then(Value::as_i64) {
                None => Some(1),
                Some(n) if n < 0 => None,
                Some(n) => Some(n as u64),
            };
            let path = body.get("path").and_then(Value::as_str).map(str::to_owned);
            done(emu.0.push_fault(Fault { kind, count, path }).map(|_| json!({})))
        }
        ("POST", "faults/clear") => {
            emu.0.lock().faults.clear();
            done(Ok(json!({})))
        }
        ("POST", "tokens") => {
            let t = s("access_token");
            if t.is_empty() {
                return done(Err(Error::input("access_token is empty")));
            }
            let secs = body.get("expires_in").and_then(Value::as_u64).unwrap_or(7200);
            let expires_at = Instant::now().checked_add(Duration::from_secs(secs)).unwrap_or_else(|| Instant::now() + MAX_ADDED_TOKEN_LIFETIME);
            let mut st = emu.0.lock();
            emu.0.store_token(&mut st, t, expires_at);
            done(Ok(json!({})))
        }
        ("POST", "attk") => done(emu.0.register_attk(s("public_key").as_bytes()).map(|_| json!({}))),
        ("POST", "models") => {
            let support_type = body.get("support_type").and_then(Value::as_u64).unwrap_or(u64::MAX);
            let support_type = u32::try_from(support_type).unwrap_or(u32::MAX);
            done(emu.0.register_model(&s("model_key"), support_type).map(|_| json!({})))
        }
        ("POST", "tokens/expire") => {
            let now = Instant::now();
            for v in emu.0.lock().tokens.values_mut() {
                *v = now;
            }
            done(Ok(json!({})))
        }
        _ => Response::Json(404, json!({"ok": false, "error": "unknown admin endpoint"}).to_string()),
    }
}

struct AdminView<'a>(&'a Inner);
