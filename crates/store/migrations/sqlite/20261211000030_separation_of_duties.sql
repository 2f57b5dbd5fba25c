-- Separation of duties for accounts (SQLite). Keep in step with ../postgres.
--
-- `sbu_grants`: SBU access asked for by one administrator and decided by another. Until a
-- grant is approved the account's `users.sbu_access` stays false; a change of the account's
-- role or post withdraws a pending grant.
--
-- `password_resets`: a password link asked for by one administrator and issued by another
-- (who hands it over); only the sha256 of the link's token is stored, once issued. A link is
-- used at most once and expires (`expires_at`); a newer request cancels older ones.
--
-- `users.reset_notice_at`: when the account's password was last set through a reset link,
-- until the user has seen the notice saying so at their next sign-in.
--
-- `api_tokens.expires_at`: tokens expire. The project has no deployment to migrate; tokens
-- created before this migration expire 90 days after their creation.

CREATE TABLE sbu_grants (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    requested_by  INTEGER NOT NULL REFERENCES users (id),
    requested_at  DATETIME NOT NULL,
    decided_by    INTEGER REFERENCES users (id),
    decided_at    DATETIME
);
CREATE INDEX sbu_grants_user ON sbu_grants (user_id, status);

CREATE TABLE password_resets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    requested_by  INTEGER NOT NULL REFERENCES users (id),
    requested_at  DATETIME NOT NULL,
    issued_by     INTEGER REFERENCES users (id),
    issued_at     DATETIME,
    token_hash    TEXT UNIQUE,
    expires_at    DATETIME,
    used_at       DATETIME,
    cancelled_at  DATETIME
);
CREATE INDEX password_resets_user ON password_resets (user_id);

ALTER TABLE users ADD COLUMN reset_notice_at DATETIME;

ALTER TABLE api_tokens ADD COLUMN expires_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%d %H:%M:%f+00:00', created_at, '+90 days');
