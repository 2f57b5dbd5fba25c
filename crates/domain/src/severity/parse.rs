//! Reading outcomes from untyped JSON (or a form turned into JSON), naming every bad field.

use super::{
    Component, Court, CourtLevel, CriminalLaw, Custody, CustodyForm, CustodyMode, DauerarrestDays,
    DayFineCount, Expulsion, ExpulsionDecision, GroupShare, KurzarrestDays, Money, Offence,
    Outcome, Sentence, ServiceHours, Subject, Term, TermRange, Verdict, Weekends, YouthDetention,
    check_amount, check_currency,
};
use crate::country::Country;
use crate::date::PartialDate;
use crate::error::{FieldError, ValidationErrors};
use crate::input::{ObjectReader, kind_of};
use crate::text::NonEmptyText;
use serde::Serialize;
use serde_json::Value;

choice!(ComponentKind, "component kind" {
    Custody => "custody", YouthDetention => "youth_detention", Fine => "fine",
    DayFines => "day_fines", CommunityService => "community_service", Damages => "damages",
    Expulsion => "expulsion", Discharge => "discharge",
});
choice!(ModeKind, "custody mode" {
    Unconditional => "unconditional", Suspended => "suspended",
    SuspensionDeferred => "suspension_deferred",
});
choice!(ArrestForm, "form of youth detention" {
    Freizeitarrest => "freizeitarrest", Kurzarrest => "kurzarrest", Dauerarrest => "dauerarrest",
});
choice!(ExpulsionKind, "expulsion decision" { Ordered => "ordered", Refused => "refused", });
choice!(VerdictKind, "verdict" {
    Convicted => "convicted", Acquitted => "acquitted", Discontinued => "discontinued",
});
choice!(SubjectKind, "subject kind" { Individual => "individual", GroupMember => "group_member", });

impl Term {
    fn read(v: &Value, path: &str) -> Result<Term, Vec<FieldError>> {
        let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
        let y = read_count(&mut r, "years");
        let m = read_count(&mut r, "months");
        let w = read_count(&mut r, "weeks");
        let d = read_count(&mut r, "days");
        let errors = r.finish();
        if !errors.is_empty() {
            return Err(errors);
        }
        let z = |n: Option<u32>| n.unwrap_or(0);
        Term::new(z(y), z(m), z(w), z(d)).map_err(|e| vec![FieldError::new(path, e)])
    }
}

impl Money {
    fn read(v: &Value, path: &str) -> Result<Money, Vec<FieldError>> {
        let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
        let value = match r.value("value") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                r.error(
                    "value",
                    format!("expected a number, got {}", kind_of(other)),
                );
                None
            }
            None => {
                r.error("value", "is required");
                None
            }
        };
        let value = value.and_then(|s| check_amount(&s).map_err(|e| r.error("value", e)).ok());
        let currency = r.req_parsed("currency", check_currency);
        let errors = r.finish();
        match (value, currency) {
            (Some(value), Some(currency)) if errors.is_empty() => Ok(Money { value, currency }),
            _ => Err(errors),
        }
    }
}

impl Component {
    fn read(v: &Value, path: &str) -> Result<Component, Vec<FieldError>> {
        let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
        let Some(kind) = r.req_parsed("kind", ComponentKind::parse) else {
            return Err(std::mem::take(&mut r.errors));
        };
        let c = match kind {
            ComponentKind::Custody => read_custody(&mut r).map(Component::Custody),
            ComponentKind::YouthDetention => read_detention(&mut r).map(Component::YouthDetention),
            ComponentKind::Fine => {
                sub(&mut r, "amount", true, Money::read).map(|amount| Component::Fine { amount })
            }
            ComponentKind::DayFines => {
                let days = bounded_in(&mut r, "days", DayFineCount::new);
                let per_day = sub(&mut r, "per_day", false, Money::read);
                days.map(|days| Component::DayFines { days, per_day })
            }
            ComponentKind::CommunityService => bounded_in(&mut r, "hours", ServiceHours::new)
                .map(|hours| Component::CommunityService { hours }),
            ComponentKind::Damages => {
                sub(&mut r, "amount", true, Money::read).map(|amount| Component::Damages { amount })
            }
            ComponentKind::Expulsion => {
                let decision = r.req_parsed("decision", ExpulsionKind::parse);
                let ban = sub(&mut r, "reentry_ban", false, Term::read);
                let ground = r.opt_parsed("ground", |s| NonEmptyText::parse(s, 500));
                match decision {
                    Some(ExpulsionKind::Refused) if ban.is_some() => {
                        r.error("reentry_ban", "a refused expulsion has no re-entry ban");
                        None
                    }
                    Some(ExpulsionKind::Refused) => Some(ExpulsionDecision::Refused),
                    Some(ExpulsionKind::Ordered) => {
                        Some(ExpulsionDecision::Ordered { reentry_ban: ban })
                    }
                    None => None,
                }
                .map(|decision| Component::Expulsion(Expulsion { decision, ground }))
            }
            ComponentKind::Discharge => Some(Component::Discharge),
        };
        let errors = r.finish();
        match c {
            Some(c) if errors.is_empty() => Ok(c),
            _ => Err(errors),
        }
    }
}

fn read_custody(r: &mut ObjectReader<'_>) -> Option<Custody> {
    let form = r.req_parsed("form", CustodyForm::parse);
    let term = sub(r, "term", true, Term::read);
    let term_max = sub(r, "term_max", false, Term::read);
    let mode = r.req_parsed("mode", ModeKind::parse);
    let probation = sub(r, "probation", false, Term::read);
    let term = match (term, term_max) {
        (Some(t), None) => Some(TermRange::exact(t)),
        (Some(t), Some(m)) => TermRange::between(t, m)
            .map_err(|e| r.error("term_max", e))
            .ok(),
        (None, _) => None,
    };
    let mode = match mode? {
        ModeKind::Suspended => CustodyMode::Suspended { probation },
        _ if probation.is_some() => {
            r.error("probation", "only a suspended term has a probation period");
            return None;
        }
        ModeKind::Unconditional => CustodyMode::Unconditional,
        ModeKind::SuspensionDeferred => CustodyMode::SuspensionDeferred,
    };
    Some(Custody {
        form: form?,
        term: term?,
        mode,
    })
}

fn read_detention(r: &mut ObjectReader<'_>) -> Option<YouthDetention> {
    match r.req_parsed("form", ArrestForm::parse)? {
        ArrestForm::Freizeitarrest => bounded_in(r, "weekends", Weekends::new)
            .map(|weekends| YouthDetention::Freizeitarrest { weekends }),
        ArrestForm::Kurzarrest => bounded_in(r, "days", KurzarrestDays::new)
            .map(|days| YouthDetention::Kurzarrest { days }),
        ArrestForm::Dauerarrest => {
            let weeks = read_count(r, "weeks");
            let days = read_count(r, "days");
            let (key, total) = match (weeks, days) {
                (None, None) => {
                    r.error("days", "is required (days, or weeks)");
                    return None;
                }
                (w, d) => (
                    if d.is_some() { "days" } else { "weeks" },
                    w.unwrap_or(0) * 7 + d.unwrap_or(0),
                ),
            };
            DauerarrestDays::new(total)
                .map_err(|e| r.error(key, format!("Dauerarrest lasts 1 to 4 weeks: {e} days")))
                .ok()
                .map(|days| YouthDetention::Dauerarrest { days })
        }
    }
}

/// A whole number member: a JSON integer, or a string of digits from a form. Absent: `None`.
fn read_count(r: &mut ObjectReader<'_>, key: &'static str) -> Option<u32> {
    let v = r.value(key)?;
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n < 0 => r.error(key, format!("must not be negative, got {n}")),
        Some(n) if n > 1_000_000 => r.error(key, format!("is too large ({n})")),
        Some(n) => return Some(n as u32),
        None => r.error(key, format!("expected a whole number, got {}", describe(v))),
    }
    None
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        other => kind_of(other).to_string(),
    }
}

/// A required bounded whole number.
fn bounded_in<T>(
    r: &mut ObjectReader<'_>,
    key: &'static str,
    new: impl FnOnce(u32) -> Result<T, String>,
) -> Option<T> {
    let before = r.errors.len();
    match read_count(r, key) {
        Some(n) => new(n).map_err(|e| r.error(key, e)).ok(),
        None => {
            if r.errors.len() == before {
                r.error(key, "is required");
            }
            None
        }
    }
}

/// A nested object member read by `read` under its own path.
fn sub<'a, T>(
    r: &mut ObjectReader<'a>,
    key: &'static str,
    required: bool,
    read: impl FnOnce(&'a Value, &str) -> Result<T, Vec<FieldError>>,
) -> Option<T> {
    match r.value(key) {
        None => {
            if required {
                r.error(key, "is required");
            }
            None
        }
        Some(v) => {
            let path = r.path(key);
            read(v, &path).map_err(|es| r.errors.extend(es)).ok()
        }
    }
}

impl Sentence {
    fn read(v: &Value, path: &str) -> Result<Sentence, Vec<FieldError>> {
        let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
        let law = r.opt_parsed("law", CriminalLaw::parse);
        let mut components = Vec::new();
        for (p, item) in r.array("components") {
            match Component::read(item, &p) {
                Ok(c) => components.push(c),
                Err(es) => r.errors.extend(es),
            }
        }
        let base = r.path("components");
        let errors = r.finish();
        if !errors.is_empty() {
            return Err(errors);
        }
        Sentence::new(law, components).map_err(|es| {
            es.into_iter()
                .map(|(i, reason)| match i {
                    Some(i) => FieldError::new(format!("{base}[{i}]"), reason),
                    None => FieldError::new(base.clone(), reason),
                })
                .collect()
        })
    }
}

impl Outcome {
    /// Parses an outcome from JSON, naming every bad field by path
    /// (`sentence.components[0].term.years`).
    pub fn from_json(value: &Value) -> Result<Outcome, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let subject = sub(&mut r, "subject", false, read_subject).unwrap_or(Subject::Individual);
        let court = sub(&mut r, "court", false, read_court);
        let mut offences = Vec::new();
        for (p, v) in r.array("offences") {
            match read_offence(v, &p) {
                Ok(o) => offences.push(o),
                Err(es) => r.errors.extend(es),
            }
        }
        if offences.is_empty() && r.errors.is_empty() {
            r.error("offences", "at least one offence is required");
        }
        let decided = r.opt_parsed("decided", PartialDate::parse);
        let verdict = match r.req_parsed("verdict", VerdictKind::parse) {
            Some(VerdictKind::Convicted) => sub(&mut r, "sentence", true, Sentence::read)
                .map(|sentence| Verdict::Convicted { sentence }),
            Some(other) => {
                if r.value("sentence").is_some() {
                    r.error("sentence", "only a conviction has a sentence");
                }
                Some(if other == VerdictKind::Acquitted {
                    Verdict::Acquitted
                } else {
                    Verdict::Discontinued
                })
            }
            None => None,
        };
        let errors = r.finish();
        match verdict {
            Some(verdict) if errors.is_empty() => Ok(Outcome {
                subject,
                court,
                offences,
                decided,
                verdict,
            }),
            _ => Err(ValidationErrors { errors }),
        }
    }
}

fn read_subject(v: &Value, path: &str) -> Result<Subject, Vec<FieldError>> {
    let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
    let s = match r.req_parsed("kind", SubjectKind::parse) {
        Some(SubjectKind::Individual) => Some(Subject::Individual),
        Some(SubjectKind::GroupMember) => {
            let size = bounded_in(&mut r, "group_size", Ok);
            let members = bounded_in(&mut r, "members", Ok);
            match (size, members) {
                (Some(s), Some(m)) => GroupShare::new(s, m)
                    .map(Subject::GroupMember)
                    .map_err(|(k, e)| r.error(k, e))
                    .ok(),
                _ => None,
            }
        }
        None => None,
    };
    let errors = r.finish();
    s.filter(|_| errors.is_empty()).ok_or(errors)
}

fn read_court(v: &Value, path: &str) -> Result<Court, Vec<FieldError>> {
    let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
    let name = r.req_parsed("name", |s| NonEmptyText::parse(s, 300));
    let level = r.req_parsed("level", CourtLevel::parse);
    let country = r.req_parsed("country", |s| Country::parse(s).map_err(|e| e.to_string()));
    let errors = r.finish();
    match (name, level, country) {
        (Some(name), Some(level), Some(country)) if errors.is_empty() => Ok(Court {
            name,
            level,
            country,
        }),
        _ => Err(errors),
    }
}

fn read_offence(v: &Value, path: &str) -> Result<Offence, Vec<FieldError>> {
    let mut r = ObjectReader::new(v, path).map_err(|e| vec![e])?;
    let label = r.req_parsed("label", |s| NonEmptyText::parse(s, 200));
    let provision = r.opt_parsed("provision", |s| NonEmptyText::parse(s, 100));
    let errors = r.finish();
    match label {
        Some(label) if errors.is_empty() => Ok(Offence { label, provision }),
        _ => Err(errors),
    }
}
