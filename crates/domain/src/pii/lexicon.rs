//! The word lists of the check, compiled in from `data/pii/` (one entry a line, `#` starts a
//! comment, matching is case-insensitive; an entry with several words is a phrase).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::token::{Kind, tokenize};

const GIVEN_NAMES: &str = include_str!("../../data/pii/given_names.txt");
const HONORIFICS: &str = include_str!("../../data/pii/honorifics.txt");
const ROLES: &str = include_str!("../../data/pii/roles.txt");
const PLACES: &str = include_str!("../../data/pii/places.txt");
const COUNTRIES: &str = include_str!("../../data/pii/countries.txt");
const INSTITUTIONS: &str = include_str!("../../data/pii/institutions.txt");
const CALENDAR: &str = include_str!("../../data/pii/calendar.txt");
const COMMON_WORDS: &str = include_str!("../../data/pii/common_words.txt");

pub(crate) struct Lexicon {
    pub given: HashSet<String>,
    pub honorifics: HashSet<String>,
    pub roles: HashSet<String>,
    /// Single words that are proper nouns other than persons' names: places, countries,
    /// nationalities, institutions, laws.
    pub proper: HashSet<String>,
    pub calendar: HashSet<String>,
    pub common: HashSet<String>,
    /// Phrases by their first token: each phrase as the lower-cased texts of its tokens.
    pub phrases: HashMap<String, Vec<Vec<String>>>,
}

fn entries(data: &str) -> impl Iterator<Item = String> + '_ {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
}

impl Lexicon {
    fn load() -> Lexicon {
        let mut lex = Lexicon {
            given: entries(GIVEN_NAMES).collect(),
            honorifics: entries(HONORIFICS).collect(),
            roles: entries(ROLES).collect(),
            proper: HashSet::new(),
            calendar: HashSet::new(),
            common: entries(COMMON_WORDS).collect(),
            phrases: HashMap::new(),
        };
        for (data, calendar) in [
            (PLACES, false),
            (COUNTRIES, false),
            (INSTITUTIONS, false),
            (CALENDAR, true),
        ] {
            for entry in entries(data) {
                let chars: Vec<char> = entry.chars().collect();
                let tokens = tokenize(&chars);
                if tokens.len() == 1 && tokens[0].kind == Kind::Word {
                    if calendar {
                        lex.calendar.insert(entry);
                    } else {
                        lex.proper.insert(entry);
                    }
                } else if let Some(first) = tokens.first() {
                    let phrase: Vec<String> = tokens.iter().map(|t| t.lower.clone()).collect();
                    lex.phrases
                        .entry(first.lower.clone())
                        .or_default()
                        .push(phrase);
                }
            }
        }
        for list in lex.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.len()));
        }
        lex
    }

    /// Any list that says a word is not a person's name.
    pub fn is_not_name(&self, key: &str) -> bool {
        self.proper.contains(key) || self.calendar.contains(key) || self.common.contains(key)
    }
}

pub(crate) static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::load);
