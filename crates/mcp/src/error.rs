//! What can go wrong talking to an MCP server, each saying what to do about it.

/// An MCP client error. A tool that runs and reports a failure is not one: its result has
/// `isError` set and its own text.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// No server of that name is configured.
    #[error("no MCP server named {0:?}: add one with `agentdesk mcp add`")]
    UnknownServer(String),
    /// The server is configured but switched off.
    #[error("the MCP server {0} is disabled: enable it in Connections or the config file")]
    Disabled(String),
    /// Its credential provider needs the user to sign in.
    #[error("{server} needs a sign-in with {provider}: run `agentdesk mcp login {server}`")]
    NeedsSignIn {
        /// The server.
        server: String,
        /// Its credential provider.
        provider: String,
    },
    /// The server wants a sign-in and no provider is set for it; its protected-resource
    /// metadata (RFC 9728) named where to sign in.
    #[error(
        "{server} wants a sign-in with {authorization_server}: add a provider for it \
         (agentdesk auth add NAME --issuer {authorization_server} --client-id ID --resource {resource}) \
         and name it as the server's auth (agentdesk mcp add {server} --url {resource} --auth NAME)"
    )]
    NeedsProvider {
        /// The server.
        server: String,
        /// The authorization server its metadata names.
        authorization_server: String,
        /// The resource to ask tokens for.
        resource: String,
    },
    /// The server refused the credentials it was given.
    #[error("{server} refused the credentials: {message}")]
    Unauthorized {
        /// The server.
        server: String,
        /// Its challenge or the provider's error.
        message: String,
    },
    /// A secret the server needs is not in the keyring, or the keyring failed.
    #[error("{server}: {message}")]
    Keyring {
        /// The server.
        server: String,
        /// What is missing and how to add it.
        message: String,
    },
    /// The server could not be started or reached, or broke off.
    #[error("{server}: {message}")]
    Unavailable {
        /// The server.
        server: String,
        /// What happened, with the end of its stderr for a local server.
        message: String,
    },
    /// The server has no tool of that name.
    #[error("{server} has no tool named {tool:?}: `agentdesk mcp tools {server}` lists them")]
    UnknownTool {
        /// The server.
        server: String,
        /// The name asked for.
        tool: String,
    },
    /// The arguments break the tool's JSON Schema; nothing was sent.
    #[error("the arguments of {tool} do not match its schema: {}", violations.join("; "))]
    InvalidArguments {
        /// The tool.
        tool: String,
        /// Each violation, with where it is.
        violations: Vec<String>,
    },
    /// No answer, and no progress, within the timeout; the server was told to stop.
    #[error("{server}: {tool} did not answer within {seconds} s")]
    Timeout {
        /// The server.
        server: String,
        /// The tool.
        tool: String,
        /// The timeout.
        seconds: u64,
    },
    /// The server answered the request with a JSON-RPC error.
    #[error("{server} could not {action}: {message}")]
    Refused {
        /// The server.
        server: String,
        /// What was asked.
        action: String,
        /// The server's message.
        message: String,
    },
    /// Another client's config could not be read.
    #[error("{message}")]
    Import {
        /// What is wrong with it.
        message: String,
    },
}

impl McpError {
    /// A short, stable name of what went wrong: a trace span's `error.type`.
    pub fn kind(&self) -> &'static str {
        match self {
            McpError::UnknownServer(_) => "unknown_server",
            McpError::Disabled(_) => "disabled",
            McpError::NeedsSignIn { .. } => "needs_sign_in",
            McpError::NeedsProvider { .. } => "needs_provider",
            McpError::Unauthorized { .. } => "unauthorized",
            McpError::Keyring { .. } => "keyring",
            McpError::Unavailable { .. } => "unavailable",
            McpError::UnknownTool { .. } => "unknown_tool",
            McpError::InvalidArguments { .. } => "invalid_arguments",
            McpError::Timeout { .. } => "timeout",
            McpError::Refused { .. } => "refused",
            McpError::Import { .. } => "import",
        }
    }
}
