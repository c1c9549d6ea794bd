-- 0003_aggregate_reports.sql: bookkeeping of the aggregate reports that
-- `dmarc-reports send` builds and of every attempt to deliver them.
--
-- Why it is in the database and not in local files: cron may run the tool on
-- every MX host; the rows below (and the run's advisory lock) make sure that
-- one report exists per policy domain and interval, that a rerun sends
-- nothing already delivered, and that a re-send reuses the Report-ID and
-- filename (RFC 9990 "Report Delivery": a re-sent report keeps its name).
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE TYPE report_format AS ENUM ('rfc9990', 'rfc7489');
-- pending: to be (re)tried at next_attempt_at; delivered: the MTA or relay
-- accepted it; skipped: never to be tried (reason says why: unverified
-- external destination, https not enabled, size limit, our own address,
-- suppressed); gave_up: still failing after the give-up age.
CREATE TYPE report_destination_status AS ENUM ('pending', 'delivered', 'skipped', 'gave_up');
CREATE TYPE report_attempt_outcome AS ENUM ('delivered', 'tempfail', 'permfail');

CREATE TABLE aggregate_report (
  id bigint GENERATED ALWAYS AS IDENTITY,
  policy_domain text NOT NULL,
  period_begin timestamptz NOT NULL,
  period_end timestamptz NOT NULL, -- exclusive; the XML's <end> is period_end - 1 s
  report_id text NOT NULL,         -- ridtxt: the same in XML, Subject and filename
  filename text NOT NULL,
  format report_format NOT NULL,
  records bigint NOT NULL DEFAULT 0,
  messages bigint NOT NULL DEFAULT 0,
  gzip_bytes bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,        -- host name of the run that built it
  CONSTRAINT aggregate_report_pk PRIMARY KEY (id),
  CONSTRAINT aggregate_report_report_id_uq UNIQUE (report_id),
  CONSTRAINT aggregate_report_domain_period_uq UNIQUE (policy_domain, period_begin, period_end),
  CONSTRAINT aggregate_report_period_ck CHECK (period_end > period_begin),
  CONSTRAINT aggregate_report_report_id_ck CHECK (report_id ~ '^[A-Za-z0-9]{1,64}$')
);

CREATE TABLE report_destination (
  id bigint GENERATED ALWAYS AS IDENTITY,
  report bigint NOT NULL,
  uri text NOT NULL,               -- the rua URI as published
  address text,                    -- mailto: the address delivered to
  status report_destination_status NOT NULL DEFAULT 'pending',
  reason text NOT NULL DEFAULT '', -- why skipped / gave up, or the last error
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  CONSTRAINT report_destination_pk PRIMARY KEY (id),
  CONSTRAINT report_destination_report_fk FOREIGN KEY (report)
    REFERENCES aggregate_report (id) ON DELETE CASCADE,
  CONSTRAINT report_destination_uri_uq UNIQUE (report, uri),
  CONSTRAINT report_destination_attempts_ck CHECK (attempts >= 0),
  CONSTRAINT report_destination_delivered_ck CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
-- The retry pass: every pending destination that is due.
CREATE INDEX report_destination_pending_idx ON report_destination (next_attempt_at)
  WHERE status = 'pending';

CREATE TABLE report_delivery_attempt (
  id bigint GENERATED ALWAYS AS IDENTITY,
  destination bigint NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  host text NOT NULL,              -- which host's run tried
  transport text NOT NULL,         -- sendmail, smtp
  outcome report_attempt_outcome NOT NULL,
  detail text NOT NULL DEFAULT '', -- the MTA's exit status or the relay's reply
  CONSTRAINT report_delivery_attempt_pk PRIMARY KEY (id),
  CONSTRAINT report_delivery_attempt_destination_fk FOREIGN KEY (destination)
    REFERENCES report_destination (id) ON DELETE CASCADE
);
CREATE INDEX report_delivery_attempt_destination_idx ON report_delivery_attempt (destination);

-- Destinations that keep failing: every permanent failure or give-up adds
-- one to failures (a delivery resets it); at the configured count the
-- address is suppressed until suppressed_until. An administrator suppresses
-- an address by hand with suppressed_until = 'infinity'.
CREATE TABLE report_suppression (
  address text NOT NULL,           -- lower case mail address
  failures integer NOT NULL DEFAULT 0,
  suppressed_until timestamptz,    -- NULL or past: not suppressed
  reason text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT report_suppression_pk PRIMARY KEY (address),
  CONSTRAINT report_suppression_failures_ck CHECK (failures >= 0),
  CONSTRAINT report_suppression_address_ck CHECK (
    address = lower(address) AND length(address) BETWEEN 3 AND 320)
);
