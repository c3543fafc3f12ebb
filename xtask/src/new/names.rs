//! Whether a name can be a package's.

/// Rust's keywords and the names cargo reserves, which no package may take.
pub(super) const RESERVED: [&str; 57] = [
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
];

/// Why `name` cannot be a package name, if it cannot.
pub fn invalid_name(name: &str) -> Option<String> {
    let first = name.chars().next()?;
    if !first.is_ascii_alphabetic() {
        return Some(format!(
            "`{name}` is not a valid package name: it must start with an ASCII letter"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Some(format!(
            "`{name}` is not a valid package name: `{bad}` is not a letter, a digit, `-` or `_`"
        ));
    }
    if RESERVED.contains(&name.replace('-', "_").as_str()) {
        return Some(format!(
            "`{name}` is not a valid package name: it is a Rust keyword or a name cargo reserves"
        ));
    }
    None
}
