//! Sessions and tools with AgentCore Code Interpreter's semantics, on the real runtime.

mod common;

use std::time::{Duration, Instant};

use agentdesk_wasm_sandbox::{
    Content, EndReason, Limit, Limits, RuntimeId, SessionStatus, StartSession, ToolCall,
};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_state_persists_until_clear_context() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    run(&sandbox, &id, "import math\nx = 20\ndef double(v):\n    return v * 2").await;
    let result = run(&sandbox, &id, "print(double(x) + math.floor(2.5))").await;
    assert_eq!(stdout(&result), "42\n");
    assert!(!result.is_error);
    let small =
        result.structured_content.as_ref().and_then(|e| e.memory_bytes).expect("memory used");
    let grown = run(&sandbox, &id, "block = bytearray(64 << 20)").await;
    let large =
        grown.structured_content.as_ref().and_then(|e| e.memory_bytes).expect("memory used");
    // Most of the 64 MiB is new memory; the allocator may reuse a little it already had.
    assert!(large >= small + (60 << 20), "memory used is reported: {small} then {large}");
    let cleared = call(
        &sandbox,
        &id,
        "executeCode",
        json!({"code": "print('x' in globals())", "clearContext": true}),
    )
    .await;
    assert_eq!(stdout(&cleared), "False\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_expression_is_shown_and_exceptions_are_errors_with_a_clean_traceback() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    assert_eq!(stdout(&run(&sandbox, &id, "y = 6\ny * 7").await), "42\n");
    let failed = run(&sandbox, &id, "def f():\n    return 1 / 0\nf()").await;
    assert!(failed.is_error);
    let execution = failed.structured_content.as_ref().expect("structured");
    assert_eq!(execution.exit_code, 1);
    assert!(
        execution.stderr.starts_with("Traceback (most recent call last):\n  File \"<cell>\""),
        "{}",
        execution.stderr
    );
    assert!(
        execution.stderr.ends_with("ZeroDivisionError: division by zero\n"),
        "{}",
        execution.stderr
    );
    assert!(!execution.stderr.contains("_serve"), "driver frames leak: {}", execution.stderr);
    assert_eq!(stdout(&run(&sandbox, &id, "y").await), "6\n", "state survives an exception");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_agg_show_warning_is_silenced_and_the_driver_starts_without_re() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    // `re` costs a third of the interpreter's start; the driver's own filter must not need it.
    assert_eq!(stdout(&run(&sandbox, &id, "import sys\n're' in sys.modules").await), "False\n");
    let agg = "import warnings\nwarnings.warn('FigureCanvasAgg is non-interactive, and thus cannot be shown')";
    let silenced = run(&sandbox, &id, agg).await;
    assert_eq!(silenced.structured_content.as_ref().expect("structured").stderr, "");
    let other = run(&sandbox, &id, "import warnings\nwarnings.warn('check your inputs')").await;
    let stderr = &other.structured_content.as_ref().expect("structured").stderr;
    assert!(stderr.contains("UserWarning: check your inputs"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_exit_sets_the_exit_code_and_keeps_the_session() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    run(&sandbox, &id, "kept = 1").await;
    let exited = run(&sandbox, &id, "import sys; sys.exit(5)").await;
    assert_eq!(exited.structured_content.as_ref().map(|e| e.exit_code), Some(5));
    assert!(exited.is_error);
    assert_eq!(stdout(&run(&sandbox, &id, "kept").await), "1\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_move_between_the_tools_and_python() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let written = call(
        &sandbox,
        &id,
        "writeFiles",
        json!({"content": [
            {"path": "data/prices.csv", "text": "service,usd\nec2,30.37\n"},
            {"path": "raw.bin", "blob": "AAEC/w=="}
        ]}),
    )
    .await;
    assert!(!written.is_error, "{}", text(&written));
    let result = run(&sandbox, &id, "print(open('data/prices.csv').read().splitlines()[1])\nopen('out.txt', 'w').write('made in python')").await;
    assert_eq!(stdout(&result), "ec2,30.37\n14\n");
    let links: Vec<&str> = result
        .content
        .iter()
        .filter_map(|c| match c {
            Content::ResourceLink { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(links, ["out.txt"], "the run reports the file it created");

    let read = call(&sandbox, &id, "readFiles", json!({"paths": ["out.txt", "raw.bin"]})).await;
    let body = serde_json::to_value(&read.content).expect("json");
    assert_eq!(body[0]["resource"]["text"], "made in python");
    assert_eq!(body[1]["resource"]["blob"], "AAEC/w==");
    assert_eq!(body[0]["resource"]["uri"], "file:///workspace/out.txt");

    let listed = call(&sandbox, &id, "listFiles", json!({"directoryPath": "."})).await;
    let names: Vec<String> = serde_json::to_value(&listed.content)
        .expect("json")
        .as_array()
        .expect("list")
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["data", "out.txt", "raw.bin"]);

    let removed = call(&sandbox, &id, "removeFiles", json!({"paths": ["data", "raw.bin"]})).await;
    assert!(!removed.is_error, "{}", text(&removed));
    assert_eq!(
        stdout(&run(&sandbox, &id, "import os; sorted(os.listdir('.'))").await),
        "['out.txt']\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_start_list_get_and_stop_like_agentcore() {
    let (sandbox, dir) = sandbox(0);
    let info = sandbox
        .start_session(StartSession {
            name: "estimate".into(),
            runtime: RuntimeId::Python,
            timeout_seconds: 900,
            metered: false,
        })
        .await
        .expect("start");
    assert_eq!(info.status, SessionStatus::Ready);
    assert_eq!(info.code_interpreter_identifier, "agentdesk.local.python");
    assert!(sandbox.list_sessions().iter().any(|s| s.session_id == info.session_id));
    run(&sandbox, &info.session_id, "open('keep.txt', 'w').write('x')").await;

    assert_eq!(files_under(dir.path()).len(), 1, "keep.txt is in the workspace");
    let stopped = sandbox.stop_session(&info.session_id).expect("stop");
    assert_eq!(stopped.status, SessionStatus::Terminated);
    assert!(files_under(dir.path()).is_empty(), "stopping deletes the session's files");
    assert_eq!(
        sandbox.get_session(&info.session_id).map(|s| s.status),
        Some(SessionStatus::Terminated)
    );
    let after = run(&sandbox, &info.session_id, "print(1)").await;
    assert!(after.is_error && text(&after).contains("start a new one"), "{}", text(&after));
    assert!(sandbox.stop_session(&info.session_id).is_err(), "stopping twice is an error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_at_its_timeout_counted_from_start() {
    let (sandbox, dir) = sandbox(0);
    let info = sandbox
        .start_session(StartSession {
            name: "short".into(),
            runtime: RuntimeId::Python,
            timeout_seconds: 1,
            metered: false,
        })
        .await
        .expect("start");
    let give_up = Instant::now() + Duration::from_secs(20);
    while sandbox.get_session(&info.session_id).map(|s| s.status) != Some(SessionStatus::Terminated)
    {
        assert!(Instant::now() < give_up, "the session outlived its timeout");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let leftovers = files_under(dir.path());
    assert!(leftovers.is_empty(), "its files are deleted: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors() {
    let (sandbox, _dir) = sandbox(0);
    for timeout_seconds in [0, 28_801] {
        let refused = sandbox
            .start_session(StartSession {
                name: "bad".into(),
                runtime: RuntimeId::Python,
                timeout_seconds,
                metered: false,
            })
            .await;
        assert!(refused.err().is_some_and(|e| e.to_string().contains("1 to 28800")));
    }
    let id = session(&sandbox).await;
    let scientific_fuel = sandbox
        .start_session(StartSession {
            name: "bad".into(),
            runtime: RuntimeId::PythonScientific,
            timeout_seconds: 900,
            metered: true,
        })
        .await;
    assert!(scientific_fuel.err().is_some_and(|e| e.to_string().contains("python runtime only")));
    let command = call(&sandbox, &id, "executeCommand", json!({"command": "ls"})).await;
    assert!(command.is_error && text(&command).contains("not available in the local sandbox"));
    let js =
        call(&sandbox, &id, "executeCode", json!({"code": "1", "language": "javascript"})).await;
    assert!(js.is_error && text(&js).contains("Python only"));
    let missing = call(&sandbox, &id, "executeCode", json!({})).await;
    assert!(missing.is_error && text(&missing).contains("needs `code`"));
    let unknown = call(&sandbox, &id, "fly", json!({})).await;
    assert!(unknown.is_error && text(&unknown).contains("unknown tool"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_stops_the_run_restarts_the_interpreter_and_keeps_files() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    run(&sandbox, &id, "x = 1\nopen('kept.txt', 'w').write('still here')").await;
    let limits = Limits { deadline: Duration::from_millis(500), ..Limits::default() };
    for endless in ["while True: pass", "import time\ntime.sleep(3600)"] {
        let stopped =
            call_with(&sandbox, &id, "executeCode", json!({"code": endless}), &limits).await;
        let execution = stopped.structured_content.as_ref().expect("structured");
        assert_eq!(execution.limit, Some(Limit::Deadline), "{endless}");
        assert_eq!(execution.exit_code, 3);
        assert!(execution.state_lost && stopped.is_error);
    }
    let after = run(&sandbox, &id, "print('x' in globals(), open('kept.txt').read())").await;
    assert_eq!(stdout(&after), "False still here\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_sessions_all_complete() {
    let (sandbox, _dir) = sandbox(0);
    let mut tasks = Vec::new();
    for n in 0..50 {
        let sandbox = sandbox.clone();
        tasks.push(tokio::spawn(async move {
            let id = session(&sandbox).await;
            let result = run(&sandbox, &id, &format!("sum(i * i for i in range({n}))")).await;
            sandbox.stop_session(&id).expect("stop");
            (n, stdout(&result).to_owned())
        }));
    }
    for task in tasks {
        let (n, out) = task.await.expect("task");
        let expected: u64 = (0..n).map(|i: u64| i * i).sum();
        assert_eq!(out, format!("{expected}\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_spare_serves_the_next_session() {
    let (sandbox, dir) = sandbox(1);
    sandbox.warm_up(RuntimeId::Python).await.expect("warm up");
    // The spare is an interpreter already booted in a workspace folder of its own.
    let spare_folders: Vec<String> = folders_under(dir.path())
        .into_iter()
        .filter(|p| p.extension().is_none() && p.parent() != Some(dir.path()))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(spare_folders.len(), 1, "{spare_folders:?}");
    let id = session(&sandbox).await;
    assert_eq!(id, spare_folders[0], "the new session is the spare, not a fresh boot");
    assert_eq!(stdout(&run(&sandbox, &id, "print(1)").await), "1\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_streams_while_the_cell_still_runs() {
    let (sandbox, dir) = sandbox(0);
    let id = session(&sandbox).await;
    let (sink, mut live) = tokio::sync::mpsc::unbounded_channel();
    let running = {
        let sandbox = sandbox.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let call = agentdesk_wasm_sandbox::ToolCall {
                name: "executeCode".into(),
                arguments: json!({"code": "import os\nprint('first')\nwhile not os.path.exists('go'):\n    pass\nprint('second')"}),
            };
            sandbox.invoke_streaming(&id, &call, &Limits::default(), Some(&sink)).await
        })
    };
    let mut seen = String::new();
    while !seen.contains('\n') {
        seen.push_str(&live.recv().await.expect("a live chunk").text);
    }
    assert_eq!(seen, "first\n");
    assert!(!running.is_finished(), "the chunk arrived before the cell ended");
    // The cell waits for a file; create it from the host side of its workspace.
    let workspace =
        folders_under(dir.path()).into_iter().find(|p| p.ends_with(&id)).expect("workspace");
    std::fs::write(workspace.join("go"), "").expect("write go");
    let result = running.await.expect("task");
    assert_eq!(stdout(&result), "first\nsecond\n");
}

/// Every file and folder under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        found.push(entry.path());
        if entry.path().is_dir() {
            found.extend(walk(&entry.path()));
        }
    }
    found
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    walk(dir).into_iter().filter(|p| p.is_file()).collect()
}

fn folders_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    walk(dir).into_iter().filter(|p| p.is_dir()).collect()
}

/// Polls `done` until it holds, failing after a generous deadline with `what`.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < give_up, "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_an_endless_cell_and_the_session_runs_the_next_one() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    run(&sandbox, &id, "x = 1\nopen('kept.txt', 'w').write('still here')").await;
    assert!(!sandbox.stop_running(&id).expect("stop"), "nothing runs yet");
    for endless in ["while True: pass", "import time\ntime.sleep(3600)"] {
        // The cell says when it runs, so Stop is pressed while the code itself runs.
        let code = format!("print('started', flush=True)\n{endless}");
        let (sink, mut printed) = tokio::sync::mpsc::unbounded_channel();
        let running = {
            let (sandbox, id) = (sandbox.clone(), id.clone());
            let call = ToolCall { name: "executeCode".into(), arguments: json!({"code": code}) };
            tokio::spawn(async move {
                sandbox.invoke_streaming(&id, &call, &Limits::default(), Some(&sink)).await
            })
        };
        let started = printed.recv().await.expect("the cell prints first");
        assert!(started.text.starts_with("started"), "{started:?}");
        let pressed = Instant::now();
        assert!(sandbox.stop_running(&id).expect("stop"), "{endless} was running");
        let stopped = running.await.expect("the run returns");
        eprintln!("{endless:?} stopped {:?} after Stop", pressed.elapsed());
        let execution = stopped.structured_content.as_ref().expect("structured");
        assert!(execution.stopped && execution.state_lost && stopped.is_error, "{execution:?}");
        assert_eq!(execution.exit_code, agentdesk_wasm_sandbox::STOPPED_EXIT_CODE);
        assert_eq!(execution.limit, None, "a stop is not a limit");
        assert!(execution.stderr.contains("stopped on request"), "{}", execution.stderr);
        assert!(
            execution.stderr.contains("variables and imports are gone"),
            "{}",
            execution.stderr
        );
    }
    let after = run(&sandbox, &id, "print('x' in globals(), open('kept.txt').read())").await;
    assert_eq!(stdout(&after), "False still here\n", "the session runs on, with its files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unused_session_ends_after_the_idle_timeout_and_a_used_one_does_not() {
    let (sandbox, _dir) = sandbox(0);
    let used = session(&sandbox).await;
    let unused = session(&sandbox).await;
    sandbox.set_idle_timeout(Some(Duration::from_millis(600)));
    // `used` keeps calling; each call restarts its idle time. `unused` only waits.
    let status = |id: &str| sandbox.get_session(id).map(|s| (s.status, s.ended));
    let mut calls = 0;
    while status(&unused).is_some_and(|(status, _)| status == SessionStatus::Ready) {
        calls += 1;
        assert!(calls < 2_000, "the unused session never ended");
        assert_eq!(stdout(&run(&sandbox, &used, "print(1)").await), "1\n");
    }
    assert_eq!(status(&unused), Some((SessionStatus::Terminated, Some(EndReason::Idle))));
    assert_eq!(status(&used).map(|(status, _)| status), Some(SessionStatus::Ready));
    // A long call is not idleness: a cell running longer than the idle timeout completes.
    let slow = run(&sandbox, &used, "import time\ntime.sleep(1.2)\nprint('done')").await;
    assert_eq!(stdout(&slow), "done\n");
    eventually("the used session never ended once idle", || {
        status(&used) == Some((SessionStatus::Terminated, Some(EndReason::Idle)))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_session_drops_its_interpreter_and_frees_its_memory() {
    let (sandbox, _dir) = sandbox(0);
    assert_eq!(sandbox.usage().interpreters, 0);
    let id = session(&sandbox).await;
    let grown = run(&sandbox, &id, "block = bytearray(64 << 20)").await;
    let reported = grown.structured_content.and_then(|e| e.memory_bytes).expect("memory");
    let usage = sandbox.usage();
    assert_eq!(usage.interpreters, 1);
    assert_eq!(usage.sessions.len(), 1);
    assert_eq!(usage.sessions[0].memory_bytes, reported, "the session's figure is its run's");
    assert!(usage.memory_bytes >= 64 << 20, "{usage:?}");
    eprintln!("one session holding a 64 MiB bytearray: {} MiB of linear memory", reported >> 20);

    // A stopped cell's interpreter goes at once; the session's next call boots another.
    let running = {
        let (sandbox, id) = (sandbox.clone(), id.clone());
        tokio::spawn(async move { run(&sandbox, &id, "while True: pass").await })
    };
    eventually("the cell never started", || sandbox.usage().sessions[0].running).await;
    sandbox.stop_running(&id).expect("stop");
    running.await.expect("run");
    eventually("the stopped interpreter's store was not dropped", || {
        sandbox.usage().interpreters == 0
    })
    .await;
    assert_eq!(sandbox.usage().sessions[0].memory_bytes, 0);
    assert_eq!(stdout(&run(&sandbox, &id, "print(2)").await), "2\n");
    assert_eq!(sandbox.usage().interpreters, 1);

    sandbox.stop_session(&id).expect("stop session");
    eventually("the ended session's store was not dropped", || {
        let usage = sandbox.usage();
        usage.interpreters == 0 && usage.memory_bytes == 0 && usage.sessions.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_session_stops_its_running_cell_at_once() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let running = {
        let (sandbox, id) = (sandbox.clone(), id.clone());
        tokio::spawn(async move { run(&sandbox, &id, "while True: pass").await })
    };
    eventually("the cell never started", || sandbox.usage().sessions[0].running).await;
    let ended = sandbox.stop_session(&id).expect("stop");
    assert_eq!(ended.ended, Some(EndReason::Stopped));
    // Well within the run's 30 s deadline: the stop reached the running cell.
    let stopped = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the cell kept running after its session ended")
        .expect("run");
    assert!(stopped.structured_content.is_some_and(|e| e.stopped));
    eventually("the interpreter outlived its session", || sandbox.usage().interpreters == 0).await;
}
