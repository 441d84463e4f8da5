//! `agentdesk gateway serve`: the MCP gateway from a `gateway.toml`.

use std::process::ExitCode;

use agentdesk_gateway::{AuthorizerConfig, GatewayConfig};
use anyhow::Context;

use crate::args::GatewayCommand;

pub(crate) fn run(command: GatewayCommand) -> anyhow::Result<ExitCode> {
    let GatewayCommand::Serve { config } = command;
    let text = std::fs::read_to_string(&config)
        .with_context(|| format!("cannot read the gateway config {}", config.display()))?;
    let settings = GatewayConfig::parse(&text)
        .map_err(|problem| anyhow::anyhow!("{}: {problem}", config.display()))?;
    super::block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let address = listener.local_addr().context("no local address")?;
        if matches!(settings.authorizer, AuthorizerConfig::None) {
            eprintln!(
                "WARNING: this gateway accepts every caller ([authorizer] type = \"none\"): use it on this machine only"
            );
        }
        eprintln!("AgentDesk gateway listening on http://{address}/mcp");
        let shutdown = async {
            stop_requested().await;
            eprintln!("stopping: finishing the calls in flight");
        };
        settings.serve(listener, shutdown).await.map_err(anyhow::Error::msg)?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Ctrl-C, or SIGTERM from a service manager (also how `agentdesk serve` stops).
pub(super) async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _interrupted = tokio::signal::ctrl_c().await;
}
