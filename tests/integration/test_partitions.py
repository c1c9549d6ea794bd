"""The verdict table partitioned by day (sql/0011_verdict_partitions.sql).

Checks that the migration moves an existing table without losing or changing
a row (count and checksum before and after), that a verdict of a day without
a partition lands in the default partition and moves into the day's
partition when `dmarc-reports db partitions` creates it, that a message sent
again after a lost answer still keeps one row across partitions within the
resend window (sql/0014_resend_window.sql), also when two writers store it
at the same moment, and a second row after the window, that `expire` drops
whole day partitions with their failure samples, and that a day's aggregate
report reads that day's partition only (EXPLAIN, and the table statistics
after a real `send`). Migration 0014 (verdict_key goes, failure samples
reference their verdict) is checked the same way as 0011: every row, key
and sample kept.

The migration test copies PARTITION_TEST_ROWS rows (default 200,000, a few
seconds); the few-million-row figure of the README comes from
    PARTITION_TEST_ROWS=3000000 tests/integration/run.py test_partitions
Each test prints its timings on stderr.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

from harness import services as hs
from integration.reports_util import DAY, DAY_BEGIN, ReportsDatabase, verdict_sql

ROWS = int(os.environ.get("PARTITION_TEST_ROWS", "200000"))
DAYS = 10
FIRST_DAY = "2026-11-20"  # the generated rows spread over FIRST_DAY and the 9 days after
MILTER_ROLE = "partitions_mx"
REPORTS_ROLE = "partitions_reports"
SQL_DIR = os.path.join(hs.top_srcdir(), "sql")

# Rows as the milter stores them, spread over DAYS days and 100 domains, one
# in 50 with an override, one in 7 over TLS.
GENERATE = """
INSERT INTO reporting_host (name) VALUES ('mx1.receiver.test') ON CONFLICT DO NOTHING;
INSERT INTO verdict (message_key, received_at, reporting_host, queue_id, client_ip, helo,
  mail_from_domain, rcpt_domains, from_domain, from_domains, dmarc_result, reason, dkim_aligned,
  spf_aligned, policy_domain, policy_record, policy_p, policy_adkim, policy_aspf, policy_fo,
  policy_pct, policy_testing, policy_psd, policy_rua, policy_ruf, org_domain, discovery_method,
  policy_tag, author_domain_exists, effective_policy, disposition_requested, disposition_applied,
  override_reasons, override_comments, spf_domain, spf_scope, spf_result, spf_explanation,
  dkim_domains, dkim_selectors, dkim_results, dkim_algorithms, dkim_human_results, dkim_key_bits,
  tls_version, tls_cipher, tls_bits)
SELECT gen_random_uuid(),
       timestamptz '{first} 00:00:00+00' + (g % {days}) * interval '1 day' + (g % 86400) * interval '1 second',
       'mx1.receiver.test', 'Q' || g, ('192.0.2.' || (g % 250))::inet, 'mx.sender.test',
       'd' || (g % 100) || '.example', ARRAY['receiver.test'], 'd' || (g % 100) || '.example',
       ARRAY['d' || (g % 100) || '.example'], CASE WHEN g % 3 = 0 THEN 'fail' ELSE 'pass' END::dmarc_result,
       '', g % 3 <> 0, g % 2 = 0, 'd' || (g % 100) || '.example', 'v=DMARC1; p=reject', 'reject', 'r', 'r',
       '0', 100, false, 'u', ARRAY['mailto:dmarc@d' || (g % 100) || '.example'], ARRAY[]::text[],
       'd' || (g % 100) || '.example', 'treewalk', 'p', true, 'reject', 'reject',
       CASE WHEN g % 3 = 0 THEN 'reject' ELSE 'pass' END::dmarc_disposition,
       CASE WHEN g % 50 = 0 THEN ARRAY['local_policy'] ELSE ARRAY[]::text[] END::dmarc_override_reason[],
       CASE WHEN g % 50 = 0 THEN ARRAY['allowed'] ELSE ARRAY[]::text[] END,
       'd' || (g % 100) || '.example', 'mfrom', 'pass', '', ARRAY['d.example'], ARRAY['s1'],
       ARRAY['pass']::dkim_result[], ARRAY['rsa-sha256'], ARRAY[''], ARRAY[2048],
       CASE WHEN g % 7 = 0 THEN 'TLSv1.3' END, CASE WHEN g % 7 = 0 THEN 'TLS_AES_256_GCM_SHA384' END,
       CASE WHEN g % 7 = 0 THEN 256 END
  FROM generate_series(1, {rows}) AS g;
"""

# Every column of every row, in id order: equal before and after the copy.
CHECKSUM = "SELECT count(*) || ' ' || md5(string_agg(md5(v::text), '' ORDER BY id)) FROM verdict v"

SAMPLE = ("INSERT INTO failure_sample (message_key, mail_from, rcpt_to, headers, headers_truncated)"
          " SELECT message_key, 'a@b.example', '{x@receiver.test}', 'Subject: x', false FROM verdict"
          " WHERE received_at >= '%s' AND received_at < timestamptz '%s' + interval '1 day' LIMIT 3")


# Every sample with the received_at of its verdict: equal before and after 0014.
SAMPLES = ("SELECT count(*) || ' ' || md5(string_agg(s.message_key || ' ' || v.received_at, ',' ORDER BY s.message_key))"
           " FROM failure_sample s JOIN verdict v USING (message_key)")
KEYS = "SELECT count(DISTINCT message_key) FROM verdict"


def identity_key():
    """A key as the milter derives it from a message's identity (version 8)."""
    return uuid.UUID(int=(uuid.uuid4().int & ~(0xF << 76)) | (8 << 76))


def say(text):
    print("\n  [partitions] " + text, file=sys.stderr, flush=True)


def milter_insert(key, received_at):
    """One verdict as the milter's writer inserts it (ON CONFLICT DO NOTHING)."""
    return verdict_sql("late.example", received_at=received_at).replace(
        "gen_random_uuid()", "'%s'::uuid" % key).rstrip(";") + " ON CONFLICT DO NOTHING;"


class PartitionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hs.current().postgres
        cls.tool = hs.binary("dmarc-reports")
        cls.tmp = tempfile.mkdtemp(prefix="partitions-test-")
        ReportsDatabase("partitions_roles")  # the group roles, before their members
        for role, group in ((MILTER_ROLE, "dmarc_milter"), (REPORTS_ROLE, "dmarc_reports")):
            cls.pg.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
                        "CREATE ROLE %s LOGIN IN ROLE %s; END IF; END$$" % (role, role, group))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_tool(self, db, *args):
        proc = subprocess.run([self.tool] + list(args) + ["--database", self.pg.dsn(db, REPORTS_ROLE)],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, "%s: %s%s" % (args, proc.stdout, proc.stderr))
        return proc.stdout

    def upgrade(self, db, sql_dir=SQL_DIR):
        proc = subprocess.run([self.tool, "db", "upgrade", "--database", self.pg.dsn(db), "--sql-dir", sql_dir],
                              capture_output=True, text=True, timeout=3600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def partitions(self, db):
        return self.pg.psql("SELECT day FROM verdict_partition ORDER BY day", dbname=db).split()

    def sql_until(self, version):
        """A directory with the migrations before `version`."""
        path = os.path.join(self.tmp, "sql-before-" + version)
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(SQL_DIR):
            if name.endswith(".sql") and name < version:
                shutil.copy(os.path.join(SQL_DIR, name), path)
        return path

    def test_01_migration_keeps_every_row(self):
        db = "partitions_migrate"
        self.pg.create_database(db)
        self.upgrade(db, self.sql_until("0011"))
        started = time.monotonic()
        self.pg.psql(GENERATE.format(first=FIRST_DAY, days=DAYS, rows=ROWS), dbname=db)
        self.pg.psql(SAMPLE % (FIRST_DAY, FIRST_DAY), dbname=db)
        say("%d rows generated in %.1f s" % (ROWS, time.monotonic() - started))
        before = self.pg.psql(CHECKSUM, dbname=db)
        samples = self.pg.psql(SAMPLES, dbname=db)
        started = time.monotonic()
        self.upgrade(db, self.sql_until("0014"))
        say("migration 0011 of %d rows: %.1f s" % (ROWS, time.monotonic() - started))
        self.assertEqual(self.pg.psql(CHECKSUM, dbname=db), before)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM verdict_key", dbname=db), str(ROWS))
        # 0014: verdict_key goes; the rows, their keys and the samples stay.
        started = time.monotonic()
        self.upgrade(db)
        say("migration 0014 of %d rows: %.1f s" % (ROWS, time.monotonic() - started))
        self.assertEqual(self.pg.psql(CHECKSUM, dbname=db), before)
        self.assertEqual(self.pg.psql(KEYS, dbname=db), str(ROWS))
        self.assertEqual(self.pg.psql(SAMPLES, dbname=db), samples)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM failure_sample s JOIN verdict v"
                                      " USING (message_key, received_at)", dbname=db), "3")
        self.assertEqual(self.pg.psql("SELECT to_regclass('verdict_key') IS NULL", dbname=db), "t")
        self.assertEqual(self.pg.psql("SELECT relkind FROM pg_class WHERE relname = 'verdict'", dbname=db), "p")
        days = self.partitions(db)
        for n in range(DAYS):
            self.assertIn("2026-11-%02d" % (20 + n), days)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM verdict_default", dbname=db), "0")
        # New rows continue the identity after the copied ones, and the
        # milter's role can still insert.
        self.pg.psql(milter_insert(uuid.uuid4(), "%sT08:00:00Z" % FIRST_DAY), dbname=db, user=MILTER_ROLE)
        self.assertEqual(self.pg.psql("SELECT max(id) FROM verdict", dbname=db), str(ROWS + 1))

    def test_02_default_partition_catches_a_day_and_gives_it_up(self):
        db = ReportsDatabase("partitions_default").name
        key = uuid.uuid4()
        self.pg.psql(milter_insert(key, "2031-05-04T10:00:00Z"), dbname=db, user=MILTER_ROLE)
        self.assertEqual(self.pg.psql("SELECT tableoid::regclass FROM verdict", dbname=db), "verdict_default")
        # Its failure sample and the report sent about it move with it.
        self.pg.psql(SAMPLE % ("2031-05-04", "2031-05-04"), dbname=db)
        self.pg.psql("INSERT INTO failure_delivery (message_key, destination, policy_domain, report_message_id)"
                     " SELECT message_key, 'ruf@late.example', 'late.example', '<r@x>' FROM failure_sample",
                     dbname=db)
        out = self.run_tool(db, "db", "partitions", "--ahead", "2")
        self.assertIn("created the partition of 2031-05-04", out)
        self.assertIn("0 verdict(s) in the default partition", out)
        self.assertEqual(self.pg.psql("SELECT tableoid::regclass FROM verdict", dbname=db), "verdict_20310504")
        self.assertEqual(self.pg.psql("SELECT count(*) FROM failure_sample JOIN failure_delivery USING (message_key)",
                                      dbname=db), "1")
        # The moved row keeps its key: a replay still finds it.
        self.pg.psql(milter_insert(key, "2031-05-04T10:00:00Z"), dbname=db, user=MILTER_ROLE)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM verdict", dbname=db), "1")
        out = self.run_tool(db, "db", "partitions", "--ahead", "2")
        self.assertIn("partitions: 0 created", out)

    def test_03_retry_on_another_day_keeps_one_row(self):
        """The identity key of a message sent again is refused in any partition of the window."""
        db = ReportsDatabase("partitions_retry").name
        key = identity_key()
        for received_at in ("2026-11-27T23:59:00Z", "2026-11-28T00:04:00Z", "2026-11-27T23:59:00Z",
                            "2026-11-30T23:58:00Z", "2026-11-25T00:00:00Z"):
            self.pg.psql(milter_insert(key, received_at), dbname=db, user=MILTER_ROLE)
        self.assertEqual(self.pg.psql("SELECT count(*) || ' ' || min(received_at) FROM verdict", dbname=db),
                         "1 2026-11-27 23:59:00+00")
        # After the window (three days) a resend keeps a second row; so do
        # two rows of a random key (no Message-ID: nothing says they are one
        # message), which is not looked up at all.
        random_key = uuid.uuid4()
        for k, received_at in ((key, "2026-12-01T00:00:00Z"), (random_key, "2026-11-27T10:00:00Z"),
                               (random_key, "2026-11-27T11:00:00Z")):
            self.pg.psql(milter_insert(k, received_at), dbname=db, user=MILTER_ROLE)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM verdict", dbname=db), "4")
        self.pg.psql("DELETE FROM verdict WHERE received_at <> '2026-11-27T23:59:00Z'", dbname=db)
        # Two rows of one statement (a batch), an hour apart: the earlier one is kept.
        other = identity_key()
        batch = verdict_sql("late.example", received_at="2026-11-28T10:00:00Z", count=2).replace(
            "gen_random_uuid()", "'%s'::uuid" % other).replace(
            "'2026-11-28T10:00:00Z'::timestamptz", "'2026-11-28T10:00:00Z'::timestamptz - g * interval '1 hour'")
        self.assertIn("- g * interval", batch)
        self.pg.psql(batch.rstrip(";") + " ON CONFLICT DO NOTHING;", dbname=db, user=MILTER_ROLE)
        self.assertEqual(self.pg.psql("SELECT received_at FROM verdict WHERE message_key = '%s'" % other, dbname=db),
                         "2026-11-28 08:00:00+00")
        self.pg.psql("DELETE FROM verdict WHERE message_key = '%s'" % other, dbname=db)
        # A sample follows its verdict when an UPDATE moves the row to another partition.
        self.pg.psql(SAMPLE % ("2026-11-27", "2026-11-27"), dbname=db)
        self.pg.psql("UPDATE verdict SET received_at = '2026-11-25T10:00:00Z'", dbname=db)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM verdict", dbname=db), "1")
        self.assertEqual(self.pg.psql("SELECT received_at FROM failure_sample", dbname=db), "2026-11-25 10:00:00+00")

    def test_04_two_writers_at_once_keep_one_row(self):
        """Two MX hosts store the same message at the same moment, with
        received_at on two days: the second waits for the first writer's
        commit, then drops its row. Without the wait each would see no other
        row (neither is committed) and both would stay."""
        db = ReportsDatabase("partitions_race").name
        self.pg.psql("INSERT INTO reporting_host (name) VALUES ('mx1.receiver.test') ON CONFLICT DO NOTHING",
                     dbname=db)
        key = identity_key()
        psql = [os.path.join(self.pg.bindir, "psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                "-d", self.pg.dsn(db, MILTER_ROLE)]
        first = subprocess.Popen(psql, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first.stdin.write("BEGIN;\n%s\n\\echo inserted\n" % milter_insert(key, "2026-11-27T23:59:00Z"))
        first.stdin.flush()
        self.assertEqual(first.stdout.readline().strip(), "inserted")
        second = subprocess.Popen(psql + ["-c", milter_insert(key, "2026-11-28T00:03:00Z")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting = ("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
                   " AND wait_event_type = 'Lock' AND wait_event = 'advisory'" % db)
        hs.wait_until(lambda: second.poll() is not None or self.pg.psql(waiting) == "1", 30,
                      "the second writer to wait for the first or to finish")
        first.stdin.write("COMMIT;\n")
        first.stdin.close()
        self.assertEqual(first.wait(timeout=30), 0)
        out, err = second.communicate(timeout=30)
        self.assertEqual(second.returncode, 0, err)
        self.assertEqual(self.pg.psql("SELECT count(*) || ' ' || min(received_at) FROM verdict", dbname=db),
                         "1 2026-11-27 23:59:00+00")

    def test_05_expire_drops_whole_days(self):
        db = ReportsDatabase("partitions_expire").name
        self.pg.psql("INSERT INTO reporting_host (name) VALUES ('mx1.receiver.test')", dbname=db)
        old = subprocess.run(["date", "-u", "-d", "-40 days", "+%F"], capture_output=True, text=True).stdout.strip()
        recent = subprocess.run(["date", "-u", "-d", "-2 days", "+%F"], capture_output=True, text=True).stdout.strip()
        for day in (old, recent):
            self.pg.psql("SELECT verdict_partition_add('%s')" % day, dbname=db)
        self.pg.psql(GENERATE.format(first=old, days=1, rows=ROWS).replace(
            "INSERT INTO reporting_host (name) VALUES ('mx1.receiver.test') ON CONFLICT DO NOTHING;", ""),
            dbname=db)
        self.pg.psql(GENERATE.format(first=recent, days=1, rows=1000), dbname=db)
        self.pg.psql(SAMPLE % (old, old), dbname=db)
        self.pg.psql(SAMPLE % (recent, recent), dbname=db)
        # A row of an old day that had no partition waits in the default one.
        self.pg.psql(milter_insert(uuid.uuid4(), "2020-01-01T00:00:00Z"), dbname=db, user=MILTER_ROLE)
        self.pg.psql(SAMPLE % ("2020-01-01", "2020-01-01"), dbname=db)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM failure_sample", dbname=db), "7")
        started = time.monotonic()
        out = self.run_tool(db, "expire", "--max-age", "30", "-v")
        elapsed = time.monotonic() - started
        drop = re.search(r"dropped the partition of %s in ([0-9.]+) s" % old, out)
        self.assertTrue(drop, out)
        say("expire of a day of %d rows: partition dropped in %s s, the whole expire %.2f s"
            % (ROWS, drop.group(1), elapsed))
        self.assertIn("1 day partition(s) dropped and 1 verdict(s) deleted from the default partition", out)
        self.assertNotIn(old, self.partitions(db))
        self.assertIn(recent, self.partitions(db))
        self.assertEqual(self.pg.psql("SELECT count(*) FROM verdict", dbname=db), "1000")
        self.assertEqual(self.pg.psql("SELECT count(*) FROM failure_sample", dbname=db), "3")

    def test_06_day_report_reads_only_that_day(self):
        rdb = ReportsDatabase("partitions_prune")
        db = rdb.name
        self.pg.psql("SELECT verdict_partition_add(d::date) FROM generate_series("
                     "date '%s' - 1, date '%s' + 1, interval '1 day') AS d" % (DAY, DAY), dbname=db)
        for day in ("2026-11-26", DAY, "2026-11-28"):
            self.pg.psql(verdict_sql("prune.example", received_at="%sT12:00:00Z" % day, count=20), dbname=db)
        partition = "verdict_" + DAY.replace("-", "")
        # The report rows query's shape (lib/adapters/store/verdict_schema.cc): the
        # planner keeps the day's partition only.
        plan = self.pg.psql(
            "EXPLAIN SELECT policy_domain, count(*) FROM verdict"
            " WHERE policy_domain IS NOT NULL AND ('' = '' OR policy_domain = '')"
            " AND received_at >= to_timestamp(%d::bigint) AND received_at < to_timestamp(%d::bigint)"
            " AND disposition_applied <> 'tempfail' GROUP BY policy_domain" % (DAY_BEGIN, DAY_BEGIN + 86400),
            dbname=db)
        scanned = sorted(set(re.findall(r"\bverdict_(?:[0-9]{8}|default)\b", plan)))
        self.assertEqual(scanned, [partition], plan)
        # A real run: only the day's partition was read.
        self.pg.psql("SELECT pg_stat_reset()", dbname=db)
        proc = rdb.send("--output-dir", tempfile.mkdtemp(dir=self.tmp))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        read = self.pg.psql("SELECT relname FROM pg_stat_user_tables WHERE relname LIKE 'verdict%%'"
                            " AND coalesce(seq_scan, 0) + coalesce(idx_scan, 0) > 0 ORDER BY 1", dbname=db)
        self.assertEqual(read.split(), [partition])


if __name__ == "__main__":
    unittest.main()
