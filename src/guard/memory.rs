//! The in-memory store: one process, thread-safe, bounded.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{device_key, Step, Store, Verdict};
use crate::error::{Error, ErrorKind, Result};

/// Default bound on pending (issued, unused, unexpired) challenges.
pub const DEFAULT_MAX_CHALLENGES: usize = 100_000;
/// Default bound on the devices whose last counter is remembered.
pub const DEFAULT_MAX_DEVICES: usize = 1_000_000;

/// Bounds of a [`MemoryStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryOptions {
    /// Pending challenges held at most. Expired ones are dropped first; when the store is still
    /// full, `issue_challenge` fails with `StoreUnavailable` instead of growing.
    pub max_challenges: usize,
    /// Devices (subject, cpu_id, uid) whose last counter is remembered at most. At the bound the
    /// least recently accepted sixteenth is forgotten: such a device's next result is accepted
    /// with any counter (its challenge is still single use, which is what stops replays; the
    /// counter is the second line).
    pub max_devices: usize,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions { max_challenges: DEFAULT_MAX_CHALLENGES, max_devices: DEFAULT_MAX_DEVICES }
    }
}

struct Pending {
    subject: Box<str>,
    expires: Instant,
}

struct Inner {
    challenges: HashMap<Box<str>, Pending>,
    /// No expired entry can exist before this instant: sweeping earlier would free nothing.
    next_sweep: Instant,
    /// Counter and the tick it was last accepted at, per subject and device.
    counters: HashMap<String, (u64, u64)>,
    tick: u64,
}

/// Challenges and counters in this process's memory, behind one lock held for a map lookup.
pub struct MemoryStore {
    options: MemoryOptions,
    inner: Mutex<Inner>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("options", &self.options).finish_non_exhaustive()
    }
}

impl MemoryStore {
    pub fn new(options: MemoryOptions) -> MemoryStore {
        MemoryStore {
            options,
            inner: Mutex::new(Inner {
                challenges: HashMap::new(),
                next_sweep: Instant::now(),
                counters: HashMap::new(),
                tick: 0,
            }),
        }
    }

    pub fn options(&self) -> MemoryOptions {
        self.options
    }

    /// Pending challenges held now (expired ones not yet swept included).
    pub fn pending(&self) -> usize {
        self.lock().challenges.len()
    }

    /// Devices whose counter is remembered now.
    pub fn devices(&self) -> usize {
        self.lock().counters.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps stay consistent across a panic (every update is one insert or remove).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn counter_key(subject: &str, cpu_id: &str, uid: &str) -> String {
    format!("{}:{subject}{}", subject.len(), device_key(cpu_id, uid))
}

impl Store for MemoryStore {
    fn issue(&self, subject: &str, challenge: &str, ttl: Duration) -> Result<()> {
        let now = Instant::now();
        let mut inner = self.lock();
        if inner.challenges.len() >= self.options.max_challenges && now >= inner.next_sweep {
            inner.challenges.retain(|_, p| p.expires > now);
            let earliest = inner.challenges.values().map(|p| p.expires).min();
            inner.next_sweep = earliest.unwrap_or(now);
        }
        if inner.challenges.len() >= self.options.max_challenges {
            return Err(Error::new(
                ErrorKind::StoreUnavailable,
                format!(
                    "the in-memory guard holds its maximum of {} pending challenges; raise max_challenges, shorten the ttl or use Redis",
                    self.options.max_challenges
                ),
            ));
        }
        inner.next_sweep = inner.next_sweep.min(now + ttl);
        inner.challenges.insert(challenge.into(), Pending { subject: subject.into(), expires: now + ttl });
        Ok(())
    }

    fn consume(&self, step: &Step<'_>) -> Result<Verdict> {
        let now = Instant::now();
        let key = counter_key(step.subject, step.cpu_id, step.uid);
        let mut inner = self.lock();
        match inner.challenges.get(step.challenge) {
            Some(p) if *p.subject == *step.subject => {
                let live = p.expires > now;
                inner.challenges.remove(step.challenge);
                if !live {
                    return Ok(Verdict::UnknownChallenge);
                }
            }
            // Another subject's challenge stays theirs; an unknown one has nothing to consume.
            _ => return Ok(Verdict::UnknownChallenge),
        }
        if !step.device_ok {
            return Ok(Verdict::DeviceMismatch);
        }
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((last, used)) = inner.counters.get_mut(&key) {
            if step.counter <= *last {
                return Ok(Verdict::CounterNotAbove { last: *last });
            }
            *last = step.counter;
            *used = tick;
            return Ok(Verdict::Accepted);
        }
        if inner.counters.len() >= self.options.max_devices {
            forget_least_recent(&mut inner.counters, self.options.max_devices);
        }
        inner.counters.insert(key, (step.counter, tick));
        Ok(Verdict::Accepted)
    }

    fn last_counter(&self, subject: &str, cpu_id: &str, uid: &str) -> Result<Option<u64>> {
        Ok(self.lock().counters.get(&counter_key(subject, cpu_id, uid)).map(|c| c.0))
    }
}

/// Drop the least recently accepted sixteenth (at least one), so the sweep is paid once per
/// max/16 new devices rather than per insert.
fn forget_least_recent(counters: &mut HashMap<String, (u64, u64)>, max: usize) {
    let drop = (max / 16).max(1).min(counters.len());
    let mut ticks: Vec<u64> = counters.values().map(|c| c.1).collect();
    let (_, &mut cut, _) = ticks.select_nth_unstable(drop - 1);
    counters.retain(|_, c| c.1 > cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step<'a>(subject: &'a str, challenge: &'a str, counter: u64) -> Step<'a> {
        Step { subject, challenge, cpu_id: "cpu", uid: "uid", counter, device_ok: true }
    }

    #[test]
    fn full_store_refuses_then_recovers_after_expiry() {
        let s = MemoryStore::new(MemoryOptions { max_challenges: 3, max_devices: 10 });
        for c in ["a", "b", "c"] {
            s.issue("u", c, Duration::from_millis(300)).unwrap();
        }
        let e = s.issue("u", "d", Duration::from_secs(60)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StoreUnavailable);
        assert!(e.message().contains("maximum of 3 pending challenges"), "{e}");
        std::thread::sleep(Duration::from_millis(350));
        s.issue("u", "d", Duration::from_secs(60)).unwrap();
        assert_eq!(s.pending(), 1);
    }

    #[test]
    fn debug_shows_the_bounds() {
        let s = MemoryStore::new(MemoryOptions { max_challenges: 3, max_devices: 10 });
        s.issue("user", "secret-challenge", Duration::from_secs(60)).unwrap();
        let shown = format!("{s:?}");
        assert_eq!(shown, "MemoryStore { options: MemoryOptions { max_challenges: 3, max_devices: 10 }, .. }");
        assert_eq!(s.options(), MemoryOptions { max_challenges: 3, max_devices: 10 });
    }

    #[test]
    fn expired_challenges_are_swept_only_when_the_store_is_full() {
        // The sweep walks every challenge, so it runs when a bound is hit, not on every issue.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 4, max_devices: 10 });
        for c in ["a", "b", "c"] {
            s.issue("u", c, Duration::from_millis(1)).unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
        s.issue("u", "d", Duration::from_secs(60)).unwrap();
        assert_eq!(s.pending(), 4, "not full before this issue: nothing swept");
        s.issue("u", "e", Duration::from_secs(60)).unwrap();
        assert_eq!(s.pending(), 2, "full: the three expired ones swept, then e added");
    }

    #[test]
    fn device_bound_forgets_least_recent() {
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 16 });
        for i in 0..40u64 {
            let subject = format!("user-{i}");
            s.issue(&subject, "c", Duration::from_secs(60)).unwrap();
            assert_eq!(s.consume(&step(&subject, "c", 1)).unwrap(), Verdict::Accepted);
            assert!(s.devices() <= 16);
        }
        assert_eq!(s.last_counter("user-39", "cpu", "uid").unwrap(), Some(1));
        assert_eq!(s.last_counter("user-0", "cpu", "uid").unwrap(), None);
        // A bound of 32 forgets two at a time (a sixteenth), the two least recent.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 32 });
        for i in 0..33u64 {
            let subject = format!("user-{i}");
            s.issue(&subject, "c", Duration::from_secs(60)).unwrap();
            assert_eq!(s.consume(&step(&subject, "c", 1)).unwrap(), Verdict::Accepted);
        }
        assert_eq!(s.devices(), 31);
        assert_eq!(s.last_counter("user-1", "cpu", "uid").unwrap(), None);
        assert_eq!(s.last_counter("user-2", "cpu", "uid").unwrap(), Some(1));
    }

    #[test]
    fn a_device_used_again_is_kept_over_older_ones() {
        // Recency is by last accepted use, not by first insert: user-0 logs in again after
        // user-1..15 enrolled, so user-1 (now the least recent) is forgotten first.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 16 });
        let login = |subject: &str, challenge: &str, counter: u64| {
            s.issue(subject, challenge, Duration::from_secs(60)).unwrap();
            assert_eq!(s.consume(&step(subject, challenge, counter)).unwrap(), Verdict::Accepted);
        };
        for i in 0..16 {
            login(&format!("user-{i}"), "c", 1);
        }
        login("user-0", "c2", 2);
        login("user-16", "c", 1);
        assert_eq!(s.devices(), 16);
        assert_eq!(s.last_counter("user-0", "cpu", "uid").unwrap(), Some(2));
        assert_eq!(s.last_counter("user-1", "cpu", "uid").unwrap(), None);
        assert_eq!(s.last_counter("user-16", "cpu", "uid").unwrap(), Some(1));
    }
}
