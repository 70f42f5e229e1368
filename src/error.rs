//! One error type for the whole crate. Every failure carries exactly one [`ErrorKind`], which maps
//! one to one onto the C status enum and the Python and Java exception classes.
//!
//! Messages are built by this crate only from non-secret facts (sizes, field names, positions);
//! callers never format secrets (app secret, tokens, names, ID numbers) into them.

use std::fmt;
use std::time::Duration;

/// The one list of statuses: each row is an [`ErrorKind`] (with its docs), its `SoterStatus`
/// value, the `SoterStatus` variant of the C ABI (src/ffi) and its C name without
/// `SOTER_STATUS_`. The lowercase of that name is the CLI's word for it. Expands `$then!` with
/// the rows: [`ErrorKind`] and its names here, the C conversions and `soter_status_name` in
/// src/ffi. The C enum itself stays written out in src/ffi (cbindgen reads source, not macro
/// expansions); the conversions generated there fail to compile unless it matches this list both
/// ways. The Python and Java declarations are generated from the header (`make generate`).
macro_rules! statuses {
    ($then:ident) => {
        $then! {
            /// API misuse: a null pointer, an option out of range, an impossible combination.
            InvalidArgument = 1 => InvalidArgument, "INVALID_ARGUMENT";
            /// Input that is not what was expected: invalid UTF-8, an empty value, a bad option string.
            InvalidInput = 2 => InvalidInput, "INVALID_INPUT";
            /// Input larger than the documented cap.
            InputTooLarge = 3 => InputTooLarge, "INPUT_TOO_LARGE";
            /// A public key that cannot be parsed or is not a usable RSA key.
            InvalidKey = 4 => InvalidKey, "INVALID_KEY";
            /// An RSA key below 2048 bits.
            KeyTooSmall = 5 => KeyTooSmall, "KEY_TOO_SMALL";
            /// A well-formed key of another type (EC, DSA, Ed25519) or an RSA key above 4096 bits.
            UnsupportedKey = 6 => UnsupportedKey, "UNSUPPORTED_KEY";
            /// A signature that cannot be decoded or has the wrong length for the key.
            MalformedSignature = 7 => MalformedSignature, "MALFORMED_SIGNATURE";
            /// JSON that is not well formed, too deep, or has a field of the wrong type or missing.
            InvalidJson = 8 => InvalidJson, "INVALID_JSON";
            /// A JSON object that names the same field twice.
            DuplicateField = 9 => DuplicateField, "DUPLICATE_FIELD";
            /// The signature does not verify.
            SignatureInvalid = 10 => SignatureInvalid, "SIGNATURE_INVALID";
            /// The signed `raw` is not the challenge the server issued.
            ChallengeMismatch = 11 => ChallengeMismatch, "CHALLENGE_MISMATCH";
            /// The signed `cpu_id` or `uid` is not the expected device's.
            DeviceMismatch = 12 => DeviceMismatch, "DEVICE_MISMATCH";
            /// The signed counter is below the minimum (a replayed or stale result).
            CounterReplay = 13 => CounterReplay, "COUNTER_REPLAY";
            /// A network failure: connection refused or reset, DNS, TLS.
            Network = 14 => Network, "NETWORK";
            /// A call's overall deadline, its connect timeout or a per-attempt timeout expired (the
            /// message names which).
            Timeout = 15 => Timeout, "TIMEOUT";
            /// WeChat answered with a non-zero errcode (carried with errmsg).
            WeChatApi = 16 => WechatApi, "WECHAT_API";
            /// No access token could be obtained.
            Token = 17 => Token, "TOKEN";
            /// WeChat's response was not the JSON it documents (or too large).
            MalformedResponse = 18 => MalformedResponse, "MALFORMED_RESPONSE";
            /// A client setting that is refused (plain http to a remote host, a bad URL or proxy).
            Config = 19 => Config, "CONFIG";
            /// The state store (Redis) could not be reached or did not answer in time; fails closed.
            StoreUnavailable = 20 => StoreUnavailable, "STORE_UNAVAILABLE";
            /// A certificate chain that cannot be accepted: unparseable, a signature that does not verify,
            /// a non-CA intermediate, outside its validity, or no usable attestation.
            CertificateInvalid = 21 => CertificateInvalid, "CERTIFICATE_INVALID";
            /// A sound certificate chain that ends at a root that is not trusted.
            UntrustedRoot = 22 => UntrustedRoot, "UNTRUSTED_ROOT";
            /// A certificate of the chain is listed in the revocation status list the caller passed
            /// (revoked or suspended). A kind of `CertificateInvalid` in Python and Java.
            CertificateRevoked = 23 => CertificateRevoked, "CERTIFICATE_REVOKED";
            /// A bug in this library (a caught panic). Never caused by input.
            Internal = 99 => Internal, "INTERNAL";
        }
    };
}
pub(crate) use statuses;

/// `s` in lowercase, at compile time (the CLI words).
const fn ascii_lower<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = b[i].to_ascii_lowercase();
        i += 1;
    }
    out
}

macro_rules! define_error_kind {
    ($( $(#[doc = $doc:literal])* $kind:ident = $code:literal => $status:ident, $name:literal; )+) => {
        /// What went wrong. The discriminants are the C ABI's `SoterStatus` values.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $( $(#[doc = $doc])* $kind = $code, )+
        }

        impl ErrorKind {
            /// Every kind, in status order (used by tests that check each layer maps them all).
            pub const ALL: [ErrorKind; [$($code),+].len()] = [$(ErrorKind::$kind),+];

            /// The kind whose `SoterStatus` value is `code` (None for OK and unknown values).
            pub fn from_code(code: i32) -> Option<ErrorKind> {
                match code {
                    $( $code => Some(ErrorKind::$kind), )+
                    _ => None,
                }
            }

            /// The C name of the status, e.g. `"SOTER_STATUS_KEY_TOO_SMALL"`.
            pub fn status_name(self) -> &'static str {
                let name = self.status_name_nul();
                &name[..name.len() - 1]
            }

            /// [`ErrorKind::status_name`] NUL-terminated, for the C ABI.
            pub(crate) fn status_name_nul(self) -> &'static str {
                match self {
                    $( ErrorKind::$kind => concat!("SOTER_STATUS_", $name, "\0"), )+
                }
            }

            /// The status name in snake case without the prefix, e.g. `"key_too_small"` (the
            /// CLI's word for it).
            pub fn word(self) -> &'static str {
                match self {
                    $( ErrorKind::$kind => {
                        const BYTES: [u8; $name.len()] = ascii_lower($name);
                        const WORD: &str = match std::str::from_utf8(&BYTES) {
                            Ok(w) => w,
                            Err(_) => panic!("a status name is ASCII"),
                        };
                        WORD
                    } )+
                }
            }
        }
    };
}

statuses!(define_error_kind);

impl ErrorKind {
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

#[cfg(test)]
mod status_list_tests {
    use super::ErrorKind;

    #[test]
    fn names_words_and_codes_come_from_the_one_list() {
        assert_eq!(ErrorKind::ALL.len(), 24);
        assert_eq!(ErrorKind::KeyTooSmall.status_name(), "SOTER_STATUS_KEY_TOO_SMALL");
        assert_eq!(ErrorKind::WeChatApi.status_name(), "SOTER_STATUS_WECHAT_API");
        assert_eq!(ErrorKind::WeChatApi.word(), "wechat_api");
        assert_eq!(ErrorKind::Internal.word(), "internal");
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind as i32), Some(kind));
            assert_eq!(kind.word().to_ascii_uppercase(), kind.status_name()["SOTER_STATUS_".len()..]);
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(24), None);
    }
}

/// A duration in a message, with its unit: "300 ms" below a second, "15 s", "1.5 s".
pub(crate) fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod human_tests {
    use super::human;
    use std::time::Duration;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(human(Duration::from_millis(0)), "0 ms");
        assert_eq!(human(Duration::from_millis(999)), "999 ms");
        assert_eq!(human(Duration::from_secs(1)), "1 s");
        assert_eq!(human(Duration::from_secs(15)), "15 s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_secs(3600)), "3600 s");
    }
}
