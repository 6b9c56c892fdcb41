// Fixture for `block_on_in_async`.
//
// A line that ends in the expectation marker for `block_on_in_async` must report exactly that rule;
// every other line must report nothing, for any rule. Cases live in inline modules so that
// each has its own imports: a `mod` does not see its parent's `use` lines unless it says
// `use super::*;`.


// ===========================================================================================
// POSITIVES: blocking on a future, or building a tokio runtime, in async context
// ===========================================================================================

// Fully qualified `futures::executor::block_on` in axum handlers (also with a leading `::`).
mod axum_handlers {
    use axum::extract::{Path, State};
    use axum::Json;

    pub async fn get_user(State(state): State<AppState>, Path(id): Path<u64>) -> Json<User> {
        let user = futures::executor::block_on(state.users.find(id)); //~ block_on_in_async
        Json(user)
    }

    pub async fn get_avatar(State(state): State<AppState>, Path(id): Path<u64>) -> Vec<u8> {
        ::futures::executor::block_on(state.blobs.read(format!("avatars/{id}"))) //~ block_on_in_async
    }
}

// The function imported by name.
mod imported_fn {
    use futures::executor::block_on;

    pub async fn drain(queue: &Queue, out: &Sink) -> usize {
        let batch = block_on(queue.next_batch(64)); //~ block_on_in_async
        out.extend(batch.iter().cloned());
        batch.len()
    }
}

// Renamed import: `wait` is `futures::executor::block_on`.
mod renamed_import {
    use futures::executor::block_on as wait;
    use std::path::PathBuf;

    pub async fn reload(path: PathBuf) -> Config {
        let cfg = wait(read_config(&path)); //~ block_on_in_async
        cfg.with_defaults()
    }
}

// Glob import.
mod glob_import {
    use futures::executor::*;

    pub async fn warm_cache(cache: &Cache, keys: &[String]) {
        for key in keys {
            block_on(cache.prefetch(key)); //~ block_on_in_async
        }
    }
}

// Group import with `self`, and `block_on_stream`.
mod group_import {
    use futures::channel::mpsc::Receiver;
    use futures::executor::{self, block_on_stream};

    pub async fn pump(events: Receiver<Event>, sink: &EventSink) {
        for event in block_on_stream(events) { //~ block_on_in_async
            executor::block_on(sink.write(event)); //~ block_on_in_async
        }
    }
}

// Renamed module.
mod renamed_module {
    use futures::executor as exec;

    pub async fn checksum(store: &ObjectStore, key: &str) -> u64 {
        let bytes = exec::block_on(store.get(key)); //~ block_on_in_async
        crc64(&bytes)
    }
}

