//! `agentdesk auth`: credential providers, sign-in, and tokens for scripts.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_config::{AuthFlow, ConfigFile, ProviderKind, ProviderSettings};
use agentdesk_identity::{
    DeviceCode, Identity, Interaction, ProviderStatus, SignInState, SystemBrowser, TokenRequest,
};
use anyhow::{Context, bail};

use super::{Started, print_json};
use crate::args::{AuthAddArgs, AuthCommand};

/// Prints where to sign in, and opens the browser unless `AGENTDESK_BROWSER=none` (headless
/// machines, and tests that take the URL themselves).
#[derive(Debug)]
pub(crate) struct Terminal;

impl Interaction for Terminal {
    fn open_browser(&self, provider: &str, url: &str) -> Result<(), String> {
        eprintln!("To sign in to {provider}, open:\n{url}");
        if std::env::var("AGENTDESK_BROWSER").is_ok_and(|value| value == "none") {
            return Ok(());
        }
        if let Err(error) = SystemBrowser.open_browser(provider, url) {
            eprintln!("({error}; open the address above yourself)");
        }
        Ok(())
    }

    fn show_device_code(&self, provider: &str, code: &DeviceCode) {
        eprintln!(
            "To sign in to {provider}, open {} on any device and enter the code {}",
            code.verification_uri, code.user_code
        );
        if let Some(complete) = &code.verification_uri_complete {
            eprintln!("(or open {complete})");
        }
    }
}

pub(crate) fn run(started: &Started, command: AuthCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuthCommand::Providers { json } => providers(started, json),
        AuthCommand::Add(args) => add(started, &args),
        AuthCommand::Remove { provider } => remove(started, &provider),
        AuthCommand::Login { provider, device } => {
            let flow = device.then_some(AuthFlow::Device);
            with_identity(started, async |identity| {
                let status = identity.sign_in(&provider, flow).await?;
                eprintln!("{}", describe(&status));
                Ok(ExitCode::SUCCESS)
            })
        }
        AuthCommand::Status { provider, json } => with_identity(started, async |identity| {
            let statuses = match provider {
                Some(name) => {
                    known(started, &name)?;
                    vec![identity.status(&name).await]
                }
                None => identity.statuses().await,
            };
            if json {
                print_json(&statuses)?;
            } else if statuses.is_empty() {
                println!("no providers yet: agentdesk auth add NAME --issuer URL --client-id ID");
            } else {
                for status in &statuses {
                    println!("{}", describe(status));
                }
                if let Some(problem) = identity.vault_problem().await {
                    println!("note: sign-ins are not kept between runs: {problem}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        AuthCommand::Token { provider } => with_identity(started, async |identity| {
            let token = identity.access_token(&provider, &TokenRequest::default()).await?;
            println!("{}", token.expose());
            Ok(ExitCode::SUCCESS)
        }),
        AuthCommand::Logout { provider } => with_identity(started, async |identity| {
            let status = identity.sign_out(&provider).await?;
            eprintln!("{}", describe(&status));
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// One line per provider: never a token.
fn describe(status: &ProviderStatus) -> String {
    let state = match status.state {
        SignInState::SignedIn => format!(
            "signed in{}",
            status.signed_in_as.as_ref().map(|who| format!(" as {who}")).unwrap_or_default()
        ),
        SignInState::Expired => "expired: sign in again".into(),
        SignInState::NeedsSignIn => "needs sign-in".into(),
        SignInState::Error => format!("error: {}", status.error.as_deref().unwrap_or("unknown")),
        SignInState::KeyStored => "API key stored".into(),
        SignInState::KeyMissing => "API key missing".into(),
    };
    let mut line = format!("{}  {state}", status.provider);
    if !status.scopes.is_empty() {
        line.push_str(&format!("; scopes {}", status.scopes.join(" ")));
    }
    if let Some(seconds) = status.expires_in.filter(|seconds| *seconds > 0) {
        line.push_str(&format!("; expires in {}", human_seconds(seconds)));
    }
    line
}

fn human_seconds(seconds: i64) -> String {
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7200 => format!("{} min", seconds / 60),
        _ => format!("{} h", seconds / 3600),
    }
}

fn known(started: &Started, name: &str) -> anyhow::Result<()> {
    if started.loaded.settings.providers.contains_key(name) {
        Ok(())
    } else {
        bail!("no credential provider named {name:?}: agentdesk auth providers lists them")
    }
}

fn identity(started: &Started, providers: BTreeMap<String, ProviderSettings>) -> Identity {
    let vault = agentdesk_agent::open_vault(started.loaded.settings.keyring.store);
    Identity::new(providers, vault, Arc::new(Terminal))
}

fn with_identity(
    started: &Started,
    work: impl AsyncFnOnce(&Identity) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    let identity = identity(started, started.loaded.settings.providers.clone());
    super::block_on(async { work(&identity).await })
}

fn providers(started: &Started, json: bool) -> anyhow::Result<ExitCode> {
    let providers = &started.loaded.settings.providers;
    if json {
        print_json(providers)?;
    } else if providers.is_empty() {
        println!("no providers yet: agentdesk auth add NAME --issuer URL --client-id ID");
    }
    for (name, provider) in providers.iter().filter(|_| !json) {
        match provider.kind {
            ProviderKind::ApiKey => println!("{name}  API key"),
            ProviderKind::OAuth => println!(
                "{name}  {}  client {}  {}",
                provider.flow.as_str(),
                provider.client_id,
                if provider.issuer.is_empty() {
                    &provider.token_endpoint
                } else {
                    &provider.issuer
                }
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn add(started: &Started, args: &AuthAddArgs) -> anyhow::Result<ExitCode> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let flow = match args.flow.as_deref() {
        None => AuthFlow::Code,
        Some(name) => AuthFlow::parse(name).with_context(|| {
            format!("--flow {name:?}: expected one of {}", AuthFlow::NAMES.join(", "))
        })?,
    };
    let provider = ProviderSettings {
        kind: if args.api_key { ProviderKind::ApiKey } else { ProviderKind::OAuth },
        issuer: text(&args.issuer),
        authorization_endpoint: text(&args.authorization_endpoint),
        token_endpoint: text(&args.token_endpoint),
        device_authorization_endpoint: text(&args.device_authorization_endpoint),
        revocation_endpoint: text(&args.revocation_endpoint),
        client_id: text(&args.client_id),
        scopes: args.scopes.clone(),
        resource: text(&args.resource),
        audience: text(&args.audience),
        flow,
    };
    let problems = provider.problems(&args.provider);
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    let secret = if args.api_key || args.client_secret {
        let what = if args.api_key { "API key" } else { "client secret" };
        Some(super::read_secret(&format!("{} {what} (not shown): ", args.provider))?)
    } else {
        None
    };
    if started.loaded.settings.providers.contains_key(&args.provider) {
        // Replacing a provider: tokens issued under its old settings go first.
        let identity = identity(started, started.loaded.settings.providers.clone());
        super::block_on(async {
            Ok(identity.settings_changing(&args.provider, &provider).await?)
        })?;
    }
    let file = ConfigFile::new(started.loaded.locations.config_file.clone());
    file.save_provider(&args.provider, &provider)?;
    if let Some(secret) = secret {
        let providers = BTreeMap::from([(args.provider.clone(), provider)]);
        let identity = identity(started, providers);
        super::block_on(async {
            identity
                .store_secret(&args.provider, secret)
                .await
                .context("the provider was saved, but its secret was not")
        })?;
    }
    eprintln!("saved provider {} in {}", args.provider, file.path().display());
    Ok(ExitCode::SUCCESS)
}

fn remove(started: &Started, name: &str) -> anyhow::Result<ExitCode> {
    known(started, name)?;
    let identity = identity(started, started.loaded.settings.providers.clone());
    super::block_on(async { Ok(identity.forget_provider(name).await?) })?;
    ConfigFile::new(started.loaded.locations.config_file.clone()).remove_provider(name)?;
    eprintln!("removed provider {name}, its tokens and its secrets");
    Ok(ExitCode::SUCCESS)
}
