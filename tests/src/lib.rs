//! Support for end-to-end tests of the real AgentDesk desktop app.
//!
//! [`App::launch`] starts `tauri-driver` (which starts WebKitWebDriver, which starts the app
//! binary) with the app's folders redirected to a temporary directory, and opens a WebDriver
//! session. [`App`] then finds elements, clicks, types, reads text and saves screenshots.
//!
//! Two lessons shape it (LESSONS.md, Tauri): every WebDriver request goes over one keep-alive
//! HTTP connection (closing it per request failed about one run in five), and a screenshot
//! waits two animation frames so it shows the current paint. Elements are awaited with the
//! driver's implicit wait, never with sleeps: tests wait for a selector that only matches
//! once the state they expect is reached.
//!
//! [`oidc`] starts a real OpenID Provider and completes its browser pages over HTTP;
//! [`gateway`] AgentDesk's gateway in front of server-everything.
//! [`phoenix`] starts Arize Phoenix (PyPI) as a real OTLP receiver.
//! [`python_runtime`] installs the sandbox's Python once for tests that need a real sandbox.
//! [`serve_process`] waits for an `agentdesk serve` process to listen.
//! [`scratch`] gives a test its own config and folders and launches the app on them.
//! [`file_dialog`] answers GTK's native Open and Save dialogs.
//! [`serve_folder`] serves a folder of files over HTTP (the Price List's bulk files).
//! [`ScriptedModel`] stands in for a model API (none can run here): it replays scripted
//! answers in OpenAI's streamed wire format and keeps the requests it received.
//!
//! It needs a display (Xvfb), `tauri-driver` and `WebKitWebDriver`; `make test` provides
//! all three. This crate is test support only and ships nowhere.
#![deny(missing_docs)]

pub mod agentcore_peer;
mod driver;
pub mod file_dialog;
pub mod gateway;
pub mod mcp_servers;
pub mod oidc;
pub mod phoenix;
pub mod python_runtime;
pub mod scratch;
mod scripted_model;
pub mod serve_process;
pub mod started;
mod static_files;

pub use driver::{App, Element, Launch, Result};
pub use scripted_model::{Reply, ScriptedModel};
pub use static_files::serve_folder;
