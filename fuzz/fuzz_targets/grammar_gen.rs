//! A grammar-aware generator of Rust source aimed at async-lint's rules.
//!
//! Every choice is drawn from an `arbitrary::Unstructured`; when the bytes run out every draw
//! gives 0, and option 0 is always the simplest, terminating one. Nesting depth and a node
//! budget bound the output. The text is meant to be *syntactically* valid Rust (it is checked
//! with `syn::parse_file`); it need not type-check.

use arbitrary::Unstructured;

const RULES: &[&str] = &[
    "async_closure_in_sync_spawn",
    "block_in_place_on_current_thread",
    "block_on_in_async",
    "blocking_call_in_async",
    "dropped_cancellation_token",
    "fire_and_forget_spawn",
    "invalid_suppression",
    "lock_across_await",
    "sequential_awaits",
    "unawaited_future",
    "unforwarded_cancellation_token",
    "unused_suppression",
    "no_such_rule",
    "Block_On_In_Async",
    "clippy::all",
    "x",
];

const IDENTS: &[&str] = &[
    "x", "y", "v", "fut", "m", "mutex", "guard", "g", "lock", "token", "child", "ct", "rx", "tx",
    "handle", "h", "rt", "runtime", "data", "conn", "client", "file", "s", "n", "task", "block_on",
    "spawn", "sleep", "tokio", "futures", "std", "executor", "state", "cache", "permit", "sem",
    "notify", "result", "item", "i", "_guard", "_g", "_token", "cancel", "r#match", "r#async",
    "é", "données", "join", "select", "drop", "thread", "spawn_blocking", "cancellation_token",
];

const FN_NAMES: &[&str] = &[
    "run", "main", "handler", "worker", "helper", "process", "serve", "fetch", "compute", "load",
    "save", "spawn", "block_on", "sleep", "lock", "f", "g", "inner", "outer", "new", "start",
    "shutdown", "it_works", "task", "poll", "drop_guard", "recv", "blocking_work", "get",
    "spawn_blocking", "cancelled", "tick", "r#async", "r#await",
];

const TYPE_NAMES: &[&str] = &[
    "Server", "Worker", "State", "Client", "Runtime", "Handle", "Mutex", "Foo", "Service", "Self_",
];

const TYPES: &[&str] = &[
    "u32",
    "()",
    "String",
    "&str",
    "Vec<u8>",
    "Arc<Mutex<u32>>",
    "std::sync::Mutex<Vec<String>>",
    "tokio::sync::Mutex<u32>",
    "std::sync::MutexGuard<'_, u32>",
    "CancellationToken",
    "tokio_util::sync::CancellationToken",
    "JoinHandle<()>",
    "tokio::task::JoinHandle<Result<(), Error>>",
    "impl Future<Output = ()>",
    "impl Future<Output = u32> + Send + 'static",
    "Pin<Box<dyn Future<Output = ()> + Send>>",
    "BoxFuture<'static, ()>",
    "Result<(), Box<dyn std::error::Error + Send + Sync>>",
    "anyhow::Result<()>",
    "Option<u32>",
    "&mut Vec<u8>",
    "&'a str",
    "Runtime",
    "tokio::runtime::Handle",
    "mpsc::Receiver<u32>",
    "std::sync::mpsc::Sender<String>",
    "Box<dyn Fn() -> u32 + Send>",
    "impl FnOnce() -> u32",
    "[u8; 4]",
    "(u32, String)",
    "DropGuard",
    "Self",
    "T",
];

const FN_ATTRS: &[&str] = &[
    "#[tokio::test]",
    "#[tokio::main]",
    "#[test]",
    "#[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]",
    "#[tokio::test(flavor = \"current_thread\")]",
    "#[tokio::main(flavor = \"current_thread\")]",
    "#[tokio::main(flavor = \"multi_thread\")]",
    "#[should_panic]",
    "#[should_panic(expected = \"boom\")]",
    "#[async_std::test]",
    "#[actix_web::main]",
    "#[inline]",
    "#[allow(dead_code)]",
    "#[cfg(test)]",
    "#[cfg(not(test))]",
    "#[async_trait]",
    "#[async_trait::async_trait]",
    "#[instrument]",
    "#[tracing::instrument(skip(self))]",
    "#[rstest]",
    "#[test_case(1)]",
    "#[must_use]",
    "#[doc = \"async-lint: allow(block_on_in_async)\"]",
    "#[cfg_attr(async_lint, allow(block_on_in_async))]",
    "#[cfg_attr(async_lint, allow(lock_across_await, sequential_awaits))]",
    "#[cfg_attr(async_lint, allow(no_such_rule))]",
    "#[cfg_attr(async_lint, allow())]",
    "#[cfg_attr(async_lint, allow)]",
    "#[cfg_attr(async_lint, deny(block_on_in_async))]",
    "#[cfg_attr(async_lint)]",
    "#[cfg_attr(async_lint, allow(\"block_on_in_async\"))]",
    "#[cfg_attr(async_lint, allow(blocking_call_in_async), allow(unawaited_future))]",
    "#[cfg_attr(not(async_lint), allow(unused))]",
    "#[cfg_attr(async_lint, allow(fire_and_forget_spawn) = 1)]",
    "#[cfg_attr(async_lint, allow(dropped_cancellation_token))]",
    "#[cfg_attr]",
    "#[cfg_attr(async_lint, allow(unused_suppression, invalid_suppression))]",
];

/// How an expression binds, to know when it must be parenthesised.
#[derive(Clone, Copy, PartialEq, Eq)]
enum K {
    /// Literals, paths, calls, method calls, macros, parenthesised, async blocks, `.await`.
    Atom,
    /// `if`, `match`, loops, plain and unsafe blocks: end a statement at their `}`.
    BlockLike,
    /// `!x`, `&x`, `*x`, `-x`.
    Unary,
    /// `a + b`, `a == b`, `a as T`.
    Binary,
    /// Closures, `return`, `break`, ranges, assignments.
    Low,
}

type E = (String, K);

pub struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    indent: usize,
    depth: usize,
    fuel: usize,
    max_depth: usize,
    loops: usize,
    labels: Vec<String>,
}

impl<'a, 'b> Gen<'a, 'b> {
    pub fn new(u: &'b mut Unstructured<'a>) -> Self {
        Gen { u, indent: 0, depth: 0, fuel: 600, max_depth: 10, loops: 0, labels: Vec::new() }
    }

    // ---- drawing ----------------------------------------------------------------------------

    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.u.choose_index(n).unwrap_or(0)
    }

    fn one<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.pick(items.len())]
    }

    /// True with probability about `num`/256 (false once the bytes run out).
    fn chance(&mut self, num: u16) -> bool {
        // An exhausted `Unstructured` yields zeros, which would say yes forever.
        if self.u.is_empty() {
            return false;
        }
        let b: u8 = self.u.arbitrary().unwrap_or(255);
        (b as u16) < num
    }

    fn small(&mut self, max: usize) -> usize {
        self.u.int_in_range(0..=max).unwrap_or(0)
    }

    fn deep(&self) -> bool {
        self.depth >= self.max_depth || self.fuel == 0
    }

    fn spend(&mut self) {
        self.fuel = self.fuel.saturating_sub(1);
    }

    fn pad(&self) -> String {
        "    ".repeat(self.indent)
    }

    // ---- file and items ---------------------------------------------------------------------

    pub fn file(&mut self) -> String {
        let mut out = String::new();
        self.max_depth = 4 + self.small(10);
        match self.pick(5) {
            1 => out.push_str("// async-lint: allow-file(sequential_awaits)\n"),
            2 => out.push_str("#![allow(unused)]\n"),
            3 => out.push_str("#![cfg_attr(async_lint, allow(block_on_in_async))]\n"),
            4 => out.push_str("//! Crate docs mentioning // async-lint: allow(x)\n"),
            _ => {}
        }
        let n = 1 + self.small(7);
        for _ in 0..n {
            out.push_str(&self.item(false));
            out.push('\n');
        }
        if self.chance(20) {
            out.push_str("// async-lint: allow(unused_suppression)");
        }
        out
    }

    fn comment_line(&mut self) -> String {
        let rule = self.one(RULES);
        let rule2 = self.one(RULES);
        match self.pick(16) {
            0 => format!("// async-lint: allow({rule})"),
            1 => format!("// async-lint: allow({rule}) -- reason: startup only"),
            2 => format!("// async-lint: allow({rule}, {rule2}) --"),
            3 => format!("// async-lint: allow-file({rule})"),
            4 => "// async-lint: allow(".to_string(),
            5 => format!("// async-lint: allow {rule}"),
            6 => "// async-lint:allow()".to_string(),
            7 => format!("// async-lint: deny({rule})"),
            8 => format!("//async-lint: allow({rule} {rule2})"),
            9 => format!("/* async-lint: allow({rule}) */"),
            10 => format!("// see // async-lint: allow({rule})"),
            11 => format!("// é😀 async-lint: allow({rule})"),
            12 => format!("//  async-lint:  allow( {rule} ,{rule2} ) -- why -- not"),
            13 => "// plain comment".to_string(),
            14 => format!("/* multi\n   line async-lint: allow({rule}) */"),
            _ => format!("// async-lint: allow({rule},)"),
        }
    }

    fn attrs(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..6 {
            if !self.chance(70) {
                break;
            }
            let a = self.one(FN_ATTRS);
            s.push_str(&self.pad());
            s.push_str(a);
            s.push('\n');
        }
        s
    }

    fn item(&mut self, in_impl_or_trait: bool) -> String {
        self.spend();
        let mut s = String::new();
        if self.chance(40) {
            s.push_str(&self.pad());
            s.push_str(&self.comment_line());
            s.push('\n');
        }
        if self.chance(30) {
            s.push_str(&self.pad());
            s.push_str("/// Docs. // async-lint: allow(block_on_in_async)\n");
        }
        let choice = if self.deep() { 0 } else { self.pick(12) };
        match choice {
            0 | 1 | 2 | 3 => s.push_str(&self.function(in_impl_or_trait, false)),
            4 => s.push_str(&self.use_decl()),
            5 => s.push_str(&self.impl_block()),
            6 => s.push_str(&self.trait_block()),
            7 => s.push_str(&self.module()),
            8 => s.push_str(&self.struct_item()),
            9 => s.push_str(&self.static_item()),
            10 => s.push_str(&self.macro_rules()),
            _ => s.push_str(&self.macro_item()),
        }
        s
    }

    fn use_decl(&mut self) -> String {
        let vis = if self.chance(40) { "pub " } else { "" };
        let path = match self.pick(22) {
            0 => "futures::executor::block_on",
            1 => "futures::executor::block_on as bo",
            2 => "tokio::task::spawn_blocking",
            3 => "tokio::task::{spawn, spawn_blocking as sb}",
            4 => "std::thread::*",
            5 => "std::thread::sleep",
            6 => "std::thread::{self, sleep as nap}",
            7 => "tokio::sync::{Mutex, RwLock as RW}",
            8 => "std::sync::{Arc, Mutex}",
            9 => "super::*",
            10 => "self::inner::helper",
            11 => "crate::run as go",
            12 => "tokio::runtime::{Runtime, Handle}",
            13 => "tokio_util::sync::CancellationToken",
            14 => "tokio::spawn as fire",
            15 => "tokio::*",
            16 => "futures::executor",
            17 => "std::sync::Mutex as StdMutex",
            18 => "tokio::task::block_in_place",
            19 => "::std::fs",
            20 => "tokio::{self, select, join}",
            _ => "futures::{join, select, executor::{block_on, LocalPool}}",
        };
        format!("{}{vis}use {path};\n", self.pad())
    }

    fn generics(&mut self) -> (String, String) {
        match self.pick(5) {
            1 => ("<T>".into(), String::new()),
            2 => ("<T: Send + 'static>".into(), String::new()),
            3 => ("<'a, F>".into(), " where F: Future<Output = ()> + Send".into()),
            4 => ("<const N: usize>".into(), String::new()),
            _ => (String::new(), String::new()),
        }
    }

    fn params(&mut self, method: bool) -> String {
        let mut ps = Vec::new();
        if method {
            match self.pick(5) {
                0 => ps.push("&self".to_string()),
                1 => ps.push("&mut self".to_string()),
                2 => ps.push("self".to_string()),
                3 => ps.push("self: Arc<Self>".to_string()),
                _ => {}
            }
        }
        let n = self.small(3);
        for _ in 0..n {
            let name = self.one(IDENTS);
            let ty = self.one(TYPES);
            let m = if self.chance(30) { "mut " } else { "" };
            ps.push(format!("{m}{name}: {ty}"));
        }
        ps.join(", ")
    }

    fn function(&mut self, method: bool, trait_decl: bool) -> String {
        self.spend();
        let mut s = self.attrs();
        let pad = self.pad();
        let vis = match self.pick(4) {
            1 => "pub ",
            2 => "pub(crate) ",
            _ => "",
        };
        let quals = match self.pick(6) {
            0 | 1 => "async ",
            2 => "",
            3 => "const ",
            4 => "unsafe ",
            _ => "async unsafe ",
        };
        let name = self.one(FN_NAMES);
        let (gens, where_) = self.generics();
        let params = self.params(method);
        let ret = if self.chance(90) { format!(" -> {}", self.one(TYPES)) } else { String::new() };
        let vis = if trait_decl { "" } else { vis };
        s.push_str(&format!("{pad}{vis}{quals}fn {name}{gens}({params}){ret}{where_}"));
        if trait_decl && self.chance(128) {
            s.push_str(";\n");
            return s;
        }
        s.push(' ');
        let saved_loops = self.loops;
        let saved_labels = std::mem::take(&mut self.labels);
        self.loops = 0;
        let body = self.block();
        self.loops = saved_loops;
        self.labels = saved_labels;
        s.push_str(&body);
        s.push('\n');
        s
    }

    fn impl_block(&mut self) -> String {
        let mut s = self.attrs();
        let pad = self.pad();
        let ty = self.one(TYPE_NAMES);
        let head = match self.pick(5) {
            1 => format!("impl Drop for {ty}"),
            2 => format!("impl<T: Send> Service for {ty}<T>"),
            3 => format!("impl Future for {ty}"),
            4 => format!("unsafe impl Send for {ty}"),
            _ => format!("impl {ty}"),
        };
        s.push_str(&format!("{pad}{head} {{\n"));
        self.depth += 1;
        self.indent += 1;
        if self.chance(40) {
            s.push_str(&format!("{}type Output = ();\n", self.pad()));
        }
        let n = self.small(4);
        for _ in 0..n {
            if self.chance(40) {
                s.push_str(&format!("{}{}\n", self.pad(), self.comment_line()));
            }
            s.push_str(&self.function(true, false));
        }
        self.indent -= 1;
        self.depth -= 1;
        s.push_str(&format!("{pad}}}\n"));
        s
    }

    fn trait_block(&mut self) -> String {
        let mut s = self.attrs();
        let pad = self.pad();
        let name = self.one(&["Service", "Handler", "Store", "Worker"]);
        let bound = if self.chance(100) { ": Send + Sync" } else { "" };
        s.push_str(&format!("{pad}pub trait {name}{bound} {{\n"));
        self.depth += 1;
        self.indent += 1;
        let n = self.small(4);
        for _ in 0..n {
            s.push_str(&self.function(true, true));
        }
        self.indent -= 1;
        self.depth -= 1;
        s.push_str(&format!("{pad}}}\n"));
        s
    }

    fn module(&mut self) -> String {
        let pad = self.pad();
        let mut s = String::new();
        let test = self.chance(160);
        if test {
            s.push_str(&format!("{pad}#[cfg(test)]\n"));
        } else if self.chance(60) {
            s.push_str(&format!("{pad}#[cfg_attr(async_lint, allow({}))]\n", self.one(RULES)));
        }
        let name = self.one(&["tests", "inner", "imp", "r#async", "tokio", "futures"]);
        s.push_str(&format!("{pad}mod {name} {{\n"));
        self.depth += 1;
        self.indent += 1;
        if self.chance(200) {
            s.push_str(&format!("{}use super::*;\n", self.pad()));
        }
        let n = self.small(4);
        for _ in 0..n {
            s.push_str(&self.item(false));
        }
        self.indent -= 1;
        self.depth -= 1;
        s.push_str(&format!("{pad}}}\n"));
        s
    }

    fn struct_item(&mut self) -> String {
        let pad = self.pad();
        let name = self.one(TYPE_NAMES);
        match self.pick(3) {
            0 => format!("{pad}struct {name};\n"),
            1 => format!(
                "{pad}#[derive(Clone, Default)]\n{pad}pub struct {name} {{\n{pad}    token: CancellationToken,\n{pad}    state: Arc<Mutex<u32>>,\n{pad}}}\n"
            ),
            _ => format!("{pad}struct {name}(tokio::sync::Mutex<u32>, std::sync::Mutex<()>);\n"),
        }
    }

    fn static_item(&mut self) -> String {
        let pad = self.pad();
        let e = self.expr_top();
        match self.pick(3) {
            0 => format!("{pad}static M: std::sync::Mutex<u32> = std::sync::Mutex::new(0);\n"),
            1 => format!("{pad}const N: u32 = {};\n", e.0),
            _ => format!("{pad}static RT: LazyLock<Runtime> = LazyLock::new(|| {});\n", e.0),
        }
    }

    fn macro_rules(&mut self) -> String {
        let pad = self.pad();
        let body = self.block();
        format!("{pad}macro_rules! m {{\n{pad}    ($e:expr) => {{ futures::executor::block_on($e) }};\n{pad}    () => {body};\n{pad}}}\n")
    }

    fn macro_item(&mut self) -> String {
        let pad = self.pad();
        let toks = self.token_soup(3);
        match self.pick(3) {
            0 => format!("{pad}lazy_static! {{ {toks} }}\n"),
            1 => format!("{pad}thread_local!({toks});\n"),
            _ => format!("{pad}tokio::task_local! {{ static X: u32; }}\n"),
        }
    }

    // ---- blocks and statements --------------------------------------------------------------

    fn block(&mut self) -> String {
        self.depth += 1;
        self.indent += 1;
        let mut s = String::from("{\n");
        if self.deep() {
            if self.chance(128) {
                let e = self.leaf();
                s.push_str(&format!("{}{}\n", self.pad(), e.0));
            }
        } else {
            let n = self.small(6);
            for _ in 0..n {
                s.push_str(&self.stmt());
            }
            // A tail expression, sometimes.
            if self.chance(80) {
                let e = self.expr();
                let text = stmt_safe(e);
                s.push_str(&format!("{}{}\n", self.pad(), text));
            }
        }
        self.indent -= 1;
        self.depth -= 1;
        s.push_str(&self.pad());
        s.push('}');
        s
    }

    fn stmt(&mut self) -> String {
        self.spend();
        let pad = self.pad();
        let mut pre = String::new();
        if self.chance(30) {
            pre = format!("{pad}{}\n", self.comment_line());
        }
        let trailing = if self.chance(25) { format!(" {}", self.comment_line_single()) } else { String::new() };
        let body = match self.pick(20) {
            0 | 1 | 2 => {
                let p = self.pattern();
                let e = self.expr();
                let ty = if self.chance(30) { format!(": {}", self.one(TYPES)) } else { String::new() };
                format!("let {p}{ty} = {};", e.0)
            }
            3 => {
                let e = self.expr();
                format!("let _ = {};", e.0)
            }
            4 => {
                let name = self.one(&["_guard", "guard", "g", "_", "_g", "lock"]);
                let m = self.one(&["m", "self.state", "STATE", "mutex", "data", "self.0"]);
                let tail = match self.pick(7) {
                    0 => ".lock().unwrap()",
                    1 => ".lock().await",
                    2 => ".lock()",
                    3 => ".write().unwrap()",
                    4 => ".read().await",
                    5 => ".lock().expect(\"poisoned\")",
                    _ => ".try_lock().unwrap()",
                };
                format!("let {name} = {m}{tail};")
            }
            5 => {
                let t = self.one(&["token", "ct", "self.token", "child", "token.clone()"]);
                let name = self.one(&["_", "_guard", "guard", "_g"]);
                let m = self.one(&["drop_guard", "drop_guard_ref", "child_token", "cancelled"]);
                format!("let {name} = {t}.{m}();")
            }
            6 => {
                let e = self.expr();
                format!("{};", stmt_safe(e))
            }
            7 => {
                let e = self.expr();
                stmt_safe_noterm(e)
            }
            8 | 9 => {
                let e = self.special_call();
                format!("{};", stmt_safe(e))
            }
            10 => {
                let e = self.awaited();
                format!("{};", stmt_safe(e))
            }
            11 => {
                if self.deep() {
                    "drop(guard);".to_string()
                } else {
                    // A nested item.
                    let saved = self.indent;
                    self.indent = 0;
                    let it = self.item(false);
                    self.indent = saved;
                    reindent(&it, &pad).trim_start().to_string()
                }
            }
            12 => {
                let m = self.macro_call();
                format!("{};", m)
            }
            13 => {
                // `let` takes no top-level or-pattern.
                let p = self.refutable_pattern();
                let p = if p.contains('|') { format!("({p})") } else { p };
                let e = self.expr();
                let els = self.diverging_block();
                format!("let {p} = ({}) else {els};", e.0)
            }
            14 => "drop(guard);".to_string(),
            15 => {
                let target = self.one(&["x", "*guard", "self.n", "v[0]", "state.count"]);
                let e = self.expr();
                let op = self.one(&["=", "+=", "-=", "|="]);
                format!("{target} {op} {};", paren_unless(e, &[K::Atom, K::Unary, K::Binary, K::BlockLike]))
            }
            16 => {
                let l = if self.loops > 0 { self.one(&["break;", "continue;", "return;"]) } else { "return;" };
                l.to_string()
            }
            17 => {
                let e = self.control();
                e.0
            }
            18 => ";".to_string(),
            _ => {
                let e = self.chain();
                format!("{};", stmt_safe(e))
            }
        };
        format!("{pre}{pad}{body}{trailing}\n")
    }

    fn comment_line_single(&mut self) -> String {
        // Only single-line comments may trail a statement on its line.
        let c = self.comment_line();
        if c.contains('\n') { "// trailing".to_string() } else { c }
    }

    fn diverging_block(&mut self) -> String {
        match self.pick(4) {
            0 => "{ return; }".to_string(),
            1 => "{ panic!(\"no\") }".to_string(),
            2 if self.loops > 0 => "{ continue; }".to_string(),
            _ => "{ return Err(e.into()); }".to_string(),
        }
    }

    // ---- patterns ---------------------------------------------------------------------------

    fn pattern(&mut self) -> String {
        let id = self.one(IDENTS);
        match self.pick(8) {
            0 | 1 => id.to_string(),
            2 => format!("mut {id}"),
            3 => "_".to_string(),
            4 => format!("({id}, _)"),
            5 => format!("ref {id}"),
            6 => format!("{} {{ {id}, .. }}", self.one(TYPE_NAMES)),
            _ => format!("[{id}, ..]"),
        }
    }

    fn refutable_pattern(&mut self) -> String {
        let id = self.one(IDENTS);
        match self.pick(5) {
            0 => format!("Some({id})"),
            1 => format!("Ok({id})"),
            2 => format!("Err(_)"),
            3 => "1..=9".to_string(),
            _ => format!("Some(Ok({id})) | Some(Err({id}))"),
        }
    }

    // ---- expressions ------------------------------------------------------------------------

    fn expr_top(&mut self) -> E {
        self.expr()
    }

    fn leaf(&mut self) -> E {
        let s = match self.pick(16) {
            0 => self.one(IDENTS).to_string(),
            1 => format!("{}", self.small(1000)),
            2 => "\"// async-lint: allow(block_on_in_async)\"".to_string(),
            3 => "r#\"\n// async-lint: allow(lock_across_await)\n\"#".to_string(),
            4 => "true".to_string(),
            5 => "'x'".to_string(),
            6 => "\"é \\u{1F600} \\n \\\" tail\"".to_string(),
            7 => "self".to_string(),
            8 => "Duration::from_millis(10)".to_string(),
            9 => "()".to_string(),
            10 => "b\"bytes\"".to_string(),
            11 => "CancellationToken::new()".to_string(),
            12 => "self.token".to_string(),
            13 => "1.5e3f64".to_string(),
            14 => "STATE".to_string(),
            _ => "Self::new()".to_string(),
        };
        (s, K::Atom)
    }

    fn expr(&mut self) -> E {
        self.spend();
        if self.deep() {
            return self.leaf();
        }
        self.depth += 1;
        let e = match self.pick(20) {
            0 | 1 => self.leaf(),
            2 | 3 => self.special_call(),
            4 => self.awaited(),
            5 => self.async_block(),
            6 => self.closure(),
            7 => self.chain(),
            8 => {
                // `m! { .. }` at the start of a statement is a whole statement, like a block.
                let m = self.macro_call();
                let k = if m.ends_with('}') { K::BlockLike } else { K::Atom };
                (m, k)
            }
            9 => self.control(),
            10 => {
                let a = self.expr();
                let b = self.expr();
                let op = self.one(&["+", "==", "&&", "||", "<", "-", "*", "|", "..", "as u32"]);
                let a = paren_unless(a, &[K::Atom, K::Unary]);
                if op == "as u32" {
                    (format!("{a} as u32"), K::Binary)
                } else if op == ".." {
                    let b = paren_unless(b, &[K::Atom, K::Unary]);
                    (format!("{a}..{b}"), K::Low)
                } else {
                    let b = paren_unless(b, &[K::Atom, K::Unary]);
                    (format!("{a} {op} {b}"), K::Binary)
                }
            }
            11 => {
                let a = self.expr();
                let op = self.one(&["!", "&", "&mut ", "*", "-"]);
                (format!("{op}{}", paren_unless(a, &[K::Atom, K::Unary])), K::Unary)
            }
            12 => {
                let a = self.expr();
                let b = self.expr();
                (format!("({}, {})", a.0, b.0), K::Atom)
            }
            13 => {
                let a = self.expr();
                (format!("[{}]", a.0), K::Atom)
            }
            14 => {
                let a = self.expr();
                (format!("({})", a.0), K::Atom)
            }
            15 => self.call_generic(),
            16 => self.block_expr(),
            17 => {
                let a = self.expr();
                let q = self.one(&["?", ".await?", ".0", "[0]", ".await.unwrap()"]);
                (format!("{}{q}", paren_unless(a, &[K::Atom])), K::Atom)
            }
            18 => {
                let a = self.expr();
                (format!("return {}", a.0), K::Low)
            }
            _ => {
                let ty = self.one(TYPE_NAMES);
                let a = self.expr();
                (format!("({ty} {{ token: {}, ..Default::default() }})", a.0), K::Atom)
            }
        };
        self.depth -= 1;
        e
    }

    /// An expression allowed where a struct literal is not (`if`, `while`, `match`, `for`).
    fn cond(&mut self) -> String {
        let e = self.expr();
        // Closures, ranges and anything with a brace are parenthesised.
        if e.1 == K::Atom && !e.0.contains('{') {
            e.0
        } else if e.1 == K::Binary && !e.0.contains('{') {
            e.0
        } else {
            format!("({})", e.0)
        }
    }

    fn awaited(&mut self) -> E {
        let e = if self.deep() { self.leaf() } else { self.special_call() };
        let mut s = paren_unless(e, &[K::Atom]);
        s.push_str(".await");
        // Bounded, so the text stays far below async-lint's nesting limit.
        for _ in 0..8 {
            if !self.chance(50) {
                break;
            }
            s.push_str(self.one(&[".await", "?", ".unwrap()", ".lock().await", ".ok()"]));
        }
        (s, K::Atom)
    }

    fn async_block(&mut self) -> E {
        let mv = if self.chance(128) { "move " } else { "" };
        let b = self.block();
        (format!("async {mv}{b}"), K::Atom)
    }

    fn closure(&mut self) -> E {
        let asy = match self.pick(4) {
            1 => "async ",
            2 => "async move ",
            3 => "move ",
            _ => "",
        };
        let params = match self.pick(4) {
            0 => "||".to_string(),
            1 => format!("|{}|", self.one(IDENTS)),
            2 => format!("|{}: u32, _|", self.one(IDENTS)),
            _ => "|_|".to_string(),
        };
        let saved = self.loops;
        self.loops = 0;
        let body = if self.chance(140) {
            self.block()
        } else {
            let e = self.expr();
            // A closure body that is itself a closure or `return` reads fine without parens.
            e.0
        };
        self.loops = saved;
        (format!("{asy}{params} {body}"), K::Low)
    }

    fn fut_arg(&mut self) -> String {
        match self.pick(6) {
            0 => self.one(&["fut", "f()", "work()", "async {}"]).to_string(),
            1 | 2 => self.async_block().0,
            3 => {
                let f = self.one(FN_NAMES);
                format!("{f}()")
            }
            4 => {
                let e = self.closure();
                format!("({})()", e.0)
            }
            _ => self.expr().0,
        }
    }

    fn closure_arg(&mut self) -> String {
        match self.pick(5) {
            0 => "|| {}".to_string(),
            1 | 2 => {
                let mv = if self.chance(128) { "move " } else { "" };
                let b = self.block();
                format!("{mv}|| {b}")
            }
            3 => self.closure().0,
            _ => self.one(FN_NAMES).to_string(),
        }
    }

    fn special_call(&mut self) -> E {
        if self.deep() {
            return self.leaf();
        }
        enum A {
            Fut,
            Clo,
            Dur,
            Any,
            Nil,
        }
        const CALLS: &[(&str, A)] = &[
            ("futures::executor::block_on", A::Fut),
            ("block_on", A::Fut),
            ("executor::block_on", A::Fut),
            ("bo", A::Fut),
            ("pollster::block_on", A::Fut),
            ("tokio::runtime::Handle::current().block_on", A::Fut),
            ("Handle::current().block_on", A::Fut),
            ("rt.block_on", A::Fut),
            ("self.rt.block_on", A::Fut),
            ("Runtime::new().unwrap().block_on", A::Fut),
            ("tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on", A::Fut),
            ("smol::block_on", A::Fut),
            ("async_std::task::block_on", A::Fut),
            ("tokio::spawn", A::Fut),
            ("spawn", A::Fut),
            ("fire", A::Fut),
            ("tokio::task::spawn", A::Fut),
            ("tokio::task::spawn_local", A::Fut),
            ("handle.spawn", A::Fut),
            ("set.spawn", A::Fut),
            ("tokio::time::timeout(Duration::from_secs(1), ", A::Fut),
            ("Box::pin", A::Fut),
            ("tokio::task::spawn_blocking", A::Clo),
            ("spawn_blocking", A::Clo),
            ("sb", A::Clo),
            ("tokio::task::block_in_place", A::Clo),
            ("block_in_place", A::Clo),
            ("std::thread::spawn", A::Clo),
            ("thread::spawn", A::Clo),
            ("std::thread::scope", A::Clo),
            ("rayon::spawn", A::Clo),
            ("actix_web::web::block", A::Clo),
            ("std::thread::sleep", A::Dur),
            ("thread::sleep", A::Dur),
            ("sleep", A::Dur),
            ("nap", A::Dur),
            ("tokio::time::sleep", A::Dur),
            ("std::fs::read_to_string", A::Any),
            ("fs::read", A::Any),
            ("tokio::fs::read", A::Any),
            ("std::io::stdin", A::Nil),
            ("reqwest::blocking::get", A::Any),
            ("std::process::Command::new", A::Any),
            ("std::net::TcpStream::connect", A::Any),
            ("std::sync::mpsc::channel", A::Nil),
            ("tokio::sync::mpsc::channel", A::Any),
            ("drop", A::Any),
            ("Some", A::Any),
            ("Ok", A::Any),
            ("Arc::new", A::Any),
            ("Mutex::new", A::Any),
            ("CancellationToken::new", A::Nil),
            ("futures::future::join_all", A::Any),
            ("tokio::task::yield_now", A::Nil),
            ("helper", A::Any),
            ("self::helper", A::Any),
            ("super::run", A::Any),
            ("crate::run", A::Any),
            ("Self::new", A::Nil),
            ("self.process", A::Any),
            ("go", A::Nil),
        ];
        let (path, arg) = &CALLS[self.pick(CALLS.len())];
        self.depth += 1;
        let a = match arg {
            A::Fut => self.fut_arg(),
            A::Clo => self.closure_arg(),
            A::Dur => self
                .one(&["Duration::from_millis(10)", "Duration::from_secs(1)", "d", "std::time::Duration::ZERO"])
                .to_string(),
            A::Any => self.expr().0,
            A::Nil => String::new(),
        };
        self.depth -= 1;
        let s = if path.ends_with(", ") { format!("{path}{a})") } else { format!("{path}({a})") };
        (s, K::Atom)
    }

    fn call_generic(&mut self) -> E {
        let f = self.one(FN_NAMES);
        let n = self.small(3);
        let mut args = Vec::new();
        for _ in 0..n {
            args.push(self.expr().0);
        }
        let path = match self.pick(4) {
            0 => f.to_string(),
            1 => format!("self.{f}"),
            2 => format!("Self::{f}"),
            _ => format!("{}::{f}", self.one(TYPE_NAMES)),
        };
        (format!("{path}({})", args.join(", ")), K::Atom)
    }

    fn chain(&mut self) -> E {
        const METHODS: &[&str] = &[
            "lock()", "unwrap()", "clone()", "read()", "write()", "recv()", "join()", "drop_guard()",
            "child_token()", "cancelled()", "cancel()", "try_lock()", "blocking_lock()",
            "blocking_recv()", "len()", "is_cancelled()", "abort()", "await", "await", "await",
            "boxed()", "next()", "wait()", "acquire()", "notified()", "into_inner()", "ok()",
            "unwrap_or_default()", "iter()", "collect::<Vec<_>>()", "as_ref()", "expect(\"x\")",
            "send(1)", "read_line(&mut s)", "join().unwrap()", "drop_guard_ref()", "instrument(span)",
            "in_current_span()", "shutdown_timeout(d)",
        ];
        let base = self.leaf();
        let mut s = paren_unless(base, &[K::Atom]);
        let n = 1 + self.small(4);
        for _ in 0..n {
            s.push('.');
            match self.pick(6) {
                0 if !self.deep() => {
                    let m = self.one(&["map", "and_then", "then", "for_each", "spawn_blocking", "run_until", "block_on", "spawn"]);
                    self.depth += 1;
                    let arg = if m == "block_on" || m == "spawn" || m == "run_until" {
                        self.fut_arg()
                    } else {
                        self.closure_arg()
                    };
                    self.depth -= 1;
                    s.push_str(&format!("{m}({arg})"));
                }
                _ => s.push_str(self.one(METHODS)),
            }
        }
        (s, K::Atom)
    }

    fn block_expr(&mut self) -> E {
        match self.pick(3) {
            0 => (self.block(), K::BlockLike),
            1 => (format!("unsafe {}", self.block()), K::BlockLike),
            _ => {
                let b = self.block();
                (format!("const {b}"), K::BlockLike)
            }
        }
    }

    fn control(&mut self) -> E {
        if self.deep() {
            return (self.block(), K::BlockLike);
        }
        let s = match self.pick(8) {
            0 => {
                let c = self.cond();
                let a = self.block();
                if self.chance(128) {
                    let b = if self.chance(80) { self.control().0 } else { self.block() };
                    let b = if b.starts_with("if ") || b.starts_with('{') { b } else { format!("{{ {b} }}") };
                    format!("if {c} {a} else {b}")
                } else {
                    format!("if {c} {a}")
                }
            }
            1 => {
                let p = self.refutable_pattern();
                let c = self.cond();
                let a = self.block();
                format!("if let {p} = {c} {a}")
            }
            2 => {
                let c = self.cond();
                let mut s = format!("match {c} {{\n");
                self.indent += 1;
                let n = 1 + self.small(3);
                for i in 0..n {
                    let p = if i + 1 == n { "_".to_string() } else { self.refutable_pattern() };
                    let guard = if self.chance(40) { format!(" if {}", self.cond()) } else { String::new() };
                    let e = self.expr();
                    s.push_str(&format!("{}{p}{guard} => {},\n", self.pad(), e.0));
                }
                self.indent -= 1;
                s.push_str(&format!("{}}}", self.pad()));
                s
            }
            3 => {
                let label = if self.chance(60) { "'outer: " } else { "" };
                if !label.is_empty() {
                    self.labels.push("'outer".into());
                }
                self.loops += 1;
                let b = self.block();
                self.loops -= 1;
                if !label.is_empty() {
                    self.labels.pop();
                }
                format!("{label}loop {b}")
            }
            4 => {
                let c = self.cond();
                self.loops += 1;
                let b = self.block();
                self.loops -= 1;
                format!("while {c} {b}")
            }
            5 => {
                let p = self.pattern();
                let c = self.cond();
                self.loops += 1;
                let b = self.block();
                self.loops -= 1;
                format!("for {p} in {c} {b}")
            }
            6 => {
                let p = self.refutable_pattern();
                let c = self.cond();
                self.loops += 1;
                let b = self.block();
                self.loops -= 1;
                format!("while let {p} = {c} {b}")
            }
            _ => self.block(),
        };
        (s, K::BlockLike)
    }

    // ---- macros -----------------------------------------------------------------------------

    fn fmt_string(&mut self) -> String {
        let mut s = String::from("\"");
        let n = self.small(4);
        for _ in 0..n {
            s.push_str(self.one(&["{}", "{x}", "{:?}", "{x:?}", "{{", "}}", "text ", "é", "\\n", "{0}", "{:>8}", "// async-lint: allow(x)"]));
        }
        s.push('"');
        s
    }

    fn macro_call(&mut self) -> String {
        if self.deep() {
            return "todo!()".to_string();
        }
        self.depth += 1;
        let s = match self.pick(18) {
            0 => "todo!()".to_string(),
            1 | 2 => self.select(),
            3 => {
                let m = self.one(&["tokio::join!", "futures::join!", "join!", "tokio::try_join!", "futures::try_join!"]);
                let n = 1 + self.small(3);
                let mut args = Vec::new();
                for _ in 0..n {
                    args.push(self.fut_arg());
                }
                format!("{m}({})", args.join(", "))
            }
            4 => {
                let c = self.expr();
                if self.chance(128) {
                    let f = self.fmt_string();
                    let a = self.expr();
                    format!("assert!({}, {f}, {})", c.0, a.0)
                } else {
                    format!("assert!({})", c.0)
                }
            }
            5 => {
                let a = self.expr();
                let b = self.expr();
                let m = self.one(&["assert_eq!", "assert_ne!", "debug_assert_eq!"]);
                format!("{m}({}, {})", a.0, b.0)
            }
            6 => {
                let m = self.one(&["format!", "println!", "eprintln!", "print!", "panic!", "tracing::info!", "log::warn!"]);
                let f = self.fmt_string();
                let n = self.small(2);
                let mut args = vec![f];
                for _ in 0..n {
                    args.push(self.expr().0);
                }
                format!("{m}({})", args.join(", "))
            }
            7 => {
                let a = self.expr();
                format!("write!(f, \"{{}}\", {})", a.0)
            }
            8 => {
                let a = self.expr();
                format!("dbg!({})", a.0)
            }
            9 => {
                let a = self.expr();
                if self.chance(128) {
                    format!("vec![{}; 3]", a.0)
                } else {
                    let b = self.expr();
                    format!("vec![{}, {}]", a.0, b.0)
                }
            }
            10 => {
                let a = self.expr();
                let p = self.refutable_pattern();
                format!("matches!({}, {p})", a.0)
            }
            11 => format!("{}!(fut)", self.one(&["tokio::pin", "pin_mut", "futures::pin_mut"])),
            12 => {
                let t = self.token_soup(4);
                let m = self.one(&["m!", "my_macro!", "quote!", "tokio::select!", "join!", "assert!", "format!", "block_on!"]);
                match self.pick(3) {
                    0 => format!("{m}({t})"),
                    1 => format!("{m}[{t}]"),
                    _ => format!("{m}{{ {t} }}"),
                }
            }
            13 => {
                let a = self.expr();
                format!("m!({})", a.0)
            }
            14 => "unreachable!(\"{}\", 1)".to_string(),
            15 => {
                let b = self.block();
                format!("tokio::task_local_scope!({b})")
            }
            16 => {
                let a = self.expr();
                format!("info!(x = 1, \"msg\" = ?{})", paren_unless((a.0, a.1), &[K::Atom]))
            }
            _ => {
                let f = self.fut_arg();
                format!("futures::select_biased! {{ _ = {f} => (), complete => () }}")
            }
        };
        self.depth -= 1;
        s
    }

    fn select(&mut self) -> String {
        let m = self.one(&["tokio::select!", "select!", "futures::select!", "tokio::select"]);
        let m = if m.ends_with('!') { m.to_string() } else { format!("{m}!") };
        let pad = self.pad();
        let mut s = format!("{m} {{\n");
        self.indent += 1;
        if self.chance(60) {
            s.push_str(&format!("{}biased;\n", self.pad()));
        }
        let n = 1 + self.small(3);
        for _ in 0..n {
            let p = match self.pick(4) {
                0 => "_".to_string(),
                1 => self.one(IDENTS).to_string(),
                2 => self.refutable_pattern(),
                _ => format!("res"),
            };
            let fut = match self.pick(4) {
                0 => "token.cancelled()".to_string(),
                1 => "tokio::time::sleep(d)".to_string(),
                2 => "rx.recv()".to_string(),
                _ => {
                    let e = self.expr();
                    paren_unless(e, &[K::Atom, K::Unary, K::Binary])
                }
            };
            let cond = if self.chance(30) { ", if !done" } else { "" };
            let body = if self.chance(128) {
                self.block()
            } else {
                let e = self.expr();
                paren_unless(e, &[K::Atom, K::Unary, K::Binary, K::BlockLike])
            };
            s.push_str(&format!("{}{p} = {fut}{cond} => {body},\n", self.pad()));
        }
        if self.chance(60) {
            s.push_str(&format!("{}else => break,\n", self.pad()));
        }
        self.indent -= 1;
        s.push_str(&format!("{pad}}}"));
        s
    }

    /// Balanced token soup for macro bodies the linter may try to read.
    fn token_soup(&mut self, depth: usize) -> String {
        const TOKS: &[&str] = &[
            "async", "move", ".await", "block_on", "(", "fut", ")", "=>", ";", ",", "spawn", "lock",
            "unwrap", ".", "::", "tokio", "let", "_", "=", "|", "||", "$x", "#", "!", "?", "'a", "1",
            "\"s\"", "else", "if", "biased", "std", "thread", "sleep", "token", "drop_guard", "&",
        ];
        let mut s = String::new();
        let n = self.small(8);
        for _ in 0..n {
            if depth > 0 && self.chance(40) {
                let inner = self.token_soup(depth - 1);
                let (o, c) = [("(", ")"), ("[", "]"), ("{", "}")][self.pick(3)];
                s.push_str(&format!("{o}{inner}{c} "));
            } else {
                let t = self.one(TOKS);
                // `(` and `)` in TOKS would unbalance; replace them with a group.
                match t {
                    "(" | ")" => s.push_str("() "),
                    _ => {
                        s.push_str(t);
                        s.push(' ');
                    }
                }
            }
        }
        s
    }
}

fn paren_unless(e: E, ok: &[K]) -> String {
    if ok.contains(&e.1) { e.0 } else { format!("({})", e.0) }
}

/// An expression as a statement: one that starts like a block-like expression but goes on
/// (`match x {}.await`) would end at the `}`; parenthesise it.
fn stmt_safe(e: E) -> String {
    if e.1 == K::BlockLike {
        return e.0;
    }
    let t = e.0.as_str();
    let starts_blocky = ["async", "{", "if ", "match ", "loop", "while ", "for ", "unsafe", "'", "const", "move", "|"]
        .iter()
        .any(|p| t.starts_with(p));
    if starts_blocky { format!("({t})") } else { e.0 }
}

/// As [`stmt_safe`], but for an expression statement without `;` that is not the block's tail:
/// only block-like expressions may go without one.
fn stmt_safe_noterm(e: E) -> String {
    if e.1 == K::BlockLike { e.0 } else { format!("{};", stmt_safe(e)) }
}

fn reindent(text: &str, pad: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(pad);
        }
        out.push_str(line);
    }
    out
}
