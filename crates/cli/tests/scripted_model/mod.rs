//! A local server answering one chat completion in OpenAI's streamed format, standing in for a
//! model (a paid remote service that cannot run here).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

/// What the server received: the body and the `authorization` header.
pub(crate) struct Received {
    pub(crate) body: String,
    pub(crate) authorization: Option<String>,
}

/// Serves one streamed chat completion with `deltas`, and returns what it received.
pub(crate) fn one_answer(
    deltas: &'static [&'static str],
) -> (String, std::thread::JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("address"));
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        let mut authorization = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
            if line.to_ascii_lowercase().starts_with("authorization:") {
                authorization = Some(line["authorization:".len()..].trim().to_owned());
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let mut stream = reader.into_inner();
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
        )
        .expect("head");
        for delta in deltas {
            let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": null}]});
            write!(stream, "data: {chunk}\n\n").expect("chunk");
        }
        write!(
            stream,
            "data: {}\n\ndata: [DONE]\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        )
        .expect("end");
        Received { body: String::from_utf8(body).expect("utf-8 body"), authorization }
    });
    (url, server)
}
