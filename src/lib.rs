//! async-lint: finds async misuse in Rust source without compiling it.
//!
//! ```
//! let report = async_lint::lint_source("async fn f() { futures::executor::block_on(g()); }").unwrap();
//! assert_eq!(report[0].diagnostic.rule, "block_on_in_async");
//! ```

pub mod baseline;
pub mod cache;
pub mod cargo;
pub mod cli;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod knowledge;
pub mod model;
mod nesting;
pub mod options;
pub mod render;
pub mod rule;
pub mod rules;
mod source;
mod suppress;
pub mod tokens;
mod walker;

#[cfg(test)]
mod testing;

pub use diagnostic::{Diagnostic, Located};
pub use engine::{Engine, FileReport, Report};
pub use rule::{Rule, RuleMeta, Severity};

/// Lints one file's text with every rule. Runs on a worker thread with a large stack, so deep
/// input is refused cleanly rather than overflowing the caller's stack.
pub fn lint_source(text: &str) -> Result<Vec<Located>, String> {
    lint_source_with(text, rules::ALL)
}

/// Lints one file's text with the given rules.
pub fn lint_source_with(text: &str, rules: &[&dyn Rule]) -> Result<Vec<Located>, String> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(engine::STACK_SIZE)
            .spawn_scoped(s, || engine::lint_text(rules, text, false))
            .map_err(|e| format!("cannot start a worker thread: {e}"))?
            .join()
            .map_err(|_| "internal error while linting".to_string())?
    })
}

// syn allocates a node per token; mimalloc's thread-local pools halve the cost of that.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
