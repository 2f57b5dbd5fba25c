//! Cases in depth: court and reference, a status timeline, offences as charged and as decided,
//! parties without names whose attributes are each stated by a cited source (several statements
//! may conflict; conflicts are shown, never resolved), outcomes with sentences, tasking tags (the
//! post's assessment, never a finding) and public-safety incidents with place precision.

use crate::case::{CaseStatus, Citation};
use crate::country::Country;
use crate::date::PartialDate;
use crate::error::FieldError;
use crate::input::ObjectReader;
use crate::record::RecordId;
use crate::severity::{CourtLevel, Outcome};
use crate::text::NonEmptyText;
use serde::{Deserialize, Serialize};
use serde_json::Value;

string_enum!(
    /// A party's role in the proceedings.
    PartyRole, "party role" {
        Defendant => "defendant", "Defendant";
        Victim => "victim", "Victim";
        Complainant => "complainant", "Complainant";
    }
);

string_enum!(
    /// Sex as a source states it.
    Sex, "sex" {
        Female => "female", "Female";
        Male => "male", "Male";
        Other => "other", "Other";
        Unknown => "unknown", "Unknown";
    }
);

string_enum!(
    /// Residence status at the time, as a source states it.
    ResidenceStatus, "residence status" {
        Citizen => "citizen", "Citizen";
        Refugee => "refugee", "Recognised refugee";
        SubsidiaryProtection => "subsidiary_protection", "Subsidiary protection";
        AsylumSeeker => "asylum_seeker", "Asylum seeker";
        Tolerated => "tolerated", "Tolerated stay (deportation suspended)";
        TemporaryPermit => "temporary_permit", "Temporary residence permit";
        PermanentPermit => "permanent_permit", "Permanent residence";
        Irregular => "irregular", "Irregular stay";
        Unknown => "unknown", "Unknown";
    }
);

string_enum!(
    /// Migration background as a source states it (the source's own definition applies).
    MigrationBackground, "migration background" {
        Yes => "yes", "Migration background";
        No => "no", "No migration background";
        Unknown => "unknown", "Unknown";
    }
);

string_enum!(
    /// Whether an offence is as charged or as decided by a court.
    OffenceStage, "offence stage" {
        Charged => "charged", "As charged";
        Decided => "decided", "As decided";
    }
);

string_enum!(
    /// The directive's categories: applied by a post as its assessment, never a finding.
    TaskingTag, "tasking tag" {
        PenaltyForObjectingToMigration => "penalty_for_objecting_to_migration", "Penalty for objecting to migration (post's assessment)";
        Leniency => "leniency", "Leniency on serious crime (post's assessment)";
        UnequalTreatment => "unequal_treatment", "Unequal treatment of groups (post's assessment)";
    }
);

string_enum!(
    /// How precisely a place is known (ACLED-style precision codes).
    PlacePrecision, "place precision" {
        Exact => "exact", "Exact location";
        District => "district", "District or town";
        Region => "region", "Region";
        Country => "country", "Country only";
    }
);

/// The UNODC ICCS level-1 sections. Finer codes (4-6 digits) are accepted and shown under
/// their section.
pub const ICCS_SECTIONS: &[(&str, &str)] = &[
    ("01", "Acts leading to death or intending to cause death"),
    (
        "02",
        "Acts causing harm or intending to cause harm to the person",
    ),
    ("03", "Injurious acts of a sexual nature"),
    (
        "04",
        "Acts against property involving violence or threat against a person",
    ),
    ("05", "Acts against property only"),
    (
        "06",
        "Acts involving controlled drugs or other psychoactive substances",
    ),
    ("07", "Acts involving fraud, deception or corruption"),
    (
        "08",
        "Acts against public order, authority and provisions of the State",
    ),
    ("09", "Acts against public safety and state security"),
    ("10", "Acts against the natural environment"),
    ("11", "Other criminal acts not elsewhere classified"),
];

/// An ICCS code: a level-1 section ("03") or a finer code within one ("03011").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct IccsCode(String);

impl IccsCode {
    pub fn parse(s: &str) -> Result<IccsCode, String> {
        let t = s.trim();
        let digits = t.chars().all(|c| c.is_ascii_digit());
        if !digits || !(2..=6).contains(&t.len()) || t.len() == 3 {
            return Err(format!(
                "{t:?} is not an ICCS code (two digits for a section, up to six for finer levels)"
            ));
        }
        if !ICCS_SECTIONS.iter().any(|(c, _)| t.starts_with(c)) {
            return Err(format!("{t:?} is not in an ICCS section 01-11"));
        }
        Ok(IccsCode(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level-1 section's title.
    pub fn section(&self) -> &'static str {
        ICCS_SECTIONS
            .iter()
            .find(|(c, _)| self.0.starts_with(c))
            .map(|(_, l)| *l)
            .unwrap_or("")
    }
}

/// A value as one statement gives it: `None` is "unknown" (a value, not a blank). A known value
/// needs a citation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stated<T: Serialize> {
    #[serde(serialize_with = "unknown_if_none")]
    pub value: Option<T>,
    pub citations: Vec<Citation>,
}

fn unknown_if_none<T: Serialize, S: serde::Serializer>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => x.serialize(s),
        None => s.serialize_str("unknown"),
    }
}

/// An age: exact ("20") or a band ("14-17", "60+").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Age(String);

impl Age {
    pub fn parse(s: &str) -> Result<Age, String> {
        let t = s.trim();
        let num = |x: &str| x.parse::<u8>().ok().filter(|n| *n <= 120);
        let ok = if let Some(lo) = t.strip_suffix('+') {
            num(lo).is_some()
        } else if let Some((lo, hi)) = t.split_once('-') {
            matches!((num(lo), num(hi)), (Some(a), Some(b)) if a < b)
        } else {
            num(t).is_some()
        };
        if ok {
            Ok(Age(t.to_string()))
        } else {
            Err(format!(
                "{t:?} is not an age (20), an age band (14-17) or an open band (60+)"
            ))
        }
    }

    pub fn is_band(&self) -> bool {
        self.0.contains(['-', '+'])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A citizenship or country of birth: a country, or stateless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Nationality(String);

impl Nationality {
    pub fn parse(s: &str) -> Result<Nationality, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("stateless") {
            return Ok(Nationality("stateless".into()));
        }
        Country::parse(t)
            .map(|c| Nationality(c.code().to_string()))
            .map_err(|e| e.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A party, never named: a label such as "Defendant 3" or "The ten defendants".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Party {
    pub label: NonEmptyText,
    pub role: PartyRole,
    /// A party group: how many people it stands for (when sources give only aggregates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    pub age: Vec<Stated<Age>>,
    pub sex: Vec<Stated<Sex>>,
    pub citizenship: Vec<Stated<Nationality>>,
    pub country_of_birth: Vec<Stated<Nationality>>,
    pub residence_status: Vec<Stated<ResidenceStatus>>,
    pub migration_background: Vec<Stated<MigrationBackground>>,
    /// How sources describe the party ("a suspect in the case", "one of the perpetrators"):
    /// different descriptions are shown side by side as a conflict.
    pub described_as: Vec<Stated<NonEmptyText>>,
}

/// An attribute with statements that disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub party: usize,
    pub attribute: &'static str,
    pub values: Vec<String>,
}

/// One attribute's statements: (value or "unknown", the citations that state it).
pub type Statements<'a> = Vec<(String, &'a [Citation])>;

impl Party {
    /// The attributes and their statements.
    pub fn attributes(&self) -> Vec<(&'static str, Statements<'_>)> {
        fn list<T: Serialize>(v: &[Stated<T>]) -> Vec<(String, &[Citation])> {
            v.iter()
                .map(|s| {
                    let value = match &s.value {
                        Some(x) => serde_json::to_value(x)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        None => "unknown".to_string(),
                    };
                    (value, s.citations.as_slice())
                })
                .collect()
        }
        vec![
            ("age", list(&self.age)),
            ("sex", list(&self.sex)),
            ("citizenship", list(&self.citizenship)),
            ("country_of_birth", list(&self.country_of_birth)),
            ("residence_status", list(&self.residence_status)),
            ("migration_background", list(&self.migration_background)),
            ("described_as", list(&self.described_as)),
        ]
    }

    /// Attributes whose sources give different known values.
    pub fn conflicts(&self, index: usize) -> Vec<Conflict> {
        self.attributes()
            .into_iter()
            .filter_map(|(attribute, statements)| {
                let mut values: Vec<String> = statements
                    .into_iter()
                    .map(|(v, _)| v)
                    .filter(|v| v != "unknown")
                    .collect();
                values.sort();
                values.dedup();
                (values.len() > 1).then_some(Conflict {
                    party: index,
                    attribute,
                    values,
                })
            })
            .collect()
    }
}

/// The court that has the case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseCourt {
    pub name: NonEmptyText,
    pub level: CourtLevel,
}

/// One step in the proceedings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub date: PartialDate,
    pub status: CaseStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<NonEmptyText>,
    pub citations: Vec<Citation>,
}

/// An offence as charged or as decided: an ICCS category plus the national provision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOffence {
    pub stage: OffenceStage,
    pub iccs: IccsCode,
    pub label: NonEmptyText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision: Option<NonEmptyText>,
    /// The party (index into `parties`) it concerns, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<usize>,
    pub citations: Vec<Citation>,
}

/// The policy version applied to a decision (for example an expulsion threshold).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedPolicy {
    pub policy_id: RecordId,
    pub version: NonEmptyText,
}

/// An outcome for one party (an individual, or members of a party group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOutcome {
    pub party: usize,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_applied: Option<AppliedPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal: Option<NonEmptyText>,
    pub citations: Vec<Citation>,
}

/// A public-safety incident as an event: where, how precisely, how many independent sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub place: NonEmptyText,
    pub precision: PlacePrecision,
    pub independent_sources: u32,
}

/// Everything a case may hold beyond its core.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CaseDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<NonEmptyText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court: Option<CaseCourt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<NonEmptyText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offences: Vec<CaseOffence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TaskingTag>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<CaseOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
}

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

    /// Every citation in the detail, with its field path.
    pub fn citations(&self) -> Vec<(String, &Citation)> {
        fn push<'a>(out: &mut Vec<(String, &'a Citation)>, prefix: String, cs: &'a [Citation]) {
            for (i, c) in cs.iter().enumerate() {
                out.push((format!("{prefix}citations[{i}]"), c));
            }
        }
        fn stated<'a, T: Serialize>(
            out: &mut Vec<(String, &'a Citation)>,
            prefix: String,
            v: &'a [Stated<T>],
        ) {
            for (i, s) in v.iter().enumerate() {
                push(out, format!("{prefix}[{i}]."), &s.citations);
            }
        }
        let mut out = Vec::new();
        for (i, t) in self.timeline.iter().enumerate() {
            push(&mut out, format!("timeline[{i}]."), &t.citations);
        }
        for (i, o) in self.offences.iter().enumerate() {
            push(&mut out, format!("offences[{i}]."), &o.citations);
        }
        for (i, o) in self.outcomes.iter().enumerate() {
            push(&mut out, format!("outcomes[{i}]."), &o.citations);
        }
        for (i, p) in self.parties.iter().enumerate() {
            stated(&mut out, format!("parties[{i}].age"), &p.age);
            stated(&mut out, format!("parties[{i}].sex"), &p.sex);
            stated(
                &mut out,
                format!("parties[{i}].citizenship"),
                &p.citizenship,
            );
            stated(
                &mut out,
                format!("parties[{i}].country_of_birth"),
                &p.country_of_birth,
            );
            stated(
                &mut out,
                format!("parties[{i}].residence_status"),
                &p.residence_status,
            );
            stated(
                &mut out,
                format!("parties[{i}].migration_background"),
                &p.migration_background,
            );
            stated(
                &mut out,
                format!("parties[{i}].described_as"),
                &p.described_as,
            );
        }
        out
    }

    /// Conflicting statements across all parties.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.parties
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.conflicts(i))
            .collect()
    }

    pub fn has_victims(&self) -> bool {
        self.parties.iter().any(|p| p.role == PartyRole::Victim)
    }

    /// The detail without victim parties (for exports and anything public): offences and
    /// outcomes that pointed at a later party are renumbered; those about a victim lose the
    /// pointer.
    pub fn without_victims(&self) -> CaseDetail {
        let mut map = Vec::new();
        let mut parties = Vec::new();
        for p in &self.parties {
            if p.role == PartyRole::Victim {
                map.push(None);
            } else {
                map.push(Some(parties.len()));
                parties.push(p.clone());
            }
        }
        let mut d = self.clone();
        d.parties = parties;
        for o in &mut d.offences {
            o.party = o.party.and_then(|i| map.get(i).copied().flatten());
        }
        d.outcomes
            .retain(|o| map.get(o.party).copied().flatten().is_some());
        for o in &mut d.outcomes {
            o.party = map[o.party].unwrap_or(0);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use crate::case::Case;
    use serde_json::{Value, json};

    /// The Hamburg pattern: a group of ten defendants (nine convicted), a victim, an attribute
    /// two sources state differently.
    fn hamburg() -> Value {
        json!({"post": "berlin", "kind": "criminal_case", "country": "DE", "title": "Group case",
            "summary": "As the sources report it.", "status": "final", "marking": "SBU",
            "citations": [{"source_id": 1}],
            "jurisdiction": "Hamburg", "reference": "Public reference 1",
            "court": {"name": "Landgericht Hamburg", "level": "first_instance"},
            "timeline": [{"date": "2023-11-28", "status": "first_instance", "citations": [{"source_id": 1}]},
                         {"date": "2025-05", "status": "final", "note": "Appeals rejected", "citations": [{"source_id": 2}]}],
            "tags": ["leniency"],
            "parties": [
                {"label": "The ten defendants", "role": "defendant", "count": 10,
                 "age": [{"value": "14-20", "citations": [{"source_id": 1}]}],
                 "sex": [{"value": "male", "citations": [{"source_id": 1}]}],
                 "citizenship": [{"value": "DE", "citations": [{"source_id": 1}]},
                                 {"value": "AF", "citations": [{"source_id": 2}]}]},
                {"label": "The victim", "role": "victim",
                 "age": [{"value": "14-17", "citations": [{"source_id": 1}]}],
                 "sex": [{"value": "female", "citations": [{"source_id": 1}]}]}
            ],
            "offences": [{"stage": "decided", "iccs": "03011", "label": "Rape", "provision": "StGB s.177", "party": 0,
                          "citations": [{"source_id": 1}]}],
            "outcomes": [{"party": 0, "citations": [{"source_id": 1}], "outcome": {
                "subject": {"kind": "group_member", "group_size": 10, "members": 4},
                "offences": [{"label": "Rape", "provision": "StGB s.177"}],
                "verdict": "convicted",
                "sentence": {"law": "juvenile", "components": [{"kind": "custody", "form": "youth_custody",
                    "term": {"years": 1}, "term_max": {"years": 2, "months": 9}, "mode": "suspended"}]}}}],
            "incident": {"place": "Hamburg", "precision": "district", "independent_sources": 2}
        })
    }

    #[test]
    fn a_deep_case_round_trips_and_shows_its_conflict() {
        let c = match Case::from_json(&hamburg()) {
            Ok(c) => c,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(Case::from_json(&c.to_json()).unwrap(), c);
        let conflicts = c.detail.conflicts();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].attribute, "citizenship");
        assert_eq!(conflicts[0].values, ["AF", "DE"]);
        // Unstated attributes are "unknown", explicitly.
        assert_eq!(
            c.to_json()["parties"][0]["residence_status"][0]["value"],
            "unknown"
        );
        // Every nested citation is found, with its path.
        let paths: Vec<String> = c.all_citations().into_iter().map(|(p, _)| p).collect();
        assert!(
            paths.contains(&"parties[0].citizenship[1].citations[0]".to_string()),
            "{paths:?}"
        );
        assert!(paths.contains(&"outcomes[0].citations[0]".to_string()));
        assert_eq!(
            c.detail.offences[0].iccs.section(),
            "Injurious acts of a sexual nature"
        );
    }

    #[test]
    fn outcomes_with_court_and_date_round_trip() {
        let mut v = hamburg();
        v["outcomes"][0]["outcome"]["court"] =
            json!({"name": "Landgericht Hamburg", "level": "first_instance", "country": "DE"});
        v["outcomes"][0]["outcome"]["decided"] = json!("2023-11-28");
        let c = Case::from_json(&v).unwrap();
        let back = Case::from_json(&c.to_json());
        assert_eq!(back.as_ref().ok(), Some(&c), "{back:?}\n{}", c.to_json());
    }

    #[test]
    fn victims_are_sbu_banded_and_dropped_from_exports() {
        let mut v = hamburg();
        v["marking"] = json!("U");
        v["parties"][1]["age"][0]["value"] = json!("15");
        v["parties"][1]["citizenship"] = json!([{"value": "DE", "citations": [{"source_id": 1}]}]);
        let e = Case::from_json(&v).unwrap_err();
        let fields: Vec<String> = e.errors.iter().filter_map(|e| e.field.clone()).collect();
        assert!(fields.contains(&"marking".to_string()), "{fields:?}");
        assert!(
            fields.contains(&"parties[1].citizenship".to_string()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"parties[1].age[0].value".to_string()),
            "{fields:?}"
        );
        let c = Case::from_json(&hamburg()).unwrap();
        let public = c.without_victims();
        assert_eq!(public.detail.parties.len(), 1);
        assert!(!public.to_json().to_string().contains("victim"));
        assert_eq!(public.detail.outcomes.len(), 1);
    }

    #[test]
    fn bad_detail_names_the_nested_field() {
        let mut v = hamburg();
        v["offences"][0]["iccs"] = json!("99");
        v["offences"][0]["party"] = json!(7);
        v["parties"][0]["citizenship"][0] = json!({"value": "DE"});
        v["outcomes"][0]["outcome"]["verdict"] = json!("maybe");
        v["incident"]["precision"] = json!("street");
        let e = Case::from_json(&v).unwrap_err();
        let fields: Vec<String> = e.errors.iter().filter_map(|e| e.field.clone()).collect();
        for f in [
            "offences[0].iccs",
            "offences[0].party",
            "parties[0].citizenship[0].citations",
            "incident.precision",
        ] {
            assert!(
                fields.contains(&f.to_string()),
                "{f} missing from {fields:?}"
            );
        }
        assert!(
            fields.iter().any(|f| f.starts_with("outcomes[0].outcome.")),
            "{fields:?}"
        );
    }
}
