//! Fixture for `async_closure_in_sync_spawn`.
//!
//! A line that ends in the expectation marker (two slashes, a tilde, the rule name) is where
//! exactly one diagnostic must start: the line where the spawn call starts. Every other line
//! must produce no diagnostic of any rule.
//!
//! To keep the other rules quiet: `block_on` and runtime builders only appear in sync code or in
//! closures that run on their own thread, std threads are only joined in sync fns that async
//! code never calls, every tokio `JoinHandle` is kept, and no block has two consecutive `let`s
//! initialised by an awaited call.


// =============================================================================================
// POSITIVE: a sync spawner runs a closure that only builds a future
// =============================================================================================

// `std::thread::spawn` with a closure whose body is an `async` block: the thread builds the
// future, drops it and exits. The work never runs.
mod std_thread_spawn {
    use std::time::Duration;

    // Fully qualified, in a sync `main`: `join` returns at once.
    pub fn main() {
        let config = crate::config::Config::from_env();
        let poller = std::thread::spawn(move || async move { //~ async_closure_in_sync_spawn
            crate::poller::run(config).await
        });
        crate::ui::run_event_loop();
        poller.join().unwrap();
    }

    // In an async fn: no heartbeat is ever sent, so the node is evicted after its first TTL.
    pub async fn start_node(registry: crate::Registry, node_id: u64) -> anyhow::Result<()> {
        let heartbeat_registry = registry.clone();
        std::thread::spawn(move || async move { //~ async_closure_in_sync_spawn
            loop {
                heartbeat_registry.heartbeat(node_id).await;
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        });
        registry.register(node_id).await?;
        Ok(())
    }
}

// A leading `::` on the path.
mod leading_colons {
    pub fn start_flusher(buffer: crate::Buffer) {
        let _flusher = ::std::thread::spawn(move || async move { //~ async_closure_in_sync_spawn
            buffer.flush_forever().await
        });
    }
}

// `use std::thread;` then `thread::spawn`, with an async closure.
mod thread_module_import {
    use std::thread;

    use tokio::sync::mpsc;

    use crate::metrics::Batch;

    pub fn start_exporter(endpoint: String, mut rx: mpsc::Receiver<Batch>) {
        let _exporter = thread::spawn(async move || { //~ async_closure_in_sync_spawn
            while let Some(batch) = rx.recv().await {
                crate::metrics::export(&endpoint, batch).await;
            }
        });
    }
}

// The spawner imported by name.
mod imported_spawner {
    use std::path::PathBuf;
    use std::thread::spawn;

    use tokio::sync::watch;

    pub fn watch_config(path: PathBuf, tx: watch::Sender<crate::config::Config>) {
        let _watcher = spawn(move || async move { //~ async_closure_in_sync_spawn
            let mut changes = crate::config::watch(&path);
            while let Some(config) = changes.next().await {
                tx.send_replace(config);
            }
        });
    }
}

