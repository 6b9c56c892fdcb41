//! `fire_and_forget_spawn`: a spawned task whose outcome nobody can see.

use crate::context::Context;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::{callee_range, receiver_root, unparen};
use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

pub struct FireAndForgetSpawn;

static META: RuleMeta = RuleMeta {
    name: "fire_and_forget_spawn",
    default_severity: Severity::Warning,
    summary: "spawned task is dropped while its errors or its work are lost",
    docs: include_str!("../../rules/fire_and_forget_spawn.md"),
};

/// Spawners whose handle detaches the task when dropped: the task runs, its outcome is lost.
const DETACHING: &[&str] = &[
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_local",
    "async_std::task::spawn",
    "async_std::task::spawn_local",
    "actix_rt::spawn",
    "actix::spawn",
    "actix::Arbiter::spawn",
];

/// Spawners whose `Task` cancels the work when dropped without `.detach()`.
const CANCEL_ON_DROP: &[&str] = &[
    "smol::spawn",
    "async_global_executor::spawn",
    "async_global_executor::spawn_local",
];

/// Where a receiver of `.spawn(..)` comes from, when it is a runtime handle.
const RUNTIME_ORIGINS: &[&str] = &[
    "tokio::runtime::Handle::current",
    "tokio::runtime::Handle::try_current",
    "tokio::runtime::Runtime::new",
    "tokio::runtime::Builder::new_current_thread",
    "tokio::runtime::Builder::new_multi_thread",
];

const EXECUTOR_ORIGINS: &[&str] = &[
    "async_executor::Executor::new",
    "async_executor::LocalExecutor::new",
    "smol::Executor::new",
    "smol::LocalExecutor::new",
];

enum Spawn {
    Detaching,
    CancelOnDrop,
}

impl Rule for FireAndForgetSpawn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, block: &syn::Block, cx: &mut Context) {
        for stmt in &block.stmts {
            let discarded = match stmt {
                Stmt::Expr(e, Some(_)) => dropped_value(e),
                Stmt::Local(l) if matches!(l.pat, Pat::Wild(_)) => l.init.as_ref().map(|i| &*i.expr),
                _ => None,
            };
            let Some(call) = discarded else { continue };
            check_discarded(call, cx);
        }
    }
}

/// `e;` discards `e`; `drop(e);` too.
fn dropped_value(e: &Expr) -> Option<&Expr> {
    if let Expr::Call(c) = e
        && let Expr::Path(p) = &*c.func
        && p.path.segments.last().is_some_and(|s| s.ident == "drop")
        && c.args.len() == 1
    {
        return Some(&c.args[0]);
    }
    Some(e)
}

fn check_discarded(call: &Expr, cx: &mut Context) {
    let (kind, spawned, name) = match unparen(call) {
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(p) = &*c.func else { return };
            if let Some(k) = cx.path_matches(&p.path, DETACHING) {
                (Spawn::Detaching, &c.args[0], k.to_string())
            } else if let Some(k) = cx.path_matches(&p.path, CANCEL_ON_DROP) {
                (Spawn::CancelOnDrop, &c.args[0], k.to_string())
            } else {
                return;
            }
        }
        Expr::MethodCall(m) if m.method == "spawn" && m.args.len() == 1 => match receiver_kind(&m.receiver, cx) {
            Some(k) => (k, &m.args[0], ".spawn".to_string()),
            None => return,
        },
        _ => return,
    };
    match kind {
        Spawn::CancelOnDrop => {
            let d = cx
                .diagnostic(
                    callee_range(call),
                    format!("the task returned by `{name}` is dropped, which cancels it"),
                )
                .with_primary_label("`Task` dropped here")
                .with_help("call `.detach()` to let it run in the background, or keep the `Task` and `.await` it");
            cx.report(d);
        }
        Spawn::Detaching => {
            let Some(why) = loses_result(spawned, cx) else { return };
            let d = cx
                .diagnostic(
                    callee_range(call),
                    "spawned task's `Result` is dropped, so its errors and panics go unseen",
                )
                .with_primary_label("`JoinHandle` discarded here")
                .with_label(cx.range(spawned), why)
                .with_help(
                    "keep the `JoinHandle` and `.await` it (or spawn on a `JoinSet` / `TaskTracker`), \
                     or handle the error inside the task: `if let Err(e) = work().await { tracing::error!(%e) }`",
                );
            cx.report(d);
        }
    }
}

fn receiver_kind(receiver: &Expr, cx: &Context) -> Option<Spawn> {
    let origin_kind = |origin: &str| {
        if RUNTIME_ORIGINS.contains(&origin) {
            Some(Spawn::Detaching)
        } else if EXECUTOR_ORIGINS.contains(&origin) {
            Some(Spawn::CancelOnDrop)
        } else {
            None
        }
    };
    if let Expr::Call(c) = unparen(receiver)
        && let Expr::Path(p) = &*c.func
    {
        let candidates = cx.resolve_path(&p.path);
        return candidates.iter().find_map(|c| origin_kind(c));
    }
    let root = receiver_root(receiver)?;
    if let Some(local) = cx.local(&root) {
        if let Some(origin) = &local.origin {
            return origin_kind(origin);
        }
        if local
            .type_name
            .as_deref()
            .is_some_and(|t| t == "Handle" || t == "Runtime")
        {
            return Some(Spawn::Detaching);
        }
    }
    let name = root.rsplit('.').next().unwrap_or(&root);
    let handle_like = matches!(name, "handle" | "rt" | "runtime")
        || name.ends_with("_handle")
        || name.ends_with("_rt")
        || name.ends_with("_runtime");
    handle_like.then_some(Spawn::Detaching)
}

/// Why the spawned future's outcome is a `Result` nobody will look at, if it is one.
fn loses_result(spawned: &Expr, cx: &Context) -> Option<&'static str> {
    match unparen(spawned) {
        Expr::Async(a) => {
            let mut q = TryFinder::default();
            q.visit_block(&a.block);
            if q.found {
                return Some("this task uses `?`, so it returns a `Result`");
            }
            match a.block.stmts.last() {
                Some(Stmt::Expr(tail, None)) if is_result_expr(tail, cx) => Some("this task evaluates to a `Result`"),
                _ => None,
            }
        }
        e @ (Expr::Call(_) | Expr::MethodCall(_)) if calls_result_fn(e, cx) => {
            Some("this future resolves to a `Result`")
        }
        _ => None,
    }
}

fn is_result_expr(e: &Expr, cx: &Context) -> bool {
    match unparen(e) {
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Err"))
        }
        Expr::Await(a) => calls_result_fn(&a.base, cx),
        _ => false,
    }
}

/// A call of a fn or method that this file declares to return a `Result`.
fn calls_result_fn(e: &Expr, cx: &Context) -> bool {
    let name = match unparen(e) {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let resolved = cx.resolve_path(&p.path);
                let local = resolved
                    .first()
                    .is_some_and(|r| r.starts_with("self::") || r.starts_with("Self::"))
                    || p.path.segments.len() == 1;
                if !local {
                    return false;
                }
                p.path.segments.last().map(|s| s.ident.to_string())
            }
            _ => None,
        },
        Expr::MethodCall(m) if matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self")) => {
            Some(m.method.to_string())
        }
        _ => None,
    };
    name.is_some_and(|n| cx.facts().result_fns.contains(&n))
}

/// Finds a `?` that belongs to this block, not to a nested closure, async block or item.
#[derive(Default)]
struct TryFinder {
    found: bool,
}

impl<'ast> Visit<'ast> for TryFinder {
    fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
        self.found = true;
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = m.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if matches!(name.as_str(), "select" | "join" | "try_join") {
            let s = m.tokens.to_string();
            self.found |= s.contains("? ") || s.contains("?,") || s.ends_with('?');
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn result_tasks_discarded_fire() {
        let src = r#"
async fn serve(l: L) {
    tokio::spawn(async move { work().await?; Ok::<_, E>(()) });
    let _keep = tokio::spawn(async move { work().await?; Ok::<_, E>(()) });
    tokio::spawn(async move { if let Err(e) = work().await { log(e) } });
    let _ = tokio::spawn(async { Ok::<(), E>(()) });
}
"#;
        assert_eq!(rule_lines(src, "fire_and_forget_spawn"), vec![3, 6]);
    }
}
