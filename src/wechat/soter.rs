//! SOTER `verify_signature`: WeChat verifies a resultJSON signature against the device key it
//! holds for the user (mini-programs never see that key).

use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};

use super::client::WeChatClient;
use super::paths;
use super::transport::JsonObject;

/// Largest resultJSON / signature accepted for sending.
const MAX_FIELD: usize = 64 * 1024;

impl WeChatClient {
    /// Ask WeChat whether `json_signature` is the device's signature over exactly `json_string`
    /// for the user `openid`. Returns `Ok(true)` only for errcode 0 with `is_ok: true`;
    /// `Ok(false)` when WeChat says the signature does not verify (errcode 0, `is_ok: false`).
    /// Any other errcode is an error (`WeChatApi`, or `Token` for token errors that persisted).
    ///
    /// Checking the signature is half the job: the caller must still check that the signed `raw`
    /// is the challenge it issued (see [`crate::ResultJson::parse`]).
    pub fn soter_verify_signature(&self, openid: &str, json_string: &str, json_signature: &str) -> Result<bool> {
        for (name, v) in [("openid", openid), ("json_string", json_string), ("json_signature", json_signature)] {
            if v.is_empty() {
                return Err(Error::input(format!("{name} is empty")));
            }
            if v.len() > MAX_FIELD {
                return Err(Error::new(ErrorKind::InputTooLarge, format!("{name} is longer than {MAX_FIELD} bytes")));
            }
        }
        let body = json!({ "openid": openid, "json_string": json_string, "json_signature": json_signature });
        let obj = self.call(paths::SOTER_VERIFY_SIGNATURE, &body, "soter verify_signature")?;
        let ok = parse_verify_signature(&obj)?;
        if !ok {
            crate::log::event!(Debug, "soter verify_signature: WeChat says the signature does not verify (is_ok false)");
        }
        Ok(ok)
    }
}

/// `is_ok` of a verify_signature response whose errcode was 0.
pub(crate) fn parse_verify_signature(obj: &JsonObject) -> Result<bool> {
    match obj.get("is_ok") {
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::String(s)) if s == "true" => Ok(true),
        Some(Value::String(s)) if s == "false" => Ok(false),
        _ => Err(Error::new(ErrorKind::MalformedResponse, "soter verify_signature: the response has no boolean is_ok")),
    }
}
