//! Reading, validating and editing the config file.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, TableLike};

use crate::agents::AgentSettings;
use crate::error::{ConfigError, Problem, ProblemSource};
use crate::interpreters::InterpreterSettings;
use crate::keys::{self, KEYS, Key};
use crate::locations::{Environment, Locations, Overrides};
use crate::mcp_servers::McpServerSettings;
use crate::providers::ProviderSettings;
use crate::settings::Settings;

/// The section of named credential providers.
const PROVIDERS: &str = "providers";
/// The section of MCP servers.
const MCP_SERVERS: &str = "mcp_servers";
/// The section of remote agents.
const AGENTS: &str = "agents";
/// The section of remote code interpreters.
const INTERPRETERS: &str = "interpreters";

/// A section of named tables (`[SECTION.NAME]`) and how each is checked.
trait NamedTable: serde::Serialize + serde::de::DeserializeOwned + Default {
    const SECTION: &'static str;
    fn problems(&self, name: &str) -> Vec<String>;
}

impl NamedTable for ProviderSettings {
    const SECTION: &'static str = PROVIDERS;
    fn problems(&self, name: &str) -> Vec<String> {
        ProviderSettings::problems(self, name)
    }
}

impl NamedTable for McpServerSettings {
    const SECTION: &'static str = MCP_SERVERS;
    fn problems(&self, name: &str) -> Vec<String> {
        McpServerSettings::problems(self, name)
    }
}

impl NamedTable for AgentSettings {
    const SECTION: &'static str = AGENTS;
    fn problems(&self, name: &str) -> Vec<String> {
        AgentSettings::problems(self, name)
    }
}

impl NamedTable for InterpreterSettings {
    const SECTION: &'static str = INTERPRETERS;
    fn problems(&self, name: &str) -> Vec<String> {
        InterpreterSettings::problems(self, name)
    }
}

/// The first lines of a config file that AgentDesk creates.
const NEW_FILE_HEADER: &str = "\
# AgentDesk configuration. Edit it here, in the app's Settings page, or with
# `agentdesk config set KEY VALUE`; `agentdesk config list` shows every key.
# Secrets never go in this file: they live in the OS keyring.
";

/// The configuration in force, and everything wrong with what was given.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Where the config file and the folders are.
    pub locations: Locations,
    /// The effective settings: the file, then environment overrides.
    pub settings: Settings,
    /// What the file alone says (defaults where it is silent or wrong). Editors start from
    /// this, so that environment overrides are never written into the file.
    pub file_settings: Settings,
    /// The keys an environment variable overrides, as `(key, variable)`.
    pub overridden: Vec<(&'static str, String)>,
    /// Everything refused, in file order then environment order.
    pub problems: Vec<Problem>,
}

/// Loads the configuration. Only a missing platform folder is an error: a malformed or
/// unreadable file gives [`Problem`]s and defaults, and is left untouched.
pub fn load(overrides: &Overrides, env: &Environment) -> Result<Loaded, ConfigError> {
    let config_file = Locations::config_file(overrides, env)?;
    let (file_settings, mut problems) = ConfigFile::new(config_file.clone()).read();
    let mut settings = file_settings.clone();
    let mut overridden = Vec::new();
    for key in KEYS {
        let variable = key.env_var();
        let Some(value) = env.get(&variable) else { continue };
        match key.set(&mut settings, value) {
            Ok(()) => overridden.push((key.name, variable)),
            Err(expected) => problems.push(Problem {
                source: ProblemSource::Environment { variable },
                key: Some(key.name.to_owned()),
                message: format!("`{value}` is not valid: expected {expected}; it was ignored"),
            }),
        }
    }
    let locations = Locations::resolve(config_file, overrides, &settings)?;
    Ok(Loaded { locations, settings, file_settings, overridden, problems })
}

/// The config file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    /// The config file at `path` (which need not exist).
    pub fn new(path: PathBuf) -> ConfigFile {
        ConfigFile { path }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and validates the file: the settings it gives (defaults where it is silent or
    /// wrong) and every problem found. A missing file is no problem.
    pub fn read(&self) -> (Settings, Vec<Problem>) {
        let text = match self.read_text() {
            Ok(Some(text)) => text,
            Ok(None) => return (Settings::default(), Vec::new()),
            Err(error) => {
                let problem = self.problem(None, None, format!("cannot read the file: {error}"));
                return (Settings::default(), vec![problem]);
            }
        };
        match self.validate(&text) {
            Ok(parsed) => parsed,
            Err(problem) => (Settings::default(), vec![problem]),
        }
    }

    /// Sets one key, keeping every comment and the layout of the rest of the file.
    pub fn set(&self, name: &str, value: &str) -> Result<(), ConfigError> {
        let key = keys::find(name).ok_or_else(|| unknown_key(name))?;
        let mut settings = Settings::default();
        key.set(&mut settings, value).map_err(|expected| ConfigError::InvalidValue {
            key: name.to_owned(),
            value: value.to_owned(),
            expected,
        })?;
        let mut editable = self.editable()?;
        put(&mut editable.document, key, &settings, &self.path)?;
        self.write(&editable.to_string())
    }

    /// Writes every key whose value in `settings` differs from what the file says now, and
    /// returns their names. Keys left as they were — including ones the file gets wrong — are
    /// not touched.
    pub fn save(&self, settings: &Settings) -> Result<Vec<&'static str>, ConfigError> {
        let (current, _) = self.read();
        let changed: Vec<&Key> =
            KEYS.iter().filter(|key| key.get(settings) != key.get(&current)).collect();
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let mut editable = self.editable()?;
        for key in &changed {
            put(&mut editable.document, key, settings, &self.path)?;
        }
        self.write(&editable.to_string())?;
        Ok(changed.iter().map(|key| key.name).collect())
    }

    /// The problems `text` would have as this config file (none means it is valid).
    pub fn problems_in(&self, text: &str) -> Vec<Problem> {
        match self.validate(text) {
            Ok((_, problems)) => problems,
            Err(syntax) => vec![syntax],
        }
    }

    /// Replaces the whole file with `text`, if `text` is a valid config file.
    pub fn replace(&self, text: &str) -> Result<(), ConfigError> {
        let problems = self.problems_in(text);
        if !problems.is_empty() {
            return Err(ConfigError::Rejected { path: self.path.clone(), problems });
        }
        self.write(text)
    }

    /// The file's text as it is now: what an editor starts from.
    pub fn text(&self) -> Result<String, ConfigError> {
        self.read_text()
            .map(|text| text.unwrap_or_else(|| NEW_FILE_HEADER.to_owned()))
            .map_err(|source| ConfigError::Io { action: "read", path: self.path.clone(), source })
    }

    /// The file's text, or `None` when there is no file.
    fn read_text(&self) -> io::Result<Option<String>> {
        match fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The file as an editable document; refuses to go on when it does not parse, so that a
    /// hand-edited file is never overwritten by a guess.
    fn editable(&self) -> Result<Editable, ConfigError> {
        let text = self.text()?;
        let mut document =
            text.parse::<DocumentMut>().map_err(|error| ConfigError::Unparsable {
                path: self.path.clone(),
                line: error.span().map_or(1, |span| line_of(&text, span.start)),
                message: error.message().to_owned(),
            })?;
        // A file of only comments parses as an empty document whose comments trail it; keep
        // them as a header, or the first key written would land above them.
        let mut header = String::new();
        if document.as_table().is_empty() {
            header = document.trailing().as_str().unwrap_or_default().to_owned();
            document.set_trailing("");
        }
        Ok(Editable { header, document })
    }

    fn validate(&self, text: &str) -> Result<(Settings, Vec<Problem>), Problem> {
        let document = toml_edit::Document::parse(text).map_err(|error| {
            let line = error.span().map(|span| line_of(text, span.start));
            self.problem(line, None, format!("syntax error: {}", error.message().trim_end()))
        })?;
        let mut settings = Settings::default();
        let mut problems = Vec::new();
        let root = document.as_table();
        if let Some(providers) = root.get(PROVIDERS) {
            self.read_named(providers, text, &mut settings.providers, &mut problems);
        }
        if let Some(servers) = root.get(MCP_SERVERS) {
            self.read_named(servers, text, &mut settings.mcp_servers, &mut problems);
        }
        if let Some(agents) = root.get(AGENTS) {
            self.read_named(agents, text, &mut settings.agents, &mut problems);
        }
        if let Some(interpreters) = root.get(INTERPRETERS) {
            self.read_named(interpreters, text, &mut settings.interpreters, &mut problems);
        }
        if let Some(authorizer) = root
            .get(crate::serve::SECTION)
            .and_then(Item::as_table_like)
            .and_then(|serve| serve.get(crate::serve::AUTHORIZER))
        {
            match crate::serve::read_authorizer(authorizer) {
                Ok(jwt) => settings.serve.authorizer = Some(jwt),
                Err(message) => {
                    let line = authorizer.span().map(|span| line_of(text, span.start));
                    let key = format!("{}.{}", crate::serve::SECTION, crate::serve::AUTHORIZER);
                    problems.push(self.problem(line, Some(key), message));
                }
            }
        }
        for (name, item, line) in entries(root, text) {
            if name == format!("{}.{}", crate::serve::SECTION, crate::serve::AUTHORIZER) {
                continue;
            }
            let in_section =
                |section: &str| name.starts_with(section) && name[section.len()..].starts_with('.');
            if [PROVIDERS, MCP_SERVERS, AGENTS, INTERPRETERS].into_iter().any(in_section) {
                continue;
            }
            let Some(key) = keys::find(&name) else {
                let known = known_keys();
                problems.push(self.problem(
                    line,
                    Some(name),
                    format!("unknown key; known keys are {known}"),
                ));
                continue;
            };
            let value = match item.as_value() {
                Some(toml_edit::Value::String(s)) => s.value().clone(),
                Some(toml_edit::Value::Integer(n)) => n.value().to_string(),
                Some(toml_edit::Value::Boolean(b)) => b.value().to_string(),
                _ => {
                    let expected = key.kind.expected();
                    problems.push(self.problem(line, Some(name), format!("expected {expected}")));
                    continue;
                }
            };
            if let Err(expected) = key.set(&mut settings, &value) {
                problems.push(self.problem(
                    line,
                    Some(name),
                    format!("`{value}` is not valid: expected {expected}"),
                ));
            }
        }
        Ok((settings, problems))
    }

    /// Reads `[SECTION.NAME]` tables; a table with a problem is left out, and said why.
    fn read_named<T: NamedTable>(
        &self,
        item: &Item,
        text: &str,
        into: &mut BTreeMap<String, T>,
        problems: &mut Vec<Problem>,
    ) {
        let section = T::SECTION;
        let Some(table) = item.as_table_like() else {
            let line = item.span().map(|span| line_of(text, span.start));
            let message = format!("must hold tables: [{section}.NAME]");
            problems.push(self.problem(line, Some(section.into()), message));
            return;
        };
        for (name, entry) in table.iter() {
            let key = format!("{section}.{name}");
            let line = entry.span().map(|span| line_of(text, span.start)).or_else(|| {
                table.key(name).and_then(|key| key.span()).map(|span| line_of(text, span.start))
            });
            let parsed = entry
                .as_table_like()
                .map(|table| {
                    table
                        .iter()
                        .map(|(k, v)| (k.to_owned(), v.clone()))
                        .collect::<toml_edit::Table>()
                })
                .ok_or_else(|| "must be a table".to_owned())
                .and_then(|table| {
                    toml_edit::de::from_document::<T>(toml_edit::DocumentMut::from(table))
                        .map_err(|error| error.message().to_owned())
                });
            match parsed {
                Ok(value) => {
                    let found = value.problems(name);
                    if found.is_empty() {
                        into.insert(name.to_owned(), value);
                    } else {
                        for message in found {
                            problems.push(self.problem(line, Some(key.clone()), message));
                        }
                    }
                }
                Err(message) => problems.push(self.problem(line, Some(key), message)),
            }
        }
    }

    /// Adds or replaces `[providers.NAME]`, keeping the rest of the file as it is.
    pub fn save_provider(
        &self,
        name: &str,
        provider: &ProviderSettings,
    ) -> Result<(), ConfigError> {
        self.save_named(name, provider)
    }

    /// Removes `[providers.NAME]`; returns whether it was there.
    pub fn remove_provider(&self, name: &str) -> Result<bool, ConfigError> {
        self.remove_named::<ProviderSettings>(name)
    }

    /// Adds or replaces `[mcp_servers.NAME]`, keeping the rest of the file as it is.
    pub fn save_mcp_server(
        &self,
        name: &str,
        server: &McpServerSettings,
    ) -> Result<(), ConfigError> {
        self.save_named(name, server)
    }

    /// Removes `[mcp_servers.NAME]`; returns whether it was there.
    pub fn remove_mcp_server(&self, name: &str) -> Result<bool, ConfigError> {
        self.remove_named::<McpServerSettings>(name)
    }

    /// Adds or replaces `[agents.NAME]`, keeping the rest of the file as it is.
    pub fn save_agent(&self, name: &str, agent: &AgentSettings) -> Result<(), ConfigError> {
        self.save_named(name, agent)
    }

    /// Removes `[agents.NAME]`; returns whether it was there.
    pub fn remove_agent(&self, name: &str) -> Result<bool, ConfigError> {
        self.remove_named::<AgentSettings>(name)
    }

    /// Adds or replaces `[interpreters.NAME]`, keeping the rest of the file as it is.
    pub fn save_interpreter(
        &self,
        name: &str,
        interpreter: &InterpreterSettings,
    ) -> Result<(), ConfigError> {
        self.save_named(name, interpreter)
    }

    /// Removes `[interpreters.NAME]`; returns whether it was there.
    pub fn remove_interpreter(&self, name: &str) -> Result<bool, ConfigError> {
        self.remove_named::<InterpreterSettings>(name)
    }

    fn save_named<T: NamedTable>(&self, name: &str, value: &T) -> Result<(), ConfigError> {
        let section = T::SECTION;
        let problems = value.problems(name);
        if !problems.is_empty() {
            return Err(ConfigError::InvalidValue {
                key: format!("{section}.{name}"),
                value: name.to_owned(),
                expected: problems.join("; "),
            });
        }
        let mut editable = self.editable()?;
        let serialized =
            toml_edit::ser::to_document(value).map_err(|error| ConfigError::InvalidValue {
                key: format!("{section}.{name}"),
                value: name.to_owned(),
                expected: error.to_string(),
            })?;
        let mut table = serialized.as_table().clone();
        // Leave defaults out, so the file says only what the user chose.
        if let Ok(defaults) = toml_edit::ser::to_document(&T::default()) {
            for (key, default) in defaults.as_table().iter() {
                if table.get(key).map(ToString::to_string) == Some(default.to_string()) {
                    table.remove(key);
                }
            }
        }
        let tables = editable
            .document
            .entry(section)
            .or_insert_with(|| {
                let mut implicit = toml_edit::Table::new();
                implicit.set_implicit(true);
                Item::Table(implicit)
            })
            .as_table_mut()
            .ok_or_else(|| ConfigError::Unparsable {
                path: self.path.clone(),
                line: 1,
                message: format!("`{section}` must be a table to hold [{section}.{name}]"),
            })?;
        tables.insert(name, Item::Table(table));
        self.write(&editable.to_string())
    }

    fn remove_named<T: NamedTable>(&self, name: &str) -> Result<bool, ConfigError> {
        let mut editable = self.editable()?;
        let removed = editable
            .document
            .get_mut(T::SECTION)
            .and_then(Item::as_table_like_mut)
            .and_then(|tables| tables.remove(name))
            .is_some();
        if removed {
            self.write(&editable.to_string())?;
        }
        Ok(removed)
    }

    fn problem(&self, line: Option<usize>, key: Option<String>, message: String) -> Problem {
        Problem { source: ProblemSource::File { path: self.path.clone(), line }, key, message }
    }

    /// Replaces the file in one step (write a sibling, then rename), so a crash leaves
    /// either the old file or the new one, never half of one.
    fn write(&self, text: &str) -> Result<(), ConfigError> {
        let io_error =
            |source| ConfigError::Io { action: "write", path: self.path.clone(), source };
        let target = fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let folder = target.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(folder).map_err(io_error)?;
        let mut staged = tempfile::NamedTempFile::new_in(folder).map_err(io_error)?;
        staged.write_all(text.as_bytes()).map_err(io_error)?;
        staged.as_file().sync_all().map_err(io_error)?;
        staged.persist(&target).map_err(|error| io_error(error.error))?;
        Ok(())
    }
}

/// A parsed config file being edited.
struct Editable {
    /// Comments above everything, when the file had nothing else.
    header: String,
    document: DocumentMut,
}

impl std::fmt::Display for Editable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.header)?;
        if !self.header.is_empty() && !self.header.ends_with("\n\n") {
            f.write_str("\n")?;
        }
        write!(f, "{}", self.document)
    }
}

/// Every leaf entry of the document as `(dotted name, item, line)`; a table inside a section
/// is reported as one entry so that it shows up as an unknown key.
fn entries<'a>(root: &'a toml_edit::Table, text: &str) -> Vec<(String, &'a Item, Option<usize>)> {
    let line = |table: &dyn TableLike, name: &str| {
        table.key(name).and_then(|key| key.span()).map(|span| line_of(text, span.start))
    };
    let mut found = Vec::new();
    for (name, item) in root.iter() {
        match item.as_table_like() {
            Some(section) => {
                for (inner, inner_item) in section.iter() {
                    found.push((format!("{name}.{inner}"), inner_item, line(section, inner)));
                }
            }
            None => found.push((name.to_owned(), item, line(root, name))),
        }
    }
    found
}

fn put(
    document: &mut DocumentMut,
    key: &Key,
    settings: &Settings,
    path: &Path,
) -> Result<(), ConfigError> {
    let value = key.to_toml(settings);
    let table: &mut dyn TableLike = match key.path() {
        (None, _) => document.as_table_mut(),
        (Some(section), _) => document
            .entry(section)
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .ok_or_else(|| ConfigError::Unparsable {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "`{section}` must be a table ([{section}]) to hold `{}`",
                    key.name
                ),
            })?,
    };
    let name = key.path().1;
    match table.get_mut(name).and_then(Item::as_value_mut) {
        // Keep the comment and spacing around the old value.
        Some(old) => {
            let decor = old.decor().clone();
            *old = value;
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(name, Item::Value(value));
        }
    }
    Ok(())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |before| before.matches('\n').count() + 1)
}

fn known_keys() -> String {
    KEYS.iter().map(|key| key.name).collect::<Vec<_>>().join(", ")
}

fn unknown_key(name: &str) -> ConfigError {
    ConfigError::UnknownKey { key: name.to_owned(), known: known_keys() }
}
