//! The personal-data check run on free-text fields when a record is saved.
//!
//! [`check`] looks for likely names of private persons, e-mail addresses, phone numbers and
//! street addresses, and returns each hit with its offsets in characters (not bytes) of the
//! field. It only detects: a hit asks the author to confirm or redact, and that decision is
//! recorded elsewhere. Names of public officials acting in their role are flagged too; the
//! author confirms them.
//!
//! Capitalisation alone says little (German capitalises every noun, and the names in these
//! cases come from many naming traditions), so a capitalised run of words is taken as a name
//! only with evidence: a known given name, an honorific or a role before it ("Zeugin", "the
//! defendant", "grannen"), a naming word ("named", "namens", "heter"), an age after it
//! ("Anna K. (19)", "Karl Svensson, 34,"), an apposition ("the victim's mother, X Y,"), name
//! morphology (Swedish "-sson", Balkan "-ić", Afghan "-ullah"), or an earlier mention in the
//! same text. Word lists of given names, places, countries and nationalities, institutions,
//! laws, calendar words and common words are compiled in from `data/pii/`.
//!
//! The check is pure: no IO, no clock, and it never panics, whatever the input.

mod classify;
mod contact;
mod cues;
mod lexicon;
mod names;
mod token;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

/// What kind of personal data a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    PersonName,
    Email,
    Phone,
    StreetAddress,
}

impl PiiKind {
    /// The snake_case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::PersonName => "person_name",
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::StreetAddress => "street_address",
        }
    }
}

/// One finding: `start..end` are offsets in Unicode scalar values (`char`s) of the checked
/// text, `end` exclusive; `text` is that slice of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiHit {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Longest text examined, in characters; anything beyond is not checked. Free-text fields are
/// bounded well below this (`NonEmptyText::MAX`).
pub const MAX_CHARS: usize = 200_000;

/// A candidate span before overlaps are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// Finds likely personal data in `text`. Hits are sorted by position and do not overlap.
pub fn check(text: &str) -> Vec<PiiHit> {
    let chars: Vec<char> = text.chars().take(MAX_CHARS).collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let tokens = token::tokenize(&chars);
    let mut spans = Vec::new();
    spans.extend(contact::emails(&chars));
    spans.extend(contact::phones(&chars));
    spans.extend(contact::addresses(&chars, &tokens));
    spans.extend(names::person_names(&chars, &tokens));
    resolve(&chars, spans)
}

/// Keeps non-overlapping spans: contact data before names, longer before shorter.
fn resolve(chars: &[char], mut spans: Vec<Span>) -> Vec<PiiHit> {
    spans.retain(|s| s.start < s.end && s.end <= chars.len());
    spans.sort_by_key(|s| {
        (
            priority(s.kind),
            std::cmp::Reverse(s.end - s.start),
            s.start,
        )
    });
    let mut kept: Vec<Span> = Vec::new();
    for s in spans {
        if kept.iter().all(|k| s.end <= k.start || k.end <= s.start) {
            kept.push(s);
        }
    }
    kept.sort_by_key(|s| (s.start, s.end));
    kept.into_iter()
        .map(|s| PiiHit {
            kind: s.kind,
            start: s.start,
            end: s.end,
            text: chars[s.start..s.end].iter().collect(),
        })
        .collect()
}

fn priority(kind: PiiKind) -> u8 {
    match kind {
        PiiKind::Email => 0,
        PiiKind::Phone => 1,
        PiiKind::StreetAddress => 2,
        PiiKind::PersonName => 3,
    }
}
