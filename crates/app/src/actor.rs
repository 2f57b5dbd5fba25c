//! Who a use case acts for: the principal the policy asks about, plus what the audit log
//! records (the account and the client's address). `web` builds one per request from the
//! session or token; the CLI from `--as EMAIL`.

use chancery_domain::{Principal, UserId};
use chancery_store::AuditCtx;

#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub name: String,
    pub email: String,
    /// The client address, for the audit log (none on the command line).
    pub address: Option<String>,
}

impl Actor {
    pub fn id(&self) -> UserId {
        UserId(self.principal.user_id)
    }

    /// The audit context of what this actor does.
    pub fn ctx(&self) -> AuditCtx {
        AuditCtx::user(self.id(), self.address.clone())
    }
}
