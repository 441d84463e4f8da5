//! The Code Interpreter data plane (`agentdesk_runtime::code_interpreter::router`) on a
//! loopback port over the real WASM sandbox, as the interpreter tests call it: every
//! request's `Authorization` header and path are kept, to check how clients sign and how
//! many calls they make.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::sync::{Arc, Mutex};

use agentdesk_e2e::python_runtime::installed;
use agentdesk_runtime::code_interpreter::{CodeInterpreterOptions, router};
use agentdesk_wasm_sandbox::{RuntimeStore, Sandbox, SandboxConfig};
use serde_json::Value;

/// The identifier AWS's clients use by default.
pub(crate) const IDENTIFIER: &str = "aws.codeinterpreter.v1";

/// The router on a loopback port, over a sandbox with a scratch sessions folder. The
/// `Authorization` header of every request is kept, to check how clients sign.
pub(crate) struct Served {
    pub(crate) base: String,
    pub(crate) signatures: Arc<Mutex<Vec<String>>>,
    /// Each request's method and path, in order.
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
    pub(crate) sandbox: Sandbox,
    _sessions: tempfile::TempDir,
}

impl Served {
    pub(crate) async fn start() -> Served {
        let (data, cache) = installed();
        let sessions = tempfile::tempdir().expect("temp");
        let sandbox = Sandbox::open(&SandboxConfig {
            runtimes: RuntimeStore::new(data, cache),
            sessions_dir: sessions.path().join("sessions"),
            warm_spares: 0,
        })
        .expect("sandbox");
        let signatures = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&signatures);
        let asked = Arc::clone(&requests);
        let app = router(sandbox.clone(), CodeInterpreterOptions::default()).layer(
            axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let seen = Arc::clone(&seen);
                    asked.lock().expect("lock").push(format!(
                        "{} {}",
                        request.method(),
                        request.uri().path()
                    ));
                    async move {
                        if let Some(value) = request
                            .headers()
                            .get("authorization")
                            .and_then(|value| value.to_str().ok())
                        {
                            seen.lock().expect("lock").push(value.to_owned());
                        }
                        next.run(request).await
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Served {
            base: format!("http://{address}"),
            signatures,
            requests,
            sandbox,
            _sessions: sessions,
        }
    }

    /// The URL of `rest` under the default identifier.
    pub(crate) fn url(&self, rest: &str) -> String {
        format!("{}/code-interpreters/{IDENTIFIER}/{rest}", self.base)
    }

    /// Starts a session with `body` and returns what the server answered.
    pub(crate) async fn start_session(&self, http: &reqwest::Client, body: Value) -> Value {
        let started = http.put(self.url("sessions/start")).json(&body).send().await.expect("start");
        started.json().await.expect("json")
    }
}
