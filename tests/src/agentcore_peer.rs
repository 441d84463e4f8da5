//! AWS's own Runtime server as a test peer: `tests/runtime-peers/agent.py`, a small agent on
//! `BedrockAgentCoreApp` (bedrock-agentcore 1.25.0 from PyPI, installed in
//! `target/agentcore-venv` by `make test`), started on a free port. The prompt picks its
//! behaviour: `plain`, `stream`, `raise`, `break`, `busy` (see the script).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The venv's Python, with `bedrock-agentcore` installed.
pub fn agentcore_python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/agentcore-venv/bin/python")
}

/// A running `BedrockAgentCoreApp` agent, stopped when dropped.
#[derive(Debug)]
pub struct AgentPeer {
    child: Child,
    /// Where it listens (`http://127.0.0.1:PORT`).
    pub url: String,
    /// What it wrote to stderr (uvicorn's and the SDK's logs).
    pub logs: Arc<Mutex<String>>,
}

impl AgentPeer {
    /// Starts the agent on a port the OS picks and waits until uvicorn says it accepts
    /// connections.
    pub fn start() -> Result<AgentPeer, String> {
        let python = agentcore_python();
        if !python.exists() {
            return Err(format!(
                "{} is missing: run `make target/agentcore-venv/.installed`",
                python.display()
            ));
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("runtime-peers/agent.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg("0")
            .env("PYTHONUNBUFFERED", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", python.display()))?;
        let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let logs = Arc::new(Mutex::new(String::new()));
        let mut peer = AgentPeer { child, url: String::new(), logs: Arc::clone(&logs) };
        let mut said = String::new();
        peer.url = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).map_err(|error| error.to_string())? == 0 {
                return Err(format!("the agent peer stopped early: {said}"));
            }
            said.push_str(&line);
            if let Some(rest) = line.split("Uvicorn running on ").nth(1) {
                break rest.split_whitespace().next().unwrap_or_default().to_owned();
            }
        };
        // Read to the end, so the agent never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|read| read > 0) {
                if let Ok(mut kept) = logs.lock() {
                    kept.push_str(&line);
                }
                line.clear();
            }
        });
        Ok(peer)
    }
}

impl Drop for AgentPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
