//! Group summaries over documented cases: counts of defendants by basis attribute and the
//! median unconditional custody. Documented cases are a selection, not a sample: no interval
//! and no rate is ever given, and every summary carries the caveat.

use crate::case::Case;
use crate::case_detail::PartyRole;
use crate::marking::Marking;
use crate::record::Record;
use crate::severity::Subject;
use serde::Serialize;
use std::collections::BTreeMap;

/// The caveat every group summary carries, in every view and export.
pub const SELECTION_CAVEAT: &str = "Documented cases are a selection, not a sample: these counts describe what posts \
     have recorded, estimate no rate and support no comparison between groups.";

/// The median of sorted values (the mean of the middle two for an even count).
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The attributes a summary counts by.
const BASES: &[&str] = &[
    "citizenship",
    "country_of_birth",
    "residence_status",
    "migration_background",
];

/// A group summary: SBU, always with its caveat.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub marking: Marking,
    pub caveat: &'static str,
    pub cases: usize,
    /// Defendant parties (a party group counts once).
    pub defendant_parties: u64,
    /// Defendants as people (a party group counts its size).
    pub defendants: u64,
    /// For each basis attribute, people per value ("unknown", "sources disagree" included).
    pub by: BTreeMap<String, BTreeMap<String, u64>>,
    pub median_unconditional_custody_days: MedianCustody,
}

/// The median unconditional custody over convicted people.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MedianCustody {
    pub convicted_people: u64,
    /// The median of the lower ends (none without a convicted person).
    pub low: Option<f64>,
    /// The median of the upper ends.
    pub high: Option<f64>,
    pub note: &'static str,
}

/// Computes a group summary over records of cases (already narrowed to what the viewer may see):
/// defendants counted by each basis attribute (people, a party group counting its size), and
/// the median unconditional custody over convicted outcomes (each member of a group once).
pub fn summarise(cases: &[Record<Case>]) -> CaseSummary {
    let mut by: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut parties = 0u64;
    let mut people = 0u64;
    let mut lows = Vec::new();
    let mut highs = Vec::new();
    let mut outcomes = 0u64;
    for c in cases {
        for p in &c.data.detail.parties {
            if p.role != PartyRole::Defendant {
                continue;
            }
            parties += 1;
            let n = u64::from(p.count.unwrap_or(1));
            people += n;
            for (attr, statements) in p.attributes() {
                if !BASES.contains(&attr) {
                    continue;
                }
                let mut known: Vec<String> = statements
                    .into_iter()
                    .map(|(v, _)| v)
                    .filter(|v| v != "unknown")
                    .collect();
                known.sort();
                known.dedup();
                let bucket = match known.len() {
                    0 => "unknown".to_string(),
                    1 => known.remove(0),
                    _ => "sources disagree".to_string(),
                };
                *by.entry(attr.to_string())
                    .or_default()
                    .entry(bucket)
                    .or_default() += n;
            }
        }
        for o in &c.data.detail.outcomes {
            let m = o.outcome.measures();
            if !m.convicted {
                continue;
            }
            let weight = match &o.outcome.subject {
                Subject::GroupMember(g) => g.members(),
                Subject::Individual => 1,
            };
            for _ in 0..weight {
                lows.push(f64::from(m.unconditional_custody_days.min));
                highs.push(f64::from(m.unconditional_custody_days.max));
                outcomes += 1;
            }
        }
    }
    CaseSummary {
        marking: Marking::SBU,
        caveat: SELECTION_CAVEAT,
        cases: cases.len(),
        defendant_parties: parties,
        defendants: people,
        by,
        median_unconditional_custody_days: MedianCustody {
            convicted_people: outcomes,
            low: median(lows),
            high: median(highs),
            note: "low and high are the medians of the lower and upper ends where sources give a sentence range; \
                   no interval is given because the cases are not a sample",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
