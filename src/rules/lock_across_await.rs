//! `lock_across_await`: a sync mutex guard still alive when the task yields.

use crate::context::Context;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::unparen;
use crate::tokens::Leaves;
use proc_macro2::TokenTree;
use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

pub struct LockAcrossAwait;

static META: RuleMeta = RuleMeta {
    name: "lock_across_await",
    default_severity: Severity::Warning,
    summary: "std or parking_lot lock guard held across an `.await`",
    docs: include_str!("../../rules/lock_across_await.md"),
    needles: &["lock()", "read()", "write()"],
};

impl Rule for LockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, block: &syn::Block, cx: &mut Context) {
        if cx.in_async().is_none() {
            return;
        }
        // Locks whose `.lock()` is the guard itself: parking_lot's, and the project's `lock-types`.
        let parking_lot = cx.file_mentions("parking_lot")
            || crate::options::Options::last_segments(&cx.options().lock_types).any(|t| cx.source().contains(t));
        for (i, stmt) in block.stmts.iter().enumerate() {
            let Stmt::Local(local) = stmt else { continue };
            let Some(name) = guard_binding(local, parking_lot) else {
                continue;
            };
            let awaits = awaits_while_alive(&block.stmts[i + 1..], &name);
            if awaits.is_empty() {
                continue;
            }
            let mut d = cx
                .diagnostic(
                    cx.range(&local.pat),
                    format!("lock guard `{name}` is held across an `.await`"),
                )
                .with_primary_label("guard acquired here")
                .with_help(format!(
                    "drop the guard before awaiting (`drop({name});` or an inner `{{ .. }}` block), \
                     or use an async-aware lock such as `tokio::sync::Mutex`"
                ));
            for range in awaits.into_iter().take(3) {
                d = d.with_label(range, "the task may yield here with the lock held");
            }
            cx.report(d);
        }
    }
}

/// The name bound by `let g = m.lock().unwrap();` and its kin, if this `let` takes a guard.
fn guard_binding(local: &syn::Local, parking_lot: bool) -> Option<String> {
    let name = match &local.pat {
        Pat::Ident(p) => p.ident.to_string(),
        Pat::Type(t) => match &*t.pat {
            Pat::Ident(p) => p.ident.to_string(),
            _ => return None,
        },
        _ => return None,
    };
    let init = unparen(&local.init.as_ref()?.expr);
    let Expr::MethodCall(outer) = init else { return None };
    // Not `try_lock()`: tokio's `try_lock().unwrap()` gives a guard meant to be held.
    let is_lock =
        |m: &syn::ExprMethodCall| m.args.is_empty() && ["lock", "read", "write"].iter().any(|n| m.method == n);
    // std: `.lock().unwrap()`, `.lock().expect(..)`, `.lock().unwrap_or_else(PoisonError::into_inner)`
    if ["unwrap", "expect", "unwrap_or_else"].iter().any(|n| outer.method == n)
        && let Expr::MethodCall(inner) = unparen(&outer.receiver)
        && is_lock(inner)
    {
        return Some(name);
    }
    // parking_lot: `.lock()` gives the guard itself.
    (parking_lot && is_lock(outer) && ["lock", "read", "write"].iter().any(|n| outer.method == n)).then_some(name)
}

/// The awaits in `rest` reached while `name` is still alive: until `drop(name)` or a move of it
/// into a call.
fn awaits_while_alive(rest: &[Stmt], name: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    for stmt in rest {
        if ends_guard(stmt, name) {
            break;
        }
        let mut f = AwaitFinder::default();
        f.visit_stmt(stmt);
        found.extend(f.found);
        // A new binding of the same name shadows the guard but does not drop it.
    }
    found
}

/// `drop(g);`, `std::mem::drop(g);`, or `consume(g);` moving the guard away.
fn ends_guard(stmt: &Stmt, name: &str) -> bool {
    let Stmt::Expr(Expr::Call(c), _) = stmt else {
        return false;
    };
    c.args
        .iter()
        .any(|a| matches!(unparen(a), Expr::Path(p) if p.path.is_ident(name)))
}

/// Awaits in this frame: `.await`, and `select!`/`join!`/`try_join!` (which await their
/// branches); not in nested async blocks, closures or items, which run later or elsewhere.
#[derive(Default)]
struct AwaitFinder {
    found: Vec<std::ops::Range<usize>>,
}

impl<'ast> Visit<'ast> for AwaitFinder {
    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        self.found.push(crate::context::span_range(e.await_token.span));
        syn::visit::visit_expr_await(self, e);
    }
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let Some(last) = m.path.segments.last() else { return };
        if ["select", "join", "try_join", "select_biased"]
            .iter()
            .any(|n| last.ident == n)
        {
            self.found.push(crate::context::span_range(last.ident.span()));
            return;
        }
        // `.await` written inside other macros' arguments (`assert_eq!(f().await, 1)`).
        let mut prev_dot = false;
        for t in Leaves::new(m.tokens.clone()) {
            if let TokenTree::Ident(i) = &t
                && prev_dot
                && i == "await"
            {
                self.found.push(crate::context::span_range(i.span()));
            }
            prev_dot = matches!(&t, TokenTree::Punct(p) if p.as_char() == '.');
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn guard_across_await_fires_dropped_or_scoped_does_not() {
        let src = r#"
async fn a(m: &std::sync::Mutex<u8>) { let g = m.lock().unwrap(); work().await; }
async fn b(m: &std::sync::Mutex<u8>) { let g = m.lock().unwrap(); drop(g); work().await; }
async fn c(m: &std::sync::Mutex<u8>) { { let g = m.lock().unwrap(); } work().await; }
async fn d(m: &tokio::sync::Mutex<u8>) { let g = m.lock().await; work().await; }
async fn e(m: &std::sync::Mutex<u8>) { let n = m.lock().unwrap().len(); work().await; }
"#;
        assert_eq!(rule_lines(src, "lock_across_await"), vec![2]);
    }
}
