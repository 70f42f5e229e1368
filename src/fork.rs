//! Fork detection: what a process holds (pooled Redis and HTTP connections, the logger's lock)
//! must never be used by a child it forked. gunicorn `--preload`, uWSGI, Celery prefork and
//! `multiprocessing` fork after the app has used the library; Redis and HTTP/1.1 answer in order,
//! so two processes sharing one socket read each other's replies (a forged login accepted).
//!
//! A `pthread_atfork` child handler (registered once, on first use of anything that pools) bumps
//! a generation counter. A pool records the generation it was filled in and, on checkout, finds
//! out in one relaxed load whether it is in a child; it then forgets what it inherited without
//! touching it (no QUIT, no TLS close_notify: those bytes would land in the parent's stream) and
//! opens fresh connections. A counter rather than `getpid()` per checkout: no system call on the
//! hot path, and no pid reuse to reason about.

use std::any::Any;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

/// What a child inherited and must never use nor drop, kept reachable from here (a lock-free
/// list, never freed) rather than lost: leak checkers (valgrind in `make hardening`, users'
/// own) see it as still reachable, not as a leak.
struct Grave {
    _value: Box<dyn Any>,
    next: *mut Grave,
}
static GRAVEYARD: AtomicPtr<Grave> = AtomicPtr::new(std::ptr::null_mut());

/// Keep `value` forever without dropping it (its sockets belong to the parent process).
pub(crate) fn bury<T: 'static>(value: T) {
    let grave = Box::into_raw(Box::new(Grave { _value: Box::new(std::mem::ManuallyDrop::new(value)), next: std::ptr::null_mut() }));
    let mut head = GRAVEYARD.load(Ordering::Relaxed);
    loop {
        // SAFETY: `grave` is ours until the exchange publishes it.
        unsafe { (*grave).next = head };
        match GRAVEYARD.compare_exchange_weak(head, grave, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => return,
            Err(now) => head = now,
        }
    }
}

extern "C" fn in_child() {
    // Only this thread exists in the child: plain stores are safe here (async-signal-safe).
    GENERATION.fetch_add(1, Ordering::Relaxed);
    crate::log::after_fork_in_child();
}

/// The current process generation: it changes in every child forked after the first call.
/// Registers the fork handler on first use.
pub(crate) fn generation() -> u64 {
    REGISTER.call_once(|| {
        // SAFETY: registering a handler with no prepare/parent parts; `in_child` only touches
        // atomics and resets state no other thread can hold in the child.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        // ENOMEM is the only documented failure; without the handler nothing is fork-safe.
        assert_eq!(rc, 0, "pthread_atfork failed");
    });
    GENERATION.load(Ordering::Relaxed)
}

/// Something owned by the process generation that created it: `take` hands it out only in that
/// process; in a forked child the inherited value is buried (never dropped, never used), so its
/// sockets stay the parent's alone.
pub(crate) struct Owned<T: 'static> {
    value: std::mem::ManuallyDrop<T>,
    generation: u64,
}

impl<T: 'static> Owned<T> {
    pub(crate) fn new(value: T) -> Owned<T> {
        Owned { value: std::mem::ManuallyDrop::new(value), generation: generation() }
    }

    /// The value if this process created it; `None` (and the value buried) in a forked child.
    pub(crate) fn take(mut self) -> Option<T> {
        let mine = self.generation == generation();
        // SAFETY: `value` is taken or forgotten exactly once, here; `Drop` below never sees it.
        let value = unsafe { std::mem::ManuallyDrop::take(&mut self.value) };
        std::mem::forget(self);
        if mine {
            Some(value)
        } else {
            bury(value);
            None
        }
    }

    /// Whether this process created it.
    pub(crate) fn is_mine(&self) -> bool {
        self.generation == generation()
    }

    /// Borrow the value; `None` in a forked child.
    pub(crate) fn get(&self) -> Option<&T> {
        self.is_mine().then(|| &*self.value)
    }
}

impl<T: 'static> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: taken once, here; `take` forgets `self` so this never runs after it.
        let value = unsafe { std::mem::ManuallyDrop::take(&mut self.value) };
        if self.is_mine() {
            drop(value);
        } else {
            bury(value); // in a child: kept, never dropped (see the module docs)
        }
    }
}

/// A value per process: in a forked child, [`PerProcess::get`] makes a new one and buries the
/// inherited one (which may hold sockets, or a lock taken by a thread the child does not have).
pub(crate) struct PerProcess<T: 'static> {
    current: AtomicPtr<(u64, T)>,
}

impl<T: 'static> PerProcess<T> {
    pub(crate) fn new(value: T) -> PerProcess<T> {
        PerProcess { current: AtomicPtr::new(Box::into_raw(Box::new((generation(), value)))) }
    }

    /// This process's value, made by `make` on first use in a forked child.
    pub(crate) fn get(&self, make: impl Fn() -> T) -> &T {
        loop {
            let current = self.current.load(Ordering::Acquire);
            // SAFETY: values are freed only in Drop (with &mut self); replaced ones are buried,
            // so their memory stays where it is while other threads may still read it.
            let (made_in, value) = unsafe { &*current };
            if *made_in == generation() {
                return value;
            }
            let fresh = Box::into_raw(Box::new((generation(), make())));
            match self.current.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
                Ok(old) => bury(unsafe { Box::from_raw(old) }),
                // Another thread of this child replaced it first.
                Err(_) => drop(unsafe { Box::from_raw(fresh) }),
            }
        }
    }
}

impl<T: 'static> Drop for PerProcess<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Box::into_raw and is freed or buried only here.
        let current = unsafe { Box::from_raw(*self.current.get_mut()) };
        if current.0 == generation() {
            drop(current);
        } else {
            bury(current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_is_a_new_generation_and_buries_what_it_inherited() {
        let owned = Owned::new(std::sync::Arc::new(()));
        let weak = std::sync::Arc::downgrade(owned.get().unwrap());
        let before = generation();
        // SAFETY: the child only reads atomics and exits with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let ok = generation() != before && owned.get().is_none() && weak.strong_count() == 1;
            drop(owned);
            let ok = ok && weak.strong_count() == 1; // buried, not dropped
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child saw status {status}");
        assert_eq!(generation(), before);
        let value = owned.take().expect("the parent keeps what it made");
        drop(value);
        assert_eq!(weak.strong_count(), 0);
    }
}
