//! Memory benchmarks (`make bench-memory`): event writes with durability on, the last turns
//! of a conversation, retrieval over 100,000 records, and the database's size per 100,000
//! events. The figures and their anchors go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use agentdesk_memory::{
    Durability, MemoryStore, NewEvent, NewRecord, RetrieveRecords, Role, StoreOptions,
};

const WRITES: usize = 3000;
const TURN_READS: usize = 2000;
const RECORDS: usize = 100_000;
const QUERIES: usize = 400;
const SIZE_EVENTS: usize = 100_000;
const SEARCH_SESSIONS: usize = 1000;
const SEARCH_EVENTS: usize = 20;
const SEARCHES: usize = 50;

const ENGLISH: &[&str] = &[
    "cheap",
    "budget",
    "region",
    "database",
    "postgres",
    "serverless",
    "bakery",
    "traffic",
    "static",
    "backup",
    "monthly",
    "visitors",
    "images",
    "cache",
    "latency",
    "availability",
    "tokyo",
    "oregon",
    "lambda",
    "instance",
    "storage",
    "network",
    "email",
    "search",
    "team",
];
const JAPANESE: &[&str] = &[
    "予算",
    "なるべく安く",
    "東京リージョン",
    "冗長構成",
    "パン屋",
    "会員",
    "写真",
    "問い合わせ",
    "見積もり",
    "データベース",
    "アクセス",
    "バックアップ",
    "静的サイト",
    "和菓子店",
    "週末",
];

/// A small deterministic generator, so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() % words.len()]
    }
    fn sentence(&mut self) -> String {
        if self.next().is_multiple_of(3) {
            (0..4).map(|_| self.pick(JAPANESE)).collect::<Vec<_>>().join("の")
        } else {
            (0..8).map(|_| self.pick(ENGLISH)).collect::<Vec<_>>().join(" ")
        }
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1000.0)
}

async fn open(folder: &std::path::Path, durability: Durability) -> (MemoryStore, String) {
    let store = MemoryStore::open_with(&folder.join("agentdesk.db"), &StoreOptions { durability })
        .await
        .expect("open");
    let memory = store.default_memory().await.expect("memory").memory_id;
    (store, memory)
}

async fn bench_writes(durability: Durability) {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path(), durability).await;
    let mut words = Lcg(7);
    let mut samples = Vec::with_capacity(WRITES);
    let started = Instant::now();
    for index in 0..WRITES {
        let role = if index % 2 == 0 { Role::User } else { Role::Assistant };
        let event =
            NewEvent::message("bench", &format!("s{}", index % 20), role, &words.sentence());
        let begin = Instant::now();
        store.create_event(&memory, event).await.expect("write");
        samples.push(begin.elapsed());
    }
    let rate = WRITES as f64 / started.elapsed().as_secs_f64();
    println!(
        "create_event ({durability:?}): p50 {}  p95 {}  sustained {rate:.0} events/s (one writer, {WRITES} events)",
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 0.95)),
    );

    // Several writers at once: SQLite serialises them; this shows the cost of the queue.
    let started = Instant::now();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let store = store.clone();
            let memory = memory.clone();
            tokio::spawn(async move {
                for index in 0..WRITES / 4 {
                    let text = format!("writer {writer} event {index}");
                    let event =
                        NewEvent::message("bench", &format!("w{writer}"), Role::User, &text);
                    store.create_event(&memory, event).await.expect("write");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let rate = WRITES as f64 / started.elapsed().as_secs_f64();
    println!("create_event ({durability:?}): {rate:.0} events/s with 4 concurrent writers");
    store.close().await;
}

async fn bench_turns() {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path(), Durability::Normal).await;
    let mut words = Lcg(11);
    for index in 0..1000 {
        let role = if index % 2 == 0 { Role::User } else { Role::Assistant };
        store
            .create_event(&memory, NewEvent::message("bench", "long", role, &words.sentence()))
            .await
            .expect("write");
    }
    let mut samples = Vec::with_capacity(TURN_READS);
    for _ in 0..TURN_READS {
        let begin = Instant::now();
        let turns = store.last_k_turns(&memory, "bench", "long", None, 10).await.expect("turns");
        samples.push(begin.elapsed());
        assert_eq!(turns.len(), 10);
    }
    println!(
        "last_k_turns(10) in a 1,000-event session: p50 {}  p95 {}",
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 0.95)),
    );
}

async fn bench_retrieval() {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path(), Durability::Normal).await;
    let mut words = Lcg(13);
    let seeding = Instant::now();
    for index in 0..RECORDS {
        let (strategy, session) = match index % 3 {
            0 => ("preferences", None),
            1 => ("facts", None),
            _ => ("summaries", Some(format!("s{}", index % 500))),
        };
        store
            .create_record(
                &memory,
                NewRecord {
                    memory_strategy_id: strategy.into(),
                    actor_id: format!("actor{}", index % 50),
                    session_id: session,
                    text: words.sentence(),
                    topic: None,
                    source_event_ids: vec![],
                },
            )
            .await
            .expect("record");
    }
    println!("  (seeded {RECORDS} records in {:.1} s)", seeding.elapsed().as_secs_f64());
    let queries: Vec<String> = (0..QUERIES)
        .map(|index| {
            if index % 2 == 0 {
                format!("{} {}", words.pick(ENGLISH), words.pick(ENGLISH))
            } else {
                format!("{}は?", words.pick(JAPANESE))
            }
        })
        .collect();
    for (label, namespace) in [
        ("whole memory", String::new()),
        ("one actor", "/strategies/preferences/actors/actor7/".to_owned()),
    ] {
        let mut samples = Vec::with_capacity(QUERIES);
        for query in &queries {
            let request = RetrieveRecords {
                namespace: namespace.clone(),
                search_query: query.clone(),
                top_k: Some(5),
                ..RetrieveRecords::default()
            };
            let begin = Instant::now();
            let hits = store.retrieve_records(&memory, &request).await.expect("retrieve");
            samples.push(begin.elapsed());
            assert!(!hits.is_empty(), "{query:?} found nothing");
        }
        println!(
            "retrieve_records top 5 over {RECORDS} records ({label}): p50 {}  p95 {}",
            ms(percentile(&mut samples, 0.5)),
            ms(percentile(&mut samples, 0.95)),
        );
    }
}

async fn bench_size() {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path(), Durability::Normal).await;
    let mut words = Lcg(17);
    let mut text_bytes = 0;
    for index in 0..SIZE_EVENTS {
        let role = if index % 2 == 0 { Role::User } else { Role::Assistant };
        let text = format!("{} {}", words.sentence(), words.sentence());
        text_bytes += text.len();
        store
            .create_event(
                &memory,
                NewEvent::message("bench", &format!("s{}", index / 50), role, &text),
            )
            .await
            .expect("write");
    }
    store.close().await;
    let size = std::fs::metadata(folder.path().join("agentdesk.db")).expect("size").len();
    println!(
        "database size: {:.1} MB per {SIZE_EVENTS} events ({:.0} bytes of message text each on average)",
        size as f64 / 1e6,
        text_bytes as f64 / SIZE_EVENTS as f64
    );
}

/// The Chat page's search box: every conversation whose title or messages hold the words.
async fn bench_session_search() {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path(), Durability::Normal).await;
    let mut words = Lcg(23);
    for index in 0..SEARCH_SESSIONS * SEARCH_EVENTS {
        let role = if index % 2 == 0 { Role::User } else { Role::Assistant };
        let session = format!("s{}", index / SEARCH_EVENTS);
        let event = NewEvent::message("bench", &session, role, &words.sentence());
        store.create_event(&memory, event).await.expect("write");
    }
    for query in ["和菓子店", "postgres backup", "zzz-no-such-word"] {
        let mut samples = Vec::new();
        let mut found = 0;
        for _ in 0..SEARCHES {
            let started = Instant::now();
            found =
                store.search_sessions(&memory, Some("bench"), query).await.expect("search").len();
            samples.push(started.elapsed());
        }
        println!(
            "search_sessions {query:?} over {SEARCH_SESSIONS} conversations of {SEARCH_EVENTS} events ({found} found): p50 {}  p95 {}",
            ms(percentile(&mut samples, 0.5)),
            ms(percentile(&mut samples, 0.95)),
        );
    }
}

fn main() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    // `-- search` measures only the conversation search.
    if std::env::args().any(|arg| arg == "search") {
        runtime.block_on(bench_session_search());
        return;
    }
    runtime.block_on(async {
        bench_writes(Durability::Full).await;
        bench_writes(Durability::Normal).await;
        bench_turns().await;
        bench_retrieval().await;
        bench_size().await;
        bench_session_search().await;
    });
    println!(
        "anchors: Zep retrieval p95 155 ms (published); AgentCore Memory: one network round trip per call"
    );
}
