//! Tokens of a text, with char offsets, sentence starts, the language of each sentence and
//! whether it is set as a headline.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters, with inner hyphens and apostrophes ("al-Jaber", "O'Driscoll").
    Word,
    /// Digits.
    Number,
    /// Any other single non-space character.
    Punct,
}

/// The language a sentence is most likely written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    De,
    Sv,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub text: String,
    pub lower: String,
    /// Whitespace separates this token from the one before.
    pub space_before: bool,
    /// A line break separates this token from the one before.
    pub newline_before: bool,
    /// The first word or number of a sentence (or of a line, or after a colon).
    pub sentence_start: bool,
    /// Index of the sentence; see [`Sentence`].
    pub sentence: usize,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.starts_with(c)
    }

    /// Starts with an upper-case letter.
    pub fn is_capitalised(&self) -> bool {
        self.kind == Kind::Word && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Two or more letters, all upper case ("SAMADI", "StGB" is not).
    pub fn is_all_caps(&self) -> bool {
        self.kind == Kind::Word
            && self.text.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && !self.text.chars().any(char::is_lowercase)
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Facts about one sentence.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sentence {
    pub lang: Lang,
    /// Set in title case or capitals, as a headline: capitals say even less there.
    pub headline: bool,
}

/// Marks that may follow a letter inside a word.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || is_mark(c)
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\'' | '’' | '\u{2010}' | '\u{2011}')
}

fn is_newline(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "prof", "st", "nr", "no", "art", "abs", "tel", "kap", "ca", "bzw",
    "vgl", "ggf", "inkl", "jan", "feb", "febr", "aug", "sept", "okt", "oct", "nov", "dez", "dec",
    "str", "jr", "sr", "etc", "ff", "bl", "resp", "approx", "fig", "ref", "sec", "ss", "para",
    "paras", "anm", "fr", "hr", "tfn", "ggr", "dvs", "bl.a", "t.ex", "z", "u", "evtl", "sog",
    "mio", "mrd", "az", "gem", "ziff", "lit", "geb", "verh", "u.a", "e.g", "i.e", "vs",
];

/// Splits `chars` into tokens and marks sentence starts.
pub(crate) fn tokenize(chars: &[char]) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    let n = chars.len();
    let mut space = false;
    let mut newline = false;
    while i < n {
        let c = chars[i];
        if c.is_whitespace() || c.is_control() {
            space = true;
            newline |= is_newline(c);
            i += 1;
            continue;
        }
        let start = i;
        let kind = if is_word_char(c) && !is_mark(c) {
            i += 1;
            while i < n {
                if is_word_char(chars[i]) {
                    i += 1;
                } else if is_joiner(chars[i])
                    && i + 1 < n
                    && chars[i + 1].is_alphabetic()
                    && is_word_char(chars[i - 1])
                {
                    i += 2;
                } else {
                    break;
                }
            }
            Kind::Word
        } else if c.is_numeric() {
            while i < n && chars[i].is_numeric() {
                i += 1;
            }
            Kind::Number
        } else {
            i += 1;
            Kind::Punct
        };
        let text: String = chars[start..i].iter().collect();
        let lower = text.to_lowercase();
        tokens.push(Token {
            start,
            end: i,
            kind,
            text,
            lower,
            space_before: space || start == 0,
            newline_before: newline,
            sentence_start: false,
            sentence: 0,
        });
        space = false;
        newline = false;
    }
    mark_sentences(&mut tokens);
    tokens
}

/// Does the full stop at `i` end a sentence?
fn full_stop_ends(tokens: &[Token], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) else {
        return true;
    };
    let next = tokens.get(i + 1);
    if let Some(next) = next {
        // "s.185", "1.400", "z.B.": no space after the stop, or a lower-case word next.
        if !next.space_before && next.kind != Kind::Punct {
            return false;
        }
        if next.kind == Kind::Word && next.text.chars().next().is_some_and(char::is_lowercase) {
            return false;
        }
    }
    if prev.end != tokens[i].start {
        return true;
    }
    match prev.kind {
        Kind::Word => !(prev.len() == 1 || ABBREVIATIONS.contains(&prev.lower.as_str())),
        // "am 28. November": an ordinal day before a word.
        Kind::Number => !(prev.len() <= 2 && next.is_some_and(|t| t.kind == Kind::Word)),
        Kind::Punct => true,
    }
}

fn mark_sentences(tokens: &mut [Token]) {
    let mut at_start = true;
    let mut sentence = 0;
    let mut seen_any = false;
    for i in 0..tokens.len() {
        if tokens[i].newline_before {
            at_start = true;
        }
        match tokens[i].kind {
            Kind::Word | Kind::Number => {
                if at_start {
                    if seen_any {
                        sentence += 1;
                    }
                    tokens[i].sentence_start = true;
                    at_start = false;
                }
                seen_any = true;
            }
            Kind::Punct => {
                let c = tokens[i].text.chars().next().unwrap_or(' ');
                if matches!(c, '!' | '?' | '…' | ':' | '•')
                    || (c == '.' && full_stop_ends(tokens, i))
                {
                    at_start = true;
                }
            }
        }
        tokens[i].sentence = sentence;
    }
}

const EN_WORDS: &[&str] = &[
    "the", "and", "of", "to", "was", "were", "is", "are", "on", "at", "for", "with", "his", "her",
    "he", "she", "it", "that", "by", "from", "had", "has", "have", "been", "who", "which", "would",
    "not", "a", "an", "after", "their", "they", "said",
];
const DE_WORDS: &[&str] = &[
    "der", "die", "das", "und", "ist", "war", "wurde", "wurden", "nicht", "mit", "von", "dem",
    "des", "ein", "eine", "einer", "einem", "einen", "zu", "sich", "im", "am", "auf", "für", "sie",
    "er", "hat", "hatte", "dass", "bei", "nach", "wegen", "vor", "aus", "auch", "zur", "zum",
    "wie", "soll", "habe", "laut", "gegen", "sind",
];
const SV_WORDS: &[&str] = &[
    "och", "att", "det", "som", "en", "ett", "på", "är", "för", "med", "av", "till", "har", "inte",
    "var", "han", "hon", "vid", "från", "om", "efter", "hade", "sig", "i", "dömdes", "enligt",
    "sin", "sitt", "mot", "också", "den",
];

fn lang_of(tokens: &[Token]) -> Option<Lang> {
    let (mut en, mut de, mut sv) = (0u32, 0u32, 0u32);
    for t in tokens.iter().filter(|t| t.is_word()) {
        let w = t.lower.as_str();
        en += u32::from(EN_WORDS.contains(&w));
        de += u32::from(DE_WORDS.contains(&w));
        sv += u32::from(SV_WORDS.contains(&w));
        // Letters that only one of the three languages writes.
        if t.text.contains('ß') || (t.text.contains('ü') && !t.text.contains('å')) {
            de += 1;
        }
        if t.text.contains('å') {
            sv += 1;
        }
    }
    let best = en.max(de).max(sv);
    if best == 0 {
        return None;
    }
    if de == best && de > en && de > sv {
        Some(Lang::De)
    } else if sv == best && sv > en && sv > de {
        Some(Lang::Sv)
    } else if en == best && en > de && en > sv {
        Some(Lang::En)
    } else {
        None
    }
}

/// Small words that English title case leaves in lower case.
const TITLE_CASE_EXCEPTIONS: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by", "with",
    "from", "into", "as", "vs", "per", "over", "after", "amid",
];

/// Capitals (any language) or English title case. German capitalises its nouns and German
/// and Swedish write headlines in sentence case, so title case only counts in English.
fn is_headline(tokens: &[Token], lang: Lang) -> bool {
    let words: Vec<&Token> = tokens.iter().filter(|t| t.is_word()).collect();
    let long: Vec<&&Token> = words.iter().filter(|t| t.len() >= 4).collect();
    if long.len() < 3 {
        return false;
    }
    if long.iter().all(|t| t.is_all_caps()) {
        return true;
    }
    let counted: Vec<&&Token> = words
        .iter()
        .filter(|t| !TITLE_CASE_EXCEPTIONS.contains(&t.lower.as_str()))
        .collect();
    let caps = counted.iter().filter(|t| t.is_capitalised()).count();
    lang == Lang::En && counted.len() >= 3 && caps * 5 >= counted.len() * 4
}

/// The language and setting of every sentence, indexed by `Token::sentence`.
pub(crate) fn sentences(tokens: &[Token]) -> Vec<Sentence> {
    let overall = lang_of(tokens).unwrap_or(Lang::En);
    let count = tokens.last().map_or(0, |t| t.sentence + 1);
    let mut out = Vec::with_capacity(count);
    let mut from = 0;
    for s in 0..count {
        let mut to = from;
        while to < tokens.len() && tokens[to].sentence == s {
            to += 1;
        }
        let part = &tokens[from..to];
        let lang = lang_of(part).unwrap_or(overall);
        out.push(Sentence {
            lang,
            headline: is_headline(part, lang),
        });
        from = to;
    }
    out
}
