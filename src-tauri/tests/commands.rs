//! The desktop commands through Tauri's real IPC layer (`tauri::test`, no window), on real
//! config files in a temporary folder.

mod common;

use std::sync::{Arc, Mutex};

use agentdesk_desktop::SETTINGS_CHANGED;
use common::{Harness, harness};
use serde_json::{Value, json};
use tauri::Listener;

#[test]
fn settings_load_names_the_config_file_and_gives_defaults() {
    let h = harness(None);
    let view = h.invoke("settings_load", json!({})).expect("settings_load");
    assert_eq!(view["configFile"], json!(h.config.display().to_string()));
    assert_eq!(
        view["settings"]["ui"],
        json!({"language": "system", "theme": "system", "sendWith": "enter"})
    );
    assert_eq!(view["problems"], json!([]));
}

#[test]
fn settings_save_writes_the_file_and_announces_the_change() {
    let h = harness(Some("# mine\n[ui]\ntheme = \"light\"\n"));
    let announced = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&announced);
    h.app.listen_any(SETTINGS_CHANGED, move |event| {
        sink.lock().expect("lock").push(event.payload().to_owned());
    });

    let mut settings = h.invoke("settings_load", json!({})).expect("load")["settings"].clone();
    settings["ui"]["language"] = json!("ja");
    settings["log"]["maxFiles"] = json!(14);
    let view = h.invoke("settings_save", json!({ "settings": settings })).expect("save");

    assert_eq!(view["effective"]["ui"]["language"], json!("ja"));
    assert_eq!(
        h.file().as_deref(),
        Some("# mine\n[ui]\ntheme = \"light\"\nlanguage = \"ja\"\n\n[log]\nmax_files = 14\n")
    );
    let announced = announced.lock().expect("lock");
    assert_eq!(announced.len(), 1, "one settings-changed event");
    let payload: Value = serde_json::from_str(&announced[0]).expect("payload");
    assert_eq!(payload["settings"]["log"]["maxFiles"], json!(14));
}

#[test]
fn settings_save_refuses_an_invalid_value_naming_the_key() {
    let h = harness(None);
    let mut settings = h.invoke("settings_load", json!({})).expect("load")["settings"].clone();
    settings["log"]["maxFiles"] = json!(0);
    let error = h.invoke("settings_save", json!({ "settings": settings })).expect_err("refused");
    assert_eq!(error["code"], json!("invalid_value"));
    assert_eq!(error["key"], json!("log.max_files"));
    assert!(error["message"].as_str().is_some_and(|m| m.contains("1 to 365")), "{error}");
    assert_eq!(h.file(), None, "nothing written");
}

#[test]
fn a_malformed_file_is_reported_and_never_overwritten() {
    let broken = "[ui]\ntheme = \"dark\"\n[log\n";
    let h = harness(Some(broken));
    let view = h.invoke("settings_load", json!({})).expect("load");
    assert_eq!(view["problems"][0]["source"]["line"], json!(3), "{view}");
    let mut settings = view["settings"].clone();
    settings["ui"]["theme"] = json!("light");
    let error = h.invoke("settings_save", json!({ "settings": settings })).expect_err("refused");
    assert_eq!(error["code"], json!("config_unparsable"));
    assert_eq!(h.file().as_deref(), Some(broken));
}

#[test]
fn doctor_run_reports_every_check() {
    let h = harness(None);
    let report = h.invoke("doctor_run", json!({})).expect("doctor_run");
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["config", "data_dir", "cache_dir", "keyring", "sandbox", "memory", "traces"]);
    assert_eq!(report["checks"][1]["status"], json!("ok"));
    assert_eq!(
        report["checks"][4]["status"],
        json!("warning"),
        "no runtime in a fresh data folder"
    );
    assert_eq!(report["checks"][4]["code"], json!("not_installed"));
}

#[test]
fn app_info_gives_the_version() {
    let h = harness(None);
    let info = h.invoke("app_info", json!({})).expect("app_info");
    assert_eq!(info["version"], json!(env!("CARGO_PKG_VERSION")));
}

/// Writes a conversation into the harness's data folder, as the chat will.
fn write_conversation(h: &Harness) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let folder = h.dir.path().join("data");
        let store = agentdesk_memory::MemoryStore::open_in(&folder).await.expect("open");
        let memory = store.default_memory().await.expect("memory").memory_id;
        for (role, text) in [
            (agentdesk_memory::Role::User, "Keep it as cheap as possible, in ap-northeast-1"),
            (agentdesk_memory::Role::Assistant, "S3 and CloudFront, about $1 a month"),
        ] {
            let event = agentdesk_memory::NewEvent::message("local-user", "s1", role, text);
            store.create_event(&memory, event).await.expect("event");
        }
        store.close().await;
    });
}

#[test]
fn memory_commands_read_extract_edit_and_delete() {
    let h = harness(None);
    write_conversation(&h);
    let sessions = h.invoke("memory_sessions", json!({})).expect("sessions");
    assert_eq!(sessions[0]["sessionId"], json!("s1"));
    let events = h
        .invoke("memory_events", json!({"actorId": "local-user", "sessionId": "s1"}))
        .expect("events");
    assert_eq!(events[0]["payload"][0]["conversational"]["role"], json!("USER"));
    assert_eq!(h.invoke("memory_status", json!({})).expect("status")["pendingEvents"], json!(2));

    let report = h.invoke("memory_extract", json!({})).expect("extract");
    assert_eq!(report["events"], json!(2));
    let records = h.invoke("memory_records", json!({})).expect("records");
    let region = records
        .as_array()
        .and_then(|all| all.iter().find(|r| r["topic"] == json!("region")))
        .cloned()
        .expect("a region preference");
    let id = region["memoryRecordId"].clone();
    let source = h.invoke("memory_event", json!({"eventId": region["sourceEventIds"][0]}));
    assert_eq!(source.expect("source")["eventId"], events[0]["eventId"]);

    let hits = h.invoke("memory_search", json!({"query": "ap-northeast-1"})).expect("search");
    assert_eq!(hits[0]["memoryRecordId"], id);

    let refused = h.invoke("memory_record_update", json!({"recordId": id, "text": "  "}));
    assert_eq!(refused.expect_err("empty text")["code"], json!("invalid_value"));
    let edited = h
        .invoke("memory_record_update", json!({"recordId": id, "text": "Region: us-west-2"}))
        .expect("update");
    assert_eq!(edited["content"]["text"], json!("Region: us-west-2"));
    h.invoke("memory_record_delete", json!({"recordId": id})).expect("delete");
    let again = h.invoke("memory_record_delete", json!({"recordId": id}));
    assert_eq!(again.expect_err("already gone")["code"], json!("not_found"));
}

#[test]
fn chat_offline_answers_with_an_estimate_and_keeps_the_conversation() {
    let h = harness(Some("[estimate]\nregion = \"us-east-1\"\n"));
    let saved = h
        .invoke("chat_offline", json!({"sessionId": "desk-1", "message": "2 EC2 t3.medium"}))
        .expect("chat_offline");
    // 2 × 730 × 0.0416 = 60.736, plus two 8 GB gp3 root volumes at 0.08 = 1.28.
    assert_eq!(saved["estimate"]["monthly_total"], json!(62.02));
    assert!(saved["id"].as_str().is_some_and(|id| id.starts_with("est-")));
    let sessions = h.invoke("memory_sessions", json!({})).expect("sessions");
    assert_eq!(sessions[0]["sessionId"], json!("desk-1"));
    assert_eq!(sessions[0]["eventCount"], json!(2));
}

#[test]
fn prices_status_lists_the_bundled_catalogs_regions_and_services() {
    let h = harness(Some("[estimate]\nregion = \"eu-central-1\"\n"));
    let status = h.invoke("prices_status", json!({})).expect("prices_status");
    let bundled = status["bundled"].as_array().expect("bundled");
    assert!(!bundled.is_empty(), "{status}");
    assert!(
        bundled.iter().all(|catalog| catalog["date"].as_str().is_some_and(|d| d.len() == 10)),
        "{status}"
    );
    assert_eq!(status["built"], json!([]), "nothing built in a fresh data folder");
    assert_eq!(status["regions"].as_array().map(Vec::len), Some(36));
    assert!(
        status["services"].as_array().expect("services").iter().any(|s| s["offer"] == "AmazonEC2")
    );
    assert_eq!(status["default_region"], json!("eu-central-1"));
}

#[test]
fn prices_update_refuses_an_unknown_service() {
    let h = harness(None);
    let refused = h.invoke(
        "prices_update",
        json!({"regions": ["us-east-1"], "services": ["nope"], "onProgress": "__CHANNEL__:7"}),
    );
    assert_eq!(refused.expect_err("unknown service")["code"], json!("invalid_value"));
}

#[test]
fn settings_regions_mark_the_regions_without_catalogued_prices() {
    let h = harness(None);
    let regions = h.invoke("settings_regions", json!({})).expect("settings_regions");
    let regions = regions.as_array().expect("a list");
    assert_eq!(regions.len(), 36);
    let region = |code: &str| {
        regions.iter().find(|region| region["code"] == code).cloned().unwrap_or_default()
    };
    let tokyo = region("ap-northeast-1");
    assert_eq!(tokyo["priced"], json!(true));
    assert_eq!(tokyo["nameJa"], json!("アジアパシフィック (東京)"));
    assert!(
        tokyo["names"].as_array().is_some_and(|names| names.contains(&json!("東京"))),
        "{tokyo}"
    );
    assert_eq!(region("mx-central-1")["priced"], json!(false), "no catalog has Mexico's prices");
}

#[test]
fn a_provider_is_refused_with_its_problem_saved_and_removed() {
    let h = harness(None);
    let settings =
        json!({"issuer": "https://idp.example", "client_id": "app", "scopes": ["openid"]});
    let refused = h
        .invoke(
            "auth_save_provider",
            json!({"name": "bad name", "settings": settings, "secret": null}),
        )
        .expect_err("a name with a space");
    assert_eq!(refused["code"], json!("invalid_value"));
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("provider name")), "{refused}");
    let no_client = json!({"issuer": "https://idp.example"});
    let refused = h
        .invoke(
            "auth_save_provider",
            json!({"name": "corp", "settings": no_client, "secret": null}),
        )
        .expect_err("no client id");
    assert!(
        refused["message"].as_str().is_some_and(|m| m.contains("client_id is empty")),
        "{refused}"
    );
    assert_eq!(h.file(), None, "nothing was written");

    let view = h
        .invoke("auth_save_provider", json!({"name": "corp", "settings": settings, "secret": null}))
        .expect("saved");
    assert_eq!(view["settings"]["corp"]["client_id"], json!("app"));
    assert_eq!(view["providers"][0]["state"], json!("needs-sign-in"));
    let file = h.file().unwrap_or_default();
    assert!(file.contains("[providers.corp]") && file.contains("client_id = \"app\""), "{file}");

    let view = h.invoke("auth_remove_provider", json!({"name": "corp"})).expect("removed");
    assert_eq!(view["providers"], json!([]));
    assert!(!h.file().unwrap_or_default().contains("corp"));
    let again = h.invoke("auth_remove_provider", json!({"name": "corp"})).expect_err("gone");
    assert_eq!(again["code"], json!("not_found"));
}

#[test]
fn claude_desktops_config_is_previewed_then_imported() {
    let h = harness(Some("[mcp_servers.kept]\nurl = \"https://kept.example/mcp\"\n"));
    let claude = h.dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &claude,
        r#"{"mcpServers": {
            "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
            "kept": {"url": "https://elsewhere.example/mcp"}
        }}"#,
    )
    .expect("write claude config");
    let path = claude.display().to_string();
    let preview = h.invoke("mcp_import_preview", json!({"path": path})).expect("preview");
    assert_eq!((preview["found"].clone(), preview["done"].clone()), (json!(true), json!(false)));
    let action = |view: &Value, name: &str| {
        view["items"].as_array().and_then(|items| {
            items.iter().find(|item| item["name"] == name).map(|item| item["action"].clone())
        })
    };
    assert_eq!(action(&preview, "files"), Some(json!("add")));
    assert_eq!(action(&preview, "kept"), Some(json!("already-configured")));
    assert!(!h.file().unwrap_or_default().contains("files"), "a preview changes nothing");

    let absent = h.dir.path().join("absent.json").display().to_string();
    let missing = h.invoke("mcp_import_preview", json!({"path": absent})).expect("no file");
    assert_eq!(missing["found"], json!(false));
    for wrong in ["relative.json", "/etc/hostname"] {
        let refused = h.invoke("mcp_import_preview", json!({"path": wrong})).expect_err(wrong);
        assert_eq!(refused["code"], json!("invalid_value"), "{wrong}: {refused}");
    }

    let done = h.invoke("mcp_import", json!({"path": path})).expect("import");
    assert_eq!(done["done"], json!(true));
    assert_eq!(action(&done, "files"), Some(json!("add")));
    let file = h.file().unwrap_or_default();
    assert!(file.contains("[mcp_servers.files]") && file.contains("kept.example"), "{file}");
    let servers = h.invoke("mcp_servers", json!({})).expect("servers");
    assert_eq!(servers.as_array().map(Vec::len), Some(2), "{servers}");
}
