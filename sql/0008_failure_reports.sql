-- 0008_failure_reports.sql: DMARC failure reports (RFC 9991), both ways.
--
-- failure_sample: what the milter keeps of a message whose policy asked for
-- a failure report (ruf= and the fo= condition) when the site enables them
-- (dmarc-milter.conf FailureReports): the envelope addresses and the header
-- section, bounded by FailureReportHeaderLimit. The rest of the report
-- comes from the message's verdict row (same message_key), in the same
-- transaction, so a sample never exists without its verdict; expire
-- deletes both together (ON DELETE CASCADE). The milter only inserts
-- (ON CONFLICT DO NOTHING: replays and retries keep one row).
--
-- `dmarc-reports send-failures` takes pending samples (FOR UPDATE SKIP
-- LOCKED, so runs on several hosts never take the same one), sends at most
-- one report per destination address, records each delivery in
-- failure_delivery (the caps count those rows) and sets the sample's state
-- in the same transaction: sent, suppressed (caps, never-report list,
-- unauthorised or no usable destination; the reason is kept) or, after a
-- temporary failure, pending again with a later next_attempt.
--
-- failure_report_received: failure reports other receivers send about our
-- domains (`dmarc-reports ingest`), one row per report, the fields of its
-- message/feedback-report part; the reported header section is not kept.
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE TYPE failure_state AS ENUM ('pending', 'sent', 'suppressed');

CREATE TABLE failure_sample (
  message_key uuid NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  mail_from text NOT NULL,           -- RFC5321.MailFrom, '' for <>
  rcpt_to text[] NOT NULL,
  headers text NOT NULL,             -- LF line ends; NUL and invalid UTF-8 as U+FFFD
  headers_truncated boolean NOT NULL,
  state failure_state NOT NULL DEFAULT 'pending',
  state_reason text NOT NULL DEFAULT '',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt timestamptz,          -- NULL: as soon as possible
  handled_at timestamptz,            -- when it stopped being pending
  CONSTRAINT failure_sample_pk PRIMARY KEY (message_key),
  CONSTRAINT failure_sample_verdict_fk FOREIGN KEY (message_key)
    REFERENCES verdict (message_key) ON DELETE CASCADE,
  CONSTRAINT failure_sample_attempts_ck CHECK (attempts >= 0),
  CONSTRAINT failure_sample_handled_ck CHECK ((state = 'pending') = (handled_at IS NULL))
);
-- The sender's queue: pending samples, oldest first.
CREATE INDEX failure_sample_pending_idx ON failure_sample (stored_at)
  WHERE state = 'pending';

-- One row per report sent: one per sample and destination address, which is
-- also what keeps a report from going twice to the same address.
CREATE TABLE failure_delivery (
  message_key uuid NOT NULL,
  destination text NOT NULL,         -- the mailto address, lower case
  policy_domain text NOT NULL,       -- the reported domain the caps count by
  sent_at timestamptz NOT NULL DEFAULT now(),
  report_message_id text NOT NULL,
  CONSTRAINT failure_delivery_pk PRIMARY KEY (message_key, destination),
  CONSTRAINT failure_delivery_sample_fk FOREIGN KEY (message_key)
    REFERENCES failure_sample (message_key) ON DELETE CASCADE
);
-- The caps: reports per domain in the last hour and day, and in all.
CREATE INDEX failure_delivery_domain_sent_idx ON failure_delivery (policy_domain, sent_at);
CREATE INDEX failure_delivery_sent_idx ON failure_delivery (sent_at);

CREATE TABLE failure_report_received (
  id bigint GENERATED ALWAYS AS IDENTITY,
  received_at timestamptz NOT NULL DEFAULT now(),
  reporter text NOT NULL,            -- the report mail's From address
  report_message_id text,            -- its Message-ID; NULL when absent
  feedback_type text NOT NULL,
  auth_failure text NOT NULL,        -- '' when absent
  reported_domain text NOT NULL,
  source_ip inet,
  arrival_date text NOT NULL,
  original_mail_from text NOT NULL,
  identity_alignment text NOT NULL,
  delivery_result text NOT NULL,
  dkim_domain text NOT NULL,
  authentication_results text NOT NULL,
  CONSTRAINT failure_report_received_pk PRIMARY KEY (id),
  -- A report read twice (a mailbox re-read) is stored once.
  CONSTRAINT failure_report_received_uq UNIQUE (reporter, report_message_id)
);
CREATE INDEX failure_report_received_domain_idx
  ON failure_report_received (reported_domain, received_at);

-- The milter writes samples beside its verdicts; nothing else.
GRANT INSERT ON failure_sample TO dmarc_milter;
