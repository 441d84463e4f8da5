//! The Traces page of the real desktop app under Xvfb: a chat turn of the offline estimator,
//! its calculation run on a code interpreter (an `agentdesk serve` process), then its trace
//! found from the conversation's title, its waterfall with the tool span, and the span's
//! details; the page fits 640×480. Screenshots go to target/e2e/traces-*.png.

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
