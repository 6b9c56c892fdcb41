//! `block_in_place_on_current_thread`: `block_in_place` or a `blocking_*` bridge on a runtime
//! with one thread, where tokio panics.

use crate::context::Context;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::blocking_call_in_async::TOKIO_BRIDGES;
use crate::rules::helpers::unparen;
use syn::Expr;
use syn::visit::Visit;

pub struct BlockInPlaceOnCurrentThread;

static META: RuleMeta = RuleMeta {
    name: "block_in_place_on_current_thread",
    default_severity: Severity::Error,
    summary: "tokio `block_in_place` or a `blocking_*` bridge on a current-thread runtime, which panics",
    docs: include_str!("../../rules/block_in_place_on_current_thread.md"),
    needles: &["block_in_place", "blocking_", "block_on"],
};

const BLOCK_IN_PLACE: &[&str] = &["tokio::task::block_in_place"];
const CURRENT_THREAD: &[&str] = &["tokio::runtime::Builder::new_current_thread"];

impl Rule for BlockInPlaceOnCurrentThread {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_call(&self, expr: &Expr, cx: &mut Context) {
        // `rt.block_on(async { .. })` on a runtime built with `new_current_thread()` here.
        if let Expr::MethodCall(m) = expr
            && !cx.expects_panic()
            && m.method == "block_on"
            && cx
                .origin(&m.receiver)
                .is_some_and(|o| CURRENT_THREAD.contains(&o.as_str()))
        {
            let mut finder = Finder { cx, found: Vec::new() };
            for arg in &m.args {
                if let Expr::Async(a) = unparen(arg) {
                    finder.visit_block(&a.block);
                }
            }
            let found = finder.found;
            for (range, what) in found {
                report(
                    cx,
                    range,
                    &what,
                    "this runtime has one thread: `Builder::new_current_thread()`",
                );
            }
            return;
        }
        // A `#[should_panic]` test checks exactly this panic.
        if cx.in_async().is_none() || !cx.on_current_thread_runtime() || cx.expects_panic() {
            return;
        }
        if let Some(what) = offending(expr, cx) {
            report(
                cx,
                cx.range(expr),
                &what,
                "a `#[tokio::test]` or `flavor = \"current_thread\"` runtime has one thread",
            );
        }
    }
}

fn report(cx: &mut Context, range: std::ops::Range<usize>, what: &str, why: &str) {
    let d = cx
        .diagnostic(range, format!("{what} panics on a current-thread runtime"))
        .with_primary_label(why)
        .with_help(
            "run the blocking work with `tokio::task::spawn_blocking(..).await`, or use a multi-thread runtime \
             (`#[tokio::test(flavor = \"multi_thread\")]`)",
        );
    cx.report(d);
}

/// `block_in_place(..)` or `.blocking_lock()` and its kin.
fn offending(expr: &Expr, cx: &Context) -> Option<String> {
    match expr {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            if !cx.may_name(&p.path, &["block_in_place"]) {
                return None;
            }
            cx.path_matches(&p.path, BLOCK_IN_PLACE).map(|k| format!("`{k}`"))
        }
        Expr::MethodCall(m) => TOKIO_BRIDGES
            .iter()
            .find(|n| m.method == *n)
            .map(|n| format!("`.{n}()`")),
        _ => None,
    }
}

/// Offending calls inside an async block, not in closures handed elsewhere.
struct Finder<'c, 's> {
    cx: &'c Context<'s>,
    found: Vec<(std::ops::Range<usize>, String)>,
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Some(what) = offending(e, self.cx) {
            self.found.push((self.cx.range(e), what));
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
