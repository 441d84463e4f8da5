//! The estimator's accuracy suite: descriptions as users type them (English and Japanese,
//! vague, with typos, full-width, mixed, long), each with the estimate computed by hand from the
//! bundled catalog (`tests/data/accuracy/cases.toml`), and properties that must hold for any
//! description, checked over a few hundred generated ones.
//!
//! A case is exact when its region, lines, total, region note and not-priced entries are what a
//! person computes. A silent substitution is the worst failure: a priced line for something the
//! description did not ask for (db.t3.micro for db.m5.large, EC2 for an OpenSearch node), or a
//! region other than the one named with nothing said. A case that fails is an estimator bug to
//! fix, never an expectation to loosen.
//!
//! The cases file is a plain subset of TOML (`[[case]]` tables of strings, booleans and arrays
//! of strings), read here by [`read_cases`]: `toml_edit` is not a dependency of this crate.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use agentdesk_agent::estimator::{Estimate, estimate};
use agentdesk_pricing::{Catalog, Decimal, HOURS_PER_MONTH};
use rust_decimal::RoundingStrategy;
use unicode_normalization::UnicodeNormalization;

// ---------------------------------------------------------------------------------------------
// The cases file
// ---------------------------------------------------------------------------------------------

/// One hand-computed case (the cases file's header says what each field means).
#[derive(Debug, Default, Clone)]
struct Case {
    description: String,
    default_region: Option<String>,
    region: String,
    total: Option<String>,
    lines: Vec<String>,
    not_priced: Vec<String>,
    region_note: bool,
    source: String,
    worked: String,
}

impl Case {
    fn default_region(&self) -> &str {
        self.default_region.as_deref().unwrap_or("us-east-1")
    }

    /// The expected lines as (service, resource, quantity normalised).
    fn expected_lines(&self) -> Vec<(String, String, String)> {
        let mut lines: Vec<_> = self
            .lines
            .iter()
            .map(|line| {
                let parts: Vec<&str> = line.split('/').collect();
                let [service, resource, quantity] = parts[..] else {
                    panic!("{line:?} is not service/resource/quantity ({:?})", self.description)
                };
                (service.to_owned(), resource.to_owned(), quantity_text(decimal(quantity)))
            })
            .collect();
        lines.sort();
        lines
    }

    fn expected_total(&self) -> Decimal {
        self.total.as_deref().map_or(Decimal::ZERO, decimal)
    }
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|error| panic!("{text:?} is not a decimal: {error}"))
}

fn quantity_text(quantity: Decimal) -> String {
    quantity.normalize().to_string()
}

fn cases_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/accuracy/cases.toml")
}

fn cases() -> Vec<Case> {
    let path = cases_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{} cannot be read: {error}", path.display()));
    read_cases(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A value of the TOML subset the cases file is written in.
#[derive(Debug)]
enum Value {
    Text(String),
    Flag(bool),
    List(Vec<String>),
}

/// Reads `[[case]]` tables of `key = "string" | true | false | ["string", …]` (arrays may span
/// lines; `#` comments on lines of their own or after a value). Anything else is an error, so
/// a case cannot be dropped or misread quietly.
fn read_cases(text: &str) -> Result<Vec<Case>, String> {
    let mut reader = Reader { chars: text.chars().collect(), at: 0, line: 1 };
    let mut cases: Vec<Case> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    loop {
        reader.skip_blank(true);
        if reader.done() {
            break;
        }
        if reader.eat("[[case]]") {
            cases.push(Case::default());
            seen.clear();
            reader.end_of_line()?;
            continue;
        }
        let line = reader.line;
        let key = reader.key()?;
        let case =
            cases.last_mut().ok_or_else(|| format!("line {line}: {key} before any [[case]]"))?;
        if !seen.insert(key.clone()) {
            return Err(format!("line {line}: {key} given twice"));
        }
        reader.skip_blank(false);
        if !reader.eat("=") {
            return Err(format!("line {line}: expected = after {key}"));
        }
        reader.skip_blank(false);
        let value = reader.value()?;
        reader.end_of_line()?;
        let wrong = |expected: &str| format!("line {line}: {key} must be {expected}");
        match (key.as_str(), value) {
            ("description", Value::Text(text)) => case.description = text,
            ("default_region", Value::Text(text)) => case.default_region = Some(text),
            ("region", Value::Text(text)) => case.region = text,
            ("total", Value::Text(text)) => case.total = Some(text),
            ("lines", Value::List(list)) => case.lines = list,
            ("not_priced", Value::List(list)) => case.not_priced = list,
            ("region_note", Value::Flag(flag)) => case.region_note = flag,
            ("source", Value::Text(text)) => case.source = text,
            ("worked", Value::Text(text)) => case.worked = text,
            ("lines" | "not_priced", _) => return Err(wrong("an array of strings")),
            ("region_note", _) => return Err(wrong("true or false")),
            ("description" | "default_region" | "region" | "total" | "source" | "worked", _) => {
                return Err(wrong("a string"));
            }
            (other, _) => return Err(format!("line {line}: unknown key {other}")),
        }
    }
    for (index, case) in cases.iter().enumerate() {
        for (field, value) in [
            ("description", &case.description),
            ("region", &case.region),
            ("source", &case.source),
            ("worked", &case.worked),
        ] {
            if value.trim().is_empty() {
                return Err(format!("case {} ({:?}) has no {field}", index + 1, case.description));
            }
        }
    }
    Ok(cases)
}

struct Reader {
    chars: Vec<char>,
    at: usize,
    line: usize,
}

impl Reader {
    fn done(&self) -> bool {
        self.at >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn eat(&mut self, word: &str) -> bool {
        let word: Vec<char> = word.chars().collect();
        if self.chars[self.at..].starts_with(&word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// Skips spaces, tabs and comments; newlines too when `newlines`.
    fn skip_blank(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' => {
                    self.bump();
                }
                '\n' if newlines => {
                    self.bump();
                }
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => break,
            }
        }
    }

    fn end_of_line(&mut self) -> Result<(), String> {
        self.skip_blank(false);
        match self.bump() {
            None | Some('\n') => Ok(()),
            Some(c) => Err(format!("line {}: unexpected {c:?} after a value", self.line)),
        }
    }

    fn key(&mut self) -> Result<String, String> {
        let mut key = String::new();
        while let Some(c) =
            self.peek().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        {
            key.push(c);
            self.bump();
        }
        if key.is_empty() {
            return Err(format!(
                "line {}: expected a key or [[case]], found {:?}",
                self.line,
                self.peek()
            ));
        }
        Ok(key)
    }

    fn value(&mut self) -> Result<Value, String> {
        if self.eat("true") {
            return Ok(Value::Flag(true));
        }
        if self.eat("false") {
            return Ok(Value::Flag(false));
        }
        match self.peek() {
            Some('"') => self.string().map(Value::Text),
            Some('[') => {
                self.bump();
                let mut list = Vec::new();
                loop {
                    self.skip_blank(true);
                    if self.eat("]") {
                        return Ok(Value::List(list));
                    }
                    list.push(self.string()?);
                    self.skip_blank(true);
                    if self.eat("]") {
                        return Ok(Value::List(list));
                    }
                    if !self.eat(",") {
                        return Err(format!("line {}: expected , or ] in an array", self.line));
                    }
                }
            }
            other => Err(format!("line {}: expected a value, found {other:?}", self.line)),
        }
    }

    /// A basic string: `"…"` with the escapes \" \\ \n \t \r \uXXXX \UXXXXXXXX.
    fn string(&mut self) -> Result<String, String> {
        if !self.eat("\"") {
            return Err(format!("line {}: expected a string", self.line));
        }
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(format!("line {}: unterminated string", self.line));
                }
                Some('"') => return Ok(text),
                Some('\\') => match self.bump() {
                    Some('"') => text.push('"'),
                    Some('\\') => text.push('\\'),
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some(kind @ ('u' | 'U')) => {
                        let digits = if kind == 'u' { 4 } else { 8 };
                        let hex: String = (0..digits).filter_map(|_| self.bump()).collect();
                        let c = u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| {
                                format!("line {}: bad escape \\{kind}{hex}", self.line)
                            })?;
                        text.push(c);
                    }
                    other => return Err(format!("line {}: unknown escape \\{other:?}", self.line)),
                },
                Some(c) => text.push(c),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the cases
// ---------------------------------------------------------------------------------------------

/// What became of one case.
#[derive(Debug, Default)]
struct Outcome {
    /// The estimator failed outright.
    error: Option<String>,
    region_wrong: bool,
    lines_wrong: bool,
    total_wrong: bool,
    note_wrong: bool,
    /// Priced lines for what was not asked, or a region not named with nothing said.
    substitutions: Vec<String>,
    /// Expected not-priced words found in no entry.
    missed_unpriced: Vec<String>,
}

impl Outcome {
    fn exact(&self) -> bool {
        self.error.is_none()
            && !self.region_wrong
            && !self.lines_wrong
            && !self.total_wrong
            && !self.note_wrong
            && self.substitutions.is_empty()
            && self.missed_unpriced.is_empty()
    }

    fn kinds(&self) -> String {
        let mut kinds = Vec::new();
        if let Some(error) = &self.error {
            kinds.push(format!("error: {error}"));
        }
        if !self.substitutions.is_empty() {
            kinds.push("SILENT SUBSTITUTION".to_owned());
        }
        if self.total_wrong {
            kinds.push("wrong total".to_owned());
        }
        if self.lines_wrong {
            kinds.push("wrong lines".to_owned());
        }
        if self.region_wrong {
            kinds.push("wrong region".to_owned());
        }
        if self.note_wrong {
            kinds.push("wrong region note".to_owned());
        }
        if !self.missed_unpriced.is_empty() {
            kinds.push("missed unpriced".to_owned());
        }
        kinds.join(", ")
    }
}

fn actual_lines(estimate: &Estimate) -> Vec<(String, String, String)> {
    let mut lines: Vec<_> = estimate
        .items
        .iter()
        .map(|item| (item.service.clone(), item.resource.clone(), quantity_text(item.quantity)))
        .collect();
    lines.sort();
    lines
}

fn judge(case: &Case, estimate: &Estimate) -> Outcome {
    let mut outcome = Outcome::default();
    let expected = case.expected_lines();
    let actual = actual_lines(estimate);
    outcome.lines_wrong = expected != actual;
    outcome.total_wrong = estimate.monthly_total != case.expected_total();
    outcome.region_wrong = estimate.region != case.region;
    outcome.note_wrong = estimate.region_note.is_some() != case.region_note;
    let asked: BTreeSet<(&str, &str)> = expected
        .iter()
        .map(|(service, resource, _)| (service.as_str(), resource.as_str()))
        .collect();
    for item in &estimate.items {
        if !asked.contains(&(item.service.as_str(), item.resource.as_str())) {
            outcome.substitutions.push(format!(
                "priced {} {} × {} (${}), which was not asked for",
                item.service,
                item.resource,
                quantity_text(item.quantity),
                item.monthly
            ));
        }
    }
    if outcome.region_wrong && estimate.region_note.is_none() {
        outcome.substitutions.push(format!(
            "priced in {} instead of {} and the headline does not say so",
            estimate.region, case.region
        ));
    }
    for word in &case.not_priced {
        let word_lower = word.to_lowercase();
        let found = estimate.not_priced.iter().any(|entry| {
            entry.asked.to_lowercase().contains(&word_lower)
                || entry.reason.to_lowercase().contains(&word_lower)
        });
        if !found {
            outcome.missed_unpriced.push(word.clone());
        }
    }
    outcome
}

fn show_lines(lines: &[(String, String, String)]) -> String {
    if lines.is_empty() {
        return "(none)".to_owned();
    }
    lines
        .iter()
        .map(|(service, resource, quantity)| format!("{service}/{resource}/{quantity}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_failure(
    out: &mut String,
    number: usize,
    case: &Case,
    estimate: Option<&Estimate>,
    outcome: &Outcome,
) {
    let _ = writeln!(out, "\n#{number} {:?}  [{}]", case.description, outcome.kinds());
    let _ = writeln!(out, "   default region {}; source: {}", case.default_region(), case.source);
    let _ = writeln!(
        out,
        "   expected: {} ${} — {}{}{}",
        case.region,
        case.total.as_deref().unwrap_or("0 (nothing priced)"),
        show_lines(&case.expected_lines()),
        if case.not_priced.is_empty() {
            String::new()
        } else {
            format!("; not priced: {:?}", case.not_priced)
        },
        if case.region_note { "; region note" } else { "" },
    );
    let _ = writeln!(out, "   worked:   {}", case.worked);
    let Some(estimate) = estimate else { return };
    let _ = writeln!(
        out,
        "   actual:   {} ${} — {}{}",
        estimate.region,
        estimate.monthly_total,
        show_lines(&actual_lines(estimate)),
        if estimate.region_note.is_some() { "; region note" } else { "" },
    );
    for entry in &estimate.not_priced {
        let _ = writeln!(out, "   actual not priced: {:?}: {}", entry.asked, entry.reason);
    }
    for substitution in &outcome.substitutions {
        let _ = writeln!(out, "   substitution: {substitution}");
    }
    if !outcome.missed_unpriced.is_empty() {
        let _ = writeln!(out, "   missed unpriced: {:?}", outcome.missed_unpriced);
    }
}

#[test]
fn every_case_is_estimated_exactly_and_nothing_is_substituted() {
    let catalog = Catalog::bundled().expect("the bundled catalog reads");
    let cases = cases();
    let mut exact = 0;
    let mut unpriced_asked = 0;
    let mut unpriced_reported = 0;
    let mut wrong_totals = 0;
    let mut missed = 0;
    let mut substituted_cases = 0;
    let mut substitutions = 0;
    let mut failures = String::new();
    for (index, case) in cases.iter().enumerate() {
        let (estimate, outcome) = match estimate(&catalog, &case.description, case.default_region())
        {
            Ok(estimate) => {
                let outcome = judge(case, &estimate);
                (Some(estimate), outcome)
            }
            Err(error) => (None, Outcome { error: Some(error.to_string()), ..Outcome::default() }),
        };
        if !case.not_priced.is_empty() {
            unpriced_asked += 1;
            if estimate.is_some() && outcome.missed_unpriced.is_empty() {
                unpriced_reported += 1;
            }
        }
        wrong_totals += usize::from(outcome.total_wrong);
        missed += usize::from(!outcome.missed_unpriced.is_empty());
        substituted_cases += usize::from(!outcome.substitutions.is_empty());
        substitutions += outcome.substitutions.len();
        if outcome.exact() {
            exact += 1;
        } else {
            describe_failure(&mut failures, index + 1, case, estimate.as_ref(), &outcome);
        }
    }
    let mut table = String::new();
    let _ = writeln!(table, "\nestimator accuracy ({})", cases_path().display());
    let _ = writeln!(
        table,
        "| cases | exact | reported unpriced correctly | silent substitutions | wrong totals | missed unpriced |"
    );
    let _ = writeln!(table, "|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        table,
        "| {} | {exact} | {unpriced_reported} of {unpriced_asked} | {substitutions} in {substituted_cases} case(s) | {wrong_totals} | {missed} |",
        cases.len()
    );
    println!("{table}{failures}");
    assert!(
        substitutions == 0 && exact == cases.len(),
        "{table}\n{} of {} case(s) are not exact; {substitutions} silent substitution(s):{failures}",
        cases.len() - exact,
        cases.len()
    );
}

/// The cases themselves: enough of them, the issue's own among them, and every expected line's
/// arithmetic checked against the catalog, so that a typo in the file cannot pass for a bug.
#[test]
fn the_cases_are_many_varied_and_add_up() {
    let catalog = Catalog::bundled().expect("the bundled catalog reads");
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let descriptions: Vec<&str> = cases.iter().map(|case| case.description.as_str()).collect();
    for verbatim in [
        "One EC2 t3.micro instance running 24/7",
        "RDS PostgreSQL db.m5.large in us-east-1",
        "2 t3.medium in Frankfurt",
        "c5.large x 3 in Osaka",
        "東京リージョンでt3.smallを1台、24時間稼働させたい",
        "an m7i.xlarge instance",
    ] {
        assert!(descriptions.contains(&verbatim), "the issue's case {verbatim:?} is missing");
    }
    let japanese =
        descriptions.iter().filter(|text| agentdesk_agent::estimator::is_japanese(text)).count();
    assert!(japanese >= 20, "only {japanese} Japanese cases");
    let mut seen = BTreeSet::new();
    for case in &cases {
        assert!(
            seen.insert((&case.description, case.default_region())),
            "{:?} is listed twice",
            case.description
        );
        let mut total = Decimal::ZERO;
        for (service, resource, quantity) in case.expected_lines() {
            let price = catalog.price(&service, &resource, &case.region).unwrap_or_else(|| {
                panic!(
                    "{:?}: the catalog has no {service} {resource} in {}",
                    case.description, case.region
                )
            });
            total += (decimal(&quantity) * price.usd)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        }
        match &case.total {
            Some(expected) => {
                assert_eq!(
                    decimal(expected),
                    total,
                    "{:?}: the lines add up to {total}",
                    case.description
                );
                assert!(
                    case.worked.ends_with(&format!("total {expected}")),
                    "{:?}: worked ends elsewhere",
                    case.description
                );
            }
            None => assert!(case.lines.is_empty(), "{:?}: lines but no total", case.description),
        }
        assert!(
            case.total.is_some() || !case.not_priced.is_empty(),
            "{:?}: nothing priced and nothing expected as not priced",
            case.description
        );
    }
}

#[test]
fn the_subset_reader_reads_what_toml_means_and_refuses_the_rest() {
    let text = "# a comment\n[[case]]\ndescription = \"a \\\"quoted\\\" 東京 \\u00e9\\n\" # after\nregion = \"us-east-1\"\n\
                lines = [\n  \"ec2/t3.micro/730\", # one\n  \"ebs/gp3/8\",\n]\nregion_note = true\nsource = \"s\"\nworked = \"w\"\n";
    let cases = read_cases(text).expect("reads");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].description, "a \"quoted\" 東京 é\n");
    assert_eq!(cases[0].lines, ["ec2/t3.micro/730", "ebs/gp3/8"]);
    assert!(cases[0].region_note);
    for bad in [
        "description = \"before any case\"\n",
        "[[case]]\ndescription = \"x\"\ndescription = \"y\"\n",
        "[[case]]\ndescripton = \"typo\"\n",
        "[[case]]\nregion_note = \"yes\"\n",
        "[[case]]\ndescription = \"unterminated\n",
        "[[case]]\ndescription = \"x\" trailing\n",
        "[[case]]\nregion = \"us-east-1\"\nsource = \"s\"\nworked = \"w\"\n",
    ] {
        assert!(read_cases(bad).is_err(), "{bad:?} was accepted");
    }
}

// ---------------------------------------------------------------------------------------------
// Properties over generated descriptions
// ---------------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift64*), so the descriptions are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a generated description asks for, so the properties can be checked against it.
#[derive(Debug)]
struct Generated {
    text: String,
    default_region: &'static str,
    /// The known region it names (None: none named, or one that is not a region).
    region: Option<&'static str>,
    /// Whether it names a region that is no region.
    unknown_region: bool,
    /// The instance type and how many, when written unambiguously.
    instance: Option<(String, u32)>,
}

const WORDS: &[&str] =
    &["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
const KANJI: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
const MADE_UP: &[&str] =
    &["t3.mirco", "t3.huge", "m9z.large", "q5.xlarge", "c5.superlarge", "t3.gigantic", "x9.small"];
/// Region spellings and the region each names.
const KNOWN_REGIONS: &[(&str, &str, bool)] = &[
    // (words, code, Japanese)
    ("in Frankfurt", "eu-central-1", false),
    ("in eu-central-1", "eu-central-1", false),
    ("フランクフルトで", "eu-central-1", true),
    ("in Tokyo", "ap-northeast-1", false),
    ("東京リージョンで", "ap-northeast-1", true),
    ("ap-northeast-1で", "ap-northeast-1", true),
    ("in Osaka", "ap-northeast-3", false),
    ("大阪で", "ap-northeast-3", true),
    ("in Seoul", "ap-northeast-2", false),
    ("ソウルリージョンで", "ap-northeast-2", true),
    ("in Ireland", "eu-west-1", false),
    ("in Oregon", "us-west-2", false),
    ("オレゴンで", "us-west-2", true),
    ("in Sydney", "ap-southeast-2", false),
    ("シドニーで", "ap-southeast-2", true),
    ("in São Paulo", "sa-east-1", false),
    ("in N. Virginia", "us-east-1", false),
    ("in us-west-2", "us-west-2", false),
    ("in Singapore", "ap-southeast-1", false),
    ("シンガポールで", "ap-southeast-1", true),
    ("in London", "eu-west-2", false),
    ("in Mumbai", "ap-south-1", false),
    ("in Frankfort", "eu-central-1", false),
];
const UNKNOWN_REGIONS_EN: &[&str] =
    &["in eu-central-9", "in us-north-7", "in Atlantis region", "in the Mars region"];
const UNKNOWN_REGIONS_JA: &[&str] =
    &["火星リージョンで", "eu-central-9で", "us-north-7リージョンで", "アトランティスリージョンで"];
const NOISE_EN: &[&str] = &[
    "",
    "please",
    "for our startup",
    "for a side project",
    "running 24/7",
    "for testing",
    "as cheap as possible",
];
const NOISE_JA: &[&str] =
    &["", "検証用に", "なるべく安く", "本番環境で", "24時間稼働で", "お願いします"];
const UNITS_EN: &[&str] = &[
    "",
    ", plus 500GB of S3 storage",
    ", and 0.5TB of S3 storage",
    ", with 200GB data transfer out",
    ", and a Lambda with 2 million requests a month",
];
const UNITS_JA: &[&str] =
    &["", "、S3に100GB保存", "、S3に0.5TB", "、データ転送量は月50GB", "、1日1万リクエストのLambda"];

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            other => other,
        })
        .collect()
}

fn generate(rng: &mut Rng, known_types: &[String]) -> Generated {
    let japanese = rng.below(2) == 0;
    let made_up = rng.below(4) == 0;
    let kind =
        if made_up { (*rng.pick(MADE_UP)).to_owned() } else { rng.pick(known_types).clone() };
    let count = u32::try_from(rng.below(10) + 1).unwrap_or(1);
    let index = usize::try_from(count - 1).unwrap_or(0);
    let mut instance = Some((kind.clone(), count));
    let resource = if japanese {
        match rng.below(6) {
            0 => format!("{kind}を{count}台"),
            5 => format!("{kind} を {count} 台"),
            1 => format!("{kind}を{}台", KANJI[index]),
            2 => format!("{kind}を{}台", full_width(&count.to_string())),
            3 => full_width(&format!("{kind}を{count}台")),
            _ => format!("EC2の{kind}を{count}台"),
        }
    } else {
        match rng.below(7) {
            0 => format!("{count} {kind}"),
            6 => format!("{count}x {kind}"),
            1 => format!("{} {kind} instances", WORDS[index]),
            2 => format!("{kind} x {count}"),
            3 => format!("{kind} ×{count}"),
            4 => format!("{count} x EC2 {kind}"),
            _ => {
                // No count: one instance.
                instance = Some((kind.clone(), 1));
                format!("a {kind} instance")
            }
        }
    };
    let (region_words, region, unknown_region) = match rng.below(6) {
        0 => (String::new(), None, false),
        1 => {
            let words =
                if japanese { rng.pick(UNKNOWN_REGIONS_JA) } else { rng.pick(UNKNOWN_REGIONS_EN) };
            ((*words).to_owned(), None, true)
        }
        _ => {
            let candidates: Vec<&(&str, &str, bool)> =
                KNOWN_REGIONS.iter().filter(|(_, _, ja)| *ja == japanese || !japanese).collect();
            let (words, code, _) = **rng.pick(&candidates);
            (words.to_owned(), Some(code), false)
        }
    };
    let noise = if japanese { *rng.pick(NOISE_JA) } else { *rng.pick(NOISE_EN) };
    let units = if japanese { *rng.pick(UNITS_JA) } else { *rng.pick(UNITS_EN) };
    let text = if japanese {
        format!("{noise}{region_words}{resource}{units}")
    } else {
        let parts: Vec<&str> = [resource.as_str(), region_words.as_str(), noise]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect();
        format!("{}{units}", parts.join(" "))
    };
    let default_region = *rng.pick(&["us-east-1", "ap-northeast-1", "eu-central-1"]);
    Generated { text, default_region, region, unknown_region, instance }
}

fn generated(count: usize) -> Vec<Generated> {
    let catalog = Catalog::bundled().expect("the bundled catalog reads");
    let mut known: Vec<String> =
        catalog.resources_in("ec2", "us-east-1").map(|price| price.resource.clone()).collect();
    known.sort();
    // Mostly the types people ask for, and a spread of the rest of the catalog.
    let common = [
        "t3.micro",
        "t3.small",
        "t3.medium",
        "t3.large",
        "m5.large",
        "m5.xlarge",
        "c5.large",
        "m7i.xlarge",
        "t4g.micro",
        "r5.large",
    ];
    let mut types: Vec<String> = common.iter().map(|kind| (*kind).to_owned()).collect();
    types.extend(known.iter().step_by(known.len() / 40 + 1).cloned());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..count).map(|_| generate(&mut rng, &types)).collect()
}

fn normalized(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// Whether the service prices something asked for by name (an instance type or class).
fn named_resource(service: &str, resource: &str) -> bool {
    matches!(service, "ec2" | "ec2-windows" | "elasticache")
        || (service.starts_with("rds-") && resource.starts_with("db."))
}

#[test]
fn generated_descriptions_keep_the_estimators_rules() {
    let catalog = Catalog::bundled().expect("the bundled catalog reads");
    let mut violations: Vec<String> = Vec::new();
    let all = generated(400);
    for generated in &all {
        let text = &generated.text;
        let estimate = match estimate(&catalog, text, generated.default_region) {
            Ok(estimate) => estimate,
            Err(error) => {
                violations.push(format!("{text:?}: {error}"));
                continue;
            }
        };
        let mut problems = Vec::new();
        let figures = estimate
            .items
            .iter()
            .flat_map(|item| [item.quantity, item.unit_price, item.monthly])
            .chain([estimate.monthly_total]);
        for figure in figures {
            if figure.is_sign_negative() {
                problems.push(format!("a negative figure {figure}"));
            }
        }
        let mut sum = Decimal::ZERO;
        for item in &estimate.items {
            let rounded = (item.quantity * item.unit_price)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            if item.monthly != rounded {
                problems.push(format!(
                    "{} {}: {} × {} is {rounded}, the line says {}",
                    item.service, item.resource, item.quantity, item.unit_price, item.monthly
                ));
            }
            sum += item.monthly;
            if named_resource(&item.service, &item.resource)
                && !normalized(text).contains(&item.resource)
            {
                problems.push(format!(
                    "priced {} {}, which the description does not name",
                    item.service, item.resource
                ));
            }
        }
        if sum != estimate.monthly_total {
            problems.push(format!(
                "the lines add up to {sum}, the total is {}",
                estimate.monthly_total
            ));
        }
        let note = estimate.region_note.is_some();
        match generated.region {
            Some(code) if estimate.region != code && !note => {
                problems.push(format!("{code} named, {} priced and nothing said", estimate.region));
            }
            None if generated.unknown_region && !note => {
                problems.push("a region that is no region, and nothing said".to_owned());
            }
            None if !generated.unknown_region
                && estimate.region != generated.default_region
                && !note =>
            {
                problems.push(format!(
                    "no region named, {} priced instead of the default {}",
                    estimate.region, generated.default_region
                ));
            }
            _ => {}
        }
        if !problems.is_empty() {
            violations.push(format!(
                "{text:?} (default {}): {}\n      lines: {}",
                generated.default_region,
                problems.join("; "),
                show_lines(&actual_lines(&estimate))
            ));
        }
    }
    assert!(
        violations.is_empty(),
        "{} of {} generated descriptions break a rule:\n  {}",
        violations.len(),
        all.len(),
        violations.iter().take(40).cloned().collect::<Vec<_>>().join("\n  ")
    );
}

/// Counts written in digits, words, kanji and full-width are read as that many instances of the
/// type named, priced for a full month, whenever the catalog prices the type in that region.
#[test]
fn generated_counts_are_read_as_written() {
    let catalog = Catalog::bundled().expect("the bundled catalog reads");
    let mut wrong: Vec<String> = Vec::new();
    let all = generated(400);
    for generated in &all {
        let Some((kind, count)) = &generated.instance else { continue };
        let Ok(estimate) = estimate(&catalog, &generated.text, generated.default_region) else {
            continue;
        };
        if catalog.price("ec2", kind, &estimate.region).is_none() {
            assert!(
                !estimate.items.iter().any(|item| item.service == "ec2"),
                "{:?}: {kind} has no price in {} yet an EC2 line was priced",
                generated.text,
                estimate.region
            );
            continue;
        }
        let hours: Decimal = estimate
            .items
            .iter()
            .filter(|item| item.service == "ec2" && item.resource == *kind)
            .map(|item| item.quantity)
            .sum();
        let expected = Decimal::from(*count) * HOURS_PER_MONTH;
        if hours != expected {
            wrong.push(format!(
                "{:?}: {count} × {kind} is {expected} hours, priced {hours}",
                generated.text
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} generated descriptions have their count misread:\n  {}",
        wrong.len(),
        all.len(),
        wrong.iter().take(40).cloned().collect::<Vec<_>>().join("\n  ")
    );
}
