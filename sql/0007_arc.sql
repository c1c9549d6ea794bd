-- 0007_arc.sql: the ARC chain (RFC 8617) of each message in the history, so
-- that a failing message delivered because a trusted sealer vouched for it
-- says so, and who.
--
--   arc_result          none (no ARC sets), pass or fail: the chain as the
--                       milter validated it (the arc= result of its
--                       Authentication-Results header)
--   arc_sealers         the ARC-Seal d= of every set, instance 1 first
--   arc_trusted_sealer  the TrustedArcSealers domain whose
--                       ARC-Authentication-Results lifted the policy; ''
--                       when none did
--   override_comment    the comment of that override, as in the aggregate
--                       report (e.g. 'arc=pass as[2].d=lists.example.org');
--                       '' when none
--
-- The override reason itself (trusted_forwarder, mailing_list) is in
-- override_reasons with the others, and its comment in override_comments.
-- Rows stored before this migration, and rows of a milter older than it,
-- get the defaults: no ARC seen. Adding columns with constant defaults
-- rewrites no row (PostgreSQL >= 11), so this is quick on a large table.
CREATE TYPE arc_result AS ENUM ('none', 'pass', 'fail');

ALTER TABLE verdict
  ADD COLUMN arc_result arc_result NOT NULL DEFAULT 'none',
  ADD COLUMN arc_sealers text[] NOT NULL DEFAULT '{}',
  ADD COLUMN arc_trusted_sealer text NOT NULL DEFAULT '',
  ADD COLUMN override_comment text NOT NULL DEFAULT '';
