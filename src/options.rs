//! What a project adds to the rules' built-in tables: its own blocking calls, executors,
//! spawners, insulating wrappers, lock and token types. Entries extend the tables, never
//! replace them. Rules read these through [`crate::context::Context::options`].

use serde::Deserialize;

/// The built-in cancellation token type (tokio-util).
pub const TOKEN_TYPE: &str = "CancellationToken";

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// Calls that block the thread (`blocking_call_in_async`).
    pub blocking_calls: Vec<BlockingCall>,
    /// Fns that drive a future to completion on the calling thread (`block_on_in_async`).
    pub executor_entry_points: Vec<String>,
    /// Fns that spawn a task and detach it when the handle is dropped (`fire_and_forget_spawn`,
    /// `dropped_cancellation_token`).
    pub spawners: Vec<String>,
    /// Fns whose closure argument runs off the executor, like `spawn_blocking` (every rule).
    pub insulating_wrappers: Vec<String>,
    /// Lock types whose `.lock()`, `.read()` or `.write()` returns the guard directly, like
    /// `parking_lot::Mutex` (`lock_across_await`).
    pub lock_types: Vec<String>,
    /// Cancellation token types besides `CancellationToken` (`dropped_cancellation_token`,
    /// `unforwarded_cancellation_token`).
    pub token_types: Vec<String>,
}

/// A user's blocking call: a fn path (`my_db::query_sync`, or `my_db::sync::*` for every fn
/// below a module) or a method name called on any receiver.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BlockingCall {
    pub path: Option<String>,
    pub method: Option<String>,
    /// What to call instead, shown in the help.
    pub use_instead: Option<String>,
}

impl Options {
    /// Whether `resolved` (a call path as the context resolved it) names one of `paths`.
    /// `crate::` entries also match the crate's own calls written without the prefix.
    pub fn path_listed<'a>(paths: &'a [String], resolved: &str) -> Option<&'a str> {
        paths.iter().find(|p| path_matches(p, resolved)).map(String::as_str)
    }

    /// Every name the options mention (last path segments, method and type names): a file
    /// that contains none of them cannot be affected by them.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        let calls = self
            .blocking_calls
            .iter()
            .flat_map(|b| b.path.iter().chain(b.method.iter()))
            .filter_map(|p| p.rsplit("::").find(|s| *s != "*" && !s.is_empty()));
        let lists = [
            &self.executor_entry_points,
            &self.spawners,
            &self.insulating_wrappers,
            &self.lock_types,
            &self.token_types,
        ];
        calls.chain(lists.into_iter().flat_map(|l| Self::last_segments(l)))
    }

    /// Whether `name` (a type's last path segment) is a cancellation token type: tokio-util's
    /// `CancellationToken` or one of `token-types`.
    pub fn is_token_type(&self, name: &str) -> bool {
        name == TOKEN_TYPE || Self::last_segments(&self.token_types).any(|t| t == name)
    }

    /// Whether `resolved` (a resolved path) ends in a token type, e.g. `tokio_util::sync::CancellationToken`.
    pub fn is_token_path(&self, resolved: &str) -> bool {
        resolved
            .rsplit("::")
            .next()
            .is_some_and(|l| resolved.contains("::") && self.is_token_type(l))
    }

    /// Whether `text` mentions any token type.
    pub fn mentions_token_type(&self, text: &str) -> bool {
        crate::source::contains(text, TOKEN_TYPE)
            || Self::last_segments(&self.token_types).any(|t| crate::source::contains(text, t))
    }

    /// The last segments of `paths`, to test cheaply whether a call may name one of them.
    pub fn last_segments(paths: &[String]) -> impl Iterator<Item = &str> {
        paths
            .iter()
            .filter_map(|p| p.rsplit("::").find(|s| *s != "*" && !s.is_empty()))
    }
}

/// `my_db::sync::*` matches every path below `my_db::sync`; `crate::db::query` also matches a
/// resolution that dropped the `crate::` prefix.
pub fn path_matches(pattern: &str, resolved: &str) -> bool {
    let resolved = resolved.strip_prefix("crate::").unwrap_or(resolved);
    let pattern = pattern.strip_prefix("crate::").unwrap_or(pattern);
    match pattern.strip_suffix("::*") {
        Some(prefix) => {
            resolved.len() > prefix.len() + 2
                && resolved.starts_with(prefix)
                && resolved[prefix.len()..].starts_with("::")
        }
        None => resolved == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_crate_prefixes() {
        assert!(path_matches("my_db::sync::*", "my_db::sync::query"));
        assert!(!path_matches("my_db::sync::*", "my_db::syncer::query"));
        assert!(!path_matches("my_db::sync::*", "my_db::sync"));
        assert!(path_matches("crate::db::query_sync", "db::query_sync"));
        assert!(path_matches("crate::db::query_sync", "crate::db::query_sync"));
        assert!(!path_matches("my_db::query", "my_db::query_sync"));
        // A same-named fn declared in the file being linted may be any module's.
        assert!(!path_matches("crate::util::run_blocking", "self::run_blocking"));
    }
}
