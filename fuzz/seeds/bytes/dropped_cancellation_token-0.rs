//! Fixture for `dropped_cancellation_token`.
//!
//! A line that ends in the expectation marker (two slashes, a tilde, the rule name) is where
//! exactly one diagnostic must start; every other line must produce no diagnostic of any rule.
//! To keep the other rules quiet, every `tokio::spawn` handle is kept (bound, pushed, or
//! returned) and no block has two consecutive `let`s initialised by an awaited call.


use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Router;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::{self, JoinHandle, JoinSet};
use tokio::time::{interval, sleep, timeout};
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::{error, info, warn};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub sessions: Arc<SessionStore>,
    pub shutdown: CancellationToken,
    pub drained: CancellationToken,
}

// `macro_rules!` bodies are not checked. This helper keeps the guard alive until the end of the
// caller's block, which is the correct way to cancel on scope exit.
macro_rules! cancel_on_exit {
    ($token:expr) => {
        let _cancel_on_exit = $token.clone().drop_guard();
    };
}

