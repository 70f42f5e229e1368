//! C ABI for log events: one process-wide callback with a level and a message.

// The safety contract of every export is the header's (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::{guard, guard_value, SoterError, SoterStatus};
use crate::error::{Error, Result};
use crate::log::{Level, Logger};

/// No events (a `max_level`; never passed to the callback).
pub const SOTER_LOG_OFF: i32 = 0;
/// Calls fail until someone acts: the Redis store is unavailable, no access token can be had.
pub const SOTER_LOG_ERROR: i32 = 1;
/// Handled or handed back: a retry and its cause, a rejected access token, a WeChat errcode or
/// network failure returned to the caller.
pub const SOTER_LOG_WARN: i32 = 2;
/// Notable: an access token fetched or refreshed and why, the Redis store answering again.
pub const SOTER_LOG_INFO: i32 = 3;
/// A verification refused and why.
pub const SOTER_LOG_DEBUG: i32 = 4;
/// Every HTTP attempt to WeChat (method, path without the query, status, size).
pub const SOTER_LOG_TRACE: i32 = 5;
const _: () = assert!(SOTER_LOG_ERROR == Level::Error as i32 && SOTER_LOG_TRACE == Level::Trace as i32);

/// A log callback: `level` is one of SOTER_LOG_ERROR .. SOTER_LOG_TRACE; `message` is one line of
/// UTF-8 (control characters escaped), NUL-terminated, `message_len` bytes before the NUL,
/// borrowed for the duration of the call only. It never contains an app secret, access token,
/// password, name or ID number.
///
/// Called on the thread where the event happened (any thread that calls into the library),
/// possibly on several threads at once. It must return normally (no longjmp, no C++ exception
/// out of it), and must not call `soter_set_log_callback` (that call then fails); events raised
/// while it runs on a thread (by soter calls it makes) are dropped.
pub type SoterLogCallback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char, message_len: usize)>;

/// The callback and its user data, callable from any thread (the header requires as much).
struct CLogger {
    f: unsafe extern "C" fn(*mut c_void, i32, *const c_char, usize),
    user_data: *mut c_void,
}
// SAFETY: the header documents that the callback and user_data must be usable from any thread.
unsafe impl Send for CLogger {}
unsafe impl Sync for CLogger {}

impl CLogger {
    fn call(&self, level: Level, message: &str) {
        // dispatch escaped every control character, NUL included: the copy is a C string.
        let mut c = Vec::with_capacity(message.len() + 1);
        c.extend_from_slice(message.as_bytes());
        c.push(0);
        // SAFETY: a function pointer the caller supplied, with a valid NUL-terminated buffer.
        unsafe { (self.f)(self.user_data, level as i32, c.as_ptr().cast(), message.len()) }
    }
}

fn level_arg(max_level: i32) -> Result<Option<Level>> {
    match max_level {
        SOTER_LOG_OFF => Ok(None),
        n => Level::from_number(n.into()).map(Some).ok_or_else(|| {
            Error::arg(format!("max_level {n} is not a log level (SOTER_LOG_OFF 0 to SOTER_LOG_TRACE 5)"))
        }),
    }
}

/// Send the library's log events to `callback` (NULL: stop logging), those of `max_level` and
/// more severe (SOTER_LOG_OFF to SOTER_LOG_TRACE; anything else is SOTER_STATUS_INVALID_ARGUMENT).
/// `user_data` is passed to every call as given and must stay valid, and usable from any thread,
/// until the callback is replaced. Process-wide: one callback at a time.
///
/// When this returns, the previous callback is not running on any thread and will not be called
/// again (this waits for calls in flight on other threads: do not hold a lock here that the
/// callback takes). Called from inside the callback, it fails with SOTER_STATUS_INVALID_ARGUMENT.
///
/// With no callback set, or a `max_level` that filters an event, the event costs one atomic
/// load: nothing is formatted. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn soter_set_log_callback(
    callback: SoterLogCallback,
    user_data: *mut c_void,
    max_level: i32,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let level = level_arg(max_level)?;
        let logger = callback.map(|f| {
            let c = CLogger { f, user_data };
            Arc::new(move |level: Level, message: &str| c.call(level, message)) as Logger
        });
        crate::log::set_logger(logger, level)
    })
}

/// Change the most verbose level delivered to the callback (SOTER_LOG_OFF to SOTER_LOG_TRACE;
/// anything else is SOTER_STATUS_INVALID_ARGUMENT) without replacing it. Never waits: may be
/// called from anywhere, the callback included (e.g. to follow a host logger's level). Without a
/// callback nothing is logged whatever the level, and the next `soter_set_log_callback` sets its
/// own. Thread-safe.
#[no_mangle]
pub extern "C" fn soter_set_log_level(max_level: i32, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        crate::log::set_max_level(level_arg(max_level)?);
        Ok(())
    })
}

/// The most verbose level delivered now: SOTER_LOG_OFF when no callback is set. Thread-safe.
#[no_mangle]
pub extern "C" fn soter_log_level() -> i32 {
    guard_value(SOTER_LOG_OFF, || crate::log::max_level().map_or(SOTER_LOG_OFF, |l| l as i32))
}

/// "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "OFF" for SOTER_LOG_OFF, "UNKNOWN" for anything
/// else. Static string: do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn soter_log_level_name(level: i32) -> *const c_char {
    let name: &'static str = match level {
        SOTER_LOG_OFF => "OFF\0",
        SOTER_LOG_ERROR => "ERROR\0",
        SOTER_LOG_WARN => "WARN\0",
        SOTER_LOG_INFO => "INFO\0",
        SOTER_LOG_DEBUG => "DEBUG\0",
        SOTER_LOG_TRACE => "TRACE\0",
        _ => "UNKNOWN\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::sync::Mutex;

    static SEEN: Mutex<Vec<(i32, String, usize)>> = Mutex::new(Vec::new());

    unsafe extern "C" fn collect(user_data: *mut c_void, level: i32, message: *const c_char, len: usize) {
        let text = CStr::from_ptr(message).to_str().unwrap().to_owned();
        SEEN.lock().unwrap().push((level, text, len + user_data as usize));
    }

    #[test]
    fn levels_are_range_checked_and_messages_are_c_strings() {
        let _serial = crate::log::tests::SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let mut err: *mut SoterError = std::ptr::null_mut();
        // SAFETY: a valid callback, user data used as a number only, a valid error slot.
        unsafe {
            assert_eq!(soter_set_log_callback(Some(collect), std::ptr::null_mut(), 6, &mut err), SoterStatus::InvalidArgument);
            super::super::soter_error_free(err);
            assert_eq!(soter_set_log_callback(Some(collect), std::ptr::null_mut(), -1, std::ptr::null_mut()), SoterStatus::InvalidArgument);
            assert_eq!(soter_log_level(), SOTER_LOG_OFF);
            assert_eq!(soter_set_log_callback(Some(collect), 1000 as *mut c_void, SOTER_LOG_INFO, std::ptr::null_mut()), SoterStatus::Ok);
        }
        assert_eq!(soter_log_level(), SOTER_LOG_INFO);
        crate::log::event!(Info, "a\0b");
        crate::log::event!(Debug, "filtered");
        assert_eq!(soter_set_log_level(7, std::ptr::null_mut()), SoterStatus::InvalidArgument);
        assert_eq!(soter_set_log_level(SOTER_LOG_OFF, std::ptr::null_mut()), SoterStatus::Ok);
        crate::log::event!(Error, "off");
        // SAFETY: removing the callback.
        unsafe { assert_eq!(soter_set_log_callback(None, std::ptr::null_mut(), SOTER_LOG_OFF, std::ptr::null_mut()), SoterStatus::Ok) };
        // (Other unit tests running meanwhile may log too: only this test's events are compared.)
        let seen: Vec<_> =
            SEEN.lock().unwrap().iter().filter(|e| ["a\\u{0}b", "filtered", "off"].contains(&e.1.as_str())).cloned().collect();
        assert_eq!(seen, vec![(SOTER_LOG_INFO, "a\\u{0}b".to_owned(), 1007)]);
        for (n, name) in [(0, "OFF"), (1, "ERROR"), (5, "TRACE"), (6, "UNKNOWN")] {
            // SAFETY: a static NUL-terminated string.
            assert_eq!(unsafe { CStr::from_ptr(soter_log_level_name(n)) }.to_str().unwrap(), name);
        }
    }
}
