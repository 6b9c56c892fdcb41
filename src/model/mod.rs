//! The crate model: which files form which crate ([`crates`]), what each file declares
//! ([`items`]), what a path or a declared type names ([`resolve`]) and which fns block over the
//! call graph ([`facts`]). Built after the walk from the tables the walk fills (no second
//! parse), it settles every finding that waits for the crate.

pub mod crates;
pub mod facts;
pub mod items;
pub mod resolve;

use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::{BlockKind, Deferred, Need};
use crate::options::Options;
use facts::{Cite, Facts, Source};
pub use resolve::FileInput;
use resolve::{FnId, Items, Target};

/// What became of a finding that waited for the crate.
#[derive(Debug)]
pub enum Settled {
    Holds(Box<Diagnostic>),
    /// The callee is known and does not have what the finding needs.
    Fails,
    /// The callee is not a fn of the run: a fn of a file this run did not read, or another
    /// crate's.
    Unknown,
}

pub struct Model<'a> {
    items: Items<'a>,
    facts: Facts,
}

impl<'a> Model<'a> {
    pub fn build(files: Vec<FileInput<'a>>, packages: crates::Packages, options: &Options) -> Model<'a> {
        let mut items = Items::build(files, packages);
        let facts = Facts::propagate(&mut items, options);
        Model { items, facts }
    }

    /// Settles every deferred finding of every file, in file order.
    pub fn settle_all(&mut self, deferred: &[&[Deferred]]) -> Vec<Vec<Settled>> {
        deferred
            .iter()
            .enumerate()
            .map(|(file, list)| list.iter().map(|d| self.settle(file as u32, d)).collect())
            .collect()
    }

    /// Whether what `d` needs holds of the fn (or fns) its callee reaches.
    pub fn settle(&mut self, file: u32, d: &Deferred) -> Settled {
        // Tests set up files and sockets routinely: blocking there is not reported, as in a
        // `#[cfg(test)]` module of the same file.
        if matches!(d.need, Need::Blocks(BlockKind::Call))
            && let Some(f) = d
                .fn_index
                .and_then(|i| self.items.files[file as usize].summaries.get(i))
            && self.items.in_test_module(file, f.module)
        {
            return Settled::Fails;
        }
        let target = self.items.call_target(file, d.callee);
        let ids = match target {
            Target::Fns(ids) => ids,
            Target::ExternalMethod(ty, method) => {
                return match d.need {
                    Need::Blocks(BlockKind::Call) => match facts::external_blocking(&ty, &method) {
                        Some(_) => Settled::Holds(Box::new(external_method(d, &ty, &method))),
                        None => Settled::Fails,
                    },
                    _ => Settled::Fails,
                };
            }
            Target::External(_) | Target::Unknown => return Settled::Unknown,
        };
        let summaries: Vec<_> = ids.iter().map(|&id| self.items.summary(id)).collect();
        let holds = match d.need {
            Need::IsAsync => summaries.iter().all(|f| f.is_async),
            Need::ReturnsResult => summaries.iter().all(|f| f.returns_result),
            Need::TakesToken => summaries.iter().all(|f| f.takes_token),
            Need::Blocks(kind) => {
                summaries.iter().all(|f| !f.is_async) && ids.iter().all(|&id| self.facts.blocks(kind, id).is_some())
            }
        };
        if !holds {
            return Settled::Fails;
        }
        let shown = summaries[0].name.clone();
        let (message, label, help) = d.describe.for_callee(&shown);
        let mut diag = Diagnostic::new(d.rule, d.severity, message, d.range.clone())
            .with_primary_label(label)
            .with_help(help);
        diag.labels.extend(labels_of(d));
        if let Need::Blocks(kind) = d.need {
            // Cite the candidate that blocks longest.
            let best = ids
                .iter()
                .copied()
                .max_by_key(|&id| self.facts.blocks(kind, id).map(|c| c.rank))
                .unwrap_or(ids[0]);
            self.explain_block(&mut diag, kind, best, file);
        }
        Settled::Holds(Box::new(diag))
    }

    /// "`load` blocks the executor: it calls `read_manifest` → `std::fs::read` (src/a.rs:4)".
    fn explain_block(&self, diag: &mut Diagnostic, kind: BlockKind, id: FnId, here: u32) {
        let (through, end, cite) = self.facts.chain(kind, id);
        let Some(Cite { source, .. }) = cite else { return };
        let end_file = self.items.file_of(end);
        let path = self.items.files[end_file as usize].path;
        let end_fn = self.items.summary(end);
        let (what, line, range) = match source {
            Source::Direct(i) => {
                let Some(record) = end_fn.blocks.get(*i) else { return };
                (record.what.clone(), record.line as u32, Some(record.range.clone()))
            }
            Source::External { what, line } => (what.clone(), *line, None),
            Source::Configured(entry) => {
                let name = &self.items.summary(id).name;
                diag.message = if through.is_empty() {
                    format!("`{name}` blocks the executor: `{entry}` is listed as blocking in the configuration")
                } else {
                    let calls: Vec<String> = through
                        .iter()
                        .map(|f| format!("`{}`", self.items.summary(*f).name))
                        .collect();
                    format!(
                        "`{name}` blocks the executor: it calls {}, listed as blocking in the configuration (`{entry}`)",
                        calls.join(" → ")
                    )
                };
                return;
            }
            Source::Via(_) => return,
        };
        let mut calls = String::new();
        for f in &through {
            calls.push_str(&format!("`{}` → ", self.items.summary(*f).name));
        }
        diag.message = format!(
            "`{}` blocks the executor: it calls {calls}{what} ({}:{line})",
            self.items.summary(id).name,
            path.display()
        );
        if end_file == here
            && let Some(range) = range
        {
            diag.labels.push(Label {
                range,
                message: format!("`{}` blocks here", end_fn.name).into(),
            });
        }
    }
}

/// A blocking method of a known external type, called on a value the code declares with it.
fn external_method(d: &Deferred, ty: &str, method: &str) -> Diagnostic {
    let mut diag = Diagnostic::new(
        d.rule,
        d.severity,
        format!("`{ty}::{method}` blocks the executor thread inside async code"),
        d.range.clone(),
    )
    .with_primary_label(format!(
        "`{method}` on a `{}` blocks the thread",
        ty.rsplit("::").next().unwrap_or(ty)
    ))
    .with_help(
        "use the async equivalent (`tokio::fs`, `tokio::process`, `tokio::net`, an async client), or move the \
         call into `tokio::task::spawn_blocking(move || ...)`",
    );
    diag.labels.extend(labels_of(d));
    diag
}

/// The labels a deferred finding carries: the async frame's, then the rule's own.
fn labels_of(d: &Deferred) -> impl Iterator<Item = Label> + '_ {
    let frame = d.frame.clone().map(|range| Label {
        range,
        message: "async context starts here".into(),
    });
    frame.into_iter().chain(d.labels.iter().cloned())
}
