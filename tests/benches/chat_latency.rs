//! How long a streamed text delta takes from the model's socket to the Chat page's DOM, in
//! the real app under Xvfb: a scripted model writes deltas 25 ms apart and notes when each
//! left; a MutationObserver in the page notes when each appeared. Both clocks are this
//! machine's wall clock. Target (issue 5): ≤ 30 ms.
//!
//! Run with `make bench-chat-ui` (builds the app and the UI, needs Xvfb and tauri-driver).

use std::time::Duration;

use agentdesk_e2e::{App, Launch, Reply, ScriptedModel};

const DELTAS: usize = 60;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let deltas: Vec<String> = (0..DELTAS).map(|index| format!("d{index:03} ")).collect();
    let model =
        ScriptedModel::serve(vec![Reply::Paced { deltas, pause: Duration::from_millis(25) }])?;
    let scratch = tempfile::tempdir()?;
    let config = scratch.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\nname = \"scripted\"\n",
            model.base_url
        ),
    )?;
    let path = |name: &str| scratch.path().join(name).display().to_string();
    let app = App::launch(&Launch {
        binary: Launch::workspace_binary(),
        env: vec![
            ("AGENTDESK_CONFIG".into(), config.display().to_string()),
            ("AGENTDESK_DATA_DIR".into(), path("data")),
            ("AGENTDESK_CACHE_DIR".into(), path("cache")),
            ("LANG".into(), "C.UTF-8".into()),
        ],
    })?;
    app.click(&app.find("button[data-page='chat']")?)?;
    app.find("[data-testid='model-badge']")?;
    // Record when each delta's marker first shows in the answer.
    app.execute(
        "window.__seen = {}; \
         new MutationObserver(() => { \
           const now = performance.timeOrigin + performance.now(); \
           const answer = document.querySelector('.exchange .markdown'); \
           if (!answer) return; \
           for (const marker of answer.textContent.match(/d\\d{3}/g) ?? []) \
             if (!(marker in window.__seen)) window.__seen[marker] = now; \
         }).observe(document.body, { childList: true, subtree: true, characterData: true });",
    )?;
    app.type_text(&app.find("#chat-input")?, "stream")?;
    app.click(&app.find("#chat-send")?)?;
    let seen = app.execute_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         const check = () => Object.keys(window.__seen).length >= {DELTAS} \
           ? done(window.__seen) : setTimeout(check, 50); \
         check();"
    ))?;
    let sent = model.sent_at_ms.lock().map_err(|_| "sent log")?.clone();
    let mut latencies: Vec<f64> = (0..DELTAS)
        .filter_map(|index| {
            let shown = seen[format!("d{index:03}")].as_f64()?;
            Some(shown - sent.get(index)?)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "delta to DOM over {} deltas: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target ≤ 30 ms)",
        latencies.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    Ok(())
}
