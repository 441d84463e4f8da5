//! AWS's commercial regions: code, English and Japanese names, and the other ways people write
//! them (`data/regions.tsv`, generated from botocore's `partitions.json` by
//! `scripts/generate-regions.py`).
//!
//! [`mentions`] finds regions named in text the caller has normalised (NFKC, lower case).

use std::sync::LazyLock;

const TABLE: &str = include_str!("../data/regions.tsv");

/// One region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Its code (`eu-central-1`).
    pub code: &'static str,
    /// AWS's English name (`Europe (Frankfurt)`).
    pub name_en: &'static str,
    /// AWS's Japanese name (`欧州 (フランクフルト)`).
    pub name_ja: &'static str,
    /// Every way of writing it that [`mentions`] recognises, lower case.
    pub names: Vec<String>,
}

impl Region {
    /// Its name in English or Japanese.
    pub fn name(&self, japanese: bool) -> &'static str {
        if japanese { self.name_ja } else { self.name_en }
    }
}

/// Place names that stand for more than one region and so name none by themselves.
const TOO_VAGUE: &[&str] = &["central", "east", "west", "north", "south"];

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("code\t") && !line.is_empty())
        .filter_map(|line| {
            let fields: Vec<&'static str> = line.split('\t').collect();
            let [code, name_en, short_en, name_ja, short_ja, aliases] = fields[..] else {
                return None;
            };
            let mut names: Vec<String> = [code, name_en, short_en, name_ja, short_ja]
                .into_iter()
                .chain(aliases.split('|'))
                .map(|name| name.trim().to_lowercase())
                .filter(|name| !name.is_empty() && !TOO_VAGUE.contains(&name.as_str()))
                .collect();
            // "Europe (Frankfurt)" is also written without the brackets.
            let unbracketed: Vec<String> = names
                .iter()
                .filter(|name| name.contains('('))
                .map(|name| {
                    name.replace(['(', ')'], "").split_whitespace().collect::<Vec<_>>().join(" ")
                })
                .collect();
            names.extend(unbracketed);
            names.sort();
            names.dedup();
            Some(Region { code, name_en, name_ja, names })
        })
        .collect()
});

/// Every name of every region, longest first, so that a longer name wins where names overlap.
static VOCABULARY: LazyLock<Vec<(&'static str, &'static Region)>> = LazyLock::new(|| {
    let mut vocabulary: Vec<(&'static str, &'static Region)> = REGIONS
        .iter()
        .flat_map(|region| region.names.iter().map(move |name| (name.as_str(), region)))
        .collect();
    vocabulary.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    vocabulary
});

/// Every commercial region, in the table's order.
pub fn all() -> &'static [Region] {
    &REGIONS
}

/// The region with this code.
pub fn by_code(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.code == code)
}

/// A region named in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Where in the text (byte offset).
    pub start: usize,
    /// The words as written.
    pub written: String,
    /// The region they name.
    pub region: &'static Region,
}

/// The regions named in `text` (already lower case and NFKC-normalised), in order. The
/// longest name wins where names overlap (`us east (ohio)` over `us east`); names in Latin
/// letters must stand as whole words (`tokyo`, not inside `kyotokyo`), names in Japanese need
/// not, since Japanese has no spaces.
pub fn mentions(text: &str) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    let mut taken = vec![false; text.len()];
    for (name, region) in VOCABULARY.iter().copied() {
        for (start, _) in text.match_indices(name) {
            let end = start + name.len();
            if taken[start..end].iter().any(|taken| *taken) || !stands_alone(text, start, end) {
                continue;
            }
            taken[start..end].iter_mut().for_each(|taken| *taken = true);
            found.push(Mention { start, written: text[start..end].to_owned(), region });
        }
    }
    found.sort_by_key(|mention| mention.start);
    found
}

/// Whether the match is a whole word where it borders on Latin letters or digits, or on
/// katakana (`タイ` is Thailand, not part of `タイプ`).
pub fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let katakana = |c: char| matches!(c, '\u{30a0}'..='\u{30ff}');
    let word = |c: char| c.is_ascii_alphanumeric();
    let joined = |outside: Option<char>, inside: Option<char>| {
        outside
            .zip(inside)
            .is_some_and(|(o, i)| (word(o) && word(i)) || (katakana(o) && katakana(i)))
    };
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    !joined(before, first) && !joined(after, last)
}

/// Whether `word` has the shape of a region code (`eu-central-3`), known or not.
pub fn looks_like_code(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else { return false };
    (3..=4).contains(&parts.len())
        && first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && parts[1..parts.len() - 1].iter().all(|part| part.chars().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::{all, by_code, looks_like_code, mentions};

    #[test]
    fn every_commercial_region_is_known_in_both_languages() {
        assert!(all().len() >= 34, "{} regions", all().len());
        for code in ["us-east-1", "eu-central-1", "ap-northeast-3", "me-west-1", "sa-east-1"] {
            let region = by_code(code).unwrap_or_else(|| panic!("{code} is missing"));
            assert!(!region.name_ja.is_empty() && !region.name_en.is_empty());
        }
        let codes: std::collections::BTreeSet<_> = all().iter().map(|region| region.code).collect();
        assert_eq!(codes.len(), all().len(), "a region is listed twice");
    }

    #[test]
    fn regions_are_found_as_people_write_them() {
        for (text, code) in [
            ("2 t3.medium in frankfurt", "eu-central-1"),
            ("c5.large x 3 in osaka", "ap-northeast-3"),
            ("東京リージョンでt3.smallを1台", "ap-northeast-1"),
            ("ap-northeast-1でt3.small", "ap-northeast-1"),
            ("フランクフルトで", "eu-central-1"),
            ("ソウルに", "ap-northeast-2"),
            ("us east (ohio)", "us-east-2"),
            ("in eu (ireland)", "eu-west-1"),
            ("n. virginia", "us-east-1"),
        ] {
            let found = mentions(text);
            assert_eq!(found.first().map(|mention| mention.region.code), Some(code), "{text}");
        }
        assert!(mentions("kyotokyo central").is_empty());
        assert!(mentions("a t3.micro").is_empty());
        assert!(mentions("インスタンスタイプはリアルタイム処理向け、コンパリソン").is_empty());
        assert_eq!(mentions("タイで").first().map(|m| m.region.code), Some("ap-southeast-7"));
    }

    #[test]
    fn unknown_codes_are_recognised_by_their_shape() {
        assert!(looks_like_code("eu-central-3"));
        assert!(looks_like_code("us-gov-west-1"));
        assert!(!looks_like_code("t3.micro"));
        assert!(!looks_like_code("multi-az"));
    }
}
