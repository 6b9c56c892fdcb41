//! `sequential_awaits`: independent awaited calls that wait for each other for no reason.

use crate::context::Context;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::{call_name, mentions_any, receiver_root, unparen};
use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

pub struct SequentialAwaits;

static META: RuleMeta = RuleMeta {
    name: "sequential_awaits",
    default_severity: Severity::Warning,
    summary: "independent awaits run one after another instead of concurrently",
    docs: include_str!("../../rules/sequential_awaits.md"),
    needles: &["await"],
};

/// Calls whose order is their point: locks, channels, streams, timers.
const ORDERED_CALLS: &[&str] = &[
    "lock",
    "read",
    "write",
    "acquire",
    "acquire_owned",
    "acquire_many",
    "recv",
    "recv_many",
    "next",
    "try_next",
    "accept",
    "tick",
    "sleep",
    "sleep_until",
    "changed",
    "notified",
    "wait",
    "ready",
    "readable",
    "writable",
    "read_exact",
    "read_to_end",
    "read_to_string",
    "read_line",
    "read_buf",
    "write_all",
    "flush",
    "shutdown",
    "cancelled",
    "join",
    "timeout",
    "yield_now",
    "send",
    "send_request",
    "call",
    "poll_ready",
];

/// Receivers that are one connection or stream: two operations on them run in order.
const SERIAL_RECEIVERS: &[&str] = &[
    "conn",
    "connection",
    "tx",
    "txn",
    "transaction",
    "stream",
    "socket",
    "reader",
    "writer",
    "rx",
    "sink",
    "framed",
    "io",
    "session",
    "cursor",
    "file",
];

/// Words that make a call a write: the next call may depend on its effect.
const MUTATING_WORDS: &[&str] = &[
    "create",
    "insert",
    "update",
    "delete",
    "remove",
    "put",
    "post",
    "patch",
    "send",
    "write",
    "set",
    "save",
    "store",
    "commit",
    "begin",
    "start",
    "connect",
    "login",
    "logout",
    "push",
    "publish",
    "flush",
    "close",
    "shutdown",
    "subscribe",
    "unsubscribe",
    "bind",
    "open",
    "migrate",
    "run",
    "exec",
    "execute",
    "apply",
    "add",
    "register",
    "init",
    "initialize",
    "setup",
    "reset",
    "clear",
    "upload",
    "upsert",
    "lock",
    "claim",
    "reserve",
    "mark",
    "enable",
    "disable",
    "spawn",
    "stop",
    "kill",
    "drop",
    "truncate",
    "seed",
    "grant",
    "revoke",
    "ack",
    "nack",
    "allocate",
    "incr",
    "decr",
    "lease",
    "mutate",
    "poll",
    "ensure",
    "warm",
    "prepare",
    "reload",
    "schedule",
    "kick",
    "poke",
    "signal",
    "download",
    "check",
    "verify",
    "validate",
    "provision",
    "build",
    "generate",
    "compute",
    "process",
    "handle",
    "dispatch",
    "queue",
    "retry",
    "sweep",
    "compact",
    "index",
    "reindex",
    "enqueue",
    "dequeue",
    "persist",
    "cancel",
    "purge",
    "evict",
    "invalidate",
    "rollback",
    "unlock",
    "unregister",
    "disconnect",
    "withdraw",
    "deposit",
    "bump",
    "wait",
    "archive",
    "restore",
    "import",
    "export",
    "rotate",
    "renew",
    "release",
    "assign",
    "approve",
    "reject",
    "confirm",
    "submit",
    "finish",
    "complete",
    "append",
    "increment",
    "decrement",
    "transfer",
    "pay",
    "charge",
    "refund",
    "authenticate",
    "authorize",
    "sign",
    "deploy",
    "install",
    "restart",
    "refresh",
    "sync",
    "move",
    "rename",
    "copy",
    "pop",
    "take",
    "consume",
    "emit",
    "notify",
    "trigger",
    "invoke",
    "call",
    "request",
    "handshake",
];

struct Awaited<'a> {
    stmt: &'a syn::Local,
    call: &'a Expr,
    awaited: &'a Expr,
    tried: bool,
    names: Vec<String>,
}

impl Rule for SequentialAwaits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, block: &syn::Block, cx: &mut Context) {
        // Test setup is sequential by design; reviewers do not join it.
        if cx.in_async().is_none() || cx.in_test() {
            return;
        }
        let mut mut_names: Vec<String> = Vec::new();
        let mut run: Vec<Awaited> = Vec::new();
        for stmt in &block.stmts {
            let next = match stmt {
                Stmt::Local(l) => awaited_let(l),
                _ => None,
            };
            match next {
                Some(a)
                    if run
                        .last()
                        .is_none_or(|last| independent(&run, last, &a, &mut_names, cx)) =>
                {
                    run.push(a)
                }
                Some(a) => {
                    report(&run, cx);
                    run.clear();
                    run.push(a);
                }
                None => {
                    report(&run, cx);
                    run.clear();
                }
            }
            if let Stmt::Local(l) = stmt {
                let (pat, is_mut_ref) = match &l.pat {
                    Pat::Type(pt) => (
                        &*pt.pat,
                        matches!(&*pt.ty, syn::Type::Reference(r) if r.mutability.is_some()),
                    ),
                    p => (p, false),
                };
                if let Pat::Ident(pi) = pat
                    && (pi.mutability.is_some() || is_mut_ref)
                {
                    mut_names.push(pi.ident.to_string());
                }
            }
        }
        report(&run, cx);
    }
}

/// `let pat = CALL.await;` or `let pat = CALL.await?;` binding at least one name.
fn awaited_let(l: &syn::Local) -> Option<Awaited<'_>> {
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let (awaited, tried) = match &*init.expr {
        Expr::Try(t) => (&*t.expr, true),
        e => (e, false),
    };
    let Expr::Await(aw) = awaited else { return None };
    let call = &*aw.base;
    if !matches!(call, Expr::Call(_) | Expr::MethodCall(_)) {
        return None;
    }
    let mut names = Vec::new();
    collect_names(&l.pat, &mut names);
    if names.is_empty() {
        return None;
    }
    let name = call_name(call)?;
    if ORDERED_CALLS.contains(&name.as_str()) {
        return None;
    }
    Some(Awaited {
        stmt: l,
        call,
        awaited,
        tried,
        names,
    })
}

fn collect_names(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => out.push(i.ident.to_string()),
        Pat::Type(t) => collect_names(&t.pat, out),
        Pat::Tuple(t) => t.elems.iter().for_each(|e| collect_names(e, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|e| collect_names(e, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| collect_names(&f.pat, out)),
        Pat::Reference(r) => collect_names(&r.pat, out),
        _ => {}
    }
}

/// Whether `next` can run concurrently with every call already in `run`.
fn independent(run: &[Awaited], last: &Awaited, next: &Awaited, mut_names: &[String], cx: &Context) -> bool {
    if next.tried != last.tried {
        return false;
    }
    let bound: Vec<String> = run.iter().flat_map(|a| a.names.iter().cloned()).collect();
    if mentions_any(next.call, &bound) {
        return false;
    }
    // A write before the next call may be what the next call reads; with `?`, a write after
    // a call only happens if that call succeeded.
    if has_mutating_word(last.call) || (next.tried && has_mutating_word(next.call)) {
        return false;
    }
    let next_mut = mut_borrows(next.call);
    let next_root = method_receiver(next.call);
    for earlier in run {
        let earlier_mut = mut_borrows(earlier.call);
        if earlier_mut.iter().any(|m| next_mut.contains(m)) || mentions_any(next.call, &earlier_mut) {
            return false;
        }
        // One connection passed to both (`recv_params(conn)`, `recv_rows(conn)`) orders them.
        let shared = idents(earlier.call);
        if idents(next.call)
            .iter()
            .any(|i| shared.contains(i) && is_serial_receiver(i, mut_names, cx))
        {
            return false;
        }
        if let (Some(a), Some(b)) = (method_receiver(earlier.call), next_root.as_ref())
            && &a == b
            && is_serial_receiver(&a, mut_names, cx)
        {
            return false;
        }
    }
    true
}

/// Plain identifiers used as arguments or receivers in a call.
fn idents(call: &Expr) -> Vec<String> {
    #[derive(Default)]
    struct Idents(Vec<String>);
    impl<'ast> Visit<'ast> for Idents {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.0.push(i.to_string());
            }
        }
    }
    let mut v = Idents::default();
    v.visit_expr(call);
    v.0
}

fn has_mutating_word(call: &Expr) -> bool {
    let Some(name) = call_name(call) else { return false };
    name.split('_').any(|w| MUTATING_WORDS.contains(&w))
}

/// The receiver root of a method call, looking through the chain (`client.get(u).send()`).
fn method_receiver(call: &Expr) -> Option<String> {
    let mut e = unparen(call);
    while let Expr::MethodCall(m) = e {
        match unparen(&m.receiver) {
            inner @ Expr::MethodCall(_) => e = inner,
            r => return receiver_root(r),
        }
    }
    None
}

fn is_serial_receiver(root: &str, mut_names: &[String], cx: &Context) -> bool {
    if root == "self" {
        return cx.self_is_mut();
    }
    let base = root.split('.').next().unwrap_or(root);
    let leaf = root.rsplit('.').next().unwrap_or(root);
    if mut_names.iter().any(|n| n == base) || cx.local(base, usize::MAX).is_some_and(|l| l.mutable) {
        return true;
    }
    if base == "self" && cx.self_is_mut() {
        return true;
    }
    let leaf = leaf.to_ascii_lowercase();
    SERIAL_RECEIVERS
        .iter()
        .any(|s| leaf == *s || leaf.ends_with(&format!("_{s}")) || leaf.starts_with(&format!("{s}_")))
}

/// Places a call borrows mutably: `&mut x`, `&mut *tx`.
fn mut_borrows(call: &Expr) -> Vec<String> {
    #[derive(Default)]
    struct MutRefs(Vec<String>);
    impl<'ast> Visit<'ast> for MutRefs {
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if r.mutability.is_some()
                && let Some(root) = receiver_root(&r.expr)
            {
                self.0.push(root.split('.').next().unwrap_or(&root).to_string());
            }
            syn::visit::visit_expr_reference(self, r);
        }
    }
    let mut v = MutRefs::default();
    v.visit_expr(call);
    v.0
}

fn report(run: &[Awaited], cx: &mut Context) {
    if run.len() < 2 {
        return;
    }
    let source = cx.source();
    let text = |node: &dyn syn::spanned::Spanned| -> String {
        let r = crate::context::span_range(node.span());
        normalise(source.get(r).unwrap_or(""))
    };
    // `let user: User = ..` keeps its type in a tuple type: `let (user, orders): (User, _) = ..`.
    let split = |p: &Pat| match p {
        Pat::Type(t) => (text(&*t.pat), Some(text(&*t.ty))),
        p => (text(p), None),
    };
    let (pats, tys): (Vec<String>, Vec<Option<String>>) = run.iter().map(|a| split(&a.stmt.pat)).unzip();
    let ty = if tys.iter().any(Option::is_some) {
        let tys: Vec<&str> = tys.iter().map(|t| t.as_deref().unwrap_or("_")).collect();
        format!(": ({})", tys.join(", "))
    } else {
        String::new()
    };
    let calls: Vec<String> = run.iter().map(|a| text(a.call)).collect();
    let tried = run[0].tried;
    let krate = if cx.facts().uses_tokio { "tokio" } else { "futures" };
    let mac = if tried { "try_join" } else { "join" };
    let rewrite = format!(
        "let ({}){ty} = {krate}::{mac}!({}){};",
        pats.join(", "),
        calls.join(", "),
        if tried { "?" } else { "" }
    );
    let mut d = cx
        .diagnostic(
            cx.range(run[0].awaited),
            format!("{} independent awaits run one after another", run.len()),
        )
        .with_primary_label("this await finishes before the next one starts");
    for a in &run[1..] {
        d = d.with_label(cx.range(a.awaited), "does not depend on the awaits above");
    }
    d = d.with_help(format!("run them concurrently: `{rewrite}`"));
    cx.report(d);
}

/// Source text on one line: newlines and indentation folded to single spaces.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.lines().enumerate() {
        let t = line.trim();
        if i > 0 && !t.is_empty() && !t.starts_with('.') && !out.ends_with('(') {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn independent_lets_fire_dependent_do_not() {
        let src = r#"
async fn page(client: &Client, id: u64) -> Result<Page> {
    let user = client.user(id).await?;
    let orders = client.orders(id).await?;
    let a = fetch_a().await;
    let b = fetch_b(a).await;
    Ok(Page { user, orders, b })
}
"#;
        assert_eq!(rule_lines(src, "sequential_awaits"), vec![3]);
    }
}
