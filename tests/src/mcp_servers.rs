//! The real MCP servers tests start, installed by `make test` under tests/mcp-servers: the
//! reference server-everything (npm) and misbehaving.mjs.

use std::path::PathBuf;

/// The folder holding them (misbehaving.mjs runs from here).
pub fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp-servers")
}

/// server-everything's entry point, for `node PATH stdio` or `node PATH streamableHttp`.
pub fn everything_js() -> String {
    folder()
        .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js")
        .display()
        .to_string()
}

/// server-everything serving `transport` (`streamableHttp`, or the deprecated `sse`) on
/// `port`, once it says it listens; it is stopped when the handle is dropped. Its stderr
/// keeps being read, so it never blocks on a full pipe.
pub async fn serve_everything(transport: &str, port: u16) -> tokio::process::Child {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new("node")
        .args([everything_js().as_str(), transport])
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start server-everything");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Some(line) = lines.next_line().await.expect("stderr") {
        // "… listening on port N" (streamable HTTP), "… running on port N" (SSE).
        if line.contains("on port") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}
