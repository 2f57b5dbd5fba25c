//! Sentences in words, as every view and output writes them.

use super::{Component, CustodyMode, ExpulsionDecision, Term, YouthDetention};

/// A term in words: "1 year 6 months".
pub fn term_text(t: &Term) -> String {
    let (y, m, w, d) = t.parts();
    let part = |n: u32, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    [
        part(y, "year", "years"),
        part(m, "month", "months"),
        part(w, "week", "weeks"),
        part(d, "day", "days"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// A sentence component in words: "Prison, 2 years, suspended on probation (3 years probation)".
pub fn component_text(c: &Component) -> String {
    match c {
        Component::Custody(cu) => {
            let form = match cu.form.as_str() {
                "youth_custody" => "Youth custody",
                _ => "Prison",
            };
            let length = match cu.term.max() {
                Some(max) => format!(
                    "between {} and {}",
                    term_text(&cu.term.min()),
                    term_text(&max)
                ),
                None => term_text(&cu.term.min()),
            };
            let mode = match cu.mode {
                CustodyMode::Unconditional => "unconditional".to_string(),
                CustodyMode::Suspended { probation: Some(p) } => {
                    format!("suspended on probation ({} probation)", term_text(&p))
                }
                CustodyMode::Suspended { probation: None } => "suspended on probation".into(),
                CustodyMode::SuspensionDeferred => {
                    "suspension decision deferred (Vorbewährung)".into()
                }
            };
            format!("{form}, {length}, {mode}")
        }
        Component::YouthDetention(y) => match y {
            YouthDetention::Freizeitarrest { weekends } => format!(
                "Youth detention: Freizeitarrest, {} weekend{}",
                weekends.get(),
                if weekends.get() == 1 { "" } else { "s" }
            ),
            YouthDetention::Kurzarrest { days } => {
                format!("Youth detention: Kurzarrest, {} days", days.get())
            }
            YouthDetention::Dauerarrest { days } => {
                format!("Youth detention: Dauerarrest, {} days", days.get())
            }
        },
        Component::Fine { amount } => format!("Fine of {} {}", amount.value(), amount.currency()),
        Component::DayFines { days, per_day } => match per_day {
            Some(m) => format!(
                "{} day-fines at {} {} a day",
                days.get(),
                m.value(),
                m.currency()
            ),
            None => format!("{} day-fines", days.get()),
        },
        Component::CommunityService { hours } => {
            format!("Community service, {} hours", hours.get())
        }
        Component::Damages { amount } => format!(
            "Damages of {} {} to the victim (not a penalty)",
            amount.value(),
            amount.currency()
        ),
        Component::Expulsion(e) => {
            let what = match &e.decision {
                ExpulsionDecision::Ordered {
                    reentry_ban: Some(t),
                } => format!("Expulsion ordered, re-entry ban {}", term_text(t)),
                ExpulsionDecision::Ordered { reentry_ban: None } => "Expulsion ordered".into(),
                ExpulsionDecision::Refused => "Expulsion refused".into(),
            };
            match &e.ground {
                Some(g) => format!("{what} (ground: {g})"),
                None => what,
            }
        }
        Component::Discharge => "Discharge: convicted without penalty".into(),
    }
}
