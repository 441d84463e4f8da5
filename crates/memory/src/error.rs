//! What can go wrong, each variant saying what to do about it.

use std::path::PathBuf;

/// A failed memory operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database file is damaged or not a database; it was left untouched.
    #[error(
        "{path} is not a usable AgentDesk database ({detail}). It was left untouched: move it \
         aside (for example to agentdesk.db.broken) and AgentDesk starts a new one, or restore \
         a backup"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The file was written by a newer AgentDesk.
    #[error(
        "{path} was written by a newer AgentDesk (schema {found}, this version knows {known}); \
         update AgentDesk or point --data-dir at another folder"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The newest migration the file has.
        found: i64,
        /// The newest migration this build knows.
        known: i64,
    },
    /// The database cannot be opened or created.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: sqlx::Error,
    },
    /// A request was malformed; the message says which field and why.
    #[error("{0}")]
    Invalid(String),
    /// Something named does not exist.
    #[error("no {kind} {id:?}")]
    NotFound {
        /// What kind of thing (`memory`, `event`, `record`, `session`, `branch`).
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// The extractor (usually a model) failed; nothing was written and the events stay pending.
    #[error("extraction failed: {0}")]
    Extraction(String),
    /// An export file could not be read.
    #[error("not an AgentDesk memory export: {0}")]
    Import(String),
    /// SQLite failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub(crate) fn not_found(kind: &'static str, id: &str) -> Self {
        Self::NotFound { kind, id: id.to_owned() }
    }
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether SQLite reported a damaged file or one that is not a database.
pub(crate) fn is_corruption(error: &sqlx::Error) -> bool {
    const SQLITE_CORRUPT: i32 = 11;
    const SQLITE_NOTADB: i32 = 26;
    let Some(database) = error.as_database_error() else { return false };
    database
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, SQLITE_CORRUPT | SQLITE_NOTADB))
}
