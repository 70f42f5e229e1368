//! C ABI for the device simulator (tests in every language): key pairs, simulated devices that
//! sign resultJSONs with a rising counter, and AuthKey exports signed by an ASK.

// The safety contract of every export is the header's: pointers are NULL or valid for the
// given length, handles are live, out-parameters writable (see the conventions in mod.rs).
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};

use super::{free_handle, guard, guard_value, handle, into_handle, out_ptr, text, write_c_string, SoterError, SoterStatus};
use crate::testing::{ChainSpec, Device, KeyPair, TestRoot};

/// A test RSA key pair (e.g. an ASK). Thread-safe. Free with `soter_test_key_pair_free`.
pub struct SoterTestKeyPair(KeyPair);

/// A simulated SOTER device: an AuthKey, a cpu_id, a uid and a counter that rises with every
/// signed result. Thread-safe. Free with `soter_device_free`.
pub struct SoterDevice {
    device: Device,
    cpu_id: CString,
    uid: CString,
}

/// Generate a key pair of 2048, 3072 or 4096 bits (slow: up to seconds for 4096).
#[no_mangle]
pub unsafe extern "C" fn soter_test_key_pair_generate(bits: u32, out: *mut *mut SoterTestKeyPair, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        *out = into_handle(SoterTestKeyPair(KeyPair::generate(bits as usize)?));
        Ok(())
    })
}

/// Free a key pair. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_test_key_pair_free(pair: *mut SoterTestKeyPair) {
    guard_value((), || free_handle(pair))
}

/// The public half as SPKI PEM; `*out` receives a string to free with `soter_string_free`,
/// `*out_len` (if not NULL) its length.
#[no_mangle]
pub unsafe extern "C" fn soter_test_key_pair_public_key_pem(
    pair: *const SoterTestKeyPair,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let p = handle(pair, "pair")?;
        let out = out_ptr(out, "out")?;
        let pem = p.0.public_key().to_pem();
        write_c_string(&pem, out, out_len);
        Ok(())
    })
}

/// A new simulated device with a fresh AuthKey of `bits` (2048, 3072 or 4096) and a random cpu_id.
#[no_mangle]
pub unsafe extern "C" fn soter_device_new(bits: u32, out: *mut *mut SoterDevice, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        let device = Device::with_key(KeyPair::generate(bits as usize)?)?;
        let cpu_id = CString::new(device.cpu_id.clone()).expect("hex has no NUL");
        let uid = CString::new(device.uid.clone()).expect("digits have no NUL");
        *out = into_handle(SoterDevice { device, cpu_id, uid });
        Ok(())
    })
}

/// Free a device. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_device_free(device: *mut SoterDevice) {
    guard_value((), || free_handle(device))
}

/// The device's cpu_id. Borrowed: valid until `soter_device_free`. "" for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_device_cpu_id(device: *const SoterDevice) -> *const c_char {
    guard_value(c"".as_ptr(), || device.as_ref().map_or(c"".as_ptr(), |d| d.cpu_id.as_ptr()))
}

/// The device's uid. Borrowed: valid until `soter_device_free`. "" for NULL.
#[no_mangle]
pub unsafe extern "C" fn soter_device_uid(device: *const SoterDevice) -> *const c_char {
    guard_value(c"".as_ptr(), || device.as_ref().map_or(c"".as_ptr(), |d| d.uid.as_ptr()))
}

/// The device's AuthKey public key as SPKI PEM (free with `soter_string_free`).
#[no_mangle]
pub unsafe extern "C" fn soter_device_public_key_pem(
    device: *const SoterDevice,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let d = handle(device, "device")?;
        let out = out_ptr(out, "out")?;
        let pem = d.device.public_key_pem();
        write_c_string(&pem, out, out_len);
        Ok(())
    })
}

/// Sign a resultJSON for `challenge` with the next counter, PSS salt `salt_len` (20 as SOTER;
/// another value, e.g. 32, is announced in rsa_pss_saltlen as Huawei devices do).
/// `*json` and `*signature` (standard padded base64) receive strings to free with
/// `soter_string_free`; `*json_len`/`*signature_len` (if not NULL) their lengths.
#[no_mangle]
pub unsafe extern "C" fn soter_device_sign_result(
    device: *const SoterDevice,
    challenge: *const u8,
    challenge_len: usize,
    salt_len: u32,
    json: *mut *mut c_char,
    json_len: *mut usize,
    signature: *mut *mut c_char,
    signature_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let d = handle(device, "device")?;
        let json = out_ptr(json, "json")?;
        let signature = out_ptr(signature, "signature")?;
        let (j, s) = d.device.sign_result(text(challenge, challenge_len, "challenge")?, salt_len as usize)?;
        let j = String::from_utf8(j).expect("the simulator writes UTF-8");
        write_c_string(&j, json, json_len);
        write_c_string(&s, signature, signature_len);
        Ok(())
    })
}

/// The device's AuthKey export JSON signed by `ask` (salt 20), as the TEE produces it; verify
/// it with `soter_verify_auth_key`. Outputs as for `soter_device_sign_result`.
#[no_mangle]
pub unsafe extern "C" fn soter_device_signed_auth_key(
    device: *const SoterDevice,
    ask: *const SoterTestKeyPair,
    json: *mut *mut c_char,
    json_len: *mut usize,
    signature: *mut *mut c_char,
    signature_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let d = handle(device, "device")?;
        let ask = handle(ask, "ask")?;
        let json = out_ptr(json, "json")?;
        let signature = out_ptr(signature, "signature")?;
        let (j, s) = d.device.signed_auth_key(&ask.0)?;
        let j = String::from_utf8(j).expect("the simulator writes UTF-8");
        write_c_string(&j, json, json_len);
        write_c_string(&s, signature, signature_len);
        Ok(())
    })
}

/// `soter_device_ask_chain` flag: a leaf without the key-attestation extension (must fail).
pub const SOTER_TEST_CHAIN_NO_ATTESTATION: u32 = 1;

/// A test certificate authority (an RSA-2048 root and an EC P-256 equipment CA) that issues
/// key-attestation chains for simulated devices. Thread-safe. Free with `soter_test_root_free`.
pub struct SoterTestRoot(TestRoot);

/// Generate a test root (one RSA-2048 key generation).
#[no_mangle]
pub unsafe extern "C" fn soter_test_root_generate(out: *mut *mut SoterTestRoot, err: *mut *mut SoterError) -> SoterStatus {
    guard(err, || {
        let out = out_ptr(out, "out")?;
        *out = into_handle(SoterTestRoot(TestRoot::generate()?));
        Ok(())
    })
}

/// Free a test root. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn soter_test_root_free(root: *mut SoterTestRoot) {
    guard_value((), || free_handle(root))
}

/// The root certificate as PEM (pass it in `roots` of `soter_verify_ask_chain` to trust the
/// chains this root issues); `*out` receives a string to free with `soter_string_free`.
#[no_mangle]
pub unsafe extern "C" fn soter_test_root_pem(
    root: *const SoterTestRoot,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let r = handle(root, "root")?;
        let out = out_ptr(out, "out")?;
        write_c_string(&r.0.root_pem(), out, out_len);
        Ok(())
    })
}

/// A classic ASK for `ask` on this device: the ASK export JSON (`*json`) and its signature by the
/// test factory key `attk` (`*signature`, base64), for the emulator's verify_ask (register `attk`
/// with `soter_emulator_register_attk`). Outputs as for `soter_device_sign_result`.
#[no_mangle]
pub unsafe extern "C" fn soter_device_classic_ask(
    device: *const SoterDevice,
    ask: *const SoterTestKeyPair,
    attk: *const SoterTestKeyPair,
    json: *mut *mut c_char,
    json_len: *mut usize,
    signature: *mut *mut c_char,
    signature_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let d = handle(device, "device")?;
        let (ask, attk) = (handle(ask, "ask")?, handle(attk, "attk")?);
        let json = out_ptr(json, "json")?;
        let signature = out_ptr(signature, "signature")?;
        let (j, s) = d.device.classic_ask(&ask.0, &attk.0)?;
        let j = String::from_utf8(j).expect("the simulator writes UTF-8");
        write_c_string(&j, json, json_len);
        write_c_string(&s, signature, signature_len);
        Ok(())
    })
}

/// A certificate-chain ASK for `ask` on this device under `root`: `{"certs":[leaf, device, CA,
/// root]}` as a Huawei phone sends it. `flags`: 0 or `SOTER_TEST_CHAIN_NO_ATTESTATION` (other bits:
/// `SOTER_STATUS_INVALID_ARGUMENT`). `rsa_pss_saltlen`: the salt length to attest, or -1 for none.
/// `*out` receives a string to free with `soter_string_free`.
#[no_mangle]
pub unsafe extern "C" fn soter_device_ask_chain(
    device: *const SoterDevice,
    ask: *const SoterTestKeyPair,
    root: *const SoterTestRoot,
    flags: u32,
    rsa_pss_saltlen: i32,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let d = handle(device, "device")?;
        let (ask, root) = (handle(ask, "ask")?, handle(root, "root")?);
        let out = out_ptr(out, "out")?;
        if flags & !SOTER_TEST_CHAIN_NO_ATTESTATION != 0 {
            return Err(crate::error::Error::arg(format!("unknown flags {flags:#x}")));
        }
        let saltlen = match rsa_pss_saltlen {
            -1 => None,
            n if (0..=512).contains(&n) => Some(n as u32),
            n => return Err(crate::error::Error::arg(format!("rsa_pss_saltlen {n} is not -1 or 0 to 512"))),
        };
        let spec = ChainSpec { attestation: flags & SOTER_TEST_CHAIN_NO_ATTESTATION == 0, rsa_pss_saltlen: saltlen };
        let chain = d.device.ask_chain_with(&ask.0, &root.0, &spec)?;
        write_c_string(&String::from_utf8(chain).expect("the simulator writes UTF-8"), out, out_len);
        Ok(())
    })
}

/// `soter_device_signed_auth_key` with PSS salt `salt_len` (a chain ASK attesting
/// `rsa_pss_saltlen` 32 signs with 32).
#[no_mangle]
pub unsafe extern "C" fn soter_device_signed_auth_key_with_salt(
    device: *const SoterDevice,
    ask: *const SoterTestKeyPair,
    salt_len: u32,
    json: *mut *mut c_char,
    json_len: *mut usize,
    signature: *mut *mut c_char,
    signature_len: *mut usize,
    err: *mut *mut SoterError,
) -> SoterStatus {
    guard(err, || {
        let d = handle(device, "device")?;
        let ask = handle(ask, "ask")?;
        let json = out_ptr(json, "json")?;
        let signature = out_ptr(signature, "signature")?;
        let (j, s) = d.device.signed_auth_key_with_salt(&ask.0, salt_len as usize)?;
        let j = String::from_utf8(j).expect("the simulator writes UTF-8");
        write_c_string(&j, json, json_len);
        write_c_string(&s, signature, signature_len);
        Ok(())
    })
}
