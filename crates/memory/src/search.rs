//! Turning a free-text query into an FTS5 query, and fusing ranked lists.
//!
//! The index uses the trigram tokenizer: any three consecutive characters match. English
//! words become quoted substrings (so `price` also finds `prices`); runs of Japanese or other
//! unspaced scripts become their overlapping trigrams, OR-ed, so BM25 ranks records by how
//! much of the query they share.

use std::collections::HashMap;

const STOPWORDS: &[&str] = &[
    "about", "and", "are", "can", "could", "did", "does", "for", "from", "had", "has", "have",
    "how", "into", "its", "much", "our", "please", "should", "tell", "that", "the", "their",
    "them", "there", "they", "this", "was", "were", "what", "when", "where", "which", "who", "why",
    "will", "with", "would", "you", "your",
];

/// The terms of a query, lower case: those the trigram index can match, and those too short
/// for it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct QueryTerms {
    /// Three characters or more, for the trigram index.
    pub(crate) long: Vec<String>,
    /// Two-character words (`s3`, `予算`), for the index of short words.
    pub(crate) short: Vec<String>,
    /// Every term: what a record contains when it matches.
    pub(crate) all: Vec<String>,
}

/// An FTS5 expression matching any of the terms, each quoted so no term is read as syntax.
pub(crate) fn match_any(terms: &[String]) -> String {
    let quoted: Vec<String> =
        terms.iter().map(|term| format!("\"{}\"", term.replace('"', "\"\""))).collect();
    quoted.join(" OR ")
}

/// Splits a query into FTS5 terms.
pub(crate) fn query_terms(query: &str) -> QueryTerms {
    let mut terms = QueryTerms::default();
    let mut seen = std::collections::HashSet::new();
    let mut add = |term: String, terms: &mut QueryTerms| {
        if !seen.insert(term.clone()) {
            return;
        }
        match term.chars().count() {
            0 | 1 => return,
            2 => terms.short.push(term.clone()),
            _ => terms.long.push(term.clone()),
        }
        terms.all.push(term);
    };
    for run in runs(&query.to_lowercase()) {
        match run {
            Run::Word(word) => {
                if !STOPWORDS.contains(&word.as_str()) {
                    add(stem(&word), &mut terms);
                }
            }
            Run::Unspaced(chars) => {
                if chars.len() < 3 {
                    add(chars.iter().collect(), &mut terms);
                } else {
                    for window in chars.windows(3) {
                        add(window.iter().collect(), &mut terms);
                    }
                }
                // Japanese words are often two kanji or katakana long (予算, 東京) and run
                // into particles (予算は): the word alone is a term too.
                for word in script_segments(&chars) {
                    if word.len() == 2 && !word.iter().all(|c| is_hiragana(*c)) {
                        add(word.iter().collect(), &mut terms);
                    }
                }
            }
        }
    }
    terms
}

/// The two-character words of a record's text, for the index of short words: every pair of
/// neighbouring characters in unspaced runs (so `予算` is found in `予算は月5万円`), and
/// spaced-script words of two characters.
pub(crate) fn short_words(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for run in runs(&text.to_lowercase()) {
        match run {
            Run::Word(word) if word.chars().count() == 2 => words.push(word),
            Run::Word(_) => {}
            Run::Unspaced(chars) => {
                words.extend(chars.windows(2).map(|pair| pair.iter().collect::<String>()));
            }
        }
    }
    words.sort_unstable();
    words.dedup();
    words.join(" ")
}

/// Cuts a common English suffix. Terms match as substrings, so the stem finds every form
/// (`cheapest` → `cheap` finds "cheap" and "cheaper").
fn stem(word: &str) -> String {
    const SUFFIXES: &[&str] = &["ing", "est", "ers", "er", "ed", "es", "ly", "s"];
    if !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return word.to_owned();
    }
    SUFFIXES
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix).filter(|stem| stem.len() >= 4))
        .unwrap_or(word)
        .to_owned()
}

enum Run {
    /// A word of a spaced script: letters, digits and inner `.`/`-` (`t3.medium`).
    Word(String),
    /// A run of a script written without spaces (Japanese, Chinese).
    Unspaced(Vec<char>),
}

fn runs(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut word = String::new();
    let mut unspaced = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        let joins_word = (c == '.' || c == '-')
            && !word.is_empty()
            && chars
                .get(index + 1)
                .is_some_and(|next| next.is_alphanumeric() && !is_unspaced(*next));
        if is_unspaced(c) {
            flush_word(&mut word, &mut runs);
            unspaced.push(c);
        } else if c.is_alphanumeric() || joins_word {
            flush_unspaced(&mut unspaced, &mut runs);
            word.push(c);
        } else {
            flush_word(&mut word, &mut runs);
            flush_unspaced(&mut unspaced, &mut runs);
        }
    }
    flush_word(&mut word, &mut runs);
    flush_unspaced(&mut unspaced, &mut runs);
    runs
}

fn flush_word(word: &mut String, runs: &mut Vec<Run>) {
    if !word.is_empty() {
        runs.push(Run::Word(std::mem::take(word)));
    }
}

fn flush_unspaced(chars: &mut Vec<char>, runs: &mut Vec<Run>) {
    if !chars.is_empty() {
        runs.push(Run::Unspaced(std::mem::take(chars)));
    }
}

/// Splits a run where the script changes (kanji, hiragana, katakana).
fn script_segments(chars: &[char]) -> impl Iterator<Item = &[char]> {
    chars.chunk_by(|a, b| script(*a) == script(*b))
}

fn script(c: char) -> u8 {
    match c as u32 {
        0x3040..=0x309F => 0,
        0x30A0..=0x30FF | 0xFF66..=0xFF9F => 1,
        _ => 2,
    }
}

fn is_hiragana(c: char) -> bool {
    script(c) == 0
}

/// Scripts written without spaces between words: CJK ideographs, kana, Hangul.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width katakana
        | 0x20000..=0x2FA1F) // CJK extensions B–F
}

/// BM25 over a small set of records, for searches confined to a narrow scope (one actor's
/// namespace), where reading the scope beats walking the whole index. Terms match as
/// substrings, as they do in the trigram index, so both paths agree on what matches.
pub(crate) fn bm25(records: &[(i64, String)], terms: &[String], limit: usize) -> Vec<i64> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    if records.is_empty() || terms.is_empty() {
        return Vec::new();
    }
    let texts: Vec<String> = records.iter().map(|(_, text)| text.to_lowercase()).collect();
    let lengths: Vec<f64> = texts.iter().map(|text| text.chars().count().max(1) as f64).collect();
    let average = lengths.iter().sum::<f64>() / lengths.len() as f64;
    let count = records.len() as f64;
    let mut scores = vec![0.0; records.len()];
    for term in terms {
        let frequencies: Vec<usize> =
            texts.iter().map(|text| text.matches(term.as_str()).count()).collect();
        let containing = frequencies.iter().filter(|&&tf| tf > 0).count() as f64;
        if containing == 0.0 {
            continue;
        }
        let idf = ((count - containing + 0.5) / (containing + 0.5) + 1.0).ln();
        for (index, &tf) in frequencies.iter().enumerate() {
            if tf > 0 {
                let tf = tf as f64;
                scores[index] +=
                    idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * lengths[index] / average));
            }
        }
    }
    let mut ranked: Vec<(i64, f64)> = records
        .iter()
        .zip(scores)
        .filter(|(_, score)| *score > 0.0)
        .map(|((seq, _), score)| (*seq, score))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    ranked.into_iter().take(limit).map(|(seq, _)| seq).collect()
}

/// Reciprocal-rank fusion of ranked lists of ids: robust to the lists' scores being on
/// different scales (BM25 vs cosine). Returns ids with scores normalised so the best is 1.
pub(crate) fn fuse(lists: &[Vec<i64>]) -> Vec<(i64, f64)> {
    const K: f64 = 60.0;
    let mut scores: HashMap<i64, f64> = HashMap::new();
    for list in lists {
        for (rank, id) in list.iter().enumerate() {
            *scores.entry(*id).or_default() += 1.0 / (K + rank as f64 + 1.0);
        }
    }
    let mut fused: Vec<(i64, f64)> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let best = fused.first().map_or(1.0, |first| first.1);
    fused.iter_mut().for_each(|entry| entry.1 /= best);
    fused
}

#[cfg(test)]
mod tests {
    use super::{fuse, match_any, query_terms};

    #[test]
    fn english_words_are_quoted_and_stopwords_dropped() {
        let terms = query_terms("What is the user's budget for t3.medium in S3?");
        assert_eq!(terms.long, ["user", "budget", "t3.medium"]);
        assert_eq!(terms.short, ["is", "in", "s3"]);
        let terms = query_terms("cheapest hosting");
        assert_eq!(terms.long, ["cheap", "host"]);
    }

    #[test]
    fn japanese_runs_become_overlapping_trigrams() {
        let terms = query_terms("予算はいくら");
        assert_eq!(terms.long, ["予算は", "算はい", "はいく", "いくら"]);
        assert_eq!(terms.short, ["予算"]);
        let terms = query_terms("東京 リージョン");
        assert_eq!(terms.short, ["東京"]);
        assert_eq!(terms.long, ["リージ", "ージョ", "ジョン"]);
    }

    #[test]
    fn short_words_are_bigrams_of_unspaced_runs_and_two_letter_words() {
        assert_eq!(super::short_words("予算は月 S3 and EC2"), "s3 は月 予算 算は");
    }

    #[test]
    fn quotes_cannot_break_out_of_a_term() {
        let terms = query_terms("say \"hello\" OR drop");
        assert_eq!(match_any(&terms.long), "\"say\" OR \"hello\" OR \"drop\"");
        assert_eq!(match_any(&["a\"b".to_owned()]), "\"a\"\"b\"");
    }

    #[test]
    fn bm25_prefers_rarer_terms_and_shorter_records() {
        let records = vec![
            (1, "budget budget and more words about nothing in particular".to_owned()),
            (2, "tokyo budget".to_owned()),
            (3, "budget".to_owned()),
            (4, "unrelated".to_owned()),
        ];
        let ranked = super::bm25(&records, &["tokyo".to_owned(), "budget".to_owned()], 10);
        assert_eq!(ranked, [2, 3, 1]);
    }

    #[test]
    fn fusion_rewards_agreement_between_lists() {
        let fused = fuse(&[vec![1, 2, 3], vec![3, 1, 4]]);
        assert_eq!(fused[0], (1, 1.0));
        assert_eq!(fused[1].0, 3);
        assert!(fused.iter().all(|(_, score)| *score > 0.0 && *score <= 1.0));
    }
}
