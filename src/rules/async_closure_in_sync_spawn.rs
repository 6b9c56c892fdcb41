//! `async_closure_in_sync_spawn`: a thread spawner handed a closure that only builds a future.

use crate::context::Context;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::{callee_range, unparen};
use syn::{Expr, Stmt};

pub struct AsyncClosureInSyncSpawn;

static META: RuleMeta = RuleMeta {
    name: "async_closure_in_sync_spawn",
    default_severity: Severity::Warning,
    summary: "a sync spawner runs a closure that returns a future nobody polls",
    docs: include_str!("../../rules/async_closure_in_sync_spawn.md"),
    needles: &["spawn"],
};

/// Spawners whose closure runs as plain sync code on another thread or pool.
const SPAWNERS: &[&str] = &["spawn", "spawn_blocking", "spawn_fifo", "spawn_scoped"];

impl Rule for AsyncClosureInSyncSpawn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_call(&self, expr: &Expr, cx: &mut Context) {
        let (named, args) = match expr {
            Expr::Call(c) => match &*c.func {
                // A crate's own fn named `spawn` may well poll what it is given.
                Expr::Path(p) => (
                    cx.may_name(&p.path, SPAWNERS)
                        && !cx
                            .resolve_path(&p.path)
                            .first()
                            .is_some_and(|r| r.starts_with("self::")),
                    &c.args,
                ),
                _ => return,
            },
            Expr::MethodCall(m) => (SPAWNERS.iter().any(|n| m.method == n), &m.args),
            _ => return,
        };
        if !named {
            return;
        }
        for arg in args {
            let Expr::Closure(c) = unparen(arg) else { continue };
            if c.asyncness.is_none() && !returns_async_block(&c.body) {
                continue;
            }
            let d = cx
                .diagnostic(
                    callee_range(expr),
                    "this closure only builds a future, which is dropped without being polled",
                )
                .with_primary_label("a sync spawner runs the closure as plain code")
                .with_label(cx.range(&*c.body), "this `async` code never runs")
                .with_help(
                    "spawn the future on the async runtime (`tokio::spawn(async move { .. })`), or drive it \
                     inside the thread (`move || rt.block_on(async move { .. })`)",
                );
            cx.report(d);
            return;
        }
    }
}

/// `async { .. }`, or a block whose tail is one.
fn returns_async_block(body: &Expr) -> bool {
    match unparen(body) {
        Expr::Async(_) => true,
        Expr::Block(b) => matches!(b.block.stmts.last(), Some(Stmt::Expr(tail, None)) if returns_async_block(tail)),
        _ => false,
    }
}
