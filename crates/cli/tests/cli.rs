//! The `agentdesk` binary as a user runs it: real processes, real files in a temporary
//! folder, and the exit codes scripts rely on (0 ok, 1 failure, 2 usage error, 141 when the
//! reader of its output went away).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Scratch {
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn scratch(config_text: Option<&str>) -> Scratch {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    if let Some(text) = config_text {
        fs::write(&config, text).expect("write config");
    }
    Scratch { dir, config }
}

impl Scratch {
    fn agentdesk(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run agentdesk")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agentdesk"));
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("AGENTDESK_CONFIG")
            .env_remove("AGENTDESK_UI_THEME");
        command
    }

    fn file(&self) -> String {
        fs::read_to_string(&self.config).unwrap_or_default()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A trace receiver setting AgentDesk cannot use is named by the doctor, not ignored.
#[test]
fn the_doctor_names_an_otlp_protocol_it_cannot_send_with() {
    let s = scratch(None);
    let output = s
        .command(&["doctor", "--json"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .output()
        .expect("run agentdesk");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let traces = &report["checks"][6];
    assert_eq!(traces["id"], "traces");
    assert_eq!(traces["status"], "warning", "{traces}");
    assert_eq!(traces["code"], "bad_setting", "{traces}");
    let summary = traces["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("\"http/json\" is not supported: use http/protobuf or grpc"),
        "{summary}"
    );
}

#[test]
fn doctor_json_has_the_documented_shape() {
    let s = scratch(None);
    let output = s.agentdesk(&["doctor", "--json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let checks = report["checks"].as_array().expect("checks");
    let ids: Vec<&str> = checks.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["config", "data_dir", "cache_dir", "keyring", "sandbox", "memory", "traces"]);
    for check in checks {
        for field in ["status", "code", "params", "summary", "fix"] {
            assert!(check.get(field).is_some(), "{field} missing in {check}");
        }
    }
    assert_eq!(report["checks"][1]["status"], "ok");
    assert_eq!(report["versions"][0]["name"], "agentdesk");
    let keyring_failed = report["checks"][3]["status"] == "error";
    assert_eq!(
        output.status.code(),
        Some(if keyring_failed { 1 } else { 0 }),
        "{}",
        stderr(&output)
    );
}

#[test]
fn doctor_fails_with_the_path_when_the_data_folder_cannot_be_written() {
    let s = scratch(None);
    let blocker = s.dir.path().join("a-file");
    fs::write(&blocker, "not a folder").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .arg("--config")
        .arg(&s.config)
        .arg("--data-dir")
        .arg(blocker.join("data"))
        .args(["doctor"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(&format!("cannot write to {}", blocker.join("data").display())),
        "{text}"
    );
    assert!(text.contains("fix: Make"), "{text}");
}

#[test]
fn config_set_get_and_list_round_trip() {
    let s = scratch(Some("# keep me\n"));
    let set = s.agentdesk(&["config", "set", "ui.theme", "dark"]);
    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(s.file(), "# keep me\n\n[ui]\ntheme = \"dark\"\n");
    assert_eq!(stdout(&s.agentdesk(&["config", "get", "ui.theme"])), "dark\n");
    assert_eq!(stdout(&s.agentdesk(&["config", "path"])), format!("{}\n", s.config.display()));

    let list: Value =
        serde_json::from_slice(&s.agentdesk(&["config", "list", "--json"]).stdout).expect("JSON");
    let theme =
        list.as_array().expect("array").iter().find(|e| e["key"] == "ui.theme").expect("ui.theme");
    assert_eq!(theme["value"], "dark");
    assert_eq!(theme["source"], "file");
}

#[test]
fn environment_overrides_show_in_get_and_list() {
    let s = scratch(None);
    let output = s
        .command(&["config", "list", "--json"])
        .env("AGENTDESK_UI_THEME", "light")
        .output()
        .expect("run");
    let list: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let theme =
        list.as_array().expect("array").iter().find(|e| e["key"] == "ui.theme").expect("ui.theme");
    assert_eq!(theme["source"], "env:AGENTDESK_UI_THEME");
}

#[test]
fn invalid_values_and_unknown_keys_exit_1_and_say_what_is_expected() {
    let s = scratch(None);
    let invalid = s.agentdesk(&["config", "set", "ui.theme", "blue"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        stderr(&invalid).contains("expected one of system, light, dark"),
        "{}",
        stderr(&invalid)
    );
    let unknown = s.agentdesk(&["config", "get", "ui.colour"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("known keys: data_dir"), "{}", stderr(&unknown));
    assert!(!s.config.exists());
}

#[test]
fn usage_errors_exit_2() {
    let s = scratch(None);
    assert_eq!(s.agentdesk(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(s.agentdesk(&["config", "set", "ui.theme"]).status.code(), Some(2));
}

#[test]
fn a_malformed_config_is_reported_with_its_line_and_never_rewritten() {
    let broken = "[ui]\ntheme = \"dark\"\n[log\n";
    let s = scratch(Some(broken));
    let get = s.agentdesk(&["config", "get", "ui.theme"]);
    assert!(get.status.success(), "commands still run");
    assert_eq!(stdout(&get), "system\n", "defaults while the file is broken");
    assert!(stderr(&get).contains("line 3: syntax error"), "{}", stderr(&get));

    let set = s.agentdesk(&["config", "set", "ui.theme", "light"]);
    assert_eq!(set.status.code(), Some(1));
    assert!(
        stderr(&set).contains("syntax error at line 3, so it was not changed"),
        "{}",
        stderr(&set)
    );
    assert_eq!(s.file(), broken);
}

#[test]
fn config_edit_saves_a_valid_edit() {
    let s = scratch(Some("[ui]\ntheme = \"dark\"\n"));
    let editor = write_editor(s.dir.path(), "sed -i 's/dark/light/' \"$1\"");
    let output = s.command(&["config", "edit"]).env("VISUAL", &editor).output().expect("run");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(s.file(), "[ui]\ntheme = \"light\"\n");
}

#[test]
fn config_edit_keeps_an_invalid_edit_aside_and_the_file_unchanged() {
    let s = scratch(Some("[ui]\ntheme = \"dark\"\n"));
    let editor = write_editor(s.dir.path(), "sed -i 's/dark/purple/' \"$1\"");
    let output = s.command(&["config", "edit"]).env("VISUAL", &editor).output().expect("run");
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("line 2: key `ui.theme`: `purple` is not valid"), "{message}");
    assert_eq!(s.file(), "[ui]\ntheme = \"dark\"\n");
    let rejected = s.config.with_extension("toml.rejected");
    assert_eq!(
        fs::read_to_string(rejected).expect("rejected edit kept"),
        "[ui]\ntheme = \"purple\"\n"
    );
}

fn write_editor(dir: &Path, script: &str) -> String {
    let path = dir.join("editor.sh");
    fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("write editor");
    format!("sh {}", path.display())
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_as_sigpipe_would() {
    let s = scratch(None);
    // A reader that has already gone, as `agentdesk config list | head -0` leaves it.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = s
        .command(&["config", "list"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run agentdesk");
    assert_eq!(output.status.code(), Some(141), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}
