//! Parsing a case's detail from untyped JSON (or a form turned into JSON), naming every bad
//! field by its path.

use super::{
    Age, AppliedPolicy, CaseCourt, CaseDetail, CaseOffence, CaseOutcome, IccsCode, Incident,
    MigrationBackground, Nationality, OffenceStage, Party, PartyRole, PlacePrecision,
    ResidenceStatus, Sex, Stated, TaskingTag, TimelineEntry,
};
use crate::case::{CaseStatus, Citation};
use crate::date::PartialDate;
use crate::error::FieldError;
use crate::input::ObjectReader;
use crate::record::RecordId;
use crate::severity::{CourtLevel, Outcome};
use crate::text::NonEmptyText;
use serde::Serialize;
use serde_json::Value;

fn citations_of(r: &mut ObjectReader<'_>, key: &'static str) -> Vec<Citation> {
    let mut out = Vec::new();
    for (path, v) in r.array(key) {
        match Citation::read(v, &path) {
            Ok(c) => out.push(c),
            Err(es) => r.errors.extend(es),
        }
    }
    out
}

fn text(max: usize) -> impl Fn(&str) -> Result<NonEmptyText, String> {
    move |s| NonEmptyText::parse(s, max)
}

fn statements<T: Serialize>(
    r: &mut ObjectReader<'_>,
    key: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
    unknown: impl Fn(&T) -> bool,
) -> Vec<Stated<T>> {
    let mut out = Vec::new();
    for (path, v) in r.array(key) {
        let mut s = match ObjectReader::new(v, &path) {
            Ok(s) => s,
            Err(e) => {
                r.errors.push(e);
                continue;
            }
        };
        let raw = s.req_str("value");
        let value = match raw.map(str::trim) {
            Some(t) if t.eq_ignore_ascii_case("unknown") => Some(None),
            Some(t) => match parse(t) {
                Ok(x) if unknown(&x) => Some(None),
                Ok(x) => Some(Some(x)),
                Err(e) => {
                    s.error("value", e);
                    None
                }
            },
            None => None,
        };
        let citations = citations_of(&mut s, "citations");
        if matches!(value, Some(Some(_))) && citations.is_empty() {
            s.error(
                "citations",
                "a stated value needs the source that states it",
            );
        }
        let errors = s.finish();
        match value {
            Some(value) if errors.is_empty() => out.push(Stated { value, citations }),
            _ => r.errors.extend(errors),
        }
    }
    if out.is_empty() {
        // No statement: the attribute is unknown, explicitly.
        out.push(Stated {
            value: None,
            citations: Vec::new(),
        });
    }
    out
}

fn read_party(v: &Value, path: &str, errors: &mut Vec<FieldError>) -> Option<Party> {
    let mut r = match ObjectReader::new(v, path) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let label = r.req_parsed("label", text(120));
    let role = r.req_parsed("role", PartyRole::parse);
    let count = match r.opt_id("count") {
        Some(n) if (2..=100_000).contains(&n) => Some(n as u32),
        Some(n) => {
            r.error(
                "count",
                format!("{n}: a party group stands for 2 to 100000 people"),
            );
            None
        }
        None => None,
    };
    let age = statements(&mut r, "age", Age::parse, |_| false);
    let sex = statements(&mut r, "sex", Sex::parse, |s| *s == Sex::Unknown);
    let citizenship = statements(&mut r, "citizenship", Nationality::parse, |_| false);
    let country_of_birth = statements(&mut r, "country_of_birth", Nationality::parse, |_| false);
    let residence_status = statements(&mut r, "residence_status", ResidenceStatus::parse, |s| {
        *s == ResidenceStatus::Unknown
    });
    let migration_background = statements(
        &mut r,
        "migration_background",
        MigrationBackground::parse,
        |s| *s == MigrationBackground::Unknown,
    );
    let described_as = statements(&mut r, "described_as", text(300), |_| false);
    if role == Some(PartyRole::Victim) {
        let known = |n: usize| n > 0;
        let extra = [
            (
                "citizenship",
                citizenship.iter().filter(|s| s.value.is_some()).count(),
            ),
            (
                "country_of_birth",
                country_of_birth
                    .iter()
                    .filter(|s| s.value.is_some())
                    .count(),
            ),
            (
                "residence_status",
                residence_status
                    .iter()
                    .filter(|s| s.value.is_some())
                    .count(),
            ),
            (
                "migration_background",
                migration_background
                    .iter()
                    .filter(|s| s.value.is_some())
                    .count(),
            ),
            (
                "described_as",
                described_as.iter().filter(|s| s.value.is_some()).count(),
            ),
        ];
        for (field, n) in extra {
            if known(n) {
                r.error(field, "a victim party holds only an age band and sex");
            }
        }
        for (i, s) in age.iter().enumerate() {
            if s.value.as_ref().is_some_and(|a| !a.is_band()) {
                r.errors.push(FieldError::new(
                    format!("{}.age[{i}].value", path),
                    "a victim's age is recorded as a band (14-17), never exactly",
                ));
            }
        }
    }
    let errs = r.finish();
    let out = match (label, role) {
        (Some(label), Some(role)) if errs.is_empty() => Some(Party {
            label,
            role,
            count,
            age,
            sex,
            citizenship,
            country_of_birth,
            residence_status,
            migration_background,
            described_as,
        }),
        _ => None,
    };
    errors.extend(errs);
    out
}

fn prefixed(path: &str, e: FieldError) -> FieldError {
    let field = match e.field.as_deref() {
        Some(f) if !f.is_empty() => format!("{path}.{f}"),
        _ => path.to_string(),
    };
    FieldError {
        field: Some(field),
        ..e
    }
}

impl CaseDetail {
    /// Reads the detail members of a case object (the caller reads the core members).
    pub(crate) fn read(r: &mut ObjectReader<'_>) -> CaseDetail {
        let mut d = CaseDetail {
            jurisdiction: r.opt_parsed("jurisdiction", text(200)),
            reference: r.opt_parsed("reference", text(200)),
            ..Default::default()
        };
        if let Some(v) = r.value("court") {
            let path = r.path("court");
            match ObjectReader::new(v, &path) {
                Ok(mut c) => {
                    let name = c.req_parsed("name", text(200));
                    let level = c.req_parsed("level", CourtLevel::parse);
                    let errs = c.finish();
                    if let (Some(name), Some(level), true) = (name, level, errs.is_empty()) {
                        d.court = Some(CaseCourt { name, level });
                    }
                    r.errors.extend(errs);
                }
                Err(e) => r.errors.push(e),
            }
        }
        for (path, v) in r.array("timeline") {
            match ObjectReader::new(v, &path) {
                Ok(mut t) => {
                    let date = t.req_parsed("date", PartialDate::parse);
                    let status = t.req_parsed("status", CaseStatus::parse);
                    let note = t.opt_parsed("note", text(1000));
                    let citations = citations_of(&mut t, "citations");
                    let errs = t.finish();
                    if let (Some(date), Some(status), true) = (date, status, errs.is_empty()) {
                        d.timeline.push(TimelineEntry {
                            date,
                            status,
                            note,
                            citations,
                        });
                    }
                    r.errors.extend(errs);
                }
                Err(e) => r.errors.push(e),
            }
        }
        for (path, v) in r.array("tags") {
            match v.as_str().map(TaskingTag::parse) {
                Some(Ok(t)) if !d.tags.contains(&t) => d.tags.push(t),
                Some(Ok(_)) => {}
                Some(Err(e)) => r.errors.push(FieldError::new(path, e)),
                None => r.errors.push(FieldError::new(path, "expected a tag")),
            }
        }
        let party_paths: Vec<(String, &Value)> = r.array("parties");
        for (path, v) in &party_paths {
            if let Some(p) = read_party(v, path, &mut r.errors) {
                d.parties.push(p);
            }
        }
        let parties = party_paths.len();
        let party_index = |r: &mut ObjectReader<'_>, key: &'static str| -> Option<usize> {
            let v = r.value(key)?;
            let Some(n) = v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            else {
                r.error(key, "expected a party index (0 for the first party)");
                return None;
            };
            if n < 0 || n as usize >= parties {
                r.error(
                    key,
                    format!(
                        "{n} is not a party of this case (0 to {})",
                        parties.max(1) - 1
                    ),
                );
                return None;
            }
            Some(n as usize)
        };
        for (path, v) in r.array("offences") {
            match ObjectReader::new(v, &path) {
                Ok(mut o) => {
                    let stage = o.req_parsed("stage", OffenceStage::parse);
                    let iccs = o.req_parsed("iccs", IccsCode::parse);
                    let label = o.req_parsed("label", text(200));
                    let provision = o.opt_parsed("provision", text(200));
                    let party = party_index(&mut o, "party");
                    let citations = citations_of(&mut o, "citations");
                    let errs = o.finish();
                    if let (Some(stage), Some(iccs), Some(label), true) =
                        (stage, iccs, label, errs.is_empty())
                    {
                        d.offences.push(CaseOffence {
                            stage,
                            iccs,
                            label,
                            provision,
                            party,
                            citations,
                        });
                    }
                    r.errors.extend(errs);
                }
                Err(e) => r.errors.push(e),
            }
        }
        for (path, v) in r.array("outcomes") {
            match ObjectReader::new(v, &path) {
                Ok(mut o) => {
                    let party = party_index(&mut o, "party");
                    if party.is_none() && o.errors.is_empty() {
                        o.error("party", "is required: the party the outcome is for");
                    }
                    let outcome = match o.value("outcome") {
                        None => {
                            o.error("outcome", "is required");
                            None
                        }
                        Some(ov) => match Outcome::from_json(ov) {
                            Ok(x) => Some(x),
                            Err(es) => {
                                let p = o.path("outcome");
                                o.errors
                                    .extend(es.errors.into_iter().map(|e| prefixed(&p, e)));
                                None
                            }
                        },
                    };
                    let policy_applied = match o.value("policy_applied") {
                        None => None,
                        Some(pv) => {
                            let p = o.path("policy_applied");
                            match ObjectReader::new(pv, &p) {
                                Ok(mut pr) => {
                                    let id = pr.opt_id("policy_id").and_then(RecordId::new);
                                    if id.is_none() {
                                        pr.error("policy_id", "is required: a policy id");
                                    }
                                    let version = pr.req_parsed("version", text(200));
                                    let errs = pr.finish();
                                    let out = match (id, version) {
                                        (Some(policy_id), Some(version)) if errs.is_empty() => {
                                            Some(AppliedPolicy { policy_id, version })
                                        }
                                        _ => None,
                                    };
                                    o.errors.extend(errs);
                                    out
                                }
                                Err(e) => {
                                    o.errors.push(e);
                                    None
                                }
                            }
                        }
                    };
                    let appeal = o.opt_parsed("appeal", text(1000));
                    let citations = citations_of(&mut o, "citations");
                    if citations.is_empty() && o.errors.is_empty() {
                        o.error("citations", "an outcome needs the source that reports it");
                    }
                    let errs = o.finish();
                    if let (Some(party), Some(outcome), true) = (party, outcome, errs.is_empty()) {
                        d.outcomes.push(CaseOutcome {
                            party,
                            outcome,
                            policy_applied,
                            appeal,
                            citations,
                        });
                    }
                    r.errors.extend(errs);
                }
                Err(e) => r.errors.push(e),
            }
        }
        if let Some(v) = r.value("incident") {
            let path = r.path("incident");
            match ObjectReader::new(v, &path) {
                Ok(mut i) => {
                    let place = i.req_parsed("place", text(200));
                    let precision = i.req_parsed("precision", PlacePrecision::parse);
                    let independent_sources = match i.opt_id("independent_sources") {
                        Some(n) if (0..=10_000).contains(&n) => n as u32,
                        Some(n) => {
                            i.error("independent_sources", format!("{n} is not a count"));
                            0
                        }
                        None => {
                            i.error("independent_sources", "is required");
                            0
                        }
                    };
                    let errs = i.finish();
                    if let (Some(place), Some(precision), true) =
                        (place, precision, errs.is_empty())
                    {
                        d.incident = Some(Incident {
                            place,
                            precision,
                            independent_sources,
                        });
                    }
                    r.errors.extend(errs);
                }
                Err(e) => r.errors.push(e),
            }
        }
        d
    }
}
