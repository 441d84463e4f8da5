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
