//! The committed header must be exactly what build.rs generates, and the C test programs must
//! call every function the header declares; doc comments hold no code block rustdoc would run.

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

/// Every name the header defines is the library's: functions `soter_`, macros and enum constants
/// `SOTER_`, types `Soter`. (cbindgen reads src/ffi only; a Rust `pub const` or an `extern`
/// import elsewhere in the crate once leaked `TOKEN_ERRCODES` and `amm52x40` into the header.)
#[test]
fn every_name_in_the_header_is_prefixed() {
    let header = std::fs::read_to_string(root().join("include/soter_verify.h")).unwrap();
    let code: String = header.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut bad = Vec::new();
    for line in code.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("#define ") {
            let name = rest.split_whitespace().next().unwrap_or("");
            if !name.starts_with("SOTER_") {
                bad.push(format!("macro {name}"));
            }
        }
        if t.starts_with("} ") && t.ends_with(';') {
            let name = t.trim_start_matches("} ").trim_end_matches(';');
            if !name.starts_with("Soter") {
                bad.push(format!("type {name}"));
            }
        }
        if let Some(rest) = t.strip_prefix("typedef struct ") {
            if !rest.starts_with("Soter") && !rest.starts_with('{') {
                bad.push(format!("type {rest}"));
            }
        }
        if let Some(eq) = t.find(" = ") {
            let name = &t[..eq];
            if name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') && !name.starts_with("SOTER_") {
                bad.push(format!("constant {name}"));
            }
        }
    }
    for name in all_declared_functions(&code) {
        if !name.starts_with("soter_") {
            bad.push(format!("function {name}"));
        }
    }
    assert!(bad.is_empty(), "unprefixed names in include/soter_verify.h: {bad:?}");
}

/// Every identifier followed by '(' at the start of a declaration (return type, name, args).
fn all_declared_functions(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines().filter(|l| !l.starts_with(' ') && !l.starts_with('#') && !l.starts_with("typedef")) {
        if let Some(open) = line.find('(') {
            let name = line[..open].rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
            if !name.is_empty() {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Every function the header declares is exported by the library this test run built (`nm -D`):
/// a C caller never gets an undefined reference.
#[test]
fn every_declared_function_is_exported() {
    let header = std::fs::read_to_string(root().join("include/soter_verify.h")).unwrap();
    let code: String = header.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let declared = all_declared_functions(&code);
    assert!(declared.len() > 20, "parsed too few declarations: {declared:?}");
    // target/<profile>/deps/header-* -> target/<profile>/deps/libsoter_verify.so: the cdylib cargo
    // built for this run (the copy in target/<profile>/ is refreshed only by `cargo build`, so it
    // can be stale or absent).
    let exe = std::env::current_exe().unwrap();
    let lib = exe.parent().unwrap().join("libsoter_verify.so");
    assert!(lib.exists(), "{} was not built with this test", lib.display());
    let out = match Command::new("nm").args(["-D", "--defined-only"]).arg(&lib).output() {
        Ok(o) if o.status.success() => o,
        _ => panic!("nm -D failed on {} (install binutils)", lib.display()),
    };
    let symbols: std::collections::HashSet<String> =
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split_whitespace().last().map(str::to_owned)).collect();
    let missing: Vec<_> = declared.iter().filter(|n| !symbols.contains(*n)).collect();
    assert!(missing.is_empty(), "declared in the header but not exported by {}: {missing:?}", lib.display());
}

/// Indented text after a blank line in a doc comment is a Markdown code block, which rustdoc
/// compiles and runs as a Rust doctest: C layouts written that way broke `cargo test`. Code in
/// doc comments goes in fences (```c, ```text); this finds any indented block in src.
#[test]
fn doc_comments_hold_no_indented_code_blocks() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let (mut after_blank, mut fenced) = (true, false);
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            let Some(body) = t.strip_prefix("///").or_else(|| t.strip_prefix("//!")) else {
                after_blank = true;
                continue;
            };
            let body = body.strip_prefix(' ').unwrap_or(body);
            if body.trim_start().starts_with("```") {
                fenced = !fenced;
                after_blank = false;
                continue;
            }
            let indent = body.len() - body.trim_start_matches(' ').len();
            if !fenced && after_blank && indent >= 4 && !body.trim().is_empty() {
                found.push(format!("{}:{}: {line}", file.display(), i + 1));
            }
            after_blank = body.trim().is_empty();
        }
    }
    assert!(found.is_empty(), "indented code blocks in doc comments (fence them):\n{}", found.join("\n"));
}
