//! Per-call limits and their defaults.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Limits for one call. Every field has a default; a call may tighten or loosen each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Sandbox.ts")]
pub struct Limits {
    /// Wall-clock time a call may take, in seconds on the wire.
    #[serde(with = "seconds")]
    #[ts(type = "number")]
    pub deadline: Duration,
    /// Linear memory the interpreter may grow to, in bytes.
    #[ts(type = "number")]
    pub memory_bytes: usize,
    /// Output kept per stream (stdout, stderr), in bytes; the rest is cut with a marker.
    #[ts(type = "number")]
    pub output_bytes: usize,
    /// A deterministic budget of WebAssembly fuel (about one unit per instruction) for the
    /// call; `None` for no budget. The same code with the same budget stops at the same place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub fuel: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_secs(30),
            memory_bytes: 512 << 20,
            output_bytes: 1 << 20,
            fuel: None,
        }
    }
}

impl Limits {
    /// The largest memory cap accepted (the most a 32-bit WebAssembly memory can hold).
    pub const MAX_MEMORY_BYTES: usize = 4 << 30;
    /// The longest deadline accepted.
    pub const MAX_DEADLINE: Duration = Duration::from_secs(3600);
    /// The most output kept per stream.
    pub const MAX_OUTPUT_BYTES: usize = 64 << 20;

    /// Checks the values are usable, saying which is not.
    pub fn validate(&self) -> Result<(), String> {
        if self.deadline.is_zero() || self.deadline > Self::MAX_DEADLINE {
            return Err(format!(
                "the deadline must be between 1 ms and {} s",
                Self::MAX_DEADLINE.as_secs()
            ));
        }
        if self.memory_bytes < (16 << 20) || self.memory_bytes > Self::MAX_MEMORY_BYTES {
            return Err("the memory cap must be between 16 MB and 4096 MB".into());
        }
        if self.output_bytes == 0 || self.output_bytes > Self::MAX_OUTPUT_BYTES {
            return Err("the output cap must be between 1 byte and 64 MB".into());
        }
        if self.fuel == Some(0) {
            return Err("a fuel budget must be at least 1".into());
        }
        Ok(())
    }
}

mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
    }
}
