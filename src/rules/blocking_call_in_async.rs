//! `blocking_call_in_async`: a call that blocks the thread, made on an executor thread.

use crate::context::Context;
use crate::diagnostic::Applicability;
use crate::knowledge::{BlockKind, Need};
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::call_range;
use syn::Expr;

pub struct BlockingCallInAsync;

static META: RuleMeta = RuleMeta {
    name: "blocking_call_in_async",
    default_severity: Severity::Warning,
    summary: "blocking call (std I/O, sleep, sync client, tokio blocking bridge) inside async code",
    docs: include_str!("../../rules/blocking_call_in_async.md"),
    needles: &[],
};

/// How a table entry is recognised.
enum Match {
    /// A call of this path (`std::thread::sleep`); a trailing `::*` matches every fn below it.
    Fn(&'static str),
    /// A method call on a value made by the call `origin` (`Command::new(..)...output()`).
    Method {
        method: &'static [&'static str],
        origin: &'static [&'static str],
    },
    /// A method with this name on any receiver (the name alone is specific enough).
    AnyReceiver(&'static str),
}

struct Blocking {
    what: Match,
    /// Also reported in test code. File, network and process setup in tests is routine, and so
    /// is joining a helper thread or reading its channel; sleeping, a barrier or a tokio bridge
    /// there stalls or panics the test's runtime all the same.
    in_tests: bool,
    /// The async replacement, if there is one.
    use_instead: &'static str,
    severity: Severity,
}

const W: Severity = Severity::Warning;
const E: Severity = Severity::Error;
const FS_HELP: &str =
    "use `tokio::fs` (`tokio::fs::read(path).await`) or move the work into `tokio::task::spawn_blocking`";
const BLOCKING_POOL: &str = "move the work into `tokio::task::spawn_blocking`";
const BRIDGE: &str = "use the async method (`.lock().await`, `.recv().await`, `.send(v).await`, `.acquire().await`); the `blocking_*` bridges panic inside a runtime";

macro_rules! fs_fns {
    ($($name:literal),*) => { [$(Blocking { in_tests: false, what: Match::Fn(concat!("std::fs::", $name)), use_instead: FS_HELP, severity: W }),*] };
}

/// Every blocking call the rule knows, in one table.
static TABLE: &[&[Blocking]] = &[
    &[
        Blocking {
            in_tests: true,
            what: Match::Fn("std::thread::sleep"),
            use_instead: "use `tokio::time::sleep(duration).await`",
            severity: W,
        },
        Blocking {
            in_tests: true,
            what: Match::Fn("std::thread::park"),
            use_instead: BLOCKING_POOL,
            severity: W,
        },
        Blocking {
            in_tests: true,
            what: Match::Fn("std::thread::park_timeout"),
            use_instead: BLOCKING_POOL,
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Method {
                method: &["join"],
                origin: &["std::thread::spawn", "std::thread::Builder::new"],
            },
            use_instead: "use `tokio::task::spawn_blocking(..).await` instead of a thread, or join it inside `spawn_blocking`",
            severity: W,
        },
    ],
    &fs_fns!(
        "read",
        "read_to_string",
        "read_dir",
        "write",
        "copy",
        "create_dir",
        "create_dir_all",
        "metadata",
        "symlink_metadata",
        "remove_file",
        "remove_dir",
        "remove_dir_all",
        "rename",
        "canonicalize",
        "hard_link",
        "read_link",
        "set_permissions",
        "File::open",
        "File::create",
        "File::create_new"
    ),
    &[
        Blocking {
            in_tests: false,
            what: Match::Method {
                method: &["open"],
                origin: &["std::fs::OpenOptions::new"],
            },
            use_instead: "use `tokio::fs::OpenOptions`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Method {
                method: &["read_line", "lines", "read_to_string", "read_to_end"],
                origin: &["std::io::stdin"],
            },
            use_instead: "read from `tokio::io::stdin()` with `tokio::io::AsyncBufReadExt`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Fn("std::net::TcpStream::connect"),
            use_instead: "use `tokio::net::TcpStream::connect(addr).await`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Fn("std::net::TcpStream::connect_timeout"),
            use_instead: "use `tokio::net::TcpStream::connect` with `tokio::time::timeout`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Fn("std::net::TcpListener::bind"),
            use_instead: "use `tokio::net::TcpListener::bind(addr).await`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Fn("std::net::UdpSocket::bind"),
            use_instead: "use `tokio::net::UdpSocket::bind(addr).await`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Method {
                method: &["accept", "incoming"],
                origin: &["std::net::TcpListener::bind"],
            },
            use_instead: "use `tokio::net::TcpListener`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::AnyReceiver("to_socket_addrs"),
            use_instead: "use `tokio::net::lookup_host(addr).await`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Method {
                method: &["output", "status", "wait", "wait_with_output"],
                origin: &["std::process::Command::new"],
            },
            use_instead: "use `tokio::process::Command` and `.await` its `output()`/`status()`",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Method {
                method: &["recv", "recv_timeout", "iter"],
                origin: &["std::sync::mpsc::channel", "std::sync::mpsc::sync_channel"],
            },
            use_instead: "use `tokio::sync::mpsc` and `.recv().await`",
            severity: W,
        },
        Blocking {
            in_tests: true,
            what: Match::Method {
                method: &["wait", "wait_while", "wait_timeout", "wait_timeout_while"],
                origin: &["std::sync::Condvar::new", "std::sync::Barrier::new"],
            },
            use_instead: "use `tokio::sync::Notify` or `tokio::sync::Barrier`",
            severity: W,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_lock"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_lock_owned"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_read"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_write"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_recv"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_recv_many"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_send"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_acquire"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: true,
            what: Match::AnyReceiver("blocking_acquire_many"),
            use_instead: BRIDGE,
            severity: E,
        },
        Blocking {
            in_tests: false,
            what: Match::Fn("reqwest::blocking::*"),
            use_instead: "use the async `reqwest::Client` and `.await` it",
            severity: W,
        },
        Blocking {
            in_tests: false,
            what: Match::Fn("ureq::*"),
            use_instead: "use an async HTTP client (`reqwest::Client`) or `spawn_blocking`",
            severity: W,
        },
    ],
];

/// The tokio `blocking_*` bridge methods, for rules that care about them on their own.
pub const TOKIO_BRIDGES: &[&str] = &[
    "blocking_lock",
    "blocking_lock_owned",
    "blocking_read",
    "blocking_write",
    "blocking_recv",
    "blocking_recv_many",
    "blocking_send",
    "blocking_acquire",
    "blocking_acquire_many",
];

fn entries() -> impl Iterator<Item = &'static Blocking> {
    TABLE.iter().flat_map(|group| group.iter())
}

/// The crates of the table's `::*` entries (`reqwest` for `reqwest::blocking::*`).
fn whole_crates() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        entries()
            .filter_map(|b| match b.what {
                Match::Fn(p) if p.ends_with("::*") => p.split("::").next(),
                _ => None,
            })
            .collect()
    })
}

/// Whether a call path may reach into one of the whole crates (`reqwest::blocking::get(..)`,
/// `blocking::get(..)` after `use reqwest::blocking;`, `get(..)` after a glob of it).
fn from_whole_crate(path: &syn::Path, cx: &Context) -> bool {
    let crates = whole_crates();
    if !crates.iter().any(|c| cx.file_mentions(c)) {
        return false;
    }
    let Some(first) = path.segments.first() else {
        return false;
    };
    cx.with_ident_text(&first.ident, |first| {
        crates.contains(&first) || cx.imported_from(first, crates)
    }) || cx.has_glob_from(crates)
}

/// Every method name the table knows, to skip unrelated method calls quickly.
fn method_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<&str> = entries()
            .flat_map(|b| match b.what {
                Match::AnyReceiver(n) => vec![n],
                Match::Method { method, .. } => method.to_vec(),
                Match::Fn(_) => Vec::new(),
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// The own names of the table's fns (`sleep`, `read`, `connect`, ...).
fn fn_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<&str> = entries()
            .filter_map(|b| match b.what {
                Match::Fn(p) if !p.ends_with("::*") => p.rsplit("::").next(),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// What a blocking call found in the code is.
struct Hit<'a> {
    /// The call as shown in the message.
    shown: String,
    in_tests: bool,
    use_instead: std::borrow::Cow<'a, str>,
    severity: Severity,
}

impl Hit<'static> {
    fn builtin(entry: &'static Blocking, shown: String) -> Self {
        Hit {
            shown,
            in_tests: entry.in_tests,
            use_instead: entry.use_instead.into(),
            severity: entry.severity,
        }
    }
}

/// The table entry a call matches, with the name to show.
fn lookup<'a>(expr: &Expr, cx: &'a Context) -> Option<Hit<'a>> {
    lookup_builtin(expr, cx).or_else(|| lookup_configured(expr, cx))
}

fn lookup_builtin(expr: &Expr, cx: &Context) -> Option<Hit<'static>> {
    match expr {
        Expr::Call(c) => {
            let Expr::Path(func) = &*c.func else { return None };
            // Cheap filters before resolving: the fn's own name (or a renaming import of it), or a
            // whole crate of blocking fns named in the file.
            if !cx.may_name(&func.path, fn_names()) && !from_whole_crate(&func.path, cx) {
                return None;
            }
            let candidates = cx.resolve_path(&func.path);
            entries().find_map(|b| {
                let Match::Fn(p) = b.what else { return None };
                let hit = candidates.iter().find(|c| match p.strip_suffix("::*") {
                    Some(prefix) => c.starts_with(prefix) && c.len() > prefix.len(),
                    None => *c == p,
                })?;
                Some(Hit::builtin(b, format!("`{hit}`")))
            })
        }
        Expr::MethodCall(m) => {
            // Most method calls are not in the table; ask without allocating a name.
            if !cx.with_ident_text(&m.method, |name| method_names().binary_search(&name).is_ok()) {
                return None;
            }
            let called = m.method.to_string();
            entries().find_map(|b| match b.what {
                Match::AnyReceiver(name) if called == name => Some(Hit::builtin(b, format!("`.{name}()`"))),
                Match::Method { method, origin } if method.contains(&called.as_str()) => {
                    let o = cx.origin(&m.receiver)?;
                    origin
                        .contains(&o.as_str())
                        .then(|| Hit::builtin(b, format!("`{o}(..)...{called}()`")))
                }
                _ => None,
            })
        }
        _ => None,
    }
}

/// The project's own blocking calls (`blocking-calls` in the configuration).
fn lookup_configured<'a>(expr: &Expr, cx: &'a Context) -> Option<Hit<'a>> {
    let configured = &cx.options().blocking_calls;
    let hit = |b: &'a crate::options::BlockingCall, shown: String| Hit {
        shown,
        in_tests: true,
        use_instead: b
            .use_instead
            .as_deref()
            .map_or(BLOCKING_POOL.into(), |u| format!("use `{u}` instead").into()),
        severity: W,
    };
    match expr {
        Expr::Call(c) => {
            let Expr::Path(func) = &*c.func else { return None };
            let last = func.path.segments.last()?;
            let named = configured
                .iter()
                .filter_map(|b| b.path.as_deref())
                .any(|p| p.ends_with("::*") || p.rsplit("::").next().is_some_and(|l| last.ident == l));
            if !named {
                return None;
            }
            let candidates = cx.resolve_path(&func.path);
            configured.iter().find_map(|b| {
                let p = b.path.as_deref()?;
                let found = candidates.iter().find(|c| crate::options::path_matches(p, c))?;
                Some(hit(b, format!("`{found}`")))
            })
        }
        Expr::MethodCall(m) => configured
            .iter()
            .find(|b| b.method.as_deref().is_some_and(|n| m.method == n))
            .map(|b| hit(b, format!("`.{}()`", m.method))),
        _ => None,
    }
}

impl Rule for BlockingCallInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_call(&self, expr: &Expr, cx: &mut Context) {
        let in_async = cx.in_async().is_some();
        // A `#[should_panic]` test that blocks checks exactly the panic it causes.
        if (!in_async && !cx.in_sync_fn_body()) || (in_async && cx.expects_panic()) {
            return;
        }
        if let Some(hit) = lookup(expr, cx) {
            if in_async && !hit.in_tests && cx.in_test() {
                return;
            }
            if in_async {
                let d = cx
                    .diagnostic(
                        cx.range(expr),
                        format!("{} blocks the executor thread inside async code", hit.shown),
                    )
                    .with_severity(hit.severity)
                    .with_primary_label("blocks the thread")
                    .with_async_frame(cx)
                    .with_help(hit.use_instead.into_owned());
                let d = match async_rewrite(expr, cx) {
                    Some(rewrite) => d.with_suggestion(cx.range(expr), rewrite, Applicability::MaybeIncorrect),
                    None => d,
                };
                cx.report(d);
            } else {
                let shown = hit.shown;
                cx.note_blocking(BlockKind::Call, shown, cx.range(expr));
            }
            return;
        }
        // Test helpers that set up files or sockets are routine in tests.
        if in_async && !cx.in_test() {
            defer_crate_call(expr, cx, BlockKind::Call);
        }
    }
}

/// The async form of a blocking call, where it is a mechanical rewrite: tokio's `blocking_*`
/// bridges become the awaited method, `std::thread::sleep` in a tokio file becomes tokio's.
fn async_rewrite(expr: &Expr, cx: &Context) -> Option<String> {
    match expr {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let method = name
                .strip_prefix("blocking_")
                .filter(|_| TOKIO_BRIDGES.contains(&name.as_str()))?;
            let args: Vec<&str> = m.args.iter().map(|a| cx.text(a)).collect();
            Some(format!("{}.{method}({}).await", cx.text(&*m.receiver), args.join(", ")))
        }
        Expr::Call(c) if c.args.len() == 1 && cx.facts().uses_tokio => {
            let Expr::Path(p) = &*c.func else { return None };
            cx.path_matches(&p.path, &["std::thread::sleep"])?;
            Some(format!("tokio::time::sleep({}).await", cx.text(&c.args[0])))
        }
        _ => None,
    }
}

/// In async code, a call of a sync fn of the crate that blocks is reported at the call once the
/// whole crate is known ("async all the way down").
pub(crate) fn defer_crate_call(expr: &Expr, cx: &mut Context, kind: BlockKind) {
    // A fn of the run (`load(..)`, `crate::cfg::load(..)`, `Config::load(..)`) or a method of a
    // receiver whose type the code declares (`self.store.save(..)`).
    let Some(callee) = cx.call_index(expr) else { return };
    let describe: crate::knowledge::Describe = match kind {
        BlockKind::Call => |name| describe_call(name, "blocks the executor thread"),
        BlockKind::Executor => |name| describe_call(name, "blocks on a future"),
    };
    cx.report_if(callee, Need::Blocks(kind), call_range(expr), Vec::new(), describe);
}

fn describe_call(name: &str, what: &str) -> (String, String, String) {
    (
        format!("`{name}` {what}"),
        "a sync fn of this crate that blocks, called from async code".into(),
        format!("make `{name}` async, or call it inside `tokio::task::spawn_blocking(move || {name}(..))`"),
    )
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn std_io_fires_tokio_io_does_not() {
        let src = r#"
use std::fs as stdfs;
use tokio::fs;
async fn a(p: &str) { stdfs::read(p); }
async fn b(p: &str) { fs::read(p).await; }
fn load(p: &str) -> String { std::fs::read_to_string(p).unwrap() }
async fn c(p: &str) { let s = load(p); }
async fn d(m: &tokio::sync::Mutex<u8>) { m.blocking_lock(); }
"#;
        assert_eq!(rule_lines(src, "blocking_call_in_async"), vec![4, 7, 8]);
    }
}
