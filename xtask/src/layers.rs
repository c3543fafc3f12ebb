//! A tidy rule: a crate's modules form layers. No two modules import each
//! other, directly or through others, so each file can be read knowing only
//! the ones below it.
//!
//! Written by hand, not with a Rust parser such as `syn`: the rule needs
//! only the paths after `crate::` and `super::`, and a parent's mentions of
//! its own children, which a scan of the text finds. It reads comments as
//! nothing, leaves out a unit-test module at the end of a file, and does not
//! look inside macros' own syntax.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::io;
use std::path::Path;

/// A module's path inside its crate: `["client", "fetcher"]`.
type Module = Vec<String>;

/// Every import loop among the modules under `src`, one line each, such as
/// `pool -> pool::handles -> pool`. The library's modules and the binary's
/// (those `main.rs` declares) are separate trees.
pub fn import_loops(src: &Path) -> io::Result<Vec<String>> {
    let mut files = Vec::new();
    collect(src, src, &mut files)?;
    let main = files
        .iter()
        .find(|(module, _)| module.as_slice() == ["main"])
        .map(|(_, text)| text.clone())
        .unwrap_or_default();
    let binary_roots: BTreeSet<String> = declared_modules(&main).into_iter().collect();
    let mut loops = Vec::new();
    for binary in [false, true] {
        let tree: BTreeMap<Module, String> = files
            .iter()
            .filter_map(|(module, text)| {
                let root = module.first().map(String::as_str);
                let in_binary =
                    root == Some("main") || root.is_some_and(|root| binary_roots.contains(root));
                if in_binary != binary {
                    return None;
                }
                let module = match root {
                    Some("main" | "lib") if module.len() == 1 => Vec::new(),
                    _ => module.clone(),
                };
                Some((module, text.clone()))
            })
            .collect();
        loops.extend(find_loops(&imports(&tree)));
    }
    Ok(loops)
}

/// Every `.rs` file under `dir`, as its module path and its text with the
/// comments removed.
fn collect(src: &Path, dir: &Path, files: &mut Vec<(Module, String)>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(src, &path, files)?;
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap_or(&path).with_extension("");
        let mut module: Module = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        if module.last().is_some_and(|last| last == "mod") {
            module.pop();
        }
        let text = fs::read_to_string(&path)?;
        // A unit-test module at the end of a file may use all of its file
        // (`use super::*`); it is no import of the module's.
        let text = text
            .find("#[cfg(test)]\nmod ")
            .map_or(&text[..], |at| &text[..at]);
        files.push((module, strip_comments(text)));
    }
    Ok(())
}

/// The text without `//` comments (doc comments included).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names of `mod NAME;` declarations in a file.
fn declared_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim().strip_prefix("pub ").unwrap_or(line.trim());
            let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_string())
        })
        .collect()
}

/// Which module imports which: every `crate::` and `super::` path resolved
/// to the deepest module it names, and a parent's mentions of its children.
fn imports(tree: &BTreeMap<Module, String>) -> BTreeSet<(Module, Module)> {
    let mut edges = BTreeSet::new();
    for (module, text) in tree {
        for (base, path) in paths(text) {
            let mut target = match base {
                Base::Crate => Vec::new(),
                Base::Super(levels) => {
                    let mut parent = module.clone();
                    for _ in 0..levels {
                        parent.pop();
                    }
                    parent
                }
            };
            for segment in path {
                target.push(segment);
                if !tree.contains_key(&target) {
                    target.pop();
                    break;
                }
            }
            if &target != module && tree.contains_key(&target) {
                edges.insert((module.clone(), target));
            }
        }
        for child in tree.keys() {
            if child.len() == module.len() + 1
                && child.starts_with(module)
                && mentions_child(text, &child[module.len()])
            {
                edges.insert((module.clone(), child.clone()));
            }
        }
    }
    edges
}

enum Base {
    Crate,
    Super(usize),
}

/// Every path after `crate::` or `super::` (`super::super::` counts two
/// levels), with `{a, b::c}` groups expanded to their first segments.
fn paths(text: &str) -> Vec<(Base, Vec<String>)> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let starts_word = at == 0 || !is_ident(bytes[at - 1]) && bytes[at - 1] != b':';
        let base = if !starts_word {
            None
        } else if rest.starts_with("crate::") {
            at += "crate::".len();
            Some(Base::Crate)
        } else if rest.starts_with("super::") {
            let mut levels = 0;
            while text[at..].starts_with("super::") {
                levels += 1;
                at += "super::".len();
            }
            Some(Base::Super(levels))
        } else {
            None
        };
        let Some(base) = base else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let (prefix, end) = segments(text, at);
        at = end;
        if text[at..].starts_with('{') {
            let close = text[at..].find('}').map_or(text.len(), |close| at + close);
            for item in text[at + 1..close].split(',') {
                let (first, _) = segments(item.trim(), 0);
                let mut path = prefix.clone();
                path.extend(first.into_iter().take(1));
                found.push((base_copy(&base), path));
            }
            at = close;
        } else {
            found.push((base, prefix));
        }
    }
    found
}

fn base_copy(base: &Base) -> Base {
    match base {
        Base::Crate => Base::Crate,
        Base::Super(levels) => Base::Super(*levels),
    }
}

/// The identifiers of a path starting at `at`, and where it stops: before
/// a `{`, or after the last identifier.
fn segments(text: &str, mut at: usize) -> (Vec<String>, usize) {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    loop {
        let start = at;
        while at < bytes.len() && is_ident(bytes[at]) {
            at += 1;
        }
        if at == start {
            return (parts, at);
        }
        parts.push(text[start..at].to_string());
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            return (parts, at);
        }
    }
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Whether `text` uses `child::` as a path of its own (not `other::child::`).
fn mentions_child(text: &str, child: &str) -> bool {
    let needle = format!("{child}::");
    text.match_indices(&needle).any(|(at, _)| {
        at == 0 || {
            let before = text.as_bytes()[at - 1];
            !is_ident(before) && before != b':'
        }
    })
}

/// Each import loop once, as `a -> b -> a`.
fn find_loops(edges: &BTreeSet<(Module, Module)>) -> Vec<String> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (from, to) in edges {
        next.entry(from).or_default().push(to);
    }
    let mut loops = BTreeSet::new();
    for (from, to) in edges {
        // The shortest way back from `to` to `from`, if there is one.
        let mut came_from: BTreeMap<&Module, &Module> = BTreeMap::new();
        let mut queue = VecDeque::from([to]);
        while let Some(module) = queue.pop_front() {
            if module == from {
                let mut cycle = vec![from];
                let mut step = from;
                while step != to {
                    step = came_from[step];
                    cycle.push(step);
                }
                cycle.push(from);
                cycle.reverse();
                // Start every loop at its smallest module, so each is
                // reported once.
                cycle.pop();
                let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                cycle.rotate_left(first);
                let first = cycle[0];
                cycle.push(first);
                let names: Vec<String> = cycle.iter().map(|module| name(module)).collect();
                loops.insert(names.join(" -> "));
                break;
            }
            for &after in next.get(module).into_iter().flatten() {
                if after != to && !came_from.contains_key(after) {
                    came_from.insert(after, module);
                    queue.push_back(after);
                }
            }
        }
    }
    loops.into_iter().collect()
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "the crate root".to_string()
    } else {
        module.join("::")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> BTreeMap<Module, String> {
        files
            .iter()
            .map(|(path, text)| {
                let module = if path.is_empty() {
                    Vec::new()
                } else {
                    path.split("::").map(str::to_string).collect()
                };
                (module, strip_comments(text))
            })
            .collect()
    }

    #[test]
    fn a_parent_and_a_child_that_import_each_other_are_a_loop() {
        let tree = tree(&[
            ("", "pub mod pool;"),
            (
                "pool",
                "mod handles;\npub use handles::TaskHandle;\npub fn lock() {}",
            ),
            ("pool::handles", "use super::lock;\npub struct TaskHandle;"),
        ]);
        assert_eq!(
            find_loops(&imports(&tree)),
            ["pool -> pool::handles -> pool"]
        );
    }

    #[test]
    fn layers_are_not_a_loop_and_comments_do_not_count() {
        let tree = tree(&[
            ("", "pub mod a; pub mod b; pub mod c;"),
            ("a", "use crate::b::{self, Thing};\nuse crate::c;"),
            ("b", "use crate::c::Other; // crate::a::Nothing"),
            ("c", "/// See [`crate::a`].\npub struct Other;"),
        ]);
        let edges = imports(&tree);
        assert!(edges.contains(&(vec!["a".into()], vec!["b".into()])));
        assert!(find_loops(&edges).is_empty(), "{edges:?}");
    }

    #[test]
    fn a_loop_through_three_modules_is_found_once() {
        let tree = tree(&[
            ("", ""),
            ("a", "use crate::b::X;"),
            ("b", "fn f() { crate::c::g() }"),
            ("c", "use super::a;"),
        ]);
        assert_eq!(find_loops(&imports(&tree)), ["a -> b -> c -> a"]);
    }
}
