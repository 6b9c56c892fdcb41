//! Fixture for `sequential_awaits`.
//!
//! A line that ends in the expectation marker (two slashes, a tilde, the rule name) is where
//! exactly one diagnostic must start: the line of the first `let` of a run, whose awaited call
//! is kept on that one line. Every other line must produce no diagnostic of any rule.
//!
//! Call names in the positive runs avoid the mutating verbs and the lock/recv/next/read/write
//! style names even as substrings, so the cases do not depend on how names are split.


use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use futures::StreamExt;
use sqlx::{PgConnection, PgPool};
use tokio::io::{AsyncReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::{mpsc, Mutex, RwLock, Semaphore};
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};
use tracing::info;

use crate::api::fetch_json as get_json;
use crate::model::*;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub users: Arc<UserRepo>,
    pub orders: Arc<OrderRepo>,
}

// `macro_rules!` bodies are not checked. Here the order matters anyway: the caller asserts
// that ticket numbers increase, so the two allocations must not run concurrently.
macro_rules! expect_increasing_tickets {
    ($pool:expr) => {{
        let first = allocate_ticket($pool).await?;
        let second = allocate_ticket($pool).await?;
        assert!(second > first, "tickets must increase: {first} then {second}");
    }};
}

