//! `agentdesk prices update`'s library against excerpts of the Price List in AWS's own layout
//! (`tests/fixtures/price-list`, written by its `generate.py`), served from 127.0.0.1 by a
//! small HTTP server that can cut a response midway and honours `Range`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use agentdesk_pricing::update::{
    Done, Progress, UpdateError, Updater, installed_catalogs, read_offer_file,
};

const VERSION: &str = "20261201120000";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/price-list")
}

fn offer_file(offer: &str, region: &str) -> PathBuf {
    fixtures().join(format!("offers/v1.0/aws/{offer}/{VERSION}/{region}/index.json"))
}

/// The rows of a fixture as `service resource region unit usd note` lines.
fn rows(offer: &str, region: &str) -> Vec<String> {
    let prices =
        read_offer_file(&offer_file(offer, region), offer, region, "fixture").expect("reads");
    assert_eq!(prices.version, VERSION);
    assert_eq!(prices.publication_date, "2026-12-01T12:00:00Z");
    prices
        .rows
        .iter()
        .map(|row| {
            format!(
                "{} {} {} {} {} {}",
                row.service, row.resource, row.region, row.unit, row.usd, row.note
            )
        })
        .collect()
}

#[test]
fn ec2_keeps_linux_and_windows_on_demand_shared_prices_and_nothing_else() {
    assert_eq!(
        rows("AmazonEC2", "us-east-1"),
        [
            "ebs gp2 us-east-1 GB-month 0.1 storage",
            "ebs gp3 us-east-1 GB-month 0.08 storage",
            "ebs io2 us-east-1 GB-month 0.125 storage",
            "ebs standard us-east-1 GB-month 0.05 storage",
            "ec2 m5.large us-east-1 instance-hour 0.096 Linux, shared tenancy",
            "ec2 m5.metal us-east-1 instance-hour 4.608 Linux, shared tenancy",
            "ec2 m7i.xlarge us-east-1 instance-hour 0.2016 Linux, shared tenancy",
            "ec2 t3.medium us-east-1 instance-hour 0.0416 Linux, shared tenancy",
            "ec2 t3.micro us-east-1 instance-hour 0.0104 Linux, shared tenancy",
            "ec2-windows t3.micro us-east-1 instance-hour 0.0196 Windows (licence included), shared tenancy",
            "vpc nat-gateway us-east-1 gateway-hour 0.045 ",
            "vpc nat-gateway-data us-east-1 GB 0.045 data processed",
        ]
    );
    let prices =
        read_offer_file(&offer_file("AmazonEC2", "us-east-1"), "AmazonEC2", "us-east-1", "x")
            .expect("reads");
    assert_eq!(prices.counts.products, 22);
    assert_eq!(prices.counts.kept, 12);
    assert_eq!(
        prices.counts.unmatched, 10,
        "RHEL, Dedicated, reservations, SQL, BYOL, Local Zone…"
    );
    assert_eq!((prices.counts.unpriced, prices.counts.duplicates), (0, 0));
    let micro = prices.rows.iter().find(|row| row.resource == "t3.micro").expect("t3.micro");
    assert_eq!(micro.sku.len(), 16, "the SKU is kept");
}

#[test]
fn regional_usage_types_are_read_in_other_regions() {
    assert_eq!(
        rows("AmazonEC2", "ap-northeast-1"),
        [
            "ebs gp3 ap-northeast-1 GB-month 0.096 storage",
            "ec2 t3.medium ap-northeast-1 instance-hour 0.0544 Linux, shared tenancy",
            "ec2 t3.small ap-northeast-1 instance-hour 0.0272 Linux, shared tenancy",
            "ec2-windows t3.small ap-northeast-1 instance-hour 0.0364 Windows (licence included), shared tenancy",
            "vpc nat-gateway ap-northeast-1 gateway-hour 0.062 ",
        ]
    );
}

#[test]
fn rds_separates_engines_and_deployments_and_prices_storage_for_each_engine() {
    let rows = rows("AmazonRDS", "us-east-1");
    let expected = [
        "rds-aurora-mysql aurora-storage us-east-1 GB-month 0.1 Aurora Standard",
        "rds-aurora-mysql db.r5.large us-east-1 instance-hour 0.29 Aurora Standard, per instance",
        "rds-aurora-postgresql aurora-storage us-east-1 GB-month 0.1 Aurora Standard",
        "rds-mariadb gp2-storage us-east-1 GB-month 0.115 Single-AZ",
        "rds-mariadb gp3-storage us-east-1 GB-month 0.115 Single-AZ",
        "rds-mariadb-multi-az gp2-storage us-east-1 GB-month 0.23 Multi-AZ",
        "rds-mariadb-multi-az gp3-storage us-east-1 GB-month 0.23 Multi-AZ",
        "rds-mysql db.m5.large us-east-1 instance-hour 0.171 Single-AZ",
        "rds-mysql db.t3.micro us-east-1 instance-hour 0.017 Single-AZ",
        "rds-mysql gp2-storage us-east-1 GB-month 0.115 Single-AZ",
        "rds-mysql gp3-storage us-east-1 GB-month 0.115 Single-AZ",
        "rds-mysql-multi-az db.m5.large us-east-1 instance-hour 0.342 Multi-AZ (one standby)",
        "rds-mysql-multi-az db.r6g.large us-east-1 instance-hour 0.452 Multi-AZ (one standby)",
        "rds-mysql-multi-az db.t3.micro us-east-1 instance-hour 0.034 Multi-AZ (one standby)",
        "rds-mysql-multi-az gp2-storage us-east-1 GB-month 0.23 Multi-AZ",
        "rds-mysql-multi-az gp3-storage us-east-1 GB-month 0.23 Multi-AZ",
        "rds-postgresql db.m5.large us-east-1 instance-hour 0.178 Single-AZ",
        "rds-postgresql gp2-storage us-east-1 GB-month 0.115 Single-AZ",
        "rds-postgresql gp3-storage us-east-1 GB-month 0.115 Single-AZ",
        "rds-postgresql-multi-az gp2-storage us-east-1 GB-month 0.23 Multi-AZ",
        "rds-postgresql-multi-az gp3-storage us-east-1 GB-month 0.23 Multi-AZ",
    ];
    assert_eq!(rows, expected);
}

#[test]
fn elasticache_elb_lambda_sqs_and_s3_map_to_the_catalog_keys() {
    assert_eq!(
        rows("AmazonElastiCache", "us-east-1"),
        [
            "elasticache cache.m5.large us-east-1 node-hour 0.156 Redis OSS",
            "elasticache cache.t3.micro us-east-1 node-hour 0.017 Redis OSS",
            "elasticache cache.t4g.micro us-east-1 node-hour 0.016 Redis OSS",
        ]
    );
    assert_eq!(
        rows("AWSELB", "us-east-1"),
        [
            "elb alb us-east-1 load-balancer-hour 0.0225 Application Load Balancer",
            "elb alb-lcu us-east-1 LCU-hour 0.008 Application Load Balancer",
            "elb nlb us-east-1 load-balancer-hour 0.0225 Network Load Balancer",
            "elb nlb-lcu us-east-1 NLCU-hour 0.006 Network Load Balancer",
        ]
    );
    // Tiered prices: the first tier, named; per-request prices scaled to the catalog's unit.
    assert_eq!(
        rows("AWSLambda", "us-east-1"),
        [
            "lambda arm-compute us-east-1 GB-second 0.0000133334 Arm (Graviton), first 7500000000 GB-seconds a month",
            "lambda requests us-east-1 1000000 requests 0.2 ",
            "lambda x86-compute us-east-1 GB-second 0.0000166667 x86, first 6000000000 GB-seconds a month",
        ]
    );
    // A free first tier is passed over for the first paid one.
    assert_eq!(
        rows("AWSQueueService", "us-east-1"),
        [
            "sqs fifo-requests us-east-1 1000000 requests 0.5 FIFO queues, 1000000 requests to 100000000000 requests a month",
            "sqs standard-requests us-east-1 1000000 requests 0.4 standard queues, 1000000 requests to 100000000000 requests a month",
        ]
    );
    assert_eq!(
        rows("AmazonS3", "us-east-1"),
        [
            "s3 deep-archive-storage us-east-1 GB-month 0.00099 ",
            "s3 get-requests us-east-1 1000 requests 0.0004 GET and others (S3 Standard)",
            "s3 put-requests us-east-1 1000 requests 0.005 PUT, COPY, POST, LIST (S3 Standard)",
            "s3 standard-ia-storage us-east-1 GB-month 0.0125 ",
            "s3 standard-storage us-east-1 GB-month 0.023 first 50 TB a month",
        ]
    );
}

#[test]
fn dynamodb_data_transfer_api_gateway_sns_and_cloudwatch_map_to_the_catalog_keys() {
    assert_eq!(
        rows("AmazonDynamoDB", "us-east-1"),
        [
            "dynamodb read-request-units us-east-1 1000000 units 0.125 on-demand capacity",
            "dynamodb storage us-east-1 GB-month 0.25 Standard table class, from 25 GB a month",
            "dynamodb write-request-units us-east-1 1000000 units 0.625 on-demand capacity",
        ]
    );
    assert_eq!(
        rows("AWSDataTransfer", "us-east-1"),
        ["data-transfer internet-out us-east-1 GB 0.09 to the internet, 100 GB to 10 TB a month"]
    );
    assert_eq!(
        rows("AmazonApiGateway", "us-east-1"),
        [
            "api-gateway http-api-requests us-east-1 1000000 requests 1 HTTP APIs, first 300000000 requests a month",
            "api-gateway rest-api-requests us-east-1 1000000 requests 3.5 REST APIs, first 333000000 requests a month",
        ]
    );
    assert_eq!(
        rows("AmazonSNS", "us-east-1"),
        [
            "sns email-deliveries us-east-1 1000000 notifications 20 email, from 1000 notifications a month",
            "sns http-deliveries us-east-1 1000000 notifications 0.6 HTTP/S, from 100000 notifications a month",
            "sns publish-requests us-east-1 1000000 requests 0.5 standard topics, from 1000000 requests a month",
        ]
    );
    assert_eq!(
        rows("AmazonCloudWatch", "us-east-1"),
        [
            "cloudwatch custom-metrics us-east-1 metric-month 0.3 first 10000 metrics a month",
            "cloudwatch logs-ingestion us-east-1 GB 0.5 Logs, Standard class",
            "cloudwatch logs-storage us-east-1 GB-month 0.03 Logs archive",
            "cloudwatch standard-alarms us-east-1 alarm-month 0.1 standard resolution",
        ]
    );
}

#[test]
fn a_file_for_another_offer_is_refused() {
    let error = read_offer_file(&offer_file("AWSELB", "us-east-1"), "AmazonEC2", "us-east-1", "u")
        .expect_err("refused");
    assert!(error.to_string().contains("is for offer \"AWSELB\", not AmazonEC2"), "{error}");
}

/// One request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    range: Option<String>,
}

/// The Price List on 127.0.0.1: the fixtures, with paths that can be replaced and responses
/// that can be cut.
#[derive(Clone)]
struct PriceList {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Path → cut its next response after this many bytes of body.
    cuts: Arc<Mutex<HashMap<String, usize>>>,
    /// Path → serve this instead of the fixture.
    replaced: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl PriceList {
    fn start() -> PriceList {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let server = PriceList {
            base: format!("http://{}", listener.local_addr().expect("address")),
            seen: Arc::default(),
            cuts: Arc::default(),
            replaced: Arc::default(),
        };
        let serving = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = serving.clone();
                std::thread::spawn(move || server.answer(stream));
            }
        });
        server
    }

    fn answer(&self, mut stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut range = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("range")
            {
                range = Some(value.trim().to_owned());
            }
        }
        self.seen.lock().expect("lock").push(Seen { path: path.clone(), range: range.clone() });
        let replaced = self.replaced.lock().expect("lock").get(&path).cloned();
        let body =
            replaced.or_else(|| std::fs::read(fixtures().join(path.trim_start_matches('/'))).ok());
        let Some(body) = body else {
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        };
        let start = range
            .as_deref()
            .and_then(|range| range.strip_prefix("bytes="))
            .and_then(|range| range.strip_suffix('-'))
            .and_then(|start| start.parse::<usize>().ok());
        let (head, part) = match start {
            Some(start) if start >= body.len() => {
                let head = format!(
                    "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                (head, &body[..0])
            }
            Some(start) => {
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len() - 1,
                    body.len(),
                    body.len() - start
                );
                (head, &body[start..])
            }
            None => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                (head, &body[..])
            }
        };
        let cut = self.cuts.lock().expect("lock").remove(&path);
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&part[..cut.unwrap_or(part.len()).min(part.len())]);
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Both);
    }

    fn cut_next(&self, path: &str, after: usize) {
        self.cuts.lock().expect("lock").insert(path.to_owned(), after);
    }

    fn replace(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.replaced.lock().expect("lock").insert(path.to_owned(), body.into());
    }

    /// The requests seen so far, forgotten.
    fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }
}

fn ec2_path(region: &str) -> String {
    format!("/offers/v1.0/aws/AmazonEC2/{VERSION}/{region}/index.json")
}

/// An updater on a fresh pair of folders, against `server`.
fn updater(folder: &Path, server: &PriceList) -> Updater {
    Updater::new(&folder.join("data/prices"), &folder.join("cache/prices"))
        .expect("updater")
        .base_url(&server.base)
        .expect("base")
}

/// Runs an update, collecting its progress.
async fn update(
    updater: &Updater,
    offers: &[&str],
    regions: &[&str],
) -> (Vec<agentdesk_pricing::update::JobReport>, Vec<Progress>) {
    let events = Mutex::new(Vec::new());
    let reports = updater
        .update(offers, regions, &|event| events.lock().expect("lock").push(event))
        .await
        .expect("the indexes are read");
    (reports, events.into_inner().expect("lock"))
}

#[tokio::test]
async fn the_index_leads_to_the_offer_file_and_a_catalog_is_written_with_progress() {
    let server = PriceList::start();
    let folder = tempfile::tempdir().expect("temp");
    let updater = updater(folder.path(), &server);
    let (reports, events) = update(&updater, &["AmazonEC2", "AWSELB"], &["us-east-1"]).await;

    let seen: Vec<String> = server.take_seen().into_iter().map(|seen| seen.path).collect();
    assert_eq!(
        seen,
        [
            "/offers/v1.0/aws/index.json",
            "/offers/v1.0/aws/AmazonEC2/current/region_index.json",
            &ec2_path("us-east-1"),
            "/offers/v1.0/aws/AWSELB/current/region_index.json",
            &format!("/offers/v1.0/aws/AWSELB/{VERSION}/us-east-1/index.json"),
        ]
    );
    let size = std::fs::metadata(offer_file("AmazonEC2", "us-east-1")).expect("fixture").len();
    let Ok(Done::Written { path, rows, date, version, downloaded, url, .. }) = &reports[0].outcome
    else {
        panic!("{:?}", reports[0].outcome)
    };
    assert_eq!(
        (*rows, date.as_str(), version.as_str(), *downloaded),
        (12, "2026-12-01", VERSION, size)
    );
    assert_eq!(url, &format!("{}{}", server.base, ec2_path("us-east-1")));
    assert_eq!(path, &folder.path().join("data/prices/AmazonEC2-us-east-1.tsv"));
    let text = std::fs::read_to_string(path).expect("catalog");
    let head = format!(
        "# AgentDesk price catalog\n# source: AWS Price List bulk files\n# date: 2026-12-01\n# url: {url}\n\
         service\tresource\tregion\tunit\tusd\tsku\tnote\n"
    );
    assert!(text.starts_with(&head), "{text}");
    assert!(text.contains("\nec2\tt3.micro\tus-east-1\tinstance-hour\t0.0104\t"), "{text}");
    let catalog =
        agentdesk_pricing::Catalog::parse(&text, "AmazonEC2-us-east-1.tsv").expect("a catalog");
    assert_eq!(
        catalog.price("ec2", "m7i.xlarge", "us-east-1").expect("priced").usd.to_string(),
        "0.2016"
    );

    // Progress: the download from 0 to the whole file, then the read, per file.
    let downloads: Vec<(u64, Option<u64>)> = events
        .iter()
        .filter_map(|event| match event {
            Progress::Downloading { offer, done, total, .. } if offer == "AmazonEC2" => {
                Some((*done, *total))
            }
            _ => None,
        })
        .collect();
    assert_eq!(downloads.first(), Some(&(0, Some(size))));
    assert_eq!(downloads.last(), Some(&(size, Some(size))));
    assert!(downloads.windows(2).all(|pair| pair[0].0 <= pair[1].0));
    let reads = events.iter().filter(|event| matches!(event, Progress::Reading { .. })).count();
    assert_eq!(reads, 2);
    // Nothing is left in the cache, and the folder lists the catalogs.
    assert_eq!(std::fs::read_dir(folder.path().join("cache/prices")).expect("cache").count(), 0);
    let installed = installed_catalogs(&folder.path().join("data/prices")).expect("listed");
    let listed: Vec<(String, u64)> = installed
        .iter()
        .map(|one| (one.path.file_name().expect("name").to_string_lossy().into_owned(), one.rows))
        .collect();
    assert_eq!(
        listed,
        [("AWSELB-us-east-1.tsv".to_owned(), 4), ("AmazonEC2-us-east-1.tsv".to_owned(), 12)]
    );
    assert_eq!(installed[1].date.as_deref(), Some("2026-12-01"));

    // A second run with the same version downloads nothing.
    let (reports, events) = update(&updater, &["AmazonEC2"], &["us-east-1"]).await;
    assert!(matches!(reports[0].outcome, Ok(Done::UpToDate { .. })), "{:?}", reports[0].outcome);
    assert!(events.is_empty(), "{events:?}");
    assert!(
        server.take_seen().iter().all(|seen| seen.path.ends_with("region_index.json")
            || seen.path.ends_with("aws/index.json"))
    );
}

#[tokio::test]
async fn a_cut_download_is_resumed_with_range_on_the_next_run_and_gives_the_same_catalog() {
    let server = PriceList::start();
    let size = std::fs::metadata(offer_file("AmazonEC2", "us-east-1")).expect("fixture").len();
    let whole = tempfile::tempdir().expect("temp");
    let (reports, _) =
        update(&updater(whole.path(), &server), &["AmazonEC2"], &["us-east-1"]).await;
    assert!(reports[0].outcome.is_ok());
    let expected =
        std::fs::read(whole.path().join("data/prices/AmazonEC2-us-east-1.tsv")).expect("catalog");

    let folder = tempfile::tempdir().expect("temp");
    let updater = updater(folder.path(), &server).retries(0);
    server.cut_next(&ec2_path("us-east-1"), 10_000);
    server.take_seen();
    let (reports, _) = update(&updater, &["AmazonEC2"], &["us-east-1"]).await;
    let error = reports[0].outcome.as_ref().expect_err("cut");
    assert!(matches!(error, UpdateError::Interrupted { done: 10_000, .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&ec2_path("us-east-1"))
            && message.contains("run the command again to resume"),
        "{message}"
    );
    let part = folder.path().join(format!("cache/prices/AmazonEC2-us-east-1-{VERSION}.json.part"));
    assert_eq!(std::fs::metadata(&part).expect("part kept").len(), 10_000);
    assert!(!folder.path().join("data/prices/AmazonEC2-us-east-1.tsv").exists());
    assert!(!folder.path().join("data/prices/AmazonEC2-us-east-1.tsv.partial").exists());

    let (reports, events) = update(&updater, &["AmazonEC2"], &["us-east-1"]).await;
    let Ok(Done::Written { downloaded, .. }) = reports[0].outcome else {
        panic!("{:?}", reports[0].outcome)
    };
    assert_eq!(downloaded, size - 10_000);
    let offer_requests: Vec<Seen> =
        server.take_seen().into_iter().filter(|seen| seen.path == ec2_path("us-east-1")).collect();
    assert_eq!(offer_requests.len(), 2, "{offer_requests:?}");
    assert_eq!(offer_requests[0].range, None);
    assert_eq!(offer_requests[1].range.as_deref(), Some("bytes=10000-"));
    assert!(events.contains(&Progress::Downloading {
        offer: "AmazonEC2".into(),
        region: "us-east-1".into(),
        url: format!("{}{}", server.base, ec2_path("us-east-1")),
        done: 10_000,
        total: Some(size),
        resumed_from: 10_000,
    }));
    let resumed =
        std::fs::read(folder.path().join("data/prices/AmazonEC2-us-east-1.tsv")).expect("catalog");
    assert_eq!(resumed, expected);
    assert!(!part.exists());
}

#[tokio::test]
async fn a_cut_download_is_resumed_within_the_run_a_bounded_number_of_times() {
    let server = PriceList::start();
    let folder = tempfile::tempdir().expect("temp");
    server.cut_next(&ec2_path("us-east-1"), 5_000);
    let (reports, _) =
        update(&updater(folder.path(), &server), &["AmazonEC2"], &["us-east-1"]).await;
    assert!(
        matches!(reports[0].outcome, Ok(Done::Written { rows: 12, .. })),
        "{:?}",
        reports[0].outcome
    );
    let ranges: Vec<Option<String>> = server
        .take_seen()
        .into_iter()
        .filter(|seen| seen.path == ec2_path("us-east-1"))
        .map(|seen| seen.range)
        .collect();
    assert_eq!(ranges, [None, Some("bytes=5000-".to_owned())]);
}

#[tokio::test]
async fn a_malformed_offer_file_names_the_file_and_position_and_keeps_the_old_catalog() {
    let server = PriceList::start();
    let folder = tempfile::tempdir().expect("temp");
    let updater = updater(folder.path(), &server);
    let (reports, _) = update(&updater, &["AmazonEC2"], &["us-east-1"]).await;
    assert!(reports[0].outcome.is_ok());
    let catalog = folder.path().join("data/prices/AmazonEC2-us-east-1.tsv");
    let before = std::fs::read(&catalog).expect("catalog");

    // AWS publishes a new version, and what arrives is broken on its third line.
    let new_path = "/offers/v1.0/aws/AmazonEC2/20261215000000/us-east-1/index.json";
    server.replace(
        "/offers/v1.0/aws/AmazonEC2/current/region_index.json",
        format!(
            "{{\n  \"formatVersion\" : \"v1.0\",\n  \"regions\" : {{\n    \"us-east-1\" : {{\n      \"regionCode\" : \"us-east-1\",\n      \"currentVersionUrl\" : \"{new_path}\"\n    }}\n  }}\n}}\n"
        ),
    );
    server.replace(
        new_path,
        "{\n  \"formatVersion\" : \"v1.0\",\n  \"products\" : { \"A\" : [ }\n}\n",
    );
    let (reports, _) = update(&updater, &["AmazonEC2"], &["us-east-1"]).await;
    let error = reports[0].outcome.as_ref().expect_err("malformed");
    let UpdateError::Malformed { file, line, column, url, .. } = error else { panic!("{error:?}") };
    assert_eq!((*line, *column), (3, 26));
    assert!(url.ends_with(new_path));
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "AmazonEC2-us-east-1-20261215000000.json (from {url}) is malformed at line 3, column 26"
        )),
        "{message}"
    );
    assert!(message.contains("the previous catalog was kept"), "{message}");
    assert!(!file.exists(), "the broken download is deleted so the next run fetches it again");
    assert_eq!(std::fs::read(&catalog).expect("catalog"), before);
    let leftovers: Vec<_> = std::fs::read_dir(folder.path().join("data/prices"))
        .expect("folder")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["AmazonEC2-us-east-1.tsv"]);
}

#[tokio::test]
async fn unknown_regions_offers_and_an_unreachable_price_list_say_what_to_do() {
    let server = PriceList::start();
    let folder = tempfile::tempdir().expect("temp");
    let updater = updater(folder.path(), &server);
    let (reports, _) = update(&updater, &["AmazonEC2", "AmazonGlacier"], &["eu-west-9"]).await;
    let messages: Vec<String> = reports
        .iter()
        .map(|report| report.outcome.as_ref().expect_err("fails").to_string())
        .collect();
    assert_eq!(
        messages,
        [
            "AmazonEC2 has no prices for region \"eu-west-9\" (it has ap-northeast-1, us-east-1)"
                .to_owned(),
            format!(
                "the Price List at {}/offers/v1.0/aws/index.json has no offer AmazonGlacier",
                server.base
            ),
        ]
    );

    // Nothing listens on this port once the listener is dropped.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let offline =
        Updater::new(&folder.path().join("data/prices"), &folder.path().join("cache/prices"))
            .expect("updater")
            .base_url(&format!("http://{address}"))
            .expect("base");
    let error = offline.update(&["AmazonEC2"], &["us-east-1"], &|_| {}).await.expect_err("offline");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot fetch http://{address}/offers/v1.0/aws/index.json")),
        "{message}"
    );
    assert!(message.contains("check the network connection"), "{message}");
    assert!(
        Updater::new(folder.path(), folder.path()).expect("updater").base_url("ftp://x").is_err()
    );
}
