//! Arize Phoenix from PyPI (`make test` installs it in target/phoenix-venv), a real OTLP
//! receiver nobody here wrote: started on loopback with its data in a temporary folder, read
//! back through its REST API, stopped when dropped. Phoenix takes about 20 s to start on two
//! cores.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The workspace's root (this crate is `tests/` in it).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// A running Phoenix.
#[derive(Debug)]
pub struct Phoenix {
    child: Child,
    /// Its HTTP port: the REST API and OTLP/HTTP (`/v1/traces`).
    pub http_port: u16,
    /// Its OTLP/gRPC port.
    pub grpc_port: u16,
    data: tempfile::TempDir,
}

impl Phoenix {
    /// Starts Phoenix and waits until its REST API answers. Panics when it is not installed
    /// (saying how to install it) or does not answer within two minutes.
    pub fn start() -> Phoenix {
        let python = workspace().join("target/phoenix-venv/bin/python");
        assert!(
            python.exists(),
            "Phoenix is not installed at {}: run `make test` (it installs arize-phoenix there)",
            python.display()
        );
        let data = tempfile::tempdir().expect("temp");
        let (http_port, grpc_port) = (free_port(), free_port());
        let child = Command::new(python)
            .arg(workspace().join("tests/phoenix/serve.py"))
            .env("PHOENIX_WORKING_DIR", data.path())
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", http_port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
            .env("PHOENIX_TELEMETRY_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Phoenix");
        let phoenix = Phoenix { child, http_port, grpc_port, data };
        phoenix.wait_for("Phoenix to answer", || {
            phoenix.get("/v1/projects").is_some_and(|projects| projects["data"].is_array())
        });
        phoenix
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its data folder (its SQLite database).
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// GET `path` from the REST API as JSON; `None` while it does not answer.
    pub fn get(&self, path: &str) -> Option<Value> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let response = client.get(format!("http://127.0.0.1:{}{path}", self.http_port)).send();
        response.ok()?.json().ok()
    }

    /// The spans Phoenix has of the traces of conversation `session` (named on their
    /// agent spans).
    pub fn spans_of(&self, session: &str) -> Vec<Value> {
        let spans = self.get("/v1/projects/default/spans?limit=1000").unwrap_or_default();
        let spans = spans["data"].as_array().cloned().unwrap_or_default();
        let traces: Vec<&Value> = spans
            .iter()
            .filter(|span| span["attributes"]["gen_ai.conversation.id"] == session)
            .map(|span| &span["context"]["trace_id"])
            .collect();
        spans
            .iter()
            .filter(|span| traces.contains(&&span["context"]["trace_id"]))
            .cloned()
            .collect()
    }

    /// Waits (up to two minutes) until `ready` holds, checking every 200 ms.
    pub fn wait_for(&self, what: &str, ready: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !ready() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        let _killed = self.child.kill();
        let _reaped = self.child.wait();
    }
}
