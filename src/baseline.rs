//! Baselines: the findings a project has accepted for now, so CI fails only on new ones.
//!
//! A finding is identified by its rule, its file, the fn it is in and a hash of the flagged code
//! with whitespace normalised, never by line number: edits elsewhere in the file do not bring
//! it back. Identical findings in one fn are counted.

use crate::config::absolute_normalized;
use crate::diagnostic::Located;
use crate::engine::{FileReport, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What identifies a finding across edits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub rule: String,
    /// The file, relative to the baseline's directory, with `/` separators.
    pub path: String,
    pub function: String,
    pub code_hash: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    #[serde(default)]
    pub function: String,
    pub code_hash: String,
    pub count: usize,
    /// The flagged code, for readers of the file; not part of the identity.
    #[serde(default)]
    pub code: String,
}

impl Entry {
    fn key(&self) -> Key {
        Key {
            rule: self.rule.clone(),
            path: self.path.clone(),
            function: self.function.clone(),
            code_hash: self.code_hash.clone(),
        }
    }
}

/// A set of accepted findings.
#[derive(Debug, Default)]
pub struct Baseline {
    entries: BTreeMap<Key, Entry>,
}

const VERSION: u32 = 1;

/// The flagged code with whitespace runs collapsed, for people reading the baseline.
fn readable_code(file: &FileReport, d: &Located) -> String {
    let text = file
        .source
        .as_deref()
        .and_then(|s| s.get(d.diagnostic.range.clone()))
        .unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a finding's primary range as tokens, so layout does not matter: `f( 10 )`,
/// `f(10)` and rustfmt's `f(\n    10,\n)` are the same code.
fn code_of(file: &FileReport, d: &Located) -> String {
    let text = file
        .source
        .as_deref()
        .and_then(|s| s.get(d.diagnostic.range.clone()))
        .unwrap_or("");
    match text.parse::<proc_macro2::TokenStream>() {
        Ok(tokens) => {
            let mut out = Vec::new();
            flatten(tokens, &mut out);
            out.join(" ")
        }
        // Not a token sequence on its own (cut inside a literal): layout is all we can drop.
        Err(_) => readable_code(file, d),
    }
}

/// Tokens in order, with delimiters as tokens of their own and a trailing comma dropped.
fn flatten(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    use proc_macro2::{Delimiter, TokenTree};
    let mut stack = vec![tokens.into_iter()];
    let mut closers = Vec::new();
    while let Some(iter) = stack.last_mut() {
        match iter.next() {
            Some(TokenTree::Group(g)) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push(open.to_string());
                closers.push(close);
                stack.push(g.stream().into_iter());
            }
            Some(t) => out.push(t.to_string()),
            None => {
                stack.pop();
                if let Some(close) = closers.pop() {
                    if out.last().is_some_and(|t| t == ",") {
                        out.pop();
                    }
                    out.push(close.to_string());
                }
            }
        }
    }
    out.retain(|t| !t.is_empty());
}

/// The identity of a finding; paths are made relative to `base`.
pub fn key(file: &FileReport, d: &Located, base: &Path) -> Key {
    let code = code_of(file, d);
    Key {
        rule: d.diagnostic.rule.to_string(),
        path: relative_path(&file.path, base),
        function: d.diagnostic.scope.clone(),
        code_hash: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(code.as_bytes())),
    }
}

/// A stable fingerprint of a finding (its key, hashed), for SARIF's `partialFingerprints`.
pub fn fingerprint(file: &FileReport, d: &Located, base: &Path) -> String {
    let k = key(file, d, base);
    let joined = format!("{}\0{}\0{}\0{}", k.rule, k.path, k.function, k.code_hash);
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(joined.as_bytes()))
}

fn relative_path(path: &Path, base: &Path) -> String {
    let abs = absolute_normalized(path);
    // `../src/a.rs` for a baseline kept beside the tree, never an absolute path when avoidable.
    let rel = crate::config::relative_path(&abs, base);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The directory a baseline file's paths are relative to.
pub fn base_dir(file: &Path) -> PathBuf {
    let abs = absolute_normalized(file);
    abs.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// What filtering a report through a baseline found.
#[derive(Debug, Default)]
pub struct Filtered {
    /// Findings the baseline accepted and that were taken out of the report.
    pub known: usize,
    /// Entries (with the count that no longer matches) whose findings are gone.
    pub stale: Vec<Entry>,
    /// The baseline as it still applies: what `--prune-baseline` writes.
    pub pruned: Baseline,
}

impl Baseline {
    /// Every finding of `report`.
    pub fn from_report(report: &Report, base: &Path) -> Self {
        let mut b = Baseline::default();
        for (file, d) in report.diagnostics() {
            let k = key(file, d, base);
            let code = readable_code(file, d);
            b.entries
                .entry(k.clone())
                .or_insert_with(|| Entry {
                    rule: k.rule,
                    path: k.path,
                    function: k.function,
                    code_hash: k.code_hash,
                    count: 0,
                    code: code.chars().take(120).collect(),
                })
                .count += 1;
        }
        b
    }

    pub fn len(&self) -> usize {
        self.entries.values().map(|e| e.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let file: FileFormat =
            serde_json::from_str(&text).map_err(|e| format!("baseline {} is not valid: {e}", path.display()))?;
        if file.version != VERSION {
            return Err(format!(
                "baseline {} has version {}; this async-lint writes version {VERSION}",
                path.display(),
                file.version
            ));
        }
        let mut b = Baseline::default();
        for e in file.findings {
            let k = e.key();
            match b.entries.get_mut(&k) {
                Some(existing) => existing.count += e.count,
                None => {
                    b.entries.insert(k, e);
                }
            }
        }
        Ok(b)
    }

    /// Sorted, pretty JSON with one finding per block: it diffs well in review.
    pub fn to_json(&self) -> String {
        let file = FileFormat {
            version: VERSION,
            findings: self.entries.values().cloned().collect(),
        };
        let mut s = serde_json::to_string_pretty(&file).expect("plain data serialises");
        s.push('\n');
        s
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        std::fs::write(path, self.to_json()).map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    /// Takes the findings the baseline accepts out of `report`. Only entries that `covered`
    /// says this run could have seen (their file was linted, their rule ran) can be stale; the
    /// others are kept as they are, so a run over part of the tree prunes nothing else.
    pub fn filter(&self, report: &mut Report, base: &Path, covered: impl Fn(&Entry) -> bool) -> Filtered {
        let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
        let mut known = 0;
        for file in &mut report.files {
            let keys: Vec<Key> = file.diagnostics.iter().map(|d| key(file, d, base)).collect();
            let mut keep = keys.into_iter().map(|k| {
                let allowed = self.entries.get(&k).map_or(0, |e| e.count);
                let n = seen.entry(k).or_insert(0);
                *n += 1;
                *n > allowed
            });
            file.diagnostics.retain(|_| {
                let new = keep.next().unwrap_or(true);
                known += usize::from(!new);
                new
            });
        }
        let mut out = Filtered {
            known,
            ..Filtered::default()
        };
        for (k, e) in &self.entries {
            let found = seen.get(k).copied().unwrap_or(0);
            if !covered(e) {
                out.pruned.entries.insert(k.clone(), e.clone());
                continue;
            }
            if found < e.count {
                out.stale.push(Entry {
                    count: e.count - found,
                    ..e.clone()
                });
            }
            if found > 0 {
                out.pruned.entries.insert(
                    k.clone(),
                    Entry {
                        count: found.min(e.count),
                        ..e.clone()
                    },
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, LineIndex};
    use crate::rule::Severity;

    fn file(path: &str, source: &str, spans: &[(&str, &str)]) -> FileReport {
        let lines = LineIndex::new(source);
        let diagnostics = spans
            .iter()
            .map(|(code, scope)| {
                let start = source.find(code).unwrap();
                let mut d = Diagnostic::new("block_on_in_async", Severity::Error, "m", start..start + code.len());
                d.scope = scope.to_string();
                lines.locate(d)
            })
            .collect();
        FileReport {
            path: PathBuf::from(path),
            diagnostics,
            source: Some(source.to_string()),
            error: None,
        }
    }

    #[test]
    fn keys_ignore_lines_and_whitespace() {
        let base = base_dir(Path::new("baseline.json"));
        let a = file(
            "src/a.rs",
            "fn f() {\n    block_on(x( 1 ));\n}",
            &[("block_on(x( 1 ))", "f")],
        );
        let b = file(
            "src/a.rs",
            "// new line\n\nfn f() {\n        block_on(x(\n 1,\n ) );\n}",
            &[("block_on(x(\n 1,\n ) )", "f")],
        );
        assert_eq!(key(&a, &a.diagnostics[0], &base), key(&b, &b.diagnostics[0], &base));
        let c = file("src/a.rs", "fn g() { block_on(x( 1 )); }", &[("block_on(x( 1 ))", "g")]);
        assert_ne!(key(&a, &a.diagnostics[0], &base), key(&c, &c.diagnostics[0], &base));
    }

    #[test]
    fn counts_new_and_stale() {
        let base = base_dir(Path::new("baseline.json"));
        let src = "fn f() { block_on(a); block_on(a); block_on(b); }";
        let old = Report {
            files: vec![file("src/a.rs", src, &[("block_on(a)", "f"), ("block_on(b)", "f")])],
            ..Report::default()
        };
        let baseline = Baseline::from_report(&old, &base);
        assert_eq!(baseline.len(), 2);
        let reparsed = serde_json::from_str::<FileFormat>(&baseline.to_json()).unwrap();
        assert_eq!(reparsed.findings.len(), 2);
        // Now `block_on(a)` twice (one new) and `block_on(b)` fixed.
        let start = src.find("block_on(a)").unwrap();
        let second = src[start + 1..].find("block_on(a)").unwrap() + start + 1;
        let mut now = Report {
            files: vec![file("src/a.rs", src, &[("block_on(a)", "f")])],
            ..Report::default()
        };
        let mut d = now.files[0].diagnostics[0].clone();
        d.diagnostic.range = second..second + 11;
        now.files[0].diagnostics.push(d);
        let out = baseline.filter(&mut now, &base, |_| true);
        assert_eq!(out.known, 1);
        assert_eq!(now.files[0].diagnostics.len(), 1);
        assert_eq!(out.stale.len(), 1);
        assert_eq!(out.stale[0].code, "block_on(b)");
        assert_eq!(out.pruned.len(), 1);
        // A run that did not cover the file keeps its entries.
        let mut none = Report::default();
        let out = baseline.filter(&mut none, &base, |_| false);
        assert!(out.stale.is_empty());
        assert_eq!(out.pruned.len(), 2);
    }
}
