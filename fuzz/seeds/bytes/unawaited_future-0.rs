//! Fixture for `unawaited_future`.
//!
//! A line that ends in the expectation marker (two slashes, a tilde, the rule name) is where
//! exactly one diagnostic must start: the line of the dropped call. Every other line must produce
//! no diagnostic of any rule.
//!
//! The async fns called here are declared in this file, each under a name no sync fn of the file
//! shares. To keep the other rules quiet: every spawned handle is kept, no block has two
//! consecutive `let`s initialised by an awaited call, and no std lock or blocking call appears.


use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::Json;
use futures::stream::{FuturesUnordered, StreamExt};
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::model::*;
use crate::AppState;

