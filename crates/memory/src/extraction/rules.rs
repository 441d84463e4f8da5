//! Extraction without a model: explicit statements in English and Japanese.
//!
//! It keeps the user's own sentence, labelled, rather than paraphrasing: without a model the
//! sentence is the most faithful record of what was said. Preferences with one answer at a
//! time (cost priority, budget, region, answer language) carry a topic, so a newer statement
//! replaces the older one.

use std::sync::LazyLock;

use regex::Regex;

use super::{Extracted, ExtractionRequest, Extractor};
use crate::embedding::BoxFuture;
use crate::model::{Event, Role, Strategy, StrategyKind};

/// The offline extractor: user preferences, stated facts and extractive session summaries.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleExtractor;

impl Extractor for RuleExtractor {
    fn name(&self) -> &str {
        "rules"
    }

    fn supports(&self, strategy: &Strategy) -> bool {
        strategy.kind != StrategyKind::Custom
    }

    fn extract<'a>(
        &'a self,
        request: ExtractionRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Extracted>, String>> {
        let found = match request.strategy.kind {
            StrategyKind::UserPreference => user_sentences(request.events, preferences),
            StrategyKind::Semantic => user_sentences(request.events, facts),
            StrategyKind::Summary => summary(&request).into_iter().collect(),
            StrategyKind::Custom => Vec::new(),
        };
        Box::pin(std::future::ready(Ok(found)))
    }
}

/// A labelled sentence and its topic.
type Finding = (String, Option<&'static str>);

fn user_sentences(events: &[Event], find: fn(&str) -> Vec<Finding>) -> Vec<Extracted> {
    let mut found: Vec<Extracted> = Vec::new();
    for event in events {
        for message in event.messages().filter(|message| message.role == Role::User) {
            for sentence in sentences(&message.content.text) {
                for (text, topic) in find(sentence) {
                    // Within one batch a later statement on a topic wins.
                    if let Some(topic) = topic {
                        found.retain(|item| !matches!(item, Extracted::Remember { topic: Some(t), .. } if t == topic));
                    }
                    found.push(Extracted::Remember {
                        text,
                        topic: topic.map(str::to_owned),
                        source_event_ids: vec![event.event_id.clone()],
                    });
                }
            }
        }
    }
    found
}

/// The sentences of `text`: it splits after 。！？ and line breaks, and after `.`, `!` or `?`
/// only where a sentence ends (before a space or the end), so `t3.medium`, `$0.0416` and
/// `example.com` stay whole instead of being remembered in pieces.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut characters = text.char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        let ends = match character {
            '。' | '！' | '？' | '\n' => true,
            '.' | '!' | '?' => characters.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if ends {
            found.push(&text[start..index]);
            start = index + character.len_utf8();
        }
    }
    found.push(&text[start..]);
    found.into_iter().map(str::trim).filter(|sentence| sentence.chars().count() >= 3)
}

fn is_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF))
}

fn label(sentence: &str, english: &str, japanese: &str) -> String {
    if is_japanese(sentence) {
        format!("{japanese}: {sentence}")
    } else {
        format!("{english}: {sentence}")
    }
}

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new($re).ok());
    };
}

pattern!(
    CHEAP,
    r"(?i)\b(as cheap as possible|cheapest|low[- ]cost|lowest[- ]cost|minimi[sz]e (the )?costs?|keep (the )?costs? (down|low)|budget[- ]friendly|inexpensive|cost[- ]effective|save money)\b|なるべく安|できるだけ安|安く|安価|格安|低コスト|コストを抑|費用を抑|節約"
);
pattern!(
    AVAILABILITY,
    r"(?i)\b(high(ly)? availab(le|ility)|multi[- ]az|fault[- ]toleran(t|ce)|no downtime)\b|高可用|冗長|マルチAZ|止まらない"
);
pattern!(
    MONEY,
    r"(?i)(\$\s?\d[\d,]*(\.\d+)?\s*k?\b|\b\d[\d,]*(\.\d+)?\s*(usd|dollars?)\b|\d[\d,]*(\.\d+)?\s*(万|千)?円|\d[\d,]*(\.\d+)?\s*ドル)"
);
pattern!(
    BUDGET_WORD,
    r"(?i)\b(budget|spend (at most|up to|no more than)|up to|under|at most|no more than)\b|予算|以内|まで"
);
pattern!(
    REGION_CODE,
    r"\b(us|eu|ap|sa|ca|me|af|il|mx)-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b"
);
pattern!(LANGUAGE, r"(?i)\b(answer|reply|respond|write) in (english|japanese)\b|日本語で|英語で");
pattern!(
    LIKES,
    r"(?i)\b(i|we) (would |'d )?(prefer|like to use|want to use|love|always use|never use|don't want|do not want|avoid)\b|\bplease (use|avoid|don't use)\b|が好き|を使いたい|を優先|は使わない|を避け|は避け|にしたい|がいい|が良い"
);
pattern!(
    FACT,
    r"(?i)\b(i am|i'm|we are|we're|our (company|team|site|app|shop|service|business|product)|my (company|team|site|app|shop|service|business|product)|we (run|have|sell|serve|use)|i (run|have|sell|work))\b|私は|僕は|弊社|当社|うちの|うちは|我々は|を運営|を経営|を営ん"
);

/// Regions by the names people use for them.
const REGION_NAMES: &[(&str, &str)] = &[
    ("tokyo", "ap-northeast-1"),
    ("東京", "ap-northeast-1"),
    ("osaka", "ap-northeast-3"),
    ("大阪", "ap-northeast-3"),
    ("seoul", "ap-northeast-2"),
    ("singapore", "ap-southeast-1"),
    ("シンガポール", "ap-southeast-1"),
    ("sydney", "ap-southeast-2"),
    ("mumbai", "ap-south-1"),
    ("virginia", "us-east-1"),
    ("バージニア", "us-east-1"),
    ("ohio", "us-east-2"),
    ("oregon", "us-west-2"),
    ("オレゴン", "us-west-2"),
    ("california", "us-west-1"),
    ("ireland", "eu-west-1"),
    ("london", "eu-west-2"),
    ("frankfurt", "eu-central-1"),
    ("paris", "eu-west-3"),
];

fn matches(pattern: &LazyLock<Option<Regex>>, text: &str) -> bool {
    pattern.as_ref().is_some_and(|regex| regex.is_match(text))
}

fn preferences(sentence: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    if matches(&CHEAP, sentence) {
        found.push((label(sentence, "Cost priority", "コスト重視"), Some("cost_priority")));
    } else if matches(&AVAILABILITY, sentence) {
        found.push((label(sentence, "Availability priority", "可用性重視"), Some("availability")));
    }
    if matches(&MONEY, sentence) && matches(&BUDGET_WORD, sentence) {
        found.push((label(sentence, "Budget", "予算"), Some("budget")));
    }
    if let Some(region) = region_in(sentence) {
        let english = format!("Region {region}");
        let japanese = format!("リージョン {region}");
        found.push((label(sentence, &english, &japanese), Some("region")));
    }
    if matches(&LANGUAGE, sentence) {
        found.push((label(sentence, "Answer language", "回答の言語"), Some("language")));
    }
    if found.is_empty() && matches(&LIKES, sentence) {
        found.push((label(sentence, "Preference", "好み"), None));
    }
    found
}

fn region_in(sentence: &str) -> Option<String> {
    if let Some(code) = REGION_CODE.as_ref().and_then(|regex| regex.find(sentence)) {
        return Some(code.as_str().to_owned());
    }
    let lower = sentence.to_lowercase();
    REGION_NAMES.iter().find(|(name, _)| lower.contains(name)).map(|(_, code)| (*code).to_owned())
}

fn facts(sentence: &str) -> Vec<Finding> {
    if matches(&FACT, sentence) && preferences(sentence).is_empty() {
        vec![(label(sentence, "Fact", "事実"), None)]
    } else {
        Vec::new()
    }
}

/// An extractive summary: what the conversation is about, how long it is, and where the
/// last answer got to. One per session (topic `summary`), rewritten as the session grows.
fn summary(request: &ExtractionRequest<'_>) -> Option<Extracted> {
    let last_answer = request
        .events
        .iter()
        .rev()
        .flat_map(Event::messages)
        .find(|message| message.role == Role::Assistant)
        .map(|message| first_line(&message.content.text, 120));
    let first_question = request
        .events
        .iter()
        .flat_map(Event::messages)
        .find(|message| message.role == Role::User)
        .map(|message| first_line(&message.content.text, 120));
    let subject = request.session_title.map(str::to_owned).or(first_question)?;
    let japanese = is_japanese(&subject);
    let mut text = if japanese {
        format!("話題: {subject}（{} 回の質問）", request.session_turns)
    } else {
        let plural = if request.session_turns == 1 { "" } else { "s" };
        format!("Topic: {subject} ({} question{plural})", request.session_turns)
    };
    if let Some(answer) = last_answer {
        text.push_str(if japanese { "。最後の回答: " } else { ". Last answer: " });
        text.push_str(&answer);
    }
    Some(Extracted::Remember {
        text,
        topic: Some("summary".to_owned()),
        source_event_ids: request.events.iter().map(|event| event.event_id.clone()).collect(),
    })
}

/// The first non-empty line of `text` without Markdown's heading or quote marks, cut to `limit` characters at the end of a word (at a
/// character where the line has no space near the limit, as Japanese has none) and marked `…`.
fn first_line(text: &str, limit: usize) -> String {
    // A model's answer often opens with a Markdown heading: its text is what was said.
    let line = text
        .lines()
        .map(|line| line.trim().trim_start_matches(['#', '>']).trim())
        .find(|line| !line.is_empty())
        .unwrap_or("");
    if line.chars().count() <= limit {
        return line.to_owned();
    }
    let cut: String = line.chars().take(limit).collect();
    let at_word = cut.rfind(char::is_whitespace).filter(|&index| index > cut.len() / 2);
    format!("{}…", cut[..at_word.unwrap_or(cut.len())].trim_end())
}

#[cfg(test)]
mod tests {
    use super::{facts, first_line, preferences, region_in, sentences};

    fn topics(sentence: &str) -> Vec<Option<&'static str>> {
        preferences(sentence).into_iter().map(|(_, topic)| topic).collect()
    }

    #[test]
    fn cost_budget_and_region_statements_are_preferences() {
        assert_eq!(
            topics("パン屋のWebサイトをHTMLでなるべく安く作りたい"),
            [Some("cost_priority")]
        );
        assert_eq!(topics("Keep it as cheap as possible"), [Some("cost_priority")]);
        assert_eq!(topics("My budget is $500 a month"), [Some("budget")]);
        assert_eq!(topics("予算は月5万円以内です"), [Some("budget")]);
        assert_eq!(topics("Deploy everything in eu-west-1"), [Some("region")]);
        assert_eq!(topics("東京リージョンで動かしたい"), [Some("region")]);
        assert_eq!(topics("I prefer PostgreSQL over MySQL"), [None]);
        assert_eq!(topics("日本語で答えてください"), [Some("language")]);
    }

    #[test]
    fn labels_follow_the_sentence_language() {
        let (text, _) = &preferences("なるべく安くしたい")[0];
        assert!(text.starts_with("コスト重視: "), "{text}");
        let (text, _) = &preferences("I want the cheapest option")[0];
        assert!(text.starts_with("Cost priority: "), "{text}");
    }

    #[test]
    fn ordinary_sentences_are_not_remembered() {
        assert!(preferences("How much does an ALB cost?").is_empty());
        assert!(facts("How much does an ALB cost?").is_empty());
        assert!(preferences("The price went up last year").is_empty());
    }

    #[test]
    fn facts_are_first_person_statements() {
        assert_eq!(facts("We run a small bakery in Kyoto").len(), 1);
        assert_eq!(facts("弊社は京都でパン屋を営んでいます").len(), 1);
        assert_eq!(region_in("Tokyo please"), Some("ap-northeast-1".to_owned()));
    }

    #[test]
    fn a_long_answer_is_cut_at_a_word_or_between_characters() {
        let english =
            "Two t3.medium instances in Tokyo running all month come to about sixty dollars";
        assert_eq!(first_line(english, 40), "Two t3.medium instances in Tokyo…");
        let japanese = "東京リージョンでt3.mediumを2台、24時間稼働させると月額約60ドルです";
        assert_eq!(first_line(japanese, 10), "東京リージョンでt3…");
        assert_eq!(first_line("\n  short answer  \nmore", 40), "short answer");
        assert_eq!(
            first_line("## AWS cost estimate (ap-northeast-1)\n| a |", 60),
            "AWS cost estimate (ap-northeast-1)"
        );
    }

    #[test]
    fn instance_types_prices_and_addresses_are_not_split_as_sentences() {
        let split: Vec<&str> =
            sentences("2 t3.medium in Tokyo 24/7. Budget is $80.50! Use example.com?").collect();
        assert_eq!(split, ["2 t3.medium in Tokyo 24/7", "Budget is $80.50", "Use example.com"]);
        let japanese: Vec<&str> =
            sentences("東京リージョンでt3.mediumを2台。予算は月1万円です").collect();
        assert_eq!(japanese, ["東京リージョンでt3.mediumを2台", "予算は月1万円です"]);
    }
}
