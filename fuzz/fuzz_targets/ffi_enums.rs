//! The C ABI driven with arbitrary integers wherever C passes an enum (by value or in a struct)
//! or a numeric option: `soter_result_json_get`, `soter_auth_key_get`, `soter_face_info_get`,
//! `soter_face_info_number` (field), `SoterClientOptions.token_source` and its numbers,
//! `soter_emulator_inject_fault` (fault, count, delay), `soter_key_verify` and
//! `SoterExpectations.salt_len`, `soter_status_name`, `soter_verify_outcome_name`.
//! Input: a sequence of 9-byte records (op, then a little-endian i64; its low 32 bits are the
//! int32 argument). Invariants: no crash (a jump through an unchecked enum was a SIGSEGV), a value
//! that is not a member of its enum gets SOTER_STATUS_INVALID_ARGUMENT (or false), members work.
#![no_main]

use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soter_verify::ffi::*;
use soter_verify::wechat::fuzzing::{parse_response, Endpoint, Parsed};

struct Handles {
    result: usize,
    auth_key: usize,
    face: usize,
    key: usize,
    emu: usize,
}

// Committed vectors (no key generation: it would take the fuzzer's whole budget under ASan).
const KEY_PEM: &[u8] = include_bytes!("../../tests/vectors/hostile/key.pem");
/// Signed with salt 32, announced as `rsa_pss_salt\u006cen`: the default rule gives 32.
const JSON: &[u8] = include_bytes!("../../tests/vectors/hostile/saltlen_escaped.json");
const SIG: &[u8] = include_bytes!("../../tests/vectors/hostile/saltlen_escaped.sig");
const ASK_PEM: &[u8] = include_bytes!("../../tests/vectors/tencent-soter-sample/ask.pem");
const AK_JSON: &[u8] = include_bytes!("../../tests/vectors/tencent-soter-sample/auth_key_json.txt");
const AK_SIG: &[u8] = include_bytes!("../../tests/vectors/tencent-soter-sample/auth_key_signature.bin");

fn handles() -> &'static Handles {
    static H: OnceLock<Handles> = OnceLock::new();
    H.get_or_init(|| unsafe {
        let mut result = null_mut();
        assert_eq!(soter_result_json_parse(JSON.as_ptr(), JSON.len(), &mut result, null_mut()), SoterStatus::Ok);
        let mut ask_key = null_mut();
        assert_eq!(soter_key_load(ASK_PEM.as_ptr(), ASK_PEM.len(), &mut ask_key, null_mut()), SoterStatus::Ok);
        let mut auth_key = null_mut();
        let st = soter_verify_auth_key(ask_key, AK_JSON.as_ptr(), AK_JSON.len(), AK_SIG.as_ptr(), AK_SIG.len(), &mut auth_key, null_mut());
        assert_eq!(st, SoterStatus::Ok);
        soter_key_free(ask_key);
        let body = br#"{"errcode":0,"errmsg":"ok","identify_ret":0,"openid":"o","id_card_number_md5":"x"}"#;
        let Ok(Parsed::FaceInfo(info)) = parse_response(Endpoint::FaceGetInfo, 200, body) else { panic!("face fixture") };
        let mut key = null_mut();
        assert_eq!(soter_key_load(KEY_PEM.as_ptr(), KEY_PEM.len(), &mut key, null_mut()), SoterStatus::Ok);
        let mut emu = null_mut();
        let st = soter_emulator_start(b"wxfuzz".as_ptr(), 6, b"fuzz-secret".as_ptr(), 11, null(), &mut emu, null_mut());
        assert_eq!(st, SoterStatus::Ok);
        Handles {
            result: result as usize,
            auth_key: auth_key as usize,
            face: SoterFaceInfo::into_raw(info) as usize,
            key: key as usize,
            emu: emu as usize,
        }
    })
}

/// A fresh error slot; checks the out-parameter contract and frees it.
fn status_of(f: impl FnOnce(*mut *mut SoterError) -> SoterStatus) -> SoterStatus {
    let mut err: *mut SoterError = null_mut();
    let st = f(&mut err);
    assert_eq!(st == SoterStatus::Ok, err.is_null(), "err is written exactly on failure");
    unsafe { soter_error_free(err) };
    st
}

fuzz_target!(|data: &[u8]| {
    let h = handles();
    for rec in data.chunks_exact(9) {
        let wide = i64::from_le_bytes(rec[1..9].try_into().unwrap());
        let v = wide as i32;
        let (mut p, mut n) = (null::<u8>(), 0usize);
        unsafe {
            match rec[0] % 9 {
                0 => {
                    let st = soter_result_json_get(h.result as *const _, v, &mut p, &mut n);
                    let want = if (0..=7).contains(&v) { SoterStatus::Ok } else { SoterStatus::InvalidArgument };
                    assert_eq!(st, want, "result field {v}");
                }
                1 => {
                    let st = soter_auth_key_get(h.auth_key as *const _, v, &mut p, &mut n);
                    let want = if [6, 7, 8].contains(&v) { SoterStatus::Ok } else { SoterStatus::InvalidArgument };
                    assert_eq!(st, want, "auth key field {v}");
                }
                2 => {
                    let got = soter_face_info_get(h.face as *const _, v, &mut p, &mut n);
                    assert!(!got || (0..=5).contains(&v), "face field {v}");
                    let mut out = 0i64;
                    let got = soter_face_info_number(h.face as *const _, v, &mut out);
                    assert!(!got || (0..=3).contains(&v), "face number {v}");
                }
                3 => {
                    let mut o = std::mem::zeroed::<SoterClientOptions>();
                    soter_client_options_init(&mut o);
                    o.token_source = v;
                    o.max_attempts = (wide >> 32) as u32 % 16;
                    o.timeout_ms = (wide >> 40) as u32;
                    o.refresh_margin_s = (wide >> 48) as u32;
                    let token = b"FUZZ-TOKEN";
                    o.fixed_token = token.as_ptr();
                    o.fixed_token_len = token.len();
                    let mut c = null_mut();
                    let st = status_of(|err| soter_wechat_client_new(b"wxfuzz".as_ptr(), 6, b"s".as_ptr(), 1, &o, &mut c, err));
                    if !(0..=5).contains(&v) {
                        assert_eq!(st, SoterStatus::InvalidArgument, "token_source {v}");
                    }
                    assert_eq!(st == SoterStatus::Ok, !c.is_null());
                    soter_wechat_client_free(c);
                }
                4 => {
                    let emu = h.emu as *const SoterEmulator;
                    let st = status_of(|err| soter_emulator_inject_fault(emu, v, wide >> 32, (wide >> 40) as u32, null(), 0, err));
                    let want = if (0..=6).contains(&v) { SoterStatus::Ok } else { SoterStatus::InvalidArgument };
                    assert_eq!(st, want, "fault {v}");
                    soter_emulator_clear_faults(emu);
                }
                5 => {
                    let st = status_of(|err| {
                        soter_key_verify(h.key as *const _, JSON.as_ptr(), JSON.len(), SIG.as_ptr(), SIG.len(), v, null_mut(), err)
                    });
                    match v {
                        -1 | -2 | 32 => assert_eq!(st, SoterStatus::Ok),
                        n if n < -2 => assert_eq!(st, SoterStatus::InvalidArgument),
                        _ => assert_eq!(st, SoterStatus::SignatureInvalid, "salt {v}"),
                    }
                }
                6 => {
                    let e = SoterExpectations {
                        challenge: b"salt-rule".as_ptr(),
                        challenge_len: 9,
                        cpu_id: null(),
                        cpu_id_len: 0,
                        uid: null(),
                        uid_len: 0,
                        has_min_counter: rec[1] & 1 == 1,
                        min_counter: (wide >> 32) as u64,
                        salt_len: v,
                    };
                    let st = status_of(|err| {
                        soter_authenticate(h.key as *const _, JSON.as_ptr(), JSON.len(), SIG.as_ptr(), SIG.len(), &e, null_mut(), err)
                    });
                    match v {
                        n if n < -2 => assert_eq!(st, SoterStatus::InvalidArgument),
                        -1 | -2 | 32 if e.has_min_counter && e.min_counter > 3 => assert_eq!(st, SoterStatus::CounterReplay),
                        -1 | -2 | 32 => assert_eq!(st, SoterStatus::Ok),
                        _ => assert_eq!(st, SoterStatus::SignatureInvalid, "salt {v}"),
                    }
                }
                7 => {
                    let name = std::ffi::CStr::from_ptr(soter_status_name(v)).to_str().unwrap();
                    assert!(name.starts_with("SOTER_STATUS_"));
                }
                _ => {
                    let name = std::ffi::CStr::from_ptr(soter_verify_outcome_name(v)).to_str().unwrap();
                    assert!(!name.is_empty());
                }
            }
        }
    }
});
