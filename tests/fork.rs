//! A WeChat client used by a parent, then by the children it forks (gunicorn `--preload`, uWSGI,
//! Celery prefork, `multiprocessing`): every child gets its own answers on its own connections,
//! and the parent's pooled connections stay its own. Loopback (127.0.0.1) only; every child is
//! waited for by its PID (and killed by its own alarm if it hangs).
//!
//! One test in this file: forking a multi-threaded test harness is safe only while no other test
//! runs in it.

use std::io::Read;
use std::os::fd::FromRawFd;
use std::sync::Arc;
use std::time::Duration;

use soter_verify::emulator::{Emulator, EmulatorConfig};
use soter_verify::testing::Device;
use soter_verify::wechat::{paths, RetryPolicy, WeChatClient};

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "s3cr3t-APP-SECRET-7f1e2d";
const CHILDREN: usize = 4;
/// Calls per child (two threads each).
const CALLS: usize = 40;
const THREADS: usize = 8;

fn openid(child: usize) -> String {
    format!("o_fork_child_{child}")
}

/// Whether call `i` of `child` sends the valid result: a pattern of its own per child, so an
/// answer meant for another child (or another call) shows as a wrong verdict.
fn expect_valid(child: usize, i: usize) -> bool {
    (i * 7 + child * 3) % 5 < 2 || (i + child) % 3 == 0
}

struct Results {
    valid: (String, String),
    invalid: (String, String),
}

/// One call's verdict against what it must be: (wrong verdicts, errors).
fn check(c: &WeChatClient, r: &Results, child: usize, i: usize) -> (u32, u32) {
    let valid = expect_valid(child, i);
    let (json, sig) = if valid { &r.valid } else { &r.invalid };
    match c.soter_verify_signature(&openid(child), json, sig) {
        Ok(v) if v == valid => (0, 0),
        Ok(_) => (1, 0),
        Err(e) => {
            eprintln!("child {child} call {i}: {e}");
            (0, 1)
        }
    }
}

/// `threads` threads each making `calls` calls as `child`; the totals of (wrong, errors).
fn burst(c: &Arc<WeChatClient>, r: &Arc<Results>, child: usize, threads: usize, calls: usize) -> (u32, u32) {
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (c, r) = (c.clone(), r.clone());
            std::thread::spawn(move || {
                let mut tot = (0, 0);
                for i in (t..calls).step_by(threads) {
                    let (w, e) = check(&c, &r, child, i);
                    tot = (tot.0 + w, tot.1 + e);
                }
                tot
            })
        })
        .collect();
    hs.into_iter().map(|h| h.join().unwrap_or((0, 1_000))).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

#[test]
fn forked_children_never_share_the_parents_connections_or_answers() {
    let emu = Emulator::start(EmulatorConfig::new(APPID, SECRET)).unwrap();
    let device = Device::new().unwrap();
    for child in 0..=CHILDREN {
        emu.register_device(&openid(child), device.public_key_pem().as_bytes()).unwrap();
    }
    let (json, sig) = device.sign_result("challenge-fork", 20).unwrap();
    let (json2, sig2) = device.sign_result("challenge-fork-other", 20).unwrap();
    let results = Arc::new(Results {
        valid: (String::from_utf8(json.clone()).unwrap(), sig),
        // A real signature over other bytes: WeChat answers is_ok false.
        invalid: (String::from_utf8(json).unwrap(), sig2),
    });
    drop(json2);
    let client = Arc::new(
        WeChatClient::builder(APPID, SECRET)
            .base_url(emu.base_url())
            .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    );

    // The parent fills its pool with several keep-alive connections (and caches a token).
    assert_eq!(burst(&client, &results, CHILDREN, THREADS, 4 * THREADS), (0, 0));
    let before = emu.counters();
    assert!(before.connections >= 2, "the parent pooled connections: {before:?}");

    let mut kids = Vec::new();
    for child in 0..CHILDREN {
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: the child runs only this crate's client and std threads, and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            unsafe { libc::alarm(30) }; // a hung child dies instead of hanging the suite
            unsafe { libc::close(fds[0]) };
            let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| burst(&client, &results, child, 2, CALLS)));
            let (wrong, errors) = got.unwrap_or((0, 10_000));
            let line = format!("{wrong} {errors}\n");
            unsafe {
                libc::write(fds[1], line.as_ptr().cast(), line.len());
                libc::_exit(0)
            }
        }
        unsafe { libc::close(fds[1]) };
        kids.push((pid, unsafe { std::fs::File::from_raw_fd(fds[0]) }));
    }

    let (mut wrong, mut errors) = (0, 0);
    for (pid, mut pipe) in kids {
        let mut text = String::new();
        pipe.read_to_string(&mut text).unwrap();
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child {pid}: status {status}, said {text:?}");
        let v: Vec<u32> = text.split_whitespace().map(|n| n.parse().unwrap()).collect();
        assert_eq!(v.len(), 2, "child {pid} said {text:?}");
        wrong += v[0];
        errors += v[1];
    }
    let after = emu.counters();
    eprintln!(
        "MEASURED {CHILDREN} children x {CALLS} calls after the parent pooled {} connections: {wrong} wrong verdicts \
         (cross-talk), {errors} errors, {} new connections",
        before.connections,
        after.connections - before.connections
    );
    assert_eq!(wrong, 0, "answers meant for another process (cross-talk)");
    assert_eq!(errors, 0, "calls failed in the children");
    assert!(after.connections - before.connections >= CHILDREN as u64, "each child opens connections of its own");
    assert_eq!(
        after.requests_to(paths::SOTER_VERIFY_SIGNATURE) - before.requests_to(paths::SOTER_VERIFY_SIGNATURE),
        (CHILDREN * CALLS) as u64,
        "one request per call, none lost or doubled"
    );
    assert_eq!(after.requests_to(paths::STABLE_TOKEN), 1, "the children kept the parent's cached token");

    // The parent's pooled connections were left untouched: it goes on with them.
    assert_eq!(burst(&client, &results, CHILDREN, THREADS, 4 * THREADS), (0, 0));
    let end = emu.counters();
    eprintln!("MEASURED the parent after its children: {} new connections", end.connections - after.connections);
    assert!(end.connections - after.connections < THREADS as u64, "the parent reused its pool");
}
