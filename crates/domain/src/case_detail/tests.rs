//! Cases in depth: parsing, round trips, conflicts, victims.

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
