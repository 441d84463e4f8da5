//! `agentdesk serve`: the cost agent under AgentCore Runtime's contract, configured by the
//! normal config file's `[serve]` section (and `[model]`, `data_dir`…).

use std::process::ExitCode;
use std::time::Duration;

use agentdesk_runtime::server::{
    LISTENING, ServeOptions, decide_access, default_listen, in_container, open_estimator, serve,
};
use agentdesk_wasm_sandbox::{RuntimeId, Sandbox, SandboxConfig};
use anyhow::Context;

use super::Started;
use crate::args::ServeArgs;

pub(crate) fn run(started: &Started, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = &started.loaded.settings;
    let locations = &started.loaded.locations;
    let configured = settings.serve.listen.trim();
    let listen = match args.listen {
        Some(listen) => listen,
        None if !configured.is_empty() => configured
            .parse()
            .with_context(|| format!("serve.listen {configured:?} is not HOST:PORT"))?,
        None => default_listen(in_container()),
    };
    let decision = decide_access(
        listen,
        settings.serve.authorizer.clone(),
        args.allow_unauthenticated || settings.serve.allow_unauthenticated,
    )
    .map_err(anyhow::Error::msg)?;
    if let Some(warning) = &decision.warning {
        eprintln!("{warning}");
        tracing::warn!("{warning}");
    }
    let python_installed =
        Sandbox::open(&SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 0))
            .is_ok_and(|sandbox| {
                sandbox
                    .runtimes()
                    .iter()
                    .any(|status| status.id == RuntimeId::Python && status.installed)
            });
    let options = ServeOptions {
        access: decision.access,
        request_timeout: Duration::from_secs(u64::from(settings.serve.request_timeout_seconds)),
        loopback: listen.ip().is_loopback(),
    };
    super::block_on(async move {
        let estimator = open_estimator(settings, &locations.data_dir, &locations.cache_dir)
            .await
            .context("cannot set up the agent")?;
        match estimator.model() {
            Some(model) => eprintln!("answering with {model}"),
            None => eprintln!(
                "note: no model is configured, so the offline estimator answers (agentdesk config set model.provider … to use a model)"
            ),
        }
        if !python_installed {
            eprintln!(
                "note: the Python sandbox is not installed, so estimates are calculated on the host (agentdesk sandbox install python)"
            );
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr().context("no local address")?;
        eprintln!(
            "{LISTENING} http://{address} (POST /invocations, GET /ping, GET /ws, POST /mcp, /code-interpreters)"
        );
        let shutdown = async {
            super::gateway::stop_requested().await;
            eprintln!("stopping: finishing the turns in flight");
        };
        serve(listener, estimator, &options, shutdown).await.context("the server failed")?;
        eprintln!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}
