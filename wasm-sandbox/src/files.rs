//! The session's workspace as the file tools see it.
//!
//! Every operation goes through a `cap_std::fs::Dir` opened on the workspace, so no path —
//! `..`, an absolute path, or a symlink the guest planted pointing at `/etc` — can reach
//! outside it: cap-std refuses the escape in the kernel's own path walk. Paths are also
//! checked up front so the user gets a plain reason instead of a permission error.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use base64::Engine as _;
use cap_std::fs::Dir;

use crate::wire::{Content, EmbeddedResource};

/// The most bytes one `writeFiles` call may carry, decoded.
pub const MAX_WRITE_BYTES: usize = 100 << 20;
/// The most bytes one `readFiles` call returns.
pub const MAX_READ_BYTES: usize = 50 << 20;
/// The most entries a workspace scan looks at.
pub(crate) const MAX_SCAN_ENTRIES: usize = 20_000;

/// A workspace folder, opened with capability checks.
#[derive(Debug)]
pub(crate) struct Workspace {
    dir: Dir,
}

/// What a scan found: every file's size and modification time, by path.
pub(crate) type Snapshot = BTreeMap<String, (u64, Option<SystemTime>)>;

impl Workspace {
    pub(crate) fn open(path: &Path) -> std::io::Result<Workspace> {
        Ok(Workspace { dir: Dir::open_ambient_dir(path, cap_std::ambient_authority())? })
    }

    /// Writes `(path, bytes)` pairs, creating folders as needed.
    pub(crate) fn write(&self, files: &[(String, Vec<u8>)]) -> Result<Vec<Content>, String> {
        let mut written = Vec::with_capacity(files.len());
        for (raw, bytes) in files {
            let path = checked(raw)?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                self.dir.create_dir_all(parent).map_err(|e| explain(raw, &e))?;
            }
            self.dir.write(&path, bytes).map_err(|e| explain(raw, &e))?;
            written.push(link(&path, Some(bytes.len() as u64), None));
        }
        Ok(written)
    }

    /// Reads files: text when UTF-8, else base64.
    pub(crate) fn read(&self, paths: &[String]) -> Result<Vec<Content>, String> {
        let mut total = 0usize;
        let mut found = Vec::with_capacity(paths.len());
        for raw in paths {
            let path = checked(raw)?;
            let size = self.dir.metadata(&path).map_err(|e| explain(raw, &e))?.len() as usize;
            total += size;
            if total > MAX_READ_BYTES {
                return Err(format!(
                    "reading these files would return more than {} MB; read fewer at a time",
                    MAX_READ_BYTES >> 20
                ));
            }
            let bytes = self.dir.read(&path).map_err(|e| explain(raw, &e))?;
            let uri = uri(&path);
            let mime_type = Some(mime_for(&path).to_owned());
            let resource = match String::from_utf8(bytes) {
                Ok(text) => EmbeddedResource { uri, mime_type, text: Some(text), blob: None },
                Err(bytes) => EmbeddedResource {
                    uri,
                    mime_type,
                    text: None,
                    blob: Some(
                        base64::engine::general_purpose::STANDARD.encode(bytes.into_bytes()),
                    ),
                },
            };
            found.push(Content::Resource { resource });
        }
        Ok(found)
    }

    /// Lists one folder (not recursively).
    pub(crate) fn list(&self, raw: &str) -> Result<Vec<Content>, String> {
        let path = if raw.is_empty() || raw == "." { PathBuf::new() } else { checked(raw)? };
        let entries =
            if path.as_os_str().is_empty() { self.dir.entries() } else { self.dir.read_dir(&path) }
                .map_err(|e| explain(raw, &e))?;
        let mut listed = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| explain(raw, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let metadata = entry.metadata().map_err(|e| explain(&name, &e))?;
            let child = path.join(&name);
            let kind = if metadata.is_dir() {
                "directory"
            } else if metadata.is_symlink() {
                "symlink"
            } else {
                "file"
            };
            listed.push(link(&child, metadata.is_file().then_some(metadata.len()), Some(kind)));
        }
        listed.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        Ok(listed)
    }

    /// Removes files or folders.
    pub(crate) fn remove(&self, paths: &[String]) -> Result<Vec<Content>, String> {
        let mut removed = Vec::with_capacity(paths.len());
        for raw in paths {
            let path = checked(raw)?;
            let metadata = self.dir.symlink_metadata(&path).map_err(|e| explain(raw, &e))?;
            if metadata.is_dir() {
                self.dir.remove_dir_all(&path)
            } else {
                self.dir.remove_file(&path)
            }
            .map_err(|e| explain(raw, &e))?;
            removed.push(Content::Text { text: format!("removed {}", path.display()) });
        }
        Ok(removed)
    }

    /// Every file's size and modification time, to find what a run created or changed.
    /// `None` when the workspace holds more entries than a scan looks at.
    pub(crate) fn snapshot(&self) -> Option<Snapshot> {
        let mut found = Snapshot::new();
        let mut seen = 0usize;
        let mut folders = vec![PathBuf::new()];
        while let Some(folder) = folders.pop() {
            let entries = if folder.as_os_str().is_empty() {
                self.dir.entries()
            } else {
                self.dir.read_dir(&folder)
            };
            for entry in entries.ok()?.flatten() {
                seen += 1;
                if seen > MAX_SCAN_ENTRIES {
                    return None;
                }
                let path = folder.join(entry.file_name());
                let Ok(metadata) = entry.metadata() else { continue };
                if metadata.is_dir() {
                    folders.push(path);
                } else if metadata.is_file() {
                    let modified =
                        metadata.modified().ok().map(cap_std::time::SystemTime::into_std);
                    found.insert(path.to_string_lossy().into_owned(), (metadata.len(), modified));
                }
            }
        }
        Some(found)
    }
}

/// Links to the files in `after` that are new or changed since `before`.
pub(crate) fn changes(before: &Snapshot, after: &Snapshot) -> Vec<Content> {
    after
        .iter()
        .filter(|(path, state)| before.get(*path) != Some(state))
        .map(|(path, (size, _))| {
            link(Path::new(path), Some(*size), Some("created or changed by this run"))
        })
        .collect()
}

/// Checks a path from a tool call: relative, inside the workspace, no NUL, no `..`.
pub(crate) fn checked(raw: &str) -> Result<PathBuf, String> {
    if raw.is_empty() {
        return Err("a path is empty; give a path relative to the session's workspace".into());
    }
    if raw.contains('\0') {
        return Err(format!("the path {raw:?} contains a NUL byte"));
    }
    if raw.len() > 4096 {
        return Err("a path is longer than 4096 bytes".into());
    }
    let path = Path::new(raw);
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "the path {raw:?} uses `..`; paths stay inside the session's workspace"
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "the path {raw:?} is absolute; give a path relative to the session's workspace"
                ));
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(format!("the path {raw:?} names the workspace itself, not a file"));
    }
    Ok(clean)
}

fn explain(raw: &str, error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::NotFound => format!("{raw}: no such file or folder in the workspace"),
        ErrorKind::PermissionDenied => format!("{raw}: outside the workspace or not permitted"),
        _ => format!("{raw}: {error}"),
    }
}

fn uri(path: &Path) -> String {
    format!("file:///workspace/{}", path.to_string_lossy())
}

fn link(path: &Path, size: Option<u64>, description: Option<&str>) -> Content {
    Content::ResourceLink {
        uri: uri(path),
        name: path.to_string_lossy().into_owned(),
        mime_type: (description != Some("directory")).then(|| mime_for(path).to_owned()),
        size,
        description: description.map(str::to_owned),
    }
}

fn name_of(content: &Content) -> &str {
    match content {
        Content::ResourceLink { name, .. } => name,
        _ => "",
    }
}

/// A media type from the file name's extension.
pub(crate) fn mime_for(path: &Path) -> &'static str {
    let extension =
        path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "json" => "application/json",
        "md" => "text/markdown",
        "html" | "htm" => "text/html",
        "py" => "text/x-python",
        "txt" | "log" => "text/plain",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_relative_and_inside() {
        assert_eq!(checked("a/./b.txt"), Ok(PathBuf::from("a/b.txt")));
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a\0b", ".", "./"] {
            assert!(checked(bad).is_err(), "{bad:?} accepted");
        }
        assert!(checked("../secret").err().is_some_and(|e| e.contains("`..`")));
        assert!(checked("/etc/passwd").err().is_some_and(|e| e.contains("absolute")));
    }
}
