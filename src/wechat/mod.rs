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
//! A client may be created before the process forks (gunicorn `--preload`, uWSGI, Celery
//! prefork, `multiprocessing`): a forked child never uses the parent's HTTP connections (it
//! leaves them untouched and opens its own) nor its token cache's lock, and keeps its cached
//! token. Token fetches that fail are held back, and forced refreshes spaced: see the token
//! module's rules in [`ClientBuilder::token_retry_max`] and docs/wechat-client.md.
//!
//! Secrets (the app secret, access tokens, names, ID numbers) never appear in an error message or
//! in `Debug` output. The HTTP layer (ureq) logs request paths and queries only at `trace` level;
//! do not enable trace logging for `ureq` in production, as the access token travels in the query.

mod api_security;
mod client;
mod face;
pub(crate) mod host;
mod secret;
mod soter;
mod token;
mod transport;

pub use api_security::{errcode_meaning as api_security_errcode_meaning, ApiSecurity, Sealed, DEFAULT_SEALED_PATHS, MAX_SKEW_SECS as API_SECURITY_MAX_SKEW_SECS};
pub use client::{
    ClientBuilder, ClientStats, WeChatClient, DEFAULT_MAX_IDLE_CONNECTIONS, MAX_IDLE_CONNECTIONS, MAX_TIMEOUT,
};
pub use face::{cert_hash, id_card_number_md5, name_utf8_md5, CertInfo, FaceInfo, VerifyId, VerifyInfo, VerifyOutcome};
pub use secret::Secret;
pub use soter::{SUPPORT_FACE, SUPPORT_FINGERPRINT, SUPPORT_FINGERPRINT_AND_FACE, SUPPORT_NONE};
pub use transport::RetryPolicy;
pub use token::{FetchedToken, TokenCallback, TokenRequest, TokenSource, FAILURE_HOLD_MAX as DEFAULT_TOKEN_RETRY_MAX, MAX_TOKEN_LIFETIME};

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
    /// Native-app SOTER: WeChat checks a classic ASK's ATTK signature.
    pub const SOTER_VERIFY_ASK: &str = "/cgi-bin/soter_3rdapp/verify_ask";
    /// Native-app SOTER: whether a phone model supports SOTER, and which modes.
    pub const SOTER_IS_SUPPORT: &str = "/cgi-bin/soter_3rdapp/is_support";
}

/// The response parsing of every endpoint without a socket, for the fuzzer (`fuzz/`). Not a
/// supported API: it may change at any time.
#[doc(hidden)]
pub mod fuzzing {
    use std::time::Duration;

    use crate::error::Result;

    use super::secret::Secret;
    use super::{client, face, soter, token, transport, FaceInfo, VerifyId, VerifyInfo};

    /// The endpoint whose response is parsed.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Endpoint {
        Token,
        StableToken,
        VerifySignature,
        FaceGetInfo,
        FaceGetVerifyId,
        FaceQueryVerifyInfo,
        VerifyAsk,
        IsSupport,
    }

    /// What the endpoint's typed method would return.
    #[derive(Debug)]
    pub enum Parsed {
        Token(Secret, Option<Duration>),
        VerifySignature(bool),
        FaceInfo(FaceInfo),
        VerifyId(VerifyId),
        VerifyInfo(VerifyInfo),
        VerifyAsk,
        IsSupport(bool, u32),
    }

    /// HTTP status and body bytes of the final attempt to the typed result or error, through the
    /// same functions the network path uses (transport classification, errcode handling, the
    /// endpoint's field parsing). Token errors (40001...) are reported, not retried.
    pub fn parse_response(endpoint: Endpoint, status: u16, body: &[u8]) -> Result<Parsed> {
        let what = "fuzz";
        let obj = transport::last_attempt(transport::classify(status, body, what), 1)?;
        Ok(match endpoint {
            Endpoint::Token | Endpoint::StableToken => {
                let (t, e) = token::parse_token_response(&obj, what)?;
                // Through the cache as the client does: any lifetime WeChat sends must be
                // stored without overflow, and served back.
                let cache = super::token::TokenCache::new(std::time::Duration::from_secs(300), super::token::FAILURE_HOLD_MAX);
                let deadline = transport::Deadline::after(std::time::Duration::from_secs(60));
                let used = cache.get(&super::TokenSource::StableToken, &|_| Ok((t.clone(), e)), deadline)?;
                assert!(used.token == t, "the cache serves what it fetched");
                Parsed::Token(t, e)
            }
            Endpoint::VerifySignature => Parsed::VerifySignature(soter::parse_verify_signature(&client::api_result(obj, what)?)?),
            Endpoint::FaceGetInfo => Parsed::FaceInfo(face::parse_face_info(&client::api_result(obj, what)?)?),
            Endpoint::FaceGetVerifyId => Parsed::VerifyId(face::parse_verify_id(&client::api_result(obj, what)?)?),
            Endpoint::FaceQueryVerifyInfo => Parsed::VerifyInfo(face::parse_verify_info(&client::api_result(obj, what)?)?),
            Endpoint::VerifyAsk => {
                soter::parse_verify_ask(&client::api_result(obj, what)?)?;
                Parsed::VerifyAsk
            }
            Endpoint::IsSupport => {
                let (s, t) = soter::parse_is_support(&client::api_result(obj, what)?)?;
                Parsed::IsSupport(s, t)
            }
        })
    }
}
