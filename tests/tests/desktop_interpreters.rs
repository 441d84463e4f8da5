//! The Sandbox page on a remote code interpreter, in the real desktop app under Xvfb: an
//! `agentdesk serve` process is the interpreter (`[interpreters.desk]`), the page shows it
//! reachable, runs cells there with state kept between them, and says plainly when it
//! cannot be reached. Screenshots go to target/e2e/interpreter-*.png.

use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot as shot};
use agentdesk_e2e::serve_process::ServeWithSandbox;
use agentdesk_e2e::{App, Launch};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T = ()> = std::result::Result<T, Error>;

fn open(app: &App, page: &str) -> Result {
    app.click(&app.find(&format!("button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    Ok(())
}

/// Replaces the editor's code (WebDriver types a line break as the Enter key).
fn type_code(app: &App, code: &str) -> Result {
    let editor = app.find("#sandbox-code")?;
    app.clear(&editor)?;
    app.type_text(&editor, &code.replace('\n', "\u{E007}"))
}

/// Runs the editor's code and returns what the `n`th run printed.
fn run_cell(app: &App, n: usize) -> Result<String> {
    app.click(&app.find("#sandbox-run:not([disabled])")?)?;
    app.text(&app.find(&format!("ol.runs > li.run[data-run]:nth-child({n}) .stdout"))?)
}

#[test]
fn the_sandbox_page_runs_cells_on_a_remote_interpreter() -> Result {
    let _turn = one_app_at_a_time();
    let serve = ServeWithSandbox::start(&Launch::workspace_binary().with_file_name("agentdesk"))?;
    let s = Scratch::with_config(&format!(
        "[interpreters.desk]\nendpoint = \"{}\"\n\n[interpreters.nowhere]\nendpoint = \"http://127.0.0.1:9\"\n",
        serve.url
    ))?;
    let app = s.launch(&[("AGENTDESK_UI_LANGUAGE", "en")])?;
    open(&app, "sandbox")?;
    app.click(&app.find("#sandbox-runtime option[value='remote:desk']")?)?;
    app.find(
        "[data-testid='interpreter-status'][data-interpreter='desk'][data-state='reachable']",
    )?;

    type_code(&app, "rate = 0.0208\nprint('rate set on', 'desk')")?;
    assert_eq!(run_cell(&app, 1)?, "rate set on desk");
    let session = app.find(".session-id[data-interpreter='desk']")?;
    assert!(app.text(&session)?.ends_with("on desk"), "the page says where the session runs");
    type_code(&app, "print(round(rate * 730, 2))")?;
    assert_eq!(run_cell(&app, 2)?, "15.18", "the interpreter kept the variable");
    app.screenshot(&shot("interpreter-remote"))?;

    // Away and back: still on the interpreter, in the same session.
    open(&app, "chat")?;
    open(&app, "sandbox")?;
    type_code(&app, "print(rate)")?;
    assert_eq!(run_cell(&app, 3)?, "0.0208");

    // An interpreter that is not there is named, with why, and nothing pretends to run.
    app.click(&app.find("#sandbox-runtime option[value='remote:nowhere']")?)?;
    let line = app.find(
        "[data-testid='interpreter-status'][data-interpreter='nowhere'][data-state='unreachable']",
    )?;
    let said = app.text(&line)?;
    assert!(said.contains("cannot be reached") && said.contains("127.0.0.1:9"), "{said}");
    app.screenshot(&shot("interpreter-unreachable"))?;

    // At 640×480 the picker, the status and the runs fit the width; the page scrolls down only.
    app.set_window_size(640, 480)?;
    app.find("main[data-current-page='sandbox'] h1")?;
    let sideways = app.execute(
        "const width = document.documentElement.clientWidth; \
         return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > width + 0.5 \
           && !e.closest('.cm-editor, pre, .runs')).map(e => e.tagName + '.' + e.className).slice(0, 5);",
    )?;
    assert_eq!(sideways, serde_json::json!([]), "nothing reaches past the window's right edge");
    app.screenshot(&shot("interpreter-640x480"))?;
    Ok(())
}

#[test]
fn the_picker_and_the_status_read_in_japanese() -> Result {
    let _turn = one_app_at_a_time();
    let serve = ServeWithSandbox::start(&Launch::workspace_binary().with_file_name("agentdesk"))?;
    let s = Scratch::with_config(&format!("[interpreters.desk]\nendpoint = \"{}\"\n", serve.url))?;
    let app = s.launch(&[("AGENTDESK_UI_LANGUAGE", "ja")])?;
    open(&app, "sandbox")?;
    let group = app.find("#sandbox-runtime optgroup:nth-of-type(2)")?;
    assert_eq!(
        app.execute(
            "return document.querySelector('#sandbox-runtime optgroup:nth-of-type(2)').label"
        )?,
        "リモートのコードインタープリター"
    );
    drop(group);
    app.click(&app.find("#sandbox-runtime option[value='remote:desk']")?)?;
    let line = app.find(
        "[data-testid='interpreter-status'][data-interpreter='desk'][data-state='reachable']",
    )?;
    assert!(app.text(&line)?.contains("接続可能"), "{}", app.text(&line)?);
    type_code(&app, "print('東京')")?;
    assert_eq!(run_cell(&app, 1)?, "東京");
    app.screenshot(&shot("interpreter-ja"))?;
    Ok(())
}
