//! A value that belongs to the process that made it: the HTTP agent (its keep-alive pool holds
//! sockets) and the token cache (a mutex and condition variable a thread of the parent may hold at
//! fork). In a forked child the inherited value is never used and never dropped (dropping the
//! agent would write TLS close_notify or close sockets the parent still reads from): it is leaked,
//! and a fresh one, built from it by a function that may only *read* it (without waiting), takes
//! its place. See [`crate::fork`].
//!
//! Lock-free on the hot path: one pointer load and one generation compare. The pointer changes
//! only in a child, once per process generation, and what it pointed to is leaked, never freed,
//! so a reference handed out stays valid for as long as `self`.

use std::sync::atomic::{AtomicPtr, Ordering};

struct Slot<T> {
    generation: u64,
    value: T,
}

pub(crate) struct PerProcess<T> {
    current: AtomicPtr<Slot<T>>,
    /// Builds this process's value in a forked child from the inherited one.
    renew: fn(&T) -> T,
}

impl<T> PerProcess<T> {
    /// `renew` builds a child's value from the inherited one: it may read it but must not wait
    /// on anything in it (a lock may be held by a thread that does not exist in the child: use
    /// `try_lock`) nor use its sockets.
    pub(crate) fn new(value: T, renew: fn(&T) -> T) -> PerProcess<T> {
        let slot = Box::new(Slot { generation: crate::fork::generation(), value });
        PerProcess { current: AtomicPtr::new(Box::into_raw(slot)), renew }
    }

    /// This process's value (made now from the inherited one in a child's first use).
    pub(crate) fn get(&self) -> &T {
        let now = crate::fork::generation();
        loop {
            let p = self.current.load(Ordering::Acquire);
            // SAFETY: `current` always points to a live slot: slots are replaced only when they
            // belong to another process generation, and those are leaked, never freed.
            let slot = unsafe { &*p };
            if slot.generation == now {
                return &slot.value;
            }
            let fresh = Box::into_raw(Box::new(Slot { generation: now, value: (self.renew)(&slot.value) }));
            match self.current.compare_exchange(p, fresh, Ordering::AcqRel, Ordering::Acquire) {
                // The inherited slot is leaked on purpose (see the module docs).
                Ok(_) => {}
                // Another thread of this child renewed it first: ours was never shared.
                // SAFETY: `fresh` came from Box::into_raw above and was never published.
                Err(_) => drop(unsafe { Box::from_raw(fresh) }),
            }
        }
    }

    /// Whether the current value was made by this process (false in a child before first use).
    #[cfg(test)]
    pub(crate) fn is_mine(&self) -> bool {
        // SAFETY: as in `get`.
        unsafe { &*self.current.load(Ordering::Acquire) }.generation == crate::fork::generation()
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let p = *self.current.get_mut();
        // SAFETY: the slot came from Box::into_raw and `&mut self` means no reference is out.
        let slot = unsafe { Box::from_raw(p) };
        if slot.generation != crate::fork::generation() {
            // Inherited: leak the value untouched (its sockets are the parent's).
            std::mem::forget(slot);
        }
    }
}

// SAFETY: a PerProcess<T> hands out &T to any thread and drops T on the thread dropping it, as
// a plain T field would.
unsafe impl<T: Send + Sync> Send for PerProcess<T> {}
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_child_renews_from_the_inherited_value_and_leaks_it() {
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
            let leaked = weak.strong_count() == 1; // the inherited Arc was never dropped
            unsafe { libc::_exit(if before && renewed && leaked { 0 } else { 1 }) }
        }
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
        assert_eq!(**pp.get(), 7, "the parent keeps its value");
        drop(pp);
        assert_eq!(weak.strong_count(), 0, "the parent drops what it made");
    }
}
