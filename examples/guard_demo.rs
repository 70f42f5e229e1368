//! The ReplayGuard for `make demo` (examples/demo.sh).
//!
//! guard_demo memory
//!     in one process: a challenge, a simulated phone's result accepted once, its replay refused
//! guard_demo issue URL SUBJECT
//!     "server A": issue a challenge for SUBJECT on the Redis at URL, print it
//! guard_demo authenticate NAME URL SUBJECT KEY.pem RESULT.json RESULT.sig
//!     "server NAME": verify a result on the Redis at URL; exit 0 accepted, 1 refused
use std::process::ExitCode;
use std::time::Duration;

use soter_verify::guard::{RedisOptions, ReplayGuard};
use soter_verify::testing::Device;
use soter_verify::PublicKey;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn verdict(name: &str, r: soter_verify::Result<soter_verify::ResultJson>) -> ExitCode {
    match r {
        Ok(r) => {
            println!("  {name}: accepted (counter {})", r.counter);
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("  {name}: refused, {:?}: {}", e.kind(), e.message());
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["memory"] => {
            let guard = ReplayGuard::new();
            let phone = Device::new().expect("device");
            let challenge = guard.issue_challenge("user-42", Duration::from_secs(300)).expect("issue");
            println!("  challenge for user-42: {challenge}");
            let (json, sig) = phone.sign_result(&challenge, 20).expect("sign");
            let check = |label: &str| {
                verdict(label, guard.authenticate(phone.public_key(), &json, sig.as_bytes(), "user-42", Some(&phone.cpu_id), Some(&phone.uid)))
            };
            let first = check("first use");
            let replay = check("the same result again");
            println!("  last counter of this phone: {:?}", guard.last_counter("user-42", &phone.cpu_id, &phone.uid).expect("read"));
            if first == ExitCode::SUCCESS && replay != ExitCode::SUCCESS {
                ExitCode::SUCCESS
            } else {
                println!("demo failed: the guard did not accept once and refuse the replay");
                ExitCode::from(2)
            }
        }
        ["issue", url, subject] => {
            let guard = ReplayGuard::redis(url, &RedisOptions::default()).expect("guard");
            match guard.issue_challenge(subject, Duration::from_secs(300)) {
                Ok(c) => {
                    println!("{c}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("issue: {e}");
                    ExitCode::from(2)
                }
            }
        }
        ["authenticate", name, url, subject, key, json, sig] => {
            let guard = ReplayGuard::redis(url, &RedisOptions::default()).expect("guard");
            let key = PublicKey::load(&read(key)).expect("key");
            verdict(name, guard.authenticate(&key, &read(json), &read(sig), subject, None, None))
        }
        _ => {
            eprintln!("usage: guard_demo memory | issue URL SUBJECT | authenticate NAME URL SUBJECT KEY JSON SIG");
            ExitCode::from(2)
        }
    }
}
