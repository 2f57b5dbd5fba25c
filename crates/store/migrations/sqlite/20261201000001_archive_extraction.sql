-- How each archived document's text extraction ended, and its text normalised once for quote
-- checks (SQLite). Keep in step with ../postgres.
--
-- `extraction`: 'ok' (text extracted or pasted), 'none' (a type without text: images) or
-- 'failed' (`extraction_error` says why: the extraction child crashed, hit a limit or timed
-- out, or the document could not be parsed). Rows archived before this migration read 'ok'
-- when they hold text and 'none' otherwise.
--
-- `text_normalized`: `chancery_domain::quote::normalize(text)`, written when the document is
-- archived. SQL cannot run that normalisation, so rows archived before this migration keep it
-- NULL and the first quote check that reads such a row computes it and stores it (once).

ALTER TABLE source_archives ADD COLUMN extraction TEXT NOT NULL DEFAULT 'none';
ALTER TABLE source_archives ADD COLUMN extraction_error TEXT;
ALTER TABLE source_archives ADD COLUMN text_normalized TEXT;
UPDATE source_archives SET extraction = 'ok' WHERE text IS NOT NULL;
