//! Durability: a writer process killed with SIGKILL in the middle of writing loses nothing it
//! acknowledged, and the file stays consistent.
//!
//! The writer is this test binary itself, re-run with `--ignored --exact crash_writer_child`
//! and the database path in an environment variable; it prints `acked <event id>` after each
//! `create_event` returns.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use agentdesk_memory::{MemoryStore, NewEvent, Role};

const DATABASE_VARIABLE: &str = "AGENTDESK_CRASH_TEST_DB";
const ROUNDS: usize = 8;

#[test]
#[ignore = "the writer half of writer_killed_mid_write_loses_nothing_acknowledged"]
fn crash_writer_child() {
    let Ok(path) = std::env::var(DATABASE_VARIABLE) else { return };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = MemoryStore::open(std::path::Path::new(&path)).await.expect("open");
        let memory = store.default_memory().await.expect("memory").memory_id;
        let filler = "x".repeat(2000);
        for index in 0..1_000_000 {
            let session = format!("s{}", index % 7);
            let text = format!("event {index} {filler}");
            let event = store
                .create_event(&memory, NewEvent::message("writer", &session, Role::User, &text))
                .await
                .expect("create event");
            println!("acked {}", event.event_id);
        }
    });
}

#[tokio::test]
async fn writer_killed_mid_write_loses_nothing_acknowledged() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join("agentdesk.db");
    let mut acknowledged = Vec::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--ignored", "--exact", "crash_writer_child", "--nocapture", "--test-threads=1"])
            .env(DATABASE_VARIABLE, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().expect("writer stdout");
        let mut lines = BufReader::new(stdout).lines();
        // A different point in the write loop each round.
        let kill_after = 40 + round * 29;
        let mut seen = 0;
        while seen < kill_after {
            let line = lines.next().expect("the writer stopped early").expect("read");
            if let Some(id) = line.strip_prefix("acked ") {
                acknowledged.push(id.to_owned());
                seen += 1;
            }
        }
        child.kill().expect("SIGKILL the writer");
        child.wait().expect("reap the writer");
        // Acknowledgements already in the pipe count too: the writer saw those commits return.
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("acked ") {
                acknowledged.push(id.to_owned());
            }
        }
    }

    let store = MemoryStore::open(&path).await.expect("reopen after crashes");
    store.integrity_check().await.expect("PRAGMA integrity_check is ok");
    let memory = store.default_memory().await.expect("memory").memory_id;
    for id in &acknowledged {
        store
            .get_event(&memory, id)
            .await
            .unwrap_or_else(|error| panic!("acknowledged event {id} lost: {error}"));
    }
    let stored: u32 = store
        .list_sessions(&memory, Some("writer"))
        .await
        .expect("sessions")
        .iter()
        .map(|s| s.event_count)
        .sum();
    assert!(stored as usize >= acknowledged.len());
    println!(
        "{ROUNDS} kills, {} acknowledged events all present, integrity ok",
        acknowledged.len()
    );
}
