//! Errors and the problems found while loading.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

/// Where a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub enum ProblemSource {
    /// In the config file, at a 1-based line when known.
    File {
        /// The config file.
        path: PathBuf,
        /// The line, counted from 1.
        line: Option<usize>,
    },
    /// In an environment variable.
    Environment {
        /// The variable's name.
        variable: String,
    },
}

/// One thing wrong with the configuration. The value that was refused is ignored and the
/// default used instead; the file itself is never rewritten because of a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Settings.ts")]
pub struct Problem {
    /// Where it is.
    pub source: ProblemSource,
    /// The dotted key it concerns, if it concerns one.
    pub key: Option<String>,
    /// What is wrong and what is expected instead.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            ProblemSource::File { path, line: Some(line) } => {
                write!(f, "{} line {line}: ", path.display())?;
            }
            ProblemSource::File { path, line: None } => {
                write!(f, "{}: ", path.display())?;
            }
            ProblemSource::Environment { variable } => {
                write!(f, "environment variable {variable}: ")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// What can go wrong when resolving folders or writing the config file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The platform gave no home, config or data folder (no `HOME`, for example).
    #[error("cannot find the platform's {what} folder; set {variable} or pass {flag}")]
    NoPlatformFolder {
        /// Which folder: "config", "data" or "cache".
        what: &'static str,
        /// The environment variable that sets it.
        variable: &'static str,
        /// The command-line flag that sets it.
        flag: &'static str,
    },
    /// A key that the config file does not have.
    #[error("unknown config key `{key}`; known keys: {known}")]
    UnknownKey {
        /// The key asked for.
        key: String,
        /// Every known key, comma-separated.
        known: String,
    },
    /// A value that a key does not accept.
    #[error("`{value}` is not a valid value for `{key}`: expected {expected}")]
    InvalidValue {
        /// The dotted key.
        key: String,
        /// The value given.
        value: String,
        /// What the key accepts.
        expected: String,
    },
    /// The file cannot be changed safely because it does not parse; it was left untouched.
    #[error(
        "{path} has a syntax error at line {line}, so it was not changed: {message}. \
         Fix the file (agentdesk config edit) and try again."
    )]
    Unparsable {
        /// The config file.
        path: PathBuf,
        /// The 1-based line of the error.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A whole new text for the file was refused because it has problems; the file was left
    /// as it was.
    #[error("{path} was not changed: {}", describe(problems))]
    Rejected {
        /// The config file.
        path: PathBuf,
        /// What is wrong with the text.
        problems: Vec<Problem>,
    },
    /// Reading or writing the file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

fn describe(problems: &[Problem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
