//! Catalog figures (BENCHMARKS.md): reading the bundled catalogs once, a price lookup, and
//! the nearest-alternatives search, on this machine, with plain timers (p50 over batches).
//! `cargo bench --profile dev -p agentdesk-pricing --bench catalog` (or `make bench-catalog`).

use std::hint::black_box;
use std::time::Instant;

use agentdesk_pricing::{Catalog, region};

fn p50(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let started = Instant::now();
    let Ok(catalog) = Catalog::bundled() else {
        eprintln!("the bundled catalog cannot be read");
        std::process::exit(1);
    };
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let prices: usize = catalog.regions().len();
    println!(
        "bundled catalogs read once: {load_ms:.1} ms ({} files, {prices} regions with prices)",
        catalog.sources().len()
    );
    let keys = [
        ("ec2", "t3.micro", "us-east-1"),
        ("ec2", "m7i.xlarge", "eu-central-1"),
        ("ec2", "c5.large", "ap-northeast-3"),
        ("rds-mysql", "db.m5.large", "us-east-1"),
        ("route53", "hosted-zone", "ap-northeast-1"),
        ("ec2", "x9.huge", "us-east-1"),
    ];
    let batch = 10_000;
    let mut lookups = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        for index in 0..batch {
            let (service, resource, region) = keys[index % keys.len()];
            black_box(catalog.price(black_box(service), black_box(resource), black_box(region)));
        }
        lookups.push(started.elapsed().as_secs_f64() * 1e9 / batch as f64);
    }
    println!("price lookup: p50 {:.0} ns", p50(lookups));
    let mut nearest = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        black_box(catalog.nearest("ec2", black_box("t3.mirco"), "us-east-1", 3));
        nearest.push(started.elapsed().as_secs_f64() * 1e6);
    }
    println!("nearest alternatives among a region's EC2 types: p50 {:.0} µs", p50(nearest));
    let mut mentions = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        black_box(region::mentions(black_box("東京リージョンでt3.smallを1台、24時間稼働させたい")));
        mentions.push(started.elapsed().as_secs_f64() * 1e6);
    }
    println!("regions named in a sentence: p50 {:.1} µs", p50(mentions));
}
