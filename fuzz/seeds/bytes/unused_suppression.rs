// async-lint: allow-file(async_closure_in_sync_spawn) //~ unused_suppression
//! Suppressions that no longer suppress anything, next to ones that still do.

use std::time::Duration;

use futures::executor::block_on;
use tokio_util::sync::CancellationToken;

async fn warm_cache(cache: &Cache) {
    // The blocking call this excused was replaced by an await.
    cache.reload().await; // async-lint: allow(block_on_in_async) -- startup only //~ unused_suppression
}

async fn still_blocks(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_async) -- runs once before serving
}

async fn above_the_line(cache: &Cache) {
    // async-lint: allow(block_on_in_async) -- legacy adapter
    block_on(cache.reload());
}

async fn above_with_comments_between(cache: &Cache) {
    // async-lint: allow(block_on_in_async) -- legacy adapter

    // The adapter is removed in the next release.
    block_on(cache.reload());
}

async fn above_nothing(cache: &Cache) {
    // async-lint: allow(blocking_call_in_async) -- reads config once //~ unused_suppression
    cache.reload().await;
}

async fn one_of_two_used(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_async, blocking_call_in_async) //~ unused_suppression
}

async fn wrong_rule_named(cache: &Cache) {
    std::thread::sleep(Duration::from_millis(5)); // async-lint: allow(block_on_in_async) //~ unused_suppression, blocking_call_in_async
}

#[cfg_attr(async_lint, allow(blocking_call_in_async))]
async fn load_fixtures(dir: &str) {
    let _ = std::fs::read_to_string(dir);
}

#[cfg_attr(async_lint, allow(blocking_call_in_async))] //~ unused_suppression
async fn nothing_blocks_here(dir: &str) {
    let _ = tokio::fs::read_to_string(dir).await;
}

struct Worker {
    token: CancellationToken,
}

impl Worker {
    #[cfg_attr(async_lint, allow(block_on_in_async))]
    async fn drain(&self, cache: &Cache) {
        block_on(cache.reload());
    }

    #[cfg_attr(async_lint, allow(sequential_awaits))] //~ unused_suppression
    async fn idle(&self) {
        self.token.cancelled().await;
    }
}

#[cfg_attr(async_lint, allow(blocking_call_in_async))]
mod legacy {
    pub async fn sync_io(path: &str) {
        let _ = std::fs::read(path);
    }
}

fn not_suppressions() -> &'static str {
    /// Docs may show `// async-lint: allow(block_on_in_async)` without it counting.
    fn documented() {}
    documented();
    let _raw = r#"
        // async-lint: allow(block_on_in_async)
    "#;
    "// async-lint: allow(lock_across_await)"
}

// async-lint is quiet about plain comments that mention it.
// Some text // async-lint: allow(block_on_in_async) is not at the start of a comment.
async fn sleeps_in_a_test_helper() {
    // async-lint: allow(blocking_call_in_async) -- throttles the mock server
    std::thread::sleep(Duration::from_millis(1));
}

struct Cache;
impl Cache {
    async fn reload(&self) {}
}

// More places a stale suppression hides in.

async fn in_a_spawned_task(cache: std::sync::Arc<Cache>) {
    tokio::spawn(async move {
        // async-lint: allow(block_on_in_async) -- was a sync adapter //~ unused_suppression
        cache.reload().await;
    });
}

async fn in_a_closure(caches: Vec<Cache>) {
    let reload = |c: &Cache| {
        let _ = c; // async-lint: allow(blocking_call_in_async) //~ unused_suppression
    };
    for c in &caches {
        reload(c);
    }
}

async fn in_a_select(cache: &Cache, token: CancellationToken) {
    tokio::select! {
        _ = token.cancelled() => {}
        _ = cache.reload() => {} // async-lint: allow(dropped_cancellation_token) //~ unused_suppression
    }
}

trait Refresh {
    async fn refresh(&self);
}

impl Refresh for Cache {
    async fn refresh(&self) {
        self.reload().await; // async-lint: allow(unawaited_future) -- fire and forget on purpose //~ unused_suppression
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reload_twice() {
        let cache = Cache;
        cache.reload().await; // async-lint: allow(sequential_awaits) //~ unused_suppression
        cache.reload().await;
    }
}

#[cfg_attr(async_lint, allow(lock_across_await))] //~ unused_suppression
impl Cache {
    async fn evict(&self) {
        self.reload().await;
    }
}

#[cfg_attr(async_lint, allow(blocking_call_in_async))] //~ unused_suppression
mod modern {
    pub async fn read(path: &str) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(path).await
    }
}

async fn on_a_let(cache: &Cache) {
    #[cfg_attr(async_lint, allow(block_on_in_async))] //~ unused_suppression
    let done = cache.reload().await;
    done
}

async fn finding_moved_down_a_line(cache: &Cache) {
    let pending = cache.reload(); // async-lint: allow(block_on_in_async) -- the call below //~ unused_suppression
    block_on(pending); //~ block_on_in_async
}

async fn both_names_unused(cache: &Cache) {
    cache.reload().await; // async-lint: allow(block_on_in_async, lock_across_await) //~ unused_suppression
}

async fn after_the_block(cache: &Cache) {
    cache.reload().await;
} // async-lint: allow(block_on_in_async) //~ unused_suppression

async fn guard_released_in_time(m: &std::sync::Mutex<u32>, cache: &Cache) {
    {
        let mut n = m.lock().unwrap(); // async-lint: allow(lock_across_await) //~ unused_suppression
        *n += 1;
    }
    cache.reload().await;
}

async fn a_guard_held_and_suppressed(m: &std::sync::Mutex<u32>, cache: &Cache) {
    let n = m.lock().unwrap(); // async-lint: allow(lock_across_await) -- single-threaded test runtime
    cache.reload().await;
    drop(n);
}

fn sync_code_never_needed_it(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_async) -- main thread, no runtime //~ unused_suppression
}
