//! From Price List products to the catalog's keys (`FORMAT.md`): one table of rules per offer
//! code, and the small engine that matches a product against them.
//!
//! A rule names the product family and the attribute values a product must have, the catalog
//! services it feeds (one RDS storage product prices MySQL, PostgreSQL and MariaDB alike), the
//! resource (fixed, or read from an attribute), the AWS units it accepts with the catalog unit
//! they become, and a note. A product no rule matches is skipped and counted; so is a price in
//! a unit a rule does not list, so a unit AWS renames is a missing price, never a wrong one.
//!
//! Where the attribute values come from: EC2 instances and EBS volumes are checked against
//! excerpts of real offer files; the others follow the attribute filters cost tools such as
//! Infracost use against the same Price List, except S3's storage classes and data transfer
//! out, which follow AWS's usage type names. None has been checked against a live file from
//! this machine (it cannot reach AWS): `counts` in the report shows what a rule missed.

use std::collections::HashMap;

use serde::Deserialize;

/// A product as the offer file lists it (only what the rules read).
#[derive(Debug, Deserialize)]
pub(crate) struct Product {
    /// The SKU, also the product's key in `products`.
    pub(crate) sku: String,
    /// `Compute Instance`, `Storage`, `Database Instance`…; absent for a few products.
    #[serde(rename = "productFamily", default)]
    pub(crate) family: String,
    /// Everything else AWS says about it, as strings.
    #[serde(default)]
    pub(crate) attributes: HashMap<String, String>,
}

/// Where one product's price goes in the catalog.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) service: &'static str,
    pub(crate) resource: String,
    pub(crate) region: String,
    pub(crate) rule: &'static Rule,
}

/// One line of a mapping table.
#[derive(Debug)]
pub(crate) struct Rule {
    family: &'static str,
    when: &'static [Cond],
    services: &'static [&'static str],
    resource: Resource,
    region: RegionFrom,
    /// The AWS units the price may be quoted in, the catalog unit, and how many AWS units
    /// make one catalog unit (a request priced at 0.0000002 is 0.2 per 1000000 requests).
    pub(crate) aws_units: &'static [&'static str],
    pub(crate) unit: &'static str,
    pub(crate) per: u32,
    pub(crate) note: &'static str,
}

/// A condition on a product's attributes. An absent attribute fails every condition but
/// [`Cond::Lacks`].
#[derive(Debug)]
enum Cond {
    /// The attribute has exactly this value.
    Is(&'static str, &'static str),
    /// The attribute has one of these values.
    OneOf(&'static str, &'static [&'static str]),
    /// `usagetype`, without its region prefix (`USE2-`, `APN1-`, `EU-`), is exactly this.
    Usage(&'static str),
    /// `usagetype`, without its region prefix, starts with this.
    UsageStarts(&'static str),
    /// The attribute does not contain this text (or is absent).
    Lacks(&'static str, &'static str),
}

#[derive(Debug)]
enum Resource {
    Fixed(&'static str),
    Attribute(&'static str),
}

#[derive(Debug)]
enum RegionFrom {
    /// `regionCode`, or the region the file is for.
    Code,
    /// `fromRegionCode` (data transfer out of a region).
    FromCode,
}

use Cond::{Is, Lacks, OneOf, Usage, UsageStarts};

/// The offer codes with rules, each with the friendly names the CLI takes for it.
pub(crate) const OFFERS: &[(&str, &[&str])] = &[
    ("AmazonEC2", &["ec2", "ebs", "vpc", "nat-gateway"]),
    ("AmazonRDS", &["rds", "aurora"]),
    ("AmazonElastiCache", &["elasticache", "redis"]),
    ("AWSELB", &["elb", "alb", "nlb", "load-balancer"]),
    ("AmazonS3", &["s3"]),
    ("AWSLambda", &["lambda"]),
    ("AWSQueueService", &["sqs"]),
    ("AmazonDynamoDB", &["dynamodb"]),
    ("AWSDataTransfer", &["data-transfer", "datatransfer"]),
    ("AmazonApiGateway", &["api-gateway", "apigateway"]),
    ("AmazonSNS", &["sns"]),
    ("AmazonCloudWatch", &["cloudwatch"]),
];

/// The rules for `offer`, or `None` when AgentDesk has none for it.
pub(crate) fn rules_for(offer: &str) -> Option<&'static [Rule]> {
    Some(match offer {
        "AmazonEC2" => EC2,
        "AmazonRDS" => RDS,
        "AmazonElastiCache" => ELASTICACHE,
        "AWSELB" => ELB,
        "AmazonS3" => S3,
        "AWSLambda" => LAMBDA,
        "AWSQueueService" => SQS,
        "AmazonDynamoDB" => DYNAMODB,
        "AWSDataTransfer" => DATA_TRANSFER,
        "AmazonApiGateway" => API_GATEWAY,
        "AmazonSNS" => SNS,
        "AmazonCloudWatch" => CLOUDWATCH,
        _ => return None,
    })
}

/// Every catalog key `product` prices in `region` (the region the file is for). Empty when
/// no rule matches; products of other regions (Local Zones, Outposts) are left out.
pub(crate) fn targets(rules: &'static [Rule], product: &Product, region: &str) -> Vec<Target> {
    let mut found = Vec::new();
    for rule in rules.iter().filter(|rule| rule.matches(product)) {
        let Some(resource) = rule.resource(product) else { continue };
        let product_region = match rule.region {
            RegionFrom::Code => product.attributes.get("regionCode").map_or(region, String::as_str),
            RegionFrom::FromCode => {
                product.attributes.get("fromRegionCode").map_or("", String::as_str)
            }
        };
        if product_region != region {
            continue;
        }
        for service in rule.services {
            found.push(Target {
                service,
                resource: resource.clone(),
                region: region.to_owned(),
                rule,
            });
        }
    }
    found
}

impl Rule {
    fn matches(&self, product: &Product) -> bool {
        product.family == self.family && self.when.iter().all(|cond| cond.holds(product))
    }

    fn resource(&self, product: &Product) -> Option<String> {
        let resource = match self.resource {
            Resource::Fixed(resource) => resource,
            Resource::Attribute(name) => product.attributes.get(name)?.as_str(),
        };
        let usable = !resource.is_empty() && !resource.contains(char::is_whitespace);
        usable.then(|| resource.to_owned())
    }
}

impl Cond {
    fn holds(&self, product: &Product) -> bool {
        let attribute = |name: &str| product.attributes.get(name).map(String::as_str);
        match self {
            Is(name, value) => attribute(name) == Some(value),
            OneOf(name, values) => attribute(name).is_some_and(|found| values.contains(&found)),
            Usage(wanted) => attribute("usagetype").map(without_region_prefix) == Some(wanted),
            UsageStarts(wanted) => attribute("usagetype")
                .is_some_and(|usage| without_region_prefix(usage).starts_with(wanted)),
            Lacks(name, text) => attribute(name).is_none_or(|found| !found.contains(text)),
        }
    }
}

/// `usagetype` without the region prefix AWS puts on it outside us-east-1: two to four
/// capitals and a digit (`USE2-`, `APN1-`, `EUC1-`), or `EU-` (Ireland).
fn without_region_prefix(usage: &str) -> &str {
    let Some((prefix, rest)) = usage.split_once('-') else { return usage };
    let bytes = prefix.as_bytes();
    let coded = (3..=5).contains(&bytes.len())
        && bytes[..bytes.len() - 1].iter().all(u8::is_ascii_uppercase)
        && bytes[bytes.len() - 1].is_ascii_digit();
    if coded || prefix == "EU" { rest } else { usage }
}

const HOURS: &[&str] = &["Hrs", "Hours"];
const GB_MONTH: &[&str] = &["GB-Mo", "GB-month"];
const GB: &[&str] = &["GB"];
const REQUESTS: &[&str] = &["Requests", "Request"];

/// A rule with the defaults most rules share: region from `regionCode`, one AWS unit per
/// catalog unit.
const fn rule(
    family: &'static str,
    when: &'static [Cond],
    services: &'static [&'static str],
    resource: Resource,
    aws_units: &'static [&'static str],
    unit: &'static str,
    note: &'static str,
) -> Rule {
    Rule {
        family,
        when,
        services,
        resource,
        region: RegionFrom::Code,
        aws_units,
        unit,
        per: 1,
        note,
    }
}

/// The same, for prices AWS quotes per single request or unit and the catalog per `per`.
const fn per(rule: Rule, per: u32) -> Rule {
    Rule { per, ..rule }
}

const EC2_SHARED: &[Cond] = &[
    Is("operatingSystem", "Linux"),
    Is("operation", "RunInstances"),
    Is("tenancy", "Shared"),
    Is("preInstalledSw", "NA"),
    Is("capacitystatus", "Used"),
    Is("licenseModel", "No License required"),
    UsageStarts("BoxUsage:"),
];
const EC2_WINDOWS: &[Cond] = &[
    Is("operatingSystem", "Windows"),
    Is("operation", "RunInstances:0002"),
    Is("tenancy", "Shared"),
    Is("preInstalledSw", "NA"),
    Is("capacitystatus", "Used"),
    Is("licenseModel", "No License required"),
    UsageStarts("BoxUsage:"),
];

static EC2: &[Rule] = &[
    rule(
        "Compute Instance",
        EC2_SHARED,
        &["ec2"],
        Resource::Attribute("instanceType"),
        HOURS,
        "instance-hour",
        "Linux, shared tenancy",
    ),
    rule(
        "Compute Instance",
        EC2_WINDOWS,
        &["ec2-windows"],
        Resource::Attribute("instanceType"),
        HOURS,
        "instance-hour",
        "Windows (licence included), shared tenancy",
    ),
    rule(
        "Compute Instance (bare metal)",
        EC2_SHARED,
        &["ec2"],
        Resource::Attribute("instanceType"),
        HOURS,
        "instance-hour",
        "Linux, shared tenancy",
    ),
    rule(
        "Compute Instance (bare metal)",
        EC2_WINDOWS,
        &["ec2-windows"],
        Resource::Attribute("instanceType"),
        HOURS,
        "instance-hour",
        "Windows (licence included), shared tenancy",
    ),
    rule(
        "Storage",
        &[
            OneOf("volumeApiName", &["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"]),
            UsageStarts("EBS:VolumeUsage"),
        ],
        &["ebs"],
        Resource::Attribute("volumeApiName"),
        GB_MONTH,
        "GB-month",
        "storage",
    ),
    rule(
        "NAT Gateway",
        &[Usage("NatGateway-Hours")],
        &["vpc"],
        Resource::Fixed("nat-gateway"),
        HOURS,
        "gateway-hour",
        "",
    ),
    rule(
        "NAT Gateway",
        &[Usage("NatGateway-Bytes")],
        &["vpc"],
        Resource::Fixed("nat-gateway-data"),
        GB,
        "GB",
        "data processed",
    ),
];

const NO_LICENCE: Cond = OneOf("licenseModel", &["No license required", "No License required"]);

/// An RDS instance class rule for one engine and deployment.
const fn rds_instance(
    service: &'static [&'static str],
    when: &'static [Cond],
    note: &'static str,
) -> Rule {
    rule(
        "Database Instance",
        when,
        service,
        Resource::Attribute("instanceType"),
        HOURS,
        "instance-hour",
        note,
    )
}

/// The conditions of an RDS instance class of `engine` in `deployment`, whose usage type
/// starts with `usage` (`InstanceUsage:` Single-AZ, `Multi-AZUsage:` Multi-AZ).
macro_rules! rds_when {
    ($engine:literal, $deployment:literal, $usage:literal) => {
        &[
            Is("databaseEngine", $engine),
            Is("deploymentOption", $deployment),
            NO_LICENCE,
            UsageStarts($usage),
            Lacks("usagetype", "ExtendedSupport"),
        ]
    };
}

/// An RDS storage rule: `volume_type` with `deployment`, for engines priced as `Any`.
macro_rules! rds_storage {
    ($volume_type:literal, $deployment:literal, $services:expr, $resource:literal, $note:literal) => {
        rule(
            "Database Storage",
            &[
                Is("volumeType", $volume_type),
                Is("deploymentOption", $deployment),
                Is("databaseEngine", "Any"),
                Lacks("usagetype", "Outposts"),
            ],
            $services,
            Resource::Fixed($resource),
            GB_MONTH,
            "GB-month",
            $note,
        )
    };
}

const RDS_SINGLE: &[&str] = &["rds-mysql", "rds-postgresql", "rds-mariadb"];
const RDS_MULTI: &[&str] =
    &["rds-mysql-multi-az", "rds-postgresql-multi-az", "rds-mariadb-multi-az"];

static RDS: &[Rule] = &[
    rds_instance(&["rds-mysql"], rds_when!("MySQL", "Single-AZ", "InstanceUsage:"), "Single-AZ"),
    rds_instance(
        &["rds-mysql-multi-az"],
        rds_when!("MySQL", "Multi-AZ", "Multi-AZUsage:"),
        "Multi-AZ (one standby)",
    ),
    rds_instance(
        &["rds-postgresql"],
        rds_when!("PostgreSQL", "Single-AZ", "InstanceUsage:"),
        "Single-AZ",
    ),
    rds_instance(
        &["rds-postgresql-multi-az"],
        rds_when!("PostgreSQL", "Multi-AZ", "Multi-AZUsage:"),
        "Multi-AZ (one standby)",
    ),
    rds_instance(
        &["rds-mariadb"],
        rds_when!("MariaDB", "Single-AZ", "InstanceUsage:"),
        "Single-AZ",
    ),
    rds_instance(
        &["rds-mariadb-multi-az"],
        rds_when!("MariaDB", "Multi-AZ", "Multi-AZUsage:"),
        "Multi-AZ (one standby)",
    ),
    rds_instance(
        &["rds-aurora-mysql"],
        rds_when!("Aurora MySQL", "Single-AZ", "InstanceUsage:"),
        "Aurora Standard, per instance",
    ),
    rds_instance(
        &["rds-aurora-postgresql"],
        rds_when!("Aurora PostgreSQL", "Single-AZ", "InstanceUsage:"),
        "Aurora Standard, per instance",
    ),
    rds_storage!("General Purpose", "Single-AZ", RDS_SINGLE, "gp2-storage", "Single-AZ"),
    rds_storage!("General Purpose-GP3", "Single-AZ", RDS_SINGLE, "gp3-storage", "Single-AZ"),
    rds_storage!("General Purpose", "Multi-AZ", RDS_MULTI, "gp2-storage", "Multi-AZ"),
    rds_storage!("General Purpose-GP3", "Multi-AZ", RDS_MULTI, "gp3-storage", "Multi-AZ"),
    rule(
        "Database Storage",
        &[OneOf("databaseEngine", &["Any", "Aurora MySQL"]), UsageStarts("Aurora:StorageUsage")],
        &["rds-aurora-mysql"],
        Resource::Fixed("aurora-storage"),
        GB_MONTH,
        "GB-month",
        "Aurora Standard",
    ),
    rule(
        "Database Storage",
        &[Is("databaseEngine", "Aurora PostgreSQL"), UsageStarts("Aurora:StorageUsage")],
        &["rds-aurora-postgresql"],
        Resource::Fixed("aurora-storage"),
        GB_MONTH,
        "GB-month",
        "Aurora Standard",
    ),
];

static ELASTICACHE: &[Rule] = &[rule(
    "Cache Instance",
    &[
        Is("cacheEngine", "Redis"),
        Is("locationType", "AWS Region"),
        UsageStarts("NodeUsage:"),
        Lacks("usagetype", "ExtendedSupport"),
    ],
    &["elasticache"],
    Resource::Attribute("instanceType"),
    HOURS,
    "node-hour",
    "Redis OSS",
)];

static ELB: &[Rule] = &[
    rule(
        "Load Balancer-Application",
        &[Is("locationType", "AWS Region"), Usage("LoadBalancerUsage")],
        &["elb"],
        Resource::Fixed("alb"),
        HOURS,
        "load-balancer-hour",
        "Application Load Balancer",
    ),
    rule(
        "Load Balancer-Application",
        &[Is("locationType", "AWS Region"), Usage("LCUUsage")],
        &["elb"],
        Resource::Fixed("alb-lcu"),
        &["LCU-Hrs"],
        "LCU-hour",
        "Application Load Balancer",
    ),
    rule(
        "Load Balancer-Network",
        &[Is("locationType", "AWS Region"), Usage("LoadBalancerUsage")],
        &["elb"],
        Resource::Fixed("nlb"),
        HOURS,
        "load-balancer-hour",
        "Network Load Balancer",
    ),
    rule(
        "Load Balancer-Network",
        &[Is("locationType", "AWS Region"), Usage("LCUUsage")],
        &["elb"],
        Resource::Fixed("nlb-lcu"),
        &["LCU-Hrs", "NLCU-Hrs"],
        "NLCU-hour",
        "Network Load Balancer",
    ),
];

/// An S3 storage class by its usage type.
const fn s3_storage(usage: &'static [Cond], resource: &'static str) -> Rule {
    rule("Storage", usage, &["s3"], Resource::Fixed(resource), GB_MONTH, "GB-month", "")
}

static S3: &[Rule] = &[
    s3_storage(&[Usage("TimedStorage-ByteHrs")], "standard-storage"),
    s3_storage(&[Usage("TimedStorage-SIA-ByteHrs")], "standard-ia-storage"),
    s3_storage(&[Usage("TimedStorage-ZIA-ByteHrs")], "onezone-ia-storage"),
    s3_storage(&[Usage("TimedStorage-INT-FA-ByteHrs")], "intelligent-tiering-storage"),
    s3_storage(&[Usage("TimedStorage-GIR-ByteHrs")], "glacier-instant-storage"),
    s3_storage(&[Usage("TimedStorage-GlacierByteHrs")], "glacier-flexible-storage"),
    s3_storage(&[Usage("TimedStorage-GDA-ByteHrs")], "deep-archive-storage"),
    per(
        rule(
            "API Request",
            &[Usage("Requests-Tier1")],
            &["s3"],
            Resource::Fixed("put-requests"),
            REQUESTS,
            "1000 requests",
            "PUT, COPY, POST, LIST (S3 Standard)",
        ),
        1000,
    ),
    per(
        rule(
            "API Request",
            &[Usage("Requests-Tier2")],
            &["s3"],
            Resource::Fixed("get-requests"),
            REQUESTS,
            "1000 requests",
            "GET and others (S3 Standard)",
        ),
        1000,
    ),
];

static LAMBDA: &[Rule] = &[
    per(
        rule(
            "Serverless",
            &[Is("group", "AWS-Lambda-Requests"), Usage("Request")],
            &["lambda"],
            Resource::Fixed("requests"),
            REQUESTS,
            "1000000 requests",
            "",
        ),
        1_000_000,
    ),
    rule(
        "Serverless",
        &[Is("group", "AWS-Lambda-Duration"), Usage("Lambda-GB-Second")],
        &["lambda"],
        Resource::Fixed("x86-compute"),
        &["Lambda-GB-Second", "GB-Seconds", "GB-Second"],
        "GB-second",
        "x86",
    ),
    rule(
        "Serverless",
        &[Is("group", "AWS-Lambda-Duration-ARM"), Usage("Lambda-GB-Second-ARM")],
        &["lambda"],
        Resource::Fixed("arm-compute"),
        &["Lambda-GB-Second", "GB-Seconds", "GB-Second"],
        "GB-second",
        "Arm (Graviton)",
    ),
];

static SQS: &[Rule] = &[
    per(
        rule(
            "API Request",
            &[Is("queueType", "Standard")],
            &["sqs"],
            Resource::Fixed("standard-requests"),
            REQUESTS,
            "1000000 requests",
            "standard queues",
        ),
        1_000_000,
    ),
    per(
        rule(
            "API Request",
            &[Is("queueType", "FIFO (first-in, first-out)")],
            &["sqs"],
            Resource::Fixed("fifo-requests"),
            REQUESTS,
            "1000000 requests",
            "FIFO queues",
        ),
        1_000_000,
    ),
];

static DYNAMODB: &[Rule] = &[
    per(
        rule(
            "Amazon DynamoDB PayPerRequest Throughput",
            &[Is("group", "DDB-WriteUnits")],
            &["dynamodb"],
            Resource::Fixed("write-request-units"),
            &["WriteRequestUnits"],
            "1000000 units",
            "on-demand capacity",
        ),
        1_000_000,
    ),
    per(
        rule(
            "Amazon DynamoDB PayPerRequest Throughput",
            &[Is("group", "DDB-ReadUnits")],
            &["dynamodb"],
            Resource::Fixed("read-request-units"),
            &["ReadRequestUnits"],
            "1000000 units",
            "on-demand capacity",
        ),
        1_000_000,
    ),
    rule(
        "Database Storage",
        &[Usage("TimedStorage-ByteHrs")],
        &["dynamodb"],
        Resource::Fixed("storage"),
        GB_MONTH,
        "GB-month",
        "Standard table class",
    ),
];

static DATA_TRANSFER: &[Rule] = &[Rule {
    family: "Data Transfer",
    when: &[
        Is("transferType", "AWS Outbound"),
        Is("toLocation", "External"),
        Usage("DataTransfer-Out-Bytes"),
    ],
    services: &["data-transfer"],
    resource: Resource::Fixed("internet-out"),
    region: RegionFrom::FromCode,
    aws_units: GB,
    unit: "GB",
    per: 1,
    note: "to the internet",
}];

/// A request price AWS quotes per request, in the catalog per million.
const fn per_million(
    family: &'static str,
    when: &'static [Cond],
    service: &'static [&'static str],
    resource: &'static str,
    unit: &'static str,
    note: &'static str,
) -> Rule {
    per(rule(family, when, service, Resource::Fixed(resource), REQUESTS, unit, note), 1_000_000)
}

static API_GATEWAY: &[Rule] = &[
    per_million(
        "API Calls",
        &[Usage("ApiGatewayHttpRequest")],
        &["api-gateway"],
        "http-api-requests",
        "1000000 requests",
        "HTTP APIs",
    ),
    per_million(
        "API Calls",
        &[Usage("ApiGatewayRequest")],
        &["api-gateway"],
        "rest-api-requests",
        "1000000 requests",
        "REST APIs",
    ),
];

const NOTIFICATIONS: &[&str] = &["Notifications", "Notification"];

static SNS: &[Rule] = &[
    per_million(
        "API Request",
        &[Lacks("usagetype", "FIFO")],
        &["sns"],
        "publish-requests",
        "1000000 requests",
        "standard topics",
    ),
    per(
        rule(
            "Message Delivery",
            &[Usage("DeliveryAttempts-HTTP")],
            &["sns"],
            Resource::Fixed("http-deliveries"),
            NOTIFICATIONS,
            "1000000 notifications",
            "HTTP/S",
        ),
        1_000_000,
    ),
    per(
        rule(
            "Message Delivery",
            &[Usage("DeliveryAttempts-SMTP")],
            &["sns"],
            Resource::Fixed("email-deliveries"),
            NOTIFICATIONS,
            "1000000 notifications",
            "email",
        ),
        1_000_000,
    ),
];

static CLOUDWATCH: &[Rule] = &[
    rule(
        "Data Payload",
        &[Usage("DataProcessing-Bytes")],
        &["cloudwatch"],
        Resource::Fixed("logs-ingestion"),
        GB,
        "GB",
        "Logs, Standard class",
    ),
    rule(
        "Storage Snapshot",
        &[Usage("TimedStorage-ByteHrs")],
        &["cloudwatch"],
        Resource::Fixed("logs-storage"),
        GB_MONTH,
        "GB-month",
        "Logs archive",
    ),
    rule(
        "Metric",
        &[Is("group", "Metric")],
        &["cloudwatch"],
        Resource::Fixed("custom-metrics"),
        &["Metrics", "Metric"],
        "metric-month",
        "",
    ),
    rule(
        "Alarm",
        &[Is("alarmType", "Standard")],
        &["cloudwatch"],
        Resource::Fixed("standard-alarms"),
        &["Alarms", "Alarm"],
        "alarm-month",
        "standard resolution",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{OFFERS, Product, rules_for, targets, without_region_prefix};

    fn product(family: &str, attributes: &[(&str, &str)]) -> Product {
        Product {
            sku: "SKU".into(),
            family: family.into(),
            attributes: attributes
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect::<HashMap<_, _>>(),
        }
    }

    #[test]
    fn region_prefixes_are_taken_off_usage_types_and_nothing_else() {
        for (usage, bare) in [
            ("USE2-BoxUsage:t3.micro", "BoxUsage:t3.micro"),
            ("APN1-NatGateway-Hours", "NatGateway-Hours"),
            ("EU-LoadBalancerUsage", "LoadBalancerUsage"),
            ("NatGateway-Hours", "NatGateway-Hours"),
            ("Multi-AZUsage:db.t3.micro", "Multi-AZUsage:db.t3.micro"),
            ("IA-TimedStorage-ByteHrs", "IA-TimedStorage-ByteHrs"),
            ("EBS:VolumeUsage.gp3", "EBS:VolumeUsage.gp3"),
        ] {
            assert_eq!(without_region_prefix(usage), bare, "{usage}");
        }
    }

    #[test]
    fn rds_storage_priced_for_any_engine_feeds_each_engine() {
        let storage = product(
            "Database Storage",
            &[
                ("volumeType", "General Purpose-GP3"),
                ("deploymentOption", "Multi-AZ"),
                ("databaseEngine", "Any"),
                ("usagetype", "RDS:Multi-AZ-GP3-Storage"),
                ("regionCode", "us-east-1"),
            ],
        );
        let keys: Vec<String> =
            targets(rules_for("AmazonRDS").expect("rules"), &storage, "us-east-1")
                .iter()
                .map(|target| format!("{}/{}", target.service, target.resource))
                .collect();
        assert_eq!(
            keys,
            [
                "rds-mysql-multi-az/gp3-storage",
                "rds-postgresql-multi-az/gp3-storage",
                "rds-mariadb-multi-az/gp3-storage"
            ]
        );
    }

    #[test]
    fn products_of_other_regions_and_odd_resources_are_left_out() {
        let rules = rules_for("AmazonEC2").expect("rules");
        let mut attributes = vec![
            ("operatingSystem", "Linux"),
            ("operation", "RunInstances"),
            ("tenancy", "Shared"),
            ("preInstalledSw", "NA"),
            ("capacitystatus", "Used"),
            ("licenseModel", "No License required"),
            ("usagetype", "USE1-LZ-BOS1-BoxUsage:t3.micro"),
            ("instanceType", "t3.micro"),
            ("regionCode", "us-east-1-bos-1"),
        ];
        assert!(targets(rules, &product("Compute Instance", &attributes), "us-east-1").is_empty());
        attributes[6] = ("usagetype", "BoxUsage:t3 micro");
        attributes[7] = ("instanceType", "t3 micro");
        attributes[8] = ("regionCode", "us-east-1");
        assert!(targets(rules, &product("Compute Instance", &attributes), "us-east-1").is_empty());
    }

    #[test]
    fn every_offer_with_a_name_has_rules_with_known_units() {
        for (offer, names) in OFFERS {
            let rules = rules_for(offer).expect("rules");
            assert!(!names.is_empty() && !rules.is_empty(), "{offer}");
            for rule in rules {
                assert!(crate::UNITS.contains(&rule.unit), "{offer}: {}", rule.unit);
                assert!(!rule.aws_units.is_empty() && rule.per >= 1, "{offer}");
            }
        }
    }
}
