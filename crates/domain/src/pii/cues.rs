//! The context around a capitalised run that says it names a person: honorifics, roles,
//! naming words, ages, appositions, reporting verbs.

use super::classify::{Class, has_suffix, key, name_morphology};
use super::names::{Ctx, Run};
use super::token::{Kind, Lang, Sentence, Token};

/// Words that introduce a name ("named", "namens", "heter", "kallas").
pub(crate) const NAMING_CUES: &[&str] = &[
    "named",
    "called",
    "alias",
    "aka",
    "namens",
    "genannt",
    "heißt",
    "heisst",
    "heter",
    "kallas",
    "kallad",
    "kallade",
    "kallat",
    "identified",
    "known",
    "names",
];

/// Words that may stand between a naming cue and the name ("named locally as").
pub(crate) const NAMING_FILLERS: &[&str] = &[
    "as", "only", "locally", "publicly", "also", "simply", "by", "the", "name", "of", "som",
];

/// Verbs of speech right after a name ("Petersen sagte", "Lundqvist uppgav").
pub(crate) const REPORTING_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "denied",
    "denies",
    "admitted",
    "admits",
    "claimed",
    "testified",
    "insisted",
    "pleaded",
    "wrote",
    "sagte",
    "erklärte",
    "bestritt",
    "bestreitet",
    "räumte",
    "gab",
    "gestand",
    "schrieb",
    "berichtete",
    "schilderte",
    "behauptete",
    "sa",
    "sade",
    "sägs",
    "uppgav",
    "berättade",
    "nekade",
    "nekar",
    "medgav",
    "erkände",
    "skrev",
    "hävdade",
    "förnekade",
];

/// Person nouns that say less than a role: a capitalised word after them is often just a noun.
pub(crate) const WEAK_ROLES: &[&str] = &[
    "man",
    "woman",
    "men",
    "women",
    "boy",
    "girl",
    "boys",
    "girls",
    "child",
    "youth",
    "teenager",
    "mann",
    "männer",
    "junge",
    "mädchen",
    "jugendliche",
    "jugendlicher",
    "jugendlichen",
    "heranwachsende",
    "heranwachsender",
    "flüchtling",
    "mannen",
    "kvinnan",
    "pojken",
    "flickan",
    "tjejen",
    "killen",
    "refugee",
    "migrant",
    "worker",
    "driver",
    "owner",
    "student",
    "pupil",
];

/// Words that open a noun phrase in apposition ("X, the driver,").
pub(crate) const DETERMINERS: &[&str] = &[
    "the", "a", "an", "his", "her", "their", "der", "die", "das", "den", "dem", "ein", "eine",
    "sein", "seine", "ihr", "ihre", "en", "ett", "hans", "hennes", "deras", "dess",
];

pub(crate) const CONJUNCTIONS: &[&str] = &[
    "and", "und", "och", "or", "oder", "eller", "&", "sowie", "samt",
];

/// Prepositions that usually introduce a place, not a person.
pub(crate) const PLACE_PREPOSITIONS: &[&str] = &[
    "in", "at", "near", "i", "på", "vid", "nahe", "bei", "the", "a", "an", "of",
];

/// Skips back over opening quotes from token `i` (exclusive); returns the index before them.
pub(crate) fn before_quotes(ctx: &Ctx, i: usize) -> Option<usize> {
    let mut k = i.checked_sub(1)?;
    while ctx.tokens[k].kind == Kind::Punct && is_quote(&ctx.tokens[k].text) {
        k = k.checked_sub(1)?;
    }
    Some(k)
}

pub(crate) fn is_quote(s: &str) -> bool {
    matches!(
        s,
        "\"" | "'" | "„" | "“" | "”" | "‘" | "’" | "«" | "»" | "‚" | "‹" | "›"
    )
}

/// An honorific, role or naming word right before the run.
pub(crate) fn cue_before(ctx: &Ctx, run: &Run) -> bool {
    let Some(mut k) = before_quotes(ctx, run.first) else {
        return false;
    };
    // A plain person noun ("den Mann", "the girl", "die Frau") is a weaker cue than a role:
    // "gegen den Mann Pfefferspray" has no name in it.
    let strong_run = run.names >= 2 || run.given || run.initial;
    // "Dr." / "Prof." between a role and the name count as honorifics themselves.
    if ctx.tokens[k].is_punct('.') && k > 0 && ctx.is_honorific(k - 1) {
        return true;
    }
    if ctx.is_honorific(k) {
        return !ctx.is_weak_role(k) || strong_run;
    }
    if ctx.tokens[k].is_punct(':') && k > 0 {
        k -= 1;
    }
    if ctx.is_role(k) {
        return !ctx.is_weak_role(k) || strong_run;
    }
    if known_as(ctx, k) {
        return true;
    }
    // "named locally as", "som heter", "genannt „...".
    let mut steps = 0;
    let mut k = Some(k);
    while let Some(p) = k {
        if steps > 3 {
            break;
        }
        let w = ctx.lower(p);
        if ctx.tokens[p].is_word() && NAMING_CUES.contains(&w) {
            return true;
        }
        if !(NAMING_FILLERS.contains(&w) || is_quote(&ctx.tokens[p].text)) {
            break;
        }
        steps += 1;
        k = p.checked_sub(1);
    }
    false
}

/// "17-jährige", "19-årige", "16-year-old" (after a number and a hyphen).
const AGE_ADJECTIVES: &[&str] = &[
    "jährige",
    "jährigen",
    "jähriger",
    "jährigem",
    "årige",
    "åriga",
    "årig",
    "year-old",
];

/// "Der 17-jährige Noah B.", "den 19-årige Oskar L.", "a 16-year-old, named ...".
pub(crate) fn age_before(ctx: &Ctx, run: &Run) -> bool {
    let Some(k) = run.first.checked_sub(1) else {
        return false;
    };
    let w = ctx.lower(k);
    let adjective = AGE_ADJECTIVES.contains(&w);
    adjective && k >= 2 && ctx.tokens[k - 1].is_punct('-') && ctx.tokens[k - 2].kind == Kind::Number
}

pub(crate) fn is_age(t: &Token) -> bool {
    t.kind == Kind::Number
        && t.len() <= 3
        && t.text.parse::<u32>().is_ok_and(|v| (1..=110).contains(&v))
}

/// "Anna K. (19)", "Karl Svensson, 34,", "Sara Lind, 22, från", "Per Strand, 71."
pub(crate) fn age_after(ctx: &Ctx, run: &Run) -> bool {
    let t = ctx.tokens;
    let i = run.last + 1;
    let get = |k: usize| t.get(k);
    if get(i).is_some_and(|p| p.is_punct('(')) && get(i + 1).is_some_and(is_age) {
        return get(i + 2).is_some_and(|p| p.is_punct(')'))
            || get(i + 2)
                .is_some_and(|w| matches!(w.lower.as_str(), "jahre" | "år" | "years" | "j"));
    }
    if get(i).is_some_and(|p| p.is_punct(',')) && get(i + 1).is_some_and(is_age) {
        return match get(i + 2) {
            None => true,
            Some(n) => {
                n.is_punct(',')
                    || n.is_punct('.')
                    || n.is_punct(';')
                    || n.is_punct(')')
                    || matches!(
                        n.lower.as_str(),
                        "år" | "years" | "jahre" | "and" | "und" | "och"
                    )
            }
        };
    }
    false
}

/// Is there a role word among the tokens `from..to`, counting back from `to` and stopping at
/// the first token that is not a word?
pub(crate) fn role_within(ctx: &Ctx, from: usize, to: usize) -> bool {
    (from..to)
        .rev()
        .take_while(|&k| ctx.tokens[k].is_word())
        .any(|k| ctx.is_role(k))
}

/// "The victim's mother, Sarah W.,": a role, then a comma, then the run, then a comma, a
/// full stop, a bracket, a conjunction or the end.
pub(crate) fn apposition_after_role(ctx: &Ctx, run: &Run) -> bool {
    let Some(comma) = before_quotes(ctx, run.first) else {
        return false;
    };
    if !ctx.tokens[comma].is_punct(',') {
        return false;
    }
    let from = comma.saturating_sub(5);
    if !role_within(ctx, from, comma) {
        return false;
    }
    match ctx.tokens.get(run.last + 1) {
        None => true,
        Some(n) => {
            n.kind == Kind::Punct && !n.is_punct('-') || CONJUNCTIONS.contains(&n.lower.as_str())
        }
    }
}

/// "Kowalski, the driver,", "Nour A., a Syrian refugee,", "Bashir, who was 19".
pub(crate) fn apposition_before_role(ctx: &Ctx, run: &Run) -> bool {
    let i = run.last + 1;
    if !ctx.tokens.get(i).is_some_and(|t| t.is_punct(',')) {
        return false;
    }
    if ctx
        .tokens
        .get(i + 1)
        .is_some_and(|t| matches!(t.lower.as_str(), "who" | "whose" | "whom"))
    {
        return true;
    }
    let Some(first) = ctx.tokens.get(i + 1) else {
        return false;
    };
    if !(ctx.is_role(i + 1) || DETERMINERS.contains(&first.lower.as_str())) {
        return false;
    }
    let to = (i + 6).min(ctx.tokens.len());
    (i + 1..to)
        .take_while(|&k| ctx.tokens[k].is_word())
        .any(|k| ctx.is_role(k))
}

pub(crate) fn reporting_verb_after(ctx: &Ctx, run: &Run) -> bool {
    ctx.tokens.get(run.last + 1).is_some_and(|t| {
        t.is_word() && !t.is_capitalised() && REPORTING_VERBS.contains(&t.lower.as_str())
    })
}

/// Endings of English nouns and adjectives ("Patriotic Alternative", "Equality Commission").
pub(crate) const ENGLISH_WORD_SUFFIXES: &[&str] = &[
    "ic", "ics", "ical", "ive", "ives", "ous", "ist", "ists", "ism", "ity", "ities", "tion",
    "tions", "sion", "ment", "ments", "ness", "ship", "ance", "ence", "ary", "ory", "able", "ible",
    "ful", "less", "ism", "ians", "ery", "ure", "ward", "wide",
];

/// Words before a German noun: articles and prepositions merged with them.
pub(crate) const GERMAN_ARTICLES: &[&str] = &[
    "der", "die", "das", "dem", "den", "des", "ein", "eine", "einer", "einem", "einen", "eines",
    "im", "am", "vom", "zum", "zur", "beim", "ins", "ans", "aufs", "kein", "keine", "jede",
    "jeder", "jedes", "diese", "dieser", "dieses", "diesem", "diesen",
];

/// Two or more unknown capitalised words inside a sentence: in English and Swedish, where
/// common nouns are written in lower case, or in German when no article introduces them
/// (German nouns take one; persons' names do not).
pub(crate) fn capitalised_pair(ctx: &Ctx, run: &Run, s: Sentence) -> bool {
    if s.headline || run.names < 2 || run.initial {
        return false;
    }
    if ctx.tokens[run.first].sentence_start && !run.morphology {
        return false;
    }
    if let Some(p) = run.first.checked_sub(1) {
        let prev = ctx.lower(p);
        let excluded = if s.lang == Lang::De {
            GERMAN_ARTICLES
        } else {
            PLACE_PREPOSITIONS
        };
        if excluded.contains(&prev) || (s.lang == Lang::De && PLACE_PREPOSITIONS.contains(&prev)) {
            return false;
        }
    }
    // "Tower Hamlets Council": followed by a capitalised common word or institution.
    let next = run.last + 1;
    if next < ctx.tokens.len()
        && ctx.adjacent(next)
        && matches!(ctx.class[next], Class::Common | Class::Proper | Class::Caps)
    {
        return false;
    }
    let wordlike = (run.first..=run.last).any(|k| {
        ctx.class[k] == Class::Unknown
            && !name_morphology(&ctx.tokens[k].text)
            && has_suffix(&key(&ctx.tokens[k]), ENGLISH_WORD_SUFFIXES, 3)
    });
    !wordlike
}

/// "known to her friends as X", "referred to as X", "als X bekannt": a naming word a few
/// words before "as".
pub(crate) fn known_as(ctx: &Ctx, k: usize) -> bool {
    if !matches!(ctx.lower(k), "as" | "als" | "som") {
        return false;
    }
    let sentence = ctx.tokens[k].sentence;
    (k.saturating_sub(6)..k)
        .filter(|&p| ctx.tokens[p].sentence == sentence)
        .any(|p| {
            matches!(
                ctx.lower(p),
                "known"
                    | "identified"
                    | "named"
                    | "called"
                    | "referred"
                    | "bekannt"
                    | "bezeichnet"
                    | "känd"
                    | "kallad"
                    | "kallas"
                    | "omnämnd"
            )
        })
}
