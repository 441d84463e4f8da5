//! The Traces page of the real desktop app under Xvfb: a chat turn of the offline estimator,
//! its calculation run on a code interpreter (an `agentdesk serve` process), then its trace
//! found from the conversation's title, its waterfall with the tool span, and the span's
//! details; the page fits 640×480. An OTLP receiver chosen on the Settings page gets the
//! next session's spans, and the Status page says where they go, in Japanese. Screenshots go
//! to target/e2e/traces-*.png.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot as shot};
use agentdesk_e2e::serve_process::ServeWithSandbox;
use agentdesk_e2e::{App, Launch};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T = ()> = std::result::Result<T, Error>;

const ENTER: &str = "\u{E007}";

fn open(app: &App, page: &str) -> Result {
    app.click(&app.find(&format!("button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    Ok(())
}

#[test]
fn a_chat_turn_is_traced_with_its_tool_call_and_shown_as_a_waterfall() -> Result {
    let _turn = one_app_at_a_time();
    let serve = ServeWithSandbox::start(&Launch::workspace_binary().with_file_name("agentdesk"))?;
    let s = Scratch::with_config(&format!(
        "[interpreters.desk]\nendpoint = \"{}\"\n\n[tools]\ninterpreter = \"desk\"\n",
        serve.url
    ))?;
    let app = s.launch(&[("AGENTDESK_UI_LANGUAGE", "en")])?;

    open(&app, "traces")?;
    app.find("[data-testid='traces-empty']")?;

    open(&app, "chat")?;
    let input = app.find("#chat-input")?;
    app.type_text(&input, &format!("2 t3.medium in Tokyo{ENTER}"))?;
    app.find(".exchange [data-testid='estimate-table']")?;

    // The trace is written in a batch off the turn's path; the page reads it as it lands.
    open(&app, "traces")?;
    app.wait_for_text(".traces-list .traces-item-title", "2 t3.medium in Tokyo")?;
    let session = app.find(".traces-list button[aria-pressed]")?;
    let said = app.text(&app.find(".traces-list button[aria-pressed] .traces-item-meta")?)?;
    assert!(said.contains("1 trace ·") && said.contains("$0.00"), "{said}");
    app.click(&session)?;
    app.click(&app.find(".traces-list button[data-trace-id]")?)?;
    app.find("[data-testid='waterfall']")?;
    app.find("[role='treeitem'][data-span-name='invoke_agent cost-estimator']")?;
    let tool = app.find("[role='treeitem'][data-span-name='execute_tool calculate']")?;
    let totals = app.text(&app.find("[data-testid='trace-totals']")?)?;
    assert!(totals.contains("$0.00"), "no model call, no model cost: {totals}");

    app.click(&tool)?;
    let details = app.text(&app.find("[data-testid='span-details']")?)?;
    assert!(details.contains("gen_ai.tool.name") && details.contains("calculate"), "{details}");
    assert!(details.contains("desk"), "the interpreter the calculation ran on: {details}");
    app.screenshot(&shot("traces-waterfall"))?;

    // Away and back: the same trace and span are open.
    open(&app, "chat")?;
    open(&app, "traces")?;
    app.find("[role='treeitem'][data-span-name='execute_tool calculate'][aria-selected='true']")?;

    // From the answer itself: a second question's "Trace" opens that turn's trace, the newest.
    let title = "return document.querySelector('.trace-head h2').title";
    let first = app.execute(title)?;
    let first = first.as_str().ok_or("the open trace's heading has no id")?.to_owned();
    open(&app, "chat")?;
    app.type_text(&app.find("#chat-input")?, &format!("a static HTML site{ENTER}"))?;
    let second = "ol.exchanges > li:nth-child(2)";
    app.find(&format!("{second} [data-testid='estimate-table']"))?;
    app.click(&app.find(&format!("{second} [data-testid='open-trace']"))?)?;
    app.find(&format!("main[data-current-page='traces'] .trace-head h2:not([title='{first}'])"))?;
    let opened = app.execute(title)?;
    let opened = opened.as_str().ok_or("the open trace's heading has no id")?.to_owned();
    app.find("[role='treeitem'][data-span-name='invoke_agent cost-estimator']")?;
    app.find(&format!(".traces-list li:first-child button[data-trace-id='{opened}']"))?;
    app.screenshot(&shot("traces-from-chat"))?;

    app.set_window_size(640, 480)?;
    app.find("main[data-current-page='traces'] h1")?;
    let sideways = app.execute(
        "const width = document.documentElement.clientWidth; \
         return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > width + 0.5 \
           && !e.closest('pre, [data-testid=waterfall]')).map(e => e.tagName + '.' + e.className).slice(0, 5);",
    )?;
    assert_eq!(sideways, serde_json::json!([]), "nothing reaches past the window's right edge");
    app.screenshot(&shot("traces-640x480"))?;
    Ok(())
}

/// An OTLP/HTTP receiver on loopback that accepts every request and reports its request
/// line and content type; returns its base URL.
fn otlp_receiver() -> Result<(String, mpsc::Receiver<(String, String)>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let sender = sender.clone();
            std::thread::spawn(move || {
                let Ok(mut writer) = stream.try_clone() else { return };
                let mut reader = BufReader::new(stream);
                loop {
                    let (mut request, mut content_type, mut length) =
                        (String::new(), String::new(), 0);
                    if reader.read_line(&mut request).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        if let Some(value) = lower.strip_prefix("content-type:") {
                            content_type = value.trim().to_owned();
                        }
                    }
                    let mut body = vec![0_u8; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if writer.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                    let _gone = sender.send((request.trim().to_owned(), content_type));
                }
            });
        }
    });
    Ok((url, received))
}

#[test]
fn traces_go_to_the_otlp_receiver_set_in_the_config_and_status_and_settings_say_so() -> Result {
    let _turn = one_app_at_a_time();
    let (url, received) = otlp_receiver()?;
    let s = Scratch::with_config(&format!("[telemetry]\notlp_endpoint = \"{url}\"\n"))?;
    let app = s.launch(&[("AGENTDESK_UI_LANGUAGE", "ja")])?;

    // A turn's spans reach the receiver in a batch, as OTLP/HTTP protobuf.
    open(&app, "chat")?;
    let input = app.find("#chat-input")?;
    app.type_text(&input, &format!("東京でt3.smallを1台{ENTER}"))?;
    app.find(".exchange [data-testid='estimate-table']")?;
    let (request, content_type) = received.recv_timeout(std::time::Duration::from_secs(60))?;
    assert_eq!(request, "POST /v1/traces HTTP/1.1");
    assert_eq!(content_type, "application/x-protobuf");

    open(&app, "status")?;
    let sending =
        app.text(&app.find("tr[data-check='traces'][data-status='ok'] .check-summary")?)?;
    assert!(sending.contains(&format!("{url}/v1/traces へ http/protobuf で送信")), "{sending}");
    app.screenshot(&shot("traces-status-otlp-ja"))?;

    // Settings shows the receiver and changes its protocol (from the next start).
    open(&app, "settings")?;
    let endpoint = app.find("#setting-otlp-endpoint")?;
    assert_eq!(app.execute("return document.querySelector('#setting-otlp-endpoint').value")?, url);
    app.click(&app.find("#setting-otlp-protocol option[value='grpc']")?)?;
    app.click(&app.find("#settings-save")?)?;
    app.find("#settings-save-status[data-state='saved']")?;
    let written = std::fs::read_to_string(&s.config)?;
    assert!(written.contains("otlp_protocol = \"grpc\""), "{written}");
    app.click(&endpoint)?;
    app.screenshot(&shot("traces-settings-otlp-ja"))?;

    // Leaving and coming back: the saved receiver and protocol are shown; nothing reaches
    // past the right edge of a 640×480 window.
    open(&app, "status")?;
    open(&app, "settings")?;
    assert_eq!(
        app.execute("return document.querySelector('#setting-otlp-protocol').value")?,
        "grpc"
    );
    app.set_window_size(640, 480)?;
    let field = app.find("#setting-otlp-endpoint")?;
    app.click(&field)?;
    let sideways = app.execute(
        "const width = document.documentElement.clientWidth; \
         return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > width + 0.5) \
           .map(e => e.tagName + '.' + e.className).slice(0, 5);",
    )?;
    assert_eq!(sideways, serde_json::json!([]), "nothing reaches past the window's right edge");
    app.screenshot(&shot("traces-settings-otlp-640x480"))?;
    Ok(())
}
