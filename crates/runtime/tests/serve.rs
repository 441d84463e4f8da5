//! `agentdesk serve`'s server in this process, on a loopback port, answering with the real
//! estimator (offline, or a scripted model standing in for a model API) and the real Python
//! sandbox installed from the wheel `make test` downloads; called the ways callers call it —
//! HTTP JSON and SSE, a WebSocket, the InvokeAgentRuntime alias (also with AWS's own boto3),
//! MCP with rmcp's client, and with tokens from a real OpenID provider.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use agentdesk_agent::{MemoryLink, ServedEstimator, transcript};
use agentdesk_config::{AgentSettings, ModelProvider, Settings};
use agentdesk_e2e::oidc::Oidc;
use agentdesk_e2e::python_runtime::{installed, target};
use agentdesk_e2e::{Reply, ScriptedModel};
use agentdesk_identity::JwtSettings;
use agentdesk_memory::{LOCAL_ACTOR, ListEvents, MemoryStore, Role};
use agentdesk_runtime::client::{Invocation, RemoteAgent, new_session_id, remote_turn};
use agentdesk_runtime::items::{SESSION_HEADER, SseDecoder};
use agentdesk_runtime::server::{ServeOptions, decide_access, serve};
use agentdesk_wasm_sandbox::{RuntimeStore, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cost_agent-AbCdEf1234";
const ENGLISH: &str = "2 EC2 t3.medium and an RDS MySQL db.t3.micro in us-east-1";
const JAPANESE: &str = "東京リージョンでt3.mediumを2台とRDS MySQL db.t3.microを1台、月間100GBのS3";

/// A server of its own: a scratch data folder, the shared Python runtime.
struct Served {
    base: String,
    address: SocketAddr,
    data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    http: reqwest::Client,
}

impl Served {
    async fn start(settings: Settings) -> Served {
        Served::start_with(settings, None).await
    }

    async fn start_with(settings: Settings, authorizer: Option<JwtSettings>) -> Served {
        let (runtime_data, runtime_cache) = installed();
        let data = tempfile::tempdir().expect("temp");
        let sandbox = Sandbox::open(&SandboxConfig {
            runtimes: RuntimeStore::new(runtime_data, runtime_cache),
            sessions_dir: data.path().join("sessions"),
            warm_spares: 0,
        })
        .expect("sandbox");
        let store = MemoryStore::open_in(data.path()).await.expect("memory");
        let estimator =
            ServedEstimator::build(&settings, data.path(), store, LOCAL_ACTOR, Some(sandbox))
                .await
                .expect("estimator");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let decision = decide_access(address, authorizer, false).expect("access");
        let options = ServeOptions {
            access: decision.access,
            request_timeout: Duration::from_secs(120),
            loopback: true,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async move {
                let _stopped = stopped.await;
            };
            serve(listener, estimator, &options, shutdown).await.expect("serve");
        });
        Served {
            base: format!("http://{address}"),
            address,
            data,
            stop: Some(stop),
            http: reqwest::Client::new(),
        }
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base))
    }

    async fn ping(&self) -> Value {
        let response = self.http.get(format!("{}/ping", self.base)).send().await.expect("ping");
        assert_eq!(response.status(), 200);
        response.json().await.expect("ping json")
    }

    /// Polls `/ping` until it reports `status`, or fails after a minute.
    async fn ping_until(&self, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ping = self.ping().await;
            if ping["status"] == status {
                return ping;
            }
            assert!(Instant::now() < deadline, "/ping never said {status}: {ping}");
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The messages of conversation `session`, oldest first, as `(role, text)`.
    async fn conversation(&self, session: &str) -> Vec<(Role, String)> {
        let store = MemoryStore::open_in(self.data.path()).await.expect("memory");
        let memory = store.default_memory().await.expect("memory").memory_id;
        let request = ListEvents { oldest_first: true, ..ListEvents::default() };
        let page =
            store.list_events(&memory, LOCAL_ACTOR, session, &request).await.expect("events");
        store.close().await;
        page.items
            .iter()
            .flat_map(|event| {
                event.messages().map(|message| (message.role, message.content.text.clone()))
            })
            .collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _stopped = stop.send(());
        }
    }
}

/// A model that answers slowly: a delta every 100 ms for a minute.
fn slow_model() -> (ScriptedModel, Settings) {
    let deltas = (0..600).map(|index| format!("word{index} ")).collect();
    let model =
        ScriptedModel::serve(vec![Reply::Paced { deltas, pause: Duration::from_millis(100) }])
            .expect("scripted model");
    let mut settings = Settings::default();
    settings.model.provider = ModelProvider::OpenAiCompatible;
    settings.model.base_url = model.base_url.clone();
    settings.model.name = "scripted".into();
    (model, settings)
}

fn session_id(label: &str) -> String {
    format!("{label}-{}", "0123456789abcdef0123456789abcdef")
}

#[tokio::test]
async fn an_offline_estimate_is_answered_as_json_in_english_and_japanese() {
    let served = Served::start(Settings::default()).await;
    for prompt in [ENGLISH, JAPANESE] {
        let response = served
            .post("/invocations")
            .json(&json!({"prompt": prompt}))
            .send()
            .await
            .expect("call");
        assert_eq!(response.status(), 200);
        let session = response.headers()[SESSION_HEADER].to_str().expect("ascii").to_owned();
        assert!(session.len() >= 33, "a session id is made up: {session}");
        assert!(response.headers().contains_key("x-amzn-bedrock-agentcore-runtime-request-id"));
        let answer: Value = response.json().await.expect("json");
        assert_eq!(answer["session_id"], session.as_str());
        let estimate = &answer["estimate"];
        assert_eq!(estimate["calculated_in"], "sandbox", "{estimate}");
        assert!(estimate["monthly_total"].as_f64().is_some_and(|total| total > 30.0), "{estimate}");
        assert!(answer["estimate_id"].as_str().is_some_and(|id| id.starts_with("est-")));
        let result = answer["result"].as_str().expect("markdown");
        assert_eq!(result, estimate["report_markdown"].as_str().expect("report"));
        if prompt == JAPANESE {
            assert_eq!(estimate["region"], "ap-northeast-1", "{estimate}");
            assert!(result.contains("月額"), "{result}");
        } else {
            assert_eq!(estimate["region"], "us-east-1", "{estimate}");
        }
    }
}

#[tokio::test]
async fn a_streamed_answer_is_the_agents_items_then_the_estimate() {
    let served = Served::start(Settings::default()).await;
    let response = served
        .post("/invocations")
        .header("accept", "text/event-stream")
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .json(&json!({"prompt": ENGLISH}))
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream; charset=utf-8");
    let body = response.bytes().await.expect("body");
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with("data: {") && text.ends_with("\n\n"), "{text}");
    assert!(!text.contains("event:") && !text.contains("id:"), "{text}");
    let mut decoder = SseDecoder::default();
    let items = decoder.push(&body);
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0]["kind"], "text");
    assert!(items[0]["text"].as_str().is_some_and(|text| text.contains("t3.medium")));
    assert_eq!(items[1]["kind"], "estimate");
    assert!(items[1]["id"].as_str().is_some_and(|id| id.starts_with("est-")));
    assert!(items[1]["estimate"]["monthly_total"].as_f64().is_some_and(|total| total > 30.0));
}

#[tokio::test]
async fn two_calls_with_one_session_id_are_one_conversation_in_memory() {
    let served = Served::start(Settings::default()).await;
    let session = session_id("conversation");
    for prompt in [ENGLISH, JAPANESE] {
        let response = served
            .post("/invocations")
            .header(SESSION_HEADER, &session)
            .json(&json!({"prompt": prompt}))
            .send()
            .await
            .expect("call");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[SESSION_HEADER], session.as_str(), "the id is echoed");
    }
    let said = served.conversation(&session).await;
    let roles: Vec<Role> = said.iter().map(|(role, _)| *role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::User, Role::Assistant], "{said:?}");
    assert_eq!(said[0].1, ENGLISH);
    assert_eq!(said[2].1, JAPANESE);
}

#[tokio::test]
async fn a_remote_turn_reopened_shows_the_estimate_card_not_just_its_text() {
    let served = Served::start(Settings::default()).await;
    let settings = AgentSettings { url: served.base.clone(), ..AgentSettings::default() };
    let agent = RemoteAgent::from_settings("desk", &settings, None).expect("agent");
    let here = tempfile::tempdir().expect("temp");
    let store = MemoryStore::open_in(here.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("memory").memory_id;
    let link =
        MemoryLink { store: store.clone(), memory_id: memory_id.clone(), actor_id: "me".into() };
    let session = new_session_id();
    let mut on_item = |_: Value| {};
    remote_turn(&agent, &link, Invocation::prompt(JAPANESE, &session), &mut on_item)
        .await
        .expect("a turn");
    let request = ListEvents { oldest_first: true, ..ListEvents::default() };
    let events = store.list_events(&memory_id, "me", &session, &request).await.expect("events");
    let exchanges = transcript(&events.items);
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    assert_eq!(exchanges[0].question, JAPANESE);
    let card = exchanges[0].estimate.as_ref().expect("the estimate card comes back");
    assert!(card.id.starts_with("est-"), "{}", card.id);
    assert_eq!(card.description, JAPANESE);
    assert_eq!(card.estimate.region, "ap-northeast-1");
    assert!(card.estimate.monthly_total > agentdesk_pricing::Decimal::ZERO);
}

#[tokio::test]
async fn bad_input_is_refused_saying_what_is_wrong() {
    let served = Served::start(Settings::default()).await;
    let invalid = served.post("/invocations").body("{not json").send().await.expect("call");
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.expect("json");
    assert_eq!(body["error"], "Invalid JSON");
    assert!(body["details"].as_str().is_some_and(|details| !details.is_empty()), "{body}");

    for payload in [json!({}), json!({"prompt": ""}), json!({"prompt": 42}), json!({"input": "x"})]
    {
        let missing = served.post("/invocations").json(&payload).send().await.expect("call");
        assert_eq!(missing.status(), 400, "{payload}");
        let body: Value = missing.json().await.expect("json");
        assert!(
            body["details"].as_str().is_some_and(|details| details.contains("\"prompt\"")),
            "{body}"
        );
    }

    let not_allowed = served.http.get(format!("{}/invocations", served.base)).send().await;
    assert_eq!(not_allowed.expect("call").status(), 405);

    // Over 100 MB: refused from the declared length, before the body is read.
    let mut stream = tokio::net::TcpStream::connect(served.address).await.expect("connect");
    let head = format!(
        "POST /invocations HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{{\"prompt\": \"",
        100 * 1024 * 1024 + 1
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while !String::from_utf8_lossy(&answer).contains("}") {
        let read = stream.read(&mut buffer).await.expect("read");
        assert!(read > 0, "closed without an answer: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buffer[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"error\":\"Payload Too Large\"") && answer.contains("100 MB"),
        "{answer}"
    );
}

#[tokio::test]
async fn ping_is_busy_while_a_turn_runs_and_a_caller_that_leaves_cancels_it() {
    let (model, settings) = slow_model();
    let served = Served::start(settings).await;
    let idle = served.ping().await;
    assert_eq!(idle["status"], "Healthy");
    let session = session_id("left");
    let call = served
        .post("/invocations")
        .header(SESSION_HEADER, &session)
        .json(&json!({"prompt": "[quick] how much is a t3.micro?"}))
        .send();
    let caller = tokio::spawn(call);
    let busy = served.ping_until("HealthyBusy").await;
    assert!(busy["time_of_last_update"].as_u64() >= idle["time_of_last_update"].as_u64());
    let again = served.ping().await;
    assert_eq!(again["time_of_last_update"], busy["time_of_last_update"], "moves only on a change");
    // The caller goes away: its connection closes.
    caller.abort();
    let _aborted = caller.await;
    served.ping_until("Healthy").await;
    let said = served.conversation(&session).await;
    assert_eq!(said.len(), 1, "the question is kept, no answer was made up: {said:?}");
    assert_eq!(said[0].0, Role::User);
    let requests = model.requests.lock().expect("requests").len();
    assert_eq!(requests, 1, "the model was asked once");
}

#[tokio::test]
async fn a_stream_reader_that_leaves_cancels_the_turn() {
    let (_model, settings) = slow_model();
    let served = Served::start(settings).await;
    let session = session_id("stream-left");
    let mut response = served
        .post("/invocations")
        .header(SESSION_HEADER, &session)
        .header("accept", "text/event-stream")
        .json(&json!({"prompt": "[quick] a t3.micro?"}))
        .send()
        .await
        .expect("call");
    let mut decoder = SseDecoder::default();
    let mut items = Vec::new();
    while items.is_empty() {
        let chunk = response.chunk().await.expect("chunk").expect("a first item");
        items.extend(decoder.push(&chunk));
    }
    assert_eq!(items[0], json!({"kind": "text", "text": "word0 "}));
    assert_eq!(served.ping().await["status"], "HealthyBusy");
    drop(response);
    served.ping_until("Healthy").await;
    let said = served.conversation(&session).await;
    assert_eq!(said.iter().filter(|(role, _)| *role == Role::Assistant).count(), 0, "{said:?}");
}

#[tokio::test]
async fn a_websocket_streams_the_items_and_cancels_on_request() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let (_model, settings) = slow_model();
    let served = Served::start(settings).await;
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{}/ws",
            served.address
        ))
        .expect("request");
    let session = session_id("socket");
    request.headers_mut().insert(SESSION_HEADER, session.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");

    socket.send(Message::text("{not json")).await.expect("send");
    let bad = next_json(&mut socket).await;
    assert_eq!(bad["error"], "Invalid JSON", "{bad}");
    socket
        .send(Message::text(json!({"prompt": "[quick] a t3.micro?"}).to_string()))
        .await
        .expect("send");
    let first = next_json(&mut socket).await;
    assert_eq!(first, json!({"kind": "text", "text": "word0 "}));
    assert_eq!(served.ping().await["status"], "HealthyBusy");
    socket.send(Message::text(r#"{"action": "cancel"}"#)).await.expect("send");
    loop {
        let item = next_json(&mut socket).await;
        if item["kind"] == "cancelled" {
            assert_eq!(item["session_id"], session.as_str());
            break;
        }
        assert_eq!(item["kind"], "text", "only text before the cancellation: {item}");
    }
    served.ping_until("Healthy").await;
    let said = served.conversation(&session).await;
    assert_eq!(said.iter().filter(|(role, _)| *role == Role::Assistant).count(), 0, "{said:?}");
}

#[tokio::test]
async fn a_websocket_turn_ends_with_the_estimate_and_done() {
    let served = Served::start(Settings::default()).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", served.address))
        .await
        .expect("connect");
    use futures_util::SinkExt;
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(json!({"prompt": ENGLISH}).to_string()))
        .await
        .expect("send");
    let text = next_json(&mut socket).await;
    assert_eq!(text["kind"], "text");
    let estimate = next_json(&mut socket).await;
    assert_eq!(estimate["kind"], "estimate");
    let done = next_json(&mut socket).await;
    assert_eq!(done["kind"], "done");
    assert!(done["session_id"].as_str().is_some_and(|id| id.len() >= 33), "{done}");
}

async fn next_json<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match socket.next().await.expect("a message").expect("readable") {
            Message::Text(text) => return serde_json::from_str(&text).expect("json"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_invoke_agent_runtime_alias_takes_the_arn_encoded_once_or_twice() {
    let served = Served::start(Settings::default()).await;
    let once = ARN.replace(':', "%3A").replace('/', "%2F");
    let twice = once.replace('%', "%25");
    for encoded in [once, twice] {
        let session = session_id("plane");
        let response = served
            .post(&format!("/runtimes/{encoded}/invocations?qualifier=DEFAULT"))
            .header(SESSION_HEADER, &session)
            .body(json!({"prompt": ENGLISH}).to_string())
            .send()
            .await
            .expect("call");
        assert_eq!(response.status(), 200, "{encoded}");
        assert_eq!(response.headers()[SESSION_HEADER], session.as_str());
        let answer: Value = response.json().await.expect("json");
        assert!(answer["estimate"]["monthly_total"].as_f64().is_some(), "{answer}");
    }
    let wrong = served
        .post("/runtimes/my-agent/invocations?qualifier=DEFAULT")
        .body(json!({"prompt": ENGLISH}).to_string())
        .send()
        .await
        .expect("call");
    assert_eq!(wrong.status(), 400);
    assert_eq!(wrong.headers()["x-amzn-errortype"], "ValidationException");
    let body: Value = wrong.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| message.contains("not an agent runtime ARN")),
        "{body}"
    );
    let encoded = ARN.replace(':', "%3A").replace('/', "%2F");
    let no_prompt = served
        .post(&format!("/runtimes/{encoded}/invocations"))
        .body("{}")
        .send()
        .await
        .expect("call");
    assert_eq!(no_prompt.status(), 400);
    assert_eq!(no_prompt.headers()["x-amzn-errortype"], "ValidationException");
}

#[tokio::test]
async fn boto3_invokes_the_agent_runtime_and_gets_the_answer_and_the_session() {
    let python = target().join("agentcore-venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: `make target/agentcore-venv/.installed`",
        python.display()
    );
    let served = Served::start(Settings::default()).await;
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/runtime-peers/serve_boto3.py");
    let session = session_id("boto3");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .args([served.base.as_str(), ARN, session.as_str(), JAPANESE])
        .output()
        .await
        .expect("run python");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said: Value = serde_json::from_slice(&output.stdout).expect("json line");
    assert_eq!(said["status"], 200, "{said}");
    assert_eq!(said["session_id"], session.as_str(), "{said}");
    let body: Value =
        serde_json::from_str(said["body"].as_str().expect("body")).expect("json body");
    assert_eq!(body["session_id"], session.as_str());
    assert_eq!(body["estimate"]["region"], "ap-northeast-1", "{body}");
    assert!(body["result"].as_str().is_some_and(|result| result.contains("月額")), "{body}");
}

#[tokio::test]
async fn mcp_lists_the_seeds_tool_and_answers_it_with_the_estimator() {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::StreamableHttpClientTransport;

    let served = Served::start(Settings::default()).await;
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", served.base));
    let client = ().serve(transport).await.expect("connected");
    let tools = client.list_all_tools().await.expect("tools");
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "aws_cost_estimation");
    assert_eq!(
        tools[0].description.as_deref(),
        Some("Estimate AWS costs for a given architecture description")
    );
    assert_eq!(
        Value::Object((*tools[0].input_schema).clone()),
        json!({"type": "object",
            "properties": {"architecture_description": {"type": "string",
                "description": "Description of the AWS architecture to estimate costs for"}},
            "required": ["architecture_description"]})
    );
    let arguments =
        json!({"architecture_description": ENGLISH}).as_object().cloned().unwrap_or_default();
    let answer = client
        .call_tool(CallToolRequestParams::new("aws_cost_estimation").with_arguments(arguments))
        .await
        .expect("call");
    assert_eq!(answer.is_error, Some(false));
    let text = answer.content[0].as_text().map(|text| text.text.clone()).unwrap_or_default();
    assert!(text.contains("t3.medium"), "{text}");
    let estimate = answer.structured_content.expect("the estimate as data");
    assert!(estimate["monthly_total"].as_f64().is_some_and(|total| total > 30.0), "{estimate}");
    let refused = client
        .call_tool(CallToolRequestParams::new("aws_cost_estimation"))
        .await
        .expect_err("no description");
    assert!(refused.to_string().contains("architecture_description"), "{refused}");
}

#[tokio::test]
async fn with_an_authorizer_only_a_valid_token_gets_in_and_ping_stays_open() {
    let oidc = Oidc::start(300).await;
    let authorizer = JwtSettings {
        discovery_url: format!("{}/.well-known/openid-configuration", oidc.issuer),
        ..JwtSettings::default()
    };
    let served = Served::start_with(Settings::default(), Some(authorizer)).await;
    assert_eq!(served.ping().await["status"], "Healthy", "health checks carry no token");
    let payload = json!({"prompt": ENGLISH});
    let missing = served.post("/invocations").json(&payload).send().await.expect("call");
    assert_eq!(missing.status(), 401);
    let challenge = missing.headers()["www-authenticate"].to_str().expect("ascii").to_owned();
    assert!(challenge.starts_with("Bearer error=\"invalid_token\""), "{challenge}");
    let garbage = served
        .post("/invocations")
        .bearer_auth("not-a-jwt")
        .json(&payload)
        .send()
        .await
        .expect("call");
    assert_eq!(garbage.status(), 401);
    let body: Value = garbage.json().await.expect("json");
    assert!(
        body["message"].as_str().is_some_and(|message| message.contains("not valid")),
        "{body}"
    );
    let encoded = ARN.replace(':', "%3A").replace('/', "%2F");
    let plane = served
        .post(&format!("/runtimes/{encoded}/invocations"))
        .json(&payload)
        .send()
        .await
        .expect("call");
    assert_eq!(plane.status(), 401);
    assert_eq!(plane.headers()["x-amzn-errortype"], "AccessDeniedException");
    let token = oidc.m2m_token().await;
    let accepted =
        served.post("/invocations").bearer_auth(&token).json(&payload).send().await.expect("call");
    assert_eq!(accepted.status(), 200);
    let answer: Value = accepted.json().await.expect("json");
    assert!(answer["estimate"]["monthly_total"].as_f64().is_some(), "{answer}");

    // The Code Interpreter data plane is served beside the agent, behind the same check.
    let start = format!("{}/code-interpreters/aws.codeinterpreter.v1/sessions/start", served.base);
    let refused = served.http.put(&start).json(&json!({})).send().await.expect("call");
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["x-amzn-errortype"],
        "AccessDeniedException",
        "AWS's SDKs read it"
    );
    let started =
        served.http.put(&start).bearer_auth(&token).json(&json!({})).send().await.expect("call");
    assert_eq!(started.status(), 200);
    let session: Value = started.json().await.expect("json");
    assert!(session["sessionId"].as_str().is_some_and(|id| !id.is_empty()), "{session}");
}

#[tokio::test]
async fn a_failed_turn_is_a_500_with_its_message_or_the_streams_last_item() {
    // A model that is not there: nothing listens on its port.
    let mut settings = Settings::default();
    settings.model.provider = ModelProvider::OpenAiCompatible;
    settings.model.base_url =
        format!("http://127.0.0.1:{}/v1", agentdesk_e2e::mcp_servers::free_port());
    let served = Served::start(settings).await;
    let failed =
        served.post("/invocations").json(&json!({"prompt": ENGLISH})).send().await.expect("call");
    assert_eq!(failed.status(), 500);
    assert!(failed.headers().contains_key(SESSION_HEADER));
    let body: Value = failed.json().await.expect("json");
    let message = body["error"].as_str().expect("a message");
    assert!(message.contains("127.0.0.1") && !message.contains("panicked"), "{body}");
    assert_eq!(body.as_object().map(serde_json::Map::len), Some(1), "{body}");

    let streamed = served
        .post("/invocations")
        .header("accept", "text/event-stream")
        .json(&json!({"prompt": ENGLISH}))
        .send()
        .await
        .expect("call");
    assert_eq!(streamed.status(), 200, "the stream had started");
    let items = SseDecoder::default().push(&streamed.bytes().await.expect("body"));
    let last = items.last().expect("an item");
    assert_eq!(last["error_type"], "ModelError", "{items:?}");
    assert_eq!(last["message"], "An error occurred during streaming");
    assert!(last["error"].as_str().is_some_and(|error| error.contains("127.0.0.1")), "{last}");
    served.ping_until("Healthy").await;
}
