//! AgentDesk's AWS price catalogs and regions.
//!
//! A [`Catalog`] is every price AgentDesk can use offline, each with its unit, region, SKU and
//! the catalog file it came from (a [`CatalogSource`]: name and date). It layers the files
//! bundled in the binary (`data/*.tsv`: EC2 Linux prices for 29 regions from sparecores-data,
//! and a smaller hand-compiled list for the other services) under the ones
//! `agentdesk prices update` builds from AWS's Price List bulk files (see [`update`]); for each
//! price the freshest file wins. Every file has one format, described in `FORMAT.md`.
//! Prices are [`Decimal`]s: money never goes through a float.
//!
//! [`region`] is the table of AWS's commercial regions (code, English and Japanese names) that
//! the estimator reads descriptions with and the region pickers list.
//!
//! Start at [`Catalog::for_folder`], [`Catalog::price`] and [`Catalog::nearest`]. This crate is
//! a leaf: it depends on no other AgentDesk crate.
#![deny(missing_docs)]

mod catalog;
mod file;
mod model_tokens;
pub mod region;
pub mod update;

pub use catalog::{Catalog, CatalogError, CatalogSource, Price};
pub use model_tokens::{NoTokenPrice, TokenPrices, bedrock_model_name};
pub use rust_decimal::Decimal;

/// The units prices are quoted per.
pub const UNITS: &[&str] = &[
    "instance-hour",
    "node-hour",
    "load-balancer-hour",
    "gateway-hour",
    "LCU-hour",
    "NLCU-hour",
    "GB",
    "GB-month",
    "GB-second",
    "zone-month",
    "1000 requests",
    "10000 requests",
    "1000000 requests",
    "1000000 queries",
    "1000000 units",
    "1000000 characters",
    "1000000 tokens",
    "1000000 notifications",
    "metric-month",
    "alarm-month",
    "dashboard-month",
];

/// Hours in a month, as AWS's calculator counts them.
pub const HOURS_PER_MONTH: Decimal = Decimal::from_parts(730, 0, 0, false, 0);
