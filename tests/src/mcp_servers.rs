//! The real MCP servers tests start, installed by `make test` under tests/mcp-servers: the
//! reference server-everything (npm) and misbehaving.mjs.

use std::path::PathBuf;

/// The folder holding them (misbehaving.mjs runs from here).
pub fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp-servers")
}

/// server-everything's entry point, for `node PATH stdio` or `node PATH streamableHttp`.
pub fn everything_js() -> String {
    folder()
        .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js")
        .display()
        .to_string()
}
