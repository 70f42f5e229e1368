//! The in-memory store: one process, thread-safe, bounded in entries and in bytes.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{device_key, FaceSession, Step, Store, Verdict, DEFAULT_MAX_CHALLENGES_PER_SUBJECT, MAX_CHALLENGES_PER_SUBJECT};
use crate::error::{Error, ErrorKind, Result};

/// Default bound on pending (issued, unused, unexpired) challenges.
pub const DEFAULT_MAX_CHALLENGES: usize = 100_000;
/// Default bound on the devices whose last counter is remembered.
pub const DEFAULT_MAX_DEVICES: usize = 1_000_000;

/// Bounds of a [`MemoryStore`]; each at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryOptions {
    /// Pending challenges held at most. Expired ones are dropped first; when the store is still
    /// full, `issue_challenge` fails with `StoreUnavailable` instead of growing.
    pub max_challenges: usize,
    /// Devices (subject, cpu_id, uid) whose last counter is remembered at most (each costs a
    /// fixed ~100 bytes: the identity is kept as its SHA-256). At the bound the least recently
    /// accepted sixteenth is forgotten: such a device's next result is accepted with any counter
    /// (its challenge is still single use, which is what stops replays; the counter is the
    /// second line).
    pub max_devices: usize,
    /// Pending challenges per subject (default 16, at most 1024): issuing past it drops that
    /// subject's oldest, so one user cannot fill the store or lock others out.
    pub max_challenges_per_subject: u32,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            max_challenges: DEFAULT_MAX_CHALLENGES,
            max_devices: DEFAULT_MAX_DEVICES,
            max_challenges_per_subject: DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
        }
    }
}

struct Pending {
    challenge: Box<str>,
    expires: Instant,
}

/// A face session of `face_start` (see [`Store::face_record`]).
struct Face {
    session: Box<str>,
    record: Box<str>,
    expires: Instant,
}

struct Inner {
    /// Used legacy face tickets (their SHA-256) until they expire; at most `max_challenges`.
    tickets: HashMap<[u8; 32], Instant>,
    /// Per subject, its face sessions in the order recorded (the per-subject bound applies).
    faces: HashMap<Box<str>, Vec<Face>>,
    /// Face sessions in all subjects; at most `max_challenges`.
    face_count: usize,
    /// Per subject, its pending challenges in the order issued (at most the per-subject bound,
    /// so a linear scan is a handful of comparisons).
    subjects: HashMap<Box<str>, Vec<Pending>>,
    /// Challenges pending in all subjects.
    pending: usize,
    /// No expired entry can exist before this instant: sweeping earlier would free nothing.
    next_sweep: Instant,
    /// Counter and the tick it was last accepted at, per SHA-256 of (subject, device).
    counters: HashMap<[u8; 32], (u64, u64)>,
    tick: u64,
}

/// Challenges and counters in this process's memory, behind one lock held for a map lookup.
/// A forked child starts empty: a challenge issued before the fork stays the parent's (a copy
/// would let it be accepted once in each process), and a lock a parent thread held at the fork
/// cannot hang the child.
pub struct MemoryStore {
    options: MemoryOptions,
    inner: crate::fork::PerProcess<Mutex<Inner>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("options", &self.options).finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new(MemoryOptions::default()).expect("the defaults are valid")
    }
}

impl MemoryStore {
    /// A store with these bounds; a zero bound (or a per-subject bound above 1024) is
    /// `InvalidArgument`.
    pub fn new(options: MemoryOptions) -> Result<MemoryStore> {
        if options.max_challenges == 0 || options.max_devices == 0 {
            return Err(Error::arg("max_challenges and max_devices must be at least 1"));
        }
        if options.max_challenges_per_subject == 0 || options.max_challenges_per_subject > MAX_CHALLENGES_PER_SUBJECT {
            return Err(Error::arg(format!("max_challenges_per_subject must be 1 to {MAX_CHALLENGES_PER_SUBJECT}")));
        }
        Ok(MemoryStore { options, inner: crate::fork::PerProcess::new(Inner::empty(), |_| Inner::empty()) })
    }

    pub fn options(&self) -> MemoryOptions {
        self.options
    }

    /// Pending challenges held now (expired ones not yet swept included).
    pub fn pending(&self) -> usize {
        self.lock().pending
    }

    /// Devices whose counter is remembered now.
    pub fn devices(&self) -> usize {
        self.lock().counters.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps stay consistent across a panic (every update is one insert or remove).
        self.inner.get().lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Fixed-size key of a device's counter: identities of up to 64 KiB cost 32 bytes each.
fn counter_key(subject: &str, cpu_id: &str, uid: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(subject.len().to_le_bytes());
    h.update(subject.as_bytes());
    h.update(device_key(cpu_id, uid).as_bytes());
    h.finalize().into()
}

impl Inner {
    fn empty() -> Mutex<Inner> {
        Mutex::new(Inner {
            tickets: HashMap::new(),
            faces: HashMap::new(),
            face_count: 0,
            subjects: HashMap::new(),
            pending: 0,
            next_sweep: Instant::now(),
            counters: HashMap::new(),
            tick: 0,
        })
    }

    fn sweep(&mut self, now: Instant) {
        let mut earliest = None::<Instant>;
        let mut pending = 0;
        self.subjects.retain(|_, list| {
            list.retain(|p| p.expires > now);
            pending += list.len();
            earliest = list.iter().map(|p| p.expires).chain(earliest).min();
            !list.is_empty()
        });
        self.pending = pending;
        self.next_sweep = earliest.unwrap_or(now);
    }
}

impl Store for MemoryStore {
    fn issue(&self, subject: &str, challenge: &str, ttl: Duration) -> Result<()> {
        let now = Instant::now();
        let per_subject = self.options.max_challenges_per_subject as usize;
        let mut inner = self.lock();
        let inner = &mut *inner;
        // The subject's own expired challenges and, at its bound, its oldest make room first.
        if let Some(list) = inner.subjects.get_mut(subject) {
            let before = list.len();
            list.retain(|p| p.expires > now);
            if list.len() >= per_subject {
                list.drain(..list.len() + 1 - per_subject);
            }
            inner.pending -= before - list.len();
        }
        if inner.pending >= self.options.max_challenges && now >= inner.next_sweep {
            inner.sweep(now);
        }
        if inner.pending >= self.options.max_challenges {
            return Err(Error::new(
                ErrorKind::StoreUnavailable,
                format!(
                    "the in-memory guard holds its maximum of {} pending challenges; raise max_challenges, shorten the ttl or use Redis",
                    self.options.max_challenges
                ),
            ));
        }
        inner.next_sweep = inner.next_sweep.min(now + ttl);
        inner.subjects.entry(subject.into()).or_default().push(Pending { challenge: challenge.into(), expires: now + ttl });
        inner.pending += 1;
        Ok(())
    }

    fn consume(&self, step: &Step<'_>) -> Result<Verdict> {
        let now = Instant::now();
        let key = counter_key(step.subject, step.cpu_id, step.uid);
        let mut inner = self.lock();
        let Some(list) = inner.subjects.get_mut(step.subject) else {
            return Ok(Verdict::UnknownChallenge);
        };
        // Another subject's challenge stays theirs; an unknown one has nothing to consume.
        let Some(i) = list.iter().position(|p| *p.challenge == *step.challenge) else {
            return Ok(Verdict::UnknownChallenge);
        };
        let live = list.remove(i).expires > now;
        if list.is_empty() {
            inner.subjects.remove(step.subject);
        }
        inner.pending -= 1;
        if !live {
            return Ok(Verdict::UnknownChallenge);
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

    fn use_ticket(&self, ticket_sha256: &[u8; 32], ttl: Duration) -> Result<bool> {
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some(expires) = inner.tickets.get_mut(ticket_sha256) {
            if *expires > now {
                return Ok(false);
            }
            *expires = now + ttl;
            return Ok(true);
        }
        if inner.tickets.len() >= self.options.max_challenges {
            inner.tickets.retain(|_, e| *e > now);
        }
        // Full of live tickets: forgetting one could let it pass twice, so fail closed.
        if inner.tickets.len() >= self.options.max_challenges {
            return Err(Error::new(
                ErrorKind::StoreUnavailable,
                format!("the in-memory guard remembers its maximum of {} used face tickets; raise max_challenges or use Redis", self.options.max_challenges),
            ));
        }
        inner.tickets.insert(*ticket_sha256, now + ttl);
        Ok(true)
    }

    fn face_record(&self, subject: &str, session: &str, record: &str, ttl: Duration) -> Result<()> {
        let now = Instant::now();
        let per_subject = self.options.max_challenges_per_subject as usize;
        let mut inner = self.lock();
        let inner = &mut *inner;
        // As with challenges: the subject's expired sessions, then at its bound its oldest, go.
        if let Some(list) = inner.faces.get_mut(subject) {
            let before = list.len();
            list.retain(|f| f.expires > now && *f.session != *session);
            if list.len() >= per_subject {
                list.drain(..list.len() + 1 - per_subject);
            }
            inner.face_count -= before - list.len();
        }
        if inner.face_count >= self.options.max_challenges {
            inner.faces.retain(|_, list| {
                list.retain(|f| f.expires > now);
                !list.is_empty()
            });
            inner.face_count = inner.faces.values().map(Vec::len).sum();
        }
        if inner.face_count >= self.options.max_challenges {
            return Err(Error::new(
                ErrorKind::StoreUnavailable,
                format!("the in-memory guard holds its maximum of {} face sessions; raise max_challenges, shorten the ttl or use Redis", self.options.max_challenges),
            ));
        }
        inner.faces.entry(subject.into()).or_default().push(Face { session: session.into(), record: record.into(), expires: now + ttl });
        inner.face_count += 1;
        Ok(())
    }

    fn face_take(&self, subject: &str, session: &str) -> Result<Option<FaceSession>> {
        let now = Instant::now();
        let mut inner = self.lock();
        let Some(list) = inner.faces.get_mut(subject) else { return Ok(None) };
        let Some(i) = list.iter().position(|f| *f.session == *session) else { return Ok(None) };
        let face = list.remove(i);
        if list.is_empty() {
            inner.faces.remove(subject);
        }
        inner.face_count -= 1;
        if face.expires <= now {
            return Ok(None);
        }
        Ok(Some(FaceSession { record: face.record.into(), left: face.expires - now }))
    }
}

/// Drop the least recently accepted sixteenth (at least one), so the sweep is paid once per
/// max/16 new devices rather than per insert.
fn forget_least_recent(counters: &mut HashMap<[u8; 32], (u64, u64)>, max: usize) {
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
        let s = MemoryStore::new(MemoryOptions { max_challenges: 3, max_devices: 10, ..Default::default() }).unwrap();
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
        let s = MemoryStore::new(MemoryOptions { max_challenges: 3, max_devices: 10, ..Default::default() }).unwrap();
        s.issue("user", "secret-challenge", Duration::from_secs(60)).unwrap();
        let shown = format!("{s:?}");
        assert_eq!(shown, "MemoryStore { options: MemoryOptions { max_challenges: 3, max_devices: 10, max_challenges_per_subject: 16 }, .. }");
        assert_eq!(s.options(), MemoryOptions { max_challenges: 3, max_devices: 10, max_challenges_per_subject: 16 });
    }

    #[test]
    fn expired_challenges_are_swept_only_when_the_store_is_full() {
        // The sweep walks every challenge, so it runs when a bound is hit, not on every issue.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 4, max_devices: 10, ..Default::default() }).unwrap();
        for c in ["a", "b", "c"] {
            s.issue("u", c, Duration::from_millis(1)).unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
        s.issue("v", "d", Duration::from_secs(60)).unwrap();
        assert_eq!(s.pending(), 4, "not full before this issue: nothing swept");
        s.issue("v", "e", Duration::from_secs(60)).unwrap();
        assert_eq!(s.pending(), 2, "full: the three expired ones swept, then e added");
    }

    #[test]
    fn device_bound_forgets_least_recent() {
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 16, ..Default::default() }).unwrap();
        for i in 0..40u64 {
            let subject = format!("user-{i}");
            s.issue(&subject, "c", Duration::from_secs(60)).unwrap();
            assert_eq!(s.consume(&step(&subject, "c", 1)).unwrap(), Verdict::Accepted);
            assert!(s.devices() <= 16);
        }
        assert_eq!(s.last_counter("user-39", "cpu", "uid").unwrap(), Some(1));
        assert_eq!(s.last_counter("user-0", "cpu", "uid").unwrap(), None);
        // A bound of 32 forgets two at a time (a sixteenth), the two least recent.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 32, ..Default::default() }).unwrap();
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
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 16, ..Default::default() }).unwrap();
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

    #[test]
    fn one_subject_cannot_crowd_out_the_others() {
        let s = MemoryStore::new(MemoryOptions { max_challenges: 20, max_devices: 10, max_challenges_per_subject: 4 }).unwrap();
        let names: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
        for c in &names {
            s.issue("greedy", c, Duration::from_secs(60)).unwrap();
        }
        assert_eq!(s.pending(), 4, "only the subject's newest four are kept");
        for c in &names[..996] {
            assert_eq!(s.consume(&step("greedy", c, 1)).unwrap(), Verdict::UnknownChallenge, "{c} was dropped");
        }
        assert_eq!(s.consume(&step("greedy", &names[999], 1)).unwrap(), Verdict::Accepted, "the newest works");
        // Everyone else still gets challenges.
        for i in 0..16 {
            s.issue(&format!("other-{i}"), "x", Duration::from_secs(60)).unwrap();
        }
        // The subject's own expired challenges are dropped when it asks again.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 2, max_devices: 10, max_challenges_per_subject: 4 }).unwrap();
        s.issue("u", "a", Duration::from_millis(1)).unwrap();
        s.issue("u", "b", Duration::from_millis(1)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        s.issue("u", "c", Duration::from_secs(60)).unwrap();
        assert_eq!(s.pending(), 1);
    }

    #[test]
    fn zero_bounds_are_refused() {
        for o in [
            MemoryOptions { max_devices: 0, ..Default::default() },
            MemoryOptions { max_challenges: 0, ..Default::default() },
            MemoryOptions { max_challenges_per_subject: 0, ..Default::default() },
            MemoryOptions { max_challenges_per_subject: 1025, ..Default::default() },
        ] {
            assert_eq!(MemoryStore::new(o).unwrap_err().kind(), ErrorKind::InvalidArgument, "{o:?}");
        }
        assert!(MemoryStore::new(MemoryOptions { max_challenges: 1, max_devices: 1, max_challenges_per_subject: 1024 }).is_ok());
    }

    #[test]
    fn device_identities_cost_a_fixed_size() {
        // cpu_id and uid of up to 64 KiB each: the counter map holds their digest, not them.
        let s = MemoryStore::new(MemoryOptions { max_challenges: 100, max_devices: 100, ..Default::default() }).unwrap();
        let big = "x".repeat(64 * 1024);
        s.issue("u", "c", Duration::from_secs(60)).unwrap();
        let st = Step { subject: "u", challenge: "c", cpu_id: &big, uid: &big, counter: 1, device_ok: true };
        assert_eq!(s.consume(&st).unwrap(), Verdict::Accepted);
        assert_eq!(s.last_counter("u", &big, &big).unwrap(), Some(1));
        assert_eq!(s.last_counter("u", &big[1..], &big).unwrap(), None);
        assert_eq!(std::mem::size_of::<[u8; 32]>() + std::mem::size_of::<(u64, u64)>(), 48);
    }

    #[test]
    fn a_child_forked_while_the_lock_is_held_starts_empty_and_does_not_hang() {
        let s = std::sync::Arc::new(MemoryStore::default());
        s.issue("u", "before-fork", Duration::from_secs(60)).unwrap();
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = {
            let s = s.clone();
            std::thread::spawn(move || {
                let _guard = s.lock();
                held_tx.send(()).unwrap();
                let _ = release_rx.recv_timeout(Duration::from_secs(5));
            })
        };
        held_rx.recv().unwrap();
        // SAFETY: the child uses only this store and exits with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            unsafe { libc::alarm(5) }; // a hang fails the test (SIGALRM) instead of stalling it
            let ok = s.consume(&step("u", "before-fork", 1)).unwrap() == Verdict::UnknownChallenge
                && s.issue("u", "in-child", Duration::from_secs(60)).is_ok()
                && s.consume(&step("u", "in-child", 1)).unwrap() == Verdict::Accepted;
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status} (14 = SIGALRM: it hung)");
        // The parent keeps its challenge.
        assert_eq!(s.consume(&step("u", "before-fork", 1)).unwrap(), Verdict::Accepted);
    }
}
