//! Generates include/soter_verify.h with cbindgen, writing it only when its content changed
//! (so builds do not touch the committed file needlessly). tests/header.rs fails when the
//! committed header differs from what the code generates.
//!
//! Only src/ffi (the C ABI, and the modules it declares) is read: the rest of the crate is Rust
//! API, whose `pub const`s and `extern` imports are no part of the C header.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config = match cbindgen::Config::from_file(dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => panic!("cbindgen.toml: {e}"),
    };
    let bindings = match cbindgen::Builder::new().with_src(dir.join("src/ffi/mod.rs")).with_config(config).generate() {
        Ok(b) => b,
        Err(e) => {
            // A syntax error in src/ makes cbindgen fail too; let rustc report it properly.
            println!("cargo:warning=header not regenerated: {e}");
            return;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = dir.join("include/soter_verify.h");
    if std::fs::read(&path).ok().as_deref() != Some(&generated[..]) {
        std::fs::create_dir_all(dir.join("include")).expect("create include/");
        std::fs::write(&path, &generated).expect("write include/soter_verify.h");
    }
}
