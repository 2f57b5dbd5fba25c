//! Checking that a quoted passage occurs in an archived source text.
//!
//! Archived text (a PDF's extracted text, a saved web page) differs from what a reader types in
//! ways that do not change the words: ligatures, full-width letters, soft hyphens, words broken
//! across lines, non-breaking spaces, Windows line ends. [`normalize`] removes exactly these
//! differences, and [`quote_found`] / [`check_quote`] search the normalised quote in the
//! normalised text, case-sensitively.
//!
//! # What `normalize` does, in order
//!
//! 1. **Soft hyphens** (U+00AD) are removed. A soft hyphen marks a break inside a word, so when
//!    one ends a line (optionally followed by spaces), the line break and the next line's
//!    indentation go too: `Verur\u{AD}\nteilung` reads `Verurteilung`.
//! 2. **Unicode NFKC**: compatibility characters become their plain form (`ﬁ` to `fi`,
//!    full-width `ＬＧ２` to `LG2`, NBSP to a space, `Ⅳ` to `IV`, decomposed `a` + U+0308 to
//!    `ä`). NFKC also turns superscripts into digits (a footnote mark `Gericht²` reads
//!    `Gericht2`) and `™` into `TM`.
//! 3. **Line-end hyphens**: a hyphen (`-` or U+2010) that directly follows a letter and ends a
//!    line (spaces may follow it; one line break, CRLF counting as one; the next line's
//!    indentation is skipped) is treated by the next character:
//!    - a lower-case letter (Unicode `Lowercase`, so `ä`, `ß`, `å` too): the word was hyphenated
//!      by the layout, hyphen and break are removed: `Verur-\nteilung` reads `Verurteilung`;
//!    - an upper-case letter or a digit: the hyphen is real (German compounds and place names
//!      write the second part capitalised), the hyphen stays and the break goes:
//!      `Hamburg-\nWandsbek` reads `Hamburg-Wandsbek`, `Covid-\n19` reads `Covid-19`;
//!    - anything else (another line break, punctuation, end of text): nothing special.
//!
//!    The rule is a heuristic: a real hyphen before a lower-case word at a line end
//!    (`well-\nknown`) is joined (`wellknown`), so that quote is reported not found. It errs
//!    towards "not found", never towards a false match of different words.
//! 4. **Whitespace**: every run of whitespace (spaces, tabs, line breaks of any kind, NBSP after
//!    NFKC) becomes one space, and the ends are trimmed.
//!
//! The result is stable: `normalize(normalize(x)) == normalize(x)`.
//!
//! # What it does not do
//!
//! - It does not fold case: the search is case-sensitive (`Fängelse` is not `fängelse`).
//! - It does not equate quotation marks or apostrophes: NFKC leaves `„` `“` `”` `«` `’` as they
//!   are, distinct from `"` and `'`, so a quote typed with straight quotes is not found in a
//!   text set with curly ones. The quote must be copied, not retyped.
//! - It does not equate `ß` with `ss`, dashes (`–`) with hyphens, or remove invisible
//!   characters other than the soft hyphen (zero-width space, word joiner, BOM stay).
//! - Matches are substrings of characters, not of words or grapheme clusters.

use serde::Serialize;
use unicode_normalization::{UnicodeNormalization, is_nfkc};

const SOFT_HYPHEN: char = '\u{AD}';

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_hyphen(c: char) -> bool {
    c == '-' || c == '\u{2010}'
}

/// From `i`: spaces, exactly one line break (CRLF is one), spaces. The index after them, or
/// `None` when there is no line break there.
fn past_line_break(c: &[char], mut i: usize) -> Option<usize> {
    let horizontal = |c: char| c.is_whitespace() && !is_line_break(c);
    while c.get(i).copied().is_some_and(horizontal) {
        i += 1;
    }
    match c.get(i) {
        Some('\r') if c.get(i + 1) == Some(&'\n') => i += 2,
        Some(&b) if is_line_break(b) => i += 1,
        _ => return None,
    }
    while c.get(i).copied().is_some_and(horizontal) {
        i += 1;
    }
    Some(i)
}

/// Normalises text for quote checking; see the module documentation for the exact rules.
pub fn normalize(text: &str) -> String {
    let mut out = pass(text);
    // Removing characters can, in contrived input, leave a sequence that NFKC would compose
    // further; a second pass settles it (it changes nothing in ordinary text).
    for _ in 0..4 {
        if is_nfkc(&out) {
            break;
        }
        out = pass(&out);
    }
    out
}

fn pass(text: &str) -> String {
    let raw: Vec<char> = text.chars().collect();
    let mut no_shy = String::with_capacity(text.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == SOFT_HYPHEN {
            i = past_line_break(&raw, i + 1).unwrap_or(i + 1);
        } else {
            no_shy.push(raw[i]);
            i += 1;
        }
    }
    let c: Vec<char> = no_shy.nfkc().collect();
    let mut out = String::with_capacity(no_shy.len());
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if is_hyphen(ch)
            && out.chars().next_back().is_some_and(char::is_alphabetic)
            && let Some(j) = past_line_break(&c, i + 1)
        {
            match c.get(j) {
                Some(n) if n.is_lowercase() => {
                    i = j;
                    continue;
                }
                Some(n) if n.is_alphanumeric() => {
                    out.push(ch);
                    i = j;
                    continue;
                }
                _ => {}
            }
        }
        if ch.is_whitespace() {
            while c.get(i).is_some_and(|c| c.is_whitespace()) {
                i += 1;
            }
            if !out.is_empty() && i < c.len() {
                out.push(' ');
            }
            continue;
        }
        out.push(ch);
        i += 1;
    }
    out
}

/// Where a match lies in the normalised archived text, in characters (not bytes);
/// `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CharSpan {
    pub start: usize,
    pub end: usize,
}

/// The result of checking one quote against one archived text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteCheck {
    pub found: bool,
    /// The first match, in the normalised archived text.
    pub span: Option<CharSpan>,
    /// How many non-overlapping matches there are (more than one: the quote is ambiguous as a
    /// pinpoint).
    pub occurrences: usize,
    /// The quote as it was searched.
    pub normalized_quote: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum QuoteError {
    /// Nothing is left of the quote once normalised (empty, whitespace, soft hyphens): an
    /// empty quote would be "found" in any text, so it is refused.
    #[error("the quote is empty once normalised")]
    Empty,
}

/// Normalises both texts and searches the quote in the archived text, case-sensitively.
pub fn check_quote(archived_text: &str, quote: &str) -> Result<QuoteCheck, QuoteError> {
    let q = normalize(quote);
    if q.is_empty() {
        return Err(QuoteError::Empty);
    }
    let hay = normalize(archived_text);
    let mut matches = hay.match_indices(q.as_str());
    let span = matches.next().map(|(byte, _)| {
        let start = hay[..byte].chars().count();
        CharSpan {
            start,
            end: start + q.chars().count(),
        }
    });
    let occurrences = if span.is_some() {
        1 + matches.count()
    } else {
        0
    };
    Ok(QuoteCheck {
        found: span.is_some(),
        span,
        occurrences,
        normalized_quote: q,
    })
}

/// The char offsets `(start, end)` of the first match of `quote` in `normalize(archived_text)`,
/// or `None` when it does not occur. An empty quote is refused: `None` (use [`check_quote`] to
/// tell the two apart).
pub fn quote_found(archived_text: &str, quote: &str) -> Option<(usize, usize)> {
    let check = check_quote(archived_text, quote).ok()?;
    check.span.map(|s| (s.start, s.end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(text: &str, quote: &str) -> bool {
        quote_found(text, quote).is_some()
    }

    #[test]
    fn ligatures_and_full_width_characters_read_plain() {
        assert_eq!(
            normalize("De\u{FB01}nition der Stra\u{FB00}ung"),
            "Definition der Straffung"
        );
        assert!(found("Die De\u{FB01}nition", "Definition"));
        assert_eq!(
            normalize("ＬＧ Ｈａｍｂｕｒｇ，２０２３"),
            "LG Hamburg,2023"
        );
        assert!(found("Urteil des ＬＧ Ｈａｍｂｕｒｇ", "LG Hamburg"));
    }

    #[test]
    fn soft_hyphens_disappear() {
        assert_eq!(normalize("Ver\u{AD}ur\u{AD}tei\u{AD}lung"), "Verurteilung");
        assert_eq!(normalize("Verur\u{AD}\nteilung"), "Verurteilung");
        assert_eq!(normalize("Hamburg\u{AD} \r\n  Wandsbek"), "HamburgWandsbek");
        assert!(found(
            "eine Ver\u{AD}ur\u{AD}teilung wegen",
            "Verurteilung wegen"
        ));
    }

    #[test]
    fn line_end_hyphens_join_lower_case_and_keep_real_hyphens() {
        assert_eq!(normalize("die Verur-\nteilung"), "die Verurteilung");
        assert_eq!(normalize("die Verur- \r\n   teilung"), "die Verurteilung");
        assert_eq!(
            normalize("Amtsgericht Hamburg-\nWandsbek"),
            "Amtsgericht Hamburg-Wandsbek"
        );
        assert_eq!(normalize("Covid-\n19"), "Covid-19");
        assert_eq!(normalize("Ende -\nneu"), "Ende - neu");
        assert_eq!(normalize("Ende-\n\nneu"), "Ende- neu");
        assert_eq!(normalize("Ende-"), "Ende-");
        assert_eq!(
            normalize("ut-\nvisning på grund av brott"),
            "utvisning på grund av brott"
        );
        assert_eq!(normalize("Straf\u{2010}\nmaß"), "Strafmaß");
        assert!(found(
            "vom Amtsgericht Hamburg-\r\nWandsbek verurteilt",
            "Hamburg-Wandsbek"
        ));
    }

    #[test]
    fn whitespace_nbsp_and_crlf_collapse() {
        assert_eq!(
            normalize("  s.\u{A0}185\u{202F}StGB\r\n\r\n\tund  s. 241 "),
            "s. 185 StGB und s. 241"
        );
        assert!(found("nach s.\u{A0}185 StGB", "s. 185 StGB"));
        assert!(found("Zeile eins\r\nZeile zwei", "eins Zeile"));
        assert!(found("a\u{2028}b\u{3000}c", "a b c"));
    }

    #[test]
    fn umlauts_compose_and_case_matters() {
        // Decomposed input (a + combining diaeresis) matches the composed quote.
        assert!(found("tre års fa\u{308}ngelse", "tre års fängelse"));
        assert!(found("Hovrätten för O\u{308}vre Norrland", "Övre Norrland"));
        assert!(found(
            "wegen Beleidigung und Bedrohung",
            "Beleidigung und Bedrohung"
        ));
        assert!(!found("tre års fängelse", "tre års Fängelse"));
        assert!(!found("Verurteilung", "verurteilung"));
        assert!(!found("Straße", "Strasse"));
        assert!(found("synnerligen grovt brott", "grovt brott"));
    }

    #[test]
    fn offsets_count_characters_in_the_normalised_text() {
        assert_eq!(quote_found("Ärger über Öl", "Öl"), Some((11, 13)));
        assert_eq!(quote_found("  Ärger\r\n über   Öl", "Öl"), Some((11, 13)));
        let c = check_quote("ja, nein, ja", "ja").unwrap();
        assert_eq!((c.found, c.occurrences), (true, 2));
        assert_eq!(c.span, Some(CharSpan { start: 0, end: 2 }));
        let c = check_quote("nein", "ja").unwrap();
        assert_eq!((c.found, c.span, c.occurrences), (false, None, 0));
    }

    #[test]
    fn empty_quotes_are_refused() {
        for q in ["", "   ", "\u{AD}", "\r\n\u{A0}"] {
            assert_eq!(check_quote("any text", q), Err(QuoteError::Empty), "{q:?}");
            assert_eq!(quote_found("any text", q), None);
        }
    }

    #[test]
    fn curly_and_straight_quotes_are_not_equated() {
        assert_eq!(normalize("„Schande“"), "„Schande“");
        assert!(!found("sie schrieb „Schande“", "sie schrieb \"Schande\""));
        assert!(!found("he said “leave”", "he said \"leave\""));
        assert!(!found("domstolen’s beslut", "domstolen's beslut"));
        assert!(found("sie schrieb „Schande“", "sie schrieb „Schande“"));
    }

    fn text() -> impl Strategy<Value = String> {
        let pieces = vec![
            'a', 'Z', 'ä', 'Ö', 'ß', 'å', '-', '\u{2010}', '\u{AD}', ' ', '\u{A0}', '\n', '\r',
            '\t', '\u{FB01}', '\u{FF21}', '\u{308}', '\u{301}', '„', '“', '\u{2028}', '¨',
            '\u{3000}', '\u{1100}', '\u{1161}', '\u{11A8}',
        ];
        proptest::collection::vec(
            prop_oneof![4 => proptest::sample::select(pieces), 1 => any::<char>()],
            0..40,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn normalize_is_idempotent(s in text()) {
            let n = normalize(&s);
            prop_assert_eq!(normalize(&n), n);
        }

        #[test]
        fn substrings_of_normalized_text_are_found(s in text(), a in 0usize..64, b in 0usize..64) {
            let chars: Vec<char> = normalize(&s).chars().collect();
            let (i, j) = (a.min(b).min(chars.len()), a.max(b).min(chars.len()));
            let sub: String = chars[i..j].iter().collect();
            let hay: String = chars.iter().collect();
            match check_quote(&hay, &sub) {
                Ok(c) => prop_assert!(c.found, "{sub:?} in {hay:?}"),
                Err(QuoteError::Empty) => prop_assert!(sub.trim().is_empty(), "{sub:?}"),
            }
        }
    }
}
