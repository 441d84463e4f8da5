//! The config file on a real filesystem: validation with line numbers, edits that keep the
//! user's text, and a malformed file that is never overwritten.

use std::fs;
use std::path::PathBuf;

use agentdesk_config::{
    ConfigError, ConfigFile, Environment, Language, Overrides, ProblemSource, Settings, Theme, load,
};

struct Scratch {
    _dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
}

fn scratch(contents: Option<&str>) -> Scratch {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    if let Some(contents) = contents {
        fs::write(&config, contents).expect("write config");
    }
    let data = dir.path().join("data");
    Scratch { _dir: dir, config, data }
}

fn overrides(s: &Scratch) -> Overrides {
    Overrides {
        config_file: Some(s.config.clone()),
        data_dir: Some(s.data.clone()),
        cache_dir: None,
    }
}

#[test]
fn a_missing_file_gives_defaults_and_no_problems() {
    let s = scratch(None);
    let loaded = load(&overrides(&s), &Environment::default()).expect("load");
    assert_eq!(loaded.settings, Settings::default());
    assert!(loaded.problems.is_empty());
    assert_eq!(loaded.locations.config_file, s.config);
    assert_eq!(loaded.locations.data_dir, s.data);
}

#[test]
fn a_syntax_error_names_the_line_and_leaves_the_file_untouched() {
    let text = "[ui]\ntheme = \"dark\"\nlanguage = \"ja\n";
    let s = scratch(Some(text));
    let loaded = load(&overrides(&s), &Environment::default()).expect("load");
    assert_eq!(loaded.settings, Settings::default(), "defaults while the file is broken");
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(
        loaded.problems[0].source,
        ProblemSource::File { path: s.config.clone(), line: Some(3) }
    );
    assert!(loaded.problems[0].message.contains("syntax error"), "{}", loaded.problems[0]);

    let refused = ConfigFile::new(s.config.clone()).set("ui.theme", "light");
    assert!(matches!(refused, Err(ConfigError::Unparsable { line: 3, .. })), "{refused:?}");
    assert_eq!(fs::read_to_string(&s.config).expect("read"), text, "file untouched");
}

#[test]
fn bad_values_and_unknown_keys_are_reported_with_line_and_key() {
    let s = scratch(Some(
        "[ui]\ntheme = \"blue\"\nlanguage = \"ja\"\n\n[log]\nmax_files = 0\ncolour = 1\n",
    ));
    let loaded = load(&overrides(&s), &Environment::default()).expect("load");
    let found: Vec<(Option<usize>, Option<&str>)> = loaded
        .problems
        .iter()
        .map(|p| match &p.source {
            ProblemSource::File { line, .. } => (*line, p.key.as_deref()),
            ProblemSource::Environment { .. } => (None, None),
        })
        .collect();
    assert_eq!(
        found,
        [
            (Some(2), Some("ui.theme")),
            (Some(6), Some("log.max_files")),
            (Some(7), Some("log.colour"))
        ]
    );
    assert!(loaded.problems[0].message.contains("system, light, dark"), "{}", loaded.problems[0]);
    assert_eq!(loaded.settings.ui.language, Language::Japanese, "valid keys still apply");
    assert_eq!(loaded.settings.ui.theme, Theme::System, "invalid keys fall back to the default");
}

#[test]
fn set_keeps_comments_and_layout() {
    let text =
        "# my settings\n[ui]\n# I like it dark\ntheme = \"dark\" # really\nlanguage = \"en\"\n";
    let s = scratch(Some(text));
    let file = ConfigFile::new(s.config.clone());
    file.set("ui.theme", "light").expect("set");
    file.set("log.max_files", "30").expect("set");
    let written = fs::read_to_string(&s.config).expect("read");
    assert_eq!(
        written,
        "# my settings\n[ui]\n# I like it dark\ntheme = \"light\" # really\nlanguage = \"en\"\n\n[log]\nmax_files = 30\n"
    );
    let (settings, problems) = file.read();
    assert!(problems.is_empty());
    assert_eq!(settings.ui.theme, Theme::Light);
    assert_eq!(settings.log.max_files, 30);
}

#[test]
fn set_refuses_unknown_keys_and_invalid_values() {
    let s = scratch(None);
    let file = ConfigFile::new(s.config.clone());
    assert!(matches!(file.set("ui.colour", "red"), Err(ConfigError::UnknownKey { .. })));
    let invalid = file.set("ui.theme", "blue");
    assert!(matches!(invalid, Err(ConfigError::InvalidValue { .. })));
    assert!(invalid.err().is_some_and(|e| e.to_string().contains("one of system, light, dark")));
    assert!(!s.config.exists(), "nothing written for a refused value");
}

#[test]
fn environment_overrides_apply_but_are_never_saved() {
    let s = scratch(Some("[ui]\ntheme = \"light\"\n"));
    let env =
        Environment::from_pairs([("AGENTDESK_UI_THEME", "dark"), ("AGENTDESK_LOG_LEVEL", "loud")]);
    let loaded = load(&overrides(&s), &env).expect("load");
    assert_eq!(loaded.settings.ui.theme, Theme::Dark);
    assert_eq!(loaded.file_settings.ui.theme, Theme::Light);
    assert_eq!(loaded.overridden, [("ui.theme", "AGENTDESK_UI_THEME".to_owned())]);
    assert_eq!(
        loaded.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        [
            "environment variable AGENTDESK_LOG_LEVEL: key `log.level`: `loud` is not valid: expected one of error, warn, info, debug, trace; it was ignored"
        ]
    );

    let mut edited = loaded.file_settings;
    edited.ui.language = Language::Japanese;
    let changed = ConfigFile::new(s.config.clone()).save(&edited).expect("save");
    assert_eq!(changed, ["ui.language"]);
    let written = fs::read_to_string(&s.config).expect("read");
    assert!(written.contains("theme = \"light\""), "{written}");
    assert!(written.contains("language = \"ja\""), "{written}");
}

#[test]
fn save_leaves_a_wrong_key_alone_unless_it_is_changed() {
    let s = scratch(Some("[ui]\ntheme = \"blue\"\n"));
    let file = ConfigFile::new(s.config.clone());
    let (mut settings, problems) = file.read();
    assert_eq!(problems.len(), 1);
    settings.log.max_files = 3;
    assert_eq!(file.save(&settings).expect("save"), ["log.max_files"]);
    assert!(fs::read_to_string(&s.config).expect("read").contains("theme = \"blue\""));
}

#[test]
fn the_data_folder_in_the_file_is_used_unless_a_flag_says_otherwise() {
    let s = scratch(Some("data_dir = \"state\"\n"));
    let no_flag = Overrides { config_file: Some(s.config.clone()), ..Overrides::default() };
    let loaded = load(&no_flag, &Environment::default()).expect("load");
    assert_eq!(loaded.locations.data_dir, s.config.with_file_name("state"));
    let loaded = load(&overrides(&s), &Environment::default()).expect("load");
    assert_eq!(loaded.locations.data_dir, s.data);
}

#[test]
fn a_folder_given_as_the_config_file_is_a_problem_not_a_crash() {
    let s = scratch(None);
    fs::create_dir_all(&s.config).expect("mkdir");
    let loaded = load(&overrides(&s), &Environment::default()).expect("load");
    assert_eq!(loaded.problems.len(), 1);
    assert!(loaded.problems[0].message.contains("cannot read the file"), "{}", loaded.problems[0]);
    assert!(ConfigFile::new(s.config).set("ui.theme", "dark").is_err());
}

#[test]
fn a_new_file_starts_with_its_header_comment() {
    let s = scratch(None);
    ConfigFile::new(s.config.clone()).set("ui.theme", "dark").expect("set");
    let written = fs::read_to_string(&s.config).expect("read");
    assert!(written.starts_with("# AgentDesk configuration."), "{written}");
    assert!(written.ends_with("\n\n[ui]\ntheme = \"dark\"\n"), "{written}");
}
