//! Who may do what: accounts' roles, and the one policy function every route calls.
//!
//! The model is the need-to-know model of diplomatic reporting: a post sees and drafts its own
//! cases; headquarters sees every post. Markings cut across it: without `sbu_access` a user sees
//! only `U` material. The administrator runs accounts and configuration, not content.

use crate::marking::Marking;
use crate::post::PostSlug;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Drafts for its own post.
    PostOfficer,
    /// Clears at its own post (and drafts there).
    PostReviewer,
    /// Edits, clears, publishes and withdraws for any post; owns taskings and templates.
    HqEditor,
    /// Reads every post.
    HqReader,
    /// Accounts and configuration, not content.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::PostOfficer,
        Role::PostReviewer,
        Role::HqEditor,
        Role::HqReader,
        Role::Admin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::PostOfficer => "post_officer",
            Role::PostReviewer => "post_reviewer",
            Role::HqEditor => "hq_editor",
            Role::HqReader => "hq_reader",
            Role::Admin => "admin",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Role::PostOfficer => "Post officer",
            Role::PostReviewer => "Post reviewer",
            Role::HqEditor => "HQ editor",
            Role::HqReader => "HQ reader",
            Role::Admin => "Administrator",
        }
    }

    pub fn parse(input: &str) -> Result<Role, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == input.trim()).ok_or_else(|| {
            format!("unknown role {input:?}: use post_officer, post_reviewer, hq_editor, hq_reader or admin")
        })
    }

    /// Post roles belong to one post; the others to headquarters.
    pub fn is_post_role(&self) -> bool {
        matches!(self, Role::PostOfficer | Role::PostReviewer)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an account belongs: one post, or headquarters. Post roles need a post; the others
/// belong to headquarters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    role: Role,
    post: Option<PostSlug>,
}

impl Placement {
    pub fn new(role: Role, post: Option<PostSlug>) -> Result<Placement, String> {
        match (role.is_post_role(), &post) {
            (true, None) => Err(format!("role {role} belongs to a post: name one")),
            (false, Some(p)) => Err(format!(
                "role {role} belongs to headquarters, not to post {p}"
            )),
            _ => Ok(Placement { role, post }),
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn post(&self) -> Option<&PostSlug> {
        self.post.as_ref()
    }
}

/// The signed-in user as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub placement: Placement,
    pub sbu_access: bool,
}

impl Principal {
    pub fn role(&self) -> Role {
        self.placement.role
    }

    pub fn post(&self) -> Option<&PostSlug> {
        self.placement.post.as_ref()
    }

    /// The highest marking this user may see.
    pub fn clearance(&self) -> Marking {
        if self.sbu_access {
            Marking::SBU
        } else {
            Marking::U
        }
    }

    pub fn may_see(&self, marking: Marking) -> bool {
        marking <= self.clearance()
    }

    /// The post whose cases alone this user may see, for post roles; `None` means every post.
    pub fn post_scope(&self) -> Option<&PostSlug> {
        if self.role().is_post_role() {
            self.post()
        } else {
            None
        }
    }
}

/// What a user asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See a record (and list it).
    Read,
    /// Create a record.
    Create,
    /// Change a record.
    Update,
    /// See the list of posts.
    ListPosts,
    /// Manage accounts, lift lockouts, request redactions.
    Administer,
    /// See the audit log.
    ReadAudit,
    /// Ask for a field to be redacted.
    RequestRedaction,
    /// Approve (and so apply) or reject a redaction request.
    DecideRedaction,
    /// Manage one's own API tokens.
    ManageOwnTokens,
}

/// What kind of thing an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Case,
    Source,
    Post,
    User,
    Audit,
    Redaction,
    Token,
    /// Entries of the policy register (owned by a post).
    Policy,
    /// Engagements with the host government (owned by a post).
    Engagement,
    /// Imported official statistics (public figures, U).
    Statistics,
    /// Reports (owned by a post; paragraph markings are enforced by the views).
    Report,
    /// Headquarters' taskings and report templates: HQ editors write them, everyone with
    /// content access reads them.
    Tasking,
    Template,
}

/// The facts about a resource that the policy needs: its kind, its marking, and the post that
/// owns it (cases only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource<'a> {
    pub kind: ResourceKind,
    pub marking: Marking,
    pub owner: Option<&'a PostSlug>,
}

impl<'a> Resource<'a> {
    pub fn case(marking: Marking, owner: &'a PostSlug) -> Self {
        Resource {
            kind: ResourceKind::Case,
            marking,
            owner: Some(owner),
        }
    }

    /// A record of `kind` owned by a post (policy, engagement).
    pub fn owned(kind: ResourceKind, marking: Marking, owner: &'a PostSlug) -> Self {
        Resource {
            kind,
            marking,
            owner: Some(owner),
        }
    }

    pub fn source(marking: Marking) -> Self {
        Resource {
            kind: ResourceKind::Source,
            marking,
            owner: None,
        }
    }

    pub fn of(kind: ResourceKind) -> Self {
        let marking = if kind == ResourceKind::Redaction {
            Marking::SBU
        } else {
            Marking::U
        };
        Resource {
            kind,
            marking,
            owner: None,
        }
    }
}

/// The answer, with the reason for a refusal. `Hidden` means the user may not even learn that
/// the resource exists (routes answer 404); `Forbidden` means they may see it but not do this
/// (403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Hidden(&'static str),
    Forbidden(&'static str),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// The single policy function. Every route, HTML and API alike, asks it before acting.
pub fn can(user: &Principal, action: Action, resource: &Resource) -> Decision {
    use Action::*;
    use Decision::*;
    use ResourceKind as K;
    use Role::*;
    let role = user.role();
    let content = matches!(
        resource.kind,
        K::Case | K::Source | K::Policy | K::Engagement | K::Report
    );
    match (action, resource.kind) {
        (ManageOwnTokens, K::Token) => Allow,
        // Official statistics are published figures: every content role reads them; HQ
        // editors import them.
        (Read, K::Statistics) => {
            if role == Admin {
                Hidden("administrators manage accounts and configuration, not content")
            } else {
                Allow
            }
        }
        (Create, K::Statistics) => {
            if role == HqEditor {
                Allow
            } else {
                Forbidden("HQ editors import statistics")
            }
        }
        (Read | Create | Update, K::Tasking | K::Template) => {
            if role == Admin {
                Hidden("administrators manage accounts and configuration, not content")
            } else if action == Read || role == HqEditor {
                Allow
            } else {
                Forbidden("HQ editors issue taskings and edit templates")
            }
        }
        (ListPosts, K::Post) => Allow,
        (Administer, K::User) | (ReadAudit, K::Audit) => {
            if role == Admin {
                Allow
            } else {
                Forbidden("only an administrator may do this")
            }
        }
        // Redaction requests are SBU (their reasons may repeat the text to remove): the roles
        // that handle them still need SBU access to see them.
        (Read | Create | RequestRedaction | DecideRedaction, K::Redaction) => {
            let allowed = match action {
                Read => matches!(role, Admin | HqEditor),
                Create | RequestRedaction => role == Admin,
                _ => role == HqEditor,
            };
            if !allowed {
                Forbidden("an administrator requests redactions and an HQ editor decides them")
            } else if !user.may_see(resource.marking) {
                Hidden("redaction requests are SBU and the account has no SBU access")
            } else {
                Allow
            }
        }
        (Read | Create | Update, _) if content => {
            if role == Admin {
                return Hidden("administrators manage accounts and configuration, not content");
            }
            if !user.may_see(resource.marking) {
                return Hidden("this is SBU material and the account has no SBU access");
            }
            // Records owned by a post (cases, policies, engagements): a post sees its own.
            if let (Some(own), Some(owner)) = (user.post_scope(), resource.owner)
                && own != owner
            {
                return Hidden("a post sees only its own records");
            }
            match action {
                Read => Allow,
                _ if role == HqReader => Forbidden("an HQ reader reads but does not write"),
                _ => Allow,
            }
        }
        _ => Forbidden("this action does not apply to this resource"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, post: Option<&str>, sbu: bool) -> Principal {
        let post = post.map(|p| PostSlug::parse(p).unwrap());
        Principal {
            user_id: 1,
            placement: Placement::new(role, post).unwrap(),
            sbu_access: sbu,
        }
    }

    #[test]
    fn placements_match_roles() {
        assert!(Placement::new(Role::PostOfficer, None).is_err());
        assert!(Placement::new(Role::HqEditor, Some(PostSlug::parse("berlin").unwrap())).is_err());
        assert!(Placement::new(Role::Admin, None).is_ok());
    }

    #[test]
    fn posts_see_their_own_cases_and_markings_cut_across() {
        let berlin = PostSlug::parse("berlin").unwrap();
        let stockholm = PostSlug::parse("stockholm").unwrap();
        let officer = user(Role::PostOfficer, Some("berlin"), true);
        assert!(
            can(
                &officer,
                Action::Update,
                &Resource::case(Marking::SBU, &berlin)
            )
            .allowed()
        );
        assert!(matches!(
            can(
                &officer,
                Action::Read,
                &Resource::case(Marking::U, &stockholm)
            ),
            Decision::Hidden(_)
        ));
        let no_sbu = user(Role::HqEditor, None, false);
        assert!(
            can(
                &no_sbu,
                Action::Read,
                &Resource::case(Marking::U, &stockholm)
            )
            .allowed()
        );
        assert!(matches!(
            can(&no_sbu, Action::Read, &Resource::source(Marking::SBU)),
            Decision::Hidden(_)
        ));
        let reader = user(Role::HqReader, None, true);
        assert!(matches!(
            can(
                &reader,
                Action::Update,
                &Resource::case(Marking::U, &berlin)
            ),
            Decision::Forbidden(_)
        ));
        let admin = user(Role::Admin, None, true);
        assert!(matches!(
            can(&admin, Action::Read, &Resource::source(Marking::U)),
            Decision::Hidden(_)
        ));
        assert!(
            can(
                &admin,
                Action::ReadAudit,
                &Resource::of(ResourceKind::Audit)
            )
            .allowed()
        );
        assert!(
            !can(
                &reader,
                Action::ReadAudit,
                &Resource::of(ResourceKind::Audit)
            )
            .allowed()
        );
    }
}
