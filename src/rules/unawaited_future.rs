//! `unawaited_future`: an async fn of the crate called and its future dropped.

use crate::context::Context;
use crate::knowledge::Need;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::{call_range, discarded, unparen};

pub struct UnawaitedFuture;

static META: RuleMeta = RuleMeta {
    name: "unawaited_future",
    default_severity: Severity::Warning,
    summary: "an async fn of the crate is called and its future dropped, so nothing runs",
    docs: include_str!("../../rules/unawaited_future.md"),
    needles: &[],
};

impl Rule for UnawaitedFuture {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, block: &syn::Block, cx: &mut Context) {
        for stmt in &block.stmts {
            let Some((dropped, _)) = discarded(stmt) else { continue };
            let Some(callee) = cx.call_index(unparen(dropped)) else {
                continue;
            };
            cx.report_if(callee, Need::IsAsync, call_range(dropped), Vec::new(), |name| {
                (
                    format!("the future returned by `{name}` is dropped without being awaited"),
                    "nothing in this async fn runs".into(),
                    format!("add `.await`, or run it in the background with `tokio::spawn({name}(..))`"),
                )
            });
        }
    }
}
