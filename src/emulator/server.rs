//! The server: the accept loop (connection cap, one thread per connection), reading requests
//! under the idle and request deadlines, and routing each to the admin API or a WeChat endpoint
//! (faults first, then the token check, API security, the endpoint).

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::wechat::paths;

use super::admin::{admin_refusal, handle_admin, ADMIN_PREFIX};
use super::config::FaultKind;
use super::endpoints::{check_token, classic_token, err, getinfo, getverifyid, is_support, post_body, queryverifyinfo, stable_token, verify_ask, verify_signature};
use super::http::{read_request, write_response, DeadlineStream, Request, Response};
use super::state::{unix_now, Inner, Security};

pub(super) fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    for stream in listener.incoming() {
        if inner.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        // The cap: a connection beyond it gets a short 503 and is closed, with no thread.
        if inner.active.load(Ordering::SeqCst) >= inner.config.max_connections {
            inner.lock().counters.connections_refused += 1;
            let mut stream = stream;
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = write_response(&mut stream, 503, "text/plain", b"too many connections", true, "");
            continue;
        }
        inner.lock().counters.connections += 1;
        let id = inner.next_conn.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            inner.conns.lock().unwrap_or_else(|p| p.into_inner()).insert(id, clone);
        }
        inner.active.fetch_add(1, Ordering::SeqCst);
        let inner2 = inner.clone();
        let spawned = std::thread::Builder::new().name("soter-emulator-conn".into()).spawn(move || {
            // Released on every way out of the thread, panics included.
            let _slot = ConnSlot { inner: &inner2, id };
            serve_connection(&inner2, stream);
        });
        if spawned.is_err() {
            inner.conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            inner.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A connection's place under the cap and in the list `stop` closes.
struct ConnSlot<'a> {
    inner: &'a Inner,
    id: u64,
}

impl Drop for ConnSlot<'_> {
    fn drop(&mut self) {
        self.inner.conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
        self.inner.active.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(inner: &Inner, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    // A peer that never reads its responses cannot hold the thread either.
    let _ = writer.set_write_timeout(Some(inner.config.request_timeout));
    let mut reader = BufReader::new(DeadlineStream::new(stream));
    loop {
        // Idle between requests for at most idle_timeout; then the whole request within
        // request_timeout of its first byte.
        reader.get_mut().expire_in(inner.config.idle_timeout);
        match std::io::BufRead::fill_buf(&mut reader) {
            Ok([]) | Err(_) => return,
            Ok(_) => {}
        }
        reader.get_mut().expire_in(inner.config.request_timeout);
        let req = match read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) => {
                let (code, msg): (u16, &[u8]) = match e.kind() {
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => (408, b"request timeout"),
                    _ => (400, b"bad request"),
                };
                let _ = write_response(&mut writer, code, "text/plain", msg, true, "");
                return;
            }
        };
        if inner.stopping.load(Ordering::SeqCst) {
            return;
        }
        let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(inner, &req)))
            .unwrap_or_else(|_| Response::Text(500, "emulator panic".into()));
        let extra = if inner.config.open_api { "x-openapi-seqid: emulated\r\n" } else { "" };
        let ok = match resp {
            Response::Drop => {
                let _ = writer.shutdown(std::net::Shutdown::Both);
                return;
            }
            Response::Json(code, body) => write_response(&mut writer, code, "application/json", body.as_bytes(), req.close, extra),
            Response::JsonWith(code, body, more) => {
                write_response(&mut writer, code, "application/json", body.as_bytes(), req.close, &format!("{extra}{more}"))
            }
            Response::Text(code, body) => write_response(&mut writer, code, "text/plain", body.as_bytes(), req.close, extra),
        };
        if ok.is_err() || req.close {
            return;
        }
    }
}

const API_PATHS: [&str; 8] = [
    paths::SOTER_VERIFY_ASK,
    paths::SOTER_IS_SUPPORT,
    paths::TOKEN,
    paths::STABLE_TOKEN,
    paths::SOTER_VERIFY_SIGNATURE,
    paths::FACE_GETINFO,
    paths::FACE_GETVERIFYID,
    paths::FACE_QUERYVERIFYINFO,
];

fn handle(inner: &Inner, req: &Request) -> Response {
    if let Some(admin) = req.path.strip_prefix(ADMIN_PREFIX) {
        if let Some(refused) = admin_refusal(req) {
            return refused;
        }
        return handle_admin(inner, admin, req);
    }
    if !API_PATHS.contains(&req.path.as_str()) {
        return Response::Text(404, "not found".into());
    }
    // Count, then apply a fault if one matches.
    let fault = {
        let mut st = inner.lock();
        *st.counters.requests.entry(req.path.clone()).or_insert(0) += 1;
        let idx = st.faults.iter().position(|f| f.path.as_deref().map_or(true, |p| p == req.path));
        let fault = idx.map(|i| {
            let f = st.faults[i].clone();
            if let Some(n) = f.count {
                if n <= 1 {
                    st.faults.remove(i);
                } else {
                    st.faults[i].count = Some(n - 1);
                }
            }
            f.kind
        });
        if fault.is_some() {
            st.counters.faults_applied += 1;
        }
        fault
    };
    match fault {
        Some(FaultKind::SystemBusy) => return err(-1, "system error"),
        Some(FaultKind::InvalidToken) => return err(40001, "invalid credential, access_token is invalid or not latest"),
        Some(FaultKind::ExpiredToken) => return err(42001, "access_token expired"),
        Some(FaultKind::Http500) => return Response::Text(500, "internal server error".into()),
        Some(FaultKind::MalformedBody) => return Response::Json(200, "{\"errcode\":0,\"errmsg\":\"o".into()),
        Some(FaultKind::DropConnection) => return Response::Drop,
        Some(FaultKind::Delay(d)) => std::thread::sleep(d),
        None => {}
    }
    match req.path.as_str() {
        paths::TOKEN => classic_token(inner, req),
        paths::STABLE_TOKEN => stable_token(inner, req),
        p => {
            if req.method != "POST" {
                return err(43002, "require POST method");
            }
            if let Some(e) = check_token(inner, req) {
                return e;
            }
            if let Some(sec) = inner.security.as_ref().filter(|s| s.sec.seals(p)) {
                return sealed_call(inner, sec, req);
            }
            let body = match post_body(req) {
                Ok(b) => b,
                Err(e) => return e,
            };
            dispatch(inner, p, &body)
        }
    }
}

/// A call on a sealed path: opened as WeChat does (a fault answers its 40230–40240 errcode,
/// unsigned), served, and the answer sealed when it succeeded (errors go back plain, as WeChat's
/// do).
fn sealed_call(inner: &Inner, sec: &Security, req: &Request) -> Response {
    let url = format!("http://{}{}", req.host.as_deref().unwrap_or(""), req.path);
    let plain = match sec.sec.open_request(&sec.app_public, &url, &req.body, &req.wechatmp, unix_now() as i64) {
        Ok(p) => p,
        Err(code) => return err(code, crate::wechat::api_security_errcode_meaning(code).unwrap_or("api security")),
    };
    let body = match serde_json::from_str::<Value>(&plain) {
        Ok(v) => v,
        Err(_) => return err(40237, "decrypted data is not JSON"),
    };
    match dispatch(inner, &req.path, &body) {
        Response::Json(200, answer) if serde_json::from_str::<Value>(&answer).ok().and_then(|v| v.get("errcode").and_then(Value::as_i64)) == Some(0) => {
            match sec.sec.seal_response(sec.platform.private_key(), &sec.platform_sn, &url, &answer, unix_now() as i64) {
                Ok(sealed) => {
                    let headers: String = sealed.headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
                    Response::JsonWith(200, sealed.body, headers)
                }
                Err(_) => Response::Text(500, "cannot seal the answer".into()),
            }
        }
        other => other,
    }
}

fn dispatch(inner: &Inner, p: &str, body: &Value) -> Response {
    {
        {
            match p {
                paths::SOTER_VERIFY_SIGNATURE => verify_signature(inner, body),
                paths::FACE_GETINFO => getinfo(inner, body),
                paths::FACE_GETVERIFYID => getverifyid(inner, body),
                paths::SOTER_VERIFY_ASK => verify_ask(inner, body),
                paths::SOTER_IS_SUPPORT => is_support(inner, body),
                _ => queryverifyinfo(inner, body),
            }
        }
    }
}
