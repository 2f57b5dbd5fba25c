-- Login throttling counted before any password check (sqlite; keep in step with ../postgres).
-- One row per key ('account:<id>' or 'address:<address>') and window: `attempts` counts the
-- attempts of the window (each one counted by a single upsert, before its password is
-- checked, so parallel attempts each get their own number; a success gives its count back),
-- `refused` the attempts refused without a check. The row is the summary of the refused
-- attempts of its window: they write no attempt row and no audit entry of their own (one
-- `login_throttled` entry marks the first refusal of a window).
CREATE TABLE login_counters (
    key           TEXT PRIMARY KEY NOT NULL,
    window_start  DATETIME NOT NULL,
    attempts      INTEGER NOT NULL,
    refused       INTEGER NOT NULL
);
