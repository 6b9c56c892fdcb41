// Fixture for `lock_across_await`.
//
// A line that ends in the expectation marker for `lock_across_await` must report exactly that
// rule; every other line must report nothing, for any rule. The rule reports the `let` that binds
// a std (or parking_lot) lock guard which is still alive at a later `.await`. This file mentions
// parking_lot, so a `let g = m.lock();` without `.await` counts as a parking_lot guard here.


// ===========================================================================================
// POSITIVES: a std / parking_lot guard alive at an `.await`
// ===========================================================================================

// The shapes of clippy's `await_holding_lock` UI test, std flavour.
mod std_mutex {
    use std::sync::{Mutex, RwLock};

    async fn baz() -> u32 {
        42
    }

    async fn scaled(n: u32) -> u32 {
        n * 2
    }

    pub async fn bad(x: &Mutex<u32>) -> u32 {
        let guard = x.lock().unwrap(); //~ lock_across_await
        *guard + baz().await
    }

    pub async fn bad_rw(x: &RwLock<u32>) -> u32 {
        let guard = x.read().unwrap(); //~ lock_across_await
        *guard + baz().await
    }

    pub async fn bad_rw_write(x: &RwLock<u32>) -> u32 {
        let mut guard = x.write().unwrap(); //~ lock_across_await
        *guard += baz().await;
        *guard
    }

    pub async fn also_bad(x: &Mutex<u32>) -> u32 {
        let first = baz().await;

        let guard = x.lock().unwrap(); //~ lock_across_await

        let second = baz().await;

        let third = scaled(second).await;

        first + second + third + *guard
    }

    pub async fn not_good(x: &Mutex<u32>) -> u32 {
        let first = baz().await;

        let second = {
            let guard = x.lock().unwrap(); //~ lock_across_await
            *guard + baz().await
        };

        let third = scaled(second).await;

        first + second + third
    }

    pub fn block_bad(x: &Mutex<u32>) -> impl std::future::Future<Output = u32> + '_ {
        async move {
            let guard = x.lock().unwrap(); //~ lock_across_await
            *guard + baz().await
        }
    }
}

