-- 0006_overview.sql: the views `dmarc-reports overview` draws its page from,
-- kept in the database so that a site running Grafana (or psql) can chart
-- the same figures from the same definitions, and the cache of source names.
--
-- Days: every view has a `day` column, the date of its timestamp in the
-- session's TimeZone (`SET TIME ZONE 'Europe/Berlin'`; Grafana's PostgreSQL
-- source sets it per panel). The overview sets it to the site's zone, so
-- its days are the site's days. Filter on the timestamp column (received_at,
-- date_begin) for ranges: it is indexed; `day` is computed.
--
--   overview_dmarc_record   one row per row of an ingested aggregate report
--                           (report day = its date_begin), with the DMARC
--                           result the reporter saw (aligned DKIM or SPF)
--   overview_dmarc_policy   per domain, the policy published as the latest
--                           aggregate report saw it
--   overview_verdict        one row per message the milter judged
--   overview_tlsrpt_policy  one row per policy of an ingested TLS-RPT report
--   overview_tlsrpt_failure one row per failure detail of those policies
--
-- Example (Grafana, messages per day and DMARC result of our own verdicts):
--   SELECT day AS time, dmarc_result AS metric, count(*) FROM overview_verdict
--    WHERE $__timeFilter(received_at) GROUP BY 1, 2 ORDER BY 1
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE VIEW overview_dmarc_record AS
SELECT r.date_begin::date AS day,
       r.date_begin,
       r.policy_domain AS domain,
       r.org_name AS reporter,
       r.id AS report,
       c.source_ip,
       c.header_from,
       c.message_count AS messages,
       (c.dkim_aligned = 'pass' OR c.spf_aligned = 'pass') AS dmarc_pass,
       c.dkim_aligned = 'pass' AS dkim_aligned,
       c.spf_aligned = 'pass' AS spf_aligned,
       coalesce(c.disposition::text, '') AS disposition,
       c.reason_types,
       c.dkim_results,
       c.spf_results
  FROM ingested_dmarc_report r
  JOIN ingested_dmarc_record c ON c.report = r.id;

CREATE VIEW overview_dmarc_policy AS
SELECT DISTINCT ON (r.policy_domain)
       r.policy_domain AS domain,
       r.date_begin::date AS day,
       r.date_begin,
       r.org_name AS reporter,
       r.policy_p,
       r.policy_sp,
       r.policy_np,
       r.policy_pct,
       r.policy_adkim,
       r.policy_aspf,
       r.policy_fo,
       r.policy_testing
  FROM ingested_dmarc_report r
 ORDER BY r.policy_domain, r.date_begin DESC, r.id DESC;

CREATE VIEW overview_verdict AS
SELECT v.received_at::date AS day,
       v.received_at,
       v.reporting_host,
       v.client_ip,
       v.from_domain,
       v.policy_domain,
       v.rcpt_domains,
       v.dmarc_result,
       v.dkim_aligned,
       v.spf_aligned,
       v.effective_policy,
       v.disposition_requested,
       v.disposition_applied,
       v.override_reasons,
       v.override_comments,
       coalesce(v.tls_version, 'cleartext') AS tls_version,
       v.tls_version IS NOT NULL AS over_tls
  FROM verdict v;

CREATE VIEW overview_tlsrpt_policy AS
SELECT r.date_begin::date AS day,
       r.date_begin,
       r.organization_name AS reporter,
       r.dkim_check,
       p.id AS policy,
       p.policy_domain AS domain,
       p.policy_type,
       p.successful_sessions,
       p.failed_sessions
  FROM ingested_tlsrpt_report r
  JOIN ingested_tlsrpt_policy p ON p.report = r.id;

CREATE VIEW overview_tlsrpt_failure AS
SELECT p.day,
       p.date_begin,
       p.reporter,
       p.domain,
       p.policy_type,
       f.result_type,
       f.receiving_mx_hostname AS mx,
       f.receiving_ip,
       f.failure_reason_code,
       f.failed_sessions
  FROM overview_tlsrpt_policy p
  JOIN ingested_tlsrpt_failure f ON f.policy = p.policy;

-- Reverse DNS of the sources named in aggregate reports, as the overview
-- found it: ptr_name is the first PTR name ('' when there was none),
-- confirmed says that name's A/AAAA records lead back to the address
-- (only then does the page group the source under organisation, the
-- registrable domain of the name). Rows older than a week are looked up
-- again; a failed lookup is not stored.
CREATE TABLE source_name (
  address inet NOT NULL,
  ptr_name text NOT NULL,
  confirmed boolean NOT NULL,
  organisation text NOT NULL,
  looked_up_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT source_name_pk PRIMARY KEY (address),
  CONSTRAINT source_name_ptr_name_ck CHECK (length(ptr_name) <= 255),
  CONSTRAINT source_name_organisation_ck CHECK (length(organisation) <= 255)
);
