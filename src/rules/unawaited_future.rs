//! `unawaited_future`: an async fn of the crate called and its future dropped.

use crate::context::Context;
use crate::knowledge::Need;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::{call_range, discarded, unparen};
use syn::Expr;

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
            let name = match unparen(dropped) {
                Expr::Call(c) => match &*c.func {
                    Expr::Path(p) => cx.crate_fn_name(&p.path).or_else(|| {
                        // `Type::method(..)` of a type declared in this file
                        let resolved = cx.resolve_path(&p.path);
                        (p.path.segments.len() == 2 && resolved.first().is_some_and(|r| r.starts_with("self::")))
                            .then(|| p.path.segments[1].ident.to_string())
                    }),
                    _ => None,
                },
                Expr::MethodCall(m) if matches!(unparen(&m.receiver), Expr::Path(p) if p.path.is_ident("self")) => {
                    Some(m.method.to_string())
                }
                _ => None,
            };
            let Some(name) = name else { continue };
            cx.report_if(name, Need::IsAsync, call_range(dropped), Vec::new(), |name| {
                (
                    format!("the future returned by `{name}` is dropped without being awaited"),
                    "nothing in this async fn runs".into(),
                    format!("add `.await`, or run it in the background with `tokio::spawn({name}(..))`"),
                )
            });
        }
    }
}
