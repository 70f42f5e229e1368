//! WeChat response parsing for every endpoint: HTTP status + body bytes -> typed result or error.
//! Input: byte 0 picks the endpoint (mod 8), byte 1 the status (below 0x80: 200; else
//! 100 + 4 * (b - 0x80), so 0xE4 = 500, 0xCD = 400... ), the rest is the body.
//! Invariants: no panic; a success is reported only when the body really says so (checked here
//! against an independent reading of the JSON); error messages stay short.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use soter_verify::wechat::fuzzing::{parse_response, Endpoint, Parsed};

const ENDPOINTS: [Endpoint; 8] = [
    Endpoint::Token,
    Endpoint::StableToken,
    Endpoint::VerifySignature,
    Endpoint::FaceGetInfo,
    Endpoint::FaceGetVerifyId,
    Endpoint::FaceQueryVerifyInfo,
    Endpoint::VerifyAsk,
    Endpoint::IsSupport,
];

/// An integer as WeChat may send it: a JSON integer or a string holding one.
fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn errcode_is_zero(o: &serde_json::Map<String, Value>) -> bool {
    matches!(o.get("errcode"), None | Some(Value::Null)) || int(o.get("errcode")) == Some(0)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let endpoint = ENDPOINTS[data[0] as usize % ENDPOINTS.len()];
    let status = if data[1] < 0x80 { 200 } else { 100 + 4 * (data[1] as u16 - 0x80) };
    let body = &data[2..];
    let got = parse_response(endpoint, status, body);
    let obj = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Some(o),
        _ => None,
    };
    match got {
        Err(e) => {
            // errmsg is echoed truncated to 200 characters; nothing else of the body.
            assert!(e.message().chars().count() < 400, "long message: {}", e.message().len());
        }
        Ok(parsed) => {
            assert_eq!(status, 200, "a success from HTTP {status}");
            let o = obj.expect("a success from a body that is not a JSON object");
            assert!(errcode_is_zero(&o), "a success with errcode {:?}", o.get("errcode"));
            match parsed {
                Parsed::Token(t, exp) => {
                    assert!(matches!(endpoint, Endpoint::Token | Endpoint::StableToken));
                    let t = t.expose();
                    assert!(!t.is_empty() && t.len() <= 4096 && t.bytes().all(|b| b.is_ascii_graphic()));
                    assert!(exp.is_some_and(|d| d.as_secs() > 0));
                }
                Parsed::VerifySignature(ok) => {
                    let said_ok = match o.get("is_ok") {
                        Some(Value::Bool(b)) => *b,
                        Some(Value::String(s)) => s == "true",
                        v => int(v) == Some(1) && matches!(v, Some(Value::Number(_))),
                    };
                    assert_eq!(ok, said_ok, "is_ok reported {ok} for {:?}", o.get("is_ok"));
                }
                Parsed::FaceInfo(info) => {
                    assert_eq!(info.errcode, 0);
                    assert_eq!(Some(info.identify_ret), int(o.get("identify_ret")));
                    assert_eq!(info.passed(), int(o.get("identify_ret")) == Some(0));
                    assert!(info.errmsg.chars().count() <= 200);
                }
                Parsed::VerifyId(v) => assert!(!v.verify_id.is_empty()),
                Parsed::VerifyInfo(info) => {
                    assert_eq!(info.errcode, 0);
                    assert_eq!(Some(info.verify_ret), int(o.get("verify_ret")));
                    assert_eq!(info.passed(), info.verify_ret == 10000);
                }
                Parsed::VerifyAsk => {
                    // errcode 0 and no `is_verified: false` (WeChat's "valid"); nothing else is.
                    assert_eq!(endpoint, Endpoint::VerifyAsk);
                    let verified = match o.get("is_verified") {
                        None => true,
                        Some(Value::Bool(b)) => *b,
                        Some(Value::String(s)) => s == "true",
                        v => int(v) == Some(1) && matches!(v, Some(Value::Number(_))),
                    };
                    assert!(verified, "accepted with is_verified {:?}", o.get("is_verified"));
                }
                Parsed::IsSupport(supported, kind) => {
                    assert_eq!(endpoint, Endpoint::IsSupport);
                    assert!(kind <= 3, "support_type {kind}");
                    let _ = supported;
                }
            }
        }
    }
});
