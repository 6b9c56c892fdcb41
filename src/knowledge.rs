//! Crate-wide knowledge: what each fn of the run is (async, returns a `Result`, takes a
//! cancellation token, blocks), gathered during the one walk of each file, and the findings
//! that need it, which wait until every file has been walked.
//!
//! The crate model ([`crate::model`]) resolves each pending finding's callee to the one fn it
//! names and settles it on that fn's facts.

use crate::diagnostic::Label;
use crate::model::items::{ModuleIndex, TypeRef};
use std::ops::Range;

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
    /// How long the call can block: higher is longer (see [`BlockRecord::rank_of`]).
    pub rank: u8,
    /// What is called, e.g. "`std::fs::read_to_string`".
    pub what: String,
    pub range: Range<usize>,
    pub line: usize,
}

impl BlockRecord {
    /// How long a blocking call can hold the thread, by what it calls: driving a future, a
    /// process, the network, a sleep, then file I/O and the rest.
    pub fn rank_of(kind: BlockKind, what: &str) -> u8 {
        if kind == BlockKind::Executor {
            return 6;
        }
        let has = |w: &[&str]| w.iter().any(|w| what.contains(w));
        if has(&["process", "Command", "wait", "output"]) {
            5
        } else if has(&[
            "net",
            "Tcp",
            "Udp",
            "reqwest",
            "ureq",
            "http",
            "connect",
            "to_socket_addrs",
        ]) {
            4
        } else if has(&["sleep", "park", "recv", "join", "lock", "barrier", "Condvar"]) {
            3
        } else if has(&["fs", "File", "read", "write", "stdin"]) {
            2
        } else {
            1
        }
    }
}

/// One fn of a file, as the rest of the crate sees it.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FnSummary {
    pub name: String,
    /// The module of the file the fn is declared in (for a method: its `impl`'s module).
    pub module: ModuleIndex,
    pub is_async: bool,
    pub returns_result: bool,
    pub takes_token: bool,
    /// The blocking calls made directly in the body of a sync fn (not in insulated closures):
    /// of each kind, the one that blocks longest.
    pub blocks: Vec<BlockRecord>,
    /// How many blocking calls the body makes directly.
    pub blocking_calls: u32,
    /// The type of the `impl` the fn is in, as a finding names it (`Worker`).
    pub owner: Option<String>,
    /// The `impl`'s self type, or the trait of a trait's default method.
    pub self_ty: Option<TypeRef>,
    /// `impl Trait for Type`: the trait's path.
    pub of_trait: Option<Vec<String>>,
    /// Declared inside another fn's body.
    pub nested: bool,
    /// The declared return type (the future's output for an async fn), wrappers looked through.
    pub ret: Option<TypeRef>,
    /// Calls of the sync body that may be fns of the run (indexes in the file's calls), with
    /// their lines: the call graph the blocking facts travel along.
    pub calls: Vec<(u32, u32)>,
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
    /// The call, by its index in the file's [`FileItems::calls`].
    ///
    /// [`FileItems::calls`]: crate::model::items::FileItems::calls
    pub callee: u32,
    pub need: Need,
    #[serde(with = "crate::rule::rule_name")]
    pub rule: crate::rule::RuleName,
    pub severity: crate::rule::Severity,
    pub range: Range<usize>,
    pub labels: Vec<Label>,
    /// Where the async context starts, for the label a blocking finding carries (kept as a
    /// range: most deferred findings are never reported).
    pub frame: Option<Range<usize>>,
    pub describe: Words,
    /// The enclosing fn, by its index in the file's summaries; named only if reported.
    pub fn_index: Option<usize>,
}
