//! From what was asked to an estimate: the region settled, each resource turned into catalog
//! lines with the usage assumed where the description is silent.

use agentdesk_pricing::{Catalog, Decimal, HOURS_PER_MONTH, region};

use super::lines::{Lines, Say};
use super::parse::{Parsed, RegionRead, Resource, parse};
use super::{Estimate, EstimateError, Spec, is_japanese};

/// Builds an estimate from a description, pricing in `default_region` unless it names one.
/// The figures are computed on the host; [`Estimate::apply_calculation`] replaces them with
/// the sandbox's when the script has run there.
pub fn estimate(
    catalog: &Catalog,
    description: &str,
    default_region: &str,
) -> Result<Estimate, EstimateError> {
    let default_region = known_region(default_region)?;
    let japanese = is_japanese(description);
    let say = Say { japanese };
    let parsed = parse(description);
    let (region, region_asked, region_note) = settle_region(&parsed.region, default_region, say);
    let mut lines = Lines::new(catalog, region, say);
    let mut assumptions = Vec::new();
    for (written, keyword) in &parsed.read_as {
        assumptions.push(say.pick(
            &format!("Read “{written}” as “{keyword}”."),
            &format!("「{written}」を「{keyword}」と読みました。"),
        ));
    }
    price_resources(&parsed, &mut lines, &mut assumptions);
    let hourly = lines.items.iter().any(|item| item.unit.ends_with("-hour"));
    let schedule = match &parsed.schedule {
        Some(schedule) => Some(say.pick(&schedule.english, &schedule.japanese)),
        None if hourly => Some(say.pick(
            "Every resource runs all month: 730 hours.",
            "すべてのリソースが1か月(730時間)稼働すると仮定しています。",
        )),
        None => None,
    };
    if let Some(schedule) = schedule {
        assumptions.insert(parsed.read_as.len(), schedule);
    }
    for unpriced in &parsed.unpriced {
        lines.refuse(&unpriced.asked, say.pick(&unpriced.english, &unpriced.japanese), Vec::new());
    }
    if parsed.resources.is_empty() && parsed.unpriced.is_empty() {
        lines.refuse(
            description.trim(),
            say.pick(
                "no AWS resource was recognised in the description",
                "説明から AWS のリソースを読み取れませんでした",
            ),
            Vec::new(),
        );
    }
    let mut seen = std::collections::HashSet::new();
    assumptions.retain(|assumption| seen.insert(assumption.clone()));
    assumptions.push(say.pick(
        "No free tier, Savings Plans or reserved pricing.",
        "無料利用枠、Savings Plans、リザーブドの割引は含めていません。",
    ));
    Ok(finish(
        lines,
        assumptions,
        (region, region_asked, region_note),
        japanese,
        parsed.wants_cheapest,
    ))
}

/// Builds an estimate from a JSON or YAML spec, with no assumptions beyond what it says.
pub fn estimate_spec(
    catalog: &Catalog,
    spec_text: &str,
    default_region: &str,
) -> Result<Estimate, EstimateError> {
    let spec = Spec::parse(spec_text)?;
    let region = known_region(spec.region.as_deref().unwrap_or(default_region))?;
    let mut lines = Lines::new(catalog, region, Say { japanese: false });
    for (index, resource) in spec.resources.iter().enumerate() {
        let factor = if resource.multi_az { Decimal::TWO } else { Decimal::ONE };
        let asked = format!("resources[{index}]: {} {}", resource.service, resource.resource);
        let hourly = catalog
            .price(&resource.service, &resource.resource, region)
            .is_some_and(|price| price.unit.ends_with("-hour"));
        let quantity = if hourly {
            resource.count.unwrap_or(Decimal::ONE) * resource.hours.unwrap_or(HOURS_PER_MONTH)
        } else {
            match resource.quantity {
                Some(quantity) => quantity,
                None if catalog.price(&resource.service, &resource.resource, region).is_some() => {
                    return Err(EstimateError::Spec(format!(
                        "resources[{index}] ({} {}) needs a quantity",
                        resource.service, resource.resource
                    )));
                }
                None => Decimal::ZERO,
            }
        };
        if quantity.is_sign_negative() {
            return Err(EstimateError::Spec(format!(
                "resources[{index}]: quantities must not be negative"
            )));
        }
        lines.add(&resource.service, &resource.resource, quantity * factor, &asked);
        if let Some(storage) = resource.storage_gb {
            lines.add(&resource.service, "gp2-storage", storage * factor, &asked);
        }
    }
    let assumptions =
        vec!["Hourly resources run 730 hours a month unless the spec says otherwise.".into()];
    Ok(finish(lines, assumptions, (region, None, None), false, false))
}

/// The region code, if it is one.
fn known_region(code: &str) -> Result<&'static str, EstimateError> {
    let code = if code.is_empty() { "us-east-1" } else { code };
    region::by_code(code)
        .map(|region| region.code)
        .ok_or_else(|| EstimateError::UnknownRegion { region: code.to_owned() })
}

/// The region priced, the words that asked for it, and why it differs when it does.
fn settle_region(
    read: &RegionRead,
    default_region: &'static str,
    say: Say,
) -> (&'static str, Option<String>, Option<String>) {
    match read {
        RegionRead::Unnamed => (default_region, None, None),
        RegionRead::Named { code, written } => (code, Some(written.clone()), None),
        RegionRead::Several { codes, written } => {
            let named = codes.join(", ");
            let first = codes[0];
            let note = say.pick(
                &format!("Several regions are named ({named}): this estimate prices {first}. Ask for each region separately to compare them."),
                &format!("複数のリージョン({named})が指定されています。この見積もりは {first} の価格です。比較するにはリージョンごとに見積もってください。"),
            );
            (first, Some(written.join(", ")), Some(note))
        }
        RegionRead::Unknown { written } => {
            let note = say.pick(
                &format!("“{written}” is not an AWS region AgentDesk knows: priced in {default_region}, the default region, instead. Name a region by its code or city (eu-central-1, Frankfurt, 東京)."),
                &format!("「{written}」は AgentDesk が知っている AWS リージョンではありません。代わりに既定のリージョン {default_region} の価格で計算しています。リージョンはコードか都市名(eu-central-1、フランクフルト、東京)で指定してください。"),
            );
            (default_region, Some(written.clone()), Some(note))
        }
    }
}

/// The lines for each resource asked for, with what was assumed.
fn price_resources(parsed: &Parsed, lines: &mut Lines<'_>, assumptions: &mut Vec<String>) {
    let say = lines.say;
    let compute_hours = parsed.schedule.as_ref().map_or(HOURS_PER_MONTH, |schedule| schedule.hours);
    for asked in &parsed.resources {
        let written = asked.written.as_str();
        match &asked.resource {
            Resource::Ec2 { instance_type, count, windows, volume_gb } => {
                let count = Decimal::from(*count);
                let service = if *windows { "ec2-windows" } else { "ec2" };
                assumptions.push(say.pick(
                    &format!("Read {count} × {instance_type} from “{written}”."),
                    &format!("「{written}」を {instance_type} × {count} と読みました。"),
                ));
                if lines.add(service, instance_type, count * compute_hours, written) {
                    let gigabytes = volume_gb.unwrap_or(Decimal::from(8));
                    let volume = say.pick(
                        &format!("gp3 volumes for {count} × {instance_type} ({gigabytes} GB each)"),
                        &format!("{instance_type} × {count} の gp3 ボリューム(各 {gigabytes} GB)"),
                    );
                    lines.add("ebs", "gp3", gigabytes * count, &volume);
                    assumptions.push(if volume_gb.is_none() {
                        say.pick(
                            "An 8 GB gp3 root volume per EC2 instance.",
                            "EC2 インスタンスごとに 8 GB の gp3 ルートボリュームを想定しています。",
                        )
                    } else {
                        say.pick(
                            &format!("A {gigabytes} GB gp3 volume per {instance_type}, as written."),
                            &format!("{instance_type} ごとに {gigabytes} GB の gp3 ボリューム(記載のとおり)。"),
                        )
                    });
                }
            }
            Resource::Server { count } => {
                let alternatives = ["t3.micro", "t3.small", "t3.medium", "m7i.large"]
                    .iter()
                    .filter_map(|kind| lines.catalog.price("ec2", kind, lines.region))
                    .map(|price| {
                        let monthly = super::lines::cents(
                            price.usd * HOURS_PER_MONTH * Decimal::from(*count),
                        );
                        say.pick(
                            &format!("{count} × {}: ${monthly} a month", price.resource),
                            &format!("{} × {count}: 月額 ${monthly}", price.resource),
                        )
                    })
                    .collect();
                lines.refuse(
                    written,
                    say.pick(
                        &format!(
                            "{count} {} with no instance type: name one (t3.small, m7i.large…) to price {}",
                            if *count == 1 { "server" } else { "servers" },
                            if *count == 1 { "it" } else { "them" }
                        ),
                        &format!("インスタンスタイプの指定がないサーバー {count} 台: タイプ(t3.small、m7i.large など)を指定すると計算できます"),
                    ),
                    alternatives,
                );
            }
            Resource::Rds { engine, class, count, multi_az, storage_gb } => {
                let database = Database {
                    engine,
                    class: class.as_deref(),
                    count: *count,
                    multi_az: *multi_az,
                    storage_gb: *storage_gb,
                };
                price_database(lines, assumptions, written, &database);
            }
            Resource::Cache { class, nodes } => {
                let class = class.clone().unwrap_or_else(|| {
                    assumptions.push(say.pick(
                        "No node type named for the cache: assumed one cache.t4g.micro node (Redis OSS).",
                        "キャッシュのノードタイプの指定がないため、cache.t4g.micro(Redis OSS)1 ノードと仮定しています。",
                    ));
                    "cache.t4g.micro".into()
                });
                lines.add("elasticache", &class, Decimal::from(*nodes) * HOURS_PER_MONTH, written);
            }
            Resource::Ebs { volume, gigabytes } => {
                lines.add("ebs", volume, *gigabytes, written);
            }
            Resource::S3 { gigabytes, class } => {
                lines.add("s3", class, *gigabytes, written);
            }
            Resource::DynamoDb { reads, writes, storage_gb } => {
                let million = Decimal::from(1_000_000);
                let reads = reads.unwrap_or(Decimal::from(5_000_000));
                let writes = writes.unwrap_or(million);
                let stored = storage_gb.unwrap_or(Decimal::ONE);
                lines.add("dynamodb", "write-request-units", writes / million, written);
                lines.add("dynamodb", "read-request-units", reads / million, written);
                lines.add("dynamodb", "storage", stored, written);
                assumptions.push(say.pick(
                    &format!("DynamoDB on-demand: {writes} writes and {reads} reads a month (one request unit each), {stored} GB stored."),
                    &format!("DynamoDB はオンデマンドで月 {writes} 回の書き込み、{reads} 回の読み込み(各 1 リクエストユニット)、保存 {stored} GB で計算しています。"),
                ));
            }
            Resource::CloudWatchLogs { gigabytes } => {
                let gigabytes = gigabytes.unwrap_or(Decimal::from(5));
                lines.add("cloudwatch", "logs-ingestion", gigabytes, written);
                lines.add("cloudwatch", "logs-storage", gigabytes, written);
                assumptions.push(say.pick(
                    &format!("CloudWatch Logs: {gigabytes} GB ingested and kept a month."),
                    &format!(
                        "CloudWatch Logs は月 {gigabytes} GB の取り込みと保存で計算しています。"
                    ),
                ));
            }
            Resource::CloudWatchAlarms { count } => {
                lines.add("cloudwatch", "standard-alarms", *count, written);
            }
            Resource::Queue { messages } => {
                let requests = messages
                    .map_or(Decimal::from(1_000_000), |messages| messages * Decimal::from(3));
                lines.add("sqs", "standard-requests", requests / Decimal::from(1_000_000), written);
                assumptions.push(match messages {
                    Some(messages) => say.pick(
                        &format!("SQS: {messages} messages a month, each sent, received and deleted (3 requests), beyond the free million."),
                        &format!("SQS は月 {messages} 件のメッセージを送信・受信・削除(1 件 3 リクエスト)、無料枠を超える分で計算しています。"),
                    ),
                    None => say.pick(
                        "SQS: a standard queue with 1 million requests a month beyond the free million.",
                        "SQS は標準キューで、無料枠を超えるリクエストが月 100 万回と仮定しています。",
                    ),
                });
            }
            Resource::DataTransfer { gigabytes } => {
                lines.add("data-transfer", "internet-out", *gigabytes, written);
            }
            Resource::Lambda { requests, memory_mb, seconds } => {
                let requests = requests.unwrap_or(Decimal::from(1_000_000));
                let memory_mb = memory_mb.unwrap_or(Decimal::from(128));
                let seconds = seconds.unwrap_or(Decimal::new(2, 1));
                lines.add("lambda", "requests", requests / Decimal::from(1_000_000), written);
                let gb_seconds = requests * memory_mb / Decimal::from(1024) * seconds;
                lines.add("lambda", "x86-compute", gb_seconds, written);
                assumptions.push(say.pick(
                    &format!("Lambda: {requests} requests a month, {memory_mb} MB, {seconds} s each (no free tier)."),
                    &format!("Lambda は月 {requests} リクエスト、{memory_mb} MB、1回 {seconds} 秒(無料枠なし)で計算しています。"),
                ));
            }
            Resource::ApiGateway { requests, rest } => {
                let requests = requests.unwrap_or(Decimal::from(1_000_000));
                let (resource, kind) = if *rest {
                    ("rest-api-requests", "REST")
                } else {
                    ("http-api-requests", "HTTP")
                };
                lines.add("api-gateway", resource, requests / Decimal::from(1_000_000), written);
                assumptions.push(say.pick(
                    &format!("API Gateway: a {kind} API with {requests} requests a month."),
                    &format!(
                        "API Gateway は {kind} API で月 {requests} リクエストと仮定しています。"
                    ),
                ));
            }
            Resource::NatGateway { data_gb } => {
                lines.add("vpc", "nat-gateway", HOURS_PER_MONTH, written);
                let gigabytes = data_gb.unwrap_or_else(|| {
                    assumptions.push(say.pick(
                        "10 GB a month through the NAT gateway.",
                        "NAT ゲートウェイの通信量は月 10 GB と仮定しています。",
                    ));
                    Decimal::from(10)
                });
                lines.add("vpc", "nat-gateway-data", gigabytes, written);
            }
            Resource::Cdn { gigabytes } => {
                lines.add("cloudfront", "transfer-out", *gigabytes, written);
            }
            other => {
                if let Some(usage) = typical_usage(other) {
                    // A static site's CloudFront traffic is what the description says, when it does.
                    let served = parsed
                        .resources
                        .iter()
                        .any(|asked| matches!(asked.resource, Resource::Cdn { .. }));
                    let lines_used = usage.lines.iter().filter(|(service, resource, _)| {
                        !(served && *service == "cloudfront" && *resource == "transfer-out")
                    });
                    for (service, resource, quantity) in lines_used {
                        lines.add(
                            service,
                            resource,
                            Decimal::from_str_exact(quantity).unwrap_or_default(),
                            written,
                        );
                    }
                    assumptions.push(say.pick(usage.english, usage.japanese));
                }
            }
        }
    }
}

/// A database as asked for.
struct Database<'a> {
    engine: &'a str,
    class: Option<&'a str>,
    count: u32,
    multi_az: bool,
    storage_gb: Option<Decimal>,
}

/// A database's instance and storage lines.
fn price_database(
    lines: &mut Lines<'_>,
    assumptions: &mut Vec<String>,
    written: &str,
    &Database { engine, class, count, multi_az, storage_gb }: &Database<'_>,
) {
    let say = lines.say;
    let service = format!("rds-{engine}");
    let aurora = engine.starts_with("aurora");
    let class = class.map_or_else(
        || {
            // Aurora's smallest class is db.t3.medium; the other engines' db.t3.micro.
            let smallest = if aurora { "db.t3.medium" } else { "db.t3.micro" };
            assumptions.push(say.pick(
                &format!("No instance class named for the database: assumed {smallest}."),
                &format!("データベースのインスタンスクラスの指定がないため、{smallest} と仮定しています。"),
            ));
            smallest.to_owned()
        },
        str::to_owned,
    );
    let multi_az_service = format!("{service}-multi-az");
    let (instance_service, factor) = if multi_az
        && !aurora
        && lines.catalog.price(&multi_az_service, &class, lines.region).is_some()
    {
        (multi_az_service.as_str(), Decimal::ONE)
    } else if multi_az {
        assumptions.push(say.pick(
            if aurora {
                "Multi-AZ Aurora: one replica in a second zone, so twice the instance hours."
            } else {
                "Multi-AZ: the standby doubles the instance hours and the storage."
            },
            if aurora {
                "マルチ AZ の Aurora: 別の AZ にレプリカ 1 台、インスタンス時間は 2 倍です。"
            } else {
                "マルチ AZ はスタンバイの分、インスタンス時間とストレージが 2 倍です。"
            },
        ));
        (service.as_str(), Decimal::TWO)
    } else {
        (service.as_str(), Decimal::ONE)
    };
    let hours = Decimal::from(count) * HOURS_PER_MONTH * factor;
    if !lines.add(instance_service, &class, hours, written) {
        return;
    }
    let gigabytes = storage_gb.unwrap_or_else(|| {
        assumptions.push(say.pick(
            "20 GB of database storage; no backups beyond the free allowance.",
            "データベースのストレージは 20 GB、無料枠を超えるバックアップはなしと仮定しています。",
        ));
        Decimal::from(20)
    });
    let storage = if aurora { "aurora-storage" } else { "gp2-storage" };
    let storage_factor = if instance_service == service { factor } else { Decimal::ONE };
    lines.add(instance_service, storage, gigabytes * storage_factor, written);
}

/// What a resource is assumed to use when the description gives no figures.
struct TypicalUsage {
    /// (service, resource, quantity a month in the catalog's unit).
    lines: &'static [(&'static str, &'static str, &'static str)],
    english: &'static str,
    japanese: &'static str,
}

/// The assumed usage of the resources a description names without figures.
fn typical_usage(resource: &Resource) -> Option<TypicalUsage> {
    let usage = |lines, english, japanese| Some(TypicalUsage { lines, english, japanese });
    match resource {
        Resource::LoadBalancer { network: false } => usage(
            &[("elb", "alb", "730"), ("elb", "alb-lcu", "730")],
            "The load balancer uses 1 capacity unit (LCU) on average.",
            "ロードバランサーの平均使用量は 1 LCU と仮定しています。",
        ),
        Resource::LoadBalancer { network: true } => usage(
            &[("elb", "nlb", "730"), ("elb", "nlb-lcu", "730")],
            "The load balancer uses 1 capacity unit (LCU) on average.",
            "ロードバランサーの平均使用量は 1 LCU と仮定しています。",
        ),
        Resource::StaticSite => usage(
            &[
                ("s3", "standard-storage", "1"),
                ("s3", "get-requests", "10"),
                ("s3", "put-requests", "0.1"),
                ("cloudfront", "transfer-out", "10"),
                ("cloudfront", "https-requests", "10"),
                ("route53", "hosted-zone", "1"),
                ("route53", "standard-queries", "1"),
            ],
            "A static site on S3 behind CloudFront: 1 GB of files, 100,000 page requests and 10 GB served a month, 10,000 requests reaching S3, 100 uploads, one Route 53 zone with 1 million queries.",
            "静的サイトを S3 + CloudFront で配信: ファイル 1 GB、月 10 万リクエスト・10 GB の配信、S3 へのリクエスト 1 万回、アップロード 100 回、Route 53 のホストゾーン 1 つ(100 万クエリ)と仮定しています。",
        ),
        Resource::Notifications => usage(
            &[("sns", "publish-requests", "1"), ("sns", "http-deliveries", "1")],
            "SNS: 1 million messages published and delivered to HTTPS endpoints a month.",
            "SNS は月 100 万件を発行し、HTTPS エンドポイントに配信すると仮定しています。",
        ),
        _ => None,
    }
}

/// The estimate from its lines.
fn finish(
    lines: Lines<'_>,
    assumptions: Vec<String>,
    (region, region_asked, region_note): (&str, Option<String>, Option<String>),
    japanese: bool,
    wants_cheapest: bool,
) -> Estimate {
    let region_name =
        region::by_code(region).map_or(region, |known| known.name(japanese)).to_owned();
    let mut estimate = Estimate {
        region: region.to_owned(),
        region_asked,
        region_name,
        region_note,
        currency: "USD".into(),
        monthly_total: Decimal::ZERO,
        headline: String::new(),
        items: lines.items,
        not_priced: lines.not_priced,
        assumptions,
        price_source: String::new(),
        price_date: String::new(),
        price_sources: Vec::new(),
        price_note: None,
        calculated_in: "host".into(),
        calculation_note: None,
        calculation_script: String::new(),
        report_markdown: String::new(),
    };
    estimate.refresh(japanese, wants_cheapest);
    estimate
}
