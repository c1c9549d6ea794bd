-- 0011_verdict_partitions.sql: the verdict table partitioned by day, so
-- that a day's aggregate report reads one day's partition and expire drops
-- whole days instead of deleting rows one by one.
--
-- verdict is partitioned BY RANGE (received_at), one partition per UTC
-- day, named verdict_YYYYMMDD ([00:00 UTC, next 00:00 UTC)), and
-- verdict_default takes the rows of any day that has no partition yet, so
-- that no verdict is refused. `dmarc-reports db partitions` creates the
-- coming days ahead of time (run daily from cron or the systemd timer);
-- this migration creates one partition for every day that has rows and
-- the next seven days. A day created after rows of it reached the default
-- partition takes them over (verdict_partition_add).
--
-- Who may do what: partitions are created and dropped by the owner of
-- verdict, so verdict_partition_add and verdict_partition_drop are
-- SECURITY DEFINER functions that only dmarc_reports may execute; the
-- milter still only inserts.
--
-- Keys. A unique constraint on a partitioned table must contain the
-- partition key, so verdict's are now (id, received_at) and
-- (message_key, received_at). That alone keeps one row per spool replay or
-- failover retry (the record, and so received_at, is the same), but not
-- one row per message sent again after a lost answer (same identity key,
-- a later received_at, possibly another day: lib/core/message_identity.hh).
-- verdict_key holds every stored message_key once, unpartitioned: a BEFORE
-- INSERT trigger claims the key there, and drops the row (the insert then
-- counts as a conflict, like ON CONFLICT DO NOTHING) when the key was
-- already stored with another received_at. The same key and received_at is
-- a replay (verdict's own unique constraint refuses it) or a row that an
-- UPDATE of received_at moves to another partition (the BEFORE UPDATE
-- trigger has moved its key first). failure_sample now references
-- verdict_key; expire deletes the keys of the days it drops, and their
-- samples with them (ON DELETE CASCADE). TRUNCATE verdict empties
-- verdict_key (and so the samples) too.
--
-- The existing rows are copied in this migration's one transaction: the
-- milter's inserts wait for it (they stay in its spool meanwhile). Measured
-- in tests/integration/test_partitions.py (README, "Partitions").
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

-- The unpartitioned table and everything named after it step aside.
DROP VIEW overview_verdict;
ALTER TABLE failure_sample DROP CONSTRAINT failure_sample_verdict_fk;
ALTER TABLE verdict RENAME TO verdict_unpartitioned;
ALTER INDEX verdict_pk RENAME TO verdict_unpartitioned_pk;
ALTER INDEX verdict_message_key_uq RENAME TO verdict_unpartitioned_message_key_uq;
ALTER INDEX verdict_policy_received_idx RENAME TO verdict_unpartitioned_policy_received_idx;
ALTER INDEX verdict_received_idx RENAME TO verdict_unpartitioned_received_idx;
ALTER INDEX verdict_overridden_received_at_idx
  RENAME TO verdict_unpartitioned_overridden_received_at_idx;
ALTER SEQUENCE verdict_id_seq RENAME TO verdict_unpartitioned_id_seq;

-- Same columns in the same order, defaults, CHECK constraints and identity.
CREATE TABLE verdict (LIKE verdict_unpartitioned
  INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING STORAGE)
  PARTITION BY RANGE (received_at);
CREATE TABLE verdict_default PARTITION OF verdict DEFAULT;

CREATE TABLE verdict_key (
  message_key uuid NOT NULL,
  received_at timestamptz NOT NULL
);

-- Creates the partition of one UTC day unless it exists; false when it
-- did. The table is built on its own, takes over the day's rows from the
-- default partition, and is then attached: ATTACH locks verdict only in
-- SHARE UPDATE EXCLUSIVE mode, which lets the milter's inserts and the
-- report runs go on (CREATE TABLE ... PARTITION OF would lock them out,
-- and wait behind a long report query with every insert queued behind
-- it). The default partition is locked while its rows of the day move.
CREATE FUNCTION verdict_partition_add(day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  name text := 'verdict_' || to_char(day, 'YYYYMMDD');
  low timestamptz := day::timestamp AT TIME ZONE 'UTC';
  high timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE verdict INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                 ' INCLUDING STORAGE)', name);
  -- Lets ATTACH skip scanning the new table; dropped once attached.
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (received_at >= %L AND received_at < %L)',
                 name, name || '_day_ck', low, high);
  LOCK TABLE verdict_default IN ACCESS EXCLUSIVE MODE;
  EXECUTE format('WITH moved AS (DELETE FROM verdict_default'
                 '  WHERE received_at >= $1 AND received_at < $2 RETURNING *)'
                 ' INSERT INTO %I SELECT * FROM moved', name) USING low, high;
  EXECUTE format('ALTER TABLE verdict ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                 name, low, high);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', name, name || '_day_ck');
  RETURN true;
END
$$;

-- Detaches and drops the partition of one UTC day; false when there is
-- none. Deletes nothing else: expire deletes the day's keys (and failure
-- samples) from verdict_key afterwards.
CREATE FUNCTION verdict_partition_drop(day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  name text := 'verdict_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_inherits
                  WHERE inhparent = 'verdict'::regclass AND inhrelid = to_regclass(name)) THEN
    RETURN false;
  END IF;
  EXECUTE format('ALTER TABLE verdict DETACH PARTITION %I', name);
  EXECUTE format('DROP TABLE %I', name);
  RETURN true;
END
$$;

-- The day partitions (not the default one), for expire and the operator.
CREATE VIEW verdict_partition AS
SELECT to_date(substr(c.relname, 9), 'YYYYMMDD') AS day,
       c.relname::text AS name
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'verdict'::regclass
   AND c.relname ~ '^verdict_[0-9]{8}$';

-- A partition for every day that has rows, and for the coming week.
SELECT verdict_partition_add(day)
  FROM (SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day FROM verdict_unpartitioned
        UNION
        SELECT ((now() AT TIME ZONE 'UTC')::date + n) FROM generate_series(0, 7) AS n) AS days
 ORDER BY day;

INSERT INTO verdict OVERRIDING SYSTEM VALUE SELECT * FROM verdict_unpartitioned;
INSERT INTO verdict_key SELECT message_key, received_at FROM verdict_unpartitioned;
SELECT setval(pg_get_serial_sequence('verdict', 'id'), coalesce(max(id), 0) + 1, false)
  FROM verdict_unpartitioned;
DROP TABLE verdict_unpartitioned;

-- Constraints and indexes after the copy: each built once per partition.
ALTER TABLE verdict
  ADD CONSTRAINT verdict_pk PRIMARY KEY (id, received_at),
  ADD CONSTRAINT verdict_message_key_uq UNIQUE (message_key, received_at),
  ADD CONSTRAINT verdict_reporting_host_fk FOREIGN KEY (reporting_host)
    REFERENCES reporting_host (name) ON UPDATE CASCADE ON DELETE RESTRICT;
CREATE INDEX verdict_policy_received_idx ON verdict (policy_domain, received_at)
  WHERE policy_domain IS NOT NULL;
CREATE INDEX verdict_received_idx ON verdict (received_at);
CREATE INDEX verdict_overridden_received_at_idx
  ON verdict (received_at) WHERE cardinality(override_reasons) > 0;

ALTER TABLE verdict_key ADD CONSTRAINT verdict_key_pk PRIMARY KEY (message_key);
-- expire deletes the keys of the days it dropped.
CREATE INDEX verdict_key_received_at_idx ON verdict_key (received_at);
ALTER TABLE failure_sample ADD CONSTRAINT failure_sample_verdict_fk FOREIGN KEY (message_key)
  REFERENCES verdict_key (message_key) ON DELETE CASCADE;

-- The key claim (see the top of this file). SECURITY DEFINER: the milter
-- may only insert, and the claim reads verdict_key.
CREATE FUNCTION verdict_key_claim() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO verdict_key (message_key, received_at) VALUES (NEW.message_key, NEW.received_at)
    ON CONFLICT DO NOTHING;
  IF FOUND OR EXISTS (SELECT 1 FROM verdict_key
                       WHERE message_key = NEW.message_key AND received_at = NEW.received_at) THEN
    RETURN NEW;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER verdict_key_claim_trg BEFORE INSERT ON verdict
  FOR EACH ROW EXECUTE FUNCTION verdict_key_claim();

CREATE FUNCTION verdict_key_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE verdict_key SET message_key = NEW.message_key, received_at = NEW.received_at
   WHERE message_key = OLD.message_key;
  RETURN NEW;
END
$$;
CREATE TRIGGER verdict_key_move_trg BEFORE UPDATE OF message_key, received_at ON verdict
  FOR EACH ROW EXECUTE FUNCTION verdict_key_move();

CREATE FUNCTION verdict_key_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  TRUNCATE verdict_key CASCADE;
  RETURN NULL;
END
$$;
CREATE TRIGGER verdict_key_truncate_trg AFTER TRUNCATE ON verdict
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_key_truncate();

REVOKE ALL ON FUNCTION verdict_partition_add(date), verdict_partition_drop(date),
  verdict_key_claim(), verdict_key_move(), verdict_key_truncate() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION verdict_partition_add(date), verdict_partition_drop(date)
  TO dmarc_reports;
GRANT INSERT ON verdict TO dmarc_milter;

-- As in 0006_overview.sql, over the partitioned table.
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
