//! AgentDesk's own gateway as a real process (`agentdesk gateway serve`), for the tests of the
//! clients in front of it: the CLI's, the desktop app's.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// Everything a gateway wrote to stderr (its log, at `-v`).
pub type Logs = Arc<Mutex<String>>;

/// A gateway config: server-everything over stdio as the target `everything`, behind a JWT
/// check of `issuer`'s tokens with the authorizer settings `access` (TOML lines such as
/// `allowed_clients = ["m2m"]`), listening on `listen`.
pub fn everything_behind_jwt(listen: &str, issuer: &str, access: &str) -> String {
    format!(
        "listen = \"{listen}\"\n[authorizer]\ntype = \"jwt\"\n\
         discovery_url = \"{issuer}/.well-known/openid-configuration\"\n{access}\n\
         [[targets]]\nname = \"everything\"\ntype = \"mcp\"\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\n",
        crate::mcp_servers::everything_js()
    )
}

/// A running gateway, stopped when dropped (also when a test fails).
#[derive(Debug)]
pub struct GatewayProcess {
    child: Child,
    /// Its MCP endpoint (`http://127.0.0.1:PORT/mcp`).
    pub url: String,
}

impl GatewayProcess {
    /// Starts the `agentdesk` CLI at `binary` serving `config`, and waits until it listens.
    /// With `logs`, it logs each call (`-v`) and the log collects there; without, it logs at
    /// its default level (as benchmarks measure it) and the log is dropped.
    pub fn start(
        binary: &Path,
        config: &Path,
        logs: Option<&Logs>,
    ) -> Result<GatewayProcess, String> {
        let mut command = Command::new(binary);
        if logs.is_some() {
            command.arg("-v");
        }
        let mut child = command
            .args(["gateway", "serve", "--config"])
            .arg(config)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let logs = logs.map(Arc::clone);
        let keep = move |line: &str| {
            if let Some(kept) = &logs
                && let Ok(mut kept) = kept.lock()
            {
                kept.push_str(line);
            }
        };
        let mut gateway = GatewayProcess { child, url: String::new() };
        let mut said = String::new();
        gateway.url = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).map_err(|error| error.to_string())? == 0 {
                return Err(format!("the gateway stopped early: {said}"));
            }
            keep(&line);
            said.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("AgentDesk gateway listening on ") {
                break url.to_owned();
            }
        };
        // Read to the end, so the gateway never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|read| read > 0) {
                keep(&line);
                line.clear();
            }
        });
        Ok(gateway)
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
