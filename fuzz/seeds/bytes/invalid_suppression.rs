//! Suppressions that cannot be honoured: unknown rules, unreadable comments.

use futures::executor::block_on;

async fn typo_in_rule(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_asink) -- startup //~ invalid_suppression, block_on_in_async
}

async fn clippy_name_by_mistake(cache: &Cache) {
    // async-lint: allow(await_holding_lock) //~ invalid_suppression
    cache.reload().await;
}

async fn missing_parentheses(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow block_on_in_async //~ invalid_suppression, block_on_in_async
}

async fn empty_list(cache: &Cache) {
    cache.reload().await; // async-lint: allow() //~ invalid_suppression
}

async fn spaces_in_a_name(cache: &Cache) {
    cache.reload().await; // async-lint: allow(block on in async) //~ invalid_suppression
}

async fn unknown_verb(cache: &Cache) {
    cache.reload().await; // async-lint: ignore(block_on_in_async) //~ invalid_suppression
}

#[cfg_attr(async_lint, allow(blocking_calls_in_async))] //~ invalid_suppression
async fn attribute_typo(path: &str) {
    let _ = tokio::fs::read(path).await;
}

#[cfg_attr(async_lint, deny(blocking_call_in_async))] //~ invalid_suppression
async fn attribute_without_allow(path: &str) {
    let _ = tokio::fs::read(path).await;
}

// Valid suppressions, each used.
async fn valid(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_async) -- runs before the server starts
    // async-lint: allow(block_on_in_async)
    block_on(cache.reload());
}

#[cfg_attr(async_lint, allow(block_on_in_async))]
async fn valid_attribute(cache: &Cache) {
    block_on(cache.reload());
}

// Not suppressions at all.
// see async-lint: allow(anything) in the README
/// async-lint: allow(not_a_rule) in a doc comment is documentation.
#[cfg_attr(test, allow(dead_code))]
#[cfg_attr(feature = "x", allow(unused))]
async fn ordinary(cache: &Cache) {
    let _s = "// async-lint: allow(not_a_rule)";
    cache.reload().await;
}

struct Cache;
impl Cache {
    async fn reload(&self) {}
}

// More ways to write one wrongly.

async fn kebab_case_name(cache: &Cache) {
    cache.reload().await; // async-lint: allow(block-on-in-async) //~ invalid_suppression
}

async fn struct_name_instead_of_rule(cache: &Cache) {
    cache.reload().await; // async-lint: allow(BlockOnInAsync) //~ invalid_suppression
}

async fn tool_prefixed_name(cache: &Cache) {
    cache.reload().await; // async-lint: allow(async_lint::block_on_in_async) //~ invalid_suppression
}

async fn missing_closing_parenthesis(cache: &Cache) {
    cache.reload().await; // async-lint: allow(block_on_in_async -- startup //~ invalid_suppression
}

async fn trailing_comma(cache: &Cache) {
    cache.reload().await; // async-lint: allow(block_on_in_async,) //~ invalid_suppression
}

async fn underscore_file(cache: &Cache) {
    cache.reload().await; // async-lint: allow_file(block_on_in_async) //~ invalid_suppression
}

async fn capitalised(cache: &Cache) {
    cache.reload().await; // async-lint: Allow(block_on_in_async) //~ invalid_suppression
}

// async-lint: allow-file(blocking_call_in_asnyc) //~ invalid_suppression

async fn second_name_wrong(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_async, lock_acros_await) //~ invalid_suppression
}

async fn plural_rule(cache: &Cache) {
    // async-lint: allow(sequential_await) -- independent reads are rare here //~ invalid_suppression
    cache.reload().await;
}

impl Cache {
    #[cfg_attr(async_lint, allow(lock_across_awaits))] //~ invalid_suppression
    async fn evict(&self) {
        self.reload().await;
    }
}

#[cfg_attr(async_lint, allow(unused_supression))] //~ invalid_suppression
mod legacy {}

#[cfg_attr(async_lint)] //~ invalid_suppression
fn bare_cfg_attr() {}

async fn nothing_after_marker(cache: &Cache) {
    cache.reload().await; // async-lint: //~ invalid_suppression
}

// Valid and used, written in every accepted way.
async fn reason_without_dashes(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow(block_on_in_async) runs before the server starts
}

async fn spaces_inside(cache: &Cache) {
    block_on(cache.reload()); // async-lint: allow( block_on_in_async ) -- legacy adapter
}

#[cfg_attr(async_lint, allow(block_on_in_async), allow(blocking_call_in_async))]
async fn two_allows(cache: &Cache, path: &str) {
    block_on(cache.reload());
    let _ = std::fs::read(path);
}

async fn above_a_multiline_call(cache: &Cache) {
    // async-lint: allow(block_on_in_async) -- drained before shutdown
    block_on(
        cache.reload(),
    );
}

fn sync_helper_mentioning_the_tool() -> &'static str {
    // The async-lint: prefix below is inside a string, not a comment.
    "async-lint: allow(whatever)"
}

async fn url_before_the_comment(cache: &Cache) {
    let _u = "http://localhost:8080/"; cache.reload().await;
}

/// Example for readers: `// async-lint: allow(block_on_in_async) -- reason`.
async fn documented_example(cache: &Cache) {
    cache.reload().await;
}

#[cfg_attr(not(test), allow(dead_code))]
async fn other_cfg_attr(cache: &Cache) {
    cache.reload().await;
}

#[cfg_attr(async_lint, allow(lock_across_await))]
async fn attribute_used(m: &std::sync::Mutex<u8>, cache: &Cache) {
    let g = m.lock().unwrap();
    cache.reload().await;
    drop(g);
}
