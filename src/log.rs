//! Log events for the people who run a backend: an access token fetched or refreshed and why, a
//! retry and its cause, a WeChat errcode returned to the caller, the Redis store going away and
//! coming back, and (at debug level) a verification refused and why.
//!
//! One process-wide logger: a function of a [`Level`] and a message, set with [`set_logger`]. The
//! C ABI (`soter_set_log_callback`) and the Python and Java packages map it onto theirs. Every log
//! site checks one atomic level before anything is formatted: with no logger set, or a logger
//! whose level filters the event, a log site costs one relaxed atomic load.
//!
//! Messages follow the rule of error messages (which many events quote): no app secret, access
//! token, password, name or ID number ever appears in one. Control characters (e.g. a newline in
//! a WeChat errmsg) are escaped, so one event is one line.
//!
//! ```
//! use std::sync::Arc;
//! use soter_verify::log::{set_logger, Level};
//!
//! // Forward to your logging framework (here: stderr), WARN and above.
//! set_logger(Some(Arc::new(|level: Level, message: &str| eprintln!("{level} soter_verify: {message}"))), Some(Level::Warn))
//!     .unwrap();
//! # set_logger(None, None).unwrap();
//! ```
//!
//! Rust programs that log through the [`log`](https://docs.rs/log) facade (env_logger, tracing's
//! `log` compatibility, log4rs...) call [`to_log_crate`] once, after setting up their logger: the
//! events then arrive there, with target `soter_verify`. It is a logger like any other (it
//! replaces the one set before); nothing is sent to `log` unless it is called, so that a log
//! site with no logger keeps costing one atomic load, and C, Python and Java users (whose
//! process has no `log` logger) pay nothing for it.

use std::cell::Cell;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::{Error, Result};

/// `crate::log::event!(Info, "format", args...)`: an event at `Level::Info`, formatted only when a
/// logger wants that level.
macro_rules! event {
    ($level:ident, $($arg:tt)+) => {{
        const LEVEL: $crate::log::Level = $crate::log::Level::$level;
        if $crate::log::enabled(LEVEL) {
            $crate::log::dispatch(LEVEL, format_args!($($arg)+));
        }
    }};
}
pub(crate) use event;

/// Severity of an event, most severe first. The discriminants are the C ABI's `SOTER_LOG_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    /// Calls fail until someone acts: the Redis store is unavailable, no access token can be had.
    Error = 1,
    /// Something went wrong and was handled or handed back: a retry, a rejected token, a WeChat
    /// errcode or network failure returned to the caller.
    Warn = 2,
    /// Normal but notable: an access token fetched or refreshed, the Redis store back.
    Info = 3,
    /// A verification refused and why (expected in normal operation; an attack shows here).
    Debug = 4,
    /// Every HTTP attempt to WeChat (path, status, size, duration; never the query).
    Trace = 5,
}

impl Level {
    /// Every level, most severe first.
    pub const ALL: [Level; 5] = [Level::Error, Level::Warn, Level::Info, Level::Debug, Level::Trace];

    /// The level numbered `n` (1 = Error ... 5 = Trace), as in the C ABI.
    pub fn from_number(n: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| *l as i64 == n)
    }

    /// "ERROR", "WARN", "INFO", "DEBUG" or "TRACE".
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A logger: called with each event's level and message (one line, UTF-8, without a trailing
/// newline), on the thread where the event happened, possibly on several threads at once.
pub type Logger = Arc<dyn Fn(Level, &str) + Send + Sync>;

/// The logger state in one word, so that concurrent setters agree without a lock (a lock here
/// could be held at a fork by a thread the child does not have): bits 0-7 the most verbose level
/// delivered (0 when no logger is set: the only thing a log site reads before deciding to
/// format), bits 8-15 the level asked for, bit 16 whether a logger is installed.
static STATE: AtomicU32 = AtomicU32::new(0);
const INSTALLED: u32 = 1 << 16;

/// The logger (a leaked `Box<Logger>`, or null). Read only under `IN_FLIGHT`'s read lock; replaced
/// only under its write lock, so that replacing waits for calls in flight and a call never sees
/// a freed logger.
static SLOT: AtomicPtr<Logger> = AtomicPtr::new(std::ptr::null_mut());
static IN_FLIGHT: RwLock<()> = RwLock::new(());

thread_local! {
    /// Set while this thread runs the logger: events raised by the logger itself (a soter call
    /// it makes) are dropped, and replacing the logger from inside it is refused (it would wait
    /// for itself).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

fn inside_logger() -> bool {
    // During thread teardown the flag is gone: treat that as inside (deliver nothing).
    INSIDE.try_with(Cell::get).unwrap_or(true)
}

fn apply(installed: Option<bool>, max: u8) {
    let _ = STATE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
        let installed = installed.unwrap_or(old & INSTALLED != 0);
        let effective = if installed { max } else { 0 };
        Some(if installed { INSTALLED } else { 0 } | u32::from(max) << 8 | u32::from(effective))
    });
}

/// Set the process-wide logger and the most verbose level it receives (`None`: nothing), or
/// remove it (`None`). When this returns, the previous logger is not running on any thread and
/// will not be called again. Fails with `InvalidArgument` when called from inside the logger.
pub fn set_logger(logger: Option<Logger>, max_level: Option<Level>) -> Result<()> {
    if inside_logger() {
        return Err(Error::arg("the logger cannot be replaced from inside a log call"));
    }
    let max = max_level.map_or(0, |l| l as u8);
    register_fork_handler(); // from now on a forked child resets the lock (see after_fork_in_child)
    if logger.is_none() {
        apply(Some(false), max); // stop formatting new events before waiting
    }
    let installed = logger.is_some();
    let new = logger.map_or(std::ptr::null_mut(), |l| Box::into_raw(Box::new(l)));
    let in_flight = IN_FLIGHT.write().unwrap_or_else(PoisonError::into_inner);
    let old = SLOT.swap(new, Ordering::AcqRel);
    apply(Some(installed), max);
    drop(in_flight);
    if !old.is_null() {
        // SAFETY: `old` came from Box::into_raw above, and no reader holds it: readers use the
        // slot only under the read lock, which the write lock just waited out. Dropped outside
        // the lock: a logger's Drop may log.
        drop(unsafe { Box::from_raw(old) });
    }
    Ok(())
}

/// Change the most verbose level delivered (`None`: nothing) without replacing the logger.
/// Never waits: callable from anywhere, the logger included.
pub fn set_max_level(level: Option<Level>) {
    apply(None, level.map_or(0, |l| l as u8));
}

/// The most verbose level delivered now: `None` when no logger is set or its level is off.
pub fn max_level() -> Option<Level> {
    Level::from_number((STATE.load(Ordering::Relaxed) & 0xff).into())
}

/// Whether an event of `level` would be delivered: the check every log site makes first.
#[inline(always)]
pub(crate) fn enabled(level: Level) -> bool {
    STATE.load(Ordering::Relaxed) & 0xff >= level as u32
}

/// Registers [`after_fork_in_child`] with `pthread_atfork`, once. The logger's own handler (not
/// [`crate::fork`]'s): the two are independent, and neither module needs the other.
fn register_fork_handler() {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        extern "C" fn in_child() {
            after_fork_in_child();
        }
        // SAFETY: a child handler only, which resets state no other thread can hold in the child.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        // ENOMEM is the only documented failure; without the handler a child could hang.
        assert_eq!(rc, 0, "pthread_atfork failed");
    });
}

/// In a forked child (called by the handler [`set_logger`] registers, only this thread alive): a thread of
/// the parent that was inside a log delivery at the fork holds `IN_FLIGHT` for reading and does
/// not exist here, so the next `set_logger` (Python's uninstall at exit) would wait forever.
/// The lock is made new; the logger itself is kept.
fn after_fork_in_child() {
    // SAFETY: the child has one thread, so nothing uses the lock while it is overwritten; the
    // lock is all atomics and cells (interior mutability), and the old one owns no resources.
    unsafe { std::ptr::write(std::ptr::addr_of!(IN_FLIGHT).cast_mut(), RwLock::new(())) }
}

/// Format and deliver one event (the log site checked [`enabled`]). Never panics, never fails
/// the caller's operation: a logger that panics loses that event.
#[cold]
#[inline(never)]
pub(crate) fn dispatch(level: Level, args: fmt::Arguments<'_>) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if inside_logger() {
            return;
        }
        let message = one_line(args);
        let _in_flight = IN_FLIGHT.read().unwrap_or_else(PoisonError::into_inner);
        let logger = SLOT.load(Ordering::Acquire);
        if !logger.is_null() && enabled(level) {
            struct Reset;
            impl Drop for Reset {
                fn drop(&mut self) {
                    let _ = INSIDE.try_with(|f| f.set(false));
                }
            }
            INSIDE.with(|f| f.set(true));
            let _reset = Reset;
            // SAFETY: non-null slots hold a live Box<Logger>, freed only under the write lock.
            let logger = unsafe { &*logger };
            logger(level, &message);
        }
    }));
}

/// The message as one line: control characters escaped (`\n`, `\u{1b}`).
fn one_line(args: fmt::Arguments<'_>) -> String {
    let raw = fmt::format(args);
    if !raw.chars().any(char::is_control) {
        return raw;
    }
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Send every event to the [`log`](https://docs.rs/log) facade, target `soter_verify`, at the
/// matching level, up to the facade's current [`log::max_level`](::log::max_level) (read now:
/// call this after the application's logger is set up, and [`set_max_level`] to change it
/// later). Replaces the logger set before, like [`set_logger`], and fails as it does.
///
/// ```
/// // After env_logger::init() or the like:
/// soter_verify::log::to_log_crate().unwrap();
/// # soter_verify::log::set_logger(None, None).unwrap();
/// ```
pub fn to_log_crate() -> Result<()> {
    let max = Level::ALL.into_iter().rev().find(|l| ::log::Level::from(*l) <= ::log::max_level());
    set_logger(Some(Arc::new(|level: Level, message: &str| ::log::log!(target: "soter_verify", level.into(), "{message}"))), max)
}

impl From<Level> for ::log::Level {
    fn from(level: Level) -> ::log::Level {
        match level {
            Level::Error => ::log::Level::Error,
            Level::Warn => ::log::Level::Warn,
            Level::Info => ::log::Level::Info,
            Level::Debug => ::log::Level::Debug,
            Level::Trace => ::log::Level::Trace,
        }
    }
}

/// Log a refused or failed verification at debug level and hand the result back:
/// `what` names the operation (e.g. "ReplayGuard authenticate").
#[inline]
pub(crate) fn refused<T>(what: &str, result: Result<T>) -> Result<T> {
    if let Err(e) = &result {
        event!(Debug, "{what}: refused ({:?}): {e}", e.kind());
    }
    result
}


#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// Unit tests that set the process-wide logger take this first.
    pub(crate) static SERIAL: Mutex<()> = Mutex::new(());

    struct Counted<'a>(&'a AtomicUsize);
    impl fmt::Display for Counted<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fetch_add(1, Ordering::SeqCst);
            f.write_str("counted")
        }
    }

    fn capture(max: Option<Level>) -> Arc<Mutex<Vec<(Level, String)>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        set_logger(Some(Arc::new(move |l: Level, m: &str| s.lock().unwrap().push((l, m.to_owned())))), max).unwrap();
        seen
    }

    #[test]
    fn nothing_is_formatted_unless_a_logger_wants_the_level() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let formats = AtomicUsize::new(0);
        set_logger(None, None).unwrap();
        event!(Error, "{}", Counted(&formats));
        assert_eq!(formats.load(Ordering::SeqCst), 0, "no logger: nothing formatted");
        // A level without a logger delivers nothing either.
        set_max_level(Some(Level::Trace));
        assert_eq!(max_level(), None);
        event!(Error, "{}", Counted(&formats));
        assert_eq!(formats.load(Ordering::SeqCst), 0);

        let seen = capture(Some(Level::Info));
        assert_eq!(max_level(), Some(Level::Info));
        event!(Debug, "{}", Counted(&formats));
        assert_eq!(formats.load(Ordering::SeqCst), 0, "filtered: nothing formatted");
        event!(Info, "{} {}", Counted(&formats), 7);
        assert_eq!(formats.load(Ordering::SeqCst), 1);
        set_max_level(Some(Level::Debug));
        event!(Debug, "line one\nline two\u{1b}[31m");
        set_max_level(None);
        event!(Error, "{}", Counted(&formats));
        assert_eq!(formats.load(Ordering::SeqCst), 1);
        set_logger(None, None).unwrap();
        // (Other unit tests running meanwhile may log too: only this test's events are compared.)
        let ours = ["counted", "line one", "nested", "one", "outer"];
        let seen: Vec<_> = seen.lock().unwrap().iter().filter(|e| ours.iter().any(|o| e.1.starts_with(o))).cloned().collect();
        assert_eq!(
            seen,
            vec![(Level::Info, "counted 7".to_owned()), (Level::Debug, "line one\\nline two\\u{1b}[31m".to_owned())]
        );
    }

    #[test]
    fn a_panicking_logger_loses_its_event_and_nothing_else() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        set_logger(Some(Arc::new(|_: Level, _: &str| panic!("logger bug"))), Some(Level::Trace)).unwrap();
        event!(Error, "one");
        let r: Result<()> = refused("op", Err(Error::new(crate::ErrorKind::SignatureInvalid, "bad")));
        assert_eq!(r.unwrap_err().kind(), crate::ErrorKind::SignatureInvalid);
        // The flag was reset: the logger can be replaced from this thread.
        set_logger(None, None).unwrap();
    }

    #[test]
    fn the_logger_cannot_replace_itself_and_its_own_events_are_dropped() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let outcome = Arc::new(Mutex::new(Vec::new()));
        let o = outcome.clone();
        let logger: Logger = Arc::new(move |_: Level, m: &str| {
            event!(Error, "nested"); // dropped, not recursed into
            let replaced = set_logger(None, None).map_err(|e| e.kind());
            set_max_level(Some(Level::Warn)); // never waits
            o.lock().unwrap().push((m.to_owned(), replaced));
        });
        set_logger(Some(logger), Some(Level::Trace)).unwrap();
        event!(Info, "outer");
        assert_eq!(max_level(), Some(Level::Warn));
        set_logger(None, None).unwrap();
        assert_eq!(*outcome.lock().unwrap(), vec![("outer".to_owned(), Err(crate::ErrorKind::InvalidArgument))]);
    }

    #[test]
    fn replacing_waits_for_calls_in_flight() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let running = Arc::new(AtomicUsize::new(0));
        let r = running.clone();
        let logger: Logger = Arc::new(move |_: Level, _: &str| {
            r.fetch_add(1, Ordering::SeqCst);
            let _ = entered_tx.send(());
            std::thread::sleep(std::time::Duration::from_millis(200));
            r.fetch_sub(1, Ordering::SeqCst);
        });
        set_logger(Some(logger), Some(Level::Info)).unwrap();
        let t = std::thread::spawn(|| event!(Info, "slow"));
        entered_rx.recv().unwrap();
        set_logger(None, None).unwrap();
        assert_eq!(running.load(Ordering::SeqCst), 0, "set_logger returned while the old logger ran");
        t.join().unwrap();
    }

    #[test]
    fn a_child_forked_during_a_delivery_can_replace_the_logger() {
        // A thread of the parent is inside the logger at the fork: it does not exist in the child,
        // whose set_logger (Python's uninstall at exit) must not wait for it.
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let logger: Logger = Arc::new(move |_: Level, _: &str| {
            let _ = entered_tx.send(());
            let _ = release_rx.lock().unwrap().recv_timeout(std::time::Duration::from_secs(5));
        });
        // The test keeps a reference, so the child's set_logger only drops a count: dropping the
        // closure there would close channels a parent thread is blocked on.
        set_logger(Some(logger.clone()), Some(Level::Info)).unwrap();
        let t = std::thread::spawn(|| event!(Info, "slow"));
        entered_rx.recv().unwrap();
        // SAFETY: the child calls only set_logger (this crate's code) and _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            unsafe { libc::alarm(5) }; // a hang fails the test instead of stalling it
            let ok = set_logger(None, None).is_ok();
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        release_tx.send(()).unwrap();
        t.join().unwrap();
        set_logger(None, None).unwrap();
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status} (14 = SIGALRM: it hung)");
    }
}
