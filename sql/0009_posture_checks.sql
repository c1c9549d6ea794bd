-- 0009_posture_checks.sql: the results of `dmarc-reports check`, kept so
-- that the overview page (and Grafana, psql) can show the latest posture
-- of our domains and what to fix, without running the checks itself.
--
-- One row per domain, check and run: `check` stores a run in one
-- transaction, every check of every domain it was given with the same
-- checked_at. Nothing is updated or expired: a run is at most six small
-- rows per domain, and a history of them shows when a problem began.
--
--   check_name  DMARC, SPF, MX, MTA-STS, STARTTLS (of each MX, part of
--               MTA-STS) or TLS-RPT
--   status      the worst finding of that check: ok, warning or error
--   finding     every finding of that check, one per line, as printed
--   fix         what to publish instead ('' when status is ok)
--   host        the host the check ran on (DNS and the network differ
--               between hosts; the page says which one saw it)
--
--   overview_posture   the latest run's row per domain and check
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

CREATE TABLE posture_check (
  id bigserial NOT NULL,
  domain text NOT NULL,
  check_name text NOT NULL,
  status text NOT NULL,
  finding text NOT NULL,
  fix text NOT NULL,
  checked_at timestamptz NOT NULL,
  host text NOT NULL,
  CONSTRAINT posture_check_pk PRIMARY KEY (id),
  CONSTRAINT posture_check_domain_ck CHECK (length(domain) BETWEEN 1 AND 255),
  CONSTRAINT posture_check_check_name_ck
    CHECK (check_name IN ('DMARC', 'SPF', 'MX', 'MTA-STS', 'STARTTLS', 'TLS-RPT')),
  CONSTRAINT posture_check_status_ck CHECK (status IN ('ok', 'warning', 'error')),
  CONSTRAINT posture_check_finding_ck CHECK (length(finding) <= 65536),
  CONSTRAINT posture_check_fix_ck CHECK (length(fix) <= 65536),
  CONSTRAINT posture_check_host_ck CHECK (length(host) <= 255)
);

-- The latest run of a domain: one index scan per domain.
CREATE INDEX posture_check_domain_checked_at_idx ON posture_check (domain, checked_at DESC);

-- The rows of each domain's latest run (a check that a later run did not
-- make, say STARTTLS with --no-starttls, drops out with the run before).
CREATE VIEW overview_posture AS
SELECT p.checked_at::date AS day,
       p.checked_at,
       p.domain,
       p.check_name,
       p.status,
       p.finding,
       p.fix,
       p.host
  FROM posture_check p
 WHERE p.checked_at = (SELECT max(l.checked_at) FROM posture_check l WHERE l.domain = p.domain);
