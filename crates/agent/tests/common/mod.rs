//! A local HTTP server that replays scripted answers and records what it received: the
//! stand-in for a model API, which cannot run on this machine.
// Each test binary uses its own part of this module.
#![allow(dead_code)]

pub(crate) mod scripted_agent;

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted HTTP answer: status, extra headers, and the body in the pieces it is written.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, &'static str)>,
    pub(crate) pieces: Vec<Vec<u8>>,
}

impl Reply {
    /// A 200 event stream written in these pieces.
    pub(crate) fn sse(pieces: Vec<String>) -> Self {
        Self::stream("text/event-stream", pieces.into_iter().map(String::into_bytes).collect())
    }

    /// A 200 stream of `content_type` written in these binary pieces.
    pub(crate) fn stream(content_type: &'static str, pieces: Vec<Vec<u8>>) -> Self {
        Self { status: 200, headers: vec![("content-type", content_type)], pieces }
    }

    /// An error status with a JSON body.
    pub(crate) fn error(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json")],
            pieces: vec![body.to_string().into_bytes()],
        }
    }
}

/// What the server received: the path, the headers (lower-case names) and the JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Value,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

pub(crate) struct Server {
    pub(crate) base_url: String,
    pub(crate) received: Arc<Mutex<Vec<Received>>>,
}

/// Serves `replies` in order, one connection each, on a free loopback port.
pub(crate) async fn serve(replies: Vec<Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base_url = format!("http://{}/v1", listener.local_addr().expect("address"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        for reply in replies {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let request = read_request(&mut socket).await;
            log.lock().expect("log").push(request);
            let reason = if reply.status == 200 { "OK" } else { "Error" };
            let mut head = format!("HTTP/1.1 {} {reason}\r\nconnection: close\r\n", reply.status);
            for (name, value) in &reply.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            socket.write_all(head.as_bytes()).await.expect("write head");
            for piece in &reply.pieces {
                socket.write_all(piece).await.expect("write piece");
                socket.flush().await.expect("flush");
            }
            socket.shutdown().await.expect("close");
        }
    });
    Server { base_url, received }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Received {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let read = socket.read(&mut buffer).await.expect("read");
        bytes.extend_from_slice(&buffer[..read]);
        if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
        assert!(read > 0, "the client closed before sending a request");
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut lines = head.lines();
    let path = lines.next().and_then(|line| line.split(' ').nth(1)).unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    while bytes.len() < head_end + length {
        let read = socket.read(&mut buffer).await.expect("read body");
        assert!(read > 0, "the body was cut short");
        bytes.extend_from_slice(&buffer[..read]);
    }
    let body = serde_json::from_slice(&bytes[head_end..head_end + length]).unwrap_or(Value::Null);
    Received { path, headers, body }
}
