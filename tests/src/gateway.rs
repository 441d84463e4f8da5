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
    /// Starts the `agentdesk` CLI at `binary` serving `config`, and waits until it listens;
    /// its log collects in `logs`.
    pub fn start(binary: &Path, config: &Path, logs: &Logs) -> Result<GatewayProcess, String> {
        let mut child = Command::new(binary)
            .args(["-v", "gateway", "serve", "--config"])
            .arg(config)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let mut gateway = GatewayProcess { child, url: String::new() };
        gateway.url = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).map_err(|error| error.to_string())? == 0 {
                return Err(format!(
                    "the gateway stopped early: {}",
                    logs.lock().map_err(|e| e.to_string())?
                ));
            }
            logs.lock().map_err(|error| error.to_string())?.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("AgentDesk gateway listening on ") {
                break url.to_owned();
            }
        };
        let logs = Arc::clone(logs);
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|read| read > 0) {
                if let Ok(mut kept) = logs.lock() {
                    kept.push_str(&line);
                }
                line.clear();
            }
        });
        Ok(gateway)
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
