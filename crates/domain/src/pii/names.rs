//! Likely names of persons: capitalised runs of words with evidence that they name a person.

use std::collections::HashSet;

use super::classify::{Class, classify_word, key, name_morphology, phrase_cover};
use super::cues::{
    CONJUNCTIONS, GERMAN_ARTICLES, WEAK_ROLES, age_after, age_before, apposition_after_role,
    apposition_before_role, capitalised_pair, cue_before, reporting_verb_after,
};
use super::lexicon::{LEXICON, Lexicon};
use super::token::{Kind, Lang, Sentence, Token, sentences};
use super::{PiiKind, Span};

/// A capitalised run of words that may be a name.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// First and last token (the last may be the full stop of an initial).
    pub(crate) first: usize,
    pub(crate) last: usize,
    /// Char offsets of the span (a possessive "'s" left out).
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Words that can be parts of a name (given, ambiguous, unknown, a place as surname).
    pub(crate) names: usize,
    /// Holds a known given name; one that is also a common word; how many unknown words.
    pub(crate) given: bool,
    pub(crate) ambiguous: bool,
    pub(crate) unknown: usize,
    /// Holds an initial ("K.").
    pub(crate) initial: bool,
    /// A word shaped like a surname ("-sson", "-ić", "al-").
    pub(crate) morphology: bool,
    /// Decided to be a name.
    pub(crate) flagged: bool,
}

/// The tokens of a text with what is known about each.
pub(crate) struct Ctx<'a> {
    pub(crate) lex: &'a Lexicon,
    pub(crate) tokens: &'a [Token],
    pub(crate) class: Vec<Class>,
    /// Covered by a multi-word entry of the word lists.
    pub(crate) phrase: Vec<bool>,
    pub(crate) sentences: Vec<Sentence>,
}

impl Ctx<'_> {
    pub(crate) fn sentence(&self, i: usize) -> Sentence {
        self.sentences[self.tokens[i].sentence]
    }

    pub(crate) fn lower(&self, i: usize) -> &str {
        &self.tokens[i].lower
    }

    pub(crate) fn is_role(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        t.is_word() && self.lex.roles.contains(&key(t))
    }

    pub(crate) fn is_honorific(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        t.is_word() && self.lex.honorifics.contains(&t.lower)
    }

    /// A plain person noun ("man", "Mädchen", "kvinnan"), or "Frau" / "Herr" after an article
    /// (the noun, not the honorific).
    pub(crate) fn is_weak_role(&self, i: usize) -> bool {
        let w = self.lower(i);
        WEAK_ROLES.contains(&w)
            || (matches!(w, "frau" | "herr" | "herrn")
                && i > 0
                && GERMAN_ARTICLES.contains(&self.lower(i - 1)))
    }

    pub(crate) fn is_name_token(&self, i: usize) -> bool {
        matches!(
            self.class[i],
            Class::Given | Class::Ambiguous | Class::Unknown
        )
    }

    /// A single-word place that follows a given name is read as a surname ("Fatma Aydın",
    /// "Lars Lund"); phrases, calendar words and suffix-made places are not.
    pub(crate) fn surname_like_place(&self, i: usize, run: &Run) -> bool {
        let t = &self.tokens[i];
        run.given
            && self.class[run.last] == Class::Given
            && self.class[i] == Class::Proper
            && !self.phrase[i]
            && !self.lex.calendar.contains(&key(t))
            && self.lex.proper.contains(&key(t))
    }

    /// Two tokens are neighbours in a run: same line, same sentence.
    pub(crate) fn adjacent(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        !t.newline_before && !t.sentence_start
    }
}

fn build_runs(ctx: &Ctx) -> Vec<Run> {
    let tokens = ctx.tokens;
    let mut runs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !ctx.is_name_token(i) {
            i += 1;
            continue;
        }
        let mut run = Run {
            first: i,
            last: i,
            start: tokens[i].start,
            end: tokens[i].end,
            names: 0,
            given: false,
            ambiguous: false,
            unknown: 0,
            initial: false,
            morphology: false,
            flagged: false,
        };
        let mut j = i;
        loop {
            match ctx.class[j] {
                Class::Given => run.given = true,
                Class::Ambiguous => run.ambiguous = true,
                Class::Unknown => run.unknown += 1,
                _ => {}
            }
            if ctx.class[j] == Class::Initial {
                run.initial = true;
                run.last = j + 1;
                run.end = tokens[j + 1].end;
            } else {
                if ctx.is_name_token(j) || ctx.class[j] == Class::Proper {
                    run.names += 1;
                    run.morphology |= name_morphology(&tokens[j].text);
                }
                run.last = j;
                run.end = tokens[j].end;
            }
            let next = run.last + 1;
            if next >= tokens.len() || !ctx.adjacent(next) {
                break;
            }
            if ctx.is_name_token(next)
                || ctx.class[next] == Class::Initial
                || ctx.surname_like_place(next, &run)
            {
                j = next;
                continue;
            }
            // Particles between names: "van der Berg", "af Klintberg".
            let mut k = next;
            while k < tokens.len()
                && k < next + 3
                && ctx.class[k] == Class::Particle
                && ctx.adjacent(k)
            {
                k += 1;
            }
            if k > next && k < tokens.len() && ctx.adjacent(k) && ctx.is_name_token(k) {
                j = k;
                continue;
            }
            break;
        }
        // "Doğan's lawyer": the possessive is not part of the name.
        let last = &tokens[run.last];
        if last.is_word() && (last.text.ends_with("'s") || last.text.ends_with("’s")) {
            run.end -= 2;
        }
        i = run.last + 1;
        runs.push(run);
    }
    runs
}

fn decide(ctx: &Ctx, run: &Run) -> bool {
    let s = ctx.sentence(run.first);
    let first_is_unknown = ctx.class[run.first] == Class::Unknown;
    let honorific_or_naming = cue_before(ctx, run);
    if s.headline {
        return honorific_or_naming || (run.given && (run.names >= 2 || run.initial));
    }
    let lonely_ambiguous = run.ambiguous && !run.given && run.names == 1 && !run.initial;
    let cue = honorific_or_naming
        || age_after(ctx, run)
        || (age_before(ctx, run) && (run.names >= 2 || run.given || run.initial))
        || apposition_after_role(ctx, run)
        || apposition_before_role(ctx, run);
    if cue {
        return true;
    }
    if lonely_ambiguous {
        return false;
    }
    run.given
        || (run.ambiguous && (run.names >= 2 || run.initial))
        || (first_is_unknown && run.initial)
        || capitalised_pair(ctx, run, s)
        || (reporting_verb_after(ctx, run) && (run.morphology || run.names >= 2))
        || (s.lang == Lang::De && run.names >= 2 && run.morphology)
}

/// The next run after `run` joined by a conjunction ("X Y and Z W"), if any.
fn joined_next(ctx: &Ctx, runs: &[Run], r: usize) -> Option<usize> {
    let run = &runs[r];
    let conj = run.last + 1;
    let t = ctx.tokens.get(conj)?;
    if !(t.is_word() && CONJUNCTIONS.contains(&t.lower.as_str())) {
        return None;
    }
    let next = runs.get(r + 1)?;
    (next.first == conj + 1).then_some(r + 1)
}

/// Spreads a name decision across conjunctions ("Farid N. and Zabihullah S.", "Amber and
/// Jade"), and to runs joined by a conjunction that both look like surnames.
fn spread_over_conjunctions(ctx: &Ctx, runs: &mut [Run]) {
    for _ in 0..3 {
        let mut changed = false;
        for r in 0..runs.len() {
            let Some(n) = joined_next(ctx, runs, r) else {
                continue;
            };
            if ctx.sentence(runs[r].first).headline {
                continue;
            }
            let (a, b) = (&runs[r], &runs[n]);
            let parallel = a.names == 1 && b.names == 1;
            let surnames =
                parallel && a.morphology && b.morphology && a.unknown == 1 && b.unknown == 1;
            if a.flagged != b.flagged {
                let other = if a.flagged { b } else { a };
                if parallel || other.names >= 2 {
                    runs[r].flagged = true;
                    runs[n].flagged = true;
                    changed = true;
                }
            } else if !a.flagged && surnames {
                runs[r].flagged = true;
                runs[n].flagged = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// "Johansson, Lina Maria," / "SAMADI, Reza," / "Ekdahl, Maja.": surname first, as Swedish
/// court documents write, at the start of a sentence or after a colon or a role.
fn surname_first(ctx: &Ctx) -> Vec<Span> {
    let t = ctx.tokens;
    let mut out = Vec::new();
    for i in 0..t.len() {
        let surname =
            matches!(ctx.class[i], Class::Unknown | Class::Caps | Class::Given) && t[i].len() >= 2;
        if !surname {
            continue;
        }
        let opening =
            t[i].sentence_start || (i > 0 && (t[i - 1].is_punct(':') || ctx.is_role(i - 1)));
        if !opening || !t.get(i + 1).is_some_and(|c| c.is_punct(',')) {
            continue;
        }
        let mut j = i + 2;
        let mut given = 0;
        while j < t.len()
            && matches!(ctx.class[j], Class::Given | Class::Ambiguous)
            && !t[j].newline_before
        {
            given += usize::from(ctx.class[j] == Class::Given);
            j += 1;
        }
        if given == 0 {
            continue;
        }
        let closes = match t.get(j) {
            None => true,
            Some(n) => {
                n.is_punct(',') || n.is_punct('.') || n.is_punct(';') || n.kind == Kind::Number
            }
        };
        if closes {
            out.push(Span {
                kind: PiiKind::PersonName,
                start: t[i].start,
                end: t[j - 1].end,
            });
        }
    }
    out
}

/// Person-name spans in the text.
pub(crate) fn person_names(_chars: &[char], tokens: &[Token]) -> Vec<Span> {
    let lex: &Lexicon = &LEXICON;
    let sentences = sentences(tokens);
    let phrase = phrase_cover(lex, tokens);
    let class: Vec<Class> = (0..tokens.len())
        .map(|i| {
            let t = &tokens[i];
            if t.kind != Kind::Word {
                Class::Other
            } else if phrase[i] {
                Class::Proper
            } else {
                classify_word(lex, t, tokens.get(i + 1), sentences[t.sentence].lang)
            }
        })
        .collect();
    let ctx = Ctx {
        lex,
        tokens,
        class,
        phrase,
        sentences,
    };
    let mut runs = build_runs(&ctx);
    for run in &mut runs {
        run.flagged = decide(&ctx, run);
    }
    spread_over_conjunctions(&ctx, &mut runs);
    // Later mentions of a surname already found ("Rahimi told the court").
    let known: HashSet<String> = runs
        .iter()
        .filter(|r| r.flagged)
        .flat_map(|r| {
            (r.first..=r.last).filter(|&k| ctx.class[k] == Class::Unknown && tokens[k].len() >= 3)
        })
        .map(|k| key(&tokens[k]))
        .collect();
    for run in runs.iter_mut().filter(|r| !r.flagged) {
        run.flagged = (run.first..=run.last)
            .any(|k| ctx.class[k] == Class::Unknown && known.contains(&key(&tokens[k])));
    }
    let mut out: Vec<Span> = runs
        .iter()
        .filter(|r| r.flagged)
        .map(|r| Span {
            kind: PiiKind::PersonName,
            start: r.start,
            end: r.end,
        })
        .collect();
    out.extend(surname_first(&ctx));
    out
}
