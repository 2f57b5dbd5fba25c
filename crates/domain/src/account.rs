//! Accounts: who can sign in, where they belong, and what they may see.

use crate::access::{Placement, Role};
use crate::error::{FieldError, ValidationErrors};
use crate::input::ObjectReader;
use crate::post::PostSlug;
use crate::text::NonEmptyText;
use serde::Serialize;
use serde_json::Value;

/// An e-mail address as the account's login, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let t = input.trim().to_lowercase();
        if t.chars().count() > 254 {
            return Err("an e-mail address has at most 254 characters".into());
        }
        match email_address::EmailAddress::parse_with_options(&t, email_address::Options::default())
        {
            Ok(_) => Ok(Email(t)),
            Err(e) => Err(format!("{:?} is not an e-mail address ({e})", input.trim())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An account as an administrator sets it up. The password is kept apart (only its hash is
/// stored) and never part of this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub email: Email,
    pub display_name: NonEmptyText,
    pub placement: Placement,
    pub sbu_access: bool,
    pub active: bool,
}

impl Account {
    /// Parses an account from JSON or a form: `email`, `display_name`, `role`, `post` (for post
    /// roles), `sbu_access`, `active` (default true).
    pub fn from_json(value: &Value) -> Result<Account, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let email = r.req_parsed("email", Email::parse);
        let display_name = r.req_parsed("display_name", |s| NonEmptyText::parse(s, 120));
        let role = r.req_parsed("role", Role::parse);
        let post = r.opt_parsed("post", PostSlug::parse);
        let sbu_access = r.bool_or("sbu_access", false);
        let active = r.bool_or("active", true);
        // A form sends the password beside the account; it is read by the caller, not here.
        let _ = r.value("password");
        let mut errors = r.finish();
        let placement = match role {
            Some(role) => match Placement::new(role, post) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(FieldError::new("post", e));
                    None
                }
            },
            None => None,
        };
        match (email, display_name, placement) {
            (Some(email), Some(display_name), Some(placement)) if errors.is_empty() => {
                Ok(Account {
                    email,
                    display_name,
                    placement,
                    sbu_access,
                    active,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }
}

/// Password rules (OWASP ASVS 2.1): at least 12 characters, at most 128, anything allowed.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < 12 {
        return Err(format!(
            "a password needs at least 12 characters (this one has {n})"
        ));
    }
    if n > 128 {
        return Err("a password has at most 128 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accounts_parse_and_place() {
        let a = Account::from_json(
            &json!({"email": "Officer@Example.org", "display_name": "Officer",
            "role": "post_officer", "post": "berlin", "sbu_access": true}),
        )
        .unwrap();
        assert_eq!(a.email.as_str(), "officer@example.org");
        assert!(a.active && a.sbu_access);
        let e = Account::from_json(
            &json!({"email": "nope", "display_name": "X", "role": "post_officer"}),
        )
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, ["email", "post"]);
        assert!(check_password("short").is_err());
        assert!(check_password("a long enough passphrase").is_ok());
    }
}
