//! Cases in depth: court and reference, a status timeline, offences as charged and as decided,
//! parties without names whose attributes are each stated by a cited source (several statements
//! may conflict; conflicts are shown, never resolved), outcomes with sentences, tasking tags (the
//! post's assessment, never a finding) and public-safety incidents with place precision.

use crate::case::{CaseStatus, Citation};
use crate::country::Country;
use crate::date::PartialDate;
use crate::record::RecordId;
use crate::severity::{CourtLevel, Outcome};
use crate::text::NonEmptyText;
use serde::{Deserialize, Serialize};

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

mod read;
#[cfg(test)]
mod tests;

impl CaseDetail {
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
