//! Setting AgentDesk up in the desktop app, as a newcomer does: a credential provider added
//! in Settings and checked against a real OpenID Provider's discovery document (and against
//! a wrong issuer), a client secret typed into a masked field and kept only in the keyring,
//! Claude Desktop's config previewed and imported on the Connections page (and another one
//! chosen with GTK's Open dialog), a local server's secret variable typed on the Connections
//! page reaching the server from the keyring, and the default
//! estimate region picked by typing 東京.
//!
//! Each test has its own config and data folders; names in the shared test keyring carry the
//! process id. Screenshots, English and Japanese and at 640×480, are kept as
//! `target/e2e/setup-*.png`.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use agentdesk_e2e::file_dialog::{self, FileDialog};
use agentdesk_e2e::oidc::{Browser, M2M_SECRET, Oidc};
use agentdesk_e2e::scratch::{Scratch, one_app_at_a_time, screenshot};
use agentdesk_e2e::{App, Element};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T = ()> = std::result::Result<T, Error>;

/// WebDriver's Enter key, and the key that releases every modifier pressed before it.
const ENTER: &str = "\u{E007}";
/// Ctrl+A then release: what was in a field is selected, so typing replaces it.
const SELECT_ALL: &str = "\u{E009}a\u{E000}";

fn shot(name: &str) -> PathBuf {
    screenshot(&format!("setup-{name}"))
}

fn open(app: &App, page: &str) -> Result {
    app.click(&app.find(&format!("button[data-page='{page}']"))?)?;
    app.find(&format!("main[data-current-page='{page}'] h1"))?;
    Ok(())
}

/// Brings the element into view inside the scrolling main area, for a screenshot.
fn show(app: &App, css: &str) -> Result {
    app.execute(&format!(
        "document.querySelector({css:?}).scrollIntoView({{block: 'center', inline: 'nearest'}});"
    ))?;
    Ok(())
}

/// Resizes the window and waits until the page is laid out at that size.
fn resize(app: &App, width: u32, height: u32) -> Result {
    app.set_window_size(width, height)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inner = app.execute("return [window.innerWidth, window.innerHeight];")?;
        if inner == serde_json::json!([width, height]) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("asked for a {width}×{height} window, the page is {inner}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Selects what a field holds and types `text` in its place. (Ctrl+A and the text go as
/// two requests: WebKitWebDriver drops non-ASCII text sent after a modifier in one request.)
fn retype(app: &App, field: &Element, text: &str) -> Result {
    app.type_text(field, SELECT_ALL)?;
    app.type_text(field, text)
}

/// A property of the first element matching `css`, read in the page.
fn property(app: &App, css: &str, name: &str) -> Result<serde_json::Value> {
    app.execute(&format!("return document.querySelector({css:?})?.[{name:?}] ?? null;"))
}

/// Whether `text` appears anywhere on the page: in its text or in any field's value.
fn anywhere_on_the_page(app: &App, text: &str) -> Result<bool> {
    let found = app.execute(&format!(
        "const text = {text:?}; \
         return document.body.innerText.includes(text) \
             || [...document.querySelectorAll('input, textarea')].some((field) => field.value.includes(text));"
    ))?;
    Ok(found == serde_json::Value::Bool(true))
}

/// How many elements match `css` once their number stops changing from what it was (the
/// page may still be catching up with keys just typed), or `expected` as soon as it is seen.
fn settled_count(app: &App, css: &str, expected: usize) -> Result<usize> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let count = app.execute(&format!("return document.querySelectorAll({css:?}).length;"))?;
        let count = usize::try_from(count.as_u64().unwrap_or_default())?;
        if count == expected || Instant::now() > deadline {
            return Ok(count);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The elements of the page that reach past the window's right edge, described.
fn sticking_out(app: &App) -> Result<Vec<String>> {
    let found = app.execute(
        "return [...document.querySelectorAll('main *')] \
             .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1) \
             .map((element) => `${element.tagName.toLowerCase()}.${element.className} ${element.textContent.slice(0, 40)}`);",
    )?;
    Ok(serde_json::from_value(found)?)
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[test]
fn a_provider_added_in_settings_is_checked_against_the_real_discovery_document() -> Result {
    let runtime = tokio::runtime::Runtime::new()?;
    let oidc = runtime.block_on(Oidc::start(300));
    let _turn = one_app_at_a_time();
    let name = format!("corp{}", std::process::id());
    let s = Scratch::new()?;
    let app = s.launch(&[])?;
    open(&app, "settings")?;
    app.click(&app.find("[data-testid='provider-add']")?)?;
    let form = "[data-testid='provider-form']";
    app.type_text(&app.find("#provider-new-name")?, &name)?;
    app.type_text(&app.find("#provider-new-client-id")?, "agentdesk")?;
    let issuer = app.find("#provider-new-issuer")?;
    let check = format!("{form} [data-testid='provider-check']");

    // Nothing listening at the issuer: said so, with what to check.
    let down = format!("http://127.0.0.1:{}", closed_port()?);
    app.type_text(&issuer, &down)?;
    app.click(&app.find(&check)?)?;
    let result = app.find("[data-testid='discovery-result'][data-usable='false']")?;
    let text = app.text(&result)?;
    assert!(text.contains(&format!("Nothing answered at {down}")), "{text}");
    assert!(text.contains("Check the issuer address"), "{text}");

    // The provider's server, but not its issuer: no document at any place asked.
    app.clear(&issuer)?;
    app.type_text(&issuer, &format!("{}/tenant", oidc.issuer))?;
    app.click(&app.find(&check)?)?;
    let result = app.find(
        "[data-testid='discovery-result'][data-usable='false'] [data-finding='noDocument']",
    )?;
    let text = app.text(&result)?;
    assert!(text.contains("publishes no discovery document"), "{text}");
    assert!(text.contains("Check the issuer URL"), "{text}");
    let tried = app.text(&app.find(".discovery-tried")?)?;
    assert!(
        tried.contains(&format!("{}/tenant/.well-known/openid-configuration", oidc.issuer)),
        "{tried}"
    );
    assert!(tried.contains("HTTP 404"), "{tried}");
    show(&app, "[data-testid='discovery-result']")?;
    app.screenshot(&shot("check-wrong-issuer"))?;

    // The real issuer: its discovery document and endpoints.
    app.clear(&issuer)?;
    app.type_text(&issuer, &oidc.issuer)?;
    app.click(&app.find(&check)?)?;
    app.find("[data-testid='discovery-result'][data-usable='true']")?;
    assert_eq!(
        app.text(&app.find("[data-testid='discovery-summary']")?)?,
        format!(
            "Found the discovery document at {}/.well-known/openid-configuration. Sign-in can be tried with these settings.",
            oidc.issuer
        )
    );
    let endpoints = app.text(&app.find(".discovery-endpoints")?)?;
    assert!(endpoints.contains(&format!("{}/token", oidc.issuer)), "{endpoints}");
    show(&app, "[data-testid='discovery-result']")?;
    app.screenshot(&shot("check"))?;

    app.click(&app.find("[data-testid='provider-save']")?)?;
    let account = format!("li[data-provider='{name}']");
    app.find(&format!("{account}[data-state='needs-sign-in']"))?;
    let written = fs::read_to_string(&s.config)?;
    assert!(written.contains(&format!("[providers.{name}]")), "{written}");
    assert!(written.contains(&format!("issuer = \"{}\"", oidc.issuer)), "{written}");
    assert!(written.contains("client_id = \"agentdesk\""), "{written}");

    // The provider added here signs in like any other.
    app.click(&app.find(&format!("{account} [data-testid='sign-in']"))?)?;
    let url = app.text(&app.find(&format!("{account} [data-testid='sign-in-url']"))?)?;
    let delivered = runtime.block_on(Browser::new("erin").complete(&url))?;
    assert!(delivered.starts_with("200 "), "{delivered}");
    app.find(&format!("{account}[data-state='signed-in']"))?;

    // Removed: gone from the page and the file, its tokens with it.
    app.click(&app.find(&format!("{account} [data-testid='provider-remove']"))?)?;
    app.click(&app.find(&format!("{account} [data-testid='provider-remove-confirm']"))?)?;
    app.wait_until_gone(&account)?;
    assert!(!fs::read_to_string(&s.config)?.contains(&name), "removed from the config file");
    let (_, revoked) = runtime.block_on(oidc.counts());
    assert!(revoked >= 1, "signing out on removal revokes the tokens");
    Ok(())
}

#[test]
fn a_client_secret_is_masked_shown_on_request_and_kept_only_in_the_keyring() -> Result {
    let runtime = tokio::runtime::Runtime::new()?;
    let oidc = runtime.block_on(Oidc::start(300));
    let _turn = one_app_at_a_time();
    let name = format!("m2m{}", std::process::id());
    let s = Scratch::new()?;
    let app = s.launch(&[])?;
    open(&app, "settings")?;
    app.click(&app.find("[data-testid='provider-add']")?)?;
    app.type_text(&app.find("#provider-new-name")?, &name)?;
    app.type_text(&app.find("#provider-new-issuer")?, &oidc.issuer)?;
    app.type_text(&app.find("#provider-new-client-id")?, "m2m")?;
    let scopes = app.find("#provider-new-scopes")?;
    app.clear(&scopes)?;
    app.type_text(&scopes, "gateway")?;
    app.click(&app.find("#provider-new-flow option[value='client-credentials']")?)?;

    let secret = "#provider-new-secret";
    app.type_text(&app.find(secret)?, M2M_SECRET)?;
    assert_eq!(property(&app, secret, "type")?, "password", "masked by default");
    assert!(!app.execute("return document.body.innerText")?.to_string().contains(M2M_SECRET));
    show(&app, secret)?;
    app.screenshot(&shot("secret-masked"))?;
    let toggle = app.find("[data-secret-field='provider-new-secret'] .secret-toggle")?;
    let label = app.execute(
        "return document.querySelector(\"[data-secret-field='provider-new-secret'] .secret-toggle\").getAttribute('aria-label');",
    )?;
    assert_eq!(label, "Show Client secret");
    app.click(&toggle)?;
    assert_eq!(property(&app, secret, "type")?, "text");
    assert_eq!(property(&app, secret, "value")?, M2M_SECRET);
    app.screenshot(&shot("secret-shown"))?;

    app.click(&app.find("[data-testid='provider-save']")?)?;
    let account = format!("li[data-provider='{name}']");
    app.find(&format!("{account} .secret-stored"))?;
    assert!(!anywhere_on_the_page(&app, M2M_SECRET)?, "the saved secret is not shown anywhere");
    let placeholder = property(&app, &format!("#secret-{name}"), "placeholder")?;
    assert!(
        placeholder.as_str().unwrap_or_default().starts_with("Stored in the OS keyring"),
        "{placeholder}"
    );
    assert!(!fs::read_to_string(&s.config)?.contains(M2M_SECRET), "never in the config file");
    show(&app, &account)?;
    app.screenshot(&shot("secret-stored"))?;

    // The secret is in the keyring: client credentials sign in with it.
    app.click(&app.find(&format!("{account} [data-testid='sign-in']"))?)?;
    app.find(&format!("{account}[data-state='signed-in']"))?;

    app.click(&app.find(&format!("{account} [data-testid='provider-remove']"))?)?;
    app.click(&app.find(&format!("{account} [data-testid='provider-remove-confirm']"))?)?;
    app.wait_until_gone(&account)?;
    Ok(())
}

#[test]
fn claude_desktops_config_is_previewed_and_imported_with_its_secret_in_the_keyring() -> Result {
    let _turn = one_app_at_a_time();
    let docs = format!("docs{}", std::process::id());
    // In the dark theme, so the screenshots show both.
    let s = Scratch::with_config(
        "[ui]\ntheme = \"dark\"\n\n[mcp_servers.kept]\nurl = \"https://kept.example/mcp\"\nenabled = false\n",
    )?;
    // Where Claude Desktop keeps its config on Linux, under the XDG config folder the app gets.
    let xdg = s.path().join("xdg-config");
    let claude = xdg.join("Claude/claude_desktop_config.json");
    fs::create_dir_all(claude.parent().ok_or("no parent")?)?;
    fs::write(
        &claude,
        format!(
            r#"{{"mcpServers": {{
                "{docs}": {{"command": "node", "args": [{js:?}, "stdio"],
                            "env": {{"API_KEY": "imported-key-123", "MODE": "demo"}}}},
                "kept": {{"url": "https://elsewhere.example/mcp"}},
                "broken": {{"args": 3}}
            }}}}"#,
            js = agentdesk_e2e::mcp_servers::everything_js()
        ),
    )?;
    let app = s.launch(&[("XDG_CONFIG_HOME", &xdg.display().to_string())])?;
    open(&app, "connections")?;
    app.click(&app.find("[data-testid='import-open']")?)?;
    app.find("[data-testid='import-items']")?;
    assert_eq!(property(&app, "#import-path", "value")?, claude.display().to_string());
    let summary = app.text(&app.find("[data-testid='import-summary']")?)?;
    assert!(summary.ends_with("1 to add, 2 to skip."), "{summary}");
    let added = app.text(&app.find(&format!("li[data-import='{docs}'][data-action='add']"))?)?;
    assert!(added.contains("API_KEY: kept in the OS keyring"), "{added}");
    assert!(!added.contains("imported-key-123"), "{added}");
    let kept = app.text(&app.find("li[data-import='kept'][data-action='already-configured']")?)?;
    assert!(kept.contains("configured here already"), "{kept}");
    let broken = app.text(&app.find("li[data-import='broken'][data-action='unusable']")?)?;
    assert!(broken.contains("Skipped: cannot be used") && broken.contains("skipped,"), "{broken}");
    assert!(!fs::read_to_string(&s.config)?.contains(&docs), "a preview changes nothing");
    show(&app, "[data-testid='import-claude']")?;
    app.screenshot(&shot("import-preview"))?;

    app.click(&app.find("[data-testid='import-run']")?)?;
    let done = app.find("[data-testid='import-summary']")?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.text(&done)? != "Imported 1; skipped 2." {
        assert!(Instant::now() < deadline, "the import did not finish: {}", app.text(&done)?);
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = fs::read_to_string(&s.config)?;
    assert!(written.contains(&format!("[mcp_servers.{docs}]")), "{written}");
    assert!(written.contains("MODE = \"demo\""), "{written}");
    assert!(!written.contains("imported-key-123"), "the secret went to the keyring: {written}");
    assert!(written.contains("https://kept.example/mcp"), "the server already here is kept");
    // The imported server starts with the secret from the keyring.
    let server = format!("li[data-server='{docs}']");
    app.find(&format!("{server}[data-state='connected']"))?;
    app.screenshot(&shot("import-done"))?;

    // Removing it deletes its secret too (the keyring is shared by every test run).
    app.click(&app.find(&format!("{server} [data-testid='server-remove']"))?)?;
    app.click(&app.find(&format!("{server} [data-testid='server-remove-confirm']"))?)?;
    app.wait_until_gone(&server)?;

    // A config kept anywhere else is chosen with the OS's Open dialog and previewed at once.
    let shared = s.path().join("from a colleague/team servers.json");
    fs::create_dir_all(shared.parent().ok_or("no parent")?)?;
    fs::write(&shared, r#"{"mcpServers": {"team-docs": {"url": "https://docs.example/mcp"}}}"#)?;
    app.click(&app.find("[data-testid='import-browse']")?)?;
    file_dialog::answer(FileDialog::Open, &shared, &shot("import-open-dialog"))?;
    app.find("li[data-import='team-docs'][data-action='add']")?;
    assert_eq!(property(&app, "#import-path", "value")?, shared.display().to_string());
    let summary = app.text(&app.find("[data-testid='import-summary']")?)?;
    assert!(summary.ends_with("1 to add, 0 to skip."), "{summary}");
    assert!(!fs::read_to_string(&s.config)?.contains("team-docs"), "a preview changes nothing");
    Ok(())
}

#[test]
fn a_local_servers_secret_variable_reaches_it_from_the_keyring_and_never_the_config_file() -> Result
{
    let _turn = one_app_at_a_time();
    let name = format!("everything{}", std::process::id());
    let secret = format!("typed-token-{}", std::process::id());
    let s = Scratch::new()?;
    let app = s.launch(&[])?;
    open(&app, "connections")?;
    app.type_text(&app.find("#mcp-name")?, &name)?;
    app.click(&app.find("input[name='mcp-kind']:not(:checked)")?)?;
    let command = format!("node {} stdio", agentdesk_e2e::mcp_servers::everything_js());
    app.type_text(&app.find("#mcp-target")?, &command)?;
    app.click(&app.find("[data-testid='mcp-secret-add']")?)?;
    app.type_text(&app.find("#mcp-secret-name-0")?, "TEAM_TOKEN")?;
    let value = app.find("#mcp-secret-value-0")?;
    app.type_text(&value, &secret)?;
    assert_eq!(property(&app, "#mcp-secret-value-0", "type")?, "password", "masked while typed");
    show(&app, "[data-testid='mcp-secrets']")?;
    app.screenshot(&shot("secret-variable"))?;
    app.click(&app.find("[data-testid='mcp-add']")?)?;

    let server = format!("li[data-server='{name}']");
    app.find(&format!("{server}[data-state='connected']"))?;
    assert_eq!(count_rows(&app)?, 0, "the typed value is gone from the form once added");
    let written = fs::read_to_string(&s.config)?;
    assert!(written.contains("secret_env = [\"TEAM_TOKEN\"]"), "{written}");
    assert!(!written.contains(&secret), "the value went to the keyring: {written}");

    // The server got it: its get-env tool prints its environment.
    app.click(&app.find(&format!("{server} [data-testid='server-tools']"))?)?;
    app.click(&app.find(&format!("{server} li[data-tool='get-env'] button.tool-name"))?)?;
    let form = format!("{server} form[data-tool='get-env']");
    app.click(&app.find(&format!("{form} [data-testid='tool-call']"))?)?;
    let result = app.text(&app.find(&format!("{form} [data-testid='tool-result']"))?)?;
    assert!(result.contains(&format!("\"TEAM_TOKEN\": \"{secret}\"")), "{result}");

    // Removing the server deletes its secret too (the keyring is shared by every test run).
    app.click(&app.find(&format!("{server} [data-testid='server-remove']"))?)?;
    app.click(&app.find(&format!("{server} [data-testid='server-remove-confirm']"))?)?;
    app.wait_until_gone(&server)?;
    Ok(())
}

fn count_rows(app: &App) -> Result<u64> {
    let rows = app.execute("return document.querySelectorAll('[data-secret-row]').length")?;
    Ok(rows.as_u64().unwrap_or_default())
}

#[test]
fn the_default_region_is_picked_by_typing_tokyo_in_japanese_and_reads_at_640_by_480() -> Result {
    let runtime = tokio::runtime::Runtime::new()?;
    let oidc = runtime.block_on(Oidc::start(300));
    let _turn = one_app_at_a_time();
    let s = Scratch::new()?;
    let app = s.launch(&[])?;
    open(&app, "settings")?;
    // The regions arrive from the backend after the page is drawn.
    app.find(".region-picker[data-ready='true']")?;
    let region = app.find("#setting-estimate-region")?;
    let role = app.execute(
        "return document.querySelector('#setting-estimate-region').getAttribute('role');",
    )?;
    assert_eq!(role, "combobox");
    assert_eq!(
        property(&app, "#setting-estimate-region", "value")?,
        "US East (N. Virginia) · us-east-1"
    );

    // A region with no catalogued prices says so in the list.
    app.click(&region)?;
    retype(&app, &region, "Mexico")?;
    let mexico = app.text(&app.find(
        "#setting-estimate-region-list li[data-code='mx-central-1'][data-priced='false']",
    )?)?;
    assert!(mexico.contains("no prices"), "{mexico}");

    retype(&app, &region, "東京")?;
    let options = "#setting-estimate-region-list li[role='option']";
    assert_eq!(settled_count(&app, options, 1)?, 1, "東京 names one region");
    app.find("#setting-estimate-region-list li[data-code='ap-northeast-1'][data-active='true']")?;
    app.screenshot(&shot("region"))?;
    app.type_text(&region, ENTER)?;
    app.wait_until_gone("#setting-estimate-region-list")?;
    assert_eq!(
        property(&app, "#setting-estimate-region", "value")?,
        "Asia Pacific (Tokyo) · ap-northeast-1"
    );
    app.click(&app.find("#settings-save")?)?;
    app.find("#settings-save-status[data-state='saved']")?;
    let written = fs::read_to_string(&s.config)?;
    assert!(written.contains("region = \"ap-northeast-1\""), "{written}");

    // In Japanese: the list and the provider form's check read in Japanese.
    app.click(&app.find("#setting-ui-language option[value='ja']")?)?;
    app.click(&app.find("#settings-save")?)?;
    app.find("html[lang='ja']")?;
    assert_eq!(
        property(&app, "#setting-estimate-region", "value")?,
        "アジアパシフィック (東京) · ap-northeast-1"
    );
    let region = app.find("#setting-estimate-region")?;
    app.click(&region)?;
    retype(&app, &region, "東京")?;
    let tokyo =
        app.text(&app.find("#setting-estimate-region-list li[data-code='ap-northeast-1']")?)?;
    assert!(tokyo.contains("アジアパシフィック (東京)"), "{tokyo}");
    show(&app, "#setting-estimate-region")?;
    app.screenshot(&shot("region-ja"))?;
    app.type_text(&region, "\u{E00C}")?;
    app.wait_until_gone("#setting-estimate-region-list")?;

    app.click(&app.find("[data-testid='provider-add']")?)?;
    app.type_text(&app.find("#provider-new-name")?, "corp")?;
    app.type_text(&app.find("#provider-new-issuer")?, &format!("{}/tenant", oidc.issuer))?;
    app.type_text(&app.find("#provider-new-client-id")?, "agentdesk")?;
    app.click(&app.find("[data-testid='provider-check']")?)?;
    let wrong =
        app.text(&app.find("[data-testid='discovery-result'] [data-finding='noDocument']")?)?;
    assert!(wrong.contains("ディスカバリー文書がありません"), "{wrong}");
    show(&app, "[data-testid='discovery-result']")?;
    app.screenshot(&shot("check-ja"))?;

    // At 640×480 the form, the check's result and the secret field still fit.
    resize(&app, 640, 480)?;
    show(&app, "[data-testid='discovery-result']")?;
    app.screenshot(&shot("check-ja-640"))?;
    assert_eq!(sticking_out(&app)?, Vec::<String>::new(), "nothing sticks out sideways");
    show(&app, "#provider-new-secret")?;
    app.screenshot(&shot("secret-ja-640"))?;
    show(&app, "#setting-estimate-region")?;
    let region = app.find("#setting-estimate-region")?;
    app.click(&region)?;
    retype(&app, &region, "欧州")?;
    app.find("#setting-estimate-region-list li[data-code='eu-central-1']")?;
    show(&app, "#setting-estimate-region")?;
    app.screenshot(&shot("region-ja-640"))?;
    assert_eq!(sticking_out(&app)?, Vec::<String>::new(), "the open list fits the window");
    app.type_text(&region, "\u{E00C}")?;
    open(&app, "connections")?;
    app.click(&app.find("[data-testid='import-open']")?)?;
    app.find("[data-testid='import-missing']")?;
    show(&app, "[data-testid='import-claude']")?;
    app.screenshot(&shot("import-ja-640"))?;
    assert_eq!(sticking_out(&app)?, Vec::<String>::new(), "the import fits the window");
    Ok(())
}
