//! `agentdesk serve` as a process: it says where it listens, and on SIGTERM finishes the turn
//! in flight before it exits; beyond loopback without an authorizer, it serves only with the
//! explicit flag, in a container too.

#[allow(dead_code, reason = "only `command` of the shared helpers is used here")]
mod support;

use std::io::BufReader;
use std::process::{Child, ChildStderr};
use std::time::{Duration, Instant};

use agentdesk_e2e::serve_process::{LISTENING, read_until_listening};
use agentdesk_e2e::{Reply, ScriptedModel};
use serde_json::{Value, json};

/// Starts `agentdesk serve ARGS` in `folder` and returns it with the address it printed.
#[allow(clippy::zombie_processes, reason = "the child is returned to the test, which waits for it")]
fn start(folder: &std::path::Path, args: &[&str]) -> (Child, String, BufReader<ChildStderr>) {
    let mut command = support::command(folder, &[&["serve"], args].concat());
    let mut child = command.spawn().expect("run agentdesk serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let listening = match read_until_listening(&mut stderr) {
        Ok(listening) => listening,
        Err(problem) => {
            let _killed = child.kill();
            let exited = child.wait();
            panic!("{problem} ({exited:?})");
        }
    };
    assert!(
        listening
            .line
            .ends_with("(POST /invocations, GET /ping, GET /ws, POST /mcp, /code-interpreters)"),
        "{}",
        listening.line
    );
    (child, listening.address().to_owned(), stderr)
}

fn ping(address: &str) -> Value {
    reqwest::blocking::get(format!("http://{address}/ping"))
        .and_then(reqwest::blocking::Response::json)
        .expect("ping")
}

#[test]
fn sigterm_lets_the_turn_in_flight_finish_then_exits() {
    let folder = tempfile::tempdir().expect("temp");
    let deltas: Vec<String> = (0..20).map(|index| format!("w{index} ")).collect();
    let model = ScriptedModel::serve(vec![Reply::Paced {
        deltas: deltas.clone(),
        pause: Duration::from_millis(100),
    }])
    .expect("model");
    std::fs::write(
        folder.path().join("config.toml"),
        format!(
            "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\nname = \"scripted\"\n",
            model.base_url
        ),
    )
    .expect("config");
    let (mut child, address, mut stderr) = start(folder.path(), &["--listen", "127.0.0.1:0"]);
    let url = format!("http://{address}/invocations");
    let caller = std::thread::spawn(move || {
        reqwest::blocking::Client::new()
            .post(url)
            .json(&json!({"prompt": "[quick] a t3.micro?"}))
            .timeout(Duration::from_secs(120))
            .send()
            .and_then(|response| Ok((response.status(), response.json::<Value>()?)))
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while ping(&address)["status"] != "HealthyBusy" {
        assert!(Instant::now() < deadline, "the turn never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let (status, answer) = caller.join().expect("caller").expect("an answer after SIGTERM");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], deltas.concat(), "the whole answer, not a cut one");
    let exit = child.wait().expect("exit");
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert!(rest.contains("stopping: finishing the turns in flight"), "{rest}");
}

#[test]
fn a_callers_trace_and_baggage_are_continued_by_every_span_of_the_turn() {
    let folder = tempfile::tempdir().expect("temp");
    let (mut child, address, _stderr) = start(folder.path(), &["--listen", "127.0.0.1:0"]);
    let session = "trace-test-session-0123456789abcdef0123";
    let response = reqwest::blocking::Client::new()
        .post(format!("http://{address}/invocations"))
        .header("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", session)
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .header("baggage", "user.tier=gold")
        .json(&json!({"prompt": "2 t3.medium in Tokyo"}))
        .send()
        .expect("call");
    assert_eq!(response.status(), 200);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success() && child.wait().expect("exit").success());

    let shown =
        support::agentdesk(folder.path(), &["traces", "show", "4bf92f3577b34da6", "--json"], "");
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let trace: Value = serde_json::from_slice(&shown.stdout).expect("json");
    let spans = trace["spans"].as_array().expect("spans");
    let served = spans.iter().find(|span| span["name"] == "POST /invocations").expect("served");
    assert_eq!(served["parentSpanId"], "00f067aa0ba902b7", "the caller's span is the parent");
    assert_eq!(served["kind"], "server");
    assert_eq!(
        trace["summary"]["rootName"], "POST /invocations",
        "this process's root, though its parent is the caller's"
    );
    assert!(spans.len() >= 2, "{trace}");
    // The conversation rides in the baggage: every span of the turn carries it.
    for span in spans.iter().filter(|span| span["name"] != "POST /invocations") {
        assert_eq!(span["attributes"]["session.id"], session, "{span}");
        assert_eq!(span["attributes"]["gen_ai.conversation.id"], session, "{span}");
    }
}

#[test]
fn beyond_loopback_without_an_authorizer_only_the_explicit_flag_serves_even_in_a_container() {
    let folder = tempfile::tempdir().expect("temp");
    let refused = support::command(folder.path(), &["serve", "--listen", "0.0.0.0:0"])
        .env("DOCKER_CONTAINER", "1")
        .output()
        .expect("run agentdesk serve");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("no [serve.authorizer] is configured"), "{said}");
    assert!(said.contains("--allow-unauthenticated"), "what to do: {said}");

    let mut flagged = support::command(
        folder.path(),
        &["serve", "--listen", "0.0.0.0:0", "--allow-unauthenticated"],
    )
    .env("DOCKER_CONTAINER", "1")
    .spawn()
    .expect("run agentdesk serve");
    let mut stderr = BufReader::new(flagged.stderr.take().expect("stderr"));
    let mut said = String::new();
    loop {
        let mut line = String::new();
        let read = std::io::BufRead::read_line(&mut stderr, &mut line).expect("stderr");
        said.push_str(&line);
        if read == 0 || line.contains(LISTENING) {
            break;
        }
    }
    let _killed = flagged.kill();
    let _exited = flagged.wait();
    assert!(
        said.lines().any(|line| line.starts_with("WARNING: anyone who can reach 0.0.0.0:")),
        "said loudly at start: {said}"
    );
    assert!(said.contains(LISTENING), "{said}");
}
