-- 0004_ingested_reports.sql: the reports other receivers send us, as
-- `dmarc-reports ingest` stores them (issue 8): DMARC aggregate reports
-- (RFC 7489 Appendix C and RFC 9990 shapes) about our domains, and SMTP TLS
-- reports (RFC 8460) about mail sent to us.
--
-- Each report is stored in one transaction (report row + all its children)
-- or not at all. A report is identified by its reporter and its report id:
-- the second copy of a report (receivers resend, mailboxes are re-read) is
-- recognised by the unique constraint and not stored again. Reports that
-- cannot be read faithfully are not stored; their reason is recorded in
-- ingest_rejection so that the administrator can see what was lost.
--
-- Values are lower-cased enumerations as in the XML/JSON (the parser
-- normalises case); '' means the reporter left an element empty. Addresses
-- are inet; times timestamptz. Per-record DKIM/SPF results and override
-- reasons are parallel arrays, as in verdict (0001).
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE TABLE ingested_dmarc_report (
  id bigint GENERATED ALWAYS AS IDENTITY,
  org_name text NOT NULL,            -- may be '' (seen in the wild)
  report_id text NOT NULL,
  email text NOT NULL,
  extra_contact_info text NOT NULL,
  shape text NOT NULL,
  namespaced boolean NOT NULL,
  version text NOT NULL,             -- '' when absent
  generator text NOT NULL,
  date_begin timestamptz NOT NULL,
  date_end timestamptz NOT NULL,
  errors text[] NOT NULL,
  policy_domain text NOT NULL,
  policy_adkim dmarc_alignment,
  policy_aspf dmarc_alignment,
  policy_p dmarc_policy,
  policy_sp dmarc_policy,
  policy_np dmarc_policy,
  policy_pct smallint,
  policy_fo text NOT NULL,
  policy_testing boolean,
  policy_discovery_method dmarc_discovery_method,
  record_count integer NOT NULL,
  message_count bigint NOT NULL,
  -- Deviations from the schema that were tolerated (SPECS.md §5.3).
  leniencies text[] NOT NULL,
  source text NOT NULL,              -- file or attachment name it came from
  ingested_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ingested_dmarc_report_pk PRIMARY KEY (id),
  CONSTRAINT ingested_dmarc_report_org_report_uq UNIQUE (org_name, report_id),
  CONSTRAINT ingested_dmarc_report_shape_ck CHECK (shape IN ('rfc7489', 'rfc9990')),
  CONSTRAINT ingested_dmarc_report_report_id_ck CHECK (length(report_id) BETWEEN 1 AND 2048),
  CONSTRAINT ingested_dmarc_report_domain_ck CHECK (length(policy_domain) BETWEEN 1 AND 2048),
  CONSTRAINT ingested_dmarc_report_pct_ck CHECK (policy_pct BETWEEN 0 AND 100),
  CONSTRAINT ingested_dmarc_report_counts_ck CHECK (record_count >= 1 AND message_count >= 0)
);
CREATE INDEX ingested_dmarc_report_domain_begin_idx
  ON ingested_dmarc_report (policy_domain, date_begin);

CREATE TABLE ingested_dmarc_record (
  id bigint GENERATED ALWAYS AS IDENTITY,
  report bigint NOT NULL,
  source_ip inet NOT NULL,
  message_count bigint NOT NULL,
  disposition dmarc_disposition,
  dkim_aligned text NOT NULL,
  spf_aligned text NOT NULL,
  reason_types text[] NOT NULL,
  reason_comments text[] NOT NULL,
  envelope_to text NOT NULL,
  envelope_from text NOT NULL,
  header_from text NOT NULL,
  dkim_domains text[] NOT NULL,
  dkim_selectors text[] NOT NULL,
  dkim_results text[] NOT NULL,
  dkim_human_results text[] NOT NULL,
  spf_domains text[] NOT NULL,
  spf_scopes text[] NOT NULL,
  spf_results text[] NOT NULL,
  CONSTRAINT ingested_dmarc_record_pk PRIMARY KEY (id),
  CONSTRAINT ingested_dmarc_record_report_fk FOREIGN KEY (report)
    REFERENCES ingested_dmarc_report (id) ON DELETE CASCADE,
  CONSTRAINT ingested_dmarc_record_count_ck CHECK (message_count >= 0),
  CONSTRAINT ingested_dmarc_record_dkim_ck CHECK (dkim_aligned IN ('', 'pass', 'fail')),
  CONSTRAINT ingested_dmarc_record_spf_ck CHECK (spf_aligned IN ('', 'pass', 'fail')),
  CONSTRAINT ingested_dmarc_record_reasons_ck CHECK (
    reason_types <@ ARRAY['', 'forwarded', 'sampled_out', 'trusted_forwarder', 'mailing_list',
                          'local_policy', 'other', 'policy_test_mode']
    AND cardinality(reason_types) = cardinality(reason_comments)),
  CONSTRAINT ingested_dmarc_record_dkim_results_ck CHECK (
    dkim_results <@ ARRAY['', 'none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']
    AND cardinality(dkim_domains) = cardinality(dkim_results)
    AND cardinality(dkim_selectors) = cardinality(dkim_results)
    AND cardinality(dkim_human_results) = cardinality(dkim_results)),
  CONSTRAINT ingested_dmarc_record_spf_results_ck CHECK (
    spf_results <@ ARRAY['', 'none', 'neutral', 'pass', 'fail', 'softfail', 'temperror',
                         'permerror', 'policy']
    AND spf_scopes <@ ARRAY['', 'helo', 'mfrom']
    AND cardinality(spf_domains) = cardinality(spf_results)
    AND cardinality(spf_scopes) = cardinality(spf_results))
);
CREATE INDEX ingested_dmarc_record_report_idx ON ingested_dmarc_record (report);

CREATE TABLE ingested_tlsrpt_report (
  id bigint GENERATED ALWAYS AS IDENTITY,
  organization_name text NOT NULL,
  report_id text NOT NULL,
  contact_info text NOT NULL,        -- '' when null or absent
  date_begin timestamptz NOT NULL,
  date_end timestamptz NOT NULL,
  -- TLS-Report-Domain / TLS-Report-Submitter headers of the mail ('' when
  -- the report came as a file).
  header_domain text NOT NULL,
  header_submitter text NOT NULL,
  leniencies text[] NOT NULL,
  source text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ingested_tlsrpt_report_pk PRIMARY KEY (id),
  CONSTRAINT ingested_tlsrpt_report_org_report_uq UNIQUE (organization_name, report_id),
  CONSTRAINT ingested_tlsrpt_report_report_id_ck CHECK (length(report_id) BETWEEN 1 AND 2048)
);

CREATE TABLE ingested_tlsrpt_policy (
  id bigint GENERATED ALWAYS AS IDENTITY,
  report bigint NOT NULL,
  policy_type text NOT NULL,
  policy_strings text[] NOT NULL,
  policy_domain text NOT NULL,
  mx_hosts text[] NOT NULL,
  successful_sessions bigint NOT NULL,
  failed_sessions bigint NOT NULL,
  CONSTRAINT ingested_tlsrpt_policy_pk PRIMARY KEY (id),
  CONSTRAINT ingested_tlsrpt_policy_report_fk FOREIGN KEY (report)
    REFERENCES ingested_tlsrpt_report (id) ON DELETE CASCADE,
  CONSTRAINT ingested_tlsrpt_policy_type_ck CHECK (policy_type IN ('tlsa', 'sts', 'no-policy-found')),
  CONSTRAINT ingested_tlsrpt_policy_counts_ck CHECK (successful_sessions >= 0 AND failed_sessions >= 0)
);
CREATE INDEX ingested_tlsrpt_policy_report_idx ON ingested_tlsrpt_policy (report);
CREATE INDEX ingested_tlsrpt_policy_domain_idx ON ingested_tlsrpt_policy (policy_domain);

CREATE TABLE ingested_tlsrpt_failure (
  id bigint GENERATED ALWAYS AS IDENTITY,
  policy bigint NOT NULL,
  result_type text NOT NULL,         -- open IANA registry (RFC 8460 §4.3)
  sending_mta_ip inet,
  receiving_mx_hostname text NOT NULL,
  receiving_mx_helo text NOT NULL,
  receiving_ip inet,
  failed_sessions bigint NOT NULL,
  additional_information text NOT NULL,
  failure_reason_code text NOT NULL,
  CONSTRAINT ingested_tlsrpt_failure_pk PRIMARY KEY (id),
  CONSTRAINT ingested_tlsrpt_failure_policy_fk FOREIGN KEY (policy)
    REFERENCES ingested_tlsrpt_policy (id) ON DELETE CASCADE,
  CONSTRAINT ingested_tlsrpt_failure_type_ck CHECK (length(result_type) BETWEEN 1 AND 255),
  CONSTRAINT ingested_tlsrpt_failure_count_ck CHECK (failed_sessions >= 0)
);
CREATE INDEX ingested_tlsrpt_failure_policy_idx ON ingested_tlsrpt_failure (policy);

-- Reports that were not stored, and why (one row per rejected report).
CREATE TABLE ingest_rejection (
  id bigint GENERATED ALWAYS AS IDENTITY,
  rejected_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  source text NOT NULL,
  reason text NOT NULL,
  CONSTRAINT ingest_rejection_pk PRIMARY KEY (id),
  CONSTRAINT ingest_rejection_kind_ck CHECK (kind IN ('dmarc', 'tlsrpt', 'message'))
);
