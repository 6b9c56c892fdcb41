//! `dropped_cancellation_token`: cancellation that is dropped, ignored or never passed on.

use crate::context::Context;
use crate::diagnostic::Applicability;
use crate::knowledge::Need;
use crate::rule::{FnItem, Rule, RuleMeta, Severity};
use crate::rules::helpers::{count_mentions, discarded, mentions, mentions_any, unparen};
use crate::tokens::Leaves;
use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

pub struct DroppedCancellationToken;

static META: RuleMeta = RuleMeta {
    name: "dropped_cancellation_token",
    default_severity: Severity::Warning,
    summary: "cancellation token dropped, ignored or not passed on to spawned work",
    docs: include_str!("../../rules/dropped_cancellation_token.md"),
    needles: &["drop_guard", "cancelled", "CancellationToken"],
};

const SPAWNERS: &[&str] = &["tokio::spawn", "tokio::task::spawn", "tokio::task::spawn_local"];

impl Rule for DroppedCancellationToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, block: &syn::Block, cx: &mut Context) {
        for stmt in &block.stmts {
            let Some((discarded, how)) = discarded(stmt) else {
                continue;
            };
            let how = how.describe();
            let Expr::MethodCall(m) = unparen(discarded) else {
                continue;
            };
            if !["drop_guard", "drop_guard_ref", "cancelled", "cancelled_owned"]
                .iter()
                .any(|n| m.method == n)
            {
                continue;
            }
            let method = m.method.to_string();
            match method.as_str() {
                "drop_guard" | "drop_guard_ref" => {
                    let d = cx
                        .diagnostic(cx.range(discarded), format!("the `{method}()` guard is {how} at once, which cancels the token immediately"))
                        .with_severity(Severity::Error)
                        .with_primary_label("guard dropped here")
                        .with_help("bind the guard to a named variable (`let _guard = token.drop_guard();`) so it cancels when that scope ends");
                    let d = match stmt {
                        syn::Stmt::Local(l) if matches!(l.pat, Pat::Wild(_)) => {
                            d.with_suggestion(cx.range(&l.pat), "_guard", Applicability::MachineApplicable)
                        }
                        _ => d,
                    };
                    cx.report(d);
                }
                "cancelled" | "cancelled_owned" if m.args.is_empty() => {
                    let d = cx
                        .diagnostic(
                            cx.range(discarded),
                            format!("the `{method}()` future is {how} without being awaited, so it waits for nothing"),
                        )
                        .with_primary_label("future created and dropped")
                        .with_help(
                            "`.await` it (`token.cancelled().await;`) or use it as a branch of `tokio::select!`",
                        );
                    cx.report(d);
                }
                _ => {}
            }
        }
    }

    fn check_fn(&self, item: &FnItem<'_>, cx: &mut Context) {
        // Parts (b) and (d) need the token type named somewhere, if only in a renaming import.
        if !cx.facts().mentions_token {
            return;
        }
        let params = token_params(item.sig, cx);
        let is_async = || item.sig.asyncness.is_some() || returns_impl_future(&item.sig.output);
        if !params.is_empty() && !item.signature_from_trait && is_async() && !is_placeholder(item.block) {
            for (name, range) in &params {
                if name.starts_with('_') || mentions(item.block, name) {
                    continue;
                }
                let d = cx
                    .diagnostic(range.clone(), format!("cancellation token `{name}` is accepted but never used"))
                    .with_primary_label("never read in the body")
                    .with_help(format!(
                        "pass it on to the work this fn starts (`{name}.child_token()`) or `select!` on `{name}.cancelled()`; \
                         name it `_{name}` if ignoring cancellation is intended"
                    ));
                cx.report(d);
            }
        }
        let held: Vec<String> = params
            .into_iter()
            .map(|p| p.0)
            .filter(|n| !n.starts_with('_'))
            .collect();
        if !held.is_empty() {
            calls_without_token(item, &held, cx);
        }
        untokened_spawns(item, held, cx);
    }
}

/// Named parameters of type `CancellationToken` or a reference to one.
fn token_params(sig: &syn::Signature, cx: &Context) -> Vec<(String, std::ops::Range<usize>)> {
    sig.inputs
        .iter()
        .filter_map(|arg| {
            let syn::FnArg::Typed(pt) = arg else { return None };
            let Pat::Ident(pi) = &*pt.pat else { return None };
            is_token_type(&pt.ty, cx).then(|| (pi.ident.to_string(), crate::context::span_range(pi.ident.span())))
        })
        .collect()
}

/// `CancellationToken`, `&CancellationToken`, or a renamed import of it.
fn is_token_type(ty: &syn::Type, cx: &Context) -> bool {
    match ty {
        syn::Type::Reference(r) => is_token_type(&r.elem, cx),
        syn::Type::Path(p) => {
            p.path
                .segments
                .last()
                .is_some_and(|s| cx.options().is_token_type(&s.ident.to_string()))
                || cx
                    .resolve_path(&p.path)
                    .first()
                    .is_some_and(|r| cx.options().is_token_path(r))
        }
        _ => false,
    }
}

/// `impl Future<..>`, `BoxFuture<..>`, `Pin<Box<dyn Future<..>>>`.
fn returns_impl_future(output: &syn::ReturnType) -> bool {
    let syn::ReturnType::Type(_, ty) = output else {
        return false;
    };
    count_mentions(&**ty, &["Future", "BoxFuture", "LocalBoxFuture"], true) > 0
}

/// `{ todo!() }`, `{ unimplemented!() }`, `{}`: nothing to check yet.
fn is_placeholder(block: &syn::Block) -> bool {
    match block.stmts.as_slice() {
        [] => true,
        [Stmt::Macro(m)] => m
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "todo" || s.ident == "unimplemented"),
        [Stmt::Expr(Expr::Macro(m), _)] => m
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "todo" || s.ident == "unimplemented"),
        _ => false,
    }
}

/// Part (b) for calls: the fn holds a token and calls a crate fn that takes one, passing no
/// token at all. Settled once the crate is known.
fn calls_without_token(item: &FnItem<'_>, held: &[String], cx: &mut Context) {
    struct Calls<'c, 's> {
        cx: &'c Context<'s>,
        /// The held tokens and the bindings derived from them, in source order.
        carriers: Vec<String>,
        found: Vec<(u32, std::ops::Range<usize>)>,
    }
    impl<'ast> Visit<'ast> for Calls<'_, '_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (Pat::Ident(p), Some(init)) = (&l.pat, &l.init)
                && mentions_any(&*init.expr, &self.carriers)
            {
                self.carriers.push(p.ident.to_string());
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Expr::Path(p) = &*c.func
                && let Some(name) = self.cx.path_call_index(&p.path)
                && !c
                    .args
                    .iter()
                    .any(|a| passes_a_token(a) || mentions_any(a, &self.carriers))
            {
                self.found
                    .push((name, crate::rules::helpers::call_range(&Expr::Call(c.clone()))));
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut calls = Calls {
        cx: &*cx,
        carriers: held.to_vec(),
        found: Vec::new(),
    };
    calls.visit_block(item.block);
    for (name, range) in calls.found {
        cx.report_if(name, Need::TakesToken, range, Vec::new(), |name| {
            (
                format!("`{name}` takes a cancellation token, but none of this fn's is passed to it"),
                "called without this fn's token".into(),
                format!(
                    "pass a child of this fn's token (`token.child_token()`) so cancelling it also cancels `{name}`"
                ),
            )
        });
    }
}

/// An argument that carries some token: named like one, or built as one.
fn passes_a_token(arg: &Expr) -> bool {
    fn token_like(name: &str) -> bool {
        let s = name.to_ascii_lowercase();
        s.contains("token") || s.contains("cancel") || s.contains("shutdown") || s == "ct"
    }
    struct Finds(bool);
    impl<'ast> Visit<'ast> for Finds {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.0 = self.0 || token_like(&i.to_string());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.0 = self.0
                || Leaves::new(m.tokens.clone())
                    .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if token_like(&i.to_string())));
        }
    }
    let mut finds = Finds(false);
    finds.visit_expr(arg);
    finds.0
}

/// Part (d): a long-running spawned task that never receives the token the fn holds and uses.
fn untokened_spawns(item: &FnItem<'_>, mut tokens: Vec<String>, cx: &mut Context) {
    // Most fns hold no token; skip the body scan for them.
    if tokens.is_empty() && !cx.options().mentions_token_type(cx.block_text(item.block)) {
        return;
    }
    let mut scan = BodyScan {
        cx: &*cx,
        lets: Vec::new(),
        created_tokens: Vec::new(),
        spawns: Vec::new(),
    };
    scan.visit_block(item.block);
    let BodyScan {
        lets,
        created_tokens,
        spawns,
        ..
    } = scan;
    tokens.extend(created_tokens.iter().cloned());
    if tokens.is_empty() || spawns.is_empty() {
        return;
    }
    // Bindings derived from a token (`let child = token.child_token();`) carry it too.
    let mut carriers = tokens.clone();
    for (name, init) in &lets {
        if mentions_any(*init, &carriers) && !carriers.contains(name) {
            carriers.push(name.clone());
        }
    }
    let body_uses = count_mentions(item.block, &carriers, false);
    for c in &spawns {
        let Some(Expr::Async(block)) = c.args.first().map(unparen) else {
            continue;
        };
        if mentions_any(block, &carriers) || !is_long_running(&block.block) {
            continue;
        }
        // The fn must use the token somewhere besides declaring it.
        if body_uses <= created_tokens.len() {
            continue;
        }
        let token = &tokens[0];
        let d = cx
            .diagnostic(cx.range(&c.func), format!("spawned task never receives the cancellation token `{token}`"))
            .with_primary_label("this task outlives cancellation")
            .with_help(format!(
                "move a child token into the task (`let child = {token}.child_token();`) and `select!` on `child.cancelled()` in its loop"
            ));
        cx.report(d);
    }
}

/// A `loop`/`while`/`for` that awaits, or three or more awaits.
fn is_long_running(block: &syn::Block) -> bool {
    let mut a = AwaitCount::default();
    a.visit_block(block);
    a.loop_with_await || a.awaits >= 3
}

#[derive(Default)]
struct AwaitCount {
    awaits: usize,
    loop_depth: usize,
    loop_with_await: bool,
}

impl<'ast> Visit<'ast> for AwaitCount {
    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        self.awaits += 1;
        self.loop_with_await |= self.loop_depth > 0;
        syn::visit::visit_expr_await(self, e);
    }
    fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
        self.loop_depth += 1;
        syn::visit::visit_expr_loop(self, e);
        self.loop_depth -= 1;
    }
    fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
        self.loop_depth += 1;
        syn::visit::visit_expr_while(self, e);
        self.loop_depth -= 1;
    }
    fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
        self.loop_depth += 1;
        syn::visit::visit_expr_for_loop(self, e);
        self.loop_depth -= 1;
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `select!` inside a loop awaits its branches.
        if m.path.segments.last().is_some_and(|s| s.ident == "select") {
            self.awaits += 1;
            self.loop_with_await |= self.loop_depth > 0;
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Lets, token constructions and spawns of async blocks in one fn body (not nested fns).
struct BodyScan<'c, 's, 'ast> {
    cx: &'c Context<'s>,
    lets: Vec<(String, &'ast Expr)>,
    created_tokens: Vec<String>,
    spawns: Vec<&'ast syn::ExprCall>,
}

impl<'ast> Visit<'ast> for BodyScan<'_, '_, 'ast> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            let name = pi.ident.to_string();
            if creates_token(&init.expr, self.cx) {
                self.created_tokens.push(name.clone());
            }
            self.lets.push((name, &init.expr));
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func
            && matches!(c.args.first().map(unparen), Some(Expr::Async(_)))
            && (self.cx.path_matches(&p.path, SPAWNERS).is_some()
                || self.cx.configured_path(&p.path, &self.cx.options().spawners).is_some())
        {
            self.spawns.push(c);
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn creates_token(e: &Expr, cx: &Context) -> bool {
    match unparen(e) {
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p) if p.path.segments.len() >= 2
            && p.path.segments.iter().rev().nth(1).is_some_and(|s| cx.options().is_token_type(&s.ident.to_string()))
            && p.path.segments.last().is_some_and(|s| s.ident == "new" || s.ident == "default")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn guard_discarded_and_unused_param() {
        let src = r#"
async fn run(token: CancellationToken, _other: CancellationToken) {
    let _ = token.drop_guard();
}
async fn idle(token: &CancellationToken) { work().await; }
fn keep(token: CancellationToken) { let _guard = token.drop_guard(); }
"#;
        assert_eq!(rule_lines(src, "dropped_cancellation_token"), vec![3, 5]);
    }
}
