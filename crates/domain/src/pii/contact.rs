//! E-mail addresses, phone numbers and street addresses.

use super::lexicon::LEXICON;
use super::token::{Kind, Token};
use super::{PiiKind, Span};

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// `local@domain.tld`, the domain with at least one dot and a top-level label of letters.
pub(crate) fn emails(chars: &[char]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for at in 0..chars.len() {
        if chars[at] != '@' || at < last_end {
            continue;
        }
        let mut start = at;
        while start > last_end && is_local_char(chars[start - 1]) {
            start -= 1;
        }
        while start < at && matches!(chars[start], '.' | '-' | '\'') {
            start += 1;
        }
        let mut end = at + 1;
        while end < chars.len() && is_domain_char(chars[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        if start == at || end == at + 1 {
            continue;
        }
        let domain: String = chars[at + 1..end].iter().collect();
        let Some((host, tld)) = domain.rsplit_once('.') else {
            continue;
        };
        let tld_ok = tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
        if host.is_empty() || !tld_ok || domain.contains("..") {
            continue;
        }
        out.push(Span {
            kind: PiiKind::Email,
            start,
            end,
        });
        last_end = end;
    }
    out
}

/// Phone numbers as written in Germany, Sweden and the United Kingdom: starting with `+`
/// (international) or `0` (national), 7 to 15 digits, grouped by spaces, hyphens, slashes,
/// dots or brackets. Numbers that read as dates are left alone.
pub(crate) fn phones(chars: &[char]) -> Vec<Span> {
    let n = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let starts = match c {
            '+' => chars.get(i + 1).is_some_and(char::is_ascii_digit),
            '(' => chars.get(i + 1).is_some_and(|&d| d == '0' || d == '+'),
            '0' => true,
            _ => false,
        };
        let clean_before = i == 0 || {
            let p = chars[i - 1];
            !(p.is_alphanumeric()
                || ((p == '.' || p == ',' || p == '/' || p == '-')
                    && i >= 2
                    && chars[i - 2].is_ascii_digit()))
        };
        if !(starts && clean_before) {
            i += 1;
            continue;
        }
        let (end, digits) = scan_phone(chars, i);
        let followed_by_word = chars.get(end).is_some_and(|c| c.is_alphanumeric());
        if (7..=15).contains(&digits) && !followed_by_word && !looks_like_date(&chars[i..end]) {
            out.push(Span {
                kind: PiiKind::Phone,
                start: i,
                end,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Scans a phone number from `start`; returns its end and its number of digits.
fn scan_phone(chars: &[char], start: usize) -> (usize, usize) {
    let n = chars.len();
    let mut i = start;
    let mut digits = 0;
    let mut end = start;
    let mut open = 0i32;
    if chars[i] == '+' {
        i += 1;
    }
    while i < n {
        let c = chars[i];
        if c.is_ascii_digit() {
            digits += 1;
            i += 1;
            end = i;
            if digits > 15 {
                break;
            }
        } else if c == '(' && open == 0 {
            open += 1;
            i += 1;
        } else if c == ')' && open == 1 {
            open -= 1;
            i += 1;
            end = i;
        } else if matches!(c, '-' | '/' | '.' | '\u{2013}') || c == ' ' || c == '\u{a0}' {
            // One separator, or " / " and " - " with spaces around.
            let mut j = i + 1;
            if (c == ' ' || c == '\u{a0}')
                && chars
                    .get(j)
                    .is_some_and(|&d| matches!(d, '/' | '-' | '\u{2013}'))
                && chars.get(j + 1) == Some(&' ')
            {
                j += 2;
            }
            if chars
                .get(j)
                .is_some_and(|&d| d.is_ascii_digit() || (d == '(' && open == 0))
            {
                i = j;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    (end, digits)
}

/// `01.05.2025`, `03/04/24`, `2024-05-01`: day, month and year groups.
fn looks_like_date(s: &[char]) -> bool {
    let text: String = s.iter().collect();
    let groups: Vec<&str> = text.split(['.', '/', '-']).collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
        && matches!(
            (groups[0].len(), groups[1].len(), groups[2].len()),
            (1..=2, 1..=2, 2 | 4) | (4, 1..=2, 1..=2)
        )
}

const STREET_SUFFIXES: &[&str] = &[
    "straße", "strasse", "str", "gasse", "weg", "allee", "platz", "damm", "chaussee", "ufer",
    "steig", "pfad", "markt", "gatan", "vägen", "gränd", "torget", "stigen", "backen", "allén",
    "leden", "gata", "väg",
];

const ENGLISH_STREET_TYPES: &[&str] = &[
    "road",
    "rd",
    "street",
    "lane",
    "avenue",
    "ave",
    "drive",
    "close",
    "way",
    "place",
    "crescent",
    "terrace",
    "gardens",
    "grove",
    "square",
    "hill",
    "row",
    "walk",
    "parade",
    "mews",
    "rise",
    "view",
    "vale",
    "boulevard",
    "croft",
    "fold",
    "green",
];

/// Words before a number that make it a section, article or page, not a house number.
const NOT_HOUSE_NUMBER: &[&str] = &[
    "section",
    "sections",
    "s",
    "article",
    "art",
    "paragraph",
    "para",
    "chapter",
    "page",
    "rule",
    "schedule",
    "kap",
    "no",
    "nr",
    "category",
    "case",
    "count",
    "counts",
    "part",
    "clause",
    "annex",
    "abs",
    "ziffer",
    "volume",
    "vol",
    "§",
    "p",
    "pp",
    "regulation",
    "item",
    "step",
];

const STREET_PREPOSITIONS: &[&str] = &[
    "am", "an", "auf", "im", "in", "zum", "zur", "unter", "hinter", "vor", "beim",
];

/// A house number at token `i`: 1 to 4 digits, not a year, with an optional letter
/// ("12B", "4 B", "5a"). Returns the end offset.
fn house_number(tokens: &[Token], i: usize) -> Option<usize> {
    let t = tokens.get(i)?;
    if t.kind != Kind::Number || t.len() > 4 {
        return None;
    }
    let value: u32 = t.text.parse().ok()?;
    if value == 0 || (t.len() == 4 && (1900..=2099).contains(&value)) {
        return None;
    }
    // Part of a phone number or a decimal: "08-123", "2.5".
    if let Some(next) = tokens.get(i + 1) {
        let joined = !next.space_before;
        if joined
            && (next.is_punct('-')
                || next.is_punct('.')
                || next.is_punct(',')
                || next.is_punct(':'))
            && tokens
                .get(i + 2)
                .is_some_and(|d| d.kind == Kind::Number && !d.space_before)
        {
            return None;
        }
    }
    let mut end = t.end;
    if let Some(next) = tokens.get(i + 1) {
        let single_letter = next.kind == Kind::Word && next.len() == 1;
        let ends_after = tokens
            .get(i + 2)
            .is_none_or(|a| a.space_before || a.kind == Kind::Punct);
        if single_letter && ends_after && (!next.space_before || next.is_capitalised()) {
            end = next.end;
        }
    }
    Some(end)
}

fn street_suffix_word(t: &Token) -> bool {
    t.kind == Kind::Word
        && t.is_capitalised()
        && STREET_SUFFIXES
            .iter()
            .any(|s| t.lower.ends_with(s) && t.lower.chars().count() >= s.chars().count() + 2)
}

/// German and Swedish "Musterstraße 12", "Storgatan 5", "Am Lindenhof 14"; English
/// "12 Example Road".
pub(crate) fn addresses(_chars: &[char], tokens: &[Token]) -> Vec<Span> {
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        let t = &tokens[i];
        // Musterstraße 12 / Bahnhofstr. 7 / Lange Straße 3
        let bare_street = t.is_capitalised()
            && matches!(t.lower.as_str(), "straße" | "strasse" | "gatan" | "vägen");
        if street_suffix_word(t) || bare_street {
            let mut j = i + 1;
            if tokens
                .get(j)
                .is_some_and(|d| d.is_punct('.') && !d.space_before)
            {
                j += 1;
            }
            if let Some(end) = house_number(tokens, j) {
                let start = if bare_street && i > 0 && tokens[i - 1].is_capitalised() {
                    tokens[i - 1].start
                } else {
                    t.start
                };
                out.push(Span {
                    kind: PiiKind::StreetAddress,
                    start,
                    end,
                });
            }
            continue;
        }
        // Am Lindenhof 14 / An der Alster 3
        if t.is_capitalised() && STREET_PREPOSITIONS.contains(&t.lower.as_str()) {
            let mut j = i + 1;
            if tokens
                .get(j)
                .is_some_and(|d| matches!(d.lower.as_str(), "der" | "den" | "dem"))
            {
                j += 1;
            }
            let Some(name) = tokens.get(j) else { continue };
            let named = name.is_capitalised()
                && !name.is_all_caps()
                && !LEXICON.is_not_name(&name.lower)
                && !LEXICON.roles.contains(&name.lower);
            let short_number = tokens.get(j + 1).is_some_and(|n| n.len() <= 3);
            if named
                && short_number
                && let Some(end) = house_number(tokens, j + 1)
            {
                out.push(Span {
                    kind: PiiKind::StreetAddress,
                    start: t.start,
                    end,
                });
            }
            continue;
        }
        // 12 Example Road
        if t.kind == Kind::Number {
            if i > 0 {
                let p = &tokens[i - 1];
                if NOT_HOUSE_NUMBER.contains(&p.lower.as_str())
                    || (p.is_punct('.')
                        && i >= 2
                        && NOT_HOUSE_NUMBER.contains(&tokens[i - 2].lower.as_str()))
                {
                    continue;
                }
            }
            let Some(number_end) = house_number(tokens, i) else {
                continue;
            };
            let mut j = i + 1;
            while j < tokens.len() && tokens[j].start < number_end {
                j += 1;
            }
            let mut words = 0;
            while j < tokens.len()
                && words < 4
                && tokens[j].is_capitalised()
                && !tokens[j].is_all_caps()
            {
                let w = &tokens[j];
                if LEXICON.calendar.contains(&w.lower) {
                    break;
                }
                if words >= 1 && ENGLISH_STREET_TYPES.contains(&w.lower.as_str()) {
                    out.push(Span {
                        kind: PiiKind::StreetAddress,
                        start: t.start,
                        end: w.end,
                    });
                    break;
                }
                words += 1;
                j += 1;
            }
        }
    }
    out
}
