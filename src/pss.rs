//! RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with SHA-256 and
//! MGF1-SHA-256, over the exact bytes given. The RSA arithmetic is the backend's; the encoding
//! check is here, once, so that an explicit, default or recovered ("auto") salt length all go
//! through the same code.

use sha2::{Digest, Sha256};

use crate::backend::Backend;
use crate::base64;
use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;

const H_LEN: usize = 32;
/// Salt length SOTER devices use unless the resultJSON says otherwise.
pub const DEFAULT_SALT_LEN: usize = 20;
/// Encoded signatures longer than this are not signatures (4096-bit base64 is 684 bytes).
pub const MAX_SIGNATURE_INPUT: usize = 8 * 1024;

/// Which salt length a signature must have been made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SaltLen {
    /// `rsa_pss_saltlen` from the resultJSON when the message is one and has it, else 20.
    #[default]
    Default,
    /// Exactly this many bytes.
    Exact(usize),
    /// Whatever length the signer used (for diagnosis; accepts any salt length).
    Auto,
}

impl SaltLen {
    /// Parse the CLI/wrapper spelling: a number, "auto" or "default".
    pub fn parse(text: &str) -> Result<SaltLen> {
        match text.trim() {
            "auto" => Ok(SaltLen::Auto),
            "default" | "" => Ok(SaltLen::Default),
            t => t.parse::<usize>().map(SaltLen::Exact).map_err(|_| {
                Error::input("the salt length must be a number of bytes, \"auto\" or \"default\"")
            }),
        }
    }
}

impl SaltLen {
    /// The salt length this rule requires for `message`, or None for "any" ([`SaltLen::Auto`]).
    /// The one place the default rule lives: `rsa_pss_saltlen` of the signed JSON object when it
    /// has a usable one (decoded as the parser decodes it, escapes included), else 20. Every path
    /// that verifies with the default salt (`verify`, `authenticate`, `verify_auth_key`, the
    /// emulator) goes through here, so they cannot disagree.
    pub fn resolve(self, message: &[u8]) -> Option<usize> {
        match self {
            SaltLen::Default => Some(crate::result_json::signed_salt_len(message).unwrap_or(DEFAULT_SALT_LEN)),
            SaltLen::Exact(n) => Some(n),
            SaltLen::Auto => None,
        }
    }
}

/// A successful verification: which salt length the signature had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub salt_len: usize,
}

/// Decode a signature given as raw bytes, hex or base64 (standard or URL-safe, padded or not;
/// whitespace tolerated in text), for a key whose signatures are `k` bytes long.
///
/// The length tells the three apart without guessing: raw is exactly `k` bytes; hex is exactly
/// `2k` hex digits (512 for RSA-2048), which base64 of `k` bytes never is (it has at most
/// `4 * ceil(k / 3)` characters, fewer than `2k` for any key this crate accepts); anything else
/// is decoded as base64.
pub fn decode_signature(input: &[u8], k: usize) -> Result<Vec<u8>> {
    if input.is_empty() {
        return Err(Error::new(ErrorKind::MalformedSignature, "the signature is empty"));
    }
    if input.len() > MAX_SIGNATURE_INPUT {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            format!("the signature input is {} bytes; at most {MAX_SIGNATURE_INPUT} are accepted", input.len()),
        ));
    }
    // Base64 text that decodes to k bytes is longer than k, so exactly k bytes is the raw
    // signature (the common case from C and Java: no decoding attempt on the hot path).
    if input.len() == k {
        return Ok(input.to_vec());
    }
    if let Some(raw) = decode_hex(input, k) {
        return Ok(raw);
    }
    let decoded = base64::decode(input);
    // Only hex digits, and neither 2k of them nor base64 of k bytes: say so, rather than what
    // they decode to as base64.
    let digits = input.iter().filter(|b| !b.is_ascii_whitespace());
    if !matches!(&decoded, Ok(raw) if raw.len() == k) && digits.clone().next().is_some() && digits.clone().all(u8::is_ascii_hexdigit) {
        return Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature is {} hex digits; a {}-bit key's is {} (or {k} raw bytes, or base64)", digits.count(), k * 8, 2 * k),
        ));
    }
    match decoded {
        Ok(raw) if raw.len() == k => Ok(raw),
        Ok(raw) => Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature decodes to {} bytes; a {}-bit key signs {k}", raw.len(), k * 8),
        )),
        Err(e) => Err(Error::new(
            ErrorKind::MalformedSignature,
            format!("the signature is neither {k} raw bytes, {} hex digits nor base64 ({} bytes with {e})", 2 * k, input.len()),
        )),
    }
}

/// Exactly `2k` hex digits (either case, whitespace skipped) to `k` bytes; None for anything else.
fn decode_hex(input: &[u8], k: usize) -> Option<Vec<u8>> {
    let digits = input.iter().filter(|b| !b.is_ascii_whitespace());
    if digits.clone().count() != 2 * k {
        return None;
    }
    let mut out = Vec::with_capacity(k);
    let mut high: Option<u8> = None;
    for &b in digits {
        let v = (b as char).to_digit(16)? as u8;
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    Some(out)
}

impl PublicKey {
    /// Verify `signature` (raw, hex or base64: see [`decode_signature`]) over exactly `message`. Returns the salt length on
    /// success, `SignatureInvalid` when the signature does not verify, `MalformedSignature` when it
    /// cannot be a signature by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8], salt: SaltLen) -> Result<Verified> {
        self.verify_with(Backend::default(), message, signature, salt)
    }

    /// `verify` on a chosen backend (both give the same answers; see the differential tests).
    pub fn verify_with(&self, backend: Backend, message: &[u8], signature: &[u8], salt: SaltLen) -> Result<Verified> {
        let sig = decode_signature(signature, self.size())?;
        let salt = salt.resolve(message);
        let mhash: [u8; H_LEN] = Sha256::digest(message).into();
        self.verify_digest(backend, &mhash, &sig, salt)
    }

    /// EMSA-PSS-VERIFY on the recovered encoded message; `salt: None` accepts any salt length.
    pub(crate) fn verify_digest(&self, backend: Backend, mhash: &[u8; H_LEN], sig: &[u8], salt: Option<usize>) -> Result<Verified> {
        let em_bits = self.bits() - 1;
        let em_len = em_bits.div_ceil(8);
        let decoded = self.public_op(backend, sig)?;
        // RSAVP1 gives k bytes; when emBits is a multiple of 8 the first byte must be zero.
        let (lead, em) = decoded.split_at(decoded.len() - em_len);
        let bad = || Error::new(ErrorKind::SignatureInvalid, "the signature does not verify");
        if lead.iter().any(|&b| b != 0) || encoding_too_short(em_len, salt) || em[em_len - 1] != 0xbc {
            return Err(bad());
        }
        let (masked_db, rest) = em.split_at(em_len - H_LEN - 1);
        let h = &rest[..H_LEN];
        let top_bits = 8 * em_len - em_bits; // bits of the first byte that must be zero
        let top_mask = 0xffu8 >> top_bits;
        if masked_db[0] & !top_mask != 0 {
            return Err(bad());
        }
        let mut db = masked_db.to_vec();
        mgf1_xor(h, &mut db);
        db[0] &= top_mask;
        // DB = PS (zeros) || 0x01 || salt
        let one = db.iter().position(|&b| b != 0).ok_or_else(bad)?;
        if db[one] != 0x01 {
            return Err(bad());
        }
        let salt_bytes = &db[one + 1..];
        if let Some(s) = salt {
            if salt_bytes.len() != s {
                return Err(bad());
            }
        }
        let mut hasher = Sha256::new();
        hasher.update([0u8; 8]);
        hasher.update(mhash);
        hasher.update(salt_bytes);
        let h2: [u8; H_LEN] = hasher.finalize().into();
        if h2.as_slice() != h {
            return Err(bad());
        }
        Ok(Verified { salt_len: salt_bytes.len() })
    }
}

/// Whether an encoding of `em_len` bytes cannot hold a hash, the two fixed bytes and the salt.
/// An early exit and a guard for the slicing below; never the only reason for a verdict (keys
/// have at least 2048 bits, so em_len >= 255, and a salt that does not fit never equals the salt
/// length recovered from DB, which is checked later): `make mutants` treats it as equivalent.
fn encoding_too_short(em_len: usize, salt: Option<usize>) -> bool {
    em_len < H_LEN + 2 || salt.is_some_and(|s| em_len < (H_LEN + 2).saturating_add(s))
}

/// `db ^= MGF1-SHA256(seed, db.len())`.
fn mgf1_xor(seed: &[u8], db: &mut [u8]) {
    let base = {
        let mut h = Sha256::new();
        h.update(seed);
        h
    };
    for (counter, chunk) in db.chunks_mut(H_LEN).enumerate() {
        let mut h = base.clone();
        h.update((counter as u32).to_be_bytes());
        let mask = h.finalize();
        for (d, m) in chunk.iter_mut().zip(mask.iter()) {
            *d ^= m;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::testing::KeyPair;

    fn key(bits: usize) -> &'static KeyPair {
        static K2048: OnceLock<KeyPair> = OnceLock::new();
        static K2049: OnceLock<KeyPair> = OnceLock::new();
        let cell = if bits == 2048 { &K2048 } else { &K2049 };
        cell.get_or_init(|| KeyPair::generate(bits).unwrap())
    }

    /// One EMSA-PSS encoding (RFC 8017 9.1.1) of `msg`, with each rule open to breaking.
    struct Encoding {
        salt: Vec<u8>,
        separator: u8,
        trailer: u8,
        /// Set the bits of the first byte that must be zero.
        top_bits_set: bool,
        /// The byte before EM when emBits is a multiple of 8 (k = emLen + 1).
        lead: u8,
    }

    impl Encoding {
        fn new(salt_len: usize, seed: u8) -> Encoding {
            Encoding { salt: (0..salt_len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect(), separator: 1, trailer: 0xbc, top_bits_set: false, lead: 0 }
        }

        /// The k-byte value to sign (x), or None when it is not below the modulus.
        fn encode(&self, pk: &PublicKey, msg: &[u8]) -> Option<Vec<u8>> {
            let em_bits = pk.bits() - 1;
            let em_len = em_bits.div_ceil(8);
            let mhash = Sha256::digest(msg);
            let mut h = Sha256::new();
            h.update([0u8; 8]);
            h.update(mhash);
            h.update(&self.salt);
            let hh = h.finalize();
            let mut db = vec![0u8; em_len - H_LEN - 1];
            let sep_at = db.len() - self.salt.len() - 1;
            db[sep_at] = self.separator;
            db[sep_at + 1..].copy_from_slice(&self.salt);
            mgf1_xor(&hh, &mut db);
            let top_bits = 8 * em_len - em_bits;
            if self.top_bits_set && top_bits > 0 {
                db[0] |= !(0xffu8 >> top_bits);
            } else {
                db[0] &= 0xffu8 >> top_bits;
            }
            let mut x = vec![0u8; pk.size() - em_len];
            if let Some(first) = x.first_mut() {
                *first = self.lead;
            }
            x.extend_from_slice(&db);
            x.extend_from_slice(&hh);
            x.push(self.trailer);
            (x.as_slice() < pk.modulus()).then_some(x)
        }

        /// A signature over `msg` with this encoding (a different seed is tried until x < n).
        fn sign(mut self, kp: &KeyPair, msg: &[u8]) -> Vec<u8> {
            for seed in 0..=255u8 {
                let salt_len = self.salt.len();
                self.salt = Encoding::new(salt_len, seed).salt;
                if let Some(x) = self.encode(kp.public_key(), msg) {
                    return kp.raw_private_op(&x);
                }
            }
            panic!("no encoding below the modulus");
        }
    }

    fn verdict(kp: &KeyPair, msg: &[u8], sig: &[u8], salt: SaltLen) -> std::result::Result<usize, ErrorKind> {
        kp.public_key().verify(msg, sig, salt).map(|v| v.salt_len).map_err(|e| e.kind())
    }

    const MSG: &[u8] = b"{\"raw\":\"pss\",\"counter\":1,\"cpu_id\":\"c\",\"uid\":\"u\"}";

    #[test]
    fn hand_made_encodings_verify_like_real_signatures() {
        for bits in [2048, 2049] {
            let kp = key(bits);
            for salt_len in [0, 20, 32] {
                let sig = Encoding::new(salt_len, 0).sign(kp, MSG);
                assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(salt_len)), Ok(salt_len), "{bits} bits, salt {salt_len}");
                assert_eq!(verdict(kp, MSG, &sig, SaltLen::Auto), Ok(salt_len));
                let other = if salt_len == 20 { 32 } else { 20 };
                assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(other)), Err(ErrorKind::SignatureInvalid));
                assert_eq!(verdict(kp, b"another message", &sig, SaltLen::Auto), Err(ErrorKind::SignatureInvalid));
            }
        }
        // The largest salt the key can hold, and one byte more.
        let kp = key(2048);
        let max = kp.max_salt_len();
        let sig = Encoding::new(max, 0).sign(kp, MSG);
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(max)), Ok(max));
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(max + 1)), Err(ErrorKind::SignatureInvalid));
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(usize::MAX / 2)), Err(ErrorKind::SignatureInvalid));
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(usize::MAX)), Err(ErrorKind::SignatureInvalid));
    }

    /// Each early check of EMSA-PSS-VERIFY refuses on its own: the hash over the salt would still
    /// match in every case below, so removing the check would accept a malformed encoding.
    #[test]
    fn each_encoding_rule_is_checked_on_its_own() {
        let kp = key(2048);
        let bad = Err(ErrorKind::SignatureInvalid);
        let sig = Encoding { trailer: 0xbd, ..Encoding::new(20, 0) }.sign(kp, MSG);
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Auto), bad, "trailer byte 0xbd");
        let sig = Encoding { trailer: 0x00, ..Encoding::new(20, 0) }.sign(kp, MSG);
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(20)), bad, "trailer byte 0x00");
        let sig = Encoding { top_bits_set: true, ..Encoding::new(20, 0) }.sign(kp, MSG);
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Auto), bad, "the top bit of EM set");
        for sep in [0x02, 0xff, 0x81] {
            let sig = Encoding { separator: sep, ..Encoding::new(20, 0) }.sign(kp, MSG);
            assert_eq!(verdict(kp, MSG, &sig, SaltLen::Auto), bad, "separator {sep:#x}");
            assert_eq!(verdict(kp, MSG, &sig, SaltLen::Exact(20)), bad, "separator {sep:#x}");
        }
        // emBits a multiple of 8 (a 2049-bit key): the byte before EM must be zero.
        let kp = key(2049);
        assert_eq!(kp.public_key().size(), 257);
        let sig = Encoding { lead: 1, ..Encoding::new(20, 0) }.sign(kp, MSG);
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Auto), bad, "a non-zero byte before EM");
        let sig = Encoding::new(20, 0).sign(kp, MSG);
        assert_eq!(verdict(kp, MSG, &sig, SaltLen::Auto), Ok(20));
        // There every bit of EM's first byte is in use: one with the top bit set verifies.
        let x = (0..=255u8)
            .filter_map(|seed| Encoding::new(20, seed).encode(kp.public_key(), MSG))
            .find(|x| x[1] & 0x80 != 0)
            .expect("an encoding with the top bit set");
        assert_eq!(verdict(kp, MSG, &kp.raw_private_op(&x), SaltLen::Exact(20)), Ok(20));
    }

    #[test]
    fn mgf1_matches_the_rfc_construction() {
        // MGF1-SHA-256 of "seed" for 70 bytes: counter blocks 0, 1, 2 concatenated, truncated.
        let mut out = vec![0u8; 70];
        mgf1_xor(b"seed", &mut out);
        let mut want = Vec::new();
        for c in 0u32..3 {
            let mut h = Sha256::new();
            h.update(b"seed");
            h.update(c.to_be_bytes());
            want.extend_from_slice(&h.finalize());
        }
        assert_eq!(out, want[..70]);
        // XOR, not assignment: applying it twice restores the input.
        let mut twice = b"0123456789".to_vec();
        mgf1_xor(b"k", &mut twice);
        assert_ne!(twice, b"0123456789");
        mgf1_xor(b"k", &mut twice);
        assert_eq!(twice, b"0123456789");
    }

    #[test]
    fn signatures_decode_from_every_form() {
        let raw: Vec<u8> = (0..=255u8).collect();
        assert_eq!(decode_signature(&raw, 256).unwrap(), raw);
        let b64 = crate::base64::encode(&raw);
        assert_eq!(decode_signature(b64.as_bytes(), 256).unwrap(), raw);
        // Whitespace is tolerated, well beyond a line-wrapped signature (the cap is 8 KiB).
        let spaced: String = b64.chars().flat_map(|c| [c, ' ', '\r', '\n']).collect();
        assert!(spaced.len() > 1300);
        assert_eq!(decode_signature(spaced.as_bytes(), 256).unwrap(), raw);
        assert_eq!(MAX_SIGNATURE_INPUT, 8 * 1024);
        // Exactly at the cap is accepted; one byte more is not.
        let mut at_cap = b64.clone().into_bytes();
        at_cap.resize(MAX_SIGNATURE_INPUT, b' ');
        assert_eq!(decode_signature(&at_cap, 256).unwrap(), raw);
        at_cap.push(b' ');
        assert_eq!(decode_signature(&at_cap, 256).unwrap_err().kind(), ErrorKind::InputTooLarge);
        assert_eq!(decode_signature(b"", 256).unwrap_err().kind(), ErrorKind::MalformedSignature);
        assert_eq!(decode_signature(&vec![b'A'; MAX_SIGNATURE_INPUT + 1], 256).unwrap_err().kind(), ErrorKind::InputTooLarge);
        assert!(decode_signature(&vec![b'A'; MAX_SIGNATURE_INPUT], 256).is_err());
        assert_eq!(decode_signature(&raw[..255], 256).unwrap_err().kind(), ErrorKind::MalformedSignature);
        assert_eq!(decode_signature(b"!!!not base64!!!", 256).unwrap_err().kind(), ErrorKind::MalformedSignature);
        assert_eq!(decode_signature(crate::base64::encode(&raw[..200]).as_bytes(), 256).unwrap_err().kind(), ErrorKind::MalformedSignature);
    }

    #[test]
    fn hex_signatures_are_told_apart_by_length() {
        let raw: Vec<u8> = (0..=255u8).rev().collect();
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex.len(), 512);
        assert_eq!(decode_signature(hex.as_bytes(), 256).unwrap(), raw);
        assert_eq!(decode_signature(hex.to_uppercase().as_bytes(), 256).unwrap(), raw);
        // Wrapped lines and a trailing newline, as a hex file has them.
        let wrapped: String = hex.as_bytes().chunks(64).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect();
        assert_eq!(decode_signature(wrapped.as_bytes(), 256).unwrap(), raw);
        // The same 512 digits are a valid base64 text of 384 bytes: a 3072-bit key reads them so.
        assert_eq!(decode_signature(hex.as_bytes(), 384).unwrap(), crate::base64::decode(hex.as_bytes()).unwrap());
        // Base64 of k bytes is never 2k characters, for every accepted key size.
        for k in [256usize, 384, 512] {
            assert!(4 * k.div_ceil(3) < 2 * k);
        }
        // One digit short or long, or a non-hex character: not hex, and not base64 of 256 bytes.
        for bad in [&hex[1..], &format!("{hex}0")[..], &format!("g{}", &hex[1..])[..]] {
            assert_eq!(decode_signature(bad.as_bytes(), 256).unwrap_err().kind(), ErrorKind::MalformedSignature, "{bad}");
        }
        let e = decode_signature(hex[2..].as_bytes(), 256).unwrap_err();
        assert_eq!(e.message(), "the signature is 510 hex digits; a 2048-bit key's is 512 (or 256 raw bytes, or base64)");
        let e = decode_signature(b"zz", 256).unwrap_err();
        assert!(e.message().contains("512 hex digits"), "{}", e.message());
    }

    #[test]
    fn salt_rules_resolve() {
        assert_eq!(SaltLen::Auto.resolve(b"{}"), None);
        assert_eq!(SaltLen::Exact(7).resolve(b"{\"rsa_pss_saltlen\":32}"), Some(7));
        assert_eq!(SaltLen::Default.resolve(b"{\"rsa_pss_saltlen\":32}"), Some(32));
        assert_eq!(SaltLen::Default.resolve(b"plain bytes"), Some(DEFAULT_SALT_LEN));
        assert_eq!(SaltLen::parse("auto").unwrap(), SaltLen::Auto);
        assert_eq!(SaltLen::parse(" default ").unwrap(), SaltLen::Default);
        assert_eq!(SaltLen::parse("").unwrap(), SaltLen::Default);
        assert_eq!(SaltLen::parse("32").unwrap(), SaltLen::Exact(32));
        assert_eq!(SaltLen::parse("-1").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(SaltLen::parse("x").unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}
