//! How each word can take part in a name: word lists, suffixes and name morphology.

use super::lexicon::Lexicon;
use super::token::{Lang, Token};

/// How a token can take part in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Lower-case word, number or punctuation.
    Other,
    /// A lower-case name particle ("van", "von", "al", "af").
    Particle,
    /// A known given name.
    Given,
    /// A known given name that is also a common word, place, country or month.
    Ambiguous,
    /// A capitalised word on no list.
    Unknown,
    /// A capitalised word that is a common word.
    Common,
    /// A place, country, nationality, institution, law or calendar word.
    Proper,
    /// A role or relation ("Zeugin"), or an honorific ("Herr").
    Cue,
    /// Two or more capitals ("SAMADI", "BAMF").
    Caps,
    /// A single capital followed by a full stop ("M.").
    Initial,
}

pub(crate) const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "al", "el",
    "bin", "ibn", "ben", "bint", "af", "ter", "ten", "zu", "dos", "ould",
];

/// German suffixes of common nouns (so a capitalised German noun is not taken as a name).
pub(crate) const GERMAN_NOUN_SUFFIXES: &[&str] = &[
    "ung",
    "ungen",
    "heit",
    "heiten",
    "keit",
    "keiten",
    "schaft",
    "schaften",
    "tion",
    "tionen",
    "tät",
    "täten",
    "nis",
    "nisse",
    "ismus",
    "gesetz",
    "gesetzes",
    "recht",
    "rechts",
    "strafe",
    "strafen",
    "verfahren",
    "stelle",
    "bild",
    "arrest",
    "haft",
    "verein",
    "verband",
    "bund",
    "rat",
    "ausschuss",
    "statistik",
    "zahlen",
    "angriff",
    "angriffe",
    "delikt",
    "delikte",
    "kommission",
    "anwalt",
    "anwältin",
    "zeitung",
    "sender",
    "partei",
    "politik",
    "minister",
    "ministerin",
    "lage",
    "daten",
    "tat",
    "taten",
    "opfer",
    "täter",
    "zentrum",
    "heim",
    "schule",
    "gruppe",
    "bericht",
    "beschluss",
    "urteil",
    "prozess",
    "kontrolle",
    "ische",
    "ischen",
    "ischer",
    "isches",
    "liche",
    "lichen",
    "licher",
    "liches",
];

/// Suffixes of institutions and places (German and Swedish compounds).
pub(crate) const INSTITUTION_SUFFIXES: &[&str] = &[
    "gericht",
    "gerichts",
    "gerichtshof",
    "amt",
    "amtes",
    "ämter",
    "ministerium",
    "ministeriums",
    "polizei",
    "behörde",
    "behörden",
    "anwaltschaft",
    "kammer",
    "präsidium",
    "direktion",
    "regierung",
    "verwaltung",
    "verket",
    "verkets",
    "myndigheten",
    "myndighet",
    "rätten",
    "rättens",
    "domstolen",
    "domstol",
    "departementet",
    "styrelsen",
    "vården",
    "ombudsmannen",
    "partiet",
    "demokraterna",
    "polisen",
    "kommun",
    "kommunen",
    "straße",
    "strasse",
    "gatan",
    "vägen",
    "platz",
    "bahnhof",
    "park",
    "kirche",
    "moschee",
    "centralen",
    "torget",
    "shire",
];

/// Name morphology: endings and beginnings of surnames in the traditions of these cases.
pub(crate) const NAME_SUFFIXES: &[&str] = &[
    "sson", "son", "ström", "strøm", "qvist", "kvist", "gren", "ović", "ević", "vić", "ovic",
    "evic", "vich", "ić", "ski", "ska", "cki", "cka", "wicz", "czyk", "czak", "oğlu", "oglu",
    "zadeh", "zada", "zai", "khel", "yan", "poulos", "escu", "eanu", "ullah", "ullahi", "uddin",
    "enko", "chuk", "shvili", "idze", "sen",
];
pub(crate) const NAME_PREFIXES: &[&str] = &[
    "gebre", "ghebre", "habte", "tesfa", "wolde", "welde", "berhe", "abdi", "abdul", "abdel",
    "al-", "el-", "mc", "o'", "o’",
];
pub(crate) const NAME_LETTERS: &str = "ıİğĞşŞćĆčČđĐłŁńŃśŚźŹżŻțȚșȘřŘ";

/// Does the word look like a surname from its shape alone?
pub(crate) fn name_morphology(word: &str) -> bool {
    let lower = word.to_lowercase();
    let n = lower.chars().count();
    if word.chars().any(|c| NAME_LETTERS.contains(c)) {
        return true;
    }
    if NAME_SUFFIXES
        .iter()
        .any(|s| lower.ends_with(s) && n >= s.chars().count() + 3)
    {
        return true;
    }
    if NAME_PREFIXES
        .iter()
        .any(|p| lower.starts_with(p) && n >= p.chars().count() + 2)
    {
        return true;
    }
    // Persian and Afghan "-i" surnames (Rahimi, Sultani); not German "-ei" or "-ai".
    if n >= 5 && lower.ends_with('i') && !lower.ends_with("ei") && !lower.ends_with("ai") {
        let before = lower.chars().rev().nth(1).unwrap_or('a');
        return !"aeiouyäöüå".contains(before);
    }
    false
}

/// The lookup key of a word: lower case, without a possessive "'s".
pub(crate) fn key(t: &Token) -> String {
    let k = t.lower.as_str();
    let k = k
        .strip_suffix("'s")
        .or_else(|| k.strip_suffix("’s"))
        .unwrap_or(k);
    k.to_string()
}

/// Ends with one of `suffixes` after a stem of at least `stem` letters.
pub(crate) fn has_suffix(key: &str, suffixes: &[&str], stem: usize) -> bool {
    let n = key.chars().count();
    suffixes
        .iter()
        .any(|s| key.ends_with(s) && n >= s.chars().count() + stem)
}

pub(crate) fn classify_word(lex: &Lexicon, t: &Token, next: Option<&Token>, lang: Lang) -> Class {
    if !t.is_capitalised() {
        if PARTICLES.contains(&t.lower.as_str()) {
            return Class::Particle;
        }
        // "al-Jaber", "el-Masri", "bin-Laden": a particle joined to a capitalised name.
        let joined = t
            .text
            .split_once(['-', '\u{2010}', '\u{2011}'])
            .is_some_and(|(p, rest)| {
                PARTICLES.contains(&p) && rest.chars().next().is_some_and(char::is_uppercase)
            });
        return if joined { Class::Unknown } else { Class::Other };
    }
    if t.text.chars().count() == 1 {
        let dot = next.is_some_and(|n| n.is_punct('.') && n.start == t.end);
        return if dot { Class::Initial } else { Class::Common };
    }
    if t.is_all_caps() {
        return Class::Caps;
    }
    let k = key(t);
    if lex.honorifics.contains(&k) || lex.roles.contains(&k) {
        return Class::Cue;
    }
    let parts: Vec<&str> = k.split(['-', '\u{2010}', '\u{2011}']).collect();
    let given = lex.given.contains(&k) || (parts.len() > 1 && lex.given.contains(parts[0]));
    let proper = lex.proper.contains(&k)
        || lex.calendar.contains(&k)
        || has_suffix(&k, INSTITUTION_SUFFIXES, 2)
        || (parts.len() > 1 && parts.iter().all(|p| lex.proper.contains(*p)));
    let common = lex.common.contains(&k)
        || (lang == Lang::De && has_suffix(&k, GERMAN_NOUN_SUFFIXES, 4))
        || (parts.len() > 1 && parts.iter().all(|p| lex.is_not_name(p)));
    match (given, proper || common) {
        (true, true) => Class::Ambiguous,
        (true, false) => Class::Given,
        (false, _) if proper => Class::Proper,
        (false, _) if common => Class::Common,
        _ => Class::Unknown,
    }
}

/// Marks the tokens covered by a phrase of the word lists ("Sankt Georg", "Home Office").
pub(crate) fn phrase_cover(lex: &Lexicon, tokens: &[Token]) -> Vec<bool> {
    let mut covered = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let mut advanced = false;
        if let Some(list) = lex.phrases.get(&tokens[i].lower) {
            for phrase in list {
                let fits = phrase.len() <= tokens.len() - i
                    && phrase.iter().enumerate().all(|(k, w)| {
                        let t = &tokens[i + k];
                        t.lower == *w || (k + 1 == phrase.len() && key(t) == *w)
                    });
                if fits {
                    covered[i..i + phrase.len()]
                        .iter_mut()
                        .for_each(|c| *c = true);
                    i += phrase.len();
                    advanced = true;
                    break;
                }
            }
        }
        if !advanced {
            i += 1;
        }
    }
    covered
}
