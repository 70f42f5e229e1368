//! Write tests/vectors/hostile: signed documents every layer's tests check the same way.
//! Usage: cargo run --example hostile_vectors -- tests/vectors/hostile
use std::fs;
use std::path::Path;

use soter_verify::testing::KeyPair;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "tests/vectors/hostile".into());
    let root = Path::new(&root);
    fs::create_dir_all(root)?;
    let key = KeyPair::generate(2048)?;
    fs::write(root.join("key.pem"), key.public_key().to_pem())?;
    // The field name rsa_pss_saltlen written with a \u escape, signed with salt 32: the default
    // salt rule must read it as the parser does (issue 12, item 8).
    let json = br#"{"raw":"salt-rule","counter":3,"cpu_id":"c","uid":"u","rsa_pss_salt\u006cen":32}"#;
    fs::write(root.join("saltlen_escaped.json"), json)?;
    fs::write(root.join("saltlen_escaped.sig"), soter_verify::base64::encode(&key.sign(json, 32)?))?;
    Ok(())
}
