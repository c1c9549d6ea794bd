-- 0001_verdicts.sql: one row per message the milter evaluated.
--
-- The milter's VerdictWriter inserts rows (idempotently: message_key is
-- unique, replays of the local spool use ON CONFLICT DO NOTHING);
-- dmarc-reports reads them (aggregate reports, TLS summaries) and deletes
-- old ones (expire). Columns map 1:1 to lib/core/message_record.hh.
--
-- Everything a DMARC aggregate report row needs is a column of this one
-- table, so that one day's report for one policy domain is one GROUP BY over
-- the index verdict_policy_received_idx (policy_domain, received_at):
-- the DKIM signatures and override reasons are parallel arrays, which
-- PostgreSQL groups by value.
--
-- Strings are stored verbatim (they came from the SMTP client or DNS);
-- the writer only replaces bytes PostgreSQL cannot hold (NUL, invalid UTF-8)
-- with U+FFFD.
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE TYPE dmarc_result AS ENUM ('none', 'pass', 'fail', 'temperror', 'permerror');
CREATE TYPE dmarc_policy AS ENUM ('none', 'quarantine', 'reject');
CREATE TYPE dmarc_policy_tag AS ENUM ('p', 'sp', 'np');
-- RFC 9990 DispositionType, plus tempfail (applied only, never reported).
CREATE TYPE dmarc_disposition AS ENUM ('none', 'pass', 'quarantine', 'reject', 'tempfail');
-- RFC 9990 PolicyOverrideType plus RFC 7489's forwarded and sampled_out.
CREATE TYPE dmarc_override_reason AS ENUM (
  'local_policy', 'mailing_list', 'trusted_forwarder', 'policy_test_mode', 'other',
  'forwarded', 'sampled_out');
CREATE TYPE dmarc_discovery_method AS ENUM ('psl', 'treewalk');
CREATE TYPE dmarc_alignment AS ENUM ('r', 's');
CREATE TYPE dmarc_psd AS ENUM ('u', 'y', 'n');
-- RFC 8601 §2.7.2 / RFC 7208 §2.6 results and the checked identity.
CREATE TYPE spf_result AS ENUM (
  'none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror');
CREATE TYPE spf_scope AS ENUM ('mfrom', 'helo');
-- RFC 8601 §2.7.1 results.
CREATE TYPE dkim_result AS ENUM (
  'none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror');

-- The MX hosts that report verdicts (the writer registers its host name
-- once per connection, ON CONFLICT DO NOTHING).
CREATE TABLE reporting_host (
  name text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT reporting_host_pk PRIMARY KEY (name),
  CONSTRAINT reporting_host_name_ck CHECK (length(name) BETWEEN 1 AND 255)
);

CREATE TABLE verdict (
  id bigint GENERATED ALWAYS AS IDENTITY,
  -- A UUID made by the milter for the message; replays reuse it.
  message_key uuid NOT NULL,
  received_at timestamptz NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  reporting_host text NOT NULL,
  queue_id text NOT NULL,
  client_ip inet,                  -- NULL when the MTA did not say
  helo text NOT NULL,
  mail_from_domain text NOT NULL,  -- '' for the null reverse-path
  rcpt_domains text[] NOT NULL,

  -- The author domain(s) (RFC5322.From); from_domain decided the result.
  from_domain text NOT NULL,
  from_domains text[] NOT NULL,
  dmarc_result dmarc_result NOT NULL,
  reason text NOT NULL,
  dkim_aligned boolean NOT NULL,
  spf_aligned boolean NOT NULL,

  -- The DMARC record applied, as found; all NULL when there was none.
  policy_domain text,              -- where the record was found (the report's domain)
  policy_record text,
  policy_p dmarc_policy,
  policy_sp dmarc_policy,
  policy_np dmarc_policy,
  policy_adkim dmarc_alignment,
  policy_aspf dmarc_alignment,
  policy_fo text,
  policy_pct smallint,
  policy_testing boolean,
  policy_psd dmarc_psd,
  policy_rua text[],
  policy_ruf text[],

  org_domain text NOT NULL,
  discovery_method dmarc_discovery_method NOT NULL,
  policy_tag dmarc_policy_tag NOT NULL,
  author_domain_exists boolean NOT NULL,
  effective_policy dmarc_policy NOT NULL,
  disposition_requested dmarc_disposition NOT NULL,
  disposition_applied dmarc_disposition NOT NULL,
  override_reasons dmarc_override_reason[] NOT NULL,
  override_comments text[] NOT NULL,

  -- The SPF result DMARC used, and the separate HELO check when done.
  spf_domain text NOT NULL,
  spf_scope spf_scope NOT NULL,
  spf_result spf_result NOT NULL,
  spf_explanation text NOT NULL,
  spf_helo_domain text,
  spf_helo_result spf_result,

  -- Every DKIM signature evaluated, in header order (parallel arrays).
  dkim_domains text[] NOT NULL,
  dkim_selectors text[] NOT NULL,
  dkim_results dkim_result[] NOT NULL,
  dkim_algorithms text[] NOT NULL,
  dkim_human_results text[] NOT NULL,
  dkim_key_bits integer[] NOT NULL,

  -- The session's TLS; tls_version is NULL for a cleartext session.
  tls_version text,
  tls_cipher text,
  tls_bits integer,
  tls_verify text,
  tls_cert_subject text,
  tls_cert_issuer text,

  CONSTRAINT verdict_pk PRIMARY KEY (id),
  CONSTRAINT verdict_message_key_uq UNIQUE (message_key),
  CONSTRAINT verdict_reporting_host_fk FOREIGN KEY (reporting_host)
    REFERENCES reporting_host (name) ON UPDATE CASCADE ON DELETE RESTRICT,
  CONSTRAINT verdict_policy_complete_ck CHECK (
    (policy_domain IS NULL) = (policy_p IS NULL)
    AND (policy_domain IS NULL) = (policy_adkim IS NULL)
    AND (policy_domain IS NULL) = (policy_aspf IS NULL)
    AND (policy_domain IS NULL) = (policy_pct IS NULL)),
  CONSTRAINT verdict_policy_pct_ck CHECK (policy_pct BETWEEN 0 AND 100),
  CONSTRAINT verdict_override_arrays_ck CHECK (
    cardinality(override_reasons) = cardinality(override_comments)),
  CONSTRAINT verdict_dkim_arrays_ck CHECK (
    cardinality(dkim_domains) = cardinality(dkim_selectors)
    AND cardinality(dkim_domains) = cardinality(dkim_results)
    AND cardinality(dkim_domains) = cardinality(dkim_algorithms)
    AND cardinality(dkim_domains) = cardinality(dkim_human_results)
    AND cardinality(dkim_domains) = cardinality(dkim_key_bits)),
  CONSTRAINT verdict_spf_helo_ck CHECK ((spf_helo_domain IS NULL) = (spf_helo_result IS NULL)),
  CONSTRAINT verdict_tls_bits_ck CHECK (tls_bits >= 0),
  CONSTRAINT verdict_tls_complete_ck CHECK (
    (tls_version IS NULL) = (tls_cipher IS NULL)
    AND (tls_version IS NULL) = (tls_bits IS NULL))
);

-- One day's aggregate report for one domain:
--   WHERE policy_domain = $1 AND received_at >= $2 AND received_at < $3 GROUP BY ...
CREATE INDEX verdict_policy_received_idx ON verdict (policy_domain, received_at)
  WHERE policy_domain IS NOT NULL;
-- Retention (expire deletes the oldest rows in batches) and per-day summaries.
CREATE INDEX verdict_received_idx ON verdict (received_at);
