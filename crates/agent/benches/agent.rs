//! Agent benchmarks (`make bench-agent`): the loop's own cost per turn, apart from the model
//! and tools, and how soon a streamed delta reaches the agent's event callback. The "model"
//! is a loopback server that answers at once in OpenAI's streamed format.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_agent::{
    Agent, AgentEvent, Approver, BoxFuture, ChatRequest, MemoryLink, Message, OpenAiCompatible,
    Provider, ToolCall, ToolRegistry,
};
use agentdesk_memory::MemoryStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TURNS: usize = 300;

#[derive(Debug)]
struct Yes;

impl Approver for Yes {
    fn approve<'a>(&'a self, _: &'a ToolCall) -> BoxFuture<'a, bool> {
        Box::pin(async { true })
    }
}

/// Answers every request with three deltas, each carrying the microseconds since `base` at
/// which the server wrote it.
async fn serve(base: Instant) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                let mut read = 0;
                loop {
                    let Ok(n) = socket.read(&mut buffer[read..]).await else { return };
                    if n == 0 {
                        return;
                    }
                    read += n;
                    let text = String::from_utf8_lossy(&buffer[..read]);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length: usize = text[..end]
                            .lines()
                            .find_map(|line| {
                                line.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if read >= end + 4 + length {
                            break;
                        }
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..3 {
                    let stamp = base.elapsed().as_micros();
                    let chunk = format!(
                        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"@{stamp};\"}},\"finish_reason\":null}}]}}\n\n"
                    );
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                }
                let end = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
                let _ = socket.write_all(end.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1000.0)
}

fn main() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let base = Instant::now();
        let url = serve(base).await;
        let provider: Arc<dyn Provider> = Arc::new(OpenAiCompatible::new("bench", &url, None));
        let request = ChatRequest {
            model: "bench".into(),
            system: Some("bench".into()),
            messages: vec![Message::User { text: "hi".into() }],
            tools: vec![],
            max_tokens: None,
        };

        // The model call alone: HTTP on loopback and SSE parsing, plus delta latency.
        let mut calls = Vec::with_capacity(TURNS);
        let mut delta_latency = Vec::with_capacity(TURNS * 3);
        for _ in 0..TURNS {
            let started = Instant::now();
            let mut seen = |text: &str| {
                if let Some(stamp) = text
                    .strip_prefix('@')
                    .and_then(|rest| rest.strip_suffix(';'))
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    let now = u64::try_from(base.elapsed().as_micros()).unwrap_or(u64::MAX);
                    delta_latency.push(Duration::from_micros(now.saturating_sub(stamp)));
                }
            };
            provider.stream(&request, &mut seen).await.expect("stream");
            calls.push(started.elapsed());
        }

        // A whole turn: the same model call, plus history, memory writes and events.
        let folder = tempfile::tempdir().expect("temp");
        let store = MemoryStore::open_in(folder.path()).await.expect("memory");
        let memory_id = store.default_memory().await.expect("memory").memory_id;
        let agent = Agent {
            name: "bench".into(),
            provider: Arc::clone(&provider),
            model: "bench".into(),
            system: "bench".into(),
            tools: ToolRegistry::default(),
            max_steps: 4,
            history_turns: 10,
            memory: MemoryLink { store, memory_id, actor_id: "bench".into() },
        };
        let mut turns = Vec::with_capacity(TURNS);
        for index in 0..TURNS {
            let started = Instant::now();
            let session = format!("s{}", index % 10);
            agent.run_turn(&session, "hi", &mut |_: AgentEvent| {}, &Yes).await.expect("turn");
            turns.push(started.elapsed());
        }
        let call_p50 = percentile(&mut calls, 0.5);
        let turn_p50 = percentile(&mut turns, 0.5);
        println!("model call alone (loopback, 3 deltas): p50 {}", ms(call_p50));
        println!("whole turn (history read, 2 memory writes, events):   p50 {}", ms(turn_p50));
        println!(
            "agent overhead per turn (difference of the p50s):     {}",
            ms(turn_p50.saturating_sub(call_p50))
        );
        println!(
            "delta from the server's write to the agent's callback: p50 {}  p95 {}",
            ms(percentile(&mut delta_latency, 0.5)),
            ms(percentile(&mut delta_latency, 0.95))
        );
    });
}
