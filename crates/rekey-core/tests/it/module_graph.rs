//! No module cycle anywhere in the workspace: a small import scanner over every crate's `src/`.
//!
//! For each crate root (`lib.rs`, and `main.rs` as a crate of its own) it follows the `mod x;`
//! declarations to the files, and in each file reads the paths that name another module of the same
//! crate: `crate::…`, `super::…`, `self::…`, and a path that starts with one of the file's own
//! child modules (`credentials::Lookup` in `inventory/mod.rs`). A path goes to the deepest module
//! it names (the file that defines it); comments, strings and `#[cfg(test)]` items are left out, and
//! so are the `mod x;` declarations themselves (a parent declaring a child is not a dependency).
//!
//! A module's own ancestors: a child naming an item of its parent (`super::Shared` in
//! `graph/batch.rs`, defined in `graph/mod.rs`) is not an edge. The parent is the façade of its
//! children — it declares, re-exports and dispatches to them, and they may share its private items
//! — so the parent and its children are one unit, checked as a whole at the coarser depth against
//! every other module. Sibling files, and modules of different parents, may not form a cycle.
//!
//! Re-exports: `pub use` counts like any `use` — the re-exporting module depends on the source, and
//! whoever names the re-export depends on the re-exporting module. So a façade that re-exports a
//! lower layer is fine, but a re-export cannot hide an upward import.
//!
//! The graph is checked at every depth: files (`azure::http -> azure::arm`), and the same graph
//! with each module folded into its ancestor at depth 1, 2, … (top-level modules: `auth -> azure`).
//! Any cycle fails the test and is named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[test]
fn the_workspace_has_no_module_cycle() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut roots = Vec::new();
    for entry in std::fs::read_dir(workspace.join("crates")).expect("crates/ is readable") {
        roots.push(entry.expect("a crates/ entry").path().join("src"));
    }
    roots.push(workspace.join("src-tauri/src"));
    roots.sort();

    let read = |path: &Path| std::fs::read_to_string(path).ok();
    let mut found = Vec::new();
    let mut scanned = 0;
    for src in roots {
        for root in ["lib.rs", "main.rs"] {
            if !src.join(root).is_file() {
                continue;
            }
            let krate = scanner::Crate::scan(&src, root, &read);
            scanned += krate.files.len();
            let name = src
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned());
            for (cycle, members) in krate.cycles() {
                let name = name.clone().unwrap_or_default();
                found.push(format!(
                    "{name} ({root}): {} (in {{{}}})",
                    cycle.join(" -> "),
                    members.join(", ")
                ));
            }
        }
    }
    assert!(
        scanned > 100,
        "the scanner found only {scanned} files: is it reading the workspace?"
    );
    assert!(
        found.is_empty(),
        "module cycles (each module imports the next):\n  {}",
        found.join("\n  ")
    );
}

/// The scanner must see a cycle when there is one, at the file and at the top-level depth, and
/// through each kind of path.
#[test]
fn the_scanner_finds_a_planted_cycle() {
    let files: BTreeMap<PathBuf, &str> = [
        ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        // a/mod.rs reaches b through a use tree; b reaches back through a super:: path in a function.
        ("src/a/mod.rs", "mod inner;\npub use inner::Thing;\nuse crate::{b::{self, B}, c};\n"),
        ("src/a/inner.rs", "// crate::c::C in a comment is not an import\npub struct Thing;\nconst S: &str = \"crate::c\";\n"),
        ("src/b.rs", "pub struct B;\nfn f() { let _ = super::a::Thing; }\n#[cfg(test)]\nmod tests { use crate::c::C; }\n"),
        ("src/c.rs", "pub struct C;\n"),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t))
    .collect();
    let read = |path: &Path| files.get(path).map(|t| t.to_string());
    let krate = scanner::Crate::scan(Path::new("src"), "lib.rs", &read);

    assert_eq!(krate.files.len(), 5);
    let cycles: Vec<Vec<String>> = krate.cycles().into_iter().map(|(c, _)| c).collect();
    assert!(
        cycles.contains(&vec!["a".to_string(), "b".to_string(), "a".to_string()]),
        "{cycles:?}"
    );
    // The comment, the string and the test module do not import c; a's use of c is one way.
    assert!(!cycles.iter().any(|c| c.contains(&"c".to_string())), "{cycles:?}");
    // Without b's path back there is no cycle.
    let files_ok: BTreeMap<PathBuf, &str> = files
        .iter()
        .map(|(p, t)| (p.clone(), if p.ends_with("b.rs") { "pub struct B;" } else { t }))
        .collect();
    let read_ok = |path: &Path| files_ok.get(path).map(|t| t.to_string());
    assert!(scanner::Crate::scan(Path::new("src"), "lib.rs", &read_ok)
        .cycles()
        .is_empty());

    // A cycle between two files in one module shows at the file depth only.
    let nested: BTreeMap<PathBuf, &str> = [
        ("src/lib.rs", "mod m;"),
        ("src/m/mod.rs", "mod x;\nmod y;"),
        ("src/m/x.rs", "use super::y::Y; pub struct X;"),
        ("src/m/y.rs", "pub struct Y(crate::m::x::X);"),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t))
    .collect();
    let read_nested = |path: &Path| nested.get(path).map(|t| t.to_string());
    let cycles: Vec<Vec<String>> = scanner::Crate::scan(Path::new("src"), "lib.rs", &read_nested)
        .cycles()
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        cycles,
        vec![vec!["m::x".to_string(), "m::y".to_string(), "m::x".to_string()]]
    );
}

mod scanner {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// A module path inside one crate; the crate root is the empty path.
    pub type Module = Vec<String>;

    pub struct Crate {
        /// Each module file, by its module path.
        pub files: BTreeMap<Module, PathBuf>,
        /// Module -> the modules it names.
        pub edges: BTreeMap<Module, BTreeSet<Module>>,
    }

    impl Crate {
        pub fn scan(src: &Path, root: &str, read: &dyn Fn(&Path) -> Option<String>) -> Crate {
            let mut files = BTreeMap::new();
            let mut tokens_of = BTreeMap::new();
            let mut children: BTreeMap<Module, BTreeSet<String>> = BTreeMap::new();
            // Walk the `mod x;` declarations from the root.
            let mut queue = vec![(Vec::<String>::new(), src.join(root), true)];
            while let Some((module, path, owns_dir)) = queue.pop() {
                let Some(text) = read(&path) else { continue };
                let tokens = strip_tests(&lex(&text));
                let dir = if owns_dir {
                    path.parent().map(Path::to_path_buf).unwrap_or_default()
                } else {
                    path.with_extension("")
                };
                for child in declared_modules(&tokens) {
                    let mut sub = module.clone();
                    sub.push(child.clone());
                    children.entry(module.clone()).or_default().insert(child.clone());
                    let flat = dir.join(format!("{child}.rs"));
                    let nested = dir.join(&child).join("mod.rs");
                    if read(&flat).is_some() {
                        queue.push((sub, flat, false));
                    } else {
                        queue.push((sub, nested, true));
                    }
                }
                files.insert(module.clone(), path);
                tokens_of.insert(module, tokens);
            }
            let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
            for (module, tokens) in &tokens_of {
                let kids = children.get(module).cloned().unwrap_or_default();
                for path in paths(tokens, module, &kids) {
                    // The deepest module the path names.
                    let target = (0..=path.len())
                        .rev()
                        .map(|n| path[..n].to_vec())
                        .find(|prefix| files.contains_key(prefix))
                        .unwrap_or_default();
                    // A module naming its own ancestor (`super::Shared` in a child of `mod.rs`) is
                    // not counted: see the purpose line.
                    if !module.starts_with(&target) {
                        edges.entry(module.clone()).or_default().insert(target);
                    }
                }
            }
            Crate { files, edges }
        }

        /// Each strongly connected set of modules, named by one cycle through it (`["a", "b", "a"]`
        /// reads "a imports b imports a") and listed in full, at the file depth and at each coarser
        /// depth (modules folded into their ancestor).
        pub fn cycles(&self) -> Vec<(Vec<String>, Vec<String>)> {
            let depth = self.files.keys().map(Vec::len).max().unwrap_or(0);
            let mut all = Vec::new();
            for d in (1..=depth).rev() {
                let fold = |m: &Module| m[..m.len().min(d)].to_vec();
                let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
                for (from, tos) in &self.edges {
                    for to in tos {
                        let (f, t) = (fold(from), fold(to));
                        // The crate root only declares and re-exports; a module's own ancestors
                        // at this depth are the same node.
                        if f != t && !f.is_empty() && !t.is_empty() {
                            graph.entry(f).or_default().insert(t);
                        }
                    }
                }
                for (cycle, members) in find_cycles(&graph) {
                    let named: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
                    let members: Vec<String> = members.iter().map(|m| m.join("::")).collect();
                    if !all.iter().any(|(c, _)| c == &named) {
                        all.push((named, members));
                    }
                }
            }
            all
        }
    }

    /// Tarjan's strongly connected sets, each named by one cycle through it.
    fn find_cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<(Vec<Module>, BTreeSet<Module>)> {
        let mut tarjan = Tarjan {
            graph,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            sets: Vec::new(),
        };
        let nodes: BTreeSet<&Module> = graph.keys().chain(graph.values().flatten()).collect();
        for v in nodes {
            if !tarjan.index.contains_key(v) {
                tarjan.visit(v);
            }
        }
        tarjan
            .sets
            .iter()
            .map(|set| {
                let inside: BTreeSet<&Module> = set.iter().copied().collect();
                let start = inside.iter().next().copied().expect("a set has members");
                (
                    shortest_cycle(start, graph, &inside),
                    inside.into_iter().cloned().collect(),
                )
            })
            .collect()
    }

    struct Tarjan<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        sets: Vec<Vec<&'a Module>>,
    }

    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let reached = if !self.index.contains_key(w) {
                    self.visit(w);
                    self.low[w]
                } else if self.on_stack.contains(w) {
                    self.index[w]
                } else {
                    continue;
                };
                let low = self.low.get_mut(v).expect("visited");
                *low = (*low).min(reached);
            }
            if self.low[v] == self.index[v] {
                let mut set = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    set.push(w);
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    self.sets.push(set);
                }
            }
        }
    }

    /// The shortest way from `start` back to itself inside one strongly connected set.
    fn shortest_cycle(
        start: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        inside: &BTreeSet<&Module>,
    ) -> Vec<Module> {
        let mut came_from: BTreeMap<&Module, &Module> = BTreeMap::new();
        let mut frontier = std::collections::VecDeque::from([start]);
        while let Some(v) = frontier.pop_front() {
            for w in graph.get(v).into_iter().flatten() {
                if !inside.contains(w) {
                    continue;
                }
                if w == start {
                    let mut cycle = vec![start.clone()];
                    let mut at = v;
                    while at != start {
                        cycle.push(at.clone());
                        at = came_from[at];
                    }
                    cycle.push(start.clone());
                    cycle.reverse();
                    return cycle;
                }
                if !came_from.contains_key(w) {
                    came_from.insert(w, v);
                    frontier.push_back(w);
                }
            }
        }
        vec![start.clone()]
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Ident(String),
        PathSep,
        Punct(char),
    }

    /// Identifiers and punctuation; comments, strings, chars and numbers are dropped.
    fn lex(text: &str) -> Vec<Tok> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
        while i < chars.len() {
            let c = chars[i];
            if c == '/' && at(i + 1) == '/' {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && at(i + 1) == '*' {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            } else if c == '"'
                || ((c == 'r' || c == 'b')
                    && (at(i + 1) == '"'
                        || at(i + 1) == '#'
                        || (at(i + 1) == 'r' && (at(i + 2) == '"' || at(i + 2) == '#'))))
            {
                // A string, byte string or raw string.
                let mut j = i;
                while chars[j] != '"' && chars[j] != '#' {
                    j += 1;
                }
                let raw = chars[i..j].contains(&'r');
                if raw {
                    let mut hashes = 0;
                    while at(j) == '#' {
                        hashes += 1;
                        j += 1;
                    }
                    if at(j) != '"' {
                        // `r#ident` (a raw identifier), not a string.
                        out.push(Tok::Punct('#'));
                        i = j;
                        continue;
                    }
                    j += 1;
                    loop {
                        if j >= chars.len() {
                            break;
                        }
                        if chars[j] == '"' && (0..hashes).all(|h| at(j + 1 + h) == '#') {
                            j += 1 + hashes;
                            break;
                        }
                        j += 1;
                    }
                } else {
                    j += 1;
                    while j < chars.len() && chars[j] != '"' {
                        if chars[j] == '\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    j += 1;
                }
                i = j;
            } else if c == '\'' {
                // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
                if at(i + 1) == '\\' {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    i += 1;
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                }
            } else if c.is_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            } else if c.is_ascii_digit() {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                    if chars[i] == '.' && !at(i + 1).is_ascii_digit() {
                        break;
                    }
                    i += 1;
                }
            } else if c == ':' && at(i + 1) == ':' {
                out.push(Tok::PathSep);
                i += 2;
            } else {
                if !c.is_whitespace() {
                    out.push(Tok::Punct(c));
                }
                i += 1;
            }
        }
        out
    }

    fn is_ident(t: Option<&Tok>, name: &str) -> bool {
        matches!(t, Some(Tok::Ident(s)) if s == name)
    }

    /// The tokens without the items under `#[cfg(test)]` (or a `cfg` that needs `test`).
    fn strip_tests(tokens: &[Tok]) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            if let Some(end) = attribute_end(tokens, i) {
                let attr = &tokens[i..end];
                let test_only = is_ident(attr.get(2), "cfg")
                    && attr.iter().any(|t| is_ident(Some(t), "test"))
                    && !attr.iter().any(|t| is_ident(Some(t), "not"));
                if test_only {
                    i = item_end(tokens, end);
                    continue;
                }
            }
            out.push(tokens[i].clone());
            i += 1;
        }
        out
    }

    /// If an outer attribute `#[…]` starts at `i`, the index after its `]`.
    fn attribute_end(tokens: &[Tok], i: usize) -> Option<usize> {
        if tokens.get(i) != Some(&Tok::Punct('#')) || tokens.get(i + 1) != Some(&Tok::Punct('[')) {
            return None;
        }
        let mut depth = 0;
        for (j, t) in tokens.iter().enumerate().skip(i + 1) {
            match t {
                Tok::Punct('[') => depth += 1,
                Tok::Punct(']') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The index after the item that starts at `i` (its further attributes included).
    fn item_end(tokens: &[Tok], mut i: usize) -> usize {
        while let Some(end) = attribute_end(tokens, i) {
            i = end;
        }
        let mut depth = 0i32;
        while i < tokens.len() {
            match tokens[i] {
                Tok::Punct('(') | Tok::Punct('[') => depth += 1,
                Tok::Punct(')') | Tok::Punct(']') => depth -= 1,
                Tok::Punct(';') if depth == 0 => return i + 1,
                Tok::Punct('{') if depth == 0 => {
                    let mut braces = 0;
                    while i < tokens.len() {
                        match tokens[i] {
                            Tok::Punct('{') => braces += 1,
                            Tok::Punct('}') => {
                                braces -= 1;
                                if braces == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    // `use a::{b, c};` ends after its `;`.
                    return if tokens.get(i + 1) == Some(&Tok::Punct(';')) {
                        i + 2
                    } else {
                        i + 1
                    };
                }
                _ => {}
            }
            i += 1;
        }
        i
    }

    /// The `mod x;` declarations (modules in their own file).
    fn declared_modules(tokens: &[Tok]) -> Vec<String> {
        let mut out = Vec::new();
        for w in tokens.windows(3) {
            if let [Tok::Ident(m), Tok::Ident(name), Tok::Punct(';')] = w {
                if m == "mod" {
                    out.push(name.clone());
                }
            }
        }
        out
    }

    /// Every path in the file that names a module of this crate, made absolute (from the root).
    /// Inline `mod x { … }` blocks are followed so that their `super::` and `self::` resolve.
    fn paths(tokens: &[Tok], module: &Module, children: &BTreeSet<String>) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        // The inline modules we are inside: (name, brace depth at which it closes).
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut braces = 0usize;
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Tok::Punct('{') => {
                    braces += 1;
                }
                Tok::Punct('}') => {
                    braces = braces.saturating_sub(1);
                    if inline.last().is_some_and(|(_, d)| *d == braces) {
                        inline.pop();
                    }
                }
                Tok::Ident(m) if m == "mod" => {
                    if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) =
                        (tokens.get(i + 1), tokens.get(i + 2))
                    {
                        inline.push((name.clone(), braces));
                    }
                }
                Tok::Ident(first) => {
                    let after_sep =
                        i > 0 && matches!(tokens[i - 1], Tok::PathSep | Tok::Punct('$') | Tok::Punct('.'));
                    let here: Module = module
                        .iter()
                        .cloned()
                        .chain(inline.iter().map(|(n, _)| n.clone()))
                        .collect();
                    let base = match first.as_str() {
                        "crate" => Some(Vec::new()),
                        "self" => Some(here.clone()),
                        "super" => Some(here[..here.len().saturating_sub(1)].to_vec()),
                        // A child module of this file, used without a prefix.
                        name if inline.is_empty() && children.contains(name) => {
                            Some(here.iter().cloned().chain([name.to_string()]).collect())
                        }
                        _ => None,
                    };
                    if let (false, Some(base), Some(Tok::PathSep)) = (after_sep, base, tokens.get(i + 1)) {
                        let mut j = i + 2;
                        let mut base = base;
                        // `super::super::…`
                        while is_ident(tokens.get(j), "super") && tokens.get(j + 1) == Some(&Tok::PathSep) {
                            base.pop();
                            j += 2;
                        }
                        let end = use_tree(tokens, j, &base, &mut out);
                        i = end.max(i + 1);
                        continue;
                    } else if first == "self" || first == "crate" || first == "super" {
                        // `use crate::{…}` is handled above; a bare `self` is a value.
                    }
                }
                _ => {}
            }
            i += 1;
        }
        out
    }

    /// Reads a path or use tree starting at `i` under `prefix`; pushes each full path; returns the
    /// index after it.
    fn use_tree(tokens: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
        let mut path = prefix.to_vec();
        loop {
            match tokens.get(i) {
                Some(Tok::Ident(s)) if s == "self" => {
                    i += 1;
                }
                Some(Tok::Ident(s)) => {
                    path.push(s.clone());
                    i += 1;
                }
                Some(Tok::Punct('{')) => {
                    i += 1;
                    loop {
                        match tokens.get(i) {
                            Some(Tok::Punct('}')) | None => return i + 1,
                            Some(Tok::Punct(',')) => i += 1,
                            _ => {
                                let before = i;
                                i = use_tree(tokens, i, &path, out);
                                // `x as y`: skip the alias.
                                while is_ident(tokens.get(i), "as") {
                                    i += 2;
                                }
                                if i == before {
                                    i += 1;
                                }
                            }
                        }
                    }
                }
                _ => {
                    out.push(path);
                    return i;
                }
            }
            if tokens.get(i) == Some(&Tok::PathSep) {
                i += 1;
            } else {
                out.push(path);
                return i;
            }
        }
    }
}
