-- 0013: the milter reads the schema version before it writes (lib/core/
-- schema_requirement.hh). An older schema may refuse the values a newer
-- milter writes; the milter then keeps its verdicts in its spool and says
-- to run `dmarc-reports db upgrade`, instead of losing them as bad rows.
-- A milter role that cannot read this table sees a schema older than 0013.
GRANT SELECT ON schema_migration TO dmarc_milter;
