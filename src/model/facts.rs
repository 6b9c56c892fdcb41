//! Which sync fns block, over the resolved call graph: a fn blocks if its body makes a blocking
//! call, or calls fns of the run that all block. Propagated through sync callers to a fixed
//! point at any depth; each fn keeps the one call to cite (the longest-blocking kind) and the
//! callee it comes through, so a finding can show the chain.

use crate::knowledge::{BlockKind, BlockRecord};
use crate::model::resolve::{FnId, Items, Target};
use crate::options::Options;
use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub enum Source {
    /// The fn's own body: its record of that kind.
    Direct(usize),
    /// Through a call of this fn.
    Via(FnId),
    /// A method of a known blocking type (`std::fs::File::read_to_end`), at a line of the fn.
    External { what: String, line: u32 },
    /// The fn is listed in the configuration.
    Configured(String),
}

#[derive(Clone, Debug)]
pub struct Cite {
    pub rank: u8,
    pub source: Source,
}

pub struct Facts {
    /// Per kind (executor, call), per fn.
    blocks: [Vec<Option<Cite>>; 2],
}

fn slot(kind: BlockKind) -> usize {
    match kind {
        BlockKind::Executor => 0,
        BlockKind::Call => 1,
    }
}

/// Methods of types outside the run that block the calling thread.
const BLOCKING_METHODS: &[(&str, &[&str])] = &[
    (
        "std::fs::File",
        &[
            "read",
            "read_to_end",
            "read_to_string",
            "read_exact",
            "write",
            "write_all",
            "sync_all",
            "sync_data",
            "set_len",
            "metadata",
            "flush",
        ],
    ),
    ("std::process::Child", &["wait", "wait_with_output"]),
    ("std::process::Command", &["output", "status"]),
    (
        "std::net::TcpStream",
        &[
            "connect",
            "read",
            "read_exact",
            "read_to_end",
            "write",
            "write_all",
            "peek",
        ],
    ),
    ("std::net::TcpListener", &["accept", "incoming"]),
    (
        "std::net::UdpSocket",
        &["recv", "recv_from", "send", "send_to", "connect"],
    ),
    ("std::thread::JoinHandle", &["join"]),
    ("std::sync::mpsc::Receiver", &["recv", "recv_timeout"]),
    ("std::sync::Barrier", &["wait"]),
    ("std::sync::Condvar", &["wait", "wait_while", "wait_timeout"]),
    (
        "reqwest::blocking::Client",
        &["execute", "get", "post", "put", "patch", "delete", "head", "request"],
    ),
    ("reqwest::blocking::RequestBuilder", &["send"]),
    ("ureq::Agent", &["get", "post", "put", "delete", "request"]),
    (
        "ureq::Request",
        &["call", "send", "send_string", "send_json", "send_bytes"],
    ),
    (
        "postgres::Client",
        &["query", "query_one", "query_opt", "execute", "batch_execute"],
    ),
    (
        "rusqlite::Connection",
        &["execute", "query_row", "prepare", "execute_batch"],
    ),
    ("redis::Connection", &["query", "get", "set"]),
];

/// Whether the model knows methods of the external type `path` that block.
pub fn is_blocking_type(path: &str) -> bool {
    BLOCKING_METHODS.iter().any(|(t, _)| *t == path)
}

/// The rank of a blocking method of an external type, if it is one.
pub fn external_blocking(ty: &str, method: &str) -> Option<u8> {
    let (ty, methods) = BLOCKING_METHODS.iter().find(|(t, _)| *t == ty)?;
    methods
        .contains(&method)
        .then(|| BlockRecord::rank_of(BlockKind::Call, &format!("{ty}::{method}")))
}

struct Site {
    caller: FnId,
    targets: Vec<FnId>,
    /// Targets not yet known to block, per kind.
    waiting: [usize; 2],
}

impl Facts {
    pub fn propagate(items: &mut Items, options: &Options) -> Facts {
        let n = items.fn_at.len();
        let mut blocks: [Vec<Option<Cite>>; 2] = [vec![None; n], vec![None; n]];
        let mut queue: VecDeque<(usize, FnId)> = VecDeque::new();
        let configured =
            options.blocking_calls.iter().any(|b| b.path.is_some()) || !options.executor_entry_points.is_empty();
        for id in 0..n as FnId {
            let f = items.summary(id);
            if f.is_async {
                continue;
            }
            for kind in [BlockKind::Executor, BlockKind::Call] {
                let best = f
                    .blocks
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.kind == kind)
                    .max_by_key(|(i, b)| (b.rank, std::cmp::Reverse(*i)));
                if let Some((i, b)) = best {
                    blocks[slot(kind)][id as usize] = Some(Cite {
                        rank: b.rank,
                        source: Source::Direct(i),
                    });
                    queue.push_back((slot(kind), id));
                }
            }
            if configured {
                let path = items.canonical_path(id);
                let listed = [
                    (
                        BlockKind::Call,
                        options
                            .blocking_calls
                            .iter()
                            .filter_map(|b| b.path.clone())
                            .collect::<Vec<_>>(),
                    ),
                    (BlockKind::Executor, options.executor_entry_points.clone()),
                ];
                for (kind, list) in listed {
                    if let Some(entry) = Options::path_listed(&list, &path)
                        && entry.starts_with("crate::")
                    {
                        let rank = BlockRecord::rank_of(kind, entry);
                        let s = &mut blocks[slot(kind)][id as usize];
                        if s.as_ref().is_none_or(|c| c.rank < rank) {
                            *s = Some(Cite {
                                rank,
                                source: Source::Configured(entry.to_string()),
                            });
                            queue.push_back((slot(kind), id));
                        }
                    }
                }
            }
        }
        // Call sites of sync bodies, and the callers of each fn.
        let mut sites: Vec<Site> = Vec::new();
        let mut callers: Vec<Vec<u32>> = vec![Vec::new(); n];
        for id in 0..n as FnId {
            let f = items.summary(id);
            if f.is_async || f.calls.is_empty() {
                continue;
            }
            let file = items.file_of(id);
            for &(call, line) in &f.calls {
                match items.call_target(file, call) {
                    Target::Fns(mut targets) => {
                        targets.sort_unstable();
                        targets.dedup();
                        targets.retain(|&t| t != id);
                        if targets.is_empty() {
                            continue;
                        }
                        let s = sites.len() as u32;
                        for &t in &targets {
                            callers[t as usize].push(s);
                        }
                        sites.push(Site {
                            caller: id,
                            waiting: [targets.len(); 2],
                            targets,
                        });
                    }
                    Target::ExternalMethod(ty, method) => {
                        let Some(rank) = external_blocking(&ty, &method) else {
                            continue;
                        };
                        let s = &mut blocks[slot(BlockKind::Call)][id as usize];
                        if s.as_ref().is_none_or(|c| c.rank < rank) {
                            *s = Some(Cite {
                                rank,
                                source: Source::External {
                                    what: format!("`{ty}::{method}`"),
                                    line,
                                },
                            });
                            queue.push_back((slot(BlockKind::Call), id));
                        }
                    }
                    _ => {}
                }
            }
        }
        // Each fn is announced once per kind and improves at most once per rank: linear in the
        // call sites.
        let mut announced = [vec![false; n], vec![false; n]];
        while let Some((k, g)) = queue.pop_front() {
            let first = !announced[k][g as usize];
            announced[k][g as usize] = true;
            for &s in &callers[g as usize] {
                let site = &mut sites[s as usize];
                if first {
                    site.waiting[k] -= 1;
                }
                if site.waiting[k] > 0 {
                    continue;
                }
                // Every target blocks: cite the one that blocks longest.
                let Some((via, rank)) = site
                    .targets
                    .iter()
                    .filter_map(|&t| Some((t, blocks[k][t as usize].as_ref()?.rank)))
                    .max_by_key(|&(t, r)| (r, std::cmp::Reverse(t)))
                else {
                    continue;
                };
                let caller = site.caller;
                let current = &mut blocks[k][caller as usize];
                if current.as_ref().is_none_or(|c| c.rank < rank) {
                    *current = Some(Cite {
                        rank,
                        source: Source::Via(via),
                    });
                    queue.push_back((k, caller));
                }
            }
        }
        Facts { blocks }
    }

    pub fn blocks(&self, kind: BlockKind, id: FnId) -> Option<&Cite> {
        self.blocks[slot(kind)].get(id as usize)?.as_ref()
    }

    /// The fns a blocking fn's citation passes through, then where it ends.
    pub fn chain(&self, kind: BlockKind, id: FnId) -> (Vec<FnId>, FnId, Option<&Cite>) {
        let mut through = Vec::new();
        let mut at = id;
        // The citations form a forest, but a bound keeps a message short whatever happens.
        for _ in 0..32 {
            match self.blocks(kind, at) {
                Some(Cite {
                    source: Source::Via(next),
                    ..
                }) if !through.contains(next) && *next != id => {
                    through.push(*next);
                    at = *next;
                }
                other => return (through, at, other),
            }
        }
        (through, at, self.blocks(kind, at))
    }
}
