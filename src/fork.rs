//! Fork detection: what a process holds (pooled Redis and HTTP connections; the logger's lock
//! has its own handler in `log`) must never be used by a child it forked. gunicorn `--preload`,
//! uWSGI, Celery prefork and `multiprocessing` fork after the app has used the library; Redis
//! and HTTP/1.1 answer in order, so two processes sharing one socket read each other's replies
//! (a forged login accepted).
//!
//! A `pthread_atfork` child handler (registered once, on first use of anything that pools) bumps
//! a generation counter. A [`PerProcess`] value records the generation it was made in and, on
//! each use, finds out in one relaxed load whether it is in a child; it then buries what it
//! inherited without touching it (no QUIT, no TLS close_notify: those bytes would land in the
//! parent's stream) and makes its own. A counter rather than `getpid()` per checkout: no system call on the
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

/// A value that belongs to the process that made it: an HTTP agent or a Redis pool (sockets), a
/// token cache or a memory store (locks a thread of the parent may hold at the fork). In a forked
/// child the inherited value is buried, and a fresh one, built from it by a function that may
/// only *read* it (without waiting: use `try_lock`), takes its place. Lock-free on the hot path:
/// one pointer load and one generation compare.
struct Slot<T: 'static> {
    generation: u64,
    value: T,
}

pub(crate) struct PerProcess<T: 'static> {
    current: AtomicPtr<Slot<T>>,
    /// The last generation whose renewal a thread has claimed: one thread of a child renews,
    /// the others wait for it. Run at once by sibling threads, `renew` would read the inherited
    /// value while another renewal holds its lock, and a bounded `try_lock` could give up on a
    /// lock held for microseconds (a descheduled thread): the child then lost its cached token.
    renewing: AtomicU64,
    /// Builds this process's value in a forked child from the inherited one.
    renew: fn(&T) -> T,
}

/// Gives a claimed renewal back if `renew` unwinds, so that the other threads do not wait on it.
struct Claim<'a> {
    renewing: &'a AtomicU64,
    before: u64,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.renewing.store(self.before, Ordering::Release);
    }
}

impl<T: 'static> PerProcess<T> {
    /// `renew` builds a child's value from the inherited one: it may read it but must not wait
    /// on anything in it (a lock may be held by a thread that does not exist in the child: use
    /// `try_lock`) nor use its sockets.
    pub(crate) fn new(value: T, renew: fn(&T) -> T) -> PerProcess<T> {
        let now = generation();
        let slot = Box::new(Slot { generation: now, value });
        PerProcess { current: AtomicPtr::new(Box::into_raw(slot)), renewing: AtomicU64::new(now), renew }
    }

    /// This process's value (made now from the inherited one in a child's first use).
    pub(crate) fn get(&self) -> &T {
        self.get_in(generation())
    }

    /// [`PerProcess::get`] in process generation `now` (tests stand in for a child with it,
    /// without forking the multi-threaded test process).
    fn get_in(&self, now: u64) -> &T {
        let mut waited = 0u32;
        loop {
            let p = self.current.load(Ordering::Acquire);
            // SAFETY: `current` always points to a live slot: slots are replaced only when they
            // belong to another process generation, and those are buried, never freed.
            let slot = unsafe { &*p };
            if slot.generation == now {
                return &slot.value;
            }
            // A value other than `now` was claimed in an earlier generation (by this process's
            // ancestors): this process may claim it. A claim of `now` is a live thread of this
            // process renewing, which waits on nothing: waiting for it is bounded.
            let seen = self.renewing.load(Ordering::Acquire);
            if seen != now && self.renewing.compare_exchange(seen, now, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                let claim = Claim { renewing: &self.renewing, before: seen };
                let fresh = Box::into_raw(Box::new(Slot { generation: now, value: (self.renew)(&slot.value) }));
                std::mem::forget(claim);
                // The inherited slot is buried: never used again, never dropped, its memory where
                // it is (other threads of this child may still be reading it).
                // SAFETY: `current` changes only under the claim, which is ours; the old slot came
                // from Box::into_raw and the swap made it ours alone.
                bury(unsafe { Box::from_raw(self.current.swap(fresh, Ordering::AcqRel)) });
                // SAFETY: `fresh` is published and, being of this generation, never replaced.
                return unsafe { &(*fresh).value };
            }
            waited += 1;
            if waited < 100 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
        }
    }

    /// Whether the current value was made by this process (false in a child before first use).
    #[cfg(test)]
    pub(crate) fn is_mine(&self) -> bool {
        // SAFETY: as in `get`.
        unsafe { &*self.current.load(Ordering::Acquire) }.generation == generation()
    }
}

impl<T: 'static> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let p = *self.current.get_mut();
        // SAFETY: the slot came from Box::into_raw and `&mut self` means no reference is out.
        let slot = unsafe { Box::from_raw(p) };
        if slot.generation != generation() {
            bury(slot); // inherited: kept untouched (its sockets are the parent's)
        }
    }
}

// SAFETY: a PerProcess<T> hands out &T to any thread and drops T on the thread dropping it, as
// a plain T field would.
unsafe impl<T: Send + Sync + 'static> Send for PerProcess<T> {}
unsafe impl<T: Send + Sync + 'static> Sync for PerProcess<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_per_process_value_is_renewed_in_a_child_and_the_inherited_one_buried() {
        let held = Arc::new(7u32);
        let weak = Arc::downgrade(&held);
        let pp = PerProcess::new(held, |old| Arc::new(**old + 1));
        assert_eq!(**pp.get(), 7);
        // SAFETY: the child touches only this test's values and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let before = !pp.is_mine();
            let renewed = **pp.get() == 8 && pp.is_mine();
            drop(pp);
            let leaked = weak.strong_count() == 1; // the inherited Arc was buried, never dropped
            unsafe { libc::_exit(if before && renewed && leaked { 0 } else { 1 }) }
        }
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
        assert_eq!(**pp.get(), 7, "the parent keeps its value");
        drop(pp);
        assert_eq!(weak.strong_count(), 0, "the parent drops what it made");
    }

    #[test]
    fn sibling_threads_of_a_child_renew_once_and_share_the_value() {
        // A slow renewal, as a descheduled thread makes it: the other threads of the child must
        // wait for it, not renew again from the inherited value (the token cache's renewal gave
        // up on a lock another renewal held, and the child lost its token). A child's generation
        // stands in for a fork: threads in a forked child of the test process could deadlock on
        // locks the test harness's other threads held at the fork.
        static RENEWALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let pp = Arc::new(PerProcess::new(1u64, |old| {
            RENEWALS.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
            old + 1
        }));
        let child = generation() + 1000;
        for round in 0..3 {
            let start = Arc::new(std::sync::Barrier::new(8));
            let seen: Vec<usize> = (0..8)
                .map(|_| {
                    let (pp, start) = (pp.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        let v = pp.get_in(child + round);
                        assert_eq!(*v, 2 + round);
                        v as *const u64 as usize
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            assert_eq!(RENEWALS.load(Ordering::SeqCst), 1 + round as usize, "one renewal per child");
            assert!(seen.iter().all(|&p| p == seen[0]), "every thread got the one renewed value");
        }
    }

    #[test]
    fn a_renewal_that_panics_leaves_the_next_call_to_renew() {
        static FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);
        let pp = PerProcess::new(1u64, |old| {
            if FIRST.swap(false, Ordering::SeqCst) {
                std::panic::resume_unwind(Box::new("the first renewal fails"));
            }
            old + 1
        });
        let child = generation() + 1000;
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *pp.get_in(child))).is_err());
        assert_eq!(*pp.get_in(child), 2, "the claim was given back: the next call renews");
    }
}
