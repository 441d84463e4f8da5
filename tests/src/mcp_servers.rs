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
    let mut command = tokio::process::Command::new("node");
    command.args([everything_js().as_str(), transport]).env("PORT", port.to_string());
    // "… listening on port N" (streamable HTTP), "… running on port N" (SSE), on stderr.
    started(command, Stream::Stderr, "on port").await
}

/// `misbehaving-http.mjs` listening on `port` (`http://127.0.0.1:PORT/mcp`); stopped when
/// dropped.
pub async fn serve_misbehaving_http(port: u16) -> tokio::process::Child {
    let mut command = tokio::process::Command::new("node");
    command.arg(folder().join("misbehaving-http.mjs")).arg(port.to_string());
    started(command, Stream::Stdout, "READY").await
}

/// Where a server says it is listening.
enum Stream {
    Stdout,
    Stderr,
}

/// Starts `command` (killed when dropped) and waits until `stream` has a line containing
/// `ready`; the rest of that stream is read and dropped so the server never blocks on it.
async fn started(
    mut command: tokio::process::Command,
    stream: Stream,
    ready: &str,
) -> tokio::process::Child {
    use tokio::io::AsyncBufReadExt;
    let (stdout, stderr) = match stream {
        Stream::Stdout => (std::process::Stdio::piped(), std::process::Stdio::null()),
        Stream::Stderr => (std::process::Stdio::null(), std::process::Stdio::piped()),
    };
    let mut child =
        command.stdout(stdout).stderr(stderr).kill_on_drop(true).spawn().expect("start the server");
    let output: std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>> = match stream {
        Stream::Stdout => Box::pin(child.stdout.take().expect("stdout")),
        Stream::Stderr => Box::pin(child.stderr.take().expect("stderr")),
    };
    let mut lines = tokio::io::BufReader::new(output).lines();
    while let Some(line) = lines.next_line().await.expect("the server's output") {
        if line.contains(ready) {
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
