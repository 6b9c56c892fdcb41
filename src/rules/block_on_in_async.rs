//! `block_on_in_async`: a blocking executor entry point, or a new runtime, in async code.

use crate::context::Context;
use crate::diagnostic::Applicability;
use crate::knowledge::BlockKind;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::blocking_call_in_async::defer_crate_call;
use syn::Expr;

pub struct BlockOnInAsync;

static META: RuleMeta = RuleMeta {
    name: "block_on_in_async",
    default_severity: Severity::Error,
    summary: "blocking on a future or starting a runtime inside async code",
    docs: include_str!("../../rules/block_on_in_async.md"),
    needles: &[],
};

/// Free functions that drive a future to completion on the calling thread.
const BLOCK_ON_FNS: &[&str] = &[
    "futures::executor::block_on",
    "futures::executor::block_on_stream",
    "futures_executor::block_on",
    "futures_executor::block_on_stream",
    "async_std::task::block_on",
    "smol::block_on",
    "smol::future::block_on",
    "futures_lite::future::block_on",
    "futures_lite::block_on",
    "pollster::block_on",
    "tokio_test::block_on",
    "async_io::block_on",
    "async_global_executor::block_on",
    "tokio::runtime::Runtime::block_on",
    "tokio::runtime::Handle::block_on",
    "tokio::task::LocalSet::block_on",
];

/// Constructors of a tokio runtime.
const RUNTIME_CTORS: &[&str] = &[
    "tokio::runtime::Runtime::new",
    "tokio::runtime::Builder::new_current_thread",
    "tokio::runtime::Builder::new_multi_thread",
    "tokio::runtime::Builder::new_multi_thread_alt",
];

/// The last segments of everything above, to skip resolving unrelated calls.
const NAMES: &[&str] = &[
    "block_on",
    "block_on_stream",
    "new",
    "new_current_thread",
    "new_multi_thread",
    "new_multi_thread_alt",
];

const LOCAL_POOL_NEW: &[&str] = &["futures::executor::LocalPool::new", "futures_executor::LocalPool::new"];

const HELP_AWAIT: &str = "`.await` the future instead; if this sync code must block, move it into \
`tokio::task::spawn_blocking(move || ...)` so it runs off the executor";

impl Rule for BlockOnInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_call(&self, expr: &Expr, cx: &mut Context) {
        let in_async = cx.in_async().is_some();
        // A `#[should_panic]` test that blocks inside async code checks exactly that panic.
        if cx.expects_panic() || (!in_async && !cx.in_sync_fn_body()) {
            return;
        }
        // In async code this is a finding; in a sync fn it makes the fn a blocking one for its
        // async callers elsewhere in the crate.
        let blocks = |cx: &mut Context, range: std::ops::Range<usize>, what: String, label: &str| {
            if in_async {
                let mut d = cx
                    .diagnostic(
                        range.clone(),
                        format!("{what} blocks the executor thread inside async code"),
                    )
                    .with_primary_label(label)
                    .with_async_frame(cx)
                    .with_help(HELP_AWAIT);
                // `block_on(fut)` / `rt.block_on(fut)` becomes `fut.await`.
                if let Some(fut) = awaitable_arg(expr) {
                    d = d.with_suggestion(range, format!("{}.await", cx.text(fut)), Applicability::MaybeIncorrect);
                }
                cx.report(d);
            } else {
                cx.note_blocking(BlockKind::Executor, what, range);
            }
        };
        match expr {
            Expr::Call(call) => {
                let Expr::Path(func) = &*call.func else { return };
                let configured = cx.configured_path(&func.path, &cx.options().executor_entry_points);
                if configured.is_none() && !cx.may_name(&func.path, NAMES) {
                    if in_async {
                        defer_crate_call(expr, cx, BlockKind::Executor);
                    }
                    return;
                }
                // Resolve: `use futures::executor::block_on as wait;` makes `wait(f)` block.
                let candidates = cx.resolve_path(&func.path);
                let find =
                    |known: &[&'static str]| candidates.iter().find_map(|c| known.iter().copied().find(|k| k == c));
                if let Some(known) = find(BLOCK_ON_FNS).or(configured) {
                    blocks(
                        cx,
                        cx.range(expr),
                        format!("`{known}`"),
                        "blocks until the future completes",
                    );
                } else if let Some(known) = find(RUNTIME_CTORS).filter(|_| in_async) {
                    let d = cx
                        .diagnostic(cx.range(expr), "a tokio runtime is created inside async code")
                        .with_primary_label(format!("`{known}` called here"))
                        .with_async_frame(cx)
                        .with_help(
                            "use the runtime you are already on (`tokio::spawn`, `Handle::current()`); \
                             blocking on or dropping a runtime inside async code panics",
                        );
                    cx.report(d);
                } else if in_async {
                    defer_crate_call(expr, cx, BlockKind::Executor);
                }
            }
            Expr::MethodCall(m) => {
                // `futs.into_iter().map(block_on)`: the fn itself passed as a value.
                for arg in &m.args {
                    if let Expr::Path(p) = arg
                        && p.path
                            .segments
                            .last()
                            .is_some_and(|s| cx.with_ident_text(&s.ident, |n| n == "block_on"))
                        && let Some(known) = cx.path_matches(&p.path, BLOCK_ON_FNS)
                    {
                        blocks(
                            cx,
                            cx.range(arg),
                            format!("`{known}`"),
                            "called on each item, blocking until it completes",
                        );
                    }
                }
                let (block_on, run) = cx.with_ident_text(&m.method, |name| {
                    (
                        name == "block_on",
                        ["run_until", "run_until_stalled", "run"].contains(&name),
                    )
                });
                let blocking = block_on || (run && is_local_pool(&m.receiver, cx));
                if blocking {
                    blocks(
                        cx,
                        cx.range(expr),
                        format!("`.{}()`", m.method),
                        "blocks until the future completes",
                    );
                } else if in_async {
                    defer_crate_call(expr, cx, BlockKind::Executor);
                }
            }
            _ => {}
        }
    }
}

/// The one future argument of a `block_on` call, if it can take `.await` as written.
fn awaitable_arg(expr: &Expr) -> Option<&Expr> {
    let (name, args) = match expr {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => (p.path.segments.last()?.ident.to_string(), &c.args),
            _ => return None,
        },
        Expr::MethodCall(m) => (m.method.to_string(), &m.args),
        _ => return None,
    };
    if name != "block_on" || args.len() != 1 {
        return None;
    }
    let arg = &args[0];
    // Calls, method chains, paths, awaits and blocks bind tighter than `.await`; others need
    // parentheses, and a rewrite that needs them is not worth guessing.
    matches!(
        arg,
        Expr::Call(_) | Expr::MethodCall(_) | Expr::Path(_) | Expr::Field(_) | Expr::Async(_) | Expr::Paren(_)
    )
    .then_some(arg)
}

/// `LocalPool::new()` directly, or a local initialised from it.
fn is_local_pool(receiver: &Expr, cx: &Context) -> bool {
    match receiver {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => cx.path_matches(&p.path, LOCAL_POOL_NEW).is_some(),
            _ => false,
        },
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| cx.local(&i.to_string(), crate::context::span_range(i.span()).start))
            .and_then(|l| l.origin.as_deref())
            .is_some_and(|o| LOCAL_POOL_NEW.contains(&o)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn fires_in_async_and_not_in_sync_or_blocking_pool() {
        let src = r#"
use futures::executor::block_on as wait;
async fn a(f: F) { wait(f); }
fn b(f: F) { wait(f); }
async fn c(rt: R) { tokio::task::spawn_blocking(move || rt.block_on(f)); }
async fn d() { tokio::runtime::Runtime::new().unwrap(); }
"#;
        assert_eq!(rule_lines(src, "block_on_in_async"), vec![3, 6]);
    }
}
