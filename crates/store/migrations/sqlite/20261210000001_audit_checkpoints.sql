-- Signed checkpoints of the audit chain (sqlite). Keep in step with ../postgres.
--
-- A checkpoint signs the chain's head at entry `seq` with the instance's ed25519 key (whose
-- key lives outside the database): `head_hash` is that entry's hash, `at` when it was signed,
-- `key_id` names the public key, `prev_seq` and `prev_hash` name the checkpoint before it (0: none) and
-- `tags_digest` the sha256 of the short hashes of entries prev_seq+1..=seq that the checkpoint
-- file lists. The copy that counts is the file kept outside the database; this row says which
-- checkpoints were made. An attacker who can write this table can delete rows, not forge one.
CREATE TABLE audit_checkpoints (
    seq          INTEGER PRIMARY KEY NOT NULL,
    head_hash    TEXT NOT NULL,
    at           TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    prev_seq     INTEGER NOT NULL,
    prev_hash    TEXT NOT NULL,
    tags_digest  TEXT NOT NULL,
    signature    TEXT NOT NULL
);
