//! `agentdesk memory …` as a user runs it: real processes on a real database file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run_in(&self, data: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_agentdesk"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .arg("--data-dir")
            .arg(data)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("AGENTDESK_CONFIG")
            .output()
            .expect("run agentdesk")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.data(), args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON on stdout")
    }
}

#[test]
fn a_conversation_written_by_the_cli_is_listed_extracted_and_searchable() {
    let desk = Desk::new();
    desk.ok(&["memory", "add-event", "bakery", "パン屋のWebサイトをHTMLでなるべく安く作りたい"]);
    desk.ok(&["memory", "add-event", "bakery", "--role", "assistant", "S3 なら月数百円です"]);

    let sessions = desk.json(&["memory", "sessions", "--json"]);
    assert_eq!(sessions[0]["sessionId"], "bakery");
    assert_eq!(sessions[0]["actorId"], "local-user");
    assert_eq!(sessions[0]["title"], "パン屋のWebサイトをHTMLでなるべく安く作りたい");
    assert_eq!(sessions[0]["eventCount"], 2);

    let events = desk.json(&["memory", "events", "bakery", "--json"]);
    assert_eq!(events[0]["payload"][0]["conversational"]["role"], "USER");
    assert_eq!(events[1]["payload"][0]["conversational"]["role"], "ASSISTANT");
    let text = desk.ok(&["memory", "events", "bakery"]);
    assert!(text.contains("USER: パン屋") && text.contains("ASSISTANT: S3"), "{text}");

    let status = desk.json(&["memory", "status", "--json"]);
    assert_eq!(status["pendingEvents"], 2);
    let report = desk.json(&["memory", "extract", "--json"]);
    assert_eq!(report["events"], 2);
    let status = desk.json(&["memory", "status", "--json"]);
    assert_eq!(status["pendingEvents"], 0);

    let hits = desk.json(&["memory", "records", "--query", "なるべく安く", "--json"]);
    assert!(
        hits[0]["content"]["text"].as_str().is_some_and(|t| t.starts_with("コスト重視")),
        "{hits}"
    );
    let listed = desk.ok(&["memory", "records"]);
    assert!(listed.contains("preferences:") && listed.contains("summaries:"), "{listed}");
}

#[test]
fn export_import_and_forget_round_trip() {
    let desk = Desk::new();
    desk.ok(&["memory", "add-event", "s1", "--actor", "alice", "My budget is $300 a month"]);
    desk.ok(&["memory", "add-event", "s2", "--actor", "bob", "I prefer Aurora"]);
    desk.ok(&["memory", "extract"]);
    let file = desk.dir.path().join("export.json");
    let file_arg = file.to_str().expect("utf-8 path");
    desk.ok(&["memory", "export", "--output", file_arg]);
    let again = desk.run(&["memory", "export", "--output", file_arg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwritten"));

    let elsewhere = desk.dir.path().join("other-data");
    let output = desk.run_in(&elsewhere, &["memory", "import", file_arg, "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(summary["events"], 2);
    let sessions = desk.run_in(&elsewhere, &["memory", "sessions", "--json"]);
    let sessions: Value = serde_json::from_slice(&sessions.stdout).expect("json");
    assert_eq!(sessions.as_array().map(Vec::len), Some(2));

    let refused = desk.run(&["memory", "forget", "alice"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    let forgot = desk.json(&["memory", "forget", "alice", "--yes", "--json"]);
    assert_eq!(forgot["sessions"], 1);
    let sessions = desk.json(&["memory", "sessions", "--json"]);
    assert_eq!(sessions.as_array().map(Vec::len), Some(1));
    assert_eq!(sessions[0]["actorId"], "bob");
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let desk = Desk::new();
    let not_export = desk.dir.path().join("notes.json");
    std::fs::write(&not_export, "{\"hello\": 1}").expect("write");
    let output = desk.run(&["memory", "import", not_export.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("is not an AgentDesk memory export"), "{message}");

    let output = desk.run(&["memory", "events", "nowhere"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("agentdesk memory sessions"));

    let output = desk.run(&["memory", "add-event", "s", "--role", "robot", "hi"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("use user, assistant, tool or other"));

    std::fs::create_dir_all(desk.data()).expect("data dir");
    let database = desk.data().join("agentdesk.db");
    std::fs::write(&database, "not a database at all, but the user's file").expect("write");
    let output = desk.run(&["memory", "sessions"]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("left untouched"), "{message}");
    assert_eq!(
        std::fs::read_to_string(&database).expect("read"),
        "not a database at all, but the user's file"
    );
    let doctor = desk.run(&["doctor", "--json"]);
    let report: Value = serde_json::from_slice(&doctor.stdout).expect("json");
    let memory = report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == "memory"))
        .cloned();
    assert_eq!(memory.map(|check| check["code"].clone()), Some(Value::from("corrupt")));
}
