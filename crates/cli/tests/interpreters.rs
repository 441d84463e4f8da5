//! `agentdesk interpreters` and `agentdesk sandbox run --interpreter` as a user runs them,
//! against a real `agentdesk serve` process offering the Code Interpreter data plane over
//! the sandbox runtime `make test` installs: the same output, exit codes and `--json` shape
//! as a local run, and the estimator's arithmetic moved there by one setting.

#[allow(dead_code, reason = "only `command` and `agentdesk` of the shared helpers are used here")]
mod support;

use std::path::Path;
use std::process::Output;

use agentdesk_e2e::serve_process::ServeWithSandbox;
use serde_json::Value;

/// `agentdesk serve` over the installed runtime: the interpreter these tests call.
fn serve() -> ServeWithSandbox {
    ServeWithSandbox::start(Path::new(env!("CARGO_BIN_EXE_agentdesk")))
        .unwrap_or_else(|problem| panic!("{problem}"))
}

fn run(folder: &Path, args: &[&str]) -> Output {
    support::agentdesk(folder, args, "")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn code_runs_on_a_self_hosted_interpreter_with_the_local_runs_output_and_exit_codes() {
    let serve = serve();
    let folder = tempfile::tempdir().expect("temp");
    let folder = folder.path();

    let added = run(
        folder,
        &["interpreters", "add", "desk", "--endpoint", &serve.url, "--session-timeout", "300"],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("added desk"), "{}", stdout(&added));
    let config = std::fs::read_to_string(folder.join("config.toml")).expect("config");
    assert!(config.contains("[interpreters.desk]"), "{config}");

    let listed = run(folder, &["interpreters", "list", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(listed[0]["name"], "desk");
    assert_eq!(listed[0]["reachable"], true, "{listed}");
    assert_eq!(listed[0]["session_timeout_seconds"], 300);

    let ran = run(
        folder,
        &["sandbox", "run", "--interpreter", "desk", "-c", "x = 2", "-c", "print(x * 21)"],
    );
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert_eq!(stdout(&ran), "42\n", "state kept between cells on the interpreter");

    let json = run(
        folder,
        &["sandbox", "run", "--interpreter", "desk", "--json", "-c", "print('こんにちは')"],
    );
    assert!(json.status.success(), "{}", stderr(&json));
    let results: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(results[0]["structuredContent"]["stdout"], "こんにちは\n", "{results}");
    assert_eq!(results[0]["isError"], false);

    let failed = run(folder, &["sandbox", "run", "--interpreter", "desk", "-c", "1 / 0"]);
    assert_eq!(failed.status.code(), Some(1), "an exception exits 1, as locally");
    assert!(stderr(&failed).contains("ZeroDivisionError"), "{}", stderr(&failed));
    let exited =
        run(folder, &["sandbox", "run", "--interpreter", "desk", "-c", "raise SystemExit(7)"]);
    assert_eq!(exited.status.code(), Some(7), "sys.exit's code, as locally");

    let unknown = run(folder, &["sandbox", "run", "--interpreter", "cloud", "-c", "print(1)"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no [interpreters.cloud]") && stderr(&unknown).contains("desk"),
        "names the missing table and the configured ones: {}",
        stderr(&unknown)
    );

    let removed = run(folder, &["interpreters", "remove", "desk"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let empty = run(folder, &["interpreters", "list"]);
    assert!(stdout(&empty).contains("no remote interpreters yet"), "{}", stdout(&empty));
    let again = run(folder, &["interpreters", "remove", "desk"]);
    assert!(!again.status.success() && stderr(&again).contains("no interpreter named \"desk\""));
}

#[test]
fn the_estimators_arithmetic_moves_to_the_interpreter_with_one_setting() {
    let serve = serve();
    let folder = tempfile::tempdir().expect("temp");
    let folder = folder.path();
    assert!(
        run(folder, &["interpreters", "add", "desk", "--endpoint", &serve.url]).status.success()
    );
    assert!(run(folder, &["config", "set", "tools.interpreter", "desk"]).status.success());

    let estimate =
        run(folder, &["estimate", "--json", "東京リージョンでt3.smallを1台、24時間稼働させたい"]);
    assert!(estimate.status.success(), "{}", stderr(&estimate));
    let estimate: Value = serde_json::from_slice(&estimate.stdout).expect("json");
    assert_eq!(estimate["calculated_in"], "interpreter", "{estimate}");
    assert_eq!(estimate["calculation_note"], "desk");
    assert!(
        estimate["report_markdown"].as_str().is_some_and(|report| report.contains("desk")),
        "the report says where it was calculated: {estimate}"
    );

    // The interpreter goes away: the estimate says so and keeps the host's figures.
    drop(serve);
    let offline = run(folder, &["estimate", "--json", "one t3.small in us-east-1"]);
    assert!(offline.status.success(), "{}", stderr(&offline));
    let offline: Value = serde_json::from_slice(&offline.stdout).expect("json");
    assert_eq!(offline["calculated_in"], "host", "{offline}");
    let note = offline["calculation_note"].as_str().expect("why");
    assert!(note.contains("desk") && note.contains("cannot be reached"), "{note}");

    // With the fallback allowed, the local sandbox stands in (when it is installed), saying so.
    assert!(
        run(folder, &["config", "set", "tools.interpreter_fallback_to_local", "true"])
            .status
            .success()
    );
    let unknown = run(folder, &["config", "set", "tools.interpreter", "nowhere"]);
    assert!(unknown.status.success(), "a name is checked when it is used: {}", stderr(&unknown));
    let misnamed = run(folder, &["estimate", "--json", "one t3.small in us-east-1"]);
    let misnamed: Value = serde_json::from_slice(&misnamed.stdout).expect("json");
    let note = misnamed["calculation_note"].as_str().expect("why");
    assert_eq!(
        misnamed["calculated_in"], "host",
        "a wrong name never falls back in silence: {misnamed}"
    );
    assert!(note.contains("no [interpreters.nowhere]"), "{note}");
}
