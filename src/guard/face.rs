//! Face verification (人脸核身) under the guard: a result is used once and bound to the user.
//!
//! WeChat's face results are bearer values: a legacy `verify_result` ticket or a `verify_id`
//! that leaks from one session would otherwise pass any later request. The guard gives them a
//! challenge's discipline:
//! - legacy `getinfo`: the ticket is marked used in the store (its SHA-256, never the ticket)
//!   before WeChat is asked, so a second use anywhere that shares the store is
//!   `ChallengeMismatch` without a WeChat call, and two concurrent uses cannot both pass; the
//!   openid must be the subject's, `identify_ret` 0 and `identify_time` recent.
//! - `getverifyid` / `queryverifyinfo`: `face_start` records verify_id → (out_seq_no, cert_hash)
//!   for the subject; `face_finish` takes the record atomically, asks WeChat with the recorded
//!   out_seq_no, and puts the record back only when no answer arrived (a network failure or a
//!   timeout: the user may try again), so it is used up by the first call WeChat answered.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::{check_subject, ReplayGuard, MAX_TTL};
use crate::authenticate::constant_time_eq;
use crate::error::{Error, ErrorKind, Result};
use crate::wechat::{CertInfo, FaceInfo, VerifyId, VerifyInfo, WeChatClient};

/// Default `max_age` of a legacy face result: 10 minutes.
pub const DEFAULT_FACE_MAX_AGE: Duration = Duration::from_secs(600);
/// Default lifetime of a face session recorded by `face_start`: an hour.
pub const DEFAULT_FACE_TTL: Duration = Duration::from_secs(3600);
/// Clock skew allowed between WeChat and this server, and kept on top of `max_age` when a used
/// ticket is remembered: a ticket is refused by age once it is forgotten.
pub const TICKET_MARGIN: Duration = Duration::from_secs(300);
/// Longest out_seq_no accepted (WeChat's business serial number).
const MAX_OUT_SEQ_NO: usize = 256;
const MAX_TICKET: usize = 4096;

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn mismatch(why: &str) -> Error {
    Error::new(ErrorKind::ChallengeMismatch, why.to_owned())
}

fn not_passed(why: String) -> Error {
    Error::new(ErrorKind::SignatureInvalid, why)
}

fn check_value(name: &str, v: &str, max: usize) -> Result<()> {
    if v.is_empty() {
        return Err(Error::input(format!("{name} is empty")));
    }
    if v.len() > max {
        return Err(Error::new(ErrorKind::InputTooLarge, format!("{name} is longer than {max} bytes")));
    }
    Ok(())
}

/// Whether an error means WeChat's answer never arrived (nothing to show it saw the call): the
/// only case where a taken face session is put back.
fn no_answer(e: &Error) -> bool {
    !matches!(e.kind(), ErrorKind::WeChatApi | ErrorKind::MalformedResponse)
}

impl ReplayGuard {
    /// Legacy face verification (`getinfo`) for `subject`, used once: the ticket is marked used
    /// first (a second use on any server sharing the store is `ChallengeMismatch`, without a
    /// WeChat call; a ticket whose call failed stays used: the user verifies again), then WeChat's
    /// answer must name `subject` as its openid (`ChallengeMismatch` otherwise), have
    /// identify_ret 0 and an identify_time at most `max_age` (1 s to 24 h) old
    /// (`SignatureInvalid` otherwise, naming the reason). Check the person with
    /// [`FaceInfo::passed_for`].
    pub fn face_get_info(&self, client: &WeChatClient, verify_result: &str, subject: &str, max_age: Duration) -> Result<FaceInfo> {
        let verdict = self.face_get_info_inner(client, verify_result, subject, max_age);
        crate::log::refused("ReplayGuard face_get_info", verdict)
    }

    fn face_get_info_inner(&self, client: &WeChatClient, verify_result: &str, subject: &str, max_age: Duration) -> Result<FaceInfo> {
        check_subject(subject)?;
        check_value("verify_result", verify_result, MAX_TICKET)?;
        if max_age < Duration::from_secs(1) || max_age > MAX_TTL {
            return Err(Error::arg(format!("max_age {max_age:?} is outside 1 s to 24 h")));
        }
        // Remembered as long as its age check could still pass, and never past a day.
        let keep = (max_age + TICKET_MARGIN).min(MAX_TTL);
        let digest: [u8; 32] = Sha256::digest(verify_result.as_bytes()).into();
        if !self.store.use_ticket(&digest, keep)? {
            return Err(mismatch("the face verify_result was already used (on this or another server sharing the store)"));
        }
        let info = client.face_get_info(verify_result)?;
        match info.openid.as_deref() {
            Some(openid) if constant_time_eq(openid.as_bytes(), subject.as_bytes()) => {}
            Some(_) => return Err(mismatch("the face result belongs to another user (its openid is not the subject)")),
            None => return Err(mismatch("the face result names no openid, so it cannot be bound to the subject")),
        }
        if !info.passed() {
            return Err(not_passed(format!("the face verification did not pass (identify_ret {})", info.identify_ret)));
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        match info.identify_time {
            None => return Err(not_passed("the face result has no identify_time, so its age is unknown".to_owned())),
            Some(t) if t > now + TICKET_MARGIN.as_secs() as i64 => {
                return Err(not_passed(format!("the face result's identify_time is {}s in the future (clock skew?)", t - now)))
            }
            Some(t) if now - t > max_age.as_secs() as i64 => {
                return Err(not_passed(format!("the face result is {}s old, above max_age {}s", now - t, max_age.as_secs())))
            }
            Some(_) => {}
        }
        Ok(info)
    }

    /// Start a face verification session (`getverifyid`) for `subject` (the openid) and record
    /// it for `ttl` (1 s to 24 h; shortened to WeChat's `expires_in`), under the same per-subject
    /// bound as challenges. `out_seq_no` is generated (32 hex characters) when `None`.
    pub fn face_start(
        &self,
        client: &WeChatClient,
        subject: &str,
        cert: &CertInfo,
        out_seq_no: Option<&str>,
        ttl: Duration,
    ) -> Result<VerifyId> {
        let verdict = self.face_start_inner(client, subject, cert, out_seq_no, ttl);
        crate::log::refused("ReplayGuard face_start", verdict)
    }

    fn face_start_inner(&self, client: &WeChatClient, subject: &str, cert: &CertInfo, out_seq_no: Option<&str>, ttl: Duration) -> Result<VerifyId> {
        check_subject(subject)?;
        if ttl < Duration::from_secs(1) || ttl > MAX_TTL {
            return Err(Error::arg(format!("ttl {ttl:?} is outside 1 s to 24 h")));
        }
        let generated;
        let out_seq_no = match out_seq_no {
            Some(s) => s,
            None => {
                let mut bytes = [0u8; 16];
                getrandom::getrandom(&mut bytes)
                    .map_err(|_| Error::new(ErrorKind::Internal, "the operating system's random generator failed"))?;
                generated = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
                &generated
            }
        };
        check_value("out_seq_no", out_seq_no, MAX_OUT_SEQ_NO)?;
        let id = client.face_get_verify_id(out_seq_no, cert, subject)?;
        let ttl = match id.expires_in {
            Some(s) if s > 0 => ttl.min(Duration::from_secs(s as u64)),
            _ => ttl,
        };
        // The record: the cert_hash (64 hex characters), then the out_seq_no.
        let record = format!("{}:{out_seq_no}", cert.hash());
        self.store.face_record(subject, &sha256_hex(&id.verify_id), &record, ttl)?;
        Ok(id)
    }

    /// The session's result (`queryverifyinfo`): `verify_id` must be one `face_start` issued to
    /// `subject` on this store, unexpired and unused, and `cert` the document it was started
    /// with (`ChallengeMismatch` otherwise); WeChat is asked with the recorded out_seq_no and
    /// its verify_ret must be 10000 (`SignatureInvalid` otherwise, naming the outcome). The
    /// session is used up by the first call that gets WeChat's answer; one that got none
    /// (`Network`, `Timeout`, `Token`) leaves it usable until it expires.
    pub fn face_finish(&self, client: &WeChatClient, verify_id: &str, subject: &str, cert: &CertInfo) -> Result<VerifyInfo> {
        let verdict = self.face_finish_inner(client, verify_id, subject, cert);
        crate::log::refused("ReplayGuard face_finish", verdict)
    }

    fn face_finish_inner(&self, client: &WeChatClient, verify_id: &str, subject: &str, cert: &CertInfo) -> Result<VerifyInfo> {
        check_subject(subject)?;
        check_value("verify_id", verify_id, MAX_TICKET)?;
        let session = sha256_hex(verify_id);
        let Some(taken) = self.store.face_take(subject, &session)? else {
            return Err(mismatch(
                "the verify_id is not a face session of this subject: unknown, expired, already used or started for another subject",
            ));
        };
        let taken_at = Instant::now();
        let (Some((hash, out_seq_no)), true) = (taken.record.split_once(':'), taken.record.len() > 65) else {
            return Err(Error::new(ErrorKind::StoreUnavailable, "the store holds a face session record that is not well formed"));
        };
        // Both paths below that never reached WeChat give the session back with what it had left.
        let put_back = |why: Error| -> Error {
            let left = taken.left.saturating_sub(taken_at.elapsed());
            if left >= Duration::from_millis(1) {
                if let Err(e) = self.store.face_record(subject, &session, &taken.record, left) {
                    return Error::new(e.kind(), format!("{}; and the face session could not be put back: {}", why.message(), e.message()));
                }
            }
            why
        };
        if !constant_time_eq(hash.as_bytes(), cert.hash().as_bytes()) {
            return Err(put_back(mismatch("the identity document is not the one this face session was started with")));
        }
        let info = match client.face_query_verify_info(verify_id, out_seq_no, cert, subject) {
            Ok(info) => info,
            Err(e) if no_answer(&e) => return Err(put_back(e)),
            Err(e) => return Err(e),
        };
        if !info.passed() {
            return Err(not_passed(format!(
                "the face verification did not pass (verify_ret {}, {})",
                info.verify_ret,
                info.outcome.name()
            )));
        }
        Ok(info)
    }
}
