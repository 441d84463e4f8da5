//! Expiry, export and import, "forget me", and files the store must refuse.

use agentdesk_memory::{
    DATABASE_FILE, Error, ListRecords, MemoryStore, NewEvent, Role, RuleExtractor,
};
use time::{Duration, OffsetDateTime};

async fn open(folder: &std::path::Path) -> (MemoryStore, String) {
    let store = MemoryStore::open_in(folder).await.expect("open");
    let memory = store.default_memory().await.expect("memory").memory_id;
    (store, memory)
}

async fn say(store: &MemoryStore, memory: &str, actor: &str, session: &str, text: &str) {
    store
        .create_event(memory, NewEvent::message(actor, session, Role::User, text))
        .await
        .expect("event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_database_opened_by_several_at_once_is_set_up_once() {
    let folder = tempfile::tempdir().expect("temp");
    let opening: Vec<_> = (0..6)
        .map(|_| {
            let folder = folder.path().to_owned();
            tokio::spawn(async move { MemoryStore::open_in(&folder).await })
        })
        .collect();
    let mut memory_ids = Vec::new();
    for opened in opening {
        let store = opened.await.expect("task").expect("every open succeeds");
        memory_ids.push(store.default_memory().await.expect("memory").memory_id);
    }
    memory_ids.dedup();
    assert_eq!(memory_ids.len(), 1, "one default memory: {memory_ids:?}");
}

#[tokio::test]
async fn expired_events_are_purged_and_empty_sessions_with_them() {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path()).await;
    let mut old = NewEvent::message("alice", "old", Role::User, "from last year");
    old.event_timestamp = Some(OffsetDateTime::now_utc() - Duration::days(91));
    store.create_event(&memory, old).await.expect("old event");
    say(&store, &memory, "alice", "recent", "from today").await;
    assert_eq!(store.purge_expired().await.expect("purge"), 1);
    let sessions = store.list_sessions(&memory, None).await.expect("sessions");
    let ids: Vec<&str> = sessions.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(ids, ["recent"]);
}

#[tokio::test]
async fn export_then_import_restores_everything_once() {
    let source_folder = tempfile::tempdir().expect("temp");
    let (source, memory) = open(source_folder.path()).await;
    say(&source, &memory, "alice", "s1", "Keep it as cheap as possible").await;
    say(&source, &memory, "alice", "s1", "My budget is $300 a month").await;
    say(&source, &memory, "bob", "s2", "I prefer Aurora").await;
    source.extract_pending(&memory, &RuleExtractor).await.expect("extract");

    let everything = source.export(None).await.expect("export");
    let json = serde_json::to_string(&everything).expect("encode");
    let alice_only = source.export(Some("alice")).await.expect("export alice");
    assert_eq!(alice_only.memories[0].sessions.len(), 1);
    assert!(alice_only.memories[0].records.iter().all(|r| r.actor_id == "alice"));

    let target_folder = tempfile::tempdir().expect("temp");
    let (target, target_memory) = open(target_folder.path()).await;
    let parsed = serde_json::from_str(&json).expect("decode");
    let summary = target.import(&parsed).await.expect("import");
    assert_eq!((summary.memories, summary.events, summary.skipped), (0, 3, 0), "{summary:?}");
    assert!(summary.records >= 3);
    let again = target.import(&parsed).await.expect("import twice");
    assert_eq!((again.events, again.records), (0, 0), "nothing is duplicated: {again:?}");

    let restored = target.export(None).await.expect("export again");
    let original =
        everything.memories.iter().find(|m| m.memory.memory_id == memory).expect("memory");
    let copy = restored
        .memories
        .iter()
        .find(|m| m.memory.memory_id == target_memory)
        .expect("imported memory");
    assert_eq!(copy.events, original.events);
    assert_eq!(copy.records, original.records);
    let status = target.extraction_status(&target_memory, &RuleExtractor).await.expect("status");
    assert_eq!(status.pending_events, 0, "imported history is not extracted again");

    let mut wrong = parsed.clone();
    wrong.format = "something-else".into();
    let error = target.import(&wrong).await.expect_err("wrong format");
    assert!(matches!(error, Error::Import(_)), "{error}");
}

#[tokio::test]
async fn forgetting_an_actor_removes_their_events_and_records_from_disk() {
    let folder = tempfile::tempdir().expect("temp");
    let (store, memory) = open(folder.path()).await;
    let secret = "my-very-identifiable-budget-line-4242";
    say(&store, &memory, "alice", "s1", &format!("My budget is $4242 a month, {secret}")).await;
    say(&store, &memory, "bob", "s2", "Keep it as cheap as possible").await;
    store.extract_pending(&memory, &RuleExtractor).await.expect("extract");

    let summary = store.forget_actor("alice").await.expect("forget");
    assert_eq!((summary.sessions, summary.events), (1, 1));
    assert!(summary.records >= 1);
    assert!(store.list_sessions(&memory, Some("alice")).await.expect("sessions").is_empty());
    let left = store.list_records(&memory, &ListRecords::default()).await.expect("records");
    assert!(left.items.iter().all(|record| record.actor_id == "bob"));
    assert_eq!(store.list_sessions(&memory, Some("bob")).await.expect("sessions").len(), 1);

    store.close().await;
    for file in std::fs::read_dir(folder.path()).expect("folder") {
        let path = file.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let found = bytes.windows(secret.len()).any(|window| window == secret.as_bytes());
        assert!(!found, "{} still holds the forgotten text", path.display());
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join(DATABASE_FILE);
    let notes = b"these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &notes).expect("write");
    let error = MemoryStore::open(&path).await.expect_err("refused");
    let message = error.to_string();
    assert!(matches!(error, Error::Corrupt { .. }), "{message}");
    assert!(message.contains("left untouched") && message.contains("move it aside"), "{message}");
    assert_eq!(std::fs::read(&path).expect("read"), notes);
}

#[tokio::test]
async fn a_damaged_database_is_refused_and_left_untouched() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join(DATABASE_FILE);
    {
        let (store, memory) = open(folder.path()).await;
        for index in 0..200 {
            say(&store, &memory, "alice", "s", &format!("message {index} {}", "x".repeat(400)))
                .await;
        }
        store.close().await;
    }
    let mut bytes = std::fs::read(&path).expect("read");
    // Keep the header, scribble over the schema page and the pages after it.
    for byte in &mut bytes[100..20_000] {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    let error = MemoryStore::open(&path).await.expect_err("refused");
    assert!(matches!(error, Error::Corrupt { .. }), "{error}");
    assert_eq!(std::fs::read(&path).expect("read"), bytes, "the damaged file is not rewritten");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join(DATABASE_FILE);
    {
        let (store, _) = open(folder.path()).await;
        store.close().await;
    }
    let newer = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
    let pool = sqlx::SqlitePool::connect_with(newer).await.expect("connect");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .expect("fake a newer migration");
    pool.close().await;
    let error = MemoryStore::open(&path).await.expect_err("refused");
    assert!(matches!(error, Error::NewerSchema { found: 9999, .. }), "{error}");
    assert!(error.to_string().contains("update AgentDesk"), "{error}");
}
