//! The library's modules form no import cycle (issue 24): a cycle means code sits in the wrong
//! file. Each file under src/ (the CLI excepted) is a module; every `crate::…`, `super::…` and
//! `self::…` path outside its unit tests is an edge to the deepest module file it names. Edges
//! between a module and its own ancestors or descendants are not counted (a parent declares and
//! re-exports its children; children use the parent's shared items).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

fn modules(dir: &Path, root: &Path, out: &mut BTreeMap<Module, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path.strip_prefix(root).unwrap();
        if path.is_dir() {
            if rel != Path::new("bin") {
                modules(&path, root, out);
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let mut m: Module = rel.with_extension("").iter().map(|s| s.to_string_lossy().into_owned()).collect();
        if m.last().is_some_and(|s| s == "mod" || s == "lib") {
            m.pop();
        }
        // Unit tests may reach anywhere; comments may name anything.
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let code: String = code.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
        out.insert(m, code);
    }
}

/// Every `crate::a::b`, `super::super::c`, `self::d` path in `code`, as segments.
fn paths(code: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(start) {
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'$') {
                continue;
            }
            let end = code[i..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).map_or(code.len(), |e| i + e);
            out.push(code[i..end].split("::").filter(|s| !s.is_empty()).collect());
        }
    }
    out
}

fn edges(mods: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut g = BTreeMap::new();
    for (m, code) in mods {
        let mut to = BTreeSet::new();
        for p in paths(code) {
            let (mut base, rest): (Module, &[&str]) = match p[0] {
                "crate" => (vec![], &p[1..]),
                "self" => (m.clone(), &p[1..]),
                _ => {
                    let ups = p.iter().take_while(|s| **s == "super").count();
                    (m[..m.len().saturating_sub(ups)].to_vec(), &p[ups..])
                }
            };
            base.extend(rest.iter().map(|s| s.to_string()));
            while !mods.contains_key(&base) {
                base.pop();
            }
            let related = base.len() <= m.len() && m[..base.len()] == base[..] || m.len() <= base.len() && base[..m.len()] == m[..];
            if !related {
                to.insert(base);
            }
        }
        g.insert(m.clone(), to);
    }
    g
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<String>> {
    struct T<'a> {
        g: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Module) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        for w in &t.g[v] {
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[w].min(t.low[v]);
                t.low.insert(v, l);
            } else if t.stack.contains(&w) {
                let l = t.index[w].min(t.low[v]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                comp.insert(if w.is_empty() { "crate".to_owned() } else { w.join("::") });
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut mods = BTreeMap::new();
    modules(&root, &root, &mut mods);
    edges(&mods)
}

#[test]
fn the_library_has_no_import_cycle() {
    let g = graph();
    assert!(g.len() > 40, "the walk found {} modules", g.len());
    let found = cycles(&g);
    assert!(found.is_empty(), "import cycles: {found:?}");
}

#[test]
fn the_checker_sees_a_cycle() {
    // The cycles of issue 24 as they were: the checker must find them.
    let mut mods = BTreeMap::new();
    mods.insert(vec![], String::new());
    mods.insert(vec!["key".into()], "use crate::backend::{self, Backend};".into());
    mods.insert(vec!["backend".into()], "use crate::key::KeyInner;".into());
    mods.insert(vec!["wechat".into()], "mod client; pub use client::WeChatClient;".into());
    mods.insert(vec!["wechat".into(), "client".into()], "use super::token::TokenCache; use super::paths;".into());
    mods.insert(vec!["wechat".into(), "token".into()], "use super::transport::Deadline;".into());
    mods.insert(vec!["wechat".into(), "transport".into()], "use super::client::RetryPolicy; x = crate::log::event!(); ".into());
    let found = cycles(&edges(&mods));
    let names: Vec<Vec<&str>> = found.iter().map(|c| c.iter().map(String::as_str).collect()).collect();
    assert_eq!(names, vec![vec!["backend", "key"], vec!["wechat::client", "wechat::token", "wechat::transport"]]);
}
