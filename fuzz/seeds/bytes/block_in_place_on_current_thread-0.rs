//! Fixture for `block_in_place_on_current_thread`.
//!
//! A line that ends in the expectation marker (two slashes, a tilde, then rule names) is where a
//! diagnostic of each named rule must start; every other line must produce no diagnostic of any
//! rule. A tokio `blocking_*` bridge on a current-thread runtime is also a `blocking_call_in_async`
//! error, so those lines name both rules.
//!
//! To keep the other rules quiet: every spawned handle is kept and awaited, no block has two
//! consecutive `let`s initialised by an awaited call, no std lock is taken, std threads are only
//! joined in sync code that async code never calls, and blocking std calls only appear inside
//! closures handed to `block_in_place`/`spawn_blocking`/`std::thread::spawn`.


// =============================================================================================
// POSITIVE: `block_in_place` on a current-thread runtime
// =============================================================================================

// `#[tokio::test]` without a flavor runs on a current-thread runtime, where `block_in_place`
// panics: "can call blocking only when running on the multi-threaded runtime".
mod default_test_flavor {
    use std::path::Path;

    use tokio::task;

    use crate::thumbnails::{Size, Thumbnailer};

    // Fully qualified path.
    #[tokio::test]
    async fn thumbnail_is_resized() {
        let thumbnailer = Thumbnailer::new(Size::Small);
        let image = tokio::task::block_in_place(|| image::open(Path::new("tests/data/cat.jpg")).unwrap()); //~ block_in_place_on_current_thread
        let thumb = thumbnailer.resize(&image).await.unwrap();
        assert_eq!(thumb.dimensions(), (128, 96));
    }

    // `start_paused` does not change the flavor, and `use tokio::task;` reaches the same fn.
    #[tokio::test(start_paused = true)]
    async fn retry_backs_off_exponentially() {
        let policy = task::block_in_place(|| crate::retry::Policy::from_file("tests/data/retry.toml")); //~ block_in_place_on_current_thread
        let started = tokio::time::Instant::now();
        let attempts = crate::retry::run(&policy, crate::testing::always_fails).await;
        assert_eq!(attempts, 4);
        assert_eq!(started.elapsed(), std::time::Duration::from_millis(700));
    }
}

