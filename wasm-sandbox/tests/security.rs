//! Guest code that tries to escape, exhaust or crash the host. Each must end safely — with a
//! named limit or a clean error — and leave the host untouched.

mod common;

use std::time::Duration;

use agentdesk_wasm_sandbox::{Limit, Limits};
use common::*;
use serde_json::json;

fn limit(result: &agentdesk_wasm_sandbox::ToolResult) -> Option<Limit> {
    result.structured_content.as_ref().and_then(|e| e.limit)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_meets_the_deadline() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let limits = Limits { deadline: Duration::from_secs(1), ..Limits::default() };
    let result =
        call_with(&sandbox, &id, "executeCode", json!({"code": "while True:\n    pass"}), &limits)
            .await;
    assert_eq!(limit(&result), Some(Limit::Deadline));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_meets_the_memory_cap() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let limits = Limits { memory_bytes: 64 << 20, ..Limits::default() };
    let result = call_with(
        &sandbox,
        &id,
        "executeCode",
        json!({"code": "blocks = []\nwhile True:\n    blocks.append(bytearray(8 << 20))"}),
        &limits,
    )
    .await;
    assert_eq!(limit(&result), Some(Limit::Memory), "{}", text(&result));
    assert!(result.is_error);
    assert_eq!(
        stdout(&run(&sandbox, &id, "print('alive')").await),
        "alive\n",
        "the session goes on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_ends_cleanly() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    // How the recursion ends is tested, not how fast: a busy machine gets time.
    let patient = Limits { deadline: Duration::from_secs(300), ..Limits::default() };
    let code =
        "import sys\nsys.setrecursionlimit(10**6)\ndef down(n):\n    return down(n + 1)\ndown(0)";
    let result = call_with(&sandbox, &id, "executeCode", json!({"code": code}), &patient).await;
    assert!(result.is_error);
    let execution = result.structured_content.as_ref().expect("structured");
    let clean =
        execution.stderr.contains("RecursionError") || execution.limit == Some(Limit::Crash);
    assert!(clean, "{}", execution.stderr);
    assert_eq!(stdout(&run(&sandbox, &id, "print('alive')").await), "alive\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_megabytes_of_output_is_cut_at_the_cap() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    for code in [
        "print('x' * (100 << 20))",
        "import os\nfor _ in range(100):\n    os.write(1, b'y' * (1 << 20))",
    ] {
        let result = run(&sandbox, &id, code).await;
        assert_eq!(limit(&result), Some(Limit::Output), "{code}");
        let out = stdout(&result);
        assert!(out.len() < (2 << 20), "{} bytes kept", out.len());
        assert!(
            out.ends_with("[output truncated: more than 1048576 bytes]"),
            "{}",
            &out[out.len() - 60..]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_files_are_out_of_reach_from_python() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let probe = "import os\nfor path in ['/etc/passwd', '../../etc/passwd', '/proc/self/environ']:\n    try:\n        open(path).read()\n        print('READ', path)\n    except OSError as error:\n        print('refused', path, type(error).__name__)\ntry:\n    print(sorted(os.listdir('/')))\nexcept OSError:\n    print('no root listing')";
    let out = stdout(&run(&sandbox, &id, probe).await).to_owned();
    assert!(!out.contains("READ"), "{out}");
    assert!(out.ends_with("no root listing\n") || out.ends_with("['workspace']\n"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_out_of_the_workspace_lead_nowhere() {
    let (sandbox, dir) = sandbox(0);
    let id = session(&sandbox).await;
    let secret = dir.path().join("host-secret.txt");
    std::fs::write(&secret, "host secret").expect("write secret");
    let made = run(&sandbox, &id, &format!(
        "import os\nfor name, target in [('to-passwd', '/etc/passwd'), ('to-secret', {:?}), ('up', '../../..')]:\n    try:\n        os.symlink(target, name)\n    except OSError as error:\n        print('no symlink', name, error)\nfor name in ['to-passwd', 'to-secret', 'up/etc/passwd']:\n    try:\n        print('READ', open(name).read()[:20])\n    except OSError as error:\n        print('refused', name)",
        secret.display().to_string()
    )).await;
    assert!(!stdout(&made).contains("READ"), "{}", stdout(&made));
    let read = call(&sandbox, &id, "readFiles", json!({"paths": ["to-passwd"]})).await;
    assert!(read.is_error || !text(&read).contains("root:"), "{}", text(&read));
    let read = call(&sandbox, &id, "readFiles", json!({"paths": ["to-secret"]})).await;
    assert!(!text(&read).contains("host secret"), "{}", text(&read));
    // Whether the write is refused or lands in the workspace, the host file must not change.
    call(
        &sandbox,
        &id,
        "writeFiles",
        json!({"content": [{"path": "to-secret", "text": "overwritten"}]}),
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(&secret).expect("read"),
        "host secret",
        "the host file is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_tools_refuse_paths_outside_the_workspace() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    for path in ["/etc/passwd", "../secret", "a/../../b", "nul\u{0}byte", ""] {
        for (tool, arguments) in [
            ("readFiles", json!({"paths": [path]})),
            ("writeFiles", json!({"content": [{"path": path, "text": "x"}]})),
            ("removeFiles", json!({"paths": [path]})),
            ("listFiles", json!({"directoryPath": path})),
        ] {
            let result = call(&sandbox, &id, tool, arguments).await;
            if tool == "listFiles" && path.is_empty() {
                assert!(!result.is_error, "an empty folder path lists the workspace");
                continue;
            }
            assert!(result.is_error, "{tool} {path:?} was accepted: {}", text(&result));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_environment_network_processes_or_native_code() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let probes = [
        // Only what the driver itself sets: none of the host's variables.
        (
            "import os; print(sorted(os.environ.items()))",
            "[('HOME', '/tmp'), ('MPLBACKEND', 'Agg'), ('MPLCONFIGDIR', '/tmp/matplotlib'), ('PYTHONDONTWRITEBYTECODE', '1'), ('PYTHONHASHSEED', '0'), ('TMPDIR', '/tmp')]",
        ),
        (
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 80), timeout=1)\n    print('CONNECTED')\nexcept Exception as error:\n    print('refused')",
            "refused",
        ),
        (
            "import urllib.request\ntry:\n    urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)\n    print('FETCHED')\nexcept Exception as error:\n    print('refused')",
            "refused",
        ),
        (
            "import os\ntry:\n    print('RAN', os.system('echo hi'))\nexcept Exception:\n    print('refused')",
            "refused",
        ),
        (
            "try:\n    import subprocess\n    subprocess.run(['ls'])\n    print('RAN')\nexcept Exception:\n    print('refused')",
            "refused",
        ),
        (
            "try:\n    import ctypes\n    print('LOADED')\nexcept Exception:\n    print('refused')",
            "refused",
        ),
    ];
    for (code, expected) in probes {
        let result = run(&sandbox, &id, code).await;
        assert_eq!(stdout(&result).trim_end(), expected, "{code}: {}", text(&result));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_files_are_written_listed_and_removed() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let files: Vec<_> = (0..10_000)
        .map(|n| json!({"path": format!("many/{n:05}.txt"), "text": n.to_string()}))
        .collect();
    let written = call(&sandbox, &id, "writeFiles", json!({"content": files})).await;
    assert!(!written.is_error, "{}", &text(&written)[..200]);
    let listed = call(&sandbox, &id, "listFiles", json!({"directoryPath": "many"})).await;
    assert_eq!(listed.content.len(), 10_000);
    // What is tested is the count, not the speed: a machine busy with other work gets time.
    let patient = Limits { deadline: Duration::from_secs(300), ..Limits::default() };
    let counted = call_with(
        &sandbox,
        &id,
        "executeCode",
        json!({"code": "import os; len(os.listdir('many'))"}),
        &patient,
    )
    .await;
    assert_eq!(stdout(&counted), "10000\n", "{}", text(&counted));
    let removed = call(&sandbox, &id, "removeFiles", json!({"paths": ["many"]})).await;
    assert!(!removed.is_error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_hundred_megabyte_write_is_refused_and_writes_nothing() {
    let (sandbox, _dir) = sandbox(0);
    let id = session(&sandbox).await;
    let chunk = "x".repeat(50 << 20);
    let files: Vec<_> =
        (0..4).map(|n| json!({"path": format!("big{n}.txt"), "text": chunk})).collect();
    let refused = call(&sandbox, &id, "writeFiles", json!({"content": files})).await;
    assert!(refused.is_error);
    assert!(text(&refused).contains("more than 100 MB; nothing was written"), "{}", text(&refused));
    assert_eq!(stdout(&run(&sandbox, &id, "import os; os.listdir('.')").await), "[]\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fuel_budget_stops_a_run_deterministically() {
    let (sandbox, _dir) = sandbox(0);
    let plain = session(&sandbox).await;
    let budget = Limits { fuel: Some(1_000_000), ..Limits::default() };
    let refused = call_with(&sandbox, &plain, "executeCode", json!({"code": "1"}), &budget).await;
    assert!(text(&refused).contains("does not count fuel"), "{}", text(&refused));
    let id = metered_session(&sandbox).await;
    let small = Limits { fuel: Some(50_000_000), ..Limits::default() };
    let fits =
        call_with(&sandbox, &id, "executeCode", json!({"code": "print(sum(range(1000)))"}), &small)
            .await;
    assert_eq!(stdout(&fits), "499500\n", "a small job fits the budget");
    let mut printed = Vec::new();
    for _ in 0..2 {
        let counting = "n = 0\nwhile True:\n    n += 1\n    if n % 10000 == 0:\n        print(n)";
        let budget = Limits { fuel: Some(200_000_000), ..Limits::default() };
        let result =
            call_with(&sandbox, &id, "executeCode", json!({"code": counting}), &budget).await;
        assert_eq!(limit(&result), Some(Limit::Fuel), "{}", text(&result));
        printed.push(stdout(&result).to_owned());
    }
    assert!(printed[0].starts_with("10000\n"), "output up to the stop is kept: {printed:?}");
    assert_eq!(printed[0], printed[1], "the same budget stops the same code at the same place");
    assert_eq!(stdout(&run(&sandbox, &id, "print('alive')").await), "alive\n");
}
