//! Crate-wide knowledge: what each fn of the run is (async, returns a `Result`, takes a
//! cancellation token, blocks), gathered during the one walk of each file, and the findings
//! that need it, which wait until every file has been walked.
//!
//! Names are matched by the fn's own name, not its full path: a fact holds only when every fn of
//! the run with that name agrees, so a name shared by unrelated fns stays quiet.

use crate::diagnostic::{Diagnostic, Label};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// What makes a sync fn block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BlockKind {
    /// Drives a future to completion (`block_on`, a new runtime).
    Executor,
    /// A blocking call (`std::fs`, `thread::sleep`, sync clients, ...).
    Call,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BlockRecord {
    pub kind: BlockKind,
    /// What is called, e.g. "`std::fs::read_to_string`".
    pub what: String,
    pub range: Range<usize>,
    pub line: usize,
}

/// One fn of a file, as the rest of the crate sees it.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FnSummary {
    pub name: String,
    pub is_async: bool,
    pub returns_result: bool,
    pub takes_token: bool,
    /// Blocking calls made directly in the body of a sync fn (not in insulated closures).
    pub blocks: Vec<BlockRecord>,
    /// The type of the `impl` the fn is in, if any.
    #[serde(default)]
    pub owner: Option<String>,
}

impl FnSummary {
    /// The fn as a finding's scope: `Worker::run`, `handler`.
    pub fn scope(&self) -> String {
        match &self.owner {
            Some(t) => format!("{t}::{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// What a deferred finding needs to be true of every crate fn named `callee`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Need {
    Blocks(BlockKind),
    IsAsync,
    ReturnsResult,
    TakesToken,
}

/// The words of a deferred finding, written only if it is reported: (message, primary label,
/// help) for a callee name.
pub type Describe = fn(&str) -> (String, String, String);

/// How a deferred finding gets its words: lazily from the rule, or already written (read back
/// from the cache, which cannot hold a fn pointer).
#[derive(Clone, Debug)]
pub enum Words {
    Lazy(Describe),
    Ready(String, String, String),
}

impl Words {
    pub fn for_callee(&self, callee: &str) -> (String, String, String) {
        match self {
            Words::Lazy(describe) => describe(callee),
            Words::Ready(m, l, h) => (m.clone(), l.clone(), h.clone()),
        }
    }
}

impl serde::Serialize for Words {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Only written by the cache, next to the callee it describes.
        match self {
            Words::Ready(m, l, h) => (m, l, h).serialize(s),
            Words::Lazy(_) => Err(serde::ser::Error::custom("write the words before serialising")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Words {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (m, l, h) = <(String, String, String)>::deserialize(d)?;
        Ok(Words::Ready(m, l, h))
    }
}

/// A finding that waits for the crate: cheap to record, since most are never reported.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Deferred {
    pub callee: String,
    pub need: Need,
    #[serde(with = "crate::rule::rule_name")]
    pub rule: crate::rule::RuleName,
    pub severity: crate::rule::Severity,
    pub range: Range<usize>,
    pub labels: Vec<Label>,
    pub describe: Words,
    /// The enclosing fn, by its index in the file's summaries; named only if reported.
    pub fn_index: Option<usize>,
}

/// Every fn of the run by name.
#[derive(Default)]
pub struct CrateIndex<'a> {
    fns: HashMap<&'a str, Vec<(&'a Path, &'a FnSummary)>>,
}

impl<'a> CrateIndex<'a> {
    pub fn new(files: impl Iterator<Item = (&'a Path, &'a [FnSummary])>) -> Self {
        let mut fns: HashMap<&str, Vec<_>> = HashMap::new();
        for (path, summaries) in files {
            for s in summaries {
                fns.entry(s.name.as_str()).or_default().push((path, s));
            }
        }
        CrateIndex { fns }
    }

    /// Whether any fn of the run has this name.
    pub fn knows(&self, name: &str) -> bool {
        self.fns.contains_key(name)
    }

    /// The diagnostic of `d` if what it needs holds, completed with where the callee blocks.
    pub fn resolve(&self, d: &Deferred, here: &Path) -> Option<Diagnostic> {
        let all = self.fns.get(d.callee.as_str())?;
        // Most deferred findings do not hold: decide before writing any words.
        let blocks_at = match &d.need {
            Need::IsAsync => all.iter().all(|(_, f)| f.is_async).then_some(None)?,
            Need::ReturnsResult => all.iter().all(|(_, f)| f.returns_result).then_some(None)?,
            Need::TakesToken => all.iter().all(|(_, f)| f.takes_token).then_some(None)?,
            Need::Blocks(kind) => {
                let mut first = None;
                for (path, f) in all {
                    let record = f.blocks.iter().find(|b| b.kind == *kind).filter(|_| !f.is_async)?;
                    first.get_or_insert((*path, record));
                }
                Some(first?)
            }
        };
        let (message, label, help) = d.describe.for_callee(&d.callee);
        let mut diag = Diagnostic::new(d.rule, d.severity, message, d.range.clone())
            .with_primary_label(label)
            .with_help(help);
        diag.labels.extend(d.labels.iter().cloned());
        if let Some((path, record)) = blocks_at {
            let at = format!("{}:{}", path.display(), record.line);
            if path == here {
                diag.labels.push(Label {
                    range: record.range.clone(),
                    message: format!("`{}` blocks here", d.callee).into(),
                });
            }
            diag.message = format!("`{}` blocks the executor: it calls {} ({at})", d.callee, record.what);
        }
        Some(diag)
    }
}
