//! soter-verify: verify WeChat SOTER biometric results and WeChat face verification results.
//!
//! The safe Rust API in this crate is the real API; the C ABI (`ffi`) maps it one to one and the
//! Python and Java packages map the C ABI. Data flows one way: bytes in, typed values, a verdict.
//!
//! ```no_run
//! use soter_verify::{authenticate, Expectations, PublicKey};
//! # fn main() -> Result<(), soter_verify::Error> {
//! let key = PublicKey::load(b"-----BEGIN PUBLIC KEY-----\n...")?;
//! let result = authenticate(&key, b"{...resultJSON...}", b"base64 signature", &Expectations::new("challenge"))?;
//! println!("counter {}", result.counter);
//! # Ok(()) }
//! ```

pub mod attestation;
mod authenticate;
mod backend;
pub mod emulator;
pub mod guard;
pub mod base64;
mod error;
mod fork;
mod json;
mod key;
mod pkcs1v15;
pub mod log;
mod pss;
mod result_json;
pub mod testing;
pub mod wechat;

pub mod ffi;

pub use authenticate::{
    authenticate, authenticate_with, constant_time_eq, new_challenge, verify_auth_key, AskRef, AuthKey, Expectations, CHALLENGE_BYTES,
    CHALLENGE_LEN,
};
pub use attestation::{
    verify_ask_chain, verify_ask_chain_certs, verify_key_attestation, Ask, AskFormat, AttestationPolicy, ChainOptions,
    KeyAttestation, RevocationList,
};
pub use backend::Backend;
pub use error::{Error, ErrorKind, Result};
pub use guard::ReplayGuard;
pub use json::{MAX_DEPTH, MAX_DOCUMENT, MAX_MEMBERS};
pub use key::{PublicKey, MAX_BITS, MAX_KEY_INPUT, MIN_BITS};
pub use pss::{decode_signature, SaltLen, Verified, DEFAULT_SALT_LEN, MAX_SIGNATURE_INPUT};
pub use result_json::{AuthKeyJson, ResultJson};
