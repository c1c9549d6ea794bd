-- 0014_resend_window.sql: a message sent again after a lost answer keeps
-- one row if its retry arrives within three days of the stored one, and
-- expiring a day is dropping its partition, nothing more.
--
-- Since 0011 every stored message key was claimed, by a BEFORE INSERT
-- trigger on each row, in verdict_key, one unpartitioned table of all the
-- keys: expire then deleted a day's keys row by row (19.7 s for a day of a
-- million verdicts), and the trigger doubled the cost of an insert. This
-- migration drops verdict_key and looks for the earlier row in verdict
-- itself, in the days around the new one:
--
-- Window. A verdict whose message_key is an identity key (version 8: the
-- message has one Message-ID; lib/core/message_identity.hh) is dropped when
-- verdict already holds the same key with another received_at less than
-- three days (RESEND_WINDOW below) before or after it. A sender retries a
-- tempfailed message within minutes or hours, and gives up after a few
-- days (Postfix's maximal_queue_lifetime is 5 days, but its backoff is
-- capped at about an hour, so a retry three days later is a message that
-- kept failing for other reasons); a retry later than the window keeps a
-- second row. The other direction covers a spool replaying the first
-- attempt after the retry's row was stored from another MX host: the row
-- stored first is the one kept. Random keys (version 4, no Message-ID)
-- never meet another message and are not looked up; a replay of the same
-- record (same key and received_at) is refused by verdict's unique key
-- (message_key, received_at) as before, so ON CONFLICT DO NOTHING still
-- counts it.
--
-- Concurrency. Two MX hosts may store the same message at the same moment
-- (both spools draining), with different received_at, maybe on two days:
-- no unique index spans two partitions, so the check takes a
-- transaction-level advisory lock on each identity key of the statement,
-- in key order (no deadlock between two writers), before it looks. The
-- second writer waits for the first to commit, and its look (a new
-- snapshot: the writer's transactions are READ COMMITTED,
-- pg_verdict_sink.cc) then sees the first row and drops its own. The locks
-- are one per identity key of a batch (StoreOptions::batchSize, 500 by
-- default) and go at commit. tests/integration/test_partitions.py holds
-- one writer's transaction open and checks that the other one waits and
-- stores nothing.
--
-- Cost. The check is one AFTER INSERT statement trigger over the inserted
-- rows (a transition table), not a trigger per row: it locks, then deletes
-- the statement's rows that have an earlier one, with one index probe per
-- identity key in each day partition of the window (at most seven).
--
-- failure_sample referenced verdict_key; it now carries the received_at of
-- its verdict and references verdict (message_key, received_at) directly,
-- ON DELETE CASCADE and ON UPDATE CASCADE (an UPDATE of received_at moves
-- the row to another partition, its sample follows; the BEFORE UPDATE
-- trigger that moved the key goes with verdict_key). The milter does not
-- send received_at with a sample: a trigger takes it from the verdict of
-- the same key stored latest (in the same transaction, or the earlier row
-- that a retry's verdict gave way to). A partition with samples cannot be
-- detached, so verdict_partition_drop deletes the day's samples first, and
-- verdict_partition_add keeps the samples of the rows it moves out of the
-- default partition (moving is deleting there, which would cascade).
-- TRUNCATE verdict: there is no verdict_key to empty any more; as before
-- 0011 the samples reference verdict, so TRUNCATE verdict CASCADE.
-- Applied by `dmarc-reports db upgrade` in one transaction; no BEGIN/COMMIT.

-- Samples: the received_at of their verdict, then the new reference.
ALTER TABLE failure_sample ADD COLUMN received_at timestamptz;
UPDATE failure_sample s SET received_at = k.received_at
  FROM verdict_key k WHERE k.message_key = s.message_key;
ALTER TABLE failure_sample ALTER COLUMN received_at SET NOT NULL;
ALTER TABLE failure_sample DROP CONSTRAINT failure_sample_verdict_fk;
ALTER TABLE failure_sample ADD CONSTRAINT failure_sample_verdict_fk
  FOREIGN KEY (message_key, received_at) REFERENCES verdict (message_key, received_at)
  ON DELETE CASCADE ON UPDATE CASCADE;
-- verdict_partition_drop deletes a day's samples.
CREATE INDEX failure_sample_received_at_idx ON failure_sample (received_at);

CREATE FUNCTION failure_sample_received_at() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.received_at IS NULL THEN
    SELECT received_at INTO NEW.received_at FROM verdict
     WHERE message_key = NEW.message_key ORDER BY received_at DESC LIMIT 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER failure_sample_received_at_trg BEFORE INSERT ON failure_sample
  FOR EACH ROW EXECUTE FUNCTION failure_sample_received_at();

DROP TRIGGER verdict_key_claim_trg ON verdict;
DROP TRIGGER verdict_key_move_trg ON verdict;
DROP TRIGGER verdict_key_truncate_trg ON verdict;
DROP FUNCTION verdict_key_claim(), verdict_key_move(), verdict_key_truncate();
DROP TABLE verdict_key;

-- The resend check (see the top of this file). SECURITY DEFINER: the
-- milter may only insert, and the check reads and deletes verdict rows.
-- RESEND_WINDOW: interval '3 days', twice below.
CREATE FUNCTION verdict_resend_drop() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- Version 8 keys only: the version is the first hex digit of the third group.
  PERFORM pg_advisory_xact_lock(h)
     FROM (SELECT DISTINCT uuid_hash_extended(message_key, 14) AS h FROM inserted
            WHERE substr(message_key::text, 15, 1) = '8' ORDER BY 1) AS keys;
  DELETE FROM verdict v USING inserted n
   WHERE substr(n.message_key::text, 15, 1) = '8'
     AND v.message_key = n.message_key AND v.received_at = n.received_at
     AND EXISTS (SELECT 1 FROM verdict o
                  WHERE o.message_key = n.message_key
                    AND o.received_at >= n.received_at - interval '3 days'
                    AND o.received_at <= n.received_at + interval '3 days'
                    AND o.received_at <> n.received_at
                    -- A row stored before this statement, or an earlier
                    -- one of the same statement.
                    AND (o.received_at < n.received_at
                         OR NOT EXISTS (SELECT 1 FROM inserted m
                                         WHERE m.message_key = o.message_key
                                           AND m.received_at = o.received_at)));
  RETURN NULL;
END
$$;
CREATE TRIGGER verdict_resend_drop_trg AFTER INSERT ON verdict
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_resend_drop();

-- As in 0011, and keeps the samples (and their deliveries) of the rows it
-- moves out of the default partition: the move deletes them there, which
-- would cascade.
CREATE OR REPLACE FUNCTION verdict_partition_add(day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  name text := 'verdict_' || to_char(day, 'YYYYMMDD');
  low timestamptz := day::timestamp AT TIME ZONE 'UTC';
  high timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
  samples failure_sample[];
  deliveries failure_delivery[];
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
  samples := ARRAY(SELECT s FROM failure_sample s WHERE received_at >= low AND received_at < high);
  deliveries := ARRAY(SELECT d FROM failure_delivery d
                       WHERE message_key = ANY (SELECT (s).message_key FROM unnest(samples) s));
  EXECUTE format('WITH moved AS (DELETE FROM verdict_default'
                 '  WHERE received_at >= $1 AND received_at < $2 RETURNING *)'
                 ' INSERT INTO %I SELECT * FROM moved', name) USING low, high;
  EXECUTE format('ALTER TABLE verdict ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                 name, low, high);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', name, name || '_day_ck');
  INSERT INTO failure_sample SELECT (s).* FROM unnest(samples) s;
  INSERT INTO failure_delivery SELECT (d).* FROM unnest(deliveries) d;
  RETURN true;
END
$$;

-- As in 0011; the day's failure samples go first (a partition that a
-- sample references cannot be detached).
CREATE OR REPLACE FUNCTION verdict_partition_drop(day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  name text := 'verdict_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_inherits
                  WHERE inhparent = 'verdict'::regclass AND inhrelid = to_regclass(name)) THEN
    RETURN false;
  END IF;
  DELETE FROM failure_sample
   WHERE received_at >= day::timestamp AT TIME ZONE 'UTC'
     AND received_at < (day + 1)::timestamp AT TIME ZONE 'UTC';
  EXECUTE format('ALTER TABLE verdict DETACH PARTITION %I', name);
  EXECUTE format('DROP TABLE %I', name);
  RETURN true;
END
$$;

REVOKE ALL ON FUNCTION failure_sample_received_at(), verdict_resend_drop() FROM PUBLIC;
