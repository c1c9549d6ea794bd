-- 0002_roles.sql: the two group roles and the least privilege each needs
-- (STYLE.md conventions 17-18).
--
--   dmarc_milter   INSERT into verdict and reporting_host, nothing else:
--                  a compromised MX can add rows but not read the mail
--                  history of the site nor erase it.
--   dmarc_reports  read and write every table (aggregate reports, ingestion,
--                  expire); tables created by later migrations get the same
--                  rights through the default privileges below.
--
-- Both are NOLOGIN group roles; the administrator creates the login roles
-- and makes them members, e.g.
--   CREATE ROLE mx1 LOGIN PASSWORD '...' IN ROLE dmarc_milter;
-- Roles are cluster-wide, so they are created only when missing (creating
-- them needs CREATEROLE: run `dmarc-reports db upgrade` as the DB owner).

DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dmarc_milter') THEN
    CREATE ROLE dmarc_milter NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dmarc_reports') THEN
    CREATE ROLE dmarc_reports NOLOGIN;
  END IF;
END
$roles$;

REVOKE ALL ON verdict, reporting_host, schema_migration FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO dmarc_milter, dmarc_reports;

GRANT INSERT ON verdict, reporting_host TO dmarc_milter;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO dmarc_reports;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO dmarc_reports;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO dmarc_reports;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO dmarc_reports;
