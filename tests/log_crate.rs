//! The bridge to the `log` facade: events reach the application's `log` logger with target
//! `soter_verify` and their level, up to the facade's max level at the time of the call. Its own
//! test binary: a `log` logger can be set once per process.

use std::sync::{Arc, Mutex};

use soter_verify::log::{max_level, set_max_level, to_log_crate, Level};
use soter_verify::testing::Device;
use soter_verify::{authenticate, ErrorKind, Expectations};

type Records = Arc<Mutex<Vec<(String, ::log::Level, String)>>>;

struct Capture(Records);

impl ::log::Log for Capture {
    fn enabled(&self, _: &::log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &::log::Record<'_>) {
        self.0.lock().unwrap().push((r.target().to_owned(), r.level(), r.args().to_string()));
    }
    fn flush(&self) {}
}

#[test]
fn events_reach_the_log_crate_up_to_its_max_level() {
    let records: Records = Arc::default();
    ::log::set_boxed_logger(Box::new(Capture(records.clone()))).unwrap();
    let dev = Device::new().unwrap();
    let challenge = soter_verify::new_challenge().unwrap();
    let (json, sig) = dev.sign_result(&challenge, 20).unwrap();
    let refuse = || {
        let e = authenticate(dev.public_key(), &json, sig.as_bytes(), &Expectations::new("another challenge")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ChallengeMismatch);
    };

    // The facade at Info: the bridge asks for Info, so the debug event is not even formatted.
    ::log::set_max_level(::log::LevelFilter::Info);
    to_log_crate().unwrap();
    assert_eq!(max_level(), Some(Level::Info));
    refuse();
    assert!(records.lock().unwrap().is_empty(), "{:?}", records.lock().unwrap());

    // At Debug: the refusal arrives, with our target and level, and without the secret-ish values.
    ::log::set_max_level(::log::LevelFilter::Debug);
    to_log_crate().unwrap();
    assert_eq!(max_level(), Some(Level::Debug));
    refuse();
    let got = records.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1), ("soter_verify", ::log::Level::Debug));
    assert!(got[0].2.starts_with("authenticate: refused (ChallengeMismatch)"), "{}", got[0].2);
    assert!(!got[0].2.contains(&challenge), "{}", got[0].2);

    // Off: nothing asked for; set_max_level still changes what the bridge gets.
    ::log::set_max_level(::log::LevelFilter::Off);
    to_log_crate().unwrap();
    assert_eq!(max_level(), None);
    set_max_level(Some(Level::Trace));
    assert_eq!(max_level(), Some(Level::Trace));
    soter_verify::log::set_logger(None, None).unwrap();
    assert_eq!(max_level(), None);
}

#[test]
fn levels_map_one_to_one() {
    let mapped: Vec<::log::Level> = Level::ALL.into_iter().map(Into::into).collect();
    assert_eq!(mapped, [::log::Level::Error, ::log::Level::Warn, ::log::Level::Info, ::log::Level::Debug, ::log::Level::Trace]);
}
