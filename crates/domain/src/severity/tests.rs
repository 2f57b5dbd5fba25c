use super::{
    CONVENTIONS, CaveatKind, CompareContext, Harsher, Measure, Outcome, SeverityRank, Span, Term,
    compare, scale_description,
};
use serde_json::{Value, json};

fn outcome(v: Value) -> Outcome {
    let o = Outcome::from_json(&v).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Outcome::from_json(&o.to_json()).unwrap(), o, "round trip");
    o
}

fn fields(v: Value) -> Vec<String> {
    let e = Outcome::from_json(&v).unwrap_err();
    e.errors
        .iter()
        .map(|e| e.field.clone().unwrap_or_default())
        .collect()
}

/// The woman convicted in June 2024 by the Amtsgericht Hamburg-Wandsbek (directive.md).
fn wandsbek() -> Outcome {
    outcome(json!({
        "court": {"name": "Amtsgericht Hamburg-Wandsbek", "level": "first_instance",
                  "country": "DE"},
        "offences": [{"label": "insult", "provision": "s.185 StGB"},
                     {"label": "threat", "provision": "s.241 StGB"}],
        "decided": "2024-06",
        "verdict": "convicted",
        "sentence": {"law": "juvenile", "components": [
            {"kind": "youth_detention", "form": "freizeitarrest", "weekends": 1}]}
    }))
}

/// One of the Stadtpark group sentences (Landgericht Hamburg, 28 Nov 2023): the group is
/// modelled as one outcome per kind of sentence, standing for `members` of the 9 convicted,
/// each with the range the sources give for the group (1 year to 2 years 9 months).
fn stadtpark(mode: &str, members: u32) -> Outcome {
    outcome(json!({
        "subject": {"kind": "group_member", "group_size": 9, "members": members},
        "court": {"name": "Landgericht Hamburg (Jugendkammer)", "level": "first_instance",
                  "country": "DE"},
        "offences": [{"label": "rape", "provision": "s.177 StGB"}],
        "decided": "2023-11-28",
        "verdict": "convicted",
        "sentence": {"law": "juvenile", "components": [
            {"kind": "custody", "form": "youth_custody", "mode": mode,
             "term": {"years": 1}, "term_max": {"years": 2, "months": 9}}]}
    }))
}

#[test]
fn hamburg_harsher_depends_on_the_measure() {
    let speech = wandsbek();
    let m = speech.measures();
    assert_eq!(m.unconditional_custody_days, Span::exact(2));
    assert_eq!(m.max_custody_exposure_days, Span::exact(2));
    assert_eq!(m.rank, Span::exact(SeverityRank::YouthDetention));
    assert!(m.juvenile_law && !m.adult_law);

    let mut ctx = CompareContext::new("insult and threat (Wandsbek)", "Stadtpark group member");
    ctx.notes
        .push("whether the recipient was among the nine convicted is not stated".into());
    let group = Span {
        min: 365,
        max: 1000,
    };

    // Suspended (4 of 9) and deferred (4 of 9): the served weekend is more custody actually
    // imposed, but far less exposure and a lower rank.
    for (mode, rank) in [("suspended", 3), ("suspension_deferred", 4)] {
        let c = compare(&speech, &stadtpark(mode, 4), &ctx);
        let u = c.row(Measure::UnconditionalCustodyDays);
        assert_eq!(
            (u.a, u.b, u.harsher),
            (Span::exact(2), Span::exact(0), Harsher::A),
            "{mode}"
        );
        let x = c.row(Measure::MaxCustodyExposureDays);
        assert_eq!(
            (x.a, x.b, x.harsher),
            (Span::exact(2), group, Harsher::B),
            "{mode}"
        );
        let r = c.row(Measure::SeverityRank);
        assert_eq!(
            (r.a, r.b, r.harsher),
            (Span::exact(2), Span::exact(rank), Harsher::B)
        );
        assert!(c.depends_on_measure, "{mode}");
    }

    // The one unconditional sentence is harsher on every measure.
    let c = compare(&speech, &stadtpark("unconditional", 1), &ctx);
    assert_eq!(c.row(Measure::UnconditionalCustodyDays).b, group);
    assert_eq!(c.row(Measure::SeverityRank).b, Span { min: 5, max: 6 });
    assert!(c.rows.iter().all(|r| r.harsher == Harsher::B));
    assert!(!c.depends_on_measure);

    let kinds = c.caveat_kinds();
    for k in [
        CaveatKind::RankIsAModellingChoice,
        CaveatKind::DifferentCourts,
        CaveatKind::DifferentOffences,
        CaveatKind::DifferentDates,
        CaveatKind::GroupOutcome,
        CaveatKind::SentenceRange,
        CaveatKind::Stated,
    ] {
        assert!(kinds.contains(&k), "missing {k:?} in {kinds:?}");
    }
    assert!(!kinds.contains(&CaveatKind::JuvenileAndAdultLaw));
    assert!(!kinds.contains(&CaveatKind::DifferentCourtLevels));

    let deferred = stadtpark("suspension_deferred", 4).measures();
    assert!(deferred.notes.iter().any(|n| n.contains("Vorbewährung")));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["rows"][0]["measure"], "unconditional_custody_days");
    assert_eq!(json["a"]["rank"]["min"], "youth_detention");
}

#[test]
fn skelleftea_prison_damages_and_refused_expulsion() {
    let o = outcome(json!({
        "court": {"name": "Hovrätten för Övre Norrland", "level": "appeal", "country": "SE"},
        "offences": [{"label": "rape"}],
        "decided": "2025-10",
        "verdict": "convicted",
        "sentence": {"components": [
            {"kind": "custody", "form": "prison", "mode": "unconditional", "term": {"years": 3}},
            {"kind": "damages", "amount": {"value": 240000, "currency": "SEK"}},
            {"kind": "expulsion", "decision": "refused",
             "ground": "particularly serious crime (synnerligen grovt brott) not met"}]}
    }));
    let m = o.measures();
    assert_eq!(m.unconditional_custody_days, Span::exact(1095));
    assert_eq!(m.rank, Span::exact(SeverityRank::CustodyOneToFiveYears));
    assert!(!m.expulsion_ordered && !m.juvenile_law && !m.adult_law);
    assert!(m.notes.iter().any(|n| n.contains("damages")));
    let c = compare(&o, &wandsbek(), &CompareContext::default());
    let kinds = c.caveat_kinds();
    assert!(kinds.contains(&CaveatKind::DifferentCountries));
    assert!(kinds.contains(&CaveatKind::DifferentCourtLevels));
    assert!(kinds.contains(&CaveatKind::LawNotStated));
    assert!(kinds.contains(&CaveatKind::ExpulsionNotRanked));
    assert_eq!(c.label_a, "A");
}

#[test]
fn conventions_are_applied_and_published() {
    assert_eq!(Term::new(2, 9, 0, 0).unwrap().in_days(), 1000);
    assert_eq!(Term::new(0, 12, 0, 0).unwrap().in_days(), 360);
    assert_eq!(Term::new(0, 0, 2, 3).unwrap().in_days(), 17);
    assert!(Term::new(0, 0, 0, 0).is_err());
    assert!(Term::new(101, 0, 0, 0).is_err());
    let text = scale_description();
    for c in CONVENTIONS {
        assert!(text.contains(&format!("= {} days", c.days)), "{}", c.unit);
    }
    for r in SeverityRank::ALL {
        assert!(text.contains(&format!("{} ", r.level())), "{r:?}");
    }
    assert_eq!(
        SeverityRank::for_custody_days(365),
        SeverityRank::CustodyUpToOneYear
    );
    assert_eq!(
        SeverityRank::for_custody_days(366),
        SeverityRank::CustodyOneToFiveYears
    );
    assert_eq!(
        SeverityRank::for_custody_days(1826),
        SeverityRank::CustodyOverFiveYears
    );
}

#[test]
fn components_add_and_rank_at_the_highest() {
    let o = outcome(json!({
        "offences": [{"label": "fraud"}], "verdict": "convicted",
        "sentence": {"law": "adult", "components": [
            {"kind": "custody", "form": "prison", "mode": "unconditional", "term": {"months": 6}},
            {"kind": "custody", "form": "prison", "mode": "suspended", "term": {"months": 18},
             "probation": {"years": 3}},
            {"kind": "day_fines", "days": 90, "per_day": {"value": "30.50", "currency": "EUR"}},
            {"kind": "community_service", "hours": "120"},
            {"kind": "expulsion", "decision": "ordered", "reentry_ban": {"years": 10}}]}
    }));
    let m = o.measures();
    assert_eq!(m.unconditional_custody_days, Span::exact(180));
    assert_eq!(m.max_custody_exposure_days, Span::exact(720));
    assert_eq!(m.rank, Span::exact(SeverityRank::CustodyUpToOneYear));
    assert!(m.adult_law && m.expulsion_ordered);

    let d = outcome(
        json!({"offences": [{"label": "assault"}], "verdict": "convicted",
        "sentence": {"law": "juvenile", "components": [
            {"kind": "youth_detention", "form": "dauerarrest", "weeks": 2}]}}),
    );
    assert_eq!(d.measures().unconditional_custody_days, Span::exact(14));
    let k = outcome(
        json!({"offences": [{"label": "theft"}], "verdict": "convicted",
        "sentence": {"law": "juvenile", "components": [
            {"kind": "youth_detention", "form": "kurzarrest", "days": 4}]}}),
    );
    assert_eq!(k.measures().max_custody_exposure_days, Span::exact(4));
}

#[test]
fn acquittals_and_discharges_rank_zero() {
    let a = outcome(json!({"offences": [{"label": "rape"}], "verdict": "acquitted"}));
    let m = a.measures();
    assert!(!m.convicted);
    assert_eq!(m.rank, Span::exact(SeverityRank::NoPenalty));
    let d = outcome(
        json!({"offences": [{"label": "insult"}], "verdict": "convicted",
        "sentence": {"components": [{"kind": "discharge"}]}}),
    );
    let c = compare(&a, &d, &CompareContext::default());
    assert!(c.rows.iter().all(|r| r.harsher == Harsher::Equal));
    assert!(c.caveat_kinds().contains(&CaveatKind::NotConvicted));
    assert!(c.caveat_kinds().contains(&CaveatKind::CourtNotStated));
}

fn base(components: Value) -> Value {
    json!({"offences": [{"label": "x"}], "verdict": "convicted",
           "sentence": {"law": "adult", "components": components}})
}

#[test]
fn bad_values_are_refused_by_field() {
    let f = fields(base(json!([
        {"kind": "custody", "form": "prison", "mode": "unconditional", "term": {"years": -1}},
        {"kind": "custody", "form": "prison", "mode": "suspended", "probation": {"years": 2}},
        {"kind": "custody", "form": "prison", "mode": "unconditional", "term": {"years": 1},
         "probation": {"years": 2}},
        {"kind": "custody", "form": "jail", "mode": "unconditional", "term": {"days": 0}},
        {"kind": "custody", "form": "prison", "mode": "unconditional", "term": {"years": 2},
         "term_max": {"years": 1}},
        {"kind": "fine", "amount": {"value": "-5", "currency": "eur"}},
        {"kind": "community_service", "hours": 0, "extra": 1},
        {"kind": "expulsion", "decision": "refused", "reentry_ban": {"years": 5}},
        {"kind": "lashes"}
    ])));
    let p = "sentence.components";
    assert_eq!(
        f,
        [
            format!("{p}[0].term.years"),
            format!("{p}[1].term"),
            format!("{p}[2].probation"),
            format!("{p}[3].form"),
            format!("{p}[3].term"),
            format!("{p}[4].term_max"),
            format!("{p}[5].amount.value"),
            format!("{p}[5].amount.currency"),
            format!("{p}[6].hours"),
            format!("{p}[6].extra"),
            format!("{p}[7].reentry_ban"),
            format!("{p}[8].kind"),
        ]
    );
}

#[test]
fn sentence_rules_are_enforced() {
    let detention = json!({"kind": "youth_detention", "form": "freizeitarrest", "weekends": 1});
    let fine = json!({"kind": "fine", "amount": {"value": 100, "currency": "EUR"}});
    let damages = json!({"kind": "damages", "amount": {"value": 100, "currency": "EUR"}});
    let p = "sentence.components";
    assert_eq!(fields(base(json!([detention]))), [format!("{p}[0]")]);
    assert_eq!(fields(base(json!([damages]))), [p]);
    assert_eq!(fields(base(json!([]))), [p]);
    assert_eq!(
        fields(base(json!([fine, {"kind": "discharge"}]))),
        [format!("{p}[1]")]
    );
    let bad_arrest = json!([{"kind": "youth_detention", "form": "freizeitarrest", "weekends": 3},
                            {"kind": "youth_detention", "form": "kurzarrest", "days": 5},
                            {"kind": "youth_detention", "form": "dauerarrest", "weeks": 5}]);
    let mut v = base(bad_arrest);
    v["sentence"]["law"] = json!("juvenile");
    assert_eq!(
        fields(v),
        [
            format!("{p}[0].weekends"),
            format!("{p}[1].days"),
            format!("{p}[2].weeks")
        ]
    );
    let acquittal = json!({"offences": [{"label": "x"}], "verdict": "acquitted",
                           "sentence": {"components": []}});
    assert_eq!(fields(acquittal), ["sentence"]);
    let group = json!({"subject": {"kind": "group_member", "group_size": 9, "members": 10},
                       "offences": [], "verdict": "acquitted", "decided": "2023-13"});
    assert_eq!(fields(group), ["subject.members", "decided"]);
    assert_eq!(fields(json!({"verdict": "acquitted"})), ["offences"]);
}
