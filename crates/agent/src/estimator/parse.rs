//! The offline parser: common ways of describing an architecture, in English and Japanese,
//! turned into resources and quantities. It says what it assumed and what it did not price.

use std::sync::LazyLock;

use regex::Regex;

/// A resource the description asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resource {
    /// EC2 instances of one type.
    Ec2 { instance_type: String, count: u32 },
    /// A managed database.
    Rds { engine: &'static str, class: String, multi_az: bool },
    /// An Application or Network Load Balancer.
    LoadBalancer { network: bool },
    /// A NAT gateway.
    NatGateway,
    /// A static website: S3 behind CloudFront with a Route 53 zone.
    StaticSite,
    /// S3 storage of a given size.
    S3 { gigabytes: f64 },
    /// A Lambda function.
    Lambda,
    /// An API Gateway HTTP API.
    ApiGateway,
    /// A DynamoDB table, on-demand.
    DynamoDb,
    /// CloudWatch Logs.
    CloudWatchLogs,
    /// ElastiCache nodes of one class (Redis OSS).
    Cache { class: String, nodes: u32 },
    /// An SQS standard queue.
    Queue,
    /// An SNS topic.
    Notifications,
}

/// What the parser understood.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Parsed {
    pub(crate) region: Option<String>,
    pub(crate) resources: Vec<Resource>,
    /// Named things it has no price for (`Aurora`, `SQS`…).
    pub(crate) unrecognized: Vec<String>,
    /// Whether the user asked for the cheapest option.
    pub(crate) wants_cheapest: bool,
}

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new($re).ok());
    };
}

pattern!(
    EC2,
    r"(?i)(?:(\d+)\s*(?:x|×|台の|つの)?\s*(?:ec2\s*)?(?:instances?\s*(?:of\s*)?)?)?\b((?:t3|t4g|m5|m6i|m7g|c5|r5)\.(?:nano|micro|small|medium|large|xlarge|2xlarge))\b(?:\s*(?:instances?|インスタンス)?\s*(?:x|×|を|が)?\s*(\d+)\s*(?:台|つ)?)?"
);
pattern!(MANAGED_CLASS, r"(?:db|cache)\.[a-z0-9]+\.[a-z0-9]+");
pattern!(REGION_CODE, r"\b(us-east-1|ap-northeast-1)\b");
pattern!(RDS_CLASS, r"(?i)\b(db\.t3\.(?:micro|small|medium))\b");
pattern!(
    S3_SIZE,
    r"(?i)(\d+(?:\.\d+)?)\s*(GB|TB)\s*(?:(?:of|in|on)\s+)?(?:s3|ストレージ|storage)|(?:s3|ストレージ)[^\d]{0,12}(\d+(?:\.\d+)?)\s*(GB|TB)"
);
pattern!(
    CACHE_CLASS,
    r"(?i)(?:(\d+)\s*(?:x|×|台の|つの|nodes? of)?\s*)?\b(cache\.(?:t3|t4g|m6g|r6g)\.(?:micro|small|medium|large))\b"
);
pattern!(CHEAP, r"(?i)cheap|low[- ]cost|inexpensive|なるべく安|できるだけ安|安く|格安|低コスト");

/// Services people name that the bundled catalog does not price.
const UNPRICED: &[(&str, &str)] = &[
    ("aurora", "Aurora"),
    ("eks", "EKS"),
    ("ecs", "ECS"),
    ("fargate", "Fargate"),
    ("opensearch", "OpenSearch"),
    ("waf", "WAF"),
];

fn found(pattern: &LazyLock<Option<Regex>>, text: &str) -> bool {
    pattern.as_ref().is_some_and(|regex| regex.is_match(text))
}

/// Whether `word` stands alone in `text` (`sqs`, not `sqsx`).
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|token| token == word)
}

/// Parses a description.
pub(crate) fn parse(description: &str) -> Parsed {
    let lower = description.to_lowercase();
    let mut parsed = Parsed { wants_cheapest: found(&CHEAP, description), ..Parsed::default() };
    parsed.region = REGION_CODE
        .as_ref()
        .and_then(|regex| regex.find(&lower))
        .map(|code| code.as_str().to_owned())
        .or_else(|| {
            [
                ("tokyo", "ap-northeast-1"),
                ("東京", "ap-northeast-1"),
                ("virginia", "us-east-1"),
                ("バージニア", "us-east-1"),
            ]
            .iter()
            .find(|(name, _)| lower.contains(name))
            .map(|(_, code)| (*code).to_owned())
        });

    // Database and cache classes (db.t3.medium, cache.t3.small) contain instance types;
    // they are not servers.
    let servers_only = MANAGED_CLASS
        .as_ref()
        .map_or_else(|| lower.clone(), |regex| regex.replace_all(&lower, " ").into_owned());
    if let Some(regex) = EC2.as_ref() {
        for capture in regex.captures_iter(&servers_only) {
            let count = capture
                .get(1)
                .or_else(|| capture.get(3))
                .and_then(|number| number.as_str().parse().ok())
                .unwrap_or(1);
            parsed.resources.push(Resource::Ec2 { instance_type: capture[2].to_owned(), count });
        }
    }
    let engine = if lower.contains("postgres") {
        Some("postgresql")
    } else if lower.contains("mysql") || lower.contains("rds") {
        Some("mysql")
    } else {
        None
    };
    if let Some(engine) = engine {
        let class = RDS_CLASS
            .as_ref()
            .and_then(|regex| regex.captures(&lower))
            .map_or_else(|| "db.t3.micro".to_owned(), |capture| capture[1].to_owned());
        let multi_az = lower.contains("multi-az") || lower.contains("マルチaz");
        parsed.resources.push(Resource::Rds { engine, class, multi_az });
    }
    if lower.contains("alb")
        || lower.contains("application load balancer")
        || lower.contains("ロードバランサー")
    {
        parsed.resources.push(Resource::LoadBalancer { network: false });
    }
    if lower.contains("nlb") || lower.contains("network load balancer") {
        parsed.resources.push(Resource::LoadBalancer { network: true });
    }
    if lower.contains("nat") {
        parsed.resources.push(Resource::NatGateway);
    }
    let static_site = ["static", "静的", "html", "ホームページ", "webサイト", "website", "サイト"]
        .iter()
        .any(|word| lower.contains(word));
    let has_servers =
        parsed.resources.iter().any(|resource| matches!(resource, Resource::Ec2 { .. }));
    if static_site && !has_servers {
        parsed.resources.push(Resource::StaticSite);
    }
    if let Some(capture) = S3_SIZE.as_ref().and_then(|regex| regex.captures(description)) {
        let (number, unit) = match (capture.get(1), capture.get(2)) {
            (Some(number), Some(unit)) => (number.as_str(), unit.as_str()),
            _ => (
                capture.get(3).map_or("0", |m| m.as_str()),
                capture.get(4).map_or("GB", |m| m.as_str()),
            ),
        };
        let size: f64 = number.parse().unwrap_or(0.0);
        let gigabytes = if unit.eq_ignore_ascii_case("tb") { size * 1024.0 } else { size };
        if gigabytes > 0.0 {
            parsed.resources.push(Resource::S3 { gigabytes });
        }
    }
    // "Serverless" is the usual trio unless the parts are named.
    let serverless = lower.contains("serverless") || lower.contains("サーバーレス");
    if lower.contains("lambda") || serverless {
        parsed.resources.push(Resource::Lambda);
    }
    if lower.contains("api gateway")
        || lower.contains("apigateway")
        || lower.contains("api-gateway")
        || serverless
    {
        parsed.resources.push(Resource::ApiGateway);
    }
    if lower.contains("dynamodb") || lower.contains("dynamo db") || serverless {
        parsed.resources.push(Resource::DynamoDb);
    }
    if lower.contains("cloudwatch") || (lower.contains("ログ") && lower.contains("監視")) {
        parsed.resources.push(Resource::CloudWatchLogs);
    }
    let cache_class = CACHE_CLASS.as_ref().and_then(|regex| regex.captures(&lower));
    if let Some(capture) = cache_class {
        let nodes = capture.get(1).and_then(|count| count.as_str().parse().ok()).unwrap_or(1);
        parsed.resources.push(Resource::Cache { class: capture[2].to_owned(), nodes });
    } else if ["elasticache", "redis", "valkey", "キャッシュ"]
        .iter()
        .any(|word| lower.contains(word))
    {
        parsed.resources.push(Resource::Cache { class: "cache.t4g.micro".into(), nodes: 1 });
    }
    if has_word(&lower, "sqs") || lower.contains("queue") || lower.contains("キュー") {
        parsed.resources.push(Resource::Queue);
    }
    if has_word(&lower, "sns") || lower.contains("通知") || lower.contains("notification") {
        parsed.resources.push(Resource::Notifications);
    }
    for (word, name) in UNPRICED {
        if has_word(&lower, word) && !parsed.unrecognized.contains(&(*name).to_owned()) {
            parsed.unrecognized.push((*name).to_owned());
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::{Resource, parse};

    #[test]
    fn counts_and_types_of_instances_in_several_phrasings() {
        for (text, count) in [
            ("A web application with an ALB, 2 EC2 t3.medium instances and RDS MySQL", 2),
            ("three servers: 3 x t3.medium", 3),
            ("t3.medium ×2", 2),
            ("EC2 の t3.medium を2台", 2),
            ("one t3.medium", 1),
        ] {
            let parsed = parse(text);
            assert_eq!(
                parsed.resources.first(),
                Some(&Resource::Ec2 { instance_type: "t3.medium".into(), count }),
                "{text}"
            );
        }
    }

    #[test]
    fn the_bakery_is_a_cheap_static_site_in_tokyo_when_it_says_so() {
        let parsed = parse("パン屋のWebサイトをHTMLでなるべく安く作りたい");
        assert_eq!(parsed.resources, [Resource::StaticSite]);
        assert!(parsed.wants_cheapest);
        assert_eq!(parse("東京リージョンで静的サイト").region.as_deref(), Some("ap-northeast-1"));
    }

    #[test]
    fn serverless_means_lambda_api_gateway_and_dynamodb() {
        assert_eq!(
            parse("a serverless API").resources,
            [Resource::Lambda, Resource::ApiGateway, Resource::DynamoDb]
        );
        assert_eq!(
            parse("API Gateway in front of DynamoDB").resources,
            [Resource::ApiGateway, Resource::DynamoDb]
        );
        assert_eq!(parse("サーバーレスで作りたい").resources.len(), 3);
    }

    #[test]
    fn caches_queues_and_topics() {
        let parsed = parse("2 cache.t3.small nodes, an SQS queue and SNS in ap-northeast-1");
        assert!(
            parsed
                .resources
                .contains(&Resource::Cache { class: "cache.t3.small".into(), nodes: 2 })
        );
        assert!(parsed.resources.contains(&Resource::Queue));
        assert!(parsed.resources.contains(&Resource::Notifications));
        let japanese = parse("Redis のキャッシュとキューを使いたい");
        assert!(
            japanese
                .resources
                .contains(&Resource::Cache { class: "cache.t4g.micro".into(), nodes: 1 })
        );
        assert!(japanese.resources.contains(&Resource::Queue));
    }

    #[test]
    fn databases_balancers_and_unpriced_services() {
        let parsed = parse(
            "ALB, 2 t3.small, RDS PostgreSQL db.t3.medium Multi-AZ, SQS and Aurora in us-east-1",
        );
        assert!(parsed.resources.contains(&Resource::Rds {
            engine: "postgresql",
            class: "db.t3.medium".into(),
            multi_az: true
        }));
        assert!(parsed.resources.contains(&Resource::LoadBalancer { network: false }));
        assert!(parsed.resources.contains(&Resource::Queue));
        assert_eq!(parsed.unrecognized, ["Aurora"]);
        assert_eq!(parsed.region.as_deref(), Some("us-east-1"));
    }
}
