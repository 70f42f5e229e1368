//! Criterion benches: verify per backend and key size, parse, key load, authenticate, and the
//! C ABI call path. `make bench` prints the table with the ratios against baselines.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use soter_verify::testing::{Device, KeyPair};
use soter_verify::{authenticate, Backend, Expectations, PublicKey, ResultJson, SaltLen};

fn benches(c: &mut Criterion) {
    for bits in [2048, 3072, 4096] {
        let device = Device::with_key(KeyPair::generate(bits).unwrap()).unwrap();
        let (json, sig_b64) = device.sign_result("bench-challenge", 20).unwrap();
        let sig = soter_verify::base64::decode(sig_b64.as_bytes()).unwrap();
        let key = device.public_key();
        for &backend in Backend::available() {
            c.bench_function(&format!("verify/{}/{bits}", backend.name()), |b| {
                b.iter(|| key.verify_with(backend, black_box(&json), black_box(&sig), SaltLen::Default).unwrap())
            });
        }
        if bits != 2048 {
            continue;
        }
        c.bench_function("verify_base64/2048", |b| {
            b.iter(|| key.verify(black_box(&json), black_box(sig_b64.as_bytes()), SaltLen::Default).unwrap())
        });
        c.bench_function("parse/resultJSON", |b| b.iter(|| ResultJson::parse(black_box(&json)).unwrap()));
        let pem = device.public_key_pem();
        c.bench_function("key_load/pem/2048", |b| b.iter(|| PublicKey::load(black_box(pem.as_bytes())).unwrap()));
        let der = key.to_spki_der();
        c.bench_function("key_load/der/2048", |b| b.iter(|| PublicKey::load(black_box(&der)).unwrap()));
        let expect = Expectations::new("bench-challenge");
        c.bench_function("authenticate/2048", |b| {
            b.iter(|| authenticate(key, black_box(&json), black_box(&sig), &expect).unwrap())
        });
        // The C ABI path the Python and Java packages take.
        let ckey = soter_verify::ffi::SoterKey::from_key(key.clone());
        c.bench_function("c_abi/soter_key_verify/2048", |b| {
            b.iter(|| {
                // SAFETY: valid pointers and lengths for the duration of the call.
                let st = unsafe {
                    soter_verify::ffi::soter_key_verify(
                        &ckey,
                        json.as_ptr(),
                        json.len(),
                        sig.as_ptr(),
                        sig.len(),
                        soter_verify::ffi::SOTER_SALT_LEN_DEFAULT,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                    )
                };
                assert_eq!(st, soter_verify::ffi::SoterStatus::Ok);
            })
        });
    }
}

criterion_group! {
    name = verify;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = benches
}
criterion_main!(verify);
