//! Sentence severity, made explicit.
//!
//! "Which sentence was harsher?" has no single answer: a weekend of youth detention actually
//! served is more time in custody than a suspended two-year term, and far less exposure and a
//! far lighter legal consequence. This module therefore never reduces a sentence to one number.
//! A [`Sentence`] is a list of typed [`Component`]s, and [`Sentence::measures`] maps it to
//! several [`Measures`] that are always shown side by side:
//!
//! - (a) `unconditional_custody_days`: custody the court imposed without condition, in days:
//!   unconditional prison or youth custody plus youth detention (Jugendarrest, which cannot be
//!   suspended). Suspended terms count 0. Terms whose suspension decision is deferred
//!   (Vorbewährung) also count 0, because the court has not (yet) ordered them served; a note
//!   says so, and a later decision refusing suspension should be recorded as a new outcome.
//! - (b) `max_custody_exposure_days`: every custodial term in the judgment, suspended and
//!   deferred parts included: what the person would serve if every suspension failed.
//! - (c) `rank`: a place on the published ordinal [`SeverityRank`] scale. The rank is a
//!   modelling choice (see below), which [`compare`] always states as a caveat.
//! - the flags `juvenile_law` / `adult_law` (both false when the sources do not say), and
//!   `expulsion_ordered`, which is shown but never ranked.
//!
//! A term may be known only as a range (`term` to `term_max`), as when a source reports
//! "juvenile sentences from 1 year to 2 years 9 months" for a group; every measure is then a
//! [`Span`] from its lowest to its highest possible value, and a comparison that the range
//! cannot decide says `undetermined` rather than guessing.
//!
//! # Conventions (published by [`scale_description`] and [`CONVENTIONS`])
//!
//! - a year is 365 days, a month 30 days, a week 7 days. So "12 months" is 360 days while
//!   "1 year" is 365; "2 years 9 months" is 1000 days. The parts of a term are added.
//! - a Freizeitarrest (weekend detention, s.16 JGG) is 2 days per weekend ("Freizeit"); the JGG
//!   itself equates two days of Kurzarrest with one Freizeit. Kurzarrest is 1 to 4 days,
//!   Dauerarrest 1 to 4 weeks (7 to 28 days).
//! - the terms of several custodial components of one sentence are added (a partly suspended
//!   sentence is one unconditional and one suspended component).
//! - not counted as custody: substitute custody for an unpaid fine, remand credited against the
//!   term, early release, and anything about enforcement: the measures describe what the court
//!   imposed. Damages are compensation, not a penalty, and are never ranked. Terms over 100
//!   years and life sentences are not modelled (refused at input).
//!
//! # The rank scale, and why in this order
//!
//! | rank | name | covers |
//! |---|---|---|
//! | 0 | `no_penalty` | acquittal, discontinuance, or a conviction without penalty (`discharge`) |
//! | 1 | `fine_or_community_service` | fines, day-fines, community service |
//! | 2 | `youth_detention` | Jugendarrest (Freizeit-, Kurz-, Dauerarrest) |
//! | 3 | `suspended_custody` | custody suspended on probation |
//! | 4 | `suspension_deferred_custody` | custody whose suspension is still to be decided |
//! | 5 | `custody_up_to_one_year` | unconditional custody of at most 365 days |
//! | 6 | `custody_one_to_five_years` | unconditional custody of 366 to 1825 days |
//! | 7 | `custody_over_five_years` | unconditional custody over 1825 days |
//!
//! A sentence ranks at the highest rank of its components. Ranks 1 to 2 follow liberty: a fine
//! takes none, youth detention takes days. Ranks 2 to 3 follow the law's own order, not the
//! days served: German law treats Jugendarrest as a disciplinary measure (Zuchtmittel) that
//! does not have the legal effects of a criminal penalty (s.13(3) JGG), while a Jugendstrafe,
//! even suspended, is the criminal penalty kept for harmful tendencies or serious guilt
//! (s.17(2) JGG), and a revoked suspension brings the whole term. Rank 4 sits above 3 because
//! suspension has not been granted, only held out. Ranks 5 to 7 split unconditional custody at
//! 1 and 5 years, round thresholds chosen for readability and not taken from any one country's
//! law. Another reasonable scale could put a served weekend above a suspended term: that is
//! why measures (a) and (b) always stand beside the rank.

use crate::country::Country;
use crate::date::PartialDate;
use crate::text::NonEmptyText;
use serde::Serialize;
use serde_json::Value;

pub use compare::{
    Caveat, CaveatKind, CompareContext, Comparison, Harsher, Measure, MeasureRow, compare,
};
pub use measures::{Measures, SeverityRank, Span};

/// Days in a year of a sentence term.
pub const DAYS_PER_YEAR: u32 = 365;
/// Days in a month of a sentence term.
pub const DAYS_PER_MONTH: u32 = 30;
/// Days in a week of a sentence term.
pub const DAYS_PER_WEEK: u32 = 7;
/// Days of custody per weekend of Freizeitarrest.
pub const DAYS_PER_FREIZEIT: u32 = 2;
/// The longest term modelled (100 years).
pub const MAX_TERM_DAYS: u32 = 100 * DAYS_PER_YEAR;

/// One unit of the day convention, for publication beside the measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Convention {
    pub unit: &'static str,
    pub days: u32,
    pub note: &'static str,
}

/// Every conversion to days this module uses.
pub const CONVENTIONS: &[Convention] = &[
    Convention {
        unit: "year",
        days: DAYS_PER_YEAR,
        note: "calendar year, leap days ignored",
    },
    Convention {
        unit: "month",
        days: DAYS_PER_MONTH,
        note: "so 12 months = 360 days",
    },
    Convention {
        unit: "week",
        days: DAYS_PER_WEEK,
        note: "",
    },
    Convention {
        unit: "freizeitarrest_weekend",
        days: DAYS_PER_FREIZEIT,
        note: "s.16 JGG equates two days of Kurzarrest with one Freizeit",
    },
];

/// The conventions and the rank scale as text, for the UI to publish beside any measure.
pub fn scale_description() -> &'static str {
    "Sentence measures (always shown together, never one alone):\n\
     (a) unconditional custody imposed, in days: unconditional prison or youth custody plus youth \
     detention (Jugendarrest). Suspended terms count 0; terms whose suspension decision is \
     deferred (Vorbewaehrung) count 0 until suspension is refused.\n\
     (b) maximum custodial exposure, in days: all custodial terms including suspended and \
     deferred ones.\n\
     (c) severity rank, a modelling choice: 0 no penalty (acquittal, discontinuance, discharge); \
     1 fine, day-fines or community service; 2 youth detention (Jugendarrest); 3 suspended \
     custody; 4 custody with the suspension decision deferred; 5 unconditional custody up to 1 \
     year (365 days); 6 over 1 and up to 5 years (366 to 1825 days); 7 over 5 years. A sentence \
     ranks at its highest component. Youth detention ranks below suspended custody because the \
     law treats it as a disciplinary measure, not a criminal penalty, even though it is served.\n\
     Conventions: 1 year = 365 days; 1 month = 30 days; 1 week = 7 days; 1 Freizeitarrest \
     weekend = 2 days; Kurzarrest 1-4 days; Dauerarrest 7-28 days. Several custodial terms of \
     one sentence are added. A term known only as a range gives each measure as a range.\n\
     Not counted: substitute custody for unpaid fines, remand credit, early release, damages \
     (compensation, not a penalty). Expulsion is shown as a flag and never ranked. Juvenile or \
     adult criminal law is shown as a flag."
}

/// Declares a closed set of snake_case choices with `as_str` and `parse`.
macro_rules! choice {
    ($(#[$m:meta])* $vis:vis $name:ident, $what:literal { $($variant:ident => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }

            pub fn parse(input: &str) -> Result<$name, String> {
                Self::ALL.iter().copied().find(|k| k.as_str() == input.trim()).ok_or_else(|| {
                    let all: Vec<_> = Self::ALL.iter().map(|k| k.as_str()).collect();
                    format!("unknown {} {:?}: use one of {}", $what, input, all.join(", "))
                })
            }
        }
    };
}

/// Declares a whole number that can only hold values from `$min` to `$max`.
macro_rules! bounded {
    ($(#[$m:meta])* $name:ident, $min:literal, $max:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            pub const MIN: u32 = $min;
            pub const MAX: u32 = $max;

            pub fn new(n: u32) -> Result<$name, String> {
                if (Self::MIN..=Self::MAX).contains(&n) {
                    Ok($name(n))
                } else {
                    Err(format!("must be from {} to {}, got {n}", Self::MIN, Self::MAX))
                }
            }

            pub fn get(self) -> u32 {
                self.0
            }
        }
    };
}

choice!(
    /// Which criminal law the court applied. German courts may apply juvenile law to young
    /// adults (18 to 20); leave it unset when the sources do not say.
    pub CriminalLaw, "criminal law" { Juvenile => "juvenile", Adult => "adult", }
);
choice!(
    /// The custodial penalty: prison (Freiheitsstrafe, fängelse) or youth custody (Jugendstrafe).
    pub CustodyForm, "custody form" { Prison => "prison", YouthCustody => "youth_custody", }
);
choice!(
    /// The level of the court that decided.
    pub CourtLevel, "court level" {
        FirstInstance => "first_instance", Appeal => "appeal", Supreme => "supreme",
    }
);

bounded!(
    /// Weekends of Freizeitarrest: one or two (s.16(2) JGG).
    Weekends, 1, 2
);
bounded!(
    /// Days of Kurzarrest: one to four (s.16(3) JGG).
    KurzarrestDays, 1, 4
);
bounded!(
    /// Days of Dauerarrest: one to four weeks (s.16(4) JGG).
    DauerarrestDays, 7, 28
);
bounded!(
    /// Hours of community service.
    ServiceHours, 1, 5000
);
bounded!(
    /// The number of day-fines.
    DayFineCount, 1, 2000
);

// The submodules come after the macros, which they use.
mod compare;
pub mod describe;
mod measures;
mod parse;
#[cfg(test)]
mod tests;

/// A length of time as the court states it, in years, months, weeks and days. At least one
/// part is positive, and the whole is at most [`MAX_TERM_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Term {
    #[serde(skip_serializing_if = "is_zero")]
    years: u32,
    #[serde(skip_serializing_if = "is_zero")]
    months: u32,
    #[serde(skip_serializing_if = "is_zero")]
    weeks: u32,
    #[serde(skip_serializing_if = "is_zero")]
    days: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Term {
    pub fn new(years: u32, months: u32, weeks: u32, days: u32) -> Result<Term, String> {
        let total = u64::from(years) * u64::from(DAYS_PER_YEAR)
            + u64::from(months) * u64::from(DAYS_PER_MONTH)
            + u64::from(weeks) * u64::from(DAYS_PER_WEEK)
            + u64::from(days);
        if total == 0 {
            return Err(
                "a term needs at least one positive part (years, months, weeks or days)".into(),
            );
        }
        if total > u64::from(MAX_TERM_DAYS) {
            return Err(format!(
                "is {total} days long; terms over 100 years and life sentences are not modelled"
            ));
        }
        Ok(Term {
            years,
            months,
            weeks,
            days,
        })
    }

    /// The term in days, by the published [`CONVENTIONS`].
    pub fn in_days(&self) -> u32 {
        self.years * DAYS_PER_YEAR
            + self.months * DAYS_PER_MONTH
            + self.weeks * DAYS_PER_WEEK
            + self.days
    }

    /// The parts as given: (years, months, weeks, days).
    pub fn parts(&self) -> (u32, u32, u32, u32) {
        (self.years, self.months, self.weeks, self.days)
    }
}

/// A custodial term known exactly (`term`), or known only to lie from `term` to `term_max`
/// (a range a source gives for a group). `term_max` is always longer than `term`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TermRange {
    term: Term,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_max: Option<Term>,
}

impl TermRange {
    pub fn exact(term: Term) -> TermRange {
        TermRange {
            term,
            term_max: None,
        }
    }

    pub fn between(min: Term, max: Term) -> Result<TermRange, String> {
        if max.in_days() <= min.in_days() {
            return Err("must be longer than term".into());
        }
        Ok(TermRange {
            term: min,
            term_max: Some(max),
        })
    }

    pub fn is_range(&self) -> bool {
        self.term_max.is_some()
    }

    /// The term, or the shortest of the range.
    pub fn min(&self) -> Term {
        self.term
    }

    /// The longest term of a range (none when the term is exact).
    pub fn max(&self) -> Option<Term> {
        self.term_max
    }

    /// The shortest and longest term, in days.
    pub fn days(&self) -> Span<u32> {
        let min = self.term.in_days();
        Span {
            min,
            max: self.term_max.map_or(min, |t| t.in_days()),
        }
    }
}

/// A sum of money in one currency: a positive decimal (at most two decimals) and an
/// ISO 4217-shaped code (three capital letters; the code list itself is not checked).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    value: String,
    currency: String,
}

impl Money {
    pub fn new(value: &str, currency: &str) -> Result<Money, String> {
        Ok(Money {
            value: check_amount(value)?,
            currency: check_currency(currency)?,
        })
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }
}

fn check_amount(s: &str) -> Result<String, String> {
    let t = s.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, "0"));
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(int, 15) || !digits(frac, 2) {
        return Err(format!("{t:?} is not an amount such as 240000 or 12.50"));
    }
    if t.bytes().all(|b| b == b'0' || b == b'.') {
        return Err("must be more than zero".into());
    }
    Ok(t.to_string())
}

fn check_currency(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(t.to_string())
    } else {
        Err(format!("{t:?} is not a currency code such as EUR or SEK"))
    }
}

/// Whether custody is to be served, suspended on probation, or its suspension is deferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum CustodyMode {
    Unconditional,
    /// Suspended; the probation period, when the sources give it.
    Suspended {
        #[serde(skip_serializing_if = "Option::is_none")]
        probation: Option<Term>,
    },
    /// The decision on suspension is deferred (German juvenile law: Vorbewährung, s.61 JGG).
    SuspensionDeferred,
}

/// A custodial term: its form, its length and its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Custody {
    pub form: CustodyForm,
    #[serde(flatten)]
    pub term: TermRange,
    #[serde(flatten)]
    pub mode: CustodyMode,
}

/// Youth detention (German Jugendarrest, s.16 JGG), which cannot be suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum YouthDetention {
    Freizeitarrest { weekends: Weekends },
    Kurzarrest { days: KurzarrestDays },
    Dauerarrest { days: DauerarrestDays },
}

impl YouthDetention {
    /// Days in detention, by the published conventions.
    pub fn in_days(&self) -> u32 {
        match self {
            YouthDetention::Freizeitarrest { weekends } => weekends.get() * DAYS_PER_FREIZEIT,
            YouthDetention::Kurzarrest { days } => days.get(),
            YouthDetention::Dauerarrest { days } => days.get(),
        }
    }
}

/// An expulsion decided with the judgment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Expulsion {
    #[serde(flatten)]
    pub decision: ExpulsionDecision,
    /// The legal ground or test, e.g. "particularly serious crime (synnerligen grovt brott)
    /// not met"; absent when the sources do not give it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ground: Option<NonEmptyText>,
}

/// Expulsion ordered (with the re-entry ban, when given) or refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ExpulsionDecision {
    Ordered {
        #[serde(skip_serializing_if = "Option::is_none")]
        reentry_ban: Option<Term>,
    },
    Refused,
}

/// One part of a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Component {
    Custody(Custody),
    YouthDetention(YouthDetention),
    Fine {
        amount: Money,
    },
    /// Day-fines; the amount per day when the sources give it.
    DayFines {
        days: DayFineCount,
        #[serde(skip_serializing_if = "Option::is_none")]
        per_day: Option<Money>,
    },
    CommunityService {
        hours: ServiceHours,
    },
    /// Compensation to the victim: recorded, never ranked (not a penalty).
    Damages {
        amount: Money,
    },
    Expulsion(Expulsion),
    /// A conviction without penalty (Absehen von Strafe, påföljdseftergift).
    Discharge,
}

impl Component {
    /// A penalty proper: custody, detention, fines or community service.
    pub fn is_penalty(&self) -> bool {
        !matches!(
            self,
            Component::Damages { .. } | Component::Expulsion(_) | Component::Discharge
        )
    }
}

/// What a court imposed on one conviction: the law applied and the components. There is at
/// least one penalty or a `discharge`; `discharge` excludes penalties; at most one discharge,
/// expulsion decision and youth detention; youth detention only under juvenile law.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Sentence {
    #[serde(skip_serializing_if = "Option::is_none")]
    law: Option<CriminalLaw>,
    components: Vec<Component>,
}

impl Sentence {
    pub const MAX_COMPONENTS: usize = 20;

    /// Checks the rules above; each error carries the index of the component it concerns.
    pub fn new(
        law: Option<CriminalLaw>,
        components: Vec<Component>,
    ) -> Result<Sentence, Vec<(Option<usize>, String)>> {
        let mut errs: Vec<(Option<usize>, String)> = Vec::new();
        let has_penalty = components.iter().any(Component::is_penalty);
        if components.is_empty() {
            errs.push((
                None,
                "needs at least one component: a penalty, or discharge".into(),
            ));
        } else if !has_penalty && !components.contains(&Component::Discharge) {
            errs.push((
                None,
                "damages and expulsion are not penalties: add the penalty, \
                 or discharge for a conviction without one"
                    .into(),
            ));
        }
        if components.len() > Self::MAX_COMPONENTS {
            errs.push((None, format!("at most {} components", Self::MAX_COMPONENTS)));
        }
        let mut seen = [false; 3];
        for (i, c) in components.iter().enumerate() {
            let (slot, what) = match c {
                Component::Discharge => (0, "discharge"),
                Component::Expulsion(_) => (1, "expulsion decision"),
                Component::YouthDetention(_) => (2, "youth detention"),
                _ => continue,
            };
            if std::mem::replace(&mut seen[slot], true) {
                errs.push((Some(i), format!("only one {what} per sentence")));
            }
            if slot == 0 && has_penalty {
                errs.push((
                    Some(i),
                    "a discharge cannot be combined with a penalty".into(),
                ));
            }
            if slot == 2 && law != Some(CriminalLaw::Juvenile) {
                errs.push((
                    Some(i),
                    "youth detention (Jugendarrest) exists only under juvenile law: \
                     set law to juvenile"
                        .into(),
                ));
            }
        }
        if errs.is_empty() {
            Ok(Sentence { law, components })
        } else {
            Err(errs)
        }
    }

    pub fn law(&self) -> Option<CriminalLaw> {
        self.law
    }

    pub fn components(&self) -> &[Component] {
        &self.components
    }
}

/// Whom an outcome concerns: one person, or one member of a group tried together, standing
/// for the `members` of `group_size` who received this kind of sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Individual,
    GroupMember(GroupShare),
}

/// `members` (at least 1) of a group of `group_size` (at least 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct GroupShare {
    group_size: u32,
    members: u32,
}

impl GroupShare {
    pub fn new(group_size: u32, members: u32) -> Result<GroupShare, (&'static str, String)> {
        if !(2..=10_000).contains(&group_size) {
            return Err(("group_size", "a group has from 2 to 10000 members".into()));
        }
        if members == 0 || members > group_size {
            return Err((
                "members",
                format!("must be from 1 to the group size ({group_size})"),
            ));
        }
        Ok(GroupShare {
            group_size,
            members,
        })
    }

    pub fn group_size(&self) -> u32 {
        self.group_size
    }

    pub fn members(&self) -> u32 {
        self.members
    }
}

/// The court that decided.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Court {
    pub name: NonEmptyText,
    pub level: CourtLevel,
    pub country: Country,
}

/// An offence charged or convicted of: a label and, when given, the provision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Offence {
    pub label: NonEmptyText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision: Option<NonEmptyText>,
}

impl Offence {
    /// What identifies the offence for comparison: the provision, else the label.
    fn key(&self) -> String {
        let t = self.provision.as_ref().unwrap_or(&self.label).as_str();
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

/// The verdict; only a conviction carries a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Convicted { sentence: Sentence },
    Acquitted,
    Discontinued,
}

/// The outcome of one set of proceedings for one person (or one member of a group).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Outcome {
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court: Option<Court>,
    /// At least one.
    pub offences: Vec<Offence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided: Option<PartialDate>,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl Outcome {
    /// The canonical JSON form, which [`Outcome::from_json`] reads back.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("an outcome serialises")
    }

    pub fn sentence(&self) -> Option<&Sentence> {
        match &self.verdict {
            Verdict::Convicted { sentence } => Some(sentence),
            _ => None,
        }
    }

    /// The outcome on every measure (all zero, rank 0, when not convicted).
    pub fn measures(&self) -> Measures {
        match self.sentence() {
            Some(s) => s.measures(),
            None => {
                let mut m = Measures::zero(false);
                m.notes.push("not convicted: no sentence".into());
                m
            }
        }
    }
}
