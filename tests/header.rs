//! The committed header must be exactly what build.rs generates, and the C test programs must
//! call every function the header declares.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_header_is_current() {
    // build.rs has just regenerated include/soter_verify.h; compare with what git has.
    let generated = std::fs::read_to_string(root().join("include/soter_verify.h")).expect("header exists");
    let committed = Command::new("git")
        .args(["show", "HEAD:include/soter_verify.h"])
        .current_dir(root())
        .output();
    match committed {
        Ok(out) if out.status.success() => {
            assert!(
                String::from_utf8_lossy(&out.stdout) == generated,
                "include/soter_verify.h differs from the committed one: commit the regenerated header"
            );
        }
        _ => eprintln!("SKIPPED: not a git checkout with a committed header; staleness not checked"),
    }
}

fn declared_functions(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in header.lines().filter(|l| !l.starts_with("//") && !l.starts_with(' ')) {
        if let Some(open) = line.find('(') {
            let before = &line[..open];
            let name = before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
            if name.starts_with("soter_") {
                names.push(name.to_string());
            }
        }
    }
    names
}

#[test]
fn c_test_calls_every_export() {
    let header = std::fs::read_to_string(root().join("include/soter_verify.h")).unwrap();
    let mut c_test = String::new();
    for entry in std::fs::read_dir(root().join("tests/c")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "c") {
            c_test.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    let names = declared_functions(&header);
    assert!(names.len() > 20, "parsed too few declarations: {names:?}");
    let missing: Vec<_> = names.iter().filter(|n| !c_test.contains(&format!("{n}("))).collect();
    assert!(missing.is_empty(), "the C tests in tests/c do not call: {missing:?}");
}
