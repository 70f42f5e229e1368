//! One error type for the whole crate. Every failure carries exactly one [`ErrorKind`], which maps
//! one to one onto the C status enum and the Python and Java exception classes.
//!
//! Messages are built by this crate only from non-secret facts (sizes, field names, positions);
//! callers never format secrets (app secret, tokens, names, ID numbers) into them.

use std::fmt;

/// What went wrong. The discriminants are the C ABI's `SoterStatus` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// API misuse: a null pointer, an option out of range, an impossible combination.
    InvalidArgument = 1,
    /// Input that is not what was expected: invalid UTF-8, an empty value, a bad option string.
    InvalidInput = 2,
    /// Input larger than the documented cap.
    InputTooLarge = 3,
    /// A public key that cannot be parsed or is not a usable RSA key.
    InvalidKey = 4,
    /// An RSA key below 2048 bits.
    KeyTooSmall = 5,
    /// A well-formed key of another type (EC, DSA, Ed25519) or an RSA key above 4096 bits.
    UnsupportedKey = 6,
    /// A signature that cannot be decoded or has the wrong length for the key.
    MalformedSignature = 7,
    /// JSON that is not well formed, too deep, or has a field of the wrong type or missing.
    InvalidJson = 8,
    /// A JSON object that names the same field twice.
    DuplicateField = 9,
    /// The signature does not verify.
    SignatureInvalid = 10,
    /// The signed `raw` is not the challenge the server issued.
    ChallengeMismatch = 11,
    /// The signed `cpu_id` or `uid` is not the expected device's.
    DeviceMismatch = 12,
    /// The signed counter is below the minimum (a replayed or stale result).
    CounterReplay = 13,
    /// A network failure: connection refused or reset, DNS, TLS.
    Network = 14,
    /// A call's overall deadline, its connect timeout or a per-attempt timeout expired (the
    /// message names which).
    Timeout = 15,
    /// WeChat answered with a non-zero errcode (carried with errmsg).
    WeChatApi = 16,
    /// No access token could be obtained.
    Token = 17,
    /// WeChat's response was not the JSON it documents (or too large).
    MalformedResponse = 18,
    /// A client setting that is refused (plain http to a remote host, a bad URL or proxy).
    Config = 19,
    /// The state store (Redis) could not be reached or did not answer in time; fails closed.
    StoreUnavailable = 20,
    /// A certificate chain that cannot be accepted: unparseable, a signature that does not verify,
    /// a non-CA intermediate, outside its validity, or no usable attestation.
    CertificateInvalid = 21,
    /// A sound certificate chain that ends at a root that is not trusted.
    UntrustedRoot = 22,
    /// A certificate of the chain is listed in the revocation status list the caller passed
    /// (revoked or suspended). A kind of `CertificateInvalid` in Python and Java.
    CertificateRevoked = 23,
    /// A bug in this library (a caught panic). Never caused by input.
    Internal = 99,
}

impl ErrorKind {
    /// Every kind, in status order (used by tests that check each layer maps them all).
    pub const ALL: [ErrorKind; 24] = [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidInput,
        ErrorKind::InputTooLarge,
        ErrorKind::InvalidKey,
        ErrorKind::KeyTooSmall,
        ErrorKind::UnsupportedKey,
        ErrorKind::MalformedSignature,
        ErrorKind::InvalidJson,
        ErrorKind::DuplicateField,
        ErrorKind::SignatureInvalid,
        ErrorKind::ChallengeMismatch,
        ErrorKind::DeviceMismatch,
        ErrorKind::CounterReplay,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::WeChatApi,
        ErrorKind::Token,
        ErrorKind::MalformedResponse,
        ErrorKind::Config,
        ErrorKind::StoreUnavailable,
        ErrorKind::CertificateInvalid,
        ErrorKind::UntrustedRoot,
        ErrorKind::CertificateRevoked,
        ErrorKind::Internal,
    ];

    /// Whether this is one of the four verdicts of [`crate::authenticate`].
    pub fn is_verification_failure(self) -> bool {
        matches!(
            self,
            ErrorKind::SignatureInvalid
                | ErrorKind::ChallengeMismatch
                | ErrorKind::DeviceMismatch
                | ErrorKind::CounterReplay
        )
    }
}

/// An error with a one-sentence message and, for WeChat API errors, WeChat's errcode and errmsg.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    wechat: Option<(i64, String)>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), wechat: None }
    }

    /// A WeChat API error. errmsg comes from WeChat and never echoes our credentials.
    pub fn wechat(errcode: i64, errmsg: impl Into<String>, context: &str) -> Self {
        let errmsg = errmsg.into();
        Error {
            kind: ErrorKind::WeChatApi,
            message: format!("{context}: WeChat returned errcode {errcode} ({errmsg})"),
            wechat: Some((errcode, errmsg)),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// WeChat's errcode, for errors WeChat reported (also kept on token errors it caused).
    pub fn errcode(&self) -> Option<i64> {
        self.wechat.as_ref().map(|w| w.0)
    }

    pub fn errmsg(&self) -> Option<&str> {
        self.wechat.as_ref().map(|w| w.1.as_str())
    }

    /// Same error with another kind (e.g. a WeChat error met while fetching a token).
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// Same error (kind, errcode, errmsg) with `prefix` before its message.
    pub(crate) fn prefixed(&self, prefix: &str) -> Self {
        Error { kind: self.kind, message: format!("{prefix}{}", self.message), wechat: self.wechat.clone() }
    }

    /// Same error (kind, errcode, errmsg) with `suffix` after its message.
    pub(crate) fn suffixed(&self, suffix: &str) -> Self {
        Error { kind: self.kind, message: format!("{}{suffix}", self.message), wechat: self.wechat.clone() }
    }

    pub(crate) fn arg(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }
    pub(crate) fn json(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidJson, message)
    }
    pub(crate) fn key(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidKey, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some((code, msg)) = &self.wechat {
            d.field("errcode", code).field("errmsg", msg);
        }
        d.finish()
    }
}

impl std::error::Error for Error {}
