//! The clearance state machine: a report is drafted, cleared by each role of its template's
//! chain in order, published and perhaps withdrawn. Any edit after submission restarts the
//! chain, so every clearer has signed off on the text that goes out. And a tasking's compliance
//! status, read from the state of the report (if any) that answers it.

use crate::access::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    /// Awaiting clearance by the role at `step` (0-based) of the clearance chain.
    InClearance {
        step: usize,
    },
    Cleared,
    Published,
    Withdrawn,
}

impl ReportState {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::InClearance { .. } => "in_clearance",
            ReportState::Cleared => "cleared",
            ReportState::Published => "published",
            ReportState::Withdrawn => "withdrawn",
        }
    }
}

impl std::fmt::Display for ReportState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportState::InClearance { step } => write!(f, "in_clearance (step {})", step + 1),
            other => f.write_str(other.as_str()),
        }
    }
}

string_enum!(
    /// What someone does to a report.
    ReportAction, "report action" {
        Submit => "submit", "Submit for clearance";
        Clear => "clear", "Clear";
        ReturnToDraft => "return_to_draft", "Return to draft";
        Edit => "edit", "Edit";
        Publish => "publish", "Publish";
        Withdraw => "withdraw", "Withdraw";
    }
);

/// The state after `actor` does `action` to a report in `state` whose template has clearance
/// chain `chain`, or the reason it is refused.
///
/// - submit: draft to in_clearance at step 0.
/// - clear: only by the role at the current step; the last step leads to cleared.
/// - return_to_draft: only by the role at the current step.
/// - edit: a draft stays a draft; an edit in clearance or after clearance restarts at draft;
///   a published or withdrawn report is not edited.
/// - publish: cleared to published, by an HQ editor only.
/// - withdraw: published to withdrawn, by an HQ editor only.
///
/// HQ readers and administrators take no action on reports (they read, or run accounts). Whether
/// the actor belongs to the report's post is for the access policy (`access::can`), not here.
pub fn transition(
    state: ReportState,
    action: ReportAction,
    actor: Role,
    chain: &[Role],
) -> Result<ReportState, String> {
    use ReportAction as A;
    use ReportState as S;
    if matches!(actor, Role::HqReader | Role::Admin) {
        return Err(format!("{} does not act on reports", actor.label()));
    }
    if chain.is_empty() {
        return Err(
            "the template's clearance chain is empty: no one could clear the report".into(),
        );
    }
    let at_step = |step: usize| -> Result<Role, String> {
        chain.get(step).copied().ok_or_else(|| {
            format!(
                "the report is at clearance step {} but the chain has {} steps: return it to draft",
                step + 1,
                chain.len()
            )
        })
    };
    match (action, state) {
        (A::Submit, S::Draft) => Ok(S::InClearance { step: 0 }),
        (A::Clear, S::InClearance { step }) => {
            let due = at_step(step)?;
            if actor != due {
                Err(format!(
                    "step {} of {} is for the {}, not the {}",
                    step + 1,
                    chain.len(),
                    due.label(),
                    actor.label()
                ))
            } else if step + 1 == chain.len() {
                Ok(S::Cleared)
            } else {
                Ok(S::InClearance { step: step + 1 })
            }
        }
        (A::ReturnToDraft, S::InClearance { step }) => {
            // A step beyond the chain (the template changed) may be returned by anyone who acts.
            match chain.get(step) {
                Some(&due) if actor != due => Err(format!(
                    "only the {} (step {} of {}) may return the report to draft",
                    due.label(),
                    step + 1,
                    chain.len()
                )),
                _ => Ok(S::Draft),
            }
        }
        (A::Edit, S::Draft | S::InClearance { .. } | S::Cleared) => Ok(S::Draft),
        (A::Publish, S::Cleared) | (A::Withdraw, S::Published) if actor != Role::HqEditor => {
            Err(format!(
                "only an HQ editor may {}; the {} may not",
                action.as_str(),
                actor.label()
            ))
        }
        (A::Publish, S::Cleared) => Ok(S::Published),
        (A::Withdraw, S::Published) => Ok(S::Withdrawn),
        (action, state) => Err(refusal(action, state)),
    }
}

fn refusal(action: ReportAction, state: ReportState) -> String {
    use ReportAction as A;
    let need = match action {
        A::Submit => "only a draft is submitted for clearance",
        A::Clear | A::ReturnToDraft => "only a report in clearance is cleared or returned",
        A::Edit => "a published or withdrawn report is not edited",
        A::Publish => "only a cleared report is published",
        A::Withdraw => "only a published report is withdrawn",
    };
    format!(
        "cannot {} a report that is {state}: {need}",
        action.as_str()
    )
}

string_enum!(
    /// How a post stands on a tasking. `withdrawn`: the report was published and then
    /// withdrawn, so it no longer answers the tasking.
    ComplianceStatus, "compliance status" {
        NotStarted => "not_started", "Not started";
        Drafting => "drafting", "Drafting";
        InClearance => "in_clearance", "In clearance";
        Submitted => "submitted", "Submitted";
        Withdrawn => "withdrawn", "Withdrawn";
    }
);

/// A post's compliance with one due date of a tasking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    pub status: ComplianceStatus,
    /// The due date has passed (`today > due`) and the report is neither cleared nor
    /// published.
    pub late: bool,
}

/// The compliance of a post whose report for a due date is `report` (none: not begun).
pub fn compliance(report: Option<ReportState>, due: NaiveDate, today: NaiveDate) -> Compliance {
    let status = match report {
        None => ComplianceStatus::NotStarted,
        Some(ReportState::Draft) => ComplianceStatus::Drafting,
        Some(ReportState::InClearance { .. }) => ComplianceStatus::InClearance,
        Some(ReportState::Cleared | ReportState::Published) => ComplianceStatus::Submitted,
        Some(ReportState::Withdrawn) => ComplianceStatus::Withdrawn,
    };
    let late = today > due && status != ComplianceStatus::Submitted;
    Compliance { status, late }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportAction as A;
    use ReportState as S;

    const CHAIN: [Role; 2] = [Role::PostReviewer, Role::HqEditor];

    fn go(state: S, action: A, actor: Role) -> Result<S, String> {
        transition(state, action, actor, &CHAIN)
    }

    #[test]
    fn a_report_is_submitted_cleared_in_order_and_published() {
        let s = go(S::Draft, A::Submit, Role::PostOfficer).unwrap();
        assert_eq!(s, S::InClearance { step: 0 });
        let s = go(s, A::Clear, Role::PostReviewer).unwrap();
        assert_eq!(s, S::InClearance { step: 1 });
        let s = go(s, A::Clear, Role::HqEditor).unwrap();
        assert_eq!(s, S::Cleared);
        let s = go(s, A::Publish, Role::HqEditor).unwrap();
        assert_eq!(s, S::Published);
        let s = go(s, A::Withdraw, Role::HqEditor).unwrap();
        assert_eq!(s, S::Withdrawn);
    }

    #[test]
    fn a_one_step_chain_clears_at_once() {
        let chain = [Role::HqEditor];
        let s = transition(S::Draft, A::Submit, Role::HqEditor, &chain).unwrap();
        assert_eq!(
            transition(s, A::Clear, Role::HqEditor, &chain),
            Ok(S::Cleared)
        );
    }

    #[test]
    fn clearance_by_the_wrong_role_is_refused() {
        let e = go(S::InClearance { step: 0 }, A::Clear, Role::HqEditor).unwrap_err();
        assert!(e.contains("Post reviewer"), "{e}");
        let e = go(S::InClearance { step: 1 }, A::Clear, Role::PostReviewer).unwrap_err();
        assert!(e.contains("HQ editor"), "{e}");
        assert!(go(S::InClearance { step: 0 }, A::Clear, Role::PostOfficer).is_err());
        // A step beyond the chain (the template was shortened) cannot be cleared.
        assert!(go(S::InClearance { step: 2 }, A::Clear, Role::HqEditor).is_err());
    }

    #[test]
    fn only_the_current_clearer_returns_to_draft() {
        assert_eq!(
            go(S::InClearance { step: 1 }, A::ReturnToDraft, Role::HqEditor),
            Ok(S::Draft)
        );
        assert!(
            go(
                S::InClearance { step: 1 },
                A::ReturnToDraft,
                Role::PostReviewer
            )
            .is_err()
        );
        assert!(
            go(
                S::InClearance { step: 0 },
                A::ReturnToDraft,
                Role::PostOfficer
            )
            .is_err()
        );
        assert_eq!(
            go(
                S::InClearance { step: 5 },
                A::ReturnToDraft,
                Role::PostOfficer
            ),
            Ok(S::Draft)
        );
        assert!(go(S::Draft, A::ReturnToDraft, Role::PostReviewer).is_err());
        assert!(go(S::Cleared, A::ReturnToDraft, Role::HqEditor).is_err());
    }

    #[test]
    fn an_edit_restarts_the_chain() {
        for role in [Role::PostOfficer, Role::PostReviewer, Role::HqEditor] {
            assert_eq!(go(S::InClearance { step: 1 }, A::Edit, role), Ok(S::Draft));
            assert_eq!(go(S::Cleared, A::Edit, role), Ok(S::Draft));
            assert_eq!(go(S::Draft, A::Edit, role), Ok(S::Draft));
        }
        // After the edit the chain starts again at step 0.
        let s = go(S::InClearance { step: 1 }, A::Edit, Role::PostOfficer).unwrap();
        let s = go(s, A::Submit, Role::PostOfficer).unwrap();
        assert_eq!(s, S::InClearance { step: 0 });
        assert!(go(s, A::Clear, Role::HqEditor).is_err());
        assert!(go(S::Published, A::Edit, Role::HqEditor).is_err());
        assert!(go(S::Withdrawn, A::Edit, Role::HqEditor).is_err());
    }

    #[test]
    fn publish_and_withdraw_are_for_hq_editors_only() {
        let e = go(S::Cleared, A::Publish, Role::PostReviewer).unwrap_err();
        assert!(e.contains("only an HQ editor"), "{e}");
        assert!(go(S::Published, A::Withdraw, Role::PostOfficer).is_err());
        assert!(go(S::Draft, A::Publish, Role::HqEditor).is_err());
        assert!(go(S::InClearance { step: 1 }, A::Publish, Role::HqEditor).is_err());
        assert!(go(S::Cleared, A::Withdraw, Role::HqEditor).is_err());
        assert!(go(S::Withdrawn, A::Withdraw, Role::HqEditor).is_err());
        assert!(go(S::Withdrawn, A::Publish, Role::HqEditor).is_err());
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        for state in [
            S::InClearance { step: 0 },
            S::Cleared,
            S::Published,
            S::Withdrawn,
        ] {
            let e = go(state, A::Submit, Role::PostOfficer).unwrap_err();
            assert!(e.starts_with("cannot submit"), "{e}");
        }
        for state in [S::Draft, S::Cleared, S::Published, S::Withdrawn] {
            assert!(go(state, A::Clear, Role::HqEditor).is_err());
        }
        for role in [Role::HqReader, Role::Admin] {
            assert!(go(S::Draft, A::Submit, role).is_err());
            assert!(go(S::Cleared, A::Edit, role).is_err());
        }
        assert!(transition(S::Draft, A::Submit, Role::PostOfficer, &[]).is_err());
    }

    #[test]
    fn report_states_serialise_with_their_step() {
        let v = serde_json::to_value(S::InClearance { step: 1 }).unwrap();
        assert_eq!(v, serde_json::json!({"state": "in_clearance", "step": 1}));
        assert_eq!(
            serde_json::from_value::<S>(v).unwrap(),
            S::InClearance { step: 1 }
        );
        assert_eq!(
            serde_json::to_value(S::Draft).unwrap(),
            serde_json::json!({"state": "draft"})
        );
    }

    #[test]
    fn compliance_maps_states_and_flags_lateness() {
        let due = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
        let on_due = due;
        let after = NaiveDate::from_ymd_opt(2025, 10, 2).unwrap();
        let c = |r, today| compliance(r, due, today);

        assert_eq!(c(None, on_due).status, ComplianceStatus::NotStarted);
        assert_eq!(c(Some(S::Draft), on_due).status, ComplianceStatus::Drafting);
        assert_eq!(
            c(Some(S::InClearance { step: 1 }), on_due).status,
            ComplianceStatus::InClearance
        );
        assert_eq!(
            c(Some(S::Cleared), on_due).status,
            ComplianceStatus::Submitted
        );
        assert_eq!(
            c(Some(S::Published), on_due).status,
            ComplianceStatus::Submitted
        );
        assert_eq!(
            c(Some(S::Withdrawn), on_due).status,
            ComplianceStatus::Withdrawn
        );

        // On the due day nothing is late; the day after, everything not submitted is.
        for r in [
            None,
            Some(S::Draft),
            Some(S::InClearance { step: 0 }),
            Some(S::Cleared),
            Some(S::Published),
            Some(S::Withdrawn),
        ] {
            assert!(!c(r, on_due).late);
        }
        for r in [
            None,
            Some(S::Draft),
            Some(S::InClearance { step: 0 }),
            Some(S::Withdrawn),
        ] {
            assert!(c(r, after).late, "{r:?}");
        }
        assert!(!c(Some(S::Cleared), after).late);
        assert!(!c(Some(S::Published), after).late);
    }
}
