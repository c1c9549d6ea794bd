-- 0005_tlsrpt_dkim.sql: the DKIM check of TLS-RPT report mail, kept with
-- each report (RFC 8460 §5.3: report mail must carry a valid DKIM signature
-- of the reporting domain, with a key whose s= permits "tlsrpt").
--
-- dkim_check says how the report was authenticated:
--   pass       a valid signature of the reporting domain (dkim_domain and
--              dkim_selector name it)
--   fail       none, and the report was stored anyway because the operator
--              ran `dmarc-reports ingest --no-tlsrpt-dkim`; dkim_detail
--              says what was found
--   file       the report was given as a file, not a mail: nothing to check
--   unchecked  stored before this migration
-- Reports that fail the check without that option are not stored at all
-- (they are in ingest_rejection with the reason).
ALTER TABLE ingested_tlsrpt_report
  ADD COLUMN dkim_check text NOT NULL DEFAULT 'unchecked',
  ADD COLUMN dkim_domain text NOT NULL DEFAULT '',
  ADD COLUMN dkim_selector text NOT NULL DEFAULT '',
  ADD COLUMN dkim_detail text NOT NULL DEFAULT '',
  ADD CONSTRAINT ingested_tlsrpt_report_dkim_check_ck
    CHECK (dkim_check IN ('pass', 'fail', 'file', 'unchecked'));
