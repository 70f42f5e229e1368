//! WeChat's server API security mode (服务端 API 安全鉴权): requests sealed with AES-256-GCM and
//! signed with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32); answers verified with the platform
//! certificate and opened. Only the AES256_GCM + RSAwithSHA256 suite: WeChat publishes no test
//! vector for SM4_GCM + SM2withSM3, so that suite is not offered.
//!
//! Request (`seal`): plaintext `{"_n":…,"_appid":…,"_timestamp":N,<the body's members in order>,
//! <query parameters except access_token, as strings>}` (compact), encrypted with AAD
//! `urlpath|appid|timestamp|sym_sn` (urlpath: scheme, host and path, no query); body
//! `{"iv":…,"data":…,"authtag":…}`; signature over `urlpath\nappid\ntimestamp\nbody` in
//! `Wechatmp-Signature`, with `Wechatmp-Appid`, `Wechatmp-TimeStamp` and `Wechatmp-Serial` (the
//! app key's number).
//!
//! Response (`open`), each failure with its own message (the first words name it):
//! - a plain `{"errcode":…}` body without a signature: `WeChatApi` with the errcode, its meaning
//!   for 40230–40240 ([`errcode_meaning`]);
//! - "API security: missing header …" (`MalformedResponse`);
//! - "API security: the response's Wechatmp-Appid is not ours" (`MalformedResponse`);
//! - "API security: unknown platform certificate serial" (`SignatureInvalid`);
//! - "API security: the response signature does not verify" (`SignatureInvalid`);
//! - "API security: the response body is not a sealed body" (`MalformedResponse`);
//! - "API security: the response does not decrypt" (`SignatureInvalid`: tampered or another key);
//! - "API security: the decrypted _appid is not ours" / "_timestamp differs from the header" /
//!   "the response timestamp is more than 300 s from now" (`SignatureInvalid`).
//!
//! The symmetric key and the private key never appear in `Debug` output or in a message.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use sha2::Sha256;

use crate::base64;
use crate::error::{Error, ErrorKind, Result};
use crate::json::{self, Value};
use crate::key::PublicKey;
use crate::pss::SaltLen;

/// How far a response's timestamp may be from now, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

/// Endpoints WeChat marks "支持加密请求" that the client seals by default. Of the endpoints this
/// client calls, none is marked in WeChat's documentation we could check (the SOTER
/// verify_signature page is not; the face pages are not in it), so only the documented
/// example's endpoint is listed; add others with [`ApiSecurity::seal_path`].
pub const DEFAULT_SEALED_PATHS: &[&str] = &["/wxa/getuserriskrank"];

/// Meaning of WeChat's API security errcodes (40230–40240), as this library reports them.
pub fn errcode_meaning(errcode: i64) -> Option<&'static str> {
    Some(match errcode {
        40230 => "the request lacks the Wechatmp-Appid header",
        40231 => "Wechatmp-Appid is not the app of the access token",
        40232 => "the request lacks the Wechatmp-TimeStamp header",
        40233 => "Wechatmp-TimeStamp is too old or in the future",
        40234 => "the request lacks the Wechatmp-Signature header",
        40235 => "the request signature does not verify",
        40236 => "the request body is not sealed (iv, data, authtag)",
        40237 => "the request does not decrypt (key, serial or AAD)",
        40238 => "the decrypted _appid is not the caller's",
        40239 => "the decrypted _timestamp differs from Wechatmp-TimeStamp",
        40240 => "API security is not configured for this app or the serial is unknown",
        _ => return None,
    })
}

/// A sealed request: the body to send and the headers to send with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub body: String,
    pub headers: Vec<(String, String)>,
}

/// One app's API security settings. Cheap to share (`Arc` it); immutable once built.
#[derive(Clone)]
pub struct ApiSecurity {
    appid: String,
    sym_key: [u8; 32],
    sym_sn: String,
    app_key: rsa::RsaPrivateKey,
    app_key_sn: String,
    platform_certs: Vec<(String, PublicKey)>,
    paths: Vec<String>,
}

impl fmt::Debug for ApiSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSecurity")
            .field("appid", &self.appid)
            .field("sym_key", &"<redacted>")
            .field("sym_sn", &self.sym_sn)
            .field("app_private_key", &"<redacted>")
            .field("app_key_sn", &self.app_key_sn)
            .field("platform_certs", &self.platform_certs.iter().map(|c| c.0.as_str()).collect::<Vec<_>>())
            .field("paths", &self.paths)
            .finish()
    }
}

fn err(kind: ErrorKind, what: &str) -> Error {
    Error::new(kind, format!("API security: {what}"))
}

impl ApiSecurity {
    /// `sym_key`: base64 of the 32-byte AES key; `app_private_key`: PEM, PKCS#1 or PKCS#8.
    pub fn new(appid: &str, sym_key: &str, sym_sn: &str, app_private_key: &str, app_key_sn: &str) -> Result<ApiSecurity> {
        if appid.is_empty() || sym_sn.is_empty() || app_key_sn.is_empty() {
            return Err(err(ErrorKind::InvalidInput, "appid, sym_sn and app_key_sn must not be empty"));
        }
        let key = base64::decode(sym_key.trim().as_bytes())
            .map_err(|_| err(ErrorKind::InvalidInput, "sym_key is not base64"))?;
        let sym_key: [u8; 32] = key
            .try_into()
            .map_err(|k: Vec<u8>| err(ErrorKind::InvalidInput, &format!("sym_key decodes to {} bytes; AES-256 needs 32", k.len())))?;
        let pem = app_private_key.trim();
        let app_key = rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|_| Error::key("API security: app_private_key is not a PKCS#1 or PKCS#8 PEM RSA private key"))?;
        Ok(ApiSecurity {
            appid: appid.to_owned(),
            sym_key,
            sym_sn: sym_sn.to_owned(),
            app_key,
            app_key_sn: app_key_sn.to_owned(),
            platform_certs: Vec::new(),
            paths: DEFAULT_SEALED_PATHS.iter().map(|p| (*p).to_owned()).collect(),
        })
    }

    /// Add a platform certificate (PEM) under its number from the console (not the X.509 serial).
    pub fn platform_cert(mut self, number: &str, pem: &str) -> Result<ApiSecurity> {
        if number.is_empty() {
            return Err(err(ErrorKind::InvalidInput, "a platform certificate number must not be empty"));
        }
        let key = PublicKey::load(pem.as_bytes())?;
        self.platform_certs.retain(|c| c.0 != number);
        self.platform_certs.push((number.to_owned(), key));
        Ok(self)
    }

    /// Also seal calls to `path` (e.g. `/cgi-bin/soter/verify_signature`).
    pub fn seal_path(mut self, path: &str) -> Result<ApiSecurity> {
        if !path.starts_with('/') || path.contains('?') {
            return Err(err(ErrorKind::InvalidInput, "a sealed path starts with '/' and has no query"));
        }
        if !self.paths.iter().any(|p| p == path) {
            self.paths.push(path.to_owned());
        }
        Ok(self)
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }
    pub fn sym_sn(&self) -> &str {
        &self.sym_sn
    }
    pub fn app_key_sn(&self) -> &str {
        &self.app_key_sn
    }
    /// The paths sealed by a client using this setting.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }
    pub fn seals(&self, path: &str) -> bool {
        self.paths.iter().any(|p| p == path)
    }

    /// Seal `params` (a JSON object, the request body) for `url`. `timestamp`, `nonce` and `iv`
    /// are for tests (fixed values reproduce a body); production leaves them `None`.
    pub fn seal(&self, url: &str, params: &str, timestamp: Option<i64>, nonce: Option<&str>, iv: Option<[u8; 12]>) -> Result<Sealed> {
        let (urlpath, query) = split_url(url)?;
        let timestamp = timestamp.unwrap_or_else(now);
        let nonce = match nonce {
            Some(n) => n.to_owned(),
            None => base64::encode(&random::<16>()?).trim_end_matches('=').to_owned(),
        };
        let iv = match iv {
            Some(iv) => iv,
            None => random::<12>()?,
        };
        let members = json::parse_object(params.as_bytes(), "request body")?;
        let mut plain = format!(
            "{{\"_n\":{},\"_appid\":{},\"_timestamp\":{timestamp}",
            json_string(&nonce),
            json_string(&self.appid)
        );
        for m in &members {
            if matches!(&*m.name, "_n" | "_appid" | "_timestamp") {
                return Err(err(ErrorKind::InvalidInput, "the request body must not have _n, _appid or _timestamp"));
            }
            plain.push(',');
            plain.push_str(&json_string(&m.name));
            plain.push(':');
            plain.push_str(&compact(m.raw));
        }
        for (k, v) in query {
            if k != "access_token" {
                plain.push(',');
                plain.push_str(&json_string(&k));
                plain.push(':');
                plain.push_str(&json_string(&v));
            }
        }
        plain.push('}');
        let aad = format!("{urlpath}|{}|{timestamp}|{}", self.appid, self.sym_sn);
        let body = encrypt(&self.sym_key, &iv, aad.as_bytes(), plain.as_bytes());
        let signed = format!("{urlpath}\n{}\n{timestamp}\n{body}", self.appid);
        let signer = rsa::pss::SigningKey::<Sha256>::new_with_salt_len(self.app_key.clone(), 32);
        let signature = signer
            .try_sign_with_rng(&mut OsRandom, signed.as_bytes())
            .map_err(|_| err(ErrorKind::Internal, "signing failed"))?;
        let headers = vec![
            ("Wechatmp-Appid".to_owned(), self.appid.clone()),
            ("Wechatmp-TimeStamp".to_owned(), timestamp.to_string()),
            ("Wechatmp-Serial".to_owned(), self.app_key_sn.clone()),
            ("Wechatmp-Signature".to_owned(), base64::encode(&signature.to_bytes())),
        ];
        Ok(Sealed { body, headers })
    }

    /// Verify and open WeChat's answer to a call to `url`: the answer's JSON object without
    /// `_n`, `_appid` and `_timestamp`. `now` (Unix seconds) is for tests.
    pub fn open(&self, url: &str, body: &[u8], headers: &[(String, String)], now_secs: Option<i64>) -> Result<String> {
        let (urlpath, _) = split_url(url)?;
        let header = |name: &str| headers.iter().find(|h| h.0.eq_ignore_ascii_case(name)).map(|h| h.1.trim());
        let (signature, serial) = match (header("Wechatmp-Signature"), header("Wechatmp-Serial")) {
            (Some(s), serial) => (s, serial),
            (None, _) => match (header("Wechatmp-Signature-Deprecated"), header("Wechatmp-Serial-Deprecated")) {
                (Some(s), serial) => {
                    crate::log::event!(Warn, "API security: the response is signed with the deprecated platform certificate (rotation under way)");
                    (s, serial)
                }
                (None, _) => return Err(plain_error(body)),
            },
        };
        let appid = header("Wechatmp-Appid").ok_or_else(|| err(ErrorKind::MalformedResponse, "missing header Wechatmp-Appid"))?;
        let ts_text = header("Wechatmp-TimeStamp").ok_or_else(|| err(ErrorKind::MalformedResponse, "missing header Wechatmp-TimeStamp"))?;
        let serial = serial.ok_or_else(|| err(ErrorKind::MalformedResponse, "missing header Wechatmp-Serial"))?;
        if appid != self.appid {
            return Err(err(ErrorKind::MalformedResponse, "the response's Wechatmp-Appid is not ours"));
        }
        let timestamp: i64 = ts_text
            .parse()
            .map_err(|_| err(ErrorKind::MalformedResponse, "Wechatmp-TimeStamp is not a number"))?;
        let key = self
            .platform_certs
            .iter()
            .find(|c| c.0 == serial)
            .map(|c| &c.1)
            .ok_or_else(|| err(ErrorKind::SignatureInvalid, "unknown platform certificate serial"))?;
        let text = std::str::from_utf8(body).map_err(|_| err(ErrorKind::MalformedResponse, "the response body is not UTF-8"))?;
        let signed = format!("{urlpath}\n{}\n{timestamp}\n{text}", self.appid);
        key.verify(signed.as_bytes(), signature.as_bytes(), SaltLen::Exact(32)).map_err(|e| match e.kind() {
            ErrorKind::SignatureInvalid => err(ErrorKind::SignatureInvalid, "the response signature does not verify"),
            _ => err(ErrorKind::SignatureInvalid, &format!("the response signature is malformed ({e})")),
        })?;
        let aad = format!("{urlpath}|{}|{timestamp}|{}", self.appid, self.sym_sn);
        let plain = decrypt(&self.sym_key, aad.as_bytes(), body)?;
        let members = json::parse_object(&plain, "decrypted response")
            .map_err(|_| err(ErrorKind::MalformedResponse, "the decrypted response is not a JSON object"))?;
        let field = |name: &str| members.iter().find(|m| m.name == name).map(|m| &m.value);
        match field("_appid") {
            Some(Value::String(a)) if a == &self.appid => {}
            _ => return Err(err(ErrorKind::SignatureInvalid, "the decrypted _appid is not ours")),
        }
        match field("_timestamp") {
            Some(Value::Number(t)) if t.parse::<i64>().ok() == Some(timestamp) => {}
            _ => return Err(err(ErrorKind::SignatureInvalid, "the decrypted _timestamp differs from the header")),
        }
        let now_secs = now_secs.unwrap_or_else(now);
        if now_secs.abs_diff(timestamp) > MAX_SKEW_SECS as u64 {
            return Err(err(ErrorKind::SignatureInvalid, "the response timestamp is more than 300 s from now"));
        }
        let mut out = String::from("{");
        for m in members.iter().filter(|m| !matches!(&*m.name, "_n" | "_appid" | "_timestamp")) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&json_string(&m.name));
            out.push(':');
            out.push_str(&compact(m.raw));
        }
        out.push('}');
        Ok(out)
    }

    /// Server side (the emulator): open a sealed request the way WeChat does, answering the
    /// 40230–40240 errcode it would. `public` is the app key's public half.
    pub(crate) fn open_request(&self, public: &PublicKey, url: &str, body: &[u8], headers: &[(String, String)], now_secs: i64) -> std::result::Result<String, i64> {
        let (urlpath, _) = split_url(url).map_err(|_| 40236)?;
        let header = |name: &str| headers.iter().find(|h| h.0.eq_ignore_ascii_case(name)).map(|h| h.1.trim());
        let appid = header("Wechatmp-Appid").ok_or(40230)?;
        if appid != self.appid {
            return Err(40231);
        }
        let ts: i64 = header("Wechatmp-TimeStamp").ok_or(40232)?.parse().map_err(|_| 40233)?;
        if now_secs.abs_diff(ts) > MAX_SKEW_SECS as u64 {
            return Err(40233);
        }
        let signature = header("Wechatmp-Signature").ok_or(40234)?;
        if header("Wechatmp-Serial") != Some(self.app_key_sn.as_str()) {
            return Err(40240);
        }
        let text = std::str::from_utf8(body).map_err(|_| 40236)?;
        let signed = format!("{urlpath}\n{appid}\n{ts}\n{text}");
        public.verify(signed.as_bytes(), signature.as_bytes(), SaltLen::Exact(32)).map_err(|_| 40235)?;
        let aad = format!("{urlpath}|{appid}|{ts}|{}", self.sym_sn);
        let plain = decrypt(&self.sym_key, aad.as_bytes(), body).map_err(|e| if e.message().contains("not a sealed body") { 40236 } else { 40237 })?;
        let members = json::parse_object(&plain, "request").map_err(|_| 40237)?;
        let field = |name: &str| members.iter().find(|m| m.name == name).map(|m| &m.value);
        match field("_appid") {
            Some(Value::String(a)) if a == appid => {}
            _ => return Err(40238),
        }
        match field("_timestamp") {
            Some(Value::Number(t)) if t.parse::<i64>().ok() == Some(ts) => {}
            _ => return Err(40239),
        }
        let mut out = String::from("{");
        for m in members.iter().filter(|m| !matches!(&*m.name, "_n" | "_appid" | "_timestamp")) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&json_string(&m.name));
            out.push(':');
            out.push_str(&compact(m.raw));
        }
        out.push('}');
        Ok(out)
    }

    /// Server side (the emulator): seal an answer as WeChat does, signed by the platform key
    /// `platform_key` whose number is `platform_sn`.
    pub(crate) fn seal_response(&self, platform_key: &rsa::RsaPrivateKey, platform_sn: &str, url: &str, answer: &str, now_secs: i64) -> Result<Sealed> {
        let (urlpath, _) = split_url(url)?;
        let members = json::parse_object(answer.as_bytes(), "answer")?;
        let nonce = base64::encode(&random::<16>()?).trim_end_matches('=').to_owned();
        let mut plain = format!("{{\"_n\":{},\"_appid\":{},\"_timestamp\":{now_secs}", json_string(&nonce), json_string(&self.appid));
        for m in &members {
            plain.push(',');
            plain.push_str(&json_string(&m.name));
            plain.push(':');
            plain.push_str(&compact(m.raw));
        }
        plain.push('}');
        let aad = format!("{urlpath}|{}|{now_secs}|{}", self.appid, self.sym_sn);
        let body = encrypt(&self.sym_key, &random::<12>()?, aad.as_bytes(), plain.as_bytes());
        let signed = format!("{urlpath}\n{}\n{now_secs}\n{body}", self.appid);
        let signer = rsa::pss::SigningKey::<Sha256>::new_with_salt_len(platform_key.clone(), 32);
        let signature = signer
            .try_sign_with_rng(&mut OsRandom, signed.as_bytes())
            .map_err(|_| err(ErrorKind::Internal, "signing failed"))?;
        Ok(Sealed {
            body,
            headers: vec![
                ("Wechatmp-Appid".to_owned(), self.appid.clone()),
                ("Wechatmp-TimeStamp".to_owned(), now_secs.to_string()),
                ("Wechatmp-Serial".to_owned(), platform_sn.to_owned()),
                ("Wechatmp-Signature".to_owned(), base64::encode(&signature.to_bytes())),
            ],
        })
    }
}

/// A body without a signature: WeChat's plain errcode answer, or nothing we accept.
fn plain_error(body: &[u8]) -> Error {
    if let Ok(members) = json::parse_object(body, "response") {
        let code = members.iter().find(|m| m.name == "errcode").and_then(|m| match &m.value {
            Value::Number(n) => n.parse::<i64>().ok(),
            _ => None,
        });
        let msg = members
            .iter()
            .find(|m| m.name == "errmsg")
            .and_then(|m| match &m.value {
                Value::String(s) => Some(s.to_string()),
                _ => None,
            })
            .unwrap_or_default();
        if let Some(code) = code.filter(|c| *c != 0) {
            let context = match errcode_meaning(code) {
                Some(meaning) => format!("API security: {meaning}"),
                None => "API security".to_owned(),
            };
            return Error::wechat(code, msg, &context);
        }
    }
    err(ErrorKind::MalformedResponse, "missing header Wechatmp-Signature (an unsigned answer that is not an errcode)")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|_| err(ErrorKind::Internal, "random generator failed"))?;
    Ok(b)
}

/// The OS generator for PSS salts.
struct OsRandom;
impl rsa::rand_core::RngCore for OsRandom {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        getrandom::getrandom(dest).expect("the OS random generator works");
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rsa::rand_core::CryptoRng for OsRandom {}

fn encrypt(key: &[u8; 32], iv: &[u8; 12], aad: &[u8], plain: &[u8]) -> String {
    let cipher = Aes256Gcm::new(key.into());
    let mut out = cipher
        .encrypt(Nonce::from_slice(iv), Payload { msg: plain, aad })
        .expect("AES-GCM encryption of a bounded message cannot fail");
    let tag = out.split_off(out.len() - 16);
    format!(
        "{{\"iv\":\"{}\",\"data\":\"{}\",\"authtag\":\"{}\"}}",
        base64::encode(iv),
        base64::encode(&out),
        base64::encode(&tag)
    )
}

fn decrypt(key: &[u8; 32], aad: &[u8], body: &[u8]) -> Result<Vec<u8>> {
    let not_sealed = || err(ErrorKind::MalformedResponse, "the body is not a sealed body (iv, data, authtag)");
    let members = json::parse_object(body, "sealed body").map_err(|_| not_sealed())?;
    let field = |name: &str| -> Result<Vec<u8>> {
        match members.iter().find(|m| m.name == name).map(|m| &m.value) {
            Some(Value::String(s)) => base64::decode(s.as_bytes()).map_err(|_| not_sealed()),
            _ => Err(not_sealed()),
        }
    };
    let (iv, mut data, tag) = (field("iv")?, field("data")?, field("authtag")?);
    if iv.len() != 12 || tag.len() != 16 {
        return Err(not_sealed());
    }
    data.extend_from_slice(&tag);
    Aes256Gcm::new(key.into())
        .decrypt(Nonce::from_slice(&iv), Payload { msg: &data, aad })
        .map_err(|_| err(ErrorKind::SignatureInvalid, "the response does not decrypt (tampered, or another key or URL)"))
}

/// `https://host/path?query` to (`https://host/path`, decoded query pairs).
fn split_url(url: &str) -> Result<(&str, Vec<(String, String)>)> {
    let bad = || err(ErrorKind::InvalidInput, "the URL must be absolute (scheme and host)");
    let rest = url.split_once("://").ok_or_else(bad)?.1;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad());
    }
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, q),
        None => (url, ""),
    };
    let pairs = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Ok((path, pairs))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() => {
                let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(b[i + 1]) << 4 | hex(b[i + 2]));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A JSON value's source text without whitespace outside strings (compact form).
fn compact(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in raw.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}
