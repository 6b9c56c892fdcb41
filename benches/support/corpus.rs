//! A generated corpus of realistic async Rust for the benchmark: HTTP handlers, background
//! workers, repositories, clients, tests and macros, in the proportions of a service codebase,
//! with a little misuse sprinkled in. Deterministic by seed.

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
fn module(rng: &mut Rng, index: usize) -> String {
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
    let sections = 6 + rng.below(6);
    for s in 0..sections {
        match rng.below(7) {
            0 | 1 => handler(rng, &mut out, noun, &ty, s),
            2 => worker(rng, &mut out, noun, &ty, s),
            3 => repository(rng, &mut out, noun, &ty, s),
            4 => client(rng, &mut out, noun, &ty, s),
            5 => sync_helpers(rng, &mut out, noun, &ty, s),
            _ => macros(rng, &mut out, noun, s),
        }
    }
    tests(rng, &mut out, noun, &ty);
    out
}

fn handler(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let verb = rng.pick(VERBS);
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

fn worker(rng: &mut Rng, out: &mut String, noun: &str, ty: &str, s: usize) {
    let _ = writeln!(
        out,
        "/// Background {noun} worker: drains the queue until cancelled.\npub async fn run_{noun}_worker_{s}(\n    mut rx: mpsc::Receiver<{ty}>,\n    state: Arc<AppState>,\n    token: CancellationToken,\n) -> anyhow::Result<()> {{\n    let mut batch = Vec::with_capacity(64);\n    loop {{\n        tokio::select! {{\n            _ = token.cancelled() => {{\n                info!(\"{noun} worker stopping\");\n                break;\n            }}\n            item = rx.recv() => {{\n                let Some(item) = item else {{ break }};\n                batch.push(item);\n                if batch.len() >= 64 {{\n                    flush_{noun}_{s}(&state, std::mem::take(&mut batch)).await?;\n                }}\n            }}\n            _ = tokio::time::sleep(Duration::from_millis(250)) => {{\n                if !batch.is_empty() {{\n                    flush_{noun}_{s}(&state, std::mem::take(&mut batch)).await?;\n                }}\n            }}\n        }}\n    }}\n    Ok(())\n}}\n"
    );
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

fn tests(rng: &mut Rng, out: &mut String, noun: &str, ty: &str) {
    let _ = writeln!(out, "#[cfg(test)]\nmod tests {{\n    use super::*;\n");
    for t in 0..2 + rng.below(4) {
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
pub fn generate(dir: &Path, seed: u64, files: usize) -> std::io::Result<usize> {
    let mut rng = Rng(seed);
    let src = dir.join("src");
    std::fs::create_dir_all(&src)?;
    let mut lines = 0;
    let mut lib = String::from("//! Generated service crate.\n\n");
    for i in 0..files {
        let text = module(&mut rng, i);
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
pub fn ensure(seed: u64, files: usize) -> std::io::Result<(PathBuf, usize)> {
    let dir = PathBuf::from(format!("target/bench-corpus/seed-{seed}-files-{files}"));
    let marker = dir.join("lines");
    if let Ok(n) = std::fs::read_to_string(&marker)
        && let Ok(n) = n.trim().parse()
    {
        return Ok((dir, n));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let lines = generate(&dir, seed, files)?;
    std::fs::write(marker, lines.to_string())?;
    Ok((dir, lines))
}
