//! WeChat face verification (人脸核身): the legacy `getinfo` and the current
//! `getverifyid` / `queryverifyinfo` pair.

use std::fmt;

use md5::Md5;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::authenticate::constant_time_eq;
use crate::error::{Error, ErrorKind, Result};

use super::client::WeChatClient;
use super::paths;
use super::transport::{errcode, errmsg, int_field, str_field, JsonObject};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex MD5 of the UTF-8 name, as in getinfo's `name_utf8_md5`.
pub fn name_utf8_md5(name: &str) -> String {
    hex(&Md5::digest(name.trim().as_bytes()))
}

/// Lowercase hex MD5 of an ID card number with a final `x` uppercased, as in
/// `id_card_number_md5`.
pub fn id_card_number_md5(id_number: &str) -> String {
    let mut id = id_number.trim().to_owned();
    if id.ends_with('x') {
        id.pop();
        id.push('X');
    }
    hex(&Md5::digest(id.as_bytes()))
}

/// Result of the legacy `getinfo` (every documented field). `Debug` hides the MD5s (an ID
/// number's MD5 is easily reversed).
#[derive(Clone, PartialEq, Eq)]
pub struct FaceInfo {
    pub errcode: i64,
    pub errmsg: String,
    /// 0 when the face matched the ID; anything else is a failed verification.
    pub identify_ret: i64,
    pub identify_time: Option<i64>,
    pub validate_data: Option<String>,
    pub openid: Option<String>,
    pub user_id_key: Option<String>,
    pub finish_time: Option<i64>,
    pub id_card_number_md5: Option<String>,
    pub name_utf8_md5: Option<String>,
}

impl fmt::Debug for FaceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaceInfo")
            .field("errcode", &self.errcode)
            .field("errmsg", &self.errmsg)
            .field("identify_ret", &self.identify_ret)
            .field("identify_time", &self.identify_time)
            .field("openid", &self.openid)
            .field("finish_time", &self.finish_time)
            .field("passed", &self.passed())
            .finish_non_exhaustive()
    }
}

impl FaceInfo {
    /// True only when errcode is 0 and identify_ret is 0.
    pub fn passed(&self) -> bool {
        self.errcode == 0 && self.identify_ret == 0
    }

    /// Whether the result is about this person: both MD5s present and equal to those of `name`
    /// and `id_number` (final x uppercased). Says nothing about whether verification passed.
    pub fn matches_person(&self, name: &str, id_number: &str) -> bool {
        let (Some(n), Some(i)) = (&self.name_utf8_md5, &self.id_card_number_md5) else { return false };
        let name_ok = constant_time_eq(n.to_ascii_lowercase().as_bytes(), name_utf8_md5(name).as_bytes());
        let id_ok = constant_time_eq(i.to_ascii_lowercase().as_bytes(), id_card_number_md5(id_number).as_bytes());
        name_ok & id_ok
    }

    /// `passed()` and `matches_person(..)`: the verification succeeded for this person.
    pub fn passed_for(&self, name: &str, id_number: &str) -> bool {
        self.passed() && self.matches_person(name, id_number)
    }
}

/// The identity document of `getverifyid`. `Debug` hides name and number.
#[derive(Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// "IDENTITY_CARD" for a mainland ID card.
    pub cert_type: String,
    pub cert_name: String,
    pub cert_no: String,
}

impl CertInfo {
    pub fn identity_card(name: impl Into<String>, number: impl Into<String>) -> CertInfo {
        CertInfo { cert_type: "IDENTITY_CARD".into(), cert_name: name.into(), cert_no: number.into() }
    }

    /// This document's `cert_hash` for `queryverifyinfo`.
    pub fn hash(&self) -> String {
        cert_hash(&self.cert_type, &self.cert_name, &self.cert_no)
    }
}

impl fmt::Debug for CertInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertInfo")
            .field("cert_type", &self.cert_type)
            .field("cert_name", &"<redacted>")
            .field("cert_no", &"<redacted>")
            .finish()
    }
}

/// Lowercase hex SHA-256 of `cert_type=B64&cert_name=B64&cert_no=B64`, each value as standard
/// padded base64 of its UTF-8 bytes.
pub fn cert_hash(cert_type: &str, cert_name: &str, cert_no: &str) -> String {
    use crate::base64::encode;
    let text = format!(
        "cert_type={}&cert_name={}&cert_no={}",
        encode(cert_type.as_bytes()),
        encode(cert_name.as_bytes()),
        encode(cert_no.as_bytes())
    );
    hex(&Sha256::digest(text.as_bytes()))
}

/// A face verification session from `getverifyid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyId {
    pub verify_id: String,
    pub expires_in: Option<i64>,
}

/// What `verify_ret` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerifyOutcome {
    /// 10000: the face matched the document.
    Passed,
    /// 90002..=90006: the user cancelled.
    UserCancelled,
    /// 90001, 90109: the device cannot do face detection.
    DeviceUnsupported,
    /// 90007, 90012: network error on the device.
    NetworkError,
    /// 90008..=90010: camera or microphone permission missing.
    PermissionDenied,
    /// 90011, 90013, 90014: the captured face data was not usable.
    InvalidFaceData,
    /// 90017, 90107: the user or the detection timed out.
    Timeout,
    /// 90018, 90104..=90106, 90110, 90199: a system error on the device or service.
    SystemError,
    /// Any other value (kept in [`VerifyInfo::verify_ret`]).
    Other,
}

impl VerifyOutcome {
    pub fn from_code(code: i64) -> VerifyOutcome {
        match code {
            10000 => VerifyOutcome::Passed,
            90002..=90006 => VerifyOutcome::UserCancelled,
            90001 | 90109 => VerifyOutcome::DeviceUnsupported,
            90007 | 90012 => VerifyOutcome::NetworkError,
            90008..=90010 => VerifyOutcome::PermissionDenied,
            90011 | 90013 | 90014 => VerifyOutcome::InvalidFaceData,
            90017 | 90107 => VerifyOutcome::Timeout,
            90018 | 90104..=90106 | 90110 | 90199 => VerifyOutcome::SystemError,
            _ => VerifyOutcome::Other,
        }
    }

    /// A stable lowercase name (CLI and wrappers).
    pub fn name(self) -> &'static str {
        match self {
            VerifyOutcome::Passed => "passed",
            VerifyOutcome::UserCancelled => "user_cancelled",
            VerifyOutcome::DeviceUnsupported => "device_unsupported",
            VerifyOutcome::NetworkError => "network_error",
            VerifyOutcome::PermissionDenied => "permission_denied",
            VerifyOutcome::InvalidFaceData => "invalid_face_data",
            VerifyOutcome::Timeout => "timeout",
            VerifyOutcome::SystemError => "system_error",
            VerifyOutcome::Other => "other",
        }
    }
}

/// Result of `queryverifyinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyInfo {
    pub errcode: i64,
    pub errmsg: String,
    pub verify_ret: i64,
    pub outcome: VerifyOutcome,
}

impl VerifyInfo {
    /// True only for errcode 0 and verify_ret 10000.
    pub fn passed(&self) -> bool {
        self.errcode == 0 && self.verify_ret == 10000
    }
}

const MAX_TEXT: usize = 4096;

fn check_text(name: &str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(Error::input(format!("{name} is empty")));
    }
    if v.len() > MAX_TEXT {
        return Err(Error::new(ErrorKind::InputTooLarge, format!("{name} is longer than {MAX_TEXT} bytes")));
    }
    Ok(())
}

impl WeChatClient {
    /// Legacy face verification result: `POST /cityservice/face/identify/getinfo`. errcodes
    /// 84001 (invalid verify_result), 84002 (expired) and 84003 (not found) come back as
    /// `WeChatApi` errors. A returned `FaceInfo` passed only if [`FaceInfo::passed`]; check the
    /// person with [`FaceInfo::passed_for`].
    pub fn face_get_info(&self, verify_result: &str) -> Result<FaceInfo> {
        check_text("verify_result", verify_result)?;
        let what = "face getinfo";
        let obj = self.call(paths::FACE_GETINFO, &json!({ "verify_result": verify_result }), what)?;
        let info = parse_face_info(&obj)?;
        if !info.passed() {
            crate::log::event!(Debug, "{what}: not passed (identify_ret {})", info.identify_ret);
        }
        Ok(info)
    }

    /// Start a face verification session: `POST /cityservice/face/identify/getverifyid`.
    pub fn face_get_verify_id(&self, out_seq_no: &str, cert: &CertInfo, openid: &str) -> Result<VerifyId> {
        check_text("out_seq_no", out_seq_no)?;
        check_text("openid", openid)?;
        check_text("cert_type", &cert.cert_type)?;
        check_text("cert_name", &cert.cert_name)?;
        check_text("cert_no", &cert.cert_no)?;
        let what = "face getverifyid";
        let body = json!({
            "out_seq_no": out_seq_no,
            "cert_info": { "cert_type": cert.cert_type, "cert_name": cert.cert_name, "cert_no": cert.cert_no },
            "openid": openid,
        });
        let obj = self.call(paths::FACE_GETVERIFYID, &body, what)?;
        parse_verify_id(&obj)
    }

    /// The session's result: `POST /cityservice/face/identify/queryverifyinfo`, with the
    /// `cert_hash` computed from `cert` (the same document given to `getverifyid`).
    pub fn face_query_verify_info(&self, verify_id: &str, out_seq_no: &str, cert: &CertInfo, openid: &str) -> Result<VerifyInfo> {
        check_text("verify_id", verify_id)?;
        check_text("out_seq_no", out_seq_no)?;
        check_text("openid", openid)?;
        let what = "face queryverifyinfo";
        let body = json!({ "verify_id": verify_id, "out_seq_no": out_seq_no, "cert_hash": cert.hash(), "openid": openid });
        let obj = self.call(paths::FACE_QUERYVERIFYINFO, &body, what)?;
        let info = parse_verify_info(&obj)?;
        if !info.passed() {
            crate::log::event!(Debug, "{what}: not passed (verify_ret {}, {})", info.verify_ret, info.outcome.name());
        }
        Ok(info)
    }
}

/// A getinfo response whose errcode was 0.
pub(crate) fn parse_face_info(obj: &JsonObject) -> Result<FaceInfo> {
    let what = "face getinfo";
    let identify_ret = int_field(obj, "identify_ret", what)?
        .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, "face getinfo: the response has no identify_ret"))?;
    Ok(FaceInfo {
        errcode: errcode(obj)?,
        errmsg: errmsg(obj),
        identify_ret,
        identify_time: int_field(obj, "identify_time", what)?,
        validate_data: str_field(obj, "validate_data"),
        openid: str_field(obj, "openid"),
        user_id_key: str_field(obj, "user_id_key"),
        finish_time: int_field(obj, "finish_time", what)?,
        id_card_number_md5: str_field(obj, "id_card_number_md5"),
        name_utf8_md5: str_field(obj, "name_utf8_md5"),
    })
}

/// A getverifyid response whose errcode was 0.
pub(crate) fn parse_verify_id(obj: &JsonObject) -> Result<VerifyId> {
    let verify_id = str_field(obj, "verify_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, "face getverifyid: the response has no verify_id"))?;
    Ok(VerifyId { verify_id, expires_in: int_field(obj, "expires_in", "face getverifyid")? })
}

/// A queryverifyinfo response whose errcode was 0.
pub(crate) fn parse_verify_info(obj: &JsonObject) -> Result<VerifyInfo> {
    let verify_ret = int_field(obj, "verify_ret", "face queryverifyinfo")?
        .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, "face queryverifyinfo: the response has no verify_ret"))?;
    Ok(VerifyInfo { errcode: errcode(obj)?, errmsg: errmsg(obj), verify_ret, outcome: VerifyOutcome::from_code(verify_ret) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_hash_check_value() {
        assert_eq!(
            cert_hash("IDENTITY_CARD", "张三", "310101199801011234"),
            "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b"
        );
    }

    #[test]
    fn md5_helpers() {
        assert_eq!(name_utf8_md5("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(id_card_number_md5("11010519491231002x"), id_card_number_md5("11010519491231002X"));
        assert_eq!(id_card_number_md5("11010519491231002X"), hex(&Md5::digest(b"11010519491231002X")));
    }

    #[test]
    fn outcomes() {
        assert_eq!(VerifyOutcome::from_code(10000), VerifyOutcome::Passed);
        assert_eq!(VerifyOutcome::from_code(90003), VerifyOutcome::UserCancelled);
        assert_eq!(VerifyOutcome::from_code(12345), VerifyOutcome::Other);
        let info = VerifyInfo { errcode: 0, errmsg: String::new(), verify_ret: 90002, outcome: VerifyOutcome::UserCancelled };
        assert!(!info.passed());
    }
}
