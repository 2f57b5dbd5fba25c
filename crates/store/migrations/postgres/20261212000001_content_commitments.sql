-- Content commitments (PostgreSQL). Keep in step with ../sqlite.
--
-- `salts` on every versions table: the salt of each redactable text field of that version
-- (chancery_domain::commitment), NULL for a version that has none. The content hash is the
-- sha256 of the body with each such field replaced by sha256 over its salt and its text, so a
-- guessed original cannot be confirmed against it once a redaction has destroyed the salt
-- (the redaction keeps only that field's commitment, so the hash still verifies).
--
-- `report_builds.snapshot_salt`: a build's snapshot hash is the same kind of commitment over
-- the whole snapshot. A redaction that rewrites a snapshot draws a new salt and records the new
-- hash.
--
-- `redactions.builds_changed`: how many builds a redaction rewrote.
--
-- The project has no deployment to migrate. Rows written before this migration get salts and
-- recomputed hashes (record versions, their chains, build snapshots) from Store::migrate, right
-- after this migration is applied; audit entries written before it keep the hashes they held.

ALTER TABLE source_versions ADD COLUMN salts TEXT;
ALTER TABLE case_versions ADD COLUMN salts TEXT;
ALTER TABLE redaction_request_versions ADD COLUMN salts TEXT;
ALTER TABLE policy_versions ADD COLUMN salts TEXT;
ALTER TABLE engagement_versions ADD COLUMN salts TEXT;
ALTER TABLE tasking_versions ADD COLUMN salts TEXT;
ALTER TABLE template_versions ADD COLUMN salts TEXT;
ALTER TABLE report_versions ADD COLUMN salts TEXT;
ALTER TABLE report_builds ADD COLUMN snapshot_salt TEXT;
ALTER TABLE redactions ADD COLUMN builds_changed INTEGER NOT NULL DEFAULT 0;
