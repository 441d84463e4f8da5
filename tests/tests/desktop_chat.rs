//! The Chat page of the real desktop app under Xvfb, used as people use chat apps all day:
//! a draft and the conversation survive a page switch and a reload of the window;
//! conversations are started (Ctrl+N), renamed, searched and deleted; Enter sends and
//! Shift+Enter adds a line; a reopened conversation shows its cards again; and a model that
//! cannot be reached says why, what to do, and lets the offline estimator answer instead.
//!
//! No model runs here: the offline estimator answers, a scripted OpenAI-compatible server
//! stands in for a model, and "Ollama" is a closed local port. Screenshots are kept under
//! `target/e2e/chat-*.png`.

use std::path::PathBuf;

use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot};
use agentdesk_e2e::{App, Reply, ScriptedModel};
use serde_json::Value;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T = ()> = std::result::Result<T, Error>;

/// WebDriver's codes for keys that are not text.
const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";
const CONTROL: &str = "\u{E009}";
const ESCAPE: &str = "\u{E00C}";

fn shot(name: &str) -> PathBuf {
    screenshot(&format!("chat-{name}"))
}

fn open(app: &App, page: &str) -> Result {
    app.click(&app.find(&format!("button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    Ok(())
}

/// Waits (up to 20 s, checking at every animation frame) until a JavaScript expression is
/// true; false when it never became true.
fn becomes_true(app: &App, expression: &str) -> Result<bool> {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         const deadline = Date.now() + 20000; \
         const check = () => {{ \
             let value = false; \
             try {{ value = Boolean({expression}); }} catch (error) {{ value = false; }} \
             if (value || Date.now() > deadline) done(value); else requestAnimationFrame(check); \
         }}; \
         check();"
    );
    Ok(app.execute_async(&script)? == Value::Bool(true))
}

fn wait_until(app: &App, expression: &str) -> Result {
    if becomes_true(app, expression)? {
        Ok(())
    } else {
        Err(format!("never true: {expression}").into())
    }
}

fn count(app: &App, css: &str) -> Result<u64> {
    let script = format!("return document.querySelectorAll({css:?}).length");
    app.execute(&script)?.as_u64().ok_or_else(|| "no count".into())
}

/// The text of the first element matching `css`, cut short by the layout or not (WebDriver's
/// text is what is visible, and a title cut with an ellipsis reads as nothing).
fn text_content(app: &App, css: &str) -> Result<String> {
    app.find(css)?;
    let text = app.execute(&format!("return document.querySelector({css:?}).textContent"))?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

fn draft(app: &App) -> Result<String> {
    let value = app.execute("return document.querySelector('#chat-input').value")?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Reloads the window (F5) and waits for the new page to be drawn with `ready` in it.
fn reload(app: &App, ready: &str) -> Result {
    app.execute("window.beforeReload = true; setTimeout(() => location.reload(), 0); return 1")?;
    // Asked again and again until the new page answers: a script running while the old page
    // unloads is cut off, so each check is a short one of its own.
    let check = format!(
        "return window.beforeReload === undefined && document.querySelector({ready:?}) !== null"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if matches!(app.execute(&check), Ok(Value::Bool(true))) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(format!("the reloaded page never showed {ready}").into())
}

const EXCHANGES: &str = "ol.exchanges > li";
const LIST: &str = ".conversations li";

#[test]
fn a_draft_and_the_conversation_survive_a_page_switch_and_a_reload() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::with_config("")?;
    let app = s.launch(&[])?;
    let input = app.find("#chat-input")?;
    // At start the cursor is in the message box: typing goes there at once.
    wait_until(&app, "document.activeElement && document.activeElement.id === 'chat-input'")?;

    // Enter sends.
    app.type_text(&input, &format!("パン屋のWebサイトをHTMLでなるべく安く作りたい{ENTER}"))?;
    app.find(".exchange [data-testid='estimate-table']")?;
    assert_eq!(draft(&app)?, "");
    // Shift+Enter adds a line and sends nothing.
    // (Modifiers stay down until the end of one typing command.)
    app.type_text(&input, &format!("first line{SHIFT}{ENTER}"))?;
    app.type_text(&input, "second line, not sent")?;
    assert_eq!(draft(&app)?, "first line\nsecond line, not sent");
    assert_eq!(count(&app, EXCHANGES)?, 1);
    let scrolled = "document.querySelector('ol.exchanges').scrollTop";
    app.execute(&format!("{scrolled} = 40"))?;
    // The scroll event is reported at the next frame.
    app.execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")?;

    // To Status and back: the draft, the conversation and where it was scrolled to are there.
    open(&app, "status")?;
    assert_eq!(count(&app, "#chat-input")?, 0, "the Chat page is gone while Status shows");
    open(&app, "chat")?;
    assert_eq!(draft(&app)?, "first line\nsecond line, not sent");
    assert_eq!(count(&app, EXCHANGES)?, 1);
    assert_eq!(count(&app, ".exchange [data-testid='estimate-table'] tbody tr")?, 7);
    assert_eq!(app.execute(&format!("return {scrolled}"))?, 40);
    assert_eq!(count(&app, &format!("{LIST} .conversation.current"))?, 1);
    app.screenshot(&shot("after-page-switch"))?;

    // A reload of the window opens the same conversation from the backend, card and all.
    reload(&app, ".exchange [data-testid='estimate-table']")?;
    assert_eq!(count(&app, EXCHANGES)?, 1);
    assert_eq!(count(&app, ".exchange [data-testid='estimate-table'] tbody tr")?, 7);
    assert_eq!(count(&app, ".exchange [data-testid='estimate-chart'] rect")?, 3);
    assert_eq!(count(&app, ".exchange .estimate [data-testid='export-csv']")?, 1);
    assert_eq!(count(&app, ".exchange .estimate [data-testid='compare-toggle']")?, 1);
    let question = app.text(&app.find(".exchange .question")?)?;
    assert_eq!(question, "パン屋のWebサイトをHTMLでなるべく安く作りたい");
    assert_eq!(draft(&app)?, "first line\nsecond line, not sent");
    app.screenshot(&shot("after-reload"))?;
    Ok(())
}

#[test]
fn conversations_are_started_renamed_searched_and_deleted_in_japanese() -> Result {
    let _turn = one_app_at_a_time();
    let s = Scratch::with_config("[ui]\nlanguage = \"ja\"\n")?;
    let app = s.launch(&[])?;
    app.find("html[lang='ja']")?;
    let input = app.find("#chat-input")?;
    app.type_text(&input, &format!("東京リージョンでt3.smallを1台、24時間稼働させたい{ENTER}"))?;
    app.find(".exchange [data-testid='estimate-table']")?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 1"))?;

    // Ctrl+N: a new, empty chat.
    app.type_text(&input, &format!("{CONTROL}n"))?;
    wait_until(&app, &format!("document.querySelectorAll({EXCHANGES:?}).length === 0"))?;
    assert_eq!(count(&app, &format!("{LIST} .conversation.current"))?, 0);
    app.type_text(&input, &format!("a static HTML site{ENTER}"))?;
    app.find(".exchange [data-testid='estimate-table']")?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 2"))?;

    // Rename the open one: Enter saves.
    app.click(&app.find(&format!("{LIST}.current [data-testid='conversation-rename']"))?)?;
    // The title field opens with its text selected: typing replaces it. (WebDriver's clear
    // would leave the field, and leaving saves.)
    let title = app.find(".conversation-rename")?;
    app.type_text(&title, &format!("静的サイトの見積もり{ENTER}"))?;
    let current = format!("{LIST}.current .conversation");
    wait_until(
        &app,
        &format!("document.querySelector({current:?})?.textContent === '静的サイトの見積もり'"),
    )?;
    // Escape cancels a rename.
    app.click(&app.find(&format!("{LIST}.current [data-testid='conversation-rename']"))?)?;
    app.type_text(&app.find(".conversation-rename")?, &format!("捨てる題名{ESCAPE}"))?;
    wait_until(
        &app,
        &format!("document.querySelector({current:?})?.textContent === '静的サイトの見積もり'"),
    )?;
    app.screenshot(&shot("conversations-ja"))?;

    // Search: by words of the messages and answers, and by the new title.
    let search = app.find("#chat-search")?;
    app.type_text(&search, "t3.small")?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 1"))?;
    let found = text_content(&app, &format!("{LIST} .conversation"))?;
    assert!(found.starts_with("東京リージョン"), "{found}");
    // Typed with a Japanese keyboard's full-width letters and in capitals, it finds the same.
    app.type_text(&search, ESCAPE)?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 2"))?;
    app.type_text(&search, "Ｔ３．ＳＭＡＬＬ")?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 1"))?;
    let found = text_content(&app, &format!("{LIST} .conversation"))?;
    assert!(found.starts_with("東京リージョン"), "{found}");
    app.clear(&search)?;
    app.type_text(&search, "静的サイト")?;
    wait_until(
        &app,
        &format!(
            "document.querySelector({LIST:?} + ' .conversation')?.textContent === '静的サイトの見積もり' && document.querySelectorAll({LIST:?}).length === 1"
        ),
    )?;
    app.type_text(&search, ESCAPE)?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 2"))?;

    // Delete the other one, after a confirmation.
    app.click(&app.find(&format!("{LIST}:not(.current) [data-testid='conversation-delete']"))?)?;
    let confirm = app.text(&app.find(".conversation-confirm")?)?;
    assert!(confirm.contains("メモリ画面に残ります"), "{confirm}");
    app.screenshot(&shot("delete-ja"))?;
    app.click(&app.find("[data-testid='delete-confirm']")?)?;
    wait_until(&app, &format!("document.querySelectorAll({LIST:?}).length === 1"))?;

    // What was renamed and deleted is so in the backend: a reload reads it back.
    reload(&app, ".conversations li .conversation")?;
    assert_eq!(count(&app, LIST)?, 1);
    assert_eq!(text_content(&app, &format!("{LIST} .conversation"))?, "静的サイトの見積もり");
    assert_eq!(count(&app, ".exchange [data-testid='estimate-table']")?, 1, "it is still open");
    Ok(())
}

#[test]
fn an_unreachable_model_says_why_and_the_offline_estimator_answers_instead() -> Result {
    let _turn = one_app_at_a_time();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = closed.local_addr()?.port();
    drop(closed);
    let s = Scratch::with_config(&format!(
        "[model]\nprovider = \"ollama\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\n"
    ))?;
    let app = s.launch(&[])?;
    app.find("[data-testid='model-badge']")?;
    let input = app.find("#chat-input")?;
    app.type_text(&input, &format!("a static HTML site{ENTER}"))?;

    let failure = app.find("[data-testid='chat-failure'][data-code='model_not_running']")?;
    let text = app.text(&failure)?;
    assert!(
        text.starts_with("Nothing answers at Ollama's address: the server is not running"),
        "{text}"
    );
    assert!(text.contains("Start Ollama with ollama serve"), "{text}");
    assert!(!text.starts_with("cannot reach"), "the reason in plain words first: {text}");
    let details = app.execute(
        "return document.querySelector(\"[data-testid='chat-failure'] details code\").textContent",
    )?;
    let details = details.as_str().unwrap_or_default();
    assert!(details.contains(&format!("127.0.0.1:{port}")), "{details}");
    assert!(details.contains("Connection refused"), "the cause, not only the URL: {details}");
    app.screenshot(&shot("unreachable"))?;

    app.click(&app.find("[data-testid='chat-fallback']")?)?;
    app.find(".exchange [data-testid='estimate-table']")?;
    app.wait_until_gone("[data-testid='chat-failure']")?;
    assert_eq!(count(&app, EXCHANGES)?, 1);
    app.screenshot(&shot("fallback"))?;

    // A second message fails too; in Japanese, the same card says it in Japanese.
    app.type_text(&input, &format!("t3.medium 1台{ENTER}"))?;
    app.find("[data-testid='chat-failure']")?;
    open(&app, "settings")?;
    app.click(&app.find("#setting-ui-language option[value='ja']")?)?;
    app.click(&app.find("#settings-save")?)?;
    app.find("html[lang='ja']")?;
    open(&app, "chat")?;
    let text = app.text(&app.find("[data-testid='chat-failure']")?)?;
    assert!(text.starts_with("Ollama のアドレスで応答がありません"), "{text}");
    assert!(text.contains("ollama serve で Ollama を起動"), "{text}");
    let button = app.text(&app.find("[data-testid='chat-fallback']")?)?;
    assert_eq!(button, "オフライン見積もりで回答する");
    app.screenshot(&shot("unreachable-ja"))?;

    // Stored once each: the first question with its estimate, the second unanswered, and
    // reopened as it was: the failure with its reason and the way out, which still works.
    reload(&app, ".exchange .question")?;
    assert_eq!(count(&app, EXCHANGES)?, 2);
    assert_eq!(count(&app, ".exchange [data-testid='estimate-table']")?, 1);
    let second = format!("{EXCHANGES}:nth-child(2)");
    let reopened =
        app.find(&format!("{second} [data-testid='chat-failure'][data-code='model_not_running']"))?;
    let text = app.text(&reopened)?;
    assert!(text.starts_with("Ollama のアドレスで応答がありません"), "{text}");
    let fallback = format!("{second} [data-testid='chat-fallback']");
    app.execute(&format!(
        "document.querySelector({fallback:?}).scrollIntoView({{block: 'center'}})"
    ))?;
    app.click(&app.find(&fallback)?)?;
    app.find(&format!("{second} [data-testid='estimate-table']"))?;
    reload(&app, ".exchange .question")?;
    assert_eq!(count(&app, ".exchange [data-testid='estimate-table']")?, 2);
    assert_eq!(count(&app, "[data-testid='chat-failure']")?, 0);
    Ok(())
}

#[test]
fn a_reopened_model_conversation_shows_its_tool_card_with_the_estimate() -> Result {
    let _turn = one_app_at_a_time();
    let model = ScriptedModel::serve(vec![
        Reply::ToolCall {
            text: "Estimating.".into(),
            id: "call_est".into(),
            name: "estimate_costs".into(),
            arguments: serde_json::json!({"description": "2 EC2 t3.medium in us-east-1"}),
        },
        Reply::Text(vec!["Two t3.medium: **about $60** a month.".into()]),
    ])?;
    let s = Scratch::with_config(&format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\nname = \"scripted\"\n",
        model.base_url
    ))?;
    let app = s.launch(&[])?;
    app.find("[data-testid='model-badge']")?;
    let input = app.find("#chat-input")?;
    app.type_text(&input, &format!("2 EC2 t3.medium in us-east-1{ENTER}"))?;
    let card = "article[data-tool='estimate_costs'][data-state='done']";
    app.find(&format!("{card} [data-testid='estimate-table']"))?;
    app.find(".exchange .markdown strong")?;
    let live_rows = count(&app, &format!("{card} [data-testid='estimate-table'] tbody tr"))?;

    // Another chat, then back to this one after a reload: read from the backend.
    app.type_text(&input, &format!("{CONTROL}n"))?;
    wait_until(&app, &format!("document.querySelectorAll({EXCHANGES:?}).length === 0"))?;
    reload(&app, ".conversations li .conversation")?;
    app.click(&app.find(&format!("{LIST} .conversation"))?)?;
    app.find(&format!("{card} [data-testid='estimate-table']"))?;
    assert_eq!(count(&app, &format!("{card} [data-testid='estimate-table'] tbody tr"))?, live_rows);
    assert!(count(&app, &format!("{card} [data-testid='estimate-chart'] rect"))? >= 1);
    let arguments = app.text(&app.find(&format!("{card} .tool-arguments"))?)?;
    assert!(arguments.contains("2 EC2 t3.medium in us-east-1"), "{arguments}");
    let exchange = app.text(&app.find(".exchange")?)?;
    assert_eq!(exchange.matches("Estimating.").count(), 1, "{exchange}");
    assert_eq!(app.text(&app.find(".exchange .markdown strong")?)?, "about $60");
    app.screenshot(&shot("reopened-model"))?;
    Ok(())
}
