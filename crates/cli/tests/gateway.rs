//! `agentdesk gateway serve` as a process: it reads gateway.toml, says where it listens (and
//! loudly when it lets anyone in), answers /healthz and MCP, and refuses a broken config with
//! the file and the mistake.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_gateway_serves_from_its_config_and_a_broken_one_is_named() {
    let folder = tempfile::tempdir().expect("temp");
    let config = folder.path().join("gateway.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\nsearch = true\n[authorizer]\ntype = \"none\"\n",
    )
    .expect("config");
    let mut gateway = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .args(["gateway", "serve", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the gateway");
    let mut stderr = BufReader::new(gateway.stderr.take().expect("stderr"));
    let mut warned = false;
    let url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("stderr") > 0, "the gateway stopped early");
        warned |= line.contains("WARNING: this gateway accepts every caller");
        if let Some(url) = line.trim().strip_prefix("AgentDesk gateway listening on ") {
            break url.to_owned();
        }
    };
    assert!(warned, "an open gateway says so");
    let base = url.trim_end_matches("/mcp");
    let health = reqwest::blocking::get(format!("{base}/healthz")).expect("healthz");
    assert_eq!(health.text().expect("body"), "ok");
    let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let answer = reqwest::blocking::Client::new()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .expect("initialize");
    assert_eq!(answer.status(), 200);
    let session = answer.headers()["mcp-session-id"].to_str().expect("session").to_owned();
    assert!(answer.text().expect("body").contains("agentdesk-gateway"));
    // An open event stream must not keep a stopping gateway alive.
    let http = reqwest::blocking::Client::new();
    let initialized = http
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .json(&serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .expect("initialized");
    assert_eq!(initialized.status(), 202);
    let stream = http
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .send()
        .expect("event stream");
    assert_eq!(stream.status(), 200);
    let terminated =
        Command::new("kill").args(["-TERM", &gateway.id().to_string()]).status().expect("kill");
    assert!(terminated.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert!(rest.contains("stopping"), "{rest}");
    assert!(gateway.wait().expect("exit").success(), "a clean stop on SIGTERM");
    drop(stream);

    std::fs::write(&config, "[authorizer]\ntype = \"jwt\"\ndiscovery_url = \"http://idp.example/.well-known/openid-configuration\"\n")
        .expect("config");
    let refused = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .args(["gateway", "serve", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("must be https://"), "{message}");
}
