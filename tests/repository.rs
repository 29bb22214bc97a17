//! The repository's own rules, checked on its files.
//!
//! No module circles (ARCHITECTURE.md): the modules of `src/` that use each other form no
//! cycle, at every level of the tree. A parent's `mod.rs` and its children may use each
//! other (that is how Rust declares them); two siblings may not both use the other, directly
//! or through others (e.g. `segment` → `frontend` → `segment`, or `asr::safetensors` →
//! `asr::whisper` → `asr::safetensors`). Test modules (`#[cfg(test)]` to the end of a file)
//! are left out: a test may read whatever it checks.
//!
//! Self-contained: no test, script, bench or fuzz target reads a file outside the
//! repository (the product's shared folder beside it, or an absolute path of one machine),
//! so a clone anywhere tests alone.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

fn module_of(relative: &Path) -> Option<Module> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop()?;
    let stem = file.strip_suffix(".rs")?;
    match stem {
        "lib" if parts.is_empty() => {}
        "main" if parts.is_empty() => return None,
        "mod" => {}
        other => parts.push(other.to_owned()),
    }
    Some(parts)
}

fn collect(dir: &Path, root: &Path, out: &mut Vec<(Module, String, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, root, out);
        } else if let Some(module) = module_of(path.strip_prefix(root).unwrap()) {
            let is_mod_file = path.ends_with("mod.rs") || path.ends_with("lib.rs");
            out.push((module, std::fs::read_to_string(&path).unwrap(), is_mod_file));
        }
    }
}

/// The code of a file without comments and without its trailing test module.
fn code(text: &str) -> String {
    let mut kept = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        kept.push_str(line.split(" //").next().unwrap_or(""));
        kept.push('\n');
    }
    kept
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The module paths a path that starts at `rest` (just after `crate::` or `super::`) names:
/// `a::b::C` gives one, `{a::X, b}` one per item.
fn paths_after(rest: &str, base: &Module, out: &mut Vec<Module>) {
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0usize;
        let mut item_start = 0usize;
        for (index, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    paths_after(group[item_start..index].trim_start(), base, out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    paths_after(group[item_start..index].trim_start(), base, out);
                    item_start = index + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let mut path = base.clone();
    let mut text = rest;
    loop {
        let word = identifier(text);
        if word.is_empty() {
            break;
        }
        path.push(word.to_owned());
        text = &text[word.len()..];
        match text.strip_prefix("::") {
            Some(next) if next.starts_with('{') => {
                paths_after(next, &path, out);
                return;
            }
            Some(next) => text = next,
            None => break,
        }
    }
    out.push(path);
}

fn references(module: &Module, text: &str, is_mod_file: bool) -> Vec<Module> {
    let mut found = Vec::new();
    for (index, _) in text.match_indices("crate::") {
        paths_after(&text[index + "crate::".len()..], &Vec::new(), &mut found);
    }
    // `super` from a mod.rs is the folder's parent; from a.rs, the folder holding it.
    let mut parent = module.clone();
    if !is_mod_file || !parent.is_empty() {
        parent.pop();
    }
    for (index, _) in text.match_indices("super::") {
        if text[..index].ends_with("::") {
            continue; // super::super:: is rare here; the first one is resolved below.
        }
        paths_after(&text[index + "super::".len()..], &parent, &mut found);
    }
    found
}

fn longest_module(path: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|length| path[..length].to_vec())
        .find(|prefix| modules.contains(prefix))
}

fn find_cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|m| m == next).unwrap();
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

fn graph_of(files: &[(Module, String, bool)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|(m, _, _)| m.clone()).collect();
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text, is_mod_file) in files {
        for target in references(module, &code(text), *is_mod_file) {
            let Some(target) = longest_module(&target, &modules) else {
                continue;
            };
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue; // a module and its own ancestor or descendant
            }
            graph
                .entry(module[..=common].to_vec())
                .or_default()
                .insert(target[..=common].to_vec());
        }
    }
    graph
}

#[test]
fn no_module_uses_a_sibling_that_uses_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    assert!(files.len() > 40, "found only {} source files", files.len());
    let graph = graph_of(&files);
    if std::env::var_os("TCCC_PRINT_MODULE_GRAPH").is_some() {
        for (from, to) in &graph {
            let to: Vec<String> = to.iter().map(|m| m.join("::")).collect();
            eprintln!("{} -> {}", from.join("::"), to.join(", "));
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        panic!("module circle: {}", names.join(" → "));
    }
}

#[test]
fn the_checker_finds_a_circle_between_siblings() {
    let files = vec![
        (
            vec!["a".to_owned()],
            "pub mod x;\npub mod y;\n".to_owned(),
            true,
        ),
        (
            vec!["a".to_owned(), "x".to_owned()],
            "use super::y::Thing;\n".to_owned(),
            false,
        ),
        (
            vec!["a".to_owned(), "y".to_owned()],
            "use crate::a::{x::Other, z};\n".to_owned(),
            false,
        ),
    ];
    assert!(find_cycle(&graph_of(&files)).is_some());
    let files = vec![
        (vec!["p".to_owned()], "use crate::q::A;".to_owned(), false),
        (
            vec!["q".to_owned()],
            "// crate::p::B in a comment\nuse crate::r::C;".to_owned(),
            false,
        ),
        (vec!["r".to_owned()], String::new(), false),
    ];
    assert!(find_cycle(&graph_of(&files)).is_none());
}

#[test]
fn nothing_reads_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Built at run time so that this file does not match itself.
    let forbidden = [format!("../{}/", "shared"), format!("/{}/shared", "work")];
    let mut offenders = Vec::new();
    // models/ holds only its manifest and fetch script in git; the rest is fetched weights.
    let mut stack: Vec<std::path::PathBuf> = [
        "src",
        "tests",
        "scripts",
        "benches",
        "fuzz",
        "hw-tests",
        ".ci",
        "models/fetch",
        "models/manifest.toml",
        "build.rs",
    ]
    .iter()
    .map(|dir| root.join(dir))
    .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let name = path.file_name().unwrap_or_default();
            if name == "target" || name == "corpus" || name == "artifacts" {
                continue;
            }
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary fixtures
        };
        for (number, line) in text.lines().enumerate() {
            if forbidden
                .iter()
                .any(|needle| line.contains(needle.as_str()))
            {
                offenders.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "files outside the repository are read:\n{}",
        offenders.join("\n")
    );
}
