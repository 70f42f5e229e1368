//! WeChat server API: access tokens, SOTER `verify_signature` and face verification.
//!
//! One [`WeChatClient`] per app (appid, secret), shared by every thread: it owns one HTTP agent
//! (connection reuse, rustls TLS), one token cache with single-flight refresh, and a retry policy
//! for the failures WeChat documents as transient (errcode -1, HTTP 5xx, connection failures).
//!
//! ```no_run
//! use soter_verify::wechat::WeChatClient;
//! # fn main() -> Result<(), soter_verify::Error> {
//! let client = WeChatClient::builder("wx1234567890abcdef", "app secret").build()?;
//! let ok = client.soter_verify_signature("openid", "{\"raw\":\"...\"}", "base64 signature")?;
//! # Ok(()) }
//! ```
//!
//! Secrets (the app secret, access tokens, names, ID numbers) never appear in an error message or
//! in `Debug` output. The HTTP layer (ureq) logs request paths and queries only at `trace` level;
//! do not enable trace logging for `ureq` in production, as the access token travels in the query.

mod client;
mod face;
mod secret;
mod soter;
mod token;
mod transport;

pub use client::{ClientBuilder, ClientStats, RetryPolicy, WeChatClient};
pub use face::{cert_hash, id_card_number_md5, name_utf8_md5, CertInfo, FaceInfo, VerifyId, VerifyInfo, VerifyOutcome};
pub use secret::Secret;
pub use token::{FetchedToken, TokenCallback, TokenRequest, TokenSource};

/// WeChat's API host over HTTPS.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";
/// The base URL of WeChat cloud hosting's open API service (plain http, inside the platform).
pub const OPEN_API_BASE_URL: &str = "http://api.weixin.qq.com";
/// Where WeChat cloud hosting keeps the current `cloudbase_access_token` ("微信令牌").
pub const DEFAULT_CLOUDBASE_TOKEN_PATH: &str = "/.tencentcloudbase/wx/cloudbase_access_token";

/// errcodes after which a token is dropped, refreshed and the call retried once.
pub const TOKEN_ERRCODES: [i64; 3] = [40001, 40014, 42001];

/// Paths of the endpoints this module calls.
pub mod paths {
    pub const TOKEN: &str = "/cgi-bin/token";
    pub const STABLE_TOKEN: &str = "/cgi-bin/stable_token";
    pub const SOTER_VERIFY_SIGNATURE: &str = "/cgi-bin/soter/verify_signature";
    pub const FACE_GETINFO: &str = "/cityservice/face/identify/getinfo";
    pub const FACE_GETVERIFYID: &str = "/cityservice/face/identify/getverifyid";
    pub const FACE_QUERYVERIFYINFO: &str = "/cityservice/face/identify/queryverifyinfo";
}
