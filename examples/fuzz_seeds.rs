//! Write the fuzz seed corpora (self-made: simulated devices, no third-party data).
//! Usage: cargo run --example fuzz_seeds -- fuzz/corpus
use std::fs;
use std::path::Path;

use soter_verify::testing::{rsa_pkcs1_der, Device, KeyPair};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into());
    let root = Path::new(&root);
    let write = |target: &str, name: &str, data: &[u8]| -> std::io::Result<()> {
        fs::create_dir_all(root.join(target))?;
        fs::write(root.join(target).join(name), data)
    };
    let ask = KeyPair::generate(2048)?;
    let device = Device::new()?;
    let key = device.public_key();
    write("key_load", "spki.pem", device.public_key_pem().as_bytes())?;
    write("key_load", "spki.der", &key.to_spki_der())?;
    write("key_load", "pkcs1.der", &rsa_pkcs1_der(key.modulus(), &key.exponent().to_be_bytes()))?;
    write("key_load", "escaped.txt", device.public_key_pem().replace('\n', "\\n").as_bytes())?;
    let (json, sig) = device.sign_result("seed-challenge", 20)?;
    let (json32, sig32) = device.sign_result("seed-challenge", 32)?;
    let (ak_json, ak_sig) = device.signed_auth_key(&ask)?;
    write("result_json", "result.json", &json)?;
    write("result_json", "result32.json", &json32)?;
    write("result_json", "auth_key.json", &ak_json)?;
    write("result_json", "quirks.json", b"{\"raw\":\"a\\/b\",\"counter\":1,\"cpu_id\":\"c\",\"uid\":10115,\"x\":\"l1\nl2\",\"y\":[{\"z\":null}]}")?;
    write("signature_decode", "std.b64", sig.as_bytes())?;
    write("signature_decode", "url.b64", sig.replace('+', "-").replace('/', "_").trim_end_matches('=').as_bytes())?;
    write("signature_decode", "raw.bin", &soter_verify::base64::decode(sig32.as_bytes()).unwrap())?;
    write("signature_decode", "auth_key.b64", ak_sig.as_bytes())?;
    write("authenticate", "result.json", &json)?;
    write("authenticate", "result32.json", &json32)?;
    write("backends_differential", "msg", &[0x82, 1, 2, 3, 4, 5, 6, 7, 8])?;
    write("backends_differential", "json", &[&[0x80u8][..], &json].concat())?;
    Ok(())
}
