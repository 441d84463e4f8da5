//! The desktop app's layout at window sizes from 640×480 to 4K, in both themes and both
//! languages: the window never scrolls as a whole, the sidebar and the chat's message box stay
//! in view, nothing sticks out sideways, and the estimate table never breaks a word.
//!
//! One app per theme and language; each is resized through WebDriver's window rect (the
//! virtual screen must be 3840×2160: `make test` starts Xvfb that size) and every page is
//! measured and photographed at each size, as `target/e2e/layout-<page>-<size>-<theme>-<lang>.png`.
//! Not every combination gets every size: the matrix below covers each size, theme and
//! language, and the two extremes in both languages.

use std::time::{Duration, Instant};

use agentdesk_e2e::App;
use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot as shot};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T = ()> = std::result::Result<T, Error>;

/// Every page that has content, with an element that shows it has finished loading.
const PAGES: [(&str, &str); 6] = [
    ("chat", ".estimate[data-priced='true']"),
    ("sandbox", "#sandbox-run"),
    ("connections", "[data-testid='mcp-add']"),
    ("memory", "#memory-sessions"),
    ("settings", "#settings-save"),
    ("status", "tr[data-check='config']"),
];

const SMALL: (u32, u32) = (640, 480);
const LAPTOP: (u32, u32) = (1280, 800);
const FULL_HD: (u32, u32) = (1920, 1080);
const UHD: (u32, u32) = (3840, 2160);

/// One app run: a theme, a language, what to ask the offline estimator, and the sizes to check.
struct Run {
    theme: &'static str,
    language: &'static str,
    question: &'static str,
    sizes: &'static [(u32, u32)],
}

/// Each size, theme and language at least twice; the smallest and largest in both languages.
const RUNS: [Run; 4] = [
    Run {
        theme: "light",
        language: "en",
        question: "2 t3.medium in Tokyo 24/7",
        sizes: &[SMALL, LAPTOP, FULL_HD, UHD],
    },
    Run {
        theme: "dark",
        language: "ja",
        question: "東京リージョンでt3.mediumを2台、24時間稼働させたい",
        sizes: &[SMALL, LAPTOP, FULL_HD, UHD],
    },
    Run {
        theme: "dark",
        language: "en",
        question: "2 t3.medium in Tokyo 24/7",
        sizes: &[SMALL, FULL_HD],
    },
    Run {
        theme: "light",
        language: "ja",
        question: "東京リージョンでt3.mediumを2台、24時間稼働させたい",
        sizes: &[LAPTOP, UHD],
    },
];

/// Measures the page as it is drawn now, in the window's own coordinates. Returns the
/// document's and window's sizes and a list of what is wrong, each as a readable sentence.
const MEASURE: &str = r#"
const width = window.innerWidth, height = window.innerHeight;
const problems = [];
const describe = (element) => {
  const id = element.id ? `#${element.id}` : "";
  const classes = typeof element.className === "string" && element.className.trim() !== ""
    ? "." + element.className.trim().split(/\s+/).join(".") : "";
  const text = (element.textContent || "").trim().slice(0, 40);
  return `<${element.tagName.toLowerCase()}${id}${classes}> "${text}"`;
};
const scrolling = document.scrollingElement;
if (scrolling.scrollHeight > height) problems.push(`the window scrolls: the document is ${scrolling.scrollHeight} px tall in a ${height} px window`);
if (scrolling.scrollWidth > width) problems.push(`the window scrolls sideways: the document is ${scrolling.scrollWidth} px wide in a ${width} px window`);

const inside = (rect, box) => rect.left >= box.left - 0.5 && rect.right <= box.right + 0.5 && rect.top >= box.top - 0.5 && rect.bottom <= box.bottom + 0.5;
const windowBox = { left: 0, top: 0, right: width, bottom: height };
const sidebar = document.querySelector("nav.sidebar");
if (!sidebar || sidebar.getBoundingClientRect().width < 40) problems.push("the sidebar is not shown");
for (const button of document.querySelectorAll("nav.sidebar .nav-item")) {
  if (!inside(button.getBoundingClientRect(), windowBox)) problems.push(`the sidebar's ${describe(button)} is not fully in the window`);
}

// The page's own scrolling areas scroll down, never sideways.
for (const area of document.querySelectorAll("main, nav.sidebar")) {
  if (area.scrollWidth > area.clientWidth + 1) problems.push(`${describe(area)} scrolls sideways: ${area.scrollWidth} px of content in ${area.clientWidth} px`);
}

// An element may reach past the window's right edge only inside something that clips or
// scrolls it sideways and is itself within the window (a table in its scrolling box, a
// conversation in the scrolling row of them).
const clippedSideways = (element) => {
  for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
    if (/auto|scroll|hidden|clip/.test(getComputedStyle(parent).overflowX)) {
      const box = parent.getBoundingClientRect();
      if (box.left >= -0.5 && box.right <= width + 0.5) return true;
    }
  }
  return false;
};
for (const element of document.body.querySelectorAll("*")) {
  const rect = element.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) continue;
  if ((rect.right > width + 0.5 || rect.left < -0.5) && !clippedSideways(element)) {
    problems.push(`${describe(element)} reaches ${Math.round(rect.left)}…${Math.round(rect.right)} px in a ${width} px window`);
  }
}

const composer = document.querySelector("form.composer");
if (composer) {
  const main = document.querySelector("main").getBoundingClientRect();
  const visible = { left: main.left, top: main.top, right: Math.min(main.right, width), bottom: Math.min(main.bottom, height) };
  for (const part of [composer, ...composer.querySelectorAll("textarea, button")]) {
    if (!inside(part.getBoundingClientRect(), visible)) problems.push(`the message box's ${describe(part)} is not fully in view`);
  }
}

// No word or figure of the estimate table is broken over lines or wider than its cell.
for (const cell of document.querySelectorAll(".estimate-table th, .estimate-table td")) {
  const style = getComputedStyle(cell);
  const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const word of node.data.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      const wordWidth = range.getBoundingClientRect().width;
      if (lines.size > 1) problems.push(`the estimate table breaks "${word[0]}" over ${lines.size} lines`);
      else if (wordWidth > room + 0.5) problems.push(`the estimate table's "${word[0]}" (${Math.round(wordWidth)} px) is wider than its cell (${Math.round(room)} px)`);
    }
  }
}
return { width, height, problems };
"#;

fn launch(scratch: &Scratch, run: &Run) -> Result<App> {
    scratch.launch(&[("AGENTDESK_UI_THEME", run.theme), ("AGENTDESK_UI_LANGUAGE", run.language)])
}

fn open(app: &App, page: &str, ready: &str) -> Result {
    app.click(&app.find(&format!("nav.sidebar button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    app.find(&format!("main[data-current-page='{page}'] {ready}"))?;
    Ok(())
}

/// Resizes the window and waits until the page has been laid out at the new size; fails if
/// the window did not get it (a screen smaller than the size, or a minimum size above it).
fn resize(app: &App, (width, height): (u32, u32)) -> Result {
    let rect = app.set_window_size(width, height)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inner = app.execute("return [window.innerWidth, window.innerHeight];")?;
        if inner == serde_json::json!([width, height]) {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "asked for a {width}×{height} window, got a rect of {rect} and a page of {inner}: \
                 the virtual screen must be at least 3840×2160 (make test's XVFB)"
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let rect = app.window_rect()?;
    assert_eq!(
        (rect["width"].as_u64(), rect["height"].as_u64()),
        (Some(u64::from(width)), Some(u64::from(height))),
        "WebDriver's window rect: {rect}"
    );
    Ok(())
}

/// `<main>`'s scroll position, after setting it to `to` (and letting the page see the scroll)
/// when given.
fn main_scroll(app: &App, to: Option<u32>) -> Result<f64> {
    let script = match to {
        None => {
            "arguments[arguments.length - 1](document.querySelector('main').scrollTop);".to_owned()
        }
        Some(top) => format!(
            "const done = arguments[arguments.length - 1]; const main = document.querySelector('main'); \
             main.addEventListener('scroll', () => done(main.scrollTop), {{ once: true }}); \
             main.scrollTop = {top};"
        ),
    };
    app.execute_async(&script)?.as_f64().ok_or_else(|| "scrollTop is not a number".into())
}

/// Brings the parts that are hardest to lay out into view before a page is measured and
/// photographed: the estimate table on Chat, a conversation's Markdown on Memory.
fn show_what_matters(app: &App, page: &str) -> Result {
    match page {
        "chat" => {
            app.execute(
                "document.querySelector('.estimate-table-scroll').scrollIntoView({ block: 'nearest' });",
            )?;
        }
        "memory" => {
            app.click(&app.find("#memory-sessions button")?)?;
            app.find("#memory-events")?;
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn each_page_opens_where_it_was_left_not_where_the_last_page_was() -> Result {
    let _turn = one_app_at_a_time();
    let scratch = Scratch::new()?;
    let run = &RUNS[0];
    let app = launch(&scratch, run)?;
    resize(&app, SMALL)?;
    open(&app, "settings", "#settings-save")?;
    assert_eq!(main_scroll(&app, Some(300))?, 300.0, "Settings is taller than a 480 px window");
    open(&app, "status", "tr[data-check='config']")?;
    assert_eq!(main_scroll(&app, None)?, 0.0, "Status opens at its top");
    open(&app, "settings", "#settings-save")?;
    assert_eq!(main_scroll(&app, None)?, 300.0, "Settings opens where it was left");
    Ok(())
}

#[test]
fn every_page_fits_the_window_from_640x480_to_4k_in_both_themes_and_languages() -> Result {
    let _turn = one_app_at_a_time();
    let mut failures = Vec::new();
    let mut checked = 0;
    for run in &RUNS {
        let scratch = Scratch::new()?;
        let app = launch(&scratch, run)?;
        app.find(&format!("html[data-theme='{}'][lang='{}']", run.theme, run.language))?;

        // An estimate to measure its table, and a conversation for the Memory page.
        open(&app, "chat", "#chat-input")?;
        app.type_text(&app.find("#chat-input")?, run.question)?;
        app.click(&app.find("#chat-send")?)?;
        app.find(".estimate[data-priced='true'] [data-testid='estimate-table']")?;
        open(&app, "memory", "#memory-sessions")?;
        app.click(&app.find("#memory-extract")?)?;
        app.find("#memory-records")?;

        for &size in run.sizes {
            resize(&app, size)?;
            for (page, ready) in PAGES {
                open(&app, page, ready)?;
                show_what_matters(&app, page)?;
                let name =
                    format!("layout-{page}-{}x{}-{}-{}", size.0, size.1, run.theme, run.language);
                app.screenshot(&shot(&name))?;
                let measured = app.execute(MEASURE)?;
                checked += 1;
                let problems = measured["problems"].as_array().cloned().unwrap_or_default();
                if !problems.is_empty() {
                    let list: Vec<String> = problems
                        .iter()
                        .take(8)
                        .map(|p| p.as_str().unwrap_or("?").to_owned())
                        .collect();
                    failures.push(format!(
                        "{name} ({} problems):\n  {}",
                        problems.len(),
                        list.join("\n  ")
                    ));
                }
            }
        }
    }
    assert_eq!(checked, 72, "pages × sizes checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
