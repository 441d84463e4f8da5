//! How long `prices update` takes on a full region, and how much memory it holds.
//!
//! Writes an EC2-shaped offer file of about `MB` megabytes (default 300) into a temporary
//! folder, in AWS's layout and proportions (products, then on-demand terms, then reserved
//! terms that make up most of the bytes; about one product in a hundred is a Linux on-demand
//! shared instance), serves it from 127.0.0.1, and runs the updater on it: discovery,
//! download, streaming read and catalog write. Prints the time of each part and the peak
//! resident memory of the read (Linux: `VmHWM`, reset before the update).
//!
//! `cargo run -p agentdesk-pricing --example update_full_region [MB]`

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use agentdesk_pricing::update::{Done, Progress, Updater};

const VERSION: &str = "20261201120000";
const OFFER_PATH: &str = "/offers/v1.0/aws/AmazonEC2/20261201120000/us-east-1/index.json";

fn main() {
    let megabytes: u64 = std::env::args().nth(1).and_then(|mb| mb.parse().ok()).unwrap_or(300);
    let folder = tempfile::tempdir().expect("a temporary folder");
    let site = folder.path().join("site");
    let offer = site.join(OFFER_PATH.trim_start_matches('/'));
    write_indexes(&site).expect("the indexes written");

    let started = Instant::now();
    let (products, kept) = write_offer_file(&offer, megabytes << 20).expect("written");
    let size = std::fs::metadata(&offer).expect("size").len();
    println!(
        "generated {:.0} MB: {products} products, {kept} of them Linux on-demand shared, in {:.1} s",
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );

    let base = agentdesk_e2e::serve_folder(&site).expect("served");
    let updater = Updater::new(&folder.path().join("prices"), &folder.path().join("cache"))
        .expect("updater")
        .base_url(&base)
        .expect("base");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    reset_peak_memory();
    let before = memory("VmRSS");
    let started = Instant::now();
    let downloaded = std::sync::Mutex::new(None);
    let reports = runtime
        .block_on(updater.update(&["AmazonEC2"], &["us-east-1"], &|event| {
            if matches!(event, Progress::Reading { .. }) {
                *downloaded.lock().expect("lock") = Some(started.elapsed());
            }
        }))
        .expect("indexes");
    let total = started.elapsed();
    let download = downloaded.into_inner().expect("lock").unwrap_or_default();
    match &reports[0].outcome {
        Ok(Done::Written { rows, counts, .. }) => {
            println!(
                "update: {:.1} s in all ({:.1} s download over loopback, {:.1} s reading and writing)",
                total.as_secs_f64(),
                download.as_secs_f64(),
                (total - download).as_secs_f64()
            );
            println!("catalog: {rows} prices; {counts:?}");
        }
        other => panic!("{other:?}"),
    }
    println!(
        "memory: {} kB resident before the update, {} kB at its peak",
        before.map_or_else(|| "?".into(), |kb| kb.to_string()),
        memory("VmHWM").map_or_else(|| "?".into(), |kb| kb.to_string())
    );
}

/// Writes the file; returns (products, products the catalog keeps).
fn write_offer_file(path: &Path, target: u64) -> std::io::Result<(u64, u64)> {
    // Measured on this generator: about 8.6 KB per product with its terms.
    let products = (target / 8_600).max(100);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let sku = |i: u64| format!("{:0>16}", format!("SKU{i}"));
    let kept = |i: u64| i.is_multiple_of(100);
    write!(
        out,
        "{{\n  \"formatVersion\" : \"v1.0\",\n  \"disclaimer\" : \"This pricing list is for informational purposes only.\",\n  \"offerCode\" : \"AmazonEC2\",\n  \"version\" : \"{VERSION}\",\n  \"publicationDate\" : \"2026-12-01T12:00:00Z\",\n  \"products\" : {{\n"
    )?;
    for i in 0..products {
        let (os, operation, tenancy) = match i % 4 {
            _ if kept(i) => ("Linux", "RunInstances", "Shared"),
            0 => ("Windows", "RunInstances:0800", "Shared"),
            1 => ("RHEL", "RunInstances:0010", "Shared"),
            2 => ("Linux", "RunInstances", "Dedicated"),
            _ => ("SUSE", "RunInstances:000g", "Shared"),
        };
        let comma = if i + 1 < products { "," } else { "" };
        write!(
            out,
            "    \"{sku}\" : {{\n      \"sku\" : \"{sku}\",\n      \"productFamily\" : \"Compute Instance\",\n      \"attributes\" : {{\n        \"servicecode\" : \"AmazonEC2\",\n        \"location\" : \"US East (N. Virginia)\",\n        \"locationType\" : \"AWS Region\",\n        \"instanceType\" : \"x{i}.large\",\n        \"currentGeneration\" : \"Yes\",\n        \"instanceFamily\" : \"General purpose\",\n        \"vcpu\" : \"2\",\n        \"physicalProcessor\" : \"Intel Xeon Platinum 8175\",\n        \"clockSpeed\" : \"3.1 GHz\",\n        \"memory\" : \"8 GiB\",\n        \"storage\" : \"EBS only\",\n        \"networkPerformance\" : \"Up to 10 Gigabit\",\n        \"processorArchitecture\" : \"64-bit\",\n        \"tenancy\" : \"{tenancy}\",\n        \"operatingSystem\" : \"{os}\",\n        \"licenseModel\" : \"No License required\",\n        \"usagetype\" : \"BoxUsage:x{i}.large\",\n        \"operation\" : \"{operation}\",\n        \"availabilityzone\" : \"NA\",\n        \"capacitystatus\" : \"Used\",\n        \"classicnetworkingsupport\" : \"false\",\n        \"dedicatedEbsThroughput\" : \"Up to 2120 Mbps\",\n        \"ecu\" : \"10\",\n        \"enhancedNetworkingSupported\" : \"Yes\",\n        \"gpuMemory\" : \"NA\",\n        \"intelAvxAvailable\" : \"Yes\",\n        \"intelAvx2Available\" : \"Yes\",\n        \"intelTurboAvailable\" : \"Yes\",\n        \"marketoption\" : \"OnDemand\",\n        \"normalizationSizeFactor\" : \"4\",\n        \"preInstalledSw\" : \"NA\",\n        \"processorFeatures\" : \"Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo\",\n        \"regionCode\" : \"us-east-1\",\n        \"servicename\" : \"Amazon Elastic Compute Cloud\",\n        \"vpcnetworkingsupport\" : \"true\"\n      }}\n    }}{comma}\n",
            sku = sku(i)
        )?;
    }
    write!(out, "  }},\n  \"terms\" : {{\n    \"OnDemand\" : {{\n")?;
    for i in 0..products {
        let comma = if i + 1 < products { "," } else { "" };
        let price = format!("0.{:0>4}000000", 100 + i % 9000);
        write!(
            out,
            "      \"{sku}\" : {{\n{}      }}{comma}\n",
            term(&sku(i), "JRTCKXETXF", &price, None),
            sku = sku(i)
        )?;
    }
    write!(out, "    }},\n    \"Reserved\" : {{\n")?;
    let options =
        ["4NA7Y494T4", "6QCMYABX3D", "HU7G6KETJZ", "38NPMPTW36", "NQ3QZPMQV9", "Z2E3P23VKM"];
    for i in 0..products {
        let comma = if i + 1 < products { "," } else { "" };
        writeln!(out, "      \"{}\" : {{", sku(i))?;
        for (n, option) in options.iter().enumerate() {
            let last = if n + 1 < options.len() { "," } else { "" };
            let text = term(&sku(i), option, "0.0420000000", Some("310"));
            writeln!(out, "{}{last}", text.trim_end_matches('\n'))?;
        }
        writeln!(out, "      }}{comma}")?;
    }
    write!(out, "    }}\n  }},\n  \"attributesList\" : {{ }}\n}}\n")?;
    out.flush()?;
    Ok((products, products.div_ceil(100)))
}

/// One term of `sku`, as AWS prints it (with an upfront fee for reserved terms).
fn term(sku: &str, code: &str, hourly: &str, upfront: Option<&str>) -> String {
    let mut text = format!(
        "        \"{sku}.{code}\" : {{\n          \"offerTermCode\" : \"{code}\",\n          \"sku\" : \"{sku}\",\n          \"effectiveDate\" : \"2026-11-01T00:00:00Z\",\n          \"priceDimensions\" : {{\n            \"{sku}.{code}.6YS6EN2CT7\" : {{\n              \"rateCode\" : \"{sku}.{code}.6YS6EN2CT7\",\n              \"description\" : \"$0.042 per On Demand Linux x.large Instance Hour\",\n              \"beginRange\" : \"0\",\n              \"endRange\" : \"Inf\",\n              \"unit\" : \"Hrs\",\n              \"pricePerUnit\" : {{\n                \"USD\" : \"{hourly}\"\n              }},\n              \"appliesTo\" : [ ]\n            }}"
    );
    if let Some(upfront) = upfront {
        text.push_str(&format!(
            ",\n            \"{sku}.{code}.2TG2D8R56U\" : {{\n              \"rateCode\" : \"{sku}.{code}.2TG2D8R56U\",\n              \"description\" : \"Upfront Fee\",\n              \"unit\" : \"Quantity\",\n              \"pricePerUnit\" : {{\n                \"USD\" : \"{upfront}\"\n              }},\n              \"appliesTo\" : [ ]\n            }}\n          }},\n          \"termAttributes\" : {{\n            \"LeaseContractLength\" : \"1yr\",\n            \"OfferingClass\" : \"standard\",\n            \"PurchaseOption\" : \"Partial Upfront\"\n          }}\n        }}\n"
        ));
    } else {
        text.push_str("\n          },\n          \"termAttributes\" : { }\n        }\n");
    }
    text
}

/// The offer index and the EC2 region index, pointing at [`OFFER_PATH`].
fn write_indexes(site: &Path) -> std::io::Result<()> {
    let aws = site.join("offers/v1.0/aws");
    std::fs::create_dir_all(aws.join("AmazonEC2/current"))?;
    std::fs::write(
        aws.join("index.json"),
        "{\"offers\" : {\"AmazonEC2\" : {\"offerCode\" : \"AmazonEC2\", \"currentRegionIndexUrl\" : \"/offers/v1.0/aws/AmazonEC2/current/region_index.json\"}}}",
    )?;
    std::fs::write(
        aws.join("AmazonEC2/current/region_index.json"),
        format!(
            "{{\"regions\" : {{\"us-east-1\" : {{\"regionCode\" : \"us-east-1\", \"currentVersionUrl\" : \"{OFFER_PATH}\"}}}}}}"
        ),
    )?;
    let offer = site.join(OFFER_PATH.trim_start_matches('/'));
    std::fs::create_dir_all(offer.parent().unwrap_or(site))
}

/// Resets the peak resident size the kernel reports (Linux 4.0 and later).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `/proc/self/status` figure in kB.
fn memory(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
