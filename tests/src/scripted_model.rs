//! A stand-in for a model API, which cannot run on this machine: a loopback server speaking
//! OpenAI's streamed chat completions that replays scripted answers, one per request, and
//! keeps what it received. The wire format is the documented one (`data:` chunks with
//! `choices[0].delta`, tool calls by index, `data: [DONE]`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Text in these deltas, then `finish_reason: stop`.
    Text(Vec<String>),
    /// Some text, then one tool call with these arguments (`finish_reason: tool_calls`).
    ToolCall {
        /// Text before the call.
        text: String,
        /// The call's id.
        id: String,
        /// The tool.
        name: String,
        /// Its arguments.
        arguments: Value,
    },
    /// Text in these deltas, `pause` apart, each send time recorded (for latency figures).
    Paced {
        /// The deltas.
        deltas: Vec<String>,
        /// The time between two deltas.
        pause: Duration,
    },
}

/// The running server.
#[derive(Debug)]
pub struct ScriptedModel {
    /// Its base URL (`http://127.0.0.1:PORT/v1`), for `model.base_url`.
    pub base_url: String,
    /// The JSON bodies of the requests received, in order.
    pub requests: Arc<Mutex<Vec<Value>>>,
    /// When each paced delta was written, in milliseconds since the Unix epoch.
    pub sent_at_ms: Arc<Mutex<Vec<f64>>>,
}

impl ScriptedModel {
    /// Serves `replies` in order, one connection each, on a free loopback port.
    pub fn serve(replies: Vec<Reply>) -> std::io::Result<ScriptedModel> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let base_url = format!("http://{}/v1", listener.local_addr()?);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let sent_at_ms = Arc::new(Mutex::new(Vec::new()));
        let (log, sent) = (Arc::clone(&requests), Arc::clone(&sent_at_ms));
        std::thread::spawn(move || {
            for reply in replies {
                let Ok((stream, _)) = listener.accept() else { return };
                if answer(stream, &reply, &log, &sent).is_err() {
                    return;
                }
            }
        });
        Ok(ScriptedModel { base_url, requests, sent_at_ms })
    }
}

fn answer(
    stream: std::net::TcpStream,
    reply: &Reply,
    log: &Mutex<Vec<Value>>,
    sent: &Mutex<Vec<f64>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    if let Ok(mut requests) = log.lock() {
        requests.push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    }
    let mut stream = reader.into_inner();
    stream.set_nodelay(true)?;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
    )?;
    let mut chunk = |delta: Value, finish: Value| -> std::io::Result<()> {
        let chunk = json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
            "model": "scripted", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        write!(stream, "data: {chunk}\n\n")?;
        stream.flush()
    };
    match reply {
        Reply::Text(deltas) => {
            for delta in deltas {
                chunk(json!({"content": delta}), Value::Null)?;
            }
            chunk(json!({}), json!("stop"))?;
        }
        Reply::ToolCall { text, id, name, arguments } => {
            if !text.is_empty() {
                chunk(json!({"role": "assistant", "content": text}), Value::Null)?;
            }
            chunk(
                json!({"tool_calls": [{"index": 0, "id": id, "type": "function",
                    "function": {"name": name, "arguments": ""}}]}),
                Value::Null,
            )?;
            chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": arguments.to_string()}}]}),
                Value::Null,
            )?;
            chunk(json!({}), json!("tool_calls"))?;
        }
        Reply::Paced { deltas, pause } => {
            for delta in deltas {
                chunk(json!({"content": delta}), Value::Null)?;
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                if let Ok(mut sent) = sent.lock() {
                    sent.push(now.as_secs_f64() * 1000.0);
                }
                // Pacing the stream like a model does, not synchronising anything.
                std::thread::sleep(*pause);
            }
            chunk(json!({}), json!("stop"))?;
        }
    }
    let mut stream = stream;
    stream.write_all(b"data: [DONE]\n\n")?;
    stream.flush()
}
