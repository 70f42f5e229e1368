//! The checks every backend must make, in one call: the signature over the exact bytes, then the
//! challenge binding, the device binding and the counter. A valid signature alone proves nothing.

use crate::attestation::Ask;
use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::pss::SaltLen;
use crate::result_json::{AuthKeyJson, ResultJson, ResultJsonRef};

/// What the server expects of a result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    /// The challenge this server issued for this authentication (required).
    pub challenge: String,
    /// The device's cpu_id as stored with its AuthKey.
    pub cpu_id: Option<String>,
    /// The uid as stored with the AuthKey.
    pub uid: Option<String>,
    /// Lowest acceptable counter: pass the last accepted counter + 1 to refuse replays.
    pub min_counter: Option<u64>,
    /// Salt length rule for the signature.
    pub salt_len: SaltLen,
}

impl Expectations {
    pub fn new(challenge: impl Into<String>) -> Self {
        Expectations { challenge: challenge.into(), ..Default::default() }
    }
}

/// Verify one SOTER result end to end. Returns the parsed result, or exactly one of
/// `SignatureInvalid`, `ChallengeMismatch`, `DeviceMismatch`, `CounterReplay` (or an input error:
/// malformed signature or JSON).
pub fn authenticate(key: &PublicKey, result_json: &[u8], signature: &[u8], expect: &Expectations) -> Result<ResultJson> {
    authenticate_with(Backend::default(), key, result_json, signature, expect)
}

/// [`authenticate`] on an explicitly chosen backend (see [`Backend`]).
pub fn authenticate_with(
    backend: Backend,
    key: &PublicKey,
    result_json: &[u8],
    signature: &[u8],
    expect: &Expectations,
) -> Result<ResultJson> {
    authenticate_ref(backend, key, result_json, signature, expect).map(ResultJsonRef::into_owned)
}

/// [`authenticate_with`], the result borrowing from `result_json` (for the C ABI's packed call,
/// which copies the fields out and needs no owned copy of each).
pub(crate) fn authenticate_ref<'a>(
    backend: Backend,
    key: &PublicKey,
    result_json: &'a [u8],
    signature: &[u8],
    expect: &Expectations,
) -> Result<ResultJsonRef<'a>> {
    crate::log::refused("authenticate", check_all(backend, key, result_json, signature, expect))
}

fn check_all<'a>(
    backend: Backend,
    key: &PublicKey,
    result_json: &'a [u8],
    signature: &[u8],
    expect: &Expectations,
) -> Result<ResultJsonRef<'a>> {
    if expect.challenge.is_empty() {
        return Err(Error::arg("the expected challenge is empty; pass the challenge this server issued"));
    }
    // As verify_result: the signature first, then the parse.
    key.verify_with(backend, result_json, signature, expect.salt_len)?;
    let parsed = ResultJsonRef::parse(result_json)?;
    if !constant_time_eq(parsed.raw.as_bytes(), expect.challenge.as_bytes()) {
        return Err(Error::new(
            ErrorKind::ChallengeMismatch,
            "the signed challenge (raw) is not the one this server issued",
        ));
    }
    check_device_fields(&parsed.cpu_id, &parsed.uid, expect.cpu_id.as_deref(), expect.uid.as_deref())?;
    if let Some(min) = expect.min_counter {
        if parsed.counter < min {
            return Err(Error::new(
                ErrorKind::CounterReplay,
                format!("the result's counter {} is below the minimum {min} (replayed or stale)", parsed.counter),
            ));
        }
    }
    Ok(parsed)
}

/// The signature over the exact bytes, then the parse: the stateless half of [`authenticate`],
/// shared with the ReplayGuard (which checks challenge and counter against its store).
pub(crate) fn verify_result(
    backend: Backend,
    key: &PublicKey,
    result_json: &[u8],
    signature: &[u8],
    salt_len: SaltLen,
) -> Result<ResultJson> {
    // The signature is checked before a parse error is reported, so tampering that breaks the
    // JSON still reads as a bad signature. The salt rule is `verify`'s own (SaltLen::resolve).
    key.verify_with(backend, result_json, signature, salt_len)?;
    ResultJson::parse(result_json)
}

/// The device binding: the signed cpu_id and uid against the stored ones (None: not checked).
pub(crate) fn check_device(parsed: &ResultJson, cpu_id: Option<&str>, uid: Option<&str>) -> Result<()> {
    check_device_fields(&parsed.cpu_id, &parsed.uid, cpu_id, uid)
}

fn check_device_fields(signed_cpu_id: &str, signed_uid: &str, cpu_id: Option<&str>, uid: Option<&str>) -> Result<()> {
    if cpu_id.is_some_and(|c| c != signed_cpu_id) {
        return Err(Error::new(ErrorKind::DeviceMismatch, "the result's cpu_id is not the expected device's"));
    }
    if uid.is_some_and(|u| u != signed_uid) {
        return Err(Error::new(ErrorKind::DeviceMismatch, "the result's uid is not the expected one"));
    }
    Ok(())
}

/// Compare without an early exit, so timing does not reveal how much of a guess was right.
/// Length is not secret.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold back into an early-exit compare.
    std::hint::black_box(diff) == 0
}

/// A verified AuthKey: its public key and the device identity it was issued for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthKey {
    pub public_key: PublicKey,
    pub cpu_id: String,
    pub uid: String,
    pub counter: u64,
    /// The parsed export (pub_key text and any extra fields).
    pub json: AuthKeyJson,
}

/// What signs an AuthKey export: a trusted [`Ask`] (from [`crate::verify_ask_chain`] or
/// [`crate::wechat::WeChatClient::soter_verify_ask`]), or a bare ASK public key the server already
/// trusts by other means.
#[derive(Clone, Copy, Debug)]
pub enum AskRef<'a> {
    Key(&'a PublicKey),
    Ask(&'a Ask),
}

impl<'a> From<&'a PublicKey> for AskRef<'a> {
    fn from(k: &'a PublicKey) -> Self {
        AskRef::Key(k)
    }
}

impl<'a> From<&'a Ask> for AskRef<'a> {
    fn from(a: &'a Ask) -> Self {
        AskRef::Ask(a)
    }
}

/// Verify an AuthKey export JSON and its signature with the device's ASK, then load the AuthKey's
/// public key from its `pub_key`.
///
/// With an [`Ask`], the salt length is the attested `rsa_pss_saltlen` when the ASK has one, and the
/// AuthKey's `cpu_id` and `uid` must be the ASK's (`DeviceMismatch` otherwise). With a bare key,
/// the salt length is the AuthKey JSON's `rsa_pss_saltlen` when present, else 20, and the device
/// is not checked.
pub fn verify_auth_key<'a>(ask: impl Into<AskRef<'a>>, auth_key_json: &[u8], signature: &[u8]) -> Result<AuthKey> {
    crate::log::refused("verify_auth_key", check_auth_key(ask.into(), auth_key_json, signature))
}

fn check_auth_key(ask: AskRef<'_>, auth_key_json: &[u8], signature: &[u8]) -> Result<AuthKey> {
    let (key, salt) = match ask {
        AskRef::Key(k) => (k, SaltLen::Default),
        AskRef::Ask(a) => (&a.public_key, a.rsa_pss_saltlen.map_or(SaltLen::Default, |s| SaltLen::Exact(s as usize))),
    };
    key.verify(auth_key_json, signature, salt)?;
    let json = AuthKeyJson::parse(auth_key_json)?;
    if let AskRef::Ask(a) = ask {
        if json.cpu_id != a.cpu_id {
            return Err(Error::new(ErrorKind::DeviceMismatch, "the AuthKey's cpu_id is not the ASK's device"));
        }
        if json.uid != a.uid {
            return Err(Error::new(ErrorKind::DeviceMismatch, "the AuthKey's uid is not the ASK's"));
        }
    }
    let public_key = PublicKey::load(json.pub_key.as_bytes())
        .map_err(|e| Error::new(e.kind(), format!("the AuthKey's pub_key: {}", e.message())))?;
    Ok(AuthKey { public_key, cpu_id: json.cpu_id.clone(), uid: json.uid.clone(), counter: json.counter, json })
}

/// Bytes of randomness in a challenge (256 bits).
pub const CHALLENGE_BYTES: usize = 32;
/// Length of the text `new_challenge` returns.
pub const CHALLENGE_LEN: usize = 43;

/// A fresh challenge: 256 bits from the OS CSPRNG as URL-safe base64 without padding (43 chars).
/// Store it server-side, use it once, expire it quickly.
pub fn new_challenge() -> Result<String> {
    let mut bytes = [0u8; CHALLENGE_BYTES];
    getrandom::getrandom(&mut bytes)
        .map_err(|_| Error::new(ErrorKind::Internal, "the operating system's random generator failed"))?;
    Ok(crate::base64::encode_url(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn challenges_are_fresh_and_url_safe() {
        let a = new_challenge().unwrap();
        let b = new_challenge().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), CHALLENGE_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }
}
