//! Simulate a SOTER device: write its public key, a signed resultJSON for a challenge, and the
//! base64 signature into a directory, as a phone and a mini-program would hand them to a server.
//!
//! Usage: cargo run --example sign_result -- DIR CHALLENGE [SALT_LEN]

use soter_verify::testing::Device;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: sign_result DIR CHALLENGE [SALT_LEN]")?);
    let challenge = args.next().ok_or("usage: sign_result DIR CHALLENGE [SALT_LEN]")?;
    let salt: usize = args.next().map_or(Ok(20), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let device = Device::new()?;
    let (json, signature) = device.sign_result(&challenge, salt)?;
    std::fs::write(dir.join("device_key.pem"), device.public_key_pem())?;
    std::fs::write(dir.join("result.json"), &json)?;
    std::fs::write(dir.join("result.sig"), &signature)?;
    println!("device {} signed {} bytes for challenge {challenge:?} (salt {salt})", device.cpu_id, json.len());
    Ok(())
}
