//! The Tauri commands, one module per page or concern.

pub(crate) mod agents;
pub(crate) mod app;
pub(crate) mod auth;
pub(crate) mod chat;
pub(crate) mod connections;
pub(crate) mod doctor;
pub(crate) mod files;
pub(crate) mod interpreters;
pub(crate) mod memory;
pub(crate) mod prices;
pub(crate) mod sandbox;
pub(crate) mod settings;
pub(crate) mod traces;
