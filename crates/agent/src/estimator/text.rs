//! Text as people type it, made regular before anything is matched: Unicode NFKC (full-width
//! letters and digits to ASCII, `２台` → `2台`, `ｔ３．ｓｍａｌｌ` → `t3.small`), lower case, one
//! kind of dash and tilde; and numbers written with digits, words or kanji (`1万`, `三台`,
//! `a pair of`, `1.5k`).

use std::str::FromStr;

use agentdesk_pricing::Decimal;
use unicode_normalization::UnicodeNormalization;

/// The description, normalised: NFKC, lower case, dashes and wave dashes unified.
pub(crate) fn normalize(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{301c}' | '\u{ff5e}' | '\u{223c}' => '~',
            '\u{3000}' | '\t' => ' ',
            '\u{00d7}' | '\u{2715}' | '\u{2716}' => '×',
            other => other,
        })
        .collect()
}

/// The words of `description` that normalise to `normalized` (`Frankfurt` for `frankfurt`),
/// so what was asked is quoted as the user wrote it; `normalized` itself when no run of them
/// does (a corrected typo).
pub(crate) fn as_written(description: &str, normalized: &str) -> String {
    let original: Vec<char> = description.nfkc().collect();
    let length = normalized.chars().count();
    (0..original.len())
        .find_map(|start| {
            let run: String = original.get(start..start + length)?.iter().collect();
            (normalize(&run) == normalized).then_some(run)
        })
        .unwrap_or_else(|| normalized.to_owned())
}

/// The text's clauses: split at sentence and list punctuation and at " and ", so that a count
/// or a size is read with the resource it stands beside, not one in another part of the
/// sentence. Each clause keeps its byte offset in `text`.
pub(crate) fn clauses(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < text.len() {
        let rest = &text[index..];
        let separator = if rest.starts_with(" and ") {
            Some(" and ".len())
        } else if rest.starts_with(" plus ") {
            Some(" plus ".len())
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            matches!(c, ',' | ';' | '、' | '。' | '\n' | '・' | '+')
                .then(|| c.len_utf8())
                // A full stop ends a sentence only before a space or the end ("t3.micro" stays).
                .or_else(|| {
                    (c == '.' && bytes.get(index + 1).is_none_or(|next| *next == b' ')).then_some(1)
                })
        };
        match separator {
            Some(length) => {
                if index > start {
                    out.push((start, &text[start..index]));
                }
                index += length;
                start = index;
            }
            None => index += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if start < text.len() {
        out.push((start, &text[start..]));
    }
    out
}

/// English number words.
const WORDS: &[(&str, u32)] = &[
    ("a single", 1),
    ("single", 1),
    ("one", 1),
    ("an", 1),
    ("a", 1),
    ("a pair of", 2),
    ("pair of", 2),
    ("a pair", 2),
    ("pair", 2),
    ("a couple of", 2),
    ("couple of", 2),
    ("a couple", 2),
    ("couple", 2),
    ("two", 2),
    ("twin", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("a dozen", 12),
    ("dozen", 12),
    ("twenty", 20),
];

/// A count written at the very end of `text` (`3`, `three`, `a pair of`, `三`), and where it
/// starts.
pub(crate) fn count_at_end(text: &str) -> Option<(usize, u32)> {
    let trimmed = text.trim_end();
    let digits = trimmed.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() < trimmed.len() && !digits.ends_with(['.', ',']) {
        let before = digits.chars().next_back();
        if before.is_none_or(|c| !c.is_ascii_alphabetic() && c != '-') {
            return trimmed[digits.len()..].parse().ok().map(|count| (digits.len(), count));
        }
    }
    let kanji = trimmed.trim_end_matches(|c: char| kanji_digit(c).is_some() || c == '十');
    if kanji.len() < trimmed.len() {
        return kanji_number(&trimmed[kanji.len()..]).map(|count| (kanji.len(), count));
    }
    let mut words: Vec<&(&str, u32)> = WORDS.iter().collect();
    words.sort_by_key(|(word, _)| std::cmp::Reverse(word.len()));
    words.into_iter().find_map(|(word, count)| {
        let start = trimmed.strip_suffix(word)?.len();
        let before = trimmed[..start].chars().next_back();
        before.is_none_or(|c| !c.is_ascii_alphanumeric()).then_some((start, *count))
    })
}

/// A count written at the very start of `text` (`3`, `三`), and how long it is.
pub(crate) fn count_at_start(text: &str) -> Option<(usize, u32)> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        let after = text[digits.len()..].chars().next();
        if after.is_some_and(|c| c == '.' || c.is_ascii_alphabetic() && c != 'x') {
            return None;
        }
        return digits.parse().ok().map(|count| (digits.len(), count));
    }
    let kanji: String =
        text.chars().take_while(|c| kanji_digit(*c).is_some() || *c == '十').collect();
    kanji_number(&kanji).map(|count| (kanji.len(), count))
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九".chars().position(|digit| digit == c).and_then(|n| u32::try_from(n).ok())
}

/// `三` → 3, `十二` → 12, `二十` → 20.
fn kanji_number(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    match text.split_once('十') {
        Some((tens, ones)) => {
            let tens = if tens.is_empty() { 1 } else { kanji_number(tens)? };
            let ones = if ones.is_empty() { 0 } else { kanji_number(ones)? };
            Some(tens * 10 + ones)
        }
        None => text.chars().try_fold(0, |sum, c| Some(sum * 10 + kanji_digit(c)?)),
    }
}

/// An amount with its scale words read (`1万` → 10000, `1.5k` → 1500, `2 million`, `3億`),
/// from the start of `text`, with the length read. Commas between digit groups are allowed.
pub(crate) fn amount_at_start(text: &str) -> Option<(usize, Decimal)> {
    let number: String =
        text.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
    let number = number.trim_end_matches(['.', ',']);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value = Decimal::from_str(&number.replace(',', "")).ok()?;
    let rest = &text[number.len()..];
    let spaced = rest.trim_start();
    let gap = rest.len() - spaced.len();
    for (word, scale, needs_boundary) in [
        ("万", 10_000u64, false),
        ("千", 1_000, false),
        ("億", 100_000_000, false),
        ("百万", 1_000_000, false),
        ("million", 1_000_000, true),
        ("thousand", 1_000, true),
        ("billion", 1_000_000_000, true),
        ("mil", 1_000_000, true),
        ("k", 1_000, true),
        ("m", 1_000_000, true),
        ("b", 1_000_000_000, true),
    ] {
        if let Some(after) = spaced.strip_prefix(word) {
            let whole_word = after.chars().next().is_none_or(|c| !c.is_ascii_alphabetic());
            if !needs_boundary || whole_word {
                let length = number.len() + gap + word.len();
                return Some((length, value * Decimal::from(scale)));
            }
        }
    }
    Some((number.len(), value))
}

#[cfg(test)]
mod tests {
    use super::{amount_at_start, as_written, clauses, count_at_end, count_at_start, normalize};

    #[test]
    fn what_was_asked_is_quoted_as_written() {
        assert_eq!(as_written("2 t3.medium in Frankfurt", "frankfurt"), "Frankfurt");
        assert_eq!(as_written("ＦＲＡＮＫＦＵＲＴで２台", "frankfurt"), "FRANKFURT");
        assert_eq!(as_written("東京リージョンでt3.small", "東京"), "東京");
        assert_eq!(as_written("2 t3.medium in Frnkfurt", "frankfurt"), "frankfurt");
    }

    #[test]
    fn full_width_text_becomes_ascii() {
        assert_eq!(normalize("ｔ３．ｓｍａｌｌを２台"), "t3.smallを2台");
        assert_eq!(normalize("EC2　T3.Micro × 3"), "ec2 t3.micro × 3");
        assert_eq!(normalize("9時〜18時"), "9時~18時");
        assert_eq!(normalize("マルチＡＺ"), "マルチaz");
    }

    #[test]
    fn clauses_split_lists_but_not_instance_types() {
        let text = "an alb, 2 t3.medium and rds mysql. 東京で、t3.small";
        let parts: Vec<&str> = clauses(text).into_iter().map(|(_, clause)| clause).collect();
        assert_eq!(parts, ["an alb", " 2 t3.medium", "rds mysql", " 東京で", "t3.small"]);
    }

    #[test]
    fn counts_in_words_digits_and_kanji() {
        assert_eq!(count_at_end("run 3 ").map(|(_, n)| n), Some(3));
        assert_eq!(count_at_end("a pair of ").map(|(_, n)| n), Some(2));
        assert_eq!(count_at_end("one ").map(|(_, n)| n), Some(1));
        assert_eq!(count_at_end("someone "), None);
        assert_eq!(count_at_end("m5"), None);
        assert_eq!(count_at_start("3台").map(|(_, n)| n), Some(3));
        assert_eq!(count_at_start("十二台").map(|(_, n)| n), Some(12));
        assert_eq!(count_at_start("500gb"), None);
    }

    #[test]
    fn amounts_with_scales() {
        let read =
            |text: &str| amount_at_start(text).map(|(_, value)| value.normalize().to_string());
        assert_eq!(read("1万リクエスト").as_deref(), Some("10000"));
        assert_eq!(read("1.5k requests").as_deref(), Some("1500"));
        assert_eq!(read("2 million").as_deref(), Some("2000000"));
        assert_eq!(read("1,000,000 calls").as_deref(), Some("1000000"));
        assert_eq!(read("500gb").as_deref(), Some("500"));
        assert_eq!(read("3 mysql"), Some("3".into()));
    }
}
