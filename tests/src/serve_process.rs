//! `agentdesk serve` started as a process by tests and benchmarks: waiting for the line it
//! prints once it accepts connections (`agentdesk_runtime::server::LISTENING`), and reading the
//! rest of its standard error so it never blocks on a full pipe.

use std::io::BufRead;

/// The start of the line serve prints on standard error once it listens.
pub const LISTENING: &str = "AgentDesk runtime listening on ";

/// What serve said when it started listening.
#[derive(Debug, Clone)]
pub struct Listening {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The whole line.
    pub line: String,
}

impl Listening {
    /// `HOST:PORT`, without the scheme.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

/// Reads serve's standard error until it says it listens; an error holds everything it said
/// when it stopped first.
pub fn read_until_listening(stderr: &mut impl BufRead) -> Result<Listening, String> {
    let mut said = String::new();
    loop {
        let mut line = String::new();
        match stderr.read_line(&mut line) {
            Ok(0) | Err(_) => {
                return Err(format!("agentdesk serve stopped before it listened: {said}"));
            }
            Ok(_) => {}
        }
        said.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix(LISTENING) {
            let url = rest.split_whitespace().next().unwrap_or_default().to_owned();
            return Ok(Listening { url, line: line.trim().to_owned() });
        }
    }
}

/// Reads the rest of serve's standard error on a thread of its own, so a chatty server never
/// blocks writing to a pipe nobody reads.
pub fn drain(mut stderr: impl BufRead + Send + 'static) {
    std::thread::spawn(move || {
        let mut line = String::new();
        while stderr.read_line(&mut line).is_ok_and(|read| read > 0) {
            line.clear();
        }
    });
}

/// `agentdesk serve` on a loopback port over the sandbox runtime the tests install
/// ([`crate::python_runtime::installed`]), with no model (the offline estimator): a real
/// Code Interpreter and Runtime endpoint for client tests. Killed when dropped.
#[derive(Debug)]
pub struct ServeWithSandbox {
    child: std::process::Child,
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
}

impl ServeWithSandbox {
    /// Starts `binary` (an `agentdesk` executable) as `agentdesk serve --listen 127.0.0.1:0`.
    pub fn start(binary: &std::path::Path) -> Result<ServeWithSandbox, String> {
        let (data, cache) = crate::python_runtime::installed();
        let mut child = std::process::Command::new(binary)
            .arg("--data-dir")
            .arg(data)
            .arg("--cache-dir")
            .arg(cache)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("AGENTDESK_MODEL_PROVIDER")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
        let stderr = child.stderr.take().ok_or("serve's standard error was not piped")?;
        let mut stderr = std::io::BufReader::new(stderr);
        let listening = match read_until_listening(&mut stderr) {
            Ok(listening) => listening,
            Err(problem) => {
                let _killed = child.kill();
                let _exited = child.wait();
                return Err(problem);
            }
        };
        drain(stderr);
        Ok(ServeWithSandbox { child, url: listening.url })
    }

    /// The serve process's id (to read its memory from `/proc/PID/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServeWithSandbox {
    fn drop(&mut self) {
        let _killed = self.child.kill();
        let _exited = self.child.wait();
    }
}
