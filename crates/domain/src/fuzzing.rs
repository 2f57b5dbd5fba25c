//! Entry points of the fuzz targets in `fuzz/` (see FUZZING.md). The fuzz binaries and the
//! corpus replay in `tests/fuzz_corpus/` call the same functions, so every input kept in
//! `fuzz/corpus/` and `fuzz/regressions/` is run exactly as the fuzzer ran it.
//!
//! Each function takes arbitrary bytes (read as UTF-8, invalid sequences replaced) and must
//! return whatever they are. Besides not panicking, each checks the promises its function
//! documents, with `assert!`, so that a broken promise is a crash the fuzzer keeps.

use crate::input::form_to_json;
use crate::pii;
use crate::quote;
use std::borrow::Cow;

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Fuzz target `quote`: the text up to the first NUL is the archived text, the rest the
/// quote (no NUL: the whole input is both). Normalises both and checks the quote. As the
/// module documents: the normalised text is trimmed and stable (normalising it again changes
/// nothing); the span found lies inside it and holds the normalised quote.
pub fn quote(bytes: &[u8]) {
    let s = text(bytes);
    let (archived, q) = s.split_once('\0').unwrap_or((&s, &s));
    let norm = quote::normalize(archived);
    assert_eq!(norm.trim(), norm, "normalised text is trimmed");
    assert_eq!(quote::normalize(&norm), norm, "normalize is stable");
    if let Ok(check) = quote::check_quote(archived, q) {
        assert_eq!(check.found, check.span.is_some());
        assert_eq!(check.found, check.occurrences > 0);
        if let Some(span) = check.span {
            let found: String = norm
                .chars()
                .skip(span.start)
                .take(span.end - span.start)
                .collect();
            assert_eq!(found, check.normalized_quote, "the span holds the quote");
        }
    }
}

/// Fuzz target `pii`: runs the PII check over the text. Hits are sorted, do not overlap, lie
/// inside the text (in characters) and their `text` is that slice.
pub fn pii(bytes: &[u8]) {
    let s = text(bytes);
    let chars: Vec<char> = s.chars().collect();
    let hits = pii::check(&s);
    let mut last_end = 0;
    for h in &hits {
        assert!(
            h.start < h.end && h.end <= chars.len(),
            "hit inside the text"
        );
        assert!(last_end <= h.start, "hits sorted and not overlapping");
        last_end = h.end;
        let slice: String = chars[h.start..h.end].iter().collect();
        assert_eq!(slice, h.text);
    }
}

/// Fuzz target `form`: each line `name=value` is one form pair (a line without `=` is a name
/// with an empty value). The pairs are nested by [`form_to_json`], whose answer is always an
/// object, and handed to the case and source parsers as the HTML forms are.
pub fn form(bytes: &[u8]) {
    let s = text(bytes);
    let pairs: Vec<(String, String)> = s
        .lines()
        .map(|l| {
            let (n, v) = l.split_once('=').unwrap_or((l, ""));
            (n.to_string(), v.to_string())
        })
        .collect();
    let json = form_to_json(&pairs);
    assert!(json.is_object(), "a form is an object");
    let _ = crate::Case::from_json(&json);
    let _ = crate::Source::from_json(&json);
}

/// A fuzz target's entry function.
pub type Target = fn(&[u8]);

/// The domain fuzz targets by name, as in `fuzz/Cargo.toml`.
pub const TARGETS: &[(&str, Target)] = &[("quote", quote), ("pii", pii), ("form", form)];
