//! SOTER `verify_signature`: WeChat verifies a resultJSON signature against the device key it
//! holds for the user (mini-programs never see that key). Native-app SOTER: `verify_ask` (WeChat
//! checks a classic ASK's ATTK signature) and `is_support` (whether a phone model supports SOTER).

use serde_json::{json, Value};

use crate::attestation::Ask;
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

/// `support_type` values of `is_support`.
pub const SUPPORT_NONE: u32 = 0;
pub const SUPPORT_FINGERPRINT: u32 = 1;
pub const SUPPORT_FACE: u32 = 2;
pub const SUPPORT_FINGERPRINT_AND_FACE: u32 = 3;

impl WeChatClient {
    /// Have WeChat check a classic ASK: the ASK export JSON a device uploaded (`pub_key`, `cpu_id`,
    /// `counter`, `uid`) and its signature by the device's factory key ATTK, exactly as received
    /// (still base64). Only Tencent holds the ATTK public keys. The JSON is parsed (and its
    /// `pub_key` loaded) before the call, so a broken upload fails with `InvalidJson`/`InvalidKey`
    /// without a request.
    ///
    /// Returns the [`Ask`] (store it by device: `cpu_id` + `uid`) for errcode 0. A present
    /// `is_verified: false` is `SignatureInvalid`; any other errcode is `WeChatApi`.
    pub fn soter_verify_ask(&self, ask_json: &str, ask_json_signature: &str) -> Result<Ask> {
        for (name, v) in [("ask_json", ask_json), ("ask_json_signature", ask_json_signature)] {
            if v.is_empty() {
                return Err(Error::input(format!("{name} is empty")));
            }
            if v.len() > MAX_FIELD {
                return Err(Error::new(ErrorKind::InputTooLarge, format!("{name} is longer than {MAX_FIELD} bytes")));
            }
        }
        let ask = Ask::from_classic_json(ask_json.as_bytes())?;
        let body = json!({ "ask_json": ask_json, "ask_json_signature": ask_json_signature });
        let obj = self.call(paths::SOTER_VERIFY_ASK, &body, "soter verify_ask")?;
        parse_verify_ask(&obj)?;
        Ok(ask)
    }

    /// Ask WeChat whether the phone model `model_key` (from the SOTER SDK) supports SOTER:
    /// `(is_support, support_type)` with support_type 0 none, 1 fingerprint, 2 face, 3 both.
    pub fn soter_is_support(&self, model_key: &str) -> Result<(bool, u32)> {
        if model_key.is_empty() {
            return Err(Error::input("model_key is empty"));
        }
        if model_key.len() > MAX_FIELD {
            return Err(Error::new(ErrorKind::InputTooLarge, format!("model_key is longer than {MAX_FIELD} bytes")));
        }
        let body = json!({ "model_key": model_key, "sdk_version": 2 });
        let obj = self.call(paths::SOTER_IS_SUPPORT, &body, "soter is_support")?;
        parse_is_support(&obj)
    }
}

/// A boolean WeChat may send as true/false, 1/0 or "true"/"false".
fn loose_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if n.as_i64() == Some(1) => Some(true),
        Value::Number(n) if n.as_i64() == Some(0) => Some(false),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// A verify_ask response whose errcode was 0: valid unless it says `is_verified: false`.
pub(crate) fn parse_verify_ask(obj: &JsonObject) -> Result<()> {
    match obj.get("is_verified") {
        None => Ok(()),
        Some(v) => match loose_bool(v) {
            Some(true) => Ok(()),
            Some(false) => Err(Error::new(
                ErrorKind::SignatureInvalid,
                "soter verify_ask: WeChat says the ASK's ATTK signature does not verify (is_verified false)",
            )),
            None => Err(Error::new(ErrorKind::MalformedResponse, "soter verify_ask: is_verified is not a boolean")),
        },
    }
}

/// `(is_support, support_type)` of an is_support response whose errcode was 0.
pub(crate) fn parse_is_support(obj: &JsonObject) -> Result<(bool, u32)> {
    let malformed = |why: &str| Error::new(ErrorKind::MalformedResponse, format!("soter is_support: {why}"));
    let is_support = obj.get("is_support").and_then(loose_bool).ok_or_else(|| malformed("the response has no boolean is_support"))?;
    let support_type = match obj.get("support_type") {
        None if !is_support => SUPPORT_NONE,
        None => return Err(malformed("the response has no support_type")),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|&t| t <= SUPPORT_FINGERPRINT_AND_FACE as u64)
            .ok_or_else(|| malformed("support_type is not 0, 1, 2 or 3"))? as u32,
    };
    Ok((is_support, support_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> JsonObject {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn verify_ask_answers() {
        assert!(parse_verify_ask(&obj(r#"{"errcode":0}"#)).is_ok());
        assert!(parse_verify_ask(&obj(r#"{"errcode":0,"is_verified":true,"attk_version":2}"#)).is_ok());
        assert_eq!(parse_verify_ask(&obj(r#"{"errcode":0,"is_verified":false}"#)).unwrap_err().kind(), ErrorKind::SignatureInvalid);
        assert_eq!(parse_verify_ask(&obj(r#"{"errcode":0,"is_verified":"false"}"#)).unwrap_err().kind(), ErrorKind::SignatureInvalid);
        assert_eq!(parse_verify_ask(&obj(r#"{"errcode":0,"is_verified":[]}"#)).unwrap_err().kind(), ErrorKind::MalformedResponse);
    }

    #[test]
    fn is_support_answers() {
        assert_eq!(parse_is_support(&obj(r#"{"is_support":true,"support_type":3}"#)).unwrap(), (true, 3));
        assert_eq!(parse_is_support(&obj(r#"{"is_support":1,"support_type":"1"}"#)).unwrap(), (true, 1));
        assert_eq!(parse_is_support(&obj(r#"{"is_support":false}"#)).unwrap(), (false, 0));
        for bad in [r#"{"is_support":true}"#, r#"{"support_type":1}"#, r#"{"is_support":true,"support_type":4}"#] {
            assert_eq!(parse_is_support(&obj(bad)).unwrap_err().kind(), ErrorKind::MalformedResponse, "{bad}");
        }
    }
}
