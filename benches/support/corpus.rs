//! A generated corpus of realistic async Rust for the benchmark: HTTP handlers, background
//! workers, repositories, clients, domain types, tests and macros, with a little misuse
//! sprinkled in. Deterministic by seed.
//!
//! Two mixes. `service` (the default) follows what service crates measure per 1,000 code lines
//! (lemmy, vaultwarden, atuin, axum, sqlx, tokio): 25-70 `.await`s, under 3 `select!`s, 20-60
//! macro calls, and doc comments on a tenth of all lines; half the code is plain sync Rust.
//! `dense` is async code and nothing else (about 160 `.await`s and 8 `select!`s per 1,000
//! lines, no docs): a stress test of the walk, not a picture of a crate.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// splitmix64: tiny, fast and the same on every platform and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// What the generated modules are made of.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    Service,
    Dense,
}

impl Mix {
    pub fn parse(name: &str) -> Option<Mix> {
        match name {
            "service" => Some(Mix::Service),
            "dense" => Some(Mix::Dense),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mix::Service => "service",
            Mix::Dense => "dense",
        }
    }
}

const NOUNS: &[&str] = &[
    "user", "order", "invoice", "payment", "session", "account", "product", "cart", "shipment", "review", "ticket",
    "report", "tenant", "webhook", "token", "upload", "message", "channel", "device", "metric",
];
const VERBS: &[&str] = &[
    "load",
    "fetch",
    "store",
    "update",
    "sync",
    "refresh",
    "validate",
    "publish",
    "archive",
    "notify",
    "resolve",
    "merge",
    "render",
    "import",
    "export",
    "reconcile",
];
const FIELDS: &[&str] = &[
    "id",
    "name",
    "email",
    "status",
    "created_at",
    "amount",
    "owner_id",
    "version",
];

fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect()
}

/// One module's source: a few hundred lines in one of several shapes.
fn module(rng: &mut Rng, index: usize, mix: Mix) -> String {
    let noun = NOUNS[index % NOUNS.len()];
    let ty = camel(noun);
    let mut out = String::new();
    let _ = writeln!(out, "//! {ty} service: handlers, storage and background work.\n");
    out.push_str(
        "use std::collections::HashMap;\nuse std::sync::Arc;\nuse std::time::Duration;\n\n\
         use axum::extract::{Json, Path, State};\nuse tokio::sync::{mpsc, Mutex, RwLock};\n\
         use tokio_util::sync::CancellationToken;\nuse tracing::{debug, info, warn};\n\n\
         use crate::error::AppError;\nuse crate::state::AppState;\n\n",
    );
    // The record type.
    if mix == Mix::Service {
        doc(
            rng,
            &mut out,
            "",
            &format!("A {noun} as stored and as sent over the wire."),
        );
    }
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]\npub struct {ty} {{"
    );
    for f in FIELDS.iter().take(3 + rng.below(5)) {
        let _ = writeln!(
            out,
            "    pub {f}: {},",
            if *f == "id" || f.ends_with("_id") {
                "u64"
            } else {
                "String"
            }
        );
    }
    out.push_str("}\n\n");
    // Service crates have many modules of a few hundred lines; the dense mix packs more in.
    let sections = match mix {
        Mix::Service => 2 + rng.below(5),
        Mix::Dense => 6 + rng.below(6),
    };
    for s in 0..sections {
        match rng.below(7) {
            0 | 1 => handler(rng, &mut out, noun, &ty, s, mix),
            2 => worker(rng, &mut out, noun, &ty, s, mix),
            3 => repository(rng, &mut out, noun, &ty, s),
            4 => client(rng, &mut out, noun, &ty, s),
            5 => sync_helpers(rng, &mut out, noun, &ty, s),
            _ => macros(rng, &mut out, noun, s),
        }
        if mix == Mix::Service {
            // The plain code around the async parts: types, conversions, validation, config.
            for _ in 0..1 + usize::from(rng.chance(70)) {
                match rng.below(4) {
                    0 => domain_error(rng, &mut out, &ty, s),
                    1 => domain_impl(rng, &mut out, noun, &ty, s),
                    2 => settings(rng, &mut out, noun, &ty, s),
                    _ => transforms(rng, &mut out, noun, &ty, s),
                }
            }
        }
    }
    tests(rng, &mut out, noun, &ty, mix);
    out
}

/// A doc comment of one to five lines, as items in a maintained crate have.
fn doc(rng: &mut Rng, out: &mut String, indent: &str, summary: &str) {
    const MORE: &[&str] = &[
        "The caller keeps ownership of its arguments; nothing is cloned unless it must outlive the call.",
        "Safe to call from several tasks at once: the state behind it is shared, not copied.",
        "Values are checked before anything is written, so a rejected input leaves no trace.",
        "Timeouts come from the configuration; see [`Settings`] for the defaults.",
        "Kept small on purpose: the interesting work happens in the repository layer.",
    ];
    let _ = writeln!(out, "{indent}/// {summary}");
    if rng.chance(60) {
        let _ = writeln!(out, "{indent}///\n{indent}/// {}", rng.pick(MORE));
    }
    if rng.chance(30) {
        let _ = writeln!(
            out,
            "{indent}///\n{indent}/// # Errors\n{indent}///\n{indent}/// Fails when the input does not validate or the store is unreachable."
        );
    }
}

fn domain_error(rng: &mut Rng, out: &mut String, ty: &str, s: usize) {
    doc(rng, out, "", &format!("What can go wrong while handling a {ty}."));
    let _ = writeln!(
        out,
        "#[derive(Debug)]\npub enum {ty}Error{s} {{\n    /// The record does not exist.\n    NotFound(u64),\n    /// A field failed validation.\n    Invalid {{ field: &'static str, reason: String }},\n    /// The record changed since it was read.\n    Conflict {{ expected: u32, found: u32 }},\n    Io(std::io::Error),\n}}\n\nimpl std::fmt::Display for {ty}Error{s} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        match self {{\n            Self::NotFound(id) => write!(f, \"{ty} {{id}} not found\"),\n            Self::Invalid {{ field, reason }} => write!(f, \"invalid {{field}}: {{reason}}\"),\n            Self::Conflict {{ expected, found }} => {{\n                write!(f, \"version conflict: expected {{expected}}, found {{found}}\")\n            }}\n            Self::Io(e) => write!(f, \"i/o error: {{e}}\"),\n        }}\n    }}\n}}\n\nimpl std::error::Error for {ty}Error{s} {{\n    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {{\n        match self {{\n            Self::Io(e) => Some(e),\n            _ => None,\n        }}\n    }}\n}}\n\nimpl From<std::io::Error> for {ty}Error{s} {{\n    fn from(e: std::io::Error) -> Self {{\n        Self::Io(e)\n    }}\n}}\n"
    );
}

fn domain_impl(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let _ = writeln!(out, "impl {ty} {{");
    doc(rng, out, "    ", &format!("Checks a {noun} before it is stored."));
    let _ = writeln!(
        out,
        "    pub fn validate_{s}(&self) -> Result<(), String> {{\n        if self.name.trim().is_empty() {{\n            return Err(\"name must not be empty\".to_owned());\n        }}\n        if self.name.len() > 200 {{\n            return Err(format!(\"name is {{}} characters long; the limit is 200\", self.name.len()));\n        }}\n        let invalid = self.name.chars().filter(|c| c.is_control()).count();\n        if invalid > 0 {{\n            return Err(format!(\"name holds {{invalid}} control characters\"));\n        }}\n        Ok(())\n    }}\n"
    );
    doc(rng, out, "    ", "A display name, shortened for lists.");
    let _ = writeln!(
        out,
        "    pub fn short_name_{s}(&self, max: usize) -> std::borrow::Cow<'_, str> {{\n        match self.name.char_indices().nth(max) {{\n            Some((cut, _)) => format!(\"{{}}...\", &self.name[..cut]).into(),\n            None => self.name.as_str().into(),\n        }}\n    }}\n"
    );
    if rng.chance(50) {
        doc(rng, out, "    ", "Merges the fields another copy changed.");
        let _ = writeln!(
            out,
            "    pub fn merge_{s}(&mut self, other: &{ty}) -> usize {{\n        let mut changed = 0;\n        if other.name != self.name && !other.name.is_empty() {{\n            self.name = other.name.clone();\n            changed += 1;\n        }}\n        if other.id != 0 && other.id != self.id {{\n            self.id = other.id;\n            changed += 1;\n        }}\n        changed\n    }}\n"
        );
    }
    out.push_str("}\n\n");
}

fn settings(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    doc(
        rng,
        out,
        "",
        &format!("Tuning for the {noun} service, read from the environment."),
    );
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq)]\npub struct {ty}Settings{s} {{\n    pub batch_size: usize,\n    pub timeout: Duration,\n    pub retries: u32,\n    pub endpoint: Option<String>,\n}}\n\nimpl Default for {ty}Settings{s} {{\n    fn default() -> Self {{\n        Self {{\n            batch_size: 64,\n            timeout: Duration::from_secs(5),\n            retries: 3,\n            endpoint: None,\n        }}\n    }}\n}}\n\nimpl {ty}Settings{s} {{\n    /// Reads `KEY=value` pairs; unknown keys are ignored, bad values are errors.\n    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {{\n        let mut out = Self::default();\n        for (key, value) in pairs {{\n            match key {{\n                \"BATCH_SIZE\" => out.batch_size = value.parse().map_err(|e| format!(\"BATCH_SIZE: {{e}}\"))?,\n                \"TIMEOUT_MS\" => {{\n                    let ms: u64 = value.parse().map_err(|e| format!(\"TIMEOUT_MS: {{e}}\"))?;\n                    out.timeout = Duration::from_millis(ms);\n                }}\n                \"RETRIES\" => out.retries = value.parse().map_err(|e| format!(\"RETRIES: {{e}}\"))?,\n                \"ENDPOINT\" if !value.is_empty() => out.endpoint = Some(value.to_owned()),\n                _ => {{}}\n            }}\n        }}\n        if out.batch_size == 0 {{\n            return Err(\"BATCH_SIZE must be positive\".into());\n        }}\n        Ok(out)\n    }}\n}}\n"
    );
}

fn transforms(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    doc(
        rng,
        out,
        "",
        &format!("Groups {noun}s by the first letter of their name, largest group first."),
    );
    let _ = writeln!(
        out,
        "pub fn group_{noun}s_{s}(items: &[{ty}]) -> Vec<(char, Vec<u64>)> {{\n    let mut groups: HashMap<char, Vec<u64>> = HashMap::new();\n    for item in items {{\n        let key = item.name.chars().next().map_or('_', |c| c.to_ascii_lowercase());\n        groups.entry(key).or_default().push(item.id);\n    }}\n    let mut out: Vec<_> = groups.into_iter().collect();\n    out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));\n    out\n}}\n"
    );
    // Explains the arithmetic rather than the code, as real comments tend to.
    let _ = writeln!(
        out,
        "/// Pages of `per_page` items; the last page may be short.\npub fn pages_{s}(total: usize, per_page: usize) -> impl Iterator<Item = std::ops::Range<usize>> {{\n    let per_page = per_page.max(1);\n    // Round up: 10 items at 4 per page are 3 pages.\n    let count = total.div_ceil(per_page);\n    (0..count).map(move |p| p * per_page..((p + 1) * per_page).min(total))\n}}\n"
    );
    if rng.chance(40) {
        let _ = writeln!(
            out,
            "fn score_{s}(item: &{ty}, now: u64) -> f64 {{\n    let age = now.saturating_sub(item.id) as f64;\n    let weight = if item.name.len() > 10 {{ 1.5 }} else {{ 1.0 }};\n    weight / (1.0 + age / 3600.0)\n}}\n"
        );
    }
}

fn handler(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize, mix: Mix) {
    let verb = rng.pick(VERBS);
    if mix == Mix::Service {
        doc(rng, out, "", &format!("`{verb}` endpoint for {noun}s."));
    }
    let _ = writeln!(
        out,
        "/// `{verb}` endpoint for {noun}s.\npub async fn {verb}_{noun}_{s}(\n    State(state): State<Arc<AppState>>,\n    Path(id): Path<u64>,\n    Json(body): Json<{ty}>,\n) -> Result<Json<{ty}>, AppError> {{"
    );
    let _ = writeln!(
        out,
        "    let span = tracing::info_span!(\"{verb}_{noun}\", %id);\n    let _enter = span.enter();"
    );
    let steps = 3 + rng.below(6);
    for i in 0..steps {
        match rng.below(9) {
            0 => {
                let _ = writeln!(
                    out,
                    "    let (a{i}, b{i}) = tokio::try_join!(state.db.find_{noun}(id), state.cache.get_{noun}(id))?;\n    debug!(?a{i}, ?b{i}, \"loaded\");"
                );
            }
            1 => {
                let _ = writeln!(
                    out,
                    "    let current{i} = state.db.find_{noun}(id).await?;\n    if current{i}.version != body.version {{\n        warn!(id, \"version conflict\");\n        return Err(AppError::Conflict(format!(\"{noun} {{}} changed\", id)));\n    }}"
                );
            }
            2 => {
                let _ = writeln!(
                    out,
                    "    let guard{i} = state.{noun}_locks.lock().await;\n    let slot{i} = guard{i}.get(&id).cloned();\n    drop(guard{i});\n    info!(?slot{i}, \"slot\");"
                );
            }
            3 => {
                let _ = writeln!(
                    out,
                    "    let events{i}: Vec<_> = body\n        .{f}\n        .split(',')\n        .map(|p| p.trim().to_owned())\n        .filter(|p| !p.is_empty())\n        .collect();\n    state.events.send(events{i}).await.map_err(|_| AppError::Closed)?;",
                    f = FIELDS[1 + rng.below(2)]
                );
            }
            4 if mix == Mix::Service && !rng.chance(15) => {
                let _ = writeln!(
                    out,
                    "    let result{i} = tokio::time::timeout(Duration::from_secs(5), state.db.update_{noun}(id, &body))\n        .await\n        .map_err(|_| AppError::Timeout)??;\n    debug!(?result{i});"
                );
            }
            4 => {
                let _ = writeln!(
                    out,
                    "    let result{i} = tokio::select! {{\n        r = state.db.update_{noun}(id, &body) => r?,\n        _ = tokio::time::sleep(Duration::from_secs(5)) => return Err(AppError::Timeout),\n    }};\n    debug!(?result{i});"
                );
            }
            5 => {
                let _ = writeln!(
                    out,
                    "    let hash{i} = tokio::task::spawn_blocking({{\n        let body = body.clone();\n        move || {{\n            let bytes = serde_json::to_vec(&body).unwrap_or_default();\n            std::thread::sleep(Duration::from_millis(1));\n            bytes.len()\n        }}\n    }})\n    .await\n    .map_err(|_| AppError::Internal)?;\n    debug!(hash{i});"
                );
            }
            6 if rng.chance(20) => {
                // Misuse: a blocking call in a handler.
                let _ = writeln!(
                    out,
                    "    let raw{i} = std::fs::read_to_string(\"/etc/{noun}.toml\").unwrap_or_default();\n    debug!(len = raw{i}.len());"
                );
            }
            7 => {
                let _ = writeln!(
                    out,
                    "    let map{i}: HashMap<u64, String> = (0..4u64).map(|k| (k, format!(\"{noun}-{{k}}\"))).collect();\n    for (k, v) in &map{i} {{\n        if k % 2 == 0 {{\n            state.audit.record(*k, v).await;\n        }}\n    }}"
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "    let count{i} = state.db.count_{noun}s().await?;\n    assert!(count{i} < 1_000_000, \"too many {noun}s: {{}}\", count{i});"
                );
            }
        }
    }
    let _ = writeln!(out, "    Ok(Json(body))\n}}\n");
}

fn worker(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize, mix: Mix) {
    if mix == Mix::Service && !rng.chance(25) {
        // Most workers wait on their queue alone and check the token between items.
        doc(
            rng,
            out,
            "",
            &format!("Background {noun} worker: drains the queue until cancelled."),
        );
        let _ = writeln!(
            out,
            "pub async fn run_{noun}_worker_{s}(\n    mut rx: mpsc::Receiver<{ty}>,\n    state: Arc<AppState>,\n    token: CancellationToken,\n) -> anyhow::Result<()> {{\n    let mut batch = Vec::with_capacity(64);\n    while let Some(item) = rx.recv().await {{\n        if token.is_cancelled() {{\n            info!(\"{noun} worker stopping\");\n            break;\n        }}\n        batch.push(item);\n        if batch.len() >= 64 {{\n            flush_{noun}_{s}(&state, std::mem::take(&mut batch)).await?;\n        }}\n    }}\n    if !batch.is_empty() {{\n        flush_{noun}_{s}(&state, batch).await?;\n    }}\n    Ok(())\n}}\n"
        );
        worker_rest(rng, out, noun, ty, s);
        return;
    }
    let _ = writeln!(
        out,
        "/// Background {noun} worker: drains the queue until cancelled.\npub async fn run_{noun}_worker_{s}(\n    mut rx: mpsc::Receiver<{ty}>,\n    state: Arc<AppState>,\n    token: CancellationToken,\n) -> anyhow::Result<()> {{\n    let mut batch = Vec::with_capacity(64);\n    loop {{\n        tokio::select! {{\n            _ = token.cancelled() => {{\n                info!(\"{noun} worker stopping\");\n                break;\n            }}\n            item = rx.recv() => {{\n                let Some(item) = item else {{ break }};\n                batch.push(item);\n                if batch.len() >= 64 {{\n                    flush_{noun}_{s}(&state, std::mem::take(&mut batch)).await?;\n                }}\n            }}\n            _ = tokio::time::sleep(Duration::from_millis(250)) => {{\n                if !batch.is_empty() {{\n                    flush_{noun}_{s}(&state, std::mem::take(&mut batch)).await?;\n                }}\n            }}\n        }}\n    }}\n    Ok(())\n}}\n"
    );
    worker_rest(rng, out, noun, ty, s);
}

fn worker_rest(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let _ = writeln!(
        out,
        "async fn flush_{noun}_{s}(state: &AppState, batch: Vec<{ty}>) -> anyhow::Result<()> {{\n    let mut tx = state.db.begin().await?;\n    for item in &batch {{\n        tx.upsert_{noun}(item).await?;\n    }}\n    tx.commit().await?;\n    info!(n = batch.len(), \"flushed {noun}s\");\n    Ok(())\n}}\n"
    );
    if rng.chance(30) {
        let child = if rng.chance(70) {
            "token.child_token()"
        } else {
            "CancellationToken::new()"
        };
        let _ = writeln!(
            out,
            "pub fn spawn_{noun}_workers_{s}(state: Arc<AppState>, token: CancellationToken) -> Vec<tokio::task::JoinHandle<anyhow::Result<()>>> {{\n    (0..4)\n        .map(|_| {{\n            let (_tx, rx) = mpsc::channel(128);\n            let state = state.clone();\n            let token = {child};\n            tokio::spawn(async move {{ run_{noun}_worker_{s}(rx, state, token).await }})\n        }})\n        .collect()\n}}\n"
        );
    }
}

fn repository(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let _ = writeln!(
        out,
        "pub struct {ty}Repo{s} {{\n    pool: sqlx::PgPool,\n    cache: RwLock<HashMap<u64, {ty}>>,\n}}\n\nimpl {ty}Repo{s} {{"
    );
    let methods = 3 + rng.below(5);
    for m in 0..methods {
        let verb = rng.pick(VERBS);
        let _ = writeln!(
            out,
            "    pub async fn {verb}_{m}(&self, id: u64) -> Result<Option<{ty}>, sqlx::Error> {{\n        if let Some(hit) = self.cache.read().await.get(&id) {{\n            return Ok(Some(hit.clone()));\n        }}\n        let row = sqlx::query_as::<_, {ty}>(\"SELECT * FROM {noun}s WHERE id = $1\")\n            .bind(id as i64)\n            .fetch_optional(&self.pool)\n            .await?;\n        if let Some(r) = &row {{\n            self.cache.write().await.insert(id, r.clone());\n        }}\n        Ok(row)\n    }}\n"
        );
    }
    if rng.chance(15) {
        // Misuse: a std lock held across an await.
        let _ = writeln!(
            out,
            "    pub async fn warm_{s}(&self, ids: &std::sync::Mutex<Vec<u64>>) {{\n        let ids = ids.lock().unwrap();\n        for id in ids.iter() {{\n            let _ = self.load_0(*id).await;\n        }}\n    }}\n"
        );
    }
    out.push_str("}\n\n");
}

fn client(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let _ = writeln!(
        out,
        "#[derive(Clone)]\npub struct {ty}Client{s} {{\n    http: reqwest::Client,\n    base: String,\n}}\n\nimpl {ty}Client{s} {{\n    pub async fn get(&self, id: u64) -> reqwest::Result<{ty}> {{\n        self.http\n            .get(format!(\"{{}}/{noun}s/{{}}\", self.base, id))\n            .timeout(Duration::from_secs(3))\n            .send()\n            .await?\n            .error_for_status()?\n            .json()\n            .await\n    }}\n\n    pub async fn get_many(&self, ids: &[u64]) -> Vec<reqwest::Result<{ty}>> {{\n        futures::future::join_all(ids.iter().map(|id| self.get(*id))).await\n    }}\n}}\n"
    );
    if rng.chance(25) {
        let _ = writeln!(
            out,
            "pub async fn prefetch_{noun}_{s}(client: &{ty}Client{s}, ids: Vec<u64>) {{\n    for chunk in ids.chunks(16) {{\n        let results = client.get_many(chunk).await;\n        let failed = results.iter().filter(|r| r.is_err()).count();\n        if failed > 0 {{\n            warn!(failed, \"prefetch errors\");\n        }}\n    }}\n}}\n"
        );
    }
}

fn sync_helpers(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let _ = writeln!(
        out,
        "pub fn parse_{noun}_{s}(line: &str) -> Option<{ty}> {{\n    let mut parts = line.split('\\t');\n    let id = parts.next()?.parse().ok()?;\n    let name = parts.next()?.to_string();\n    serde_json::from_value(serde_json::json!({{ \"id\": id, \"name\": name }})).ok()\n}}\n\nfn checksum_{s}(data: &[u8]) -> u32 {{\n    data.iter().fold(0u32, |acc, b| acc.rotate_left(5) ^ u32::from(*b))\n}}\n"
    );
    if rng.chance(40) {
        let _ = writeln!(
            out,
            "pub fn load_{noun}_fixtures_{s}(dir: &std::path::Path) -> std::io::Result<Vec<{ty}>> {{\n    let mut out = Vec::new();\n    for entry in std::fs::read_dir(dir)? {{\n        let text = std::fs::read_to_string(entry?.path())?;\n        out.extend(text.lines().filter_map(parse_{noun}_{s}));\n    }}\n    Ok(out)\n}}\n"
        );
    }
}

fn macros(rng: &mut Rng, out: &mut String, noun: &str, s: usize) {
    let _ = writeln!(
        out,
        "macro_rules! {noun}_route_{s} {{\n    ($router:expr, $path:literal, $handler:expr) => {{\n        $router.route($path, axum::routing::post($handler))\n    }};\n}}\n\npub fn routes_{s}(router: axum::Router<Arc<AppState>>) -> axum::Router<Arc<AppState>> {{\n    let router = {noun}_route_{s}!(router, \"/{noun}s/{s}\", |State(_s): State<Arc<AppState>>| async move {{ \"ok\" }});\n    router\n}}\n"
    );
    if rng.chance(50) {
        let _ = writeln!(
            out,
            "pub static {up}_LIMITS_{s}: &[(u32, &str)] = &[(10, \"free\"), (100, \"team\"), (1000, \"enterprise\")];\n",
            up = noun.to_uppercase()
        );
    }
}

fn tests(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, mix: Mix) {
    let _ = writeln!(out, "#[cfg(test)]\nmod tests {{\n    use super::*;\n");
    let count = match mix {
        Mix::Service => 1 + rng.below(3),
        Mix::Dense => 2 + rng.below(4),
    };
    for t in 0..count {
        let _ = writeln!(
            out,
            "    #[tokio::test]\n    async fn {noun}_round_trip_{t}() {{\n        let state = crate::testing::state().await;\n        let created = state.db.insert_{noun}(&{ty} {{ id: {t}, name: \"n\".into(), email: \"e\".into() }}).await.unwrap();\n        let loaded = state.db.find_{noun}(created.id).await.unwrap();\n        assert_eq!(loaded.id, created.id);\n        tokio::time::sleep(Duration::from_millis(1)).await;\n    }}\n"
        );
    }
    let _ = writeln!(
        out,
        "    #[test]\n    fn parses_{noun}_lines() {{\n        let rt = tokio::runtime::Runtime::new().unwrap();\n        rt.block_on(async {{ assert!(crate::testing::ready().await) }});\n    }}\n}}"
    );
}

/// Writes `files` modules (plus a lib.rs) under `dir`; returns the total number of lines.
pub fn generate(dir: &Path, seed: u64, files: usize, mix: Mix) -> std::io::Result<usize> {
    let mut rng = Rng(seed);
    let src = dir.join("src");
    std::fs::create_dir_all(&src)?;
    let mut lines = 0;
    let mut lib = String::from("//! Generated service crate.\n\n");
    for i in 0..files {
        let text = module(&mut rng, i, mix);
        lines += text.lines().count();
        let name = format!("{}_{i}", NOUNS[i % NOUNS.len()]);
        let _ = writeln!(lib, "pub mod {name};");
        std::fs::write(src.join(format!("{name}.rs")), text)?;
    }
    lines += lib.lines().count();
    std::fs::write(src.join("lib.rs"), lib)?;
    Ok(lines)
}

/// The corpus for `seed`, generated once under `target/bench-corpus/`.
pub fn ensure(seed: u64, files: usize, mix: Mix) -> std::io::Result<(PathBuf, usize)> {
    let dir = PathBuf::from(format!("target/bench-corpus/{}-seed-{seed}-files-{files}", mix.name()));
    let marker = dir.join("lines");
    if let Ok(n) = std::fs::read_to_string(&marker)
        && let Ok(n) = n.trim().parse()
    {
        return Ok((dir, n));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let lines = generate(&dir, seed, files, mix)?;
    std::fs::write(marker, lines.to_string())?;
    Ok((dir, lines))
}
