// Fixture for `blocking_call_in_async`.
//
// A line that ends in the expectation marker for `blocking_call_in_async` must report exactly that
// rule; every other line must report nothing, for any rule. Cases live in inline modules so that
// each has its own imports: a `mod` does not see its parent's `use` lines unless it says
// `use super::*;`. A sync fn defined in this file counts as a crate fn: an async fn that calls one
// whose body blocks (outside an offloading closure) is reported at the call, one level deep.
// A tokio `blocking_*` bridge inside a current-thread runtime also reports
// `block_in_place_on_current_thread` on the same line.


// ===========================================================================================
// POSITIVES: a call that blocks the executor thread, in async context
// ===========================================================================================

// `std::thread::sleep` by full path in an axum handler ("simulated latency" left in).
mod axum_sleep {
    use axum::extract::{Path, State};
    use axum::Json;
    use std::time::Duration;

    pub async fn get_order(State(db): State<Db>, Path(id): Path<u64>) -> Json<Order> {
        std::thread::sleep(Duration::from_millis(50)); //~ blocking_call_in_async
        Json(db.order(id).await)
    }
}

// `use std::thread;` then `thread::sleep` as the backoff of a queue worker.
mod worker_backoff {
    use std::thread;
    use std::time::Duration;

    pub struct Worker {
        queue: QueueClient,
        backoff: Duration,
    }

    impl Worker {
        pub async fn run(&mut self) {
            loop {
                match self.queue.poll().await {
                    Ok(Some(job)) => job.execute().await,
                    Ok(None) => thread::sleep(self.backoff), //~ blocking_call_in_async
                    Err(e) => {
                        tracing::warn!("poll failed: {e}");
                        thread::sleep(self.backoff * 4); //~ blocking_call_in_async
                    }
                }
            }
        }
    }
}

// The fn imported by name; a tokio import next to it changes nothing.
mod imported_sleep {
    use std::thread::sleep;
    use std::time::Duration;
    use tokio::time::Instant;

    pub async fn rate_limited_fetch(client: &ApiClient, ids: &[u64]) -> Vec<Item> {
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let started = Instant::now();
            items.push(client.item(*id).await);
            if started.elapsed() < Duration::from_millis(100) {
                sleep(Duration::from_millis(100) - started.elapsed()); //~ blocking_call_in_async
            }
        }
        items
    }
}

// `std::thread::park` while waiting for another thread to unpark us.
mod thread_park {
    pub async fn wait_for_wakeup(registry: &WakeRegistry) {
        registry.register(std::thread::current()).await;
        std::thread::park(); //~ blocking_call_in_async
    }
}

