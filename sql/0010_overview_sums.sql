-- 0010_overview_sums.sql: what the overview page (sql/0006_overview.sql)
-- would otherwise recount on every run, measured with
-- tests/bench/overview_bench.py (a year of daily reports about 1,000
-- domains: 730,000 reports of 2.9 million rows; two million verdicts).
--
-- ingested_dmarc_report_sum: the rows of each aggregate report added up
-- once, when they are stored (a statement trigger: `ingest` inserts rows a
-- few hundred at a time, so it adds one small upsert per batch), so that
-- the figures that need no source address (pass rate per domain and day,
-- domains, the receivers' policy, reporters) read one row per report.
-- Pass is DMARC pass as overview_dmarc_record defines it: DKIM or SPF
-- aligned. A report's sums go with it (ON DELETE CASCADE).
--
--   overview_dmarc_report  one row per ingested aggregate report (report
--                          day = its date_begin), with its sums
--
-- Indexes: overview_dmarc_policy (the latest report of each domain) walks
-- the first in its DISTINCT ON order instead of sorting every report.
-- Overrides are rare (a few in a hundred verdicts at most): the page reads
-- them through a partial index, which costs the milter's inserts nothing
-- for a verdict without one.
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE TABLE ingested_dmarc_report_sum (
  report bigint NOT NULL,
  messages bigint NOT NULL,
  passed bigint NOT NULL,
  disposition_none bigint NOT NULL,
  disposition_quarantine bigint NOT NULL,
  disposition_reject bigint NOT NULL,
  disposition_other bigint NOT NULL,
  disposition_not_stated bigint NOT NULL,
  CONSTRAINT ingested_dmarc_report_sum_pk PRIMARY KEY (report),
  CONSTRAINT ingested_dmarc_report_sum_report_fk FOREIGN KEY (report)
    REFERENCES ingested_dmarc_report (id) ON DELETE CASCADE
);

CREATE FUNCTION ingested_dmarc_report_sum_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ingested_dmarc_report_sum AS s
  SELECT report, sum(message_count),
         coalesce(sum(message_count) FILTER (WHERE dkim_aligned = 'pass' OR spf_aligned = 'pass'), 0),
         coalesce(sum(message_count) FILTER (WHERE disposition = 'none'), 0),
         coalesce(sum(message_count) FILTER (WHERE disposition = 'quarantine'), 0),
         coalesce(sum(message_count) FILTER (WHERE disposition = 'reject'), 0),
         coalesce(sum(message_count) FILTER (WHERE disposition NOT IN ('none', 'quarantine', 'reject')), 0),
         coalesce(sum(message_count) FILTER (WHERE disposition IS NULL), 0)
    FROM added GROUP BY report
  ON CONFLICT (report) DO UPDATE SET
    messages = s.messages + EXCLUDED.messages,
    passed = s.passed + EXCLUDED.passed,
    disposition_none = s.disposition_none + EXCLUDED.disposition_none,
    disposition_quarantine = s.disposition_quarantine + EXCLUDED.disposition_quarantine,
    disposition_reject = s.disposition_reject + EXCLUDED.disposition_reject,
    disposition_other = s.disposition_other + EXCLUDED.disposition_other,
    disposition_not_stated = s.disposition_not_stated + EXCLUDED.disposition_not_stated;
  RETURN NULL;
END
$$;

CREATE TRIGGER ingested_dmarc_record_sum_trg
  AFTER INSERT ON ingested_dmarc_record REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION ingested_dmarc_report_sum_add();

-- The reports stored before this migration.
INSERT INTO ingested_dmarc_report_sum
SELECT report, sum(message_count),
       coalesce(sum(message_count) FILTER (WHERE dkim_aligned = 'pass' OR spf_aligned = 'pass'), 0),
       coalesce(sum(message_count) FILTER (WHERE disposition = 'none'), 0),
       coalesce(sum(message_count) FILTER (WHERE disposition = 'quarantine'), 0),
       coalesce(sum(message_count) FILTER (WHERE disposition = 'reject'), 0),
       coalesce(sum(message_count) FILTER (WHERE disposition NOT IN ('none', 'quarantine', 'reject')), 0),
       coalesce(sum(message_count) FILTER (WHERE disposition IS NULL), 0)
  FROM ingested_dmarc_record GROUP BY report;

CREATE VIEW overview_dmarc_report AS
SELECT r.date_begin::date AS day,
       r.date_begin,
       r.policy_domain AS domain,
       r.org_name AS reporter,
       r.id AS report,
       s.messages,
       s.passed,
       s.disposition_none,
       s.disposition_quarantine,
       s.disposition_reject,
       s.disposition_other,
       s.disposition_not_stated
  FROM ingested_dmarc_report r
  JOIN ingested_dmarc_report_sum s ON s.report = r.id;

CREATE INDEX ingested_dmarc_report_policy_domain_date_begin_idx
  ON ingested_dmarc_report (policy_domain, date_begin DESC, id DESC);

CREATE INDEX verdict_overridden_received_at_idx
  ON verdict (received_at) WHERE cardinality(override_reasons) > 0;
