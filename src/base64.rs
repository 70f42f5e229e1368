//! Base64 as it arrives from devices and backends: standard or URL-safe alphabet, padded or not,
//! with whitespace anywhere (PEM bodies, wrapped lines, CRLF). Decoding is strict about everything
//! else: a foreign character, misplaced padding or non-zero trailing bits is an error, so two
//! different texts never decode to the same bytes.

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const INVALID: u8 = 0xff;
const SKIP: u8 = 0xfe;

/// Decode table accepting both alphabets; whitespace is skipped.
static DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[STD[i] as usize] = i as u8;
        t[URL[i] as usize] = i as u8;
        i += 1;
    }
    t[b' ' as usize] = SKIP;
    t[b'\t' as usize] = SKIP;
    t[b'\r' as usize] = SKIP;
    t[b'\n' as usize] = SKIP;
    t
};

/// Why a text is not base64 (kept short: callers add what the text was).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    InvalidByte { offset: usize },
    BadPadding,
    BadLength,
    NonZeroTrailingBits,
    Empty,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::InvalidByte { offset } => write!(f, "a character that is not base64 at offset {offset}"),
            DecodeError::BadPadding => f.write_str("misplaced '=' padding"),
            DecodeError::BadLength => f.write_str("a length that no base64 text has"),
            DecodeError::NonZeroTrailingBits => f.write_str("non-zero trailing bits"),
            DecodeError::Empty => f.write_str("no base64 characters"),
        }
    }
}

/// Decode tolerant base64 (see module docs).
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut n = 0usize; // sextets in acc
    let mut total = 0usize; // sextets seen
    let mut pad = 0usize;
    let mut offset = 0;
    while offset < input.len() {
        // Four alphabet characters at a quantum boundary (the bulk of every text): three bytes
        // at once. Anything else (whitespace, padding, a foreign byte) goes one byte at a time
        // below, which decides exactly as before.
        if n == 0 && pad == 0 && offset + 4 <= input.len() {
            let q = &input[offset..offset + 4];
            let (a, b, c, d) = (DECODE[q[0] as usize], DECODE[q[1] as usize], DECODE[q[2] as usize], DECODE[q[3] as usize]);
            if (a | b | c | d) < 64 {
                let v = (a as u32) << 18 | (b as u32) << 12 | (c as u32) << 6 | d as u32;
                out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
                total += 4;
                offset += 4;
                continue;
            }
        }
        let (at, b) = (offset, input[offset]);
        offset += 1;
        let v = DECODE[b as usize];
        if v == SKIP {
            continue;
        }
        if b == b'=' {
            pad += 1;
            continue;
        }
        if v == INVALID {
            return Err(DecodeError::InvalidByte { offset: at });
        }
        if pad > 0 {
            return Err(DecodeError::BadPadding);
        }
        acc = (acc << 6) | v as u32;
        n += 1;
        total += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    if total == 0 {
        return Err(DecodeError::Empty);
    }
    // Padding, when present, must complete the last quantum exactly.
    if pad > 0 && (pad > 2 || (total + pad) % 4 != 0) {
        return Err(DecodeError::BadPadding);
    }
    match n {
        0 => {}
        1 => return Err(DecodeError::BadLength),
        2 => {
            if acc & 0xf != 0 {
                return Err(DecodeError::NonZeroTrailingBits);
            }
            out.push((acc >> 4) as u8);
        }
        3 => {
            if acc & 0x3 != 0 {
                return Err(DecodeError::NonZeroTrailingBits);
            }
            out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
        }
        _ => unreachable!(),
    }
    Ok(out)
}

fn encode_with(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(alphabet[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Standard alphabet with padding (the wire form of SOTER signatures and WeChat's cert_hash input).
pub fn encode(data: &[u8]) -> String {
    encode_with(data, STD, true)
}

/// URL-safe alphabet without padding (challenges).
pub fn encode_url(data: &[u8]) -> String {
    encode_with(data, URL, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        for len in 0..40usize {
            let data: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
            if len > 0 {
                assert_eq!(decode(encode(&data).as_bytes()).unwrap(), data);
                assert_eq!(decode(encode_url(&data).as_bytes()).unwrap(), data);
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode_url(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode(b"Zm8=").unwrap(), b"fo");
        assert_eq!(decode(b"Zm8").unwrap(), b"fo");
        assert_eq!(decode(b" Zm9v\r\nYmFy \n").unwrap(), b"foobar");
        assert_eq!(decode(b"-_8=").unwrap(), vec![0xfb, 0xff]);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b"  \n"), Err(DecodeError::Empty));
        assert_eq!(decode(b"Zm9v!"), Err(DecodeError::InvalidByte { offset: 4 }));
        assert_eq!(decode(b"Z"), Err(DecodeError::BadLength));
        assert_eq!(decode(b"Zm=8"), Err(DecodeError::BadPadding));
        assert_eq!(decode(b"Zm8=="), Err(DecodeError::BadPadding));
        assert_eq!(decode(b"Zm9="), Err(DecodeError::NonZeroTrailingBits));
        assert_eq!(decode(b"Zm\0v"), Err(DecodeError::InvalidByte { offset: 2 }));
    }
}
