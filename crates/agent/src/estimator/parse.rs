//! The offline parser: an architecture described in English or Japanese, as people type it
//! (with or without spaces, full-width, with typos), turned into the resources it asks for,
//! each with its count read once, the region as written, and what it names that cannot be
//! priced. It never guesses silently: what it assumed or corrected is said in `read_as`.

use std::sync::LazyLock;

use agentdesk_pricing::{Decimal, region};
use regex::Regex;

use super::text::{amount_at_start, as_written, clauses, count_at_end, count_at_start, normalize};

/// A resource the description asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resource {
    /// EC2 instances of one type (`windows`: Windows rather than Linux).
    Ec2 { instance_type: String, count: u32, windows: bool, volume_gb: Option<Decimal> },
    /// Servers or instances of no named type.
    Server { count: u32 },
    /// A managed database (`engine` is the catalog's `rds-{engine}`; `class` none when unnamed).
    Rds {
        engine: &'static str,
        class: Option<String>,
        count: u32,
        multi_az: bool,
        storage_gb: Option<Decimal>,
    },
    /// ElastiCache nodes (`class` none when unnamed).
    Cache { class: Option<String>, nodes: u32 },
    /// An EBS volume of its own.
    Ebs { volume: String, gigabytes: Decimal },
    /// An Application or Network Load Balancer.
    LoadBalancer { network: bool },
    /// A NAT gateway, with the data it processes a month when given.
    NatGateway { data_gb: Option<Decimal> },
    /// A static website: S3 behind CloudFront with a Route 53 zone.
    StaticSite,
    /// S3 storage of a given size, in a storage class (the catalog's resource).
    S3 { gigabytes: Decimal, class: &'static str },
    /// A Lambda function, with its requests a month, memory (MB) and duration (seconds)
    /// when given.
    Lambda { requests: Option<Decimal>, memory_mb: Option<Decimal>, seconds: Option<Decimal> },
    /// An API Gateway HTTP (or REST) API, with its requests a month when given.
    ApiGateway { requests: Option<Decimal>, rest: bool },
    /// A DynamoDB table, on-demand, with its reads and writes a month and storage when given.
    DynamoDb { reads: Option<Decimal>, writes: Option<Decimal>, storage_gb: Option<Decimal> },
    /// CloudWatch Logs, with the GB ingested and kept a month when given.
    CloudWatchLogs { gigabytes: Option<Decimal> },
    /// CloudWatch alarms (standard resolution).
    CloudWatchAlarms { count: Decimal },
    /// An SQS standard queue, with its messages a month when given.
    Queue { messages: Option<Decimal> },
    /// An SNS topic.
    Notifications,
    /// Data transferred out to the internet.
    DataTransfer { gigabytes: Decimal },
    /// CloudFront serving this much a month.
    Cdn { gigabytes: Decimal },
}

/// A resource with the words it was read from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Asked {
    pub(crate) resource: Resource,
    /// The words, as the description wrote them (`3台のT3.micro`).
    pub(crate) written: String,
}

/// The region the description names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RegionRead {
    /// None: the default region is priced.
    Unnamed,
    /// One known region.
    Named { code: &'static str, written: String },
    /// Several known regions (the first is priced, and the report says so).
    Several { codes: Vec<&'static str>, written: Vec<String> },
    /// Words that name a region AgentDesk does not know.
    Unknown { written: String },
}

impl RegionRead {
    /// The same regions, their words quoted from `description` as the user wrote them.
    fn quoted_from(self, description: &str) -> RegionRead {
        match self {
            RegionRead::Unnamed => RegionRead::Unnamed,
            RegionRead::Named { code, written } => {
                RegionRead::Named { code, written: as_written(description, &written) }
            }
            RegionRead::Several { codes, written } => RegionRead::Several {
                codes,
                written: written.iter().map(|words| as_written(description, words)).collect(),
            },
            RegionRead::Unknown { written } => {
                RegionRead::Unknown { written: as_written(description, &written) }
            }
        }
    }
}

/// How many hours a month compute runs, when the description says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Schedule {
    pub(crate) hours: Decimal,
    pub(crate) english: String,
    pub(crate) japanese: String,
}

/// Something named that cannot be priced, and why (in English and Japanese).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unpriced {
    pub(crate) asked: String,
    pub(crate) english: String,
    pub(crate) japanese: String,
}

/// What the parser understood.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    pub(crate) region: RegionRead,
    pub(crate) resources: Vec<Asked>,
    pub(crate) unpriced: Vec<Unpriced>,
    /// Words read as something else (`lamda` → Lambda, `frankfort` → Frankfurt).
    pub(crate) read_as: Vec<(String, String)>,
    pub(crate) schedule: Option<Schedule>,
    /// Whether the user asked for the cheapest option.
    pub(crate) wants_cheapest: bool,
}

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new($re).ok());
    };
}

// An instance type or class: a family with a digit (t3, m7i, c6gn, x2iedn, u-6tb1) and a size
// that begins with a letter or is a multiple of xlarge (`mirco` is caught here and reported).
pattern!(TYPE, r"(db\.|cache\.)?([a-z]{1,4}[0-9][a-z0-9-]*)\.([0-9]*[a-z][a-z0-9-]*)");
pattern!(LAMBDA_MEMORY, r"([0-9]+(?:\.[0-9]+)?)\s*(mb\b|gb\s*(?:of\s+)?(?:memory|ram|メモリ))");
pattern!(LAMBDA_DURATION, r"([0-9]+(?:\.[0-9]+)?)\s*(ms|seconds?|secs?|ミリ秒|秒)\b");
pattern!(SIZE, r"([0-9]+(?:\.[0-9]+)?)\s*(gb|gib|tb|tib|ギガ|テラ)");
pattern!(
    CHEAP,
    r"cheap|low[- ]cost|inexpensive|budget|なるべく安|できるだけ安|安く|安い|格安|低コスト|節約"
);
pattern!(
    HOURS_A_DAY,
    r"([0-9]{1,2})\s*(?:hours?|hrs?|h|時間)\s*(?:a|per|/|each)\s*(?:day|日)|1日\s*([0-9]{1,2})\s*時間"
);
pattern!(
    BETWEEN,
    r"(?:between|from)\s+([0-9]{1,2})(?::00)?\s*(am|pm)?\s+(?:and|to|until|till|-)\s+([0-9]{1,2})(?::00)?\s*(am|pm)?"
);
pattern!(
    TIME_RANGE,
    r"([0-9]{1,2})\s*(時|am|pm|:00)?\s*(?:-|~|to|から|〜)\s*([0-9]{1,2})\s*(時|am|pm|:00)?"
);

/// Words for services the catalog has no way to price, with their names.
const NOT_IN_CATALOG: &[(&str, &str)] = &[
    ("eks", "EKS"),
    ("kubernetes", "EKS"),
    ("ecs", "ECS"),
    ("fargate", "Fargate"),
    ("opensearch", "OpenSearch"),
    ("elasticsearch", "OpenSearch"),
    ("waf", "WAF"),
    ("cognito", "Cognito"),
    ("kinesis", "Kinesis"),
    ("redshift", "Redshift"),
    ("sagemaker", "SageMaker"),
    ("step functions", "Step Functions"),
    ("eventbridge", "EventBridge"),
    ("efs", "EFS"),
    ("fsx", "FSx"),
    ("glue", "Glue"),
    ("athena", "Athena"),
    ("emr", "EMR"),
    ("ecr", "ECR"),
    ("documentdb", "DocumentDB"),
    ("neptune", "Neptune"),
    ("oracle", "RDS for Oracle"),
    ("sql server", "RDS for SQL Server"),
    ("sqlserver", "RDS for SQL Server"),
    ("lightsail", "Lightsail"),
    ("amazon mq", "Amazon MQ"),
    ("activemq", "Amazon MQ"),
    ("rabbitmq", "Amazon MQ"),
    ("msk", "MSK (Kafka)"),
    ("kafka", "MSK (Kafka)"),
    ("secrets manager", "Secrets Manager"),
    ("kms", "KMS"),
    ("vpn", "VPN"),
    ("direct connect", "Direct Connect"),
    ("transit gateway", "Transit Gateway"),
    ("global accelerator", "Global Accelerator"),
    ("appsync", "AppSync"),
    ("amplify", "Amplify"),
    ("beanstalk", "Elastic Beanstalk"),
    ("app runner", "App Runner"),
    ("apprunner", "App Runner"),
    ("memorydb", "MemoryDB"),
    ("timestream", "Timestream"),
    ("keyspaces", "Keyspaces"),
    ("guardduty", "GuardDuty"),
    ("cloudtrail", "CloudTrail"),
    ("x-ray", "X-Ray"),
    ("xray", "X-Ray"),
    ("codebuild", "CodeBuild"),
    ("codepipeline", "CodePipeline"),
    ("workspaces", "WorkSpaces"),
    ("rekognition", "Rekognition"),
    ("textract", "Textract"),
    ("transcribe", "Transcribe"),
    ("polly", "Polly"),
    ("quicksight", "QuickSight"),
    ("iot core", "IoT Core"),
];

/// Keywords that typos are corrected to (a word one letter away, or two for long words).
const KEYWORDS: &[&str] = &[
    "lambda",
    "dynamodb",
    "cloudfront",
    "cloudwatch",
    "postgres",
    "postgresql",
    "elasticache",
    "mariadb",
    "aurora",
    "route53",
    "serverless",
    "instance",
    "instances",
    "database",
    "frankfurt",
    "ireland",
    "london",
    "paris",
    "stockholm",
    "tokyo",
    "osaka",
    "seoul",
    "singapore",
    "sydney",
    "mumbai",
    "virginia",
    "oregon",
    "california",
    "canada",
    "jakarta",
    "bahrain",
    "milan",
    "zurich",
    "spain",
    "melbourne",
    "hyderabad",
    "calgary",
];

/// Whether `word` occurs in `text` as a whole word where it is made of Latin letters.
fn has(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(start, _)| region::stands_alone(text, start, start + word.len()))
}

fn any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|word| has(text, word))
}

fn found(pattern: &LazyLock<Option<Regex>>, text: &str) -> bool {
    pattern.as_ref().is_some_and(|regex| regex.is_match(text))
}

/// Corrects words one typo away from a keyword, and says so.
fn correct_typos(text: &str) -> (String, Vec<(String, String)>) {
    let mut read_as = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, read_as: &mut Vec<(String, String)>| {
        if word.len() >= 5 && !KEYWORDS.contains(&word.as_str()) {
            let allowed = if word.len() >= 8 { 2 } else { 1 };
            if let Some(keyword) =
                KEYWORDS.iter().find(|keyword| strsim::levenshtein(word, keyword) <= allowed)
            {
                read_as.push((word.clone(), (*keyword).to_owned()));
                out.push_str(keyword);
                word.clear();
                return;
            }
        }
        out.push_str(word);
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            // A word glued to digits or dots (`t3.mirco`, `m5`) is a type, not a keyword.
            if c.is_ascii_digit() || c == '.' || c == '-' {
                out.push_str(&word);
                word.clear();
                out.push(c);
                continue;
            }
            flush(&mut word, &mut out, &mut read_as);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut read_as);
    (out, read_as)
}

/// Filler between a count and what it counts (`2 ec2 instances of`, `3台の`).
const BEFORE_FILLER: &[&str] = &[
    "ec2",
    "amazon",
    "aws",
    "instances",
    "instance",
    "servers",
    "server",
    "nodes",
    "node",
    "of",
    "x",
    "×",
    "*",
    "台の",
    "つの",
    "個の",
    "台",
    "の",
    "linux",
    "windows",
    "on-demand",
    "spot",
    "reserved",
    "dedicated",
    "(",
    "new",
    "rds",
    "mysql",
    "postgresql",
    "postgres",
    "elasticache",
    "redis",
];
/// Filler between what is counted and its count (`t3.micro instances x 3`, `t3.smallを2台`).
const AFTER_FILLER: &[&str] = &[
    "instances",
    "instance",
    "servers",
    "server",
    "nodes",
    "node",
    "インスタンス",
    "サーバー",
    "サーバ",
    "ノード",
    "を",
    "が",
    "は",
    "で",
    ":",
    "with",
    "linux",
    "windows",
];
/// What marks a following number as a count (`x 3`, `×3`, `*3`).
const TIMES: &[&str] = &["x", "×", "*"];
/// What follows a number that counts (`2台`, `3 nodes`).
const COUNTERS: &[&str] = &[
    "台",
    "つ",
    "個",
    "ノード",
    "インスタンス",
    "instances",
    "instance",
    "nodes",
    "node",
    "servers",
    "server",
    "units",
    "replicas",
    "vms",
];

/// `text` without the `words` it starts with, in any order and number.
fn skip_leading<'a>(mut text: &'a str, words: &[&str]) -> &'a str {
    // A word in Latin letters is skipped whole (`read`, not the start of `reads`).
    let whole = |word: &str, rest: &str| {
        !(word.ends_with(|c: char| c.is_ascii_alphanumeric())
            && rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
    };
    while let Some(rest) =
        words.iter().find_map(|word| text.strip_prefix(word).filter(|rest| whole(word, rest)))
    {
        text = rest.trim_start();
    }
    text
}

/// `text` without the whole `words` it ends with, in any order and number, nor a multiplier
/// glued to a count (`2x`, `6×`).
fn skip_trailing<'a>(mut text: &'a str, words: &[&str]) -> &'a str {
    loop {
        let word = words.iter().find_map(|word| {
            text.strip_suffix(word)
                .filter(|rest| region::stands_alone(text, rest.len(), text.len()))
        });
        let glued = text
            .strip_suffix(['x', '×', '*'])
            .filter(|rest| rest.ends_with(|c: char| c.is_ascii_digit()));
        match word.or(glued) {
            Some(rest) => text = rest.trim_end(),
            None => return text,
        }
    }
}

/// The count written around the words at `start..end` of `clause`, if any: after them when
/// a multiplier or a counter marks it (`x 3`, `を2台`), else right before them (`3 x`, `three`).
fn count_around(clause: &str, start: usize, end: usize) -> Option<u32> {
    let after =
        skip_leading(clause[end..].trim_start().trim_start_matches(')').trim_start(), AFTER_FILLER);
    let timed = TIMES.iter().find_map(|times| after.strip_prefix(times));
    let after = skip_leading(timed.unwrap_or(after).trim_start(), AFTER_FILLER);
    if let Some((length, count)) = count_at_start(after) {
        let rest = after[length..].trim_start();
        if timed.is_some() || COUNTERS.iter().any(|counter| rest.starts_with(counter)) {
            return Some(count);
        }
    }
    count_at_end(skip_trailing(clause[..start].trim_end(), BEFORE_FILLER)).map(|(_, count)| count)
}

/// The clause (offset and text) that holds byte `at` of the text.
fn clause_at<'a>(parts: &[(usize, &'a str)], at: usize) -> (usize, &'a str) {
    parts.iter().rev().find(|(start, _)| *start <= at).copied().unwrap_or((0, ""))
}

const STORAGE_WORDS: &[&str] = &[
    "s3",
    "storage",
    "ストレージ",
    "bucket",
    "バケット",
    "保存",
    "オブジェクト",
    "object",
    "glacier",
];
const DATABASE_WORDS: &[&str] = &[
    "rds",
    "db",
    "database",
    "データベース",
    "mysql",
    "postgres",
    "postgresql",
    "mariadb",
    "aurora",
];
const VOLUME_WORDS: &[&str] =
    &["ebs", "volume", "ボリューム", "disk", "ディスク", "gp3", "gp2", "io1", "io2", "st1", "sc1"];
const TRANSFER_WORDS: &[&str] = &[
    "download",
    "downloads",
    "downloaded",
    "ダウンロード",
    "transfer",
    "転送",
    "egress",
    "outbound",
    "data out",
    "bandwidth",
    "通信量",
    "トラフィック",
    "traffic",
];

/// Parses a description.
pub(crate) fn parse(description: &str) -> Parsed {
    let (text, mut read_as) = correct_typos(&normalize(description));
    let parts = clauses(&text);
    let mut parsed = Parsed {
        region: read_region(&text, &mut read_as),
        resources: Vec::new(),
        unpriced: Vec::new(),
        read_as: Vec::new(),
        schedule: read_schedule(&text),
        wants_cheapest: found(&CHEAP, &text),
    };
    let mut sizes_used = Vec::new();
    read_types(&text, &parts, &mut parsed, &mut sizes_used);
    read_databases(&text, &parts, &mut parsed, &mut sizes_used);
    read_services(&text, &parts, &mut parsed, &mut sizes_used);
    read_unpriced(&text, &mut parsed);
    parsed.read_as = read_as;
    parsed.region = parsed.region.quoted_from(description);
    for asked in &mut parsed.resources {
        asked.written = as_written(description, &asked.written);
    }
    parsed
}

/// The region: known names and codes, typo'd names (said in `read_as`), and words that look
/// like a region but are not one.
fn read_region(text: &str, read_as: &mut Vec<(String, String)>) -> RegionRead {
    let mentions = region::mentions(text);
    let mut codes: Vec<&'static str> = Vec::new();
    let mut written = Vec::new();
    for mention in &mentions {
        if !codes.contains(&mention.region.code) {
            codes.push(mention.region.code);
            written.push(mention.written.clone());
        }
    }
    // A typo'd place only counts if it became a region's name.
    read_as.retain(|(_, keyword)| {
        !region::all().iter().any(|region| region.names.contains(keyword))
            || codes.iter().any(|code| {
                region::by_code(code).is_some_and(|region| region.names.contains(keyword))
            })
    });
    match codes.len() {
        1 => RegionRead::Named { code: codes[0], written: written.remove(0) },
        0 => unknown_region(text)
            .map_or(RegionRead::Unnamed, |written| RegionRead::Unknown { written }),
        _ => RegionRead::Several { codes, written },
    }
}

/// Words that name a region AgentDesk does not know: a code-shaped word (`eu-central-3`),
/// `… region` or `…リージョン`.
fn unknown_region(text: &str) -> Option<String> {
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
    if let Some(code) = words.into_iter().find(|word| region::looks_like_code(word)) {
        return Some(code.to_owned());
    }
    if let Some(index) = text.find("リージョン") {
        let before: String = text[..index]
            .chars()
            .rev()
            .take_while(|c| {
                !c.is_whitespace() && !matches!(c, 'で' | 'に' | 'の' | 'は' | 'を' | '、' | ',')
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !before.is_empty() {
            return Some(format!("{before}リージョン"));
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        let name = pair[0].trim_matches(|c: char| !c.is_alphanumeric());
        (pair[1].starts_with("region")
            && !["the", "a", "one", "any", "same", "aws"].contains(&name))
        .then(|| format!("{name} region"))
    })
}

/// Hours a month compute runs, when the description says (24/7, business hours, a range on
/// weekdays, hours a day).
fn read_schedule(text: &str) -> Option<Schedule> {
    let business_hours = any(text, &["business hours", "office hours", "working hours"])
        || text.contains("営業時間")
        || text.contains("業務時間");
    // Business hours are on weekdays.
    let weekdays =
        any(text, &["weekdays", "weekday", "mon-fri", "monday to friday", "business days"])
            || text.contains("平日")
            || text.contains("月~金")
            || text.contains("営業日")
            || business_hours;
    let mut hours_a_day: Option<u32> = None;
    let mut range = String::new();
    if let Some(regex) = HOURS_A_DAY.as_ref()
        && let Some(capture) = regex.captures(text)
    {
        hours_a_day =
            capture.get(1).or_else(|| capture.get(2)).and_then(|m| m.as_str().parse().ok());
    }
    if hours_a_day.is_none()
        && let Some(regex) = TIME_RANGE.as_ref()
    {
        let between = BETWEEN.as_ref().into_iter().flat_map(|between| between.captures_iter(text));
        for (spelled, capture) in
            between.map(|c| (true, c)).chain(regex.captures_iter(text).map(|c| (false, c)))
        {
            let marker = |index| capture.get(index).map(|m| m.as_str());
            // A bare "2-3" is a count, not a time: a time has 時, am or pm on one side, is
            // spelled "between 9 and 5", or goes with weekdays.
            let bare = marker(2).is_none() && marker(4).is_none();
            if bare && !spelled && !weekdays {
                continue;
            }
            let hour = |index: usize, marker: Option<&str>| -> Option<u32> {
                let hour: u32 = capture.get(index)?.as_str().parse().ok()?;
                Some(if marker == Some("pm") && hour < 12 { hour + 12 } else { hour })
            };
            let (Some(from), Some(to)) = (hour(1, marker(2)), hour(3, marker(4).or(marker(2))))
            else {
                continue;
            };
            // "9 to 5": the end is in the afternoon.
            let to = if bare && to <= from && to < 12 { to + 12 } else { to };
            if from < to && to <= 24 {
                hours_a_day = Some(to - from);
                range = capture.get(0).map_or_else(String::new, |m| m.as_str().trim().to_owned());
                break;
            }
        }
    }
    if hours_a_day.is_none() && business_hours {
        hours_a_day = Some(9);
        range = "9-18".into();
    }
    let always = text.contains("24/7")
        || any(text, &["always on", "around the clock"])
        || text.contains("24時間")
        || text.contains("常時")
        || text.contains("常に稼働");
    let Some(per_day) = hours_a_day.filter(|hours| (1..24).contains(hours)) else {
        return always.then(|| Schedule {
            hours: agentdesk_pricing::HOURS_PER_MONTH,
            english: "Runs 24/7: 730 hours a month.".into(),
            japanese: "24時間365日稼働: 月730時間。".into(),
        });
    };
    let days_in_month = Decimal::from(730) / Decimal::from(24);
    let days =
        if weekdays { days_in_month * Decimal::from(5) / Decimal::from(7) } else { days_in_month };
    let hours = (Decimal::from(per_day) * days).round_dp(2);
    let range_en = if range.is_empty() { String::new() } else { format!(" ({range})") };
    Some(Schedule {
        english: format!(
            "Compute runs {per_day} hours a day{}{range_en}: {hours} hours a month.",
            if weekdays { " on weekdays" } else { "" }
        ),
        japanese: format!(
            "コンピューティングは{}1日{per_day}時間{}稼働: 月{hours}時間。",
            if weekdays { "平日のみ" } else { "毎日" },
            if range.is_empty() { String::new() } else { format!("({range})") }
        ),
        hours,
    })
}

/// A storage size in `clause` that is for something named by `words`, once.
fn size_in(clause: (usize, &str), words: &[&str], used: &mut Vec<usize>) -> Option<Decimal> {
    if !any(clause.1, words)
        && !words.iter().any(|word| !word.is_ascii() && clause.1.contains(word))
    {
        return None;
    }
    let regex = SIZE.as_ref()?;
    for capture in regex.captures_iter(clause.1) {
        let at = clause.0 + capture.get(0)?.start();
        if used.contains(&at) {
            continue;
        }
        let number: Decimal = capture[1].parse().ok()?;
        let scale = if capture[2].starts_with('t') || &capture[2] == "テラ" { 1024 } else { 1 };
        used.push(at);
        return Some(number * Decimal::from(scale));
    }
    None
}

/// Instance types, database classes and cache node types, each with its count.
fn read_types(text: &str, parts: &[(usize, &str)], parsed: &mut Parsed, sizes: &mut Vec<usize>) {
    let Some(regex) = TYPE.as_ref() else { return };
    for capture in regex.captures_iter(text) {
        let Some(whole) = capture.get(0) else { continue };
        let glued_before = text[..whole.start()].ends_with('.');
        let glued_after = text[whole.end()..]
            .strip_prefix('.')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphanumeric()));
        if !region::stands_alone(text, whole.start(), whole.end()) || glued_before || glued_after {
            continue;
        }
        // Japanese written without spaces runs the count into the type (`t3.micro1台`); a
        // size never ends in a digit (`micro`, `24xlarge`, `metal-24xl`), so digits before a
        // counter are the count.
        let typed = whole.as_str();
        let size_end = typed.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let counted = size_end < typed.len()
            && COUNTERS
                .iter()
                .any(|counter| !counter.is_ascii() && text[whole.end()..].starts_with(counter));
        let end = if counted { whole.start() + size_end } else { whole.end() };
        let name = text[whole.start()..end].to_owned();
        let (clause_start, clause) = clause_at(parts, whole.start());
        let (start, end) = (whole.start() - clause_start, end - clause_start);
        let count = count_around(clause, start, end);
        let resource = match capture.get(1).map(|prefix| prefix.as_str()) {
            Some("db.") => Resource::Rds {
                engine: engine_in(clause).or_else(|| engine_in(text)).unwrap_or("mysql"),
                class: Some(name),
                count: count.unwrap_or(1),
                multi_az: multi_az(clause) || multi_az(text),
                storage_gb: size_in((clause_start, clause), DATABASE_WORDS, sizes)
                    .or_else(|| database_storage(text, parts, sizes)),
            },
            Some(_) => Resource::Cache { class: Some(name), nodes: count.unwrap_or(1) },
            None => Resource::Ec2 {
                instance_type: name,
                count: count.unwrap_or(1),
                windows: has(clause, "windows") || clause.contains("ウィンドウズ"),
                volume_gb: size_in((clause_start, clause), VOLUME_WORDS, sizes),
            },
        };
        parsed.resources.push(Asked { resource, written: clause.trim().to_owned() });
    }
}

fn engine_in(text: &str) -> Option<&'static str> {
    let aurora = has(text, "aurora") || text.contains("オーロラ");
    let postgres = has(text, "postgres") || has(text, "postgresql") || text.contains("ポスグレ");
    match (aurora, postgres) {
        (true, true) => Some("aurora-postgresql"),
        (true, false) => Some("aurora-mysql"),
        (false, true) => Some("postgresql"),
        (false, false) if has(text, "mariadb") => Some("mariadb"),
        (false, false) if has(text, "mysql") => Some("mysql"),
        _ => None,
    }
}

fn multi_az(text: &str) -> bool {
    ["multi-az", "multi az", "multiaz", "マルチaz", "マルチ-az", "マルチ az"]
        .iter()
        .any(|word| text.contains(word))
}

/// Storage named apart from the database (`100 GB General Purpose (gp2) storage`,
/// `ストレージは100GB`) is the database's when nothing else in the text stores objects.
fn database_storage(
    text: &str,
    parts: &[(usize, &str)],
    sizes: &mut Vec<usize>,
) -> Option<Decimal> {
    let objects = |clause: &str| {
        any(clause, &["s3", "bucket", "object", "objects", "files"])
            || ["バケット", "オブジェクト", "ファイル"].iter().any(|word| clause.contains(word))
    };
    let named_elsewhere =
        objects(text) && !any(text, &["rds", "db", "database"]) && !text.contains("データベース");
    if named_elsewhere {
        return None;
    }
    parts
        .iter()
        .filter(|part| !objects(part.1))
        .find_map(|part| size_in(*part, &["storage", "ストレージ", "容量", "gp2", "gp3"], sizes))
}

/// Databases named without a class (`RDS PostgreSQL`, `MySQL`).
fn read_databases(
    text: &str,
    parts: &[(usize, &str)],
    parsed: &mut Parsed,
    sizes: &mut Vec<usize>,
) {
    let has_class =
        parsed.resources.iter().any(|asked| matches!(asked.resource, Resource::Rds { .. }));
    let engine = engine_in(text);
    let named = engine.is_some()
        || has(text, "rds")
        || has(text, "db")
        || text.contains("データベース")
        || has(text, "database");
    let unpriced_engine = any(text, &["oracle", "sql server", "sqlserver"]);
    if has_class || !named || (engine.is_none() && unpriced_engine) {
        return;
    }
    let at = ["rds", "mysql", "postgres", "mariadb", "aurora", "database", "データベース", "db"]
        .iter()
        .filter_map(|word| text.find(word))
        .min()
        .unwrap_or(0);
    let (clause_start, clause) = clause_at(parts, at);
    parsed.resources.push(Asked {
        resource: Resource::Rds {
            engine: engine.unwrap_or("mysql"),
            class: None,
            count: 1,
            multi_az: multi_az(text),
            storage_gb: size_in((clause_start, clause), DATABASE_WORDS, sizes)
                .or_else(|| parts.iter().find_map(|part| size_in(*part, DATABASE_WORDS, sizes)))
                .or_else(|| database_storage(text, parts, sizes)),
        },
        written: clause.trim().to_owned(),
    });
}

/// Words that may stand between an amount and what it counts (`10 million Lambda
/// invocations`, `3 million SQS messages`).
const COUNTED_FILLER: &[&str] = &[
    "lambda",
    "api",
    "http",
    "rest",
    "function",
    "functions",
    "gateway",
    "sqs",
    "sns",
    "queue",
    "cloudwatch",
    "dynamodb",
    "read",
    "write",
    "page",
    "の",
    "件の",
];

/// An amount a month written before one of `words` (`1万リクエスト/日` → 304,167,
/// `2 million requests a month`, `50 million reads`), per day or per second turned into a
/// month of 730 hours.
fn monthly_amount(text: &str, words: &[&str]) -> Option<Decimal> {
    for (start, _) in text.char_indices() {
        let Some((length, amount)) = amount_at_start(&text[start..]) else { continue };
        if start > 0 && text[..start].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            continue;
        }
        let rest = skip_leading(text[start + length..].trim_start(), COUNTED_FILLER);
        let Some(word) = words.iter().find(|word| rest.starts_with(*word)) else { continue };
        let after: String = rest[word.len()..].chars().take(14).collect();
        let before: String =
            text[..start].chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
        let near = |markers: &[&str]| {
            markers.iter().any(|marker| after.contains(marker) || before.contains(marker))
        };
        let per_day =
            near(&["/day", "/日", "per day", "a day", "each day", "日に", "毎日", "1日", "daily"]);
        let per_second = near(&["/s", "per second", "a second", "毎秒", "/秒", "rps"]);
        let days = Decimal::from(730) / Decimal::from(24);
        return Some(if per_second {
            amount * Decimal::from(730 * 3600)
        } else if per_day {
            (amount * days).round_dp(0)
        } else {
            amount
        });
    }
    None
}

/// Requests a month written in `text`.
fn requests_in(text: &str) -> Option<Decimal> {
    monthly_amount(
        text,
        &[
            "requests",
            "times",
            "request",
            "リクエスト",
            "calls",
            "invocations",
            "回",
            "アクセス",
            "pv",
            "views",
        ],
    )
}

/// Services named by keyword.
fn read_services(text: &str, parts: &[(usize, &str)], parsed: &mut Parsed, sizes: &mut Vec<usize>) {
    let push = |parsed: &mut Parsed, resource, words: &[&str]| {
        parsed.resources.push(Asked { resource, written: written_near(text, parts, words) });
    };
    let has_servers =
        parsed.resources.iter().any(|asked| matches!(asked.resource, Resource::Ec2 { .. }));
    if !has_servers {
        let server_words = ["servers", "server", "instances", "instance", "vms", "vm", "ec2"];
        let japanese = ["サーバー", "サーバ", "インスタンス", "仮想マシン"];
        let at = server_words
            .iter()
            .filter_map(|word| {
                text.match_indices(word)
                    .find(|(i, _)| region::stands_alone(text, *i, i + word.len()))
                    .map(|(i, _)| i)
            })
            .chain(japanese.iter().filter_map(|word| text.find(word)))
            .min();
        let serverless = text.contains("serverless")
            || text.contains("サーバーレス")
            || text.contains("サーバレス");
        if let Some(at) = at.filter(|_| !serverless) {
            let (start, clause) = clause_at(parts, at);
            let count = count_around(clause, at - start, at - start);
            push(
                parsed,
                Resource::Server { count: count.unwrap_or(1) },
                &["server", "instance", "ec2", "サーバ", "インスタンス"],
            );
        }
    }
    let network_balancer =
        any(text, &["nlb", "network load balancer"]) || text.contains("ネットワークロードバランサ");
    if any(
        text,
        &[
            "alb",
            "application load balancer",
            "load balancer",
            "elb",
            "load balanced",
            "load-balanced",
        ],
    ) || text.contains("ロードバランサ")
    {
        push(
            parsed,
            Resource::LoadBalancer { network: false },
            &["alb", "load balancer", "elb", "ロードバランサ"],
        );
    }
    if network_balancer {
        parsed.resources.retain(|asked| {
            asked.resource != Resource::LoadBalancer { network: false }
                || any(text, &["alb", "application load balancer"])
        });
        push(parsed, Resource::LoadBalancer { network: true }, &["nlb", "network load balancer"]);
    }
    if any(text, &["nat", "nat gateway", "nat gw"])
        || text.contains("natゲートウェイ")
        || text.contains("nat ゲートウェイ")
    {
        let at = text.find("nat").unwrap_or(0);
        let data_gb =
            size_in(clause_at(parts, at), &["nat", "data", "データ", "processing", "処理"], sizes)
                .or_else(|| {
                    parts.iter().find_map(|part| {
                        size_in(*part, &["processing", "processed", "処理"], sizes)
                    })
                });
        push(parsed, Resource::NatGateway { data_gb }, &["nat"]);
    }
    let has_servers = parsed
        .resources
        .iter()
        .any(|asked| matches!(asked.resource, Resource::Ec2 { .. } | Resource::Server { .. }));
    let static_site =
        any(text, &["static", "html", "website", "web site", "homepage", "landing page"])
            || ["静的", "ホームページ", "webサイト", "web サイト", "ウェブサイト", "サイト"]
                .iter()
                .any(|word| text.contains(word));
    let shop = any(text, &["e-commerce", "ecommerce", "online shop", "online store", "web shop"])
        || ["ecサイト", "ec サイト", "通販", "ネットショップ", "ショッピングサイト"]
            .iter()
            .any(|word| text.contains(word));
    if shop && !has_servers {
        parsed.unpriced.push(Unpriced {
            asked: written_near(text, parts, &["e-commerce", "ecommerce", "shop", "store", "ec", "通販", "ショップ"]),
            english: "an online shop needs servers, a database and more, and none is named: say what it runs on (\"2 t3.medium behind an ALB with RDS MySQL\")".into(),
            japanese: "EC サイトにはサーバーやデータベースが必要ですが、構成の指定がありません(例:「ALB の後ろに t3.medium を2台、RDS MySQL」)".into(),
        });
    }
    if static_site && !has_servers && !shop {
        push(
            parsed,
            Resource::StaticSite,
            &["static", "html", "website", "静的", "サイト", "ホームページ"],
        );
    }
    let dynamo = any(text, &["dynamodb", "dynamo db", "dynamo"]);
    let dynamo_gb = dynamo
        .then(|| {
            parts.iter().find_map(|part| {
                size_in(*part, &["dynamodb", "dynamo", "stored", "table", "テーブル"], sizes)
            })
        })
        .flatten();
    let alarms =
        has(text, "cloudwatch") && (any(text, &["alarm", "alarms"]) || text.contains("アラーム"));
    let logs = (has(text, "cloudwatch")
        && (!alarms || any(text, &["log", "logs", "logging"]) || text.contains("ログ")))
        || (text.contains("ログ") && text.contains("監視"))
        || any(text, &["logs", "logging"]) && any(text, &["monitor", "monitoring"]);
    let logs_gb = logs
        .then(|| {
            parts.iter().find_map(|part| {
                size_in(*part, &["log", "logs", "logging", "ログ", "cloudwatch"], sizes)
            })
        })
        .flatten();
    for part in parts {
        if let Some(gigabytes) = size_in(*part, TRANSFER_WORDS, sizes) {
            push(parsed, Resource::DataTransfer { gigabytes }, TRANSFER_WORDS);
        }
    }
    for part in parts {
        if let Some(gigabytes) = size_in(*part, &["cloudfront", "cdn"], sizes) {
            push(parsed, Resource::Cdn { gigabytes }, &["cloudfront", "cdn"]);
        }
    }
    for part in parts {
        if let Some(gigabytes) = size_in(*part, VOLUME_WORDS, sizes) {
            let volume = ["gp2", "io1", "io2", "st1", "sc1"]
                .iter()
                .find(|v| has(part.1, v))
                .copied()
                .unwrap_or("gp3");
            push(parsed, Resource::Ebs { volume: volume.to_owned(), gigabytes }, VOLUME_WORDS);
        }
    }
    for part in parts {
        if let Some(gigabytes) = size_in(*part, STORAGE_WORDS, sizes) {
            push(parsed, Resource::S3 { gigabytes, class: storage_class(part.1) }, STORAGE_WORDS);
        }
    }
    attach_volume(parsed);
    let serverless =
        has(text, "serverless") || text.contains("サーバーレス") || text.contains("サーバレス");
    let requests = requests_in(text);
    if has(text, "lambda") || text.contains("ラムダ") || serverless {
        let (memory_mb, seconds) = lambda_size(text);
        push(
            parsed,
            Resource::Lambda { requests, memory_mb, seconds },
            &["lambda", "serverless", "サーバーレス"],
        );
    }
    if any(text, &["api gateway", "apigateway", "api-gateway", "api gw"]) || serverless {
        let rest = has(text, "rest");
        push(
            parsed,
            Resource::ApiGateway { requests, rest },
            &["api", "serverless", "サーバーレス"],
        );
    }
    if dynamo || serverless {
        let reads = monthly_amount(text, &["reads", "read requests", "読み込み", "読み取り"]);
        let writes = monthly_amount(text, &["writes", "write requests", "書き込み"]);
        push(
            parsed,
            Resource::DynamoDb { reads, writes, storage_gb: dynamo_gb },
            &["dynamo", "serverless", "サーバーレス"],
        );
    }
    if logs {
        push(
            parsed,
            Resource::CloudWatchLogs { gigabytes: logs_gb },
            &["cloudwatch", "ログ", "logs"],
        );
    }
    if alarms {
        let count = monthly_amount(text, &["alarms", "alarm", "アラーム"]).unwrap_or(Decimal::ONE);
        push(parsed, Resource::CloudWatchAlarms { count }, &["alarm", "アラーム"]);
    }
    let has_cache =
        parsed.resources.iter().any(|asked| matches!(asked.resource, Resource::Cache { .. }));
    if !has_cache
        && (any(text, &["elasticache", "redis", "valkey", "memcached"])
            || text.contains("キャッシュ"))
    {
        push(
            parsed,
            Resource::Cache { class: None, nodes: 1 },
            &["elasticache", "redis", "valkey", "memcached", "キャッシュ"],
        );
    }
    if has(text, "sqs") || any(text, &["queue", "queues"]) || text.contains("キュー") {
        let messages = monthly_amount(text, &["messages", "message", "メッセージ"]);
        push(parsed, Resource::Queue { messages }, &["sqs", "queue", "キュー"]);
    }
    if has(text, "sns") || any(text, &["notification", "notifications"]) || text.contains("通知")
    {
        push(parsed, Resource::Notifications, &["sns", "notification", "通知"]);
    }
}

/// The S3 storage class a clause names (the catalog's resource), Standard when none.
fn storage_class(clause: &str) -> &'static str {
    if clause.contains("deep archive") || clause.contains("deep-archive") {
        "deep-archive-storage"
    } else if clause.contains("glacier instant") {
        "glacier-instant-storage"
    } else if clause.contains("glacier") || clause.contains("グレイシャー") {
        "glacier-flexible-storage"
    } else if clause.contains("one zone") || clause.contains("onezone") {
        "onezone-ia-storage"
    } else if clause.contains("infrequent")
        || clause.contains("standard-ia")
        || clause.contains("standard ia")
    {
        "standard-ia-storage"
    } else if clause.contains("intelligent") {
        "intelligent-tiering-storage"
    } else {
        "standard-storage"
    }
}

/// The clause holding the first of `words`, as written (normalised).
fn written_near(text: &str, parts: &[(usize, &str)], words: &[&str]) -> String {
    let at = words.iter().filter_map(|word| text.find(word)).min().unwrap_or(0);
    clause_at(parts, at).1.trim().to_owned()
}

/// An EBS size given apart from the only EC2 type named (`1 x t3.micro, …, 30 GB gp3
/// storage`) is that instance's volume.
fn attach_volume(parsed: &mut Parsed) {
    let ec2: Vec<usize> = parsed
        .resources
        .iter()
        .enumerate()
        .filter(|(_, asked)| {
            matches!(asked.resource, Resource::Ec2 { volume_gb: None, count: 1, .. })
        })
        .map(|(index, _)| index)
        .collect();
    let volumes: Vec<usize> = parsed
        .resources
        .iter()
        .enumerate()
        .filter(
            |(_, asked)| matches!(&asked.resource, Resource::Ebs { volume, .. } if volume == "gp3"),
        )
        .map(|(index, _)| index)
        .collect();
    if let ([instance], [volume]) = (ec2.as_slice(), volumes.as_slice())
        && let Resource::Ebs { gigabytes, .. } = parsed.resources[*volume].resource.clone()
        && let Resource::Ec2 { volume_gb, .. } = &mut parsed.resources[*instance].resource
    {
        *volume_gb = Some(gigabytes);
        parsed.resources.remove(*volume);
    }
}

/// A Lambda function's memory (MB) and duration (seconds), when the text gives them.
fn lambda_size(text: &str) -> (Option<Decimal>, Option<Decimal>) {
    let memory =
        LAMBDA_MEMORY.as_ref().and_then(|regex| regex.captures(text)).and_then(|capture| {
            let amount: Decimal = capture[1].parse().ok()?;
            Some(if capture[2].starts_with('g') { amount * Decimal::from(1024) } else { amount })
        });
    let duration =
        LAMBDA_DURATION.as_ref().and_then(|regex| regex.captures(text)).and_then(|capture| {
            let amount: Decimal = capture[1].parse().ok()?;
            Some(if &capture[2] == "ms" || &capture[2] == "ミリ秒" {
                amount / Decimal::from(1000)
            } else {
                amount
            })
        });
    (memory, duration)
}

/// What is named but has no price: services outside the catalog and pricing models it lacks.
fn read_unpriced(text: &str, parsed: &mut Parsed) {
    let priced = |parsed: &Parsed, wanted: fn(&Resource) -> bool| {
        parsed.resources.iter().any(|asked| wanted(&asked.resource))
    };
    if has(text, "s3")
        && !priced(parsed, |r| matches!(r, Resource::S3 { .. } | Resource::StaticSite))
    {
        parsed.unpriced.push(Unpriced {
            asked: "S3".into(),
            english: "S3 is named without a size: say how much it stores (\"50 GB of S3\")".into(),
            japanese: "S3 の容量の指定がありません(例:「S3 に 50GB」)".into(),
        });
    }
    if any(text, &["cloudfront", "cdn"])
        && !priced(parsed, |r| matches!(r, Resource::Cdn { .. } | Resource::StaticSite))
    {
        parsed.unpriced.push(Unpriced {
            asked: "CloudFront".into(),
            english: "CloudFront is named without the data it serves: say how much (\"CloudFront for 100 GB a month\")".into(),
            japanese: "CloudFront の配信量の指定がありません(例:「CloudFront で月 100GB」)".into(),
        });
    }
    if any(text, &["route 53", "route53"]) && !priced(parsed, |r| matches!(r, Resource::StaticSite))
    {
        parsed.unpriced.push(Unpriced {
            asked: "Route 53".into(),
            english: "Route 53 on its own (hosted zones, queries, health checks) is not estimated offline; only a static website's hosted zone is".into(),
            japanese: "Route 53 単体(ホストゾーン、クエリ、ヘルスチェック)はオフラインでは見積もれません。静的サイトのホストゾーンのみ対応しています".into(),
        });
    }
    if any(text, &["bedrock", "ベッドロック"]) {
        parsed.unpriced.push(Unpriced {
            asked: "Bedrock".into(),
            english: "Bedrock is priced by the model and the tokens it reads and writes, and a description does not say how many: not estimated offline".into(),
            japanese: "Bedrock はモデルと入出力トークン数で課金されますが、説明からはトークン数がわからないため、オフラインでは見積もれません".into(),
        });
    }
    for (word, name) in NOT_IN_CATALOG {
        if has(text, word) && !parsed.unpriced.iter().any(|unpriced| unpriced.asked == *name) {
            parsed.unpriced.push(Unpriced {
                asked: (*name).to_owned(),
                english: format!("{name} is not in the offline catalog"),
                japanese: format!("{name} はオフラインのカタログにありません"),
            });
        }
    }
    let models: [(&[&str], &[&str], &str, &str); 3] = [
        (
            &["reserved", "reserved instances", "ri"],
            &["リザーブド", "予約インスタンス"],
            "Reserved Instances",
            "リザーブドインスタンス",
        ),
        (
            &["savings plan", "savings plans"],
            &["セービングスプラン", "savings plan"],
            "Savings Plans",
            "Savings Plans",
        ),
        (&["spot"], &["スポット"], "Spot Instances", "スポットインスタンス"),
    ];
    for (english_words, japanese_words, english, japanese) in models {
        if any(text, english_words) || japanese_words.iter().any(|word| text.contains(word)) {
            parsed.unpriced.push(Unpriced {
                asked: english.to_owned(),
                english: format!(
                    "{english} prices are not in the catalog: every line is priced on-demand"
                ),
                japanese: format!(
                    "{japanese}の価格はカタログにないため、すべてオンデマンド料金で計算しています"
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RegionRead, Resource, parse};

    fn ec2(parsed: &super::Parsed) -> Vec<(String, u32)> {
        parsed
            .resources
            .iter()
            .filter_map(|asked| match &asked.resource {
                Resource::Ec2 { instance_type, count, .. } => Some((instance_type.clone(), *count)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn counts_are_read_once_in_every_phrasing() {
        for (text, kind, count) in [
            ("One EC2 t3.micro instance running 24/7", "t3.micro", 1),
            (
                "A web application with an ALB, 2 EC2 t3.medium instances and RDS MySQL",
                "t3.medium",
                2,
            ),
            ("three servers: 3 x t3.medium", "t3.medium", 3),
            ("t3.medium ×2", "t3.medium", 2),
            ("t3.micro ×3", "t3.micro", 3),
            ("EC2 の t3.medium を2台", "t3.medium", 2),
            ("東京リージョンでt3.smallを1台、24時間稼働させたい", "t3.small", 1),
            ("3台のt3.micro", "t3.micro", 3),
            ("2 instances of m5.large", "m5.large", 2),
            ("a pair of c5.large", "c5.large", 2),
            ("c5.large x 3 in Osaka", "c5.large", 3),
            ("ｔ３．ｓｍａｌｌを２台", "t3.small", 2),
            ("t3.microを三台", "t3.micro", 3),
            ("an m7i.xlarge instance", "m7i.xlarge", 1),
            ("t3.micro1台とAmazon MQ", "t3.micro", 1),
            ("m5.24xlarge2台", "m5.24xlarge", 2),
            ("ｍ５．ｌａｒｇｅ３つ", "m5.large", 3),
        ] {
            let parsed = parse(text);
            assert_eq!(ec2(&parsed), [(kind.to_owned(), count)], "{text}: {:?}", parsed.resources);
        }
    }

    #[test]
    fn regions_as_written() {
        let region = |text: &str| parse(text).region;
        assert!(matches!(
            region("2 t3.medium in Frankfurt"),
            RegionRead::Named { code: "eu-central-1", .. }
        ));
        assert!(matches!(
            region("東京でt3.small"),
            RegionRead::Named { code: "ap-northeast-1", .. }
        ));
        assert!(matches!(region("t3.small in eu-central-9"), RegionRead::Unknown { .. }));
        assert!(matches!(
            region("t3.small in Frankfort"),
            RegionRead::Named { code: "eu-central-1", .. }
        ));
        assert!(matches!(region("火星リージョンでt3.small"), RegionRead::Unknown { .. }));
        assert!(matches!(region("Tokyo or Osaka"), RegionRead::Several { .. }));
        assert_eq!(region("2 t3.micro"), RegionRead::Unnamed);
    }

    #[test]
    fn databases_with_and_without_a_class() {
        let parsed = parse("RDS PostgreSQL db.m5.large in us-east-1");
        assert_eq!(
            parsed.resources[0].resource,
            Resource::Rds {
                engine: "postgresql",
                class: Some("db.m5.large".into()),
                count: 1,
                multi_az: false,
                storage_gb: None
            }
        );
        let parsed = parse("MySQL マルチAZ、ストレージ100GB");
        assert!(
            matches!(
                &parsed.resources[0].resource,
                Resource::Rds { engine: "mysql", class: None, multi_az: true, .. }
            ),
            "{:?}",
            parsed.resources
        );
    }

    #[test]
    fn schedules_sizes_and_requests() {
        let parsed = parse("平日9時〜18時だけ t3.medium を動かす");
        let schedule = parsed.schedule.expect("schedule");
        assert_eq!(schedule.hours.to_string(), "195.54");
        let parsed = parse("500GB of S3 and 0.5TB EBS gp2");
        assert!(
            parsed.resources.iter().any(|asked| asked.resource
                == Resource::S3 {
                    gigabytes: "500".parse().expect("d"),
                    class: "standard-storage"
                }),
            "{:?}",
            parsed.resources
        );
        let parsed = parse("サーバーレスで1日1万リクエスト");
        assert!(parsed.resources.iter().any(|asked| matches!(&asked.resource, Resource::Lambda { requests: Some(r), .. } if r.to_string() == "304167")), "{:?}", parsed.resources);
    }

    #[test]
    fn typos_are_read_and_said() {
        let parsed = parse("a lamda function and dynamdb");
        assert!(
            parsed.resources.iter().any(|asked| matches!(asked.resource, Resource::Lambda { .. }))
        );
        assert!(
            parsed.read_as.contains(&("lamda".into(), "lambda".into())),
            "{:?}",
            parsed.read_as
        );
    }

    #[test]
    fn pricing_models_and_services_outside_the_catalog_are_named() {
        let parsed = parse("EKS with 3 m5.large reserved instances");
        let asked: Vec<&str> =
            parsed.unpriced.iter().map(|unpriced| unpriced.asked.as_str()).collect();
        assert_eq!(asked, ["EKS", "Reserved Instances"]);
    }
}
