//! A small W3C WebDriver client over one keep-alive connection, and the app it drives.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The W3C key for element references in WebDriver responses.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long the driver itself waits for a selector to match before giving up.
const IMPLICIT_WAIT: Duration = Duration::from_secs(20);

type Error = Box<dyn std::error::Error + Send + Sync>;
/// Results of driving the app; errors carry the WebDriver's own message.
pub type Result<T> = std::result::Result<T, Error>;

/// What to start.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The desktop app binary.
    pub binary: PathBuf,
    /// Environment variables for the app (its folders, its locale).
    pub env: Vec<(String, String)>,
}

/// A reference to an element in the app's page.
#[derive(Debug, Clone)]
pub struct Element(String);

/// The running app with an open WebDriver session. Dropping it ends the session and stops
/// the driver (and with it the app).
#[derive(Debug)]
pub struct App {
    http: reqwest::blocking::Client,
    session_url: String,
    driver: Child,
}

impl Launch {
    /// The app binary built by `cargo build -p agentdesk-desktop` in this workspace, or
    /// `AGENTDESK_DESKTOP_BIN`.
    pub fn workspace_binary() -> PathBuf {
        std::env::var_os("AGENTDESK_DESKTOP_BIN").map(PathBuf::from).unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/agentdesk-desktop")
        })
    }
}

impl App {
    /// Starts tauri-driver and the app, and opens a session.
    pub fn launch(launch: &Launch) -> Result<App> {
        if !launch.binary.exists() {
            return Err(format!(
                "{} does not exist: build the app first (make build)",
                launch.binary.display()
            )
            .into());
        }
        let port = free_port()?;
        let native_port = free_port()?;
        let mut command = Command::new(tauri_driver());
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let driver = command.spawn().map_err(|e| format!("cannot start tauri-driver: {e}"))?;
        let http = reqwest::blocking::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(120))
            .build()?;
        let mut app = App { http, session_url: String::new(), driver };
        wait_until_listening("tauri-driver", port, Duration::from_secs(30))?;
        // tauri-driver listens before the WebKitWebDriver it proxies to does, and a request in
        // between is dropped: a session is asked for only once both accept connections.
        wait_until_listening("WebKitWebDriver", native_port, Duration::from_secs(30))?;
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "tauri:options": {"application": launch.binary.display().to_string()}
            }}
        });
        // A dropped first request is still retried, a few times, never anything else: the
        // native driver can accept a connection before it serves one.
        let url = format!("http://127.0.0.1:{port}/session");
        let mut attempts = 0;
        let session = loop {
            attempts += 1;
            match app.request("POST", &url, Some(capabilities.clone())) {
                Ok(session) => break session,
                Err(error) if attempts < 5 && is_dropped_connection(error.as_ref()) => {
                    wait_until_listening("WebKitWebDriver", native_port, Duration::from_secs(30))?;
                }
                Err(error) => return Err(error),
            }
        };
        let id = session["sessionId"].as_str().ok_or("WebDriver gave no session id")?;
        app.session_url = format!("http://127.0.0.1:{port}/session/{id}");
        let implicit = IMPLICIT_WAIT.as_millis() as u64;
        app.command("POST", "/timeouts", json!({"implicit": implicit, "script": 30_000}))?;
        // One window size for every screenshot, when asked (scripts/readme-screenshots).
        if let Ok(size) = std::env::var("AGENTDESK_E2E_WINDOW") {
            let parsed =
                size.split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
            let (width, height) = parsed.ok_or_else(|| {
                format!("AGENTDESK_E2E_WINDOW must be WIDTHxHEIGHT, such as 1280x800, not {size:?}")
            })?;
            app.set_window_size(width, height)?;
        }
        Ok(app)
    }

    /// The first element matching a CSS selector, waiting for it to appear.
    pub fn find(&self, css: &str) -> Result<Element> {
        let found = self
            .command("POST", "/element", json!({"using": "css selector", "value": css}))
            .map_err(|e| format!("no element matches `{css}`: {e}"))?;
        element(&found)
    }

    /// Every element matching a CSS selector, waiting for at least one.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        self.find(css)?;
        let found =
            self.command("POST", "/elements", json!({"using": "css selector", "value": css}))?;
        found.as_array().ok_or("no element list")?.iter().map(element).collect()
    }

    /// Clicks an element.
    pub fn click(&self, element: &Element) -> Result<()> {
        self.command("POST", &format!("/element/{}/click", element.0), json!({})).map(drop)
    }

    /// Empties a text field.
    pub fn clear(&self, element: &Element) -> Result<()> {
        self.command("POST", &format!("/element/{}/clear", element.0), json!({})).map(drop)
    }

    /// Types text into an element.
    pub fn type_text(&self, element: &Element, text: &str) -> Result<()> {
        self.command("POST", &format!("/element/{}/value", element.0), json!({"text": text}))
            .map(drop)
    }

    /// An element's rendered text.
    pub fn text(&self, element: &Element) -> Result<String> {
        let value = self.command("GET", &format!("/element/{}/text", element.0), Value::Null)?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until no element matches a CSS selector (the page removes it after a command
    /// returns), watching the document rather than polling it.
    pub fn wait_until_gone(&self, css: &str) -> Result<()> {
        let gone = self.command(
            "POST",
            "/execute/async",
            json!({
                "script": "const [css, done] = arguments; \
                           if (!document.querySelector(css)) return done(true); \
                           new MutationObserver((_, observer) => { \
                               if (!document.querySelector(css)) { observer.disconnect(); done(true); } \
                           }).observe(document.body, { childList: true, subtree: true });",
                "args": [css]
            }),
        )?;
        if gone == Value::Bool(true) {
            Ok(())
        } else {
            Err(format!("`{css}` is still there").into())
        }
    }

    /// Waits until some element matching a CSS selector has exactly `text` as its text,
    /// watching the document rather than polling it.
    pub fn wait_for_text(&self, css: &str, text: &str) -> Result<()> {
        let found = self.command(
            "POST",
            "/execute/async",
            json!({
                "script": "const [css, text, done] = arguments; \
                           const there = () => [...document.querySelectorAll(css)].some((e) => e.textContent === text); \
                           if (there()) return done(true); \
                           new MutationObserver((_, observer) => { \
                               if (there()) { observer.disconnect(); done(true); } \
                           }).observe(document.body, { childList: true, subtree: true, characterData: true });",
                "args": [css, text]
            }),
        )?;
        if found == Value::Bool(true) {
            Ok(())
        } else {
            Err(format!("no `{css}` reads {text:?}").into())
        }
    }

    /// Runs a script in the page and returns its result.
    pub fn execute(&self, script: &str) -> Result<Value> {
        self.command("POST", "/execute/sync", json!({"script": script, "args": []}))
    }

    /// Runs a script that calls its last argument with the result, and returns that result
    /// (within the driver's 30-second script timeout).
    pub fn execute_async(&self, script: &str) -> Result<Value> {
        self.command("POST", "/execute/async", json!({"script": script, "args": []}))
    }

    /// The window's position and size: WebDriver's window rect (`x`, `y`, `width`, `height`).
    pub fn window_rect(&self) -> Result<Value> {
        self.command("GET", "/window/rect", Value::Null)
    }

    /// Asks for a window of `width` × `height` pixels and returns the rect it got, which the
    /// screen's size or the app's minimum size may have limited.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<Value> {
        self.command("POST", "/window/rect", json!({"width": width, "height": height}))
    }

    /// Saves a PNG of the window to `path`, after the page has painted its current state.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        self.command(
            "POST",
            "/execute/async",
            json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": []
            }),
        )?;
        let encoded = self.command("GET", "/screenshot", Value::Null)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().ok_or("screenshot is not a string")?)?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    fn command(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}{path}", self.session_url);
        self.request(method, &url, (!body.is_null()).then_some(body))
    }

    fn request(&self, method: &str, url: &str, body: Option<Value>) -> Result<Value> {
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let response = request.send()?;
        let status = response.status();
        let payload: Value = response.json()?;
        if !status.is_success() {
            let error = &payload["value"];
            return Err(
                format!("{} {}: {} ({status})", error["error"], error["message"], url).into()
            );
        }
        Ok(payload["value"].clone())
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if !self.session_url.is_empty() {
            let url = self.session_url.clone();
            let _ = self.request("DELETE", &url, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn is_dropped_connection(error: &(dyn std::error::Error + 'static)) -> bool {
    error.downcast_ref::<reqwest::Error>().is_some_and(|e| e.is_request() || e.is_connect())
}

fn element(found: &Value) -> Result<Element> {
    found[ELEMENT_KEY]
        .as_str()
        .map(|id| Element(id.to_owned()))
        .ok_or_else(|| format!("not an element: {found}").into())
}

fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER").map(PathBuf::from).unwrap_or_else(|| "tauri-driver".into())
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Neither driver says when it is ready, so the only sign is its port accepting.
fn wait_until_listening(name: &str, port: u16, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(_) => return Ok(()),
            Err(error) if Instant::now() > deadline => {
                return Err(
                    format!("{name} did not listen on {port} within {limit:?}: {error}").into()
                );
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
