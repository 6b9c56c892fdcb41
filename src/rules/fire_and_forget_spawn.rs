//! `fire_and_forget_spawn`: a spawned task whose outcome nobody can see.

use crate::context::Context;
use crate::knowledge::Need;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::{call_range, callee_range, discarded, receiver_root, unparen};
use syn::visit::Visit;
use syn::{Expr, Stmt};

pub struct FireAndForgetSpawn;

static META: RuleMeta = RuleMeta {
    name: "fire_and_forget_spawn",
    default_severity: Severity::Warning,
    summary: "spawned task is dropped while its errors or its work are lost",
    docs: include_str!("../../rules/fire_and_forget_spawn.md"),
    needles: &["spawn"],
};

/// Spawners whose handle detaches the task when dropped: the task runs, its outcome is lost.
const DETACHING: &[&str] = &[
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_local",
    "async_std::task::spawn",
    "async_std::task::spawn_local",
    "actix_rt::spawn",
    "actix_web::rt::spawn",
    "tokio::task::spawn_blocking",
    "tokio::runtime::Handle::spawn_blocking",
    "async_std::task::spawn_blocking",
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

const SPAWN_NAMES: &[&str] = &["spawn", "spawn_local", "spawn_blocking"];

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
            if let Some((value, _)) = discarded(stmt) {
                check_discarded(value, cx);
            }
        }
    }
}

fn check_discarded(call: &Expr, cx: &mut Context) {
    let (kind, spawned, name) = match unparen(call) {
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(p) = &*c.func else { return };
            let configured = cx.configured_path(&p.path, &cx.options().spawners);
            if configured.is_none() && !cx.may_name(&p.path, SPAWN_NAMES) {
                return;
            }
            if let Some(k) = cx.path_matches(&p.path, DETACHING).or(configured) {
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
            let Some(why) = loses_result(spawned, cx) else {
                defer_crate_result(call, spawned, cx);
                return;
            };
            let d = lost_result(call, spawned, why, cx);
            cx.report(d);
        }
    }
}

/// `tokio::spawn(sync_orders(db));` where `sync_orders` is declared in another file of the crate:
/// reported once the crate is known, if every fn of that name returns a `Result`.
fn defer_crate_result(call: &Expr, spawned: &Expr, cx: &mut Context) {
    let Expr::Call(c) = unparen(spawned) else { return };
    let Expr::Path(p) = &*c.func else { return };
    let Some(callee) = cx.path_call_index(&p.path) else {
        return;
    };
    let name = cx.call_name(callee);
    // Fns of this file were already judged by their signatures.
    let facts = cx.facts();
    if facts.async_fns.contains(&name) || facts.result_fns.contains(&name) {
        return;
    }
    let labels = vec![crate::diagnostic::Label {
        range: call_range(spawned),
        message: format!("`{name}` returns a `Result`").into(),
    }];
    cx.report_if(callee, Need::ReturnsResult, callee_range(call), labels, |_| {
        (
            "spawned task's `Result` is dropped, so its errors and panics go unseen".into(),
            "`JoinHandle` discarded here".into(),
            LOST_RESULT_HELP.into(),
        )
    });
}

fn lost_result(
    call: &Expr,
    spawned: &Expr,
    why: impl Into<std::borrow::Cow<'static, str>>,
    cx: &Context,
) -> crate::diagnostic::Diagnostic {
    cx.diagnostic(
        callee_range(call),
        "spawned task's `Result` is dropped, so its errors and panics go unseen",
    )
    .with_primary_label("`JoinHandle` discarded here")
    .with_label(cx.range(spawned), why)
    .with_help(LOST_RESULT_HELP)
}

const LOST_RESULT_HELP: &str = "keep the `JoinHandle` and `.await` it (or spawn on a `JoinSet` / `TaskTracker`), \
     or handle the error inside the task: `if let Err(e) = work().await { tracing::error!(%e) }`";

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
    let at = cx.range(receiver).start;
    if let Some(local) = cx.local(&root, at) {
        if let Some(origin) = &local.origin {
            return origin_kind(origin);
        }
        // A typed parameter says what it is: `handle: &TaskTracker` is not a runtime.
        if let Some(t) = local.type_name.as_deref() {
            return (t == "Handle" || t == "Runtime").then_some(Spawn::Detaching);
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
        // `spawn_blocking(move || { ..?.. })`: the closure's `Result` is the task's.
        Expr::Closure(c) if c.asyncness.is_none() => match &*c.body {
            Expr::Block(b) => {
                let mut q = TryFinder::default();
                q.visit_block(&b.block);
                if q.found {
                    return Some("this closure uses `?`, so the task returns a `Result`");
                }
                match b.block.stmts.last() {
                    Some(Stmt::Expr(tail, None)) if is_result_expr(tail, cx) => {
                        Some("this closure evaluates to a `Result`")
                    }
                    _ => None,
                }
            }
            body if is_result_expr(body, cx) => Some("this closure evaluates to a `Result`"),
            _ => None,
        },
        // `fut.instrument(span)`, `Box::pin(fut)`: the same future, wrapped.
        Expr::MethodCall(m) if FUTURE_WRAPPERS.contains(&m.method.to_string().as_str()) => {
            loses_result(&m.receiver, cx)
        }
        Expr::Call(c)
            if c.args.len() == 1
                && matches!(&*c.func, Expr::Path(p) if p.path.segments.len() == 2 && p.path.segments[0].ident == "Box" && p.path.segments[1].ident == "pin") =>
        {
            loses_result(&c.args[0], cx)
        }
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

/// Methods that wrap a future without changing its output.
const FUTURE_WRAPPERS: &[&str] = &[
    "instrument",
    "in_current_span",
    "with_current_subscriber",
    "boxed",
    "fuse",
];

/// Methods on a `Result` that give a `Result` again.
const RESULT_ADAPTERS: &[&str] = &[
    "map_err",
    "context",
    "with_context",
    "map",
    "and_then",
    "or_else",
    "inspect_err",
    "inspect",
    "wrap_err",
];

fn is_result_expr(e: &Expr, cx: &Context) -> bool {
    let tail = |b: &syn::Block| matches!(b.stmts.last(), Some(Stmt::Expr(t, None)) if is_result_expr(t, cx));
    match unparen(e) {
        Expr::If(i) => tail(&i.then_branch) || i.else_branch.as_ref().is_some_and(|(_, e)| is_result_expr(e, cx)),
        Expr::Match(m) => m.arms.iter().any(|a| is_result_expr(&a.body, cx)),
        Expr::Block(b) => tail(&b.block),
        Expr::MethodCall(m) if RESULT_ADAPTERS.contains(&m.method.to_string().as_str()) => {
            is_result_expr(&m.receiver, cx)
        }
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
                let local = p.path.segments.len() == 1
                    || resolved.first().is_some_and(|r| {
                        ["self::", "Self::", "crate::", "super::"]
                            .iter()
                            .any(|pre| r.starts_with(pre))
                    });
                if !local {
                    return false;
                }
                let name = p.path.segments.last().map(|s| s.ident.to_string());
                // `Worker::run(w)` names a method; `sync(db)` a free fn.
                let method = p.path.segments.len() >= 2
                    && p.path.segments[p.path.segments.len() - 2]
                        .ident
                        .to_string()
                        .starts_with(char::is_uppercase);
                return name.is_some_and(|n| {
                    if method {
                        cx.facts().result_methods.contains(&n)
                    } else {
                        cx.facts().result_fns.contains(&n)
                    }
                });
            }
            _ => None,
        },
        Expr::MethodCall(m) => Some(m.method.to_string()),
        _ => None,
    };
    name.is_some_and(|n| cx.facts().result_methods.contains(&n))
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
