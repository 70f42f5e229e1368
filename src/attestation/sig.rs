//! Certificate signatures: RSA PKCS#1 v1.5 (SHA-256/384/512) and RSASSA-PSS (SHA-256) through this
//! crate's RSA backend (AWS-LC or pure Rust, as for SOTER signatures); ECDSA with SHA-256 or
//! SHA-384 on P-256 or P-384 keys (any pairing: Google's P-384 CAs sign P-256 keys with SHA-384)
//! on the same backend choice ([`super::ecdsa`]). Ed25519 and ML-DSA signers are refused as
//! unsupported (no attestation CA signs with them; a leaf may hold such a key).

use x509_cert::der::{self, asn1::ObjectIdentifier, Decode, Reader, SliceReader, Tag, TagNumber};

use super::cert::{Cert, CertKey};
use super::ecdsa::EcHash;
use crate::backend::Backend;
use crate::pkcs1v15::Hash;

const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const MGF1: &str = "1.2.840.113549.1.1.8";
/// DER of NULL, the parameters PKCS#1 v1.5 algorithm identifiers carry (or omit).
const NULL: [u8; 2] = [0x05, 0x00];

/// Why a signature was not accepted.
#[derive(Debug)]
pub(crate) enum SigError {
    /// The algorithm (or its parameters, or the key type) is not one this check supports.
    Unsupported(String),
    /// The signature does not verify.
    Invalid,
}

/// Whether `signed`'s signature verifies under `signer`'s key, on the default backend.
pub(crate) fn verify(signed: &Cert, signer: &CertKey) -> Result<(), SigError> {
    verify_with(signed, signer, Backend::default())
}

/// [`verify`] on a chosen backend.
pub(crate) fn verify_with(signed: &Cert, signer: &CertKey, backend: Backend) -> Result<(), SigError> {
    let alg = signed.sig_alg.to_string();
    let params = signed.sig_params.as_deref();
    let rsa_hash = [Hash::Sha256, Hash::Sha384, Hash::Sha512].into_iter().find(|h| h.pkcs1_oid() == alg);
    match (rsa_hash, alg.as_str(), signer) {
        (_, _, CertKey::Unusable(why)) => Err(SigError::Unsupported(format!("the signer's key is {why}"))),
        (Some(hash), _, CertKey::Rsa(key)) => {
            // RFC 4055: NULL parameters, and verifiers accept them absent too.
            if params.is_some_and(|p| p != NULL) {
                return Err(SigError::Unsupported(format!("{alg} with parameters other than NULL")));
            }
            key.verify_pkcs1v15(backend, hash, &signed.tbs, &signed.signature).map_err(|_| SigError::Invalid)
        }
        (None, RSA_PSS, CertKey::Rsa(key)) => {
            let salt = pss_salt_len(params).map_err(SigError::Unsupported)?;
            let mhash: [u8; 32] = Hash::Sha256.digest(&signed.tbs).try_into().expect("32 bytes");
            if signed.signature.len() != key.size() {
                return Err(SigError::Invalid);
            }
            key.verify_digest(backend, &mhash, &signed.signature, Some(salt)).map(|_| ()).map_err(|_| SigError::Invalid)
        }
        (None, ECDSA_SHA256 | ECDSA_SHA384, CertKey::Ec(key)) => {
            if params.is_some() {
                return Err(SigError::Unsupported(format!("{alg} (ECDSA) with parameters (RFC 5758 says none)")));
            }
            let hash = if alg == ECDSA_SHA256 { EcHash::Sha256 } else { EcHash::Sha384 };
            if key.verify(backend, hash, &signed.tbs, &signed.signature) {
                Ok(())
            } else {
                Err(SigError::Invalid)
            }
        }
        (Some(_), _, _) | (None, RSA_PSS, _) => Err(SigError::Unsupported(format!("{alg} (RSA) needs an RSA signer key, not {}", signer.describe()))),
        (None, ECDSA_SHA256 | ECDSA_SHA384, _) => Err(SigError::Unsupported(format!("{alg} (ECDSA) needs an EC P-256 or P-384 signer key, not {}", signer.describe()))),
        (None, other, _) => Err(SigError::Unsupported(format!(
            "the signature algorithm {other} is not supported (RSA PKCS#1 v1.5 with SHA-256/384/512, RSA-PSS with SHA-256, ECDSA P-256/P-384 with SHA-256/384 are)"
        ))),
    }
}

/// Salt length from RSASSA-PSS-params, which must name SHA-256 and MGF1 with SHA-256
/// (their defaults are SHA-1, which is refused) and trailer field 1.
fn pss_salt_len(params: Option<&[u8]>) -> Result<usize, String> {
    let bad = |e: der::Error| format!("RSA-PSS parameters cannot be parsed ({e})");
    let params = params.ok_or("RSA-PSS without parameters means SHA-1, which is not supported")?;
    let mut r = SliceReader::new(params).map_err(bad)?;
    let header = der::Header::decode(&mut r).map_err(bad)?;
    header.tag.assert_eq(Tag::Sequence).map_err(bad)?;
    let body = r.read_slice(header.length).map_err(bad)?;
    r.finish(()).map_err(bad)?;
    let mut r = SliceReader::new(body).map_err(bad)?;
    let (mut hash, mut mgf_hash, mut salt, mut trailer) = (None, None, 20usize, 1u64);
    while !r.is_finished() {
        let h = der::Header::decode(&mut r).map_err(bad)?;
        let inner = r.read_slice(h.length).map_err(bad)?;
        let number = match h.tag {
            Tag::ContextSpecific { constructed: true, number } => number,
            other => return Err(format!("RSA-PSS parameters hold an unexpected {other}")),
        };
        match number {
            n if n == TagNumber::N0 => hash = Some(algorithm(inner).map_err(bad)?.0),
            n if n == TagNumber::N1 => {
                let (oid, p) = algorithm(inner).map_err(bad)?;
                if oid.to_string() != MGF1 {
                    return Err(format!("RSA-PSS with mask generation {oid} is not supported"));
                }
                mgf_hash = Some(algorithm(&p.ok_or("MGF1 without a hash algorithm")?).map_err(bad)?.0);
            }
            n if n == TagNumber::N2 => salt = usize::try_from(small_uint(inner).map_err(bad)?).map_err(|_| "salt length too large")?,
            n if n == TagNumber::N3 => trailer = small_uint(inner).map_err(bad)?,
            _ => return Err("RSA-PSS parameters hold an unknown field".into()),
        }
    }
    let is_sha256 = |o: Option<ObjectIdentifier>| o.is_some_and(|o| o.to_string() == SHA256);
    if !is_sha256(hash) || !is_sha256(mgf_hash) {
        return Err("RSA-PSS with a hash other than SHA-256 (and MGF1-SHA-256) is not supported".into());
    }
    if trailer != 1 {
        return Err(format!("RSA-PSS trailer field {trailer} is not 1"));
    }
    Ok(salt)
}

/// AlgorithmIdentifier inside an explicit tag: (OID, parameters DER when present).
fn algorithm(der_bytes: &[u8]) -> der::Result<(ObjectIdentifier, Option<Vec<u8>>)> {
    let ai = x509_cert::spki::AlgorithmIdentifierOwned::from_der(der_bytes)?;
    let params = match ai.parameters {
        None => None,
        Some(p) => Some(der::Encode::to_der(&p)?),
    };
    Ok((ai.oid, params))
}

/// An INTEGER inside an explicit tag, below 2^32.
fn small_uint(der_bytes: &[u8]) -> der::Result<u64> {
    let v = u32::from_der(der_bytes)?;
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::pss_salt_len;

    const SHA256_ALG: [u8; 15] = [0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00];
    const SHA1_ALG: [u8; 11] = [0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00];

    /// RSASSA-PSS-params with SHA-256, MGF1-SHA-256, then `rest` (the [2] salt and [3] trailer).
    fn params(rest: &[u8]) -> Vec<u8> {
        params_with(&SHA256_ALG, &SHA256_ALG, rest)
    }

    /// RSASSA-PSS-params with these hash and MGF1 hash AlgorithmIdentifiers, then `rest`.
    fn params_with(hash: &[u8], mgf_hash: &[u8], rest: &[u8]) -> Vec<u8> {
        let mut body = vec![0xa0, hash.len() as u8];
        body.extend_from_slice(hash);
        let mut mgf1 = vec![0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
        mgf1.extend_from_slice(mgf_hash);
        body.extend_from_slice(&[0xa1, mgf1.len() as u8 + 2, 0x30, mgf1.len() as u8]);
        body.extend_from_slice(&mgf1);
        body.extend_from_slice(rest);
        let mut der = vec![0x30, body.len() as u8];
        der.extend_from_slice(&body);
        der
    }

    #[test]
    fn salt_and_trailer_fields_are_read_by_their_tags() {
        assert_eq!(pss_salt_len(Some(&params(&[]))), Ok(20), "the default salt length");
        assert_eq!(pss_salt_len(Some(&params(&[0xa2, 0x03, 0x02, 0x01, 0x20]))), Ok(32));
        // An explicit trailer 1 after the salt is not taken for the salt.
        assert_eq!(pss_salt_len(Some(&params(&[0xa2, 0x03, 0x02, 0x01, 0x20, 0xa3, 0x03, 0x02, 0x01, 0x01]))), Ok(32));
        let e = pss_salt_len(Some(&params(&[0xa3, 0x03, 0x02, 0x01, 0x02]))).unwrap_err();
        assert!(e.contains("trailer field 2 is not 1"), "{e}");
        assert!(pss_salt_len(Some(&params(&[0xa4, 0x03, 0x02, 0x01, 0x01]))).unwrap_err().contains("unknown field"));
        assert!(pss_salt_len(None).unwrap_err().contains("SHA-1"));
        // SHA-256 is required of both the hash and MGF1's hash, each on its own.
        assert_eq!(pss_salt_len(Some(&params_with(&SHA256_ALG, &SHA256_ALG, &[]))), Ok(20));
        for (hash, mgf_hash) in [(&SHA1_ALG[..], &SHA256_ALG[..]), (&SHA256_ALG[..], &SHA1_ALG[..])] {
            assert!(pss_salt_len(Some(&params_with(hash, mgf_hash, &[]))).unwrap_err().contains("other than SHA-256"));
        }
    }

    #[test]
    fn pkcs1_v15_with_each_sha2_hash_verifies() {
        use crate::pkcs1v15::Hash;
        let key = crate::testing::KeyPair::generate(2048).unwrap();
        for hash in [Hash::Sha256, Hash::Sha384, Hash::Sha512] {
            let der = crate::testing::self_signed(&key, hash, &[]).unwrap();
            let mut c = crate::attestation::cert::parse(&der, 0).unwrap();
            let signer = c.key().clone();
            assert!(super::verify(&c, &signer).is_ok(), "{hash:?}");
            // The same bytes under another hash: the digest differs, so it does not verify.
            c.sig_alg = if hash == Hash::Sha256 { Hash::Sha384 } else { Hash::Sha256 }.pkcs1_oid().parse().unwrap();
            assert!(matches!(super::verify(&c, &signer), Err(super::SigError::Invalid)), "{hash:?}");
        }
    }
}
