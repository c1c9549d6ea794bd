"""The history store against the harness PostgreSQL (issue 6).

tests/tools/store-driver plays the milter: concurrent "sessions" hand
records to one VerdictWriter and print "ack <key>" once store() returned,
which is the moment the milter answers end-of-message. The tests check that
every acknowledged verdict is in the database exactly once across a
database stop/start, a kill -9 of the writer process, a damaged spool and
two writers at once; that the milter's role can only insert; that hostile
text is stored verbatim; and that `dmarc-reports db upgrade` and `expire`
behave.
"""

import json
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import unittest
import zlib

from harness import services as hs

DB = "store"
MILTER_ROLE = "store_mx"      # member of dmarc_milter: INSERT, and reads the schema version
REPORTS_ROLE = "store_reports"  # member of dmarc_reports


class StoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hs.current().postgres
        cls.owner_dsn = cls.pg.create_database(DB)
        cls.tool = hs.binary("dmarc-reports")
        cls.driver = hs.binary("store-driver")
        cls.upgrade()
        for role, group in ((MILTER_ROLE, "dmarc_milter"), (REPORTS_ROLE, "dmarc_reports")):
            cls.pg.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
                        "CREATE ROLE %s LOGIN IN ROLE %s; END IF; END$$" % (role, role, group))
        cls.milter_dsn = cls.pg.dsn(DB, MILTER_ROLE)
        cls.reports_dsn = cls.pg.dsn(DB, REPORTS_ROLE)
        cls.tmp = tempfile.mkdtemp(prefix="store-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def upgrade(cls, expect=0):
        return cls.upgrade_database(cls.owner_dsn, expect)

    @classmethod
    def upgrade_database(cls, dsn, expect=0):
        proc = subprocess.run([cls.tool, "db", "upgrade", "--database", dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != expect:
            raise AssertionError("db upgrade: got %d, want %d: %s%s" % (proc.returncode, expect, proc.stdout,
                                                                      proc.stderr))
        return proc

    def setUp(self):
        if not self.pg.started:  # a failed test must not leave the next one without a database
            self.pg.start()
        self.sql("TRUNCATE verdict CASCADE")  # failure samples go with their verdicts

    def sql(self, query, user=None):
        return self.pg.psql(query, dbname=DB, user=user)

    def spool(self, name):
        path = os.path.join(self.tmp, name)
        shutil.rmtree(path, ignore_errors=True)
        return path

    def start_driver(self, spool, count, rate=0, threads=8, host="mx1.test", extra=()):
        cmd = [self.driver, "--database", self.milter_dsn, "--spool", spool, "--count", str(count),
               "--threads", str(threads), "--host", host, "--rate", str(rate), "--drain", "120"] + list(extra)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run_driver(self, spool, count, **kwargs):
        proc = self.start_driver(spool, count, **kwargs)
        out, err = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 0, "store-driver failed: %s\n%s" % (out[-2000:], err[-4000:]))
        return acked_keys(out), out, err

    def rows(self):
        total, distinct = self.sql("SELECT count(*), count(DISTINCT message_key) FROM verdict").split("|")
        return int(total), int(distinct)

    def stored_keys(self):
        return set(self.sql("SELECT message_key FROM verdict").split())

    def test_01_database_stopped_mid_run_loses_nothing(self):
        """10,000 messages; PostgreSQL stopped and started again in the middle: exactly 10,000 rows."""
        proc = self.start_driver(self.spool("outage"), 10000, rate=2500, threads=32)
        acks = set()
        stopped = restarted = False
        for line in proc.stdout:
            if line.startswith("ack "):
                acks.add(line.split()[1])
            if len(acks) == 2500 and not stopped:
                self.pg.stop()
                stopped = True
            if len(acks) == 6000 and not restarted:
                self.pg.start()
                restarted = True
            if line.startswith("result "):
                result = line
        proc.wait(timeout=300)
        err = proc.stderr.read()
        self.assertTrue(stopped and restarted, "got a run too short to stop the database in")
        self.assertEqual(proc.returncode, 0, "store-driver: %s %s" % (result, err[-3000:]))
        self.assertIn("database unavailable", err, "got no log line about the outage")
        self.assertEqual(len(acks), 10000)
        self.assertEqual(self.rows(), (10000, 10000))
        self.assertTrue(self.stored_keys() == acks, "got stored keys that differ from the acknowledged ones")

    def test_02_kill9_then_restart_keeps_every_acknowledged_verdict(self):
        """kill -9 mid-run, restart: every acknowledged verdict is stored exactly once."""
        spool = self.spool("kill")
        proc = self.start_driver(spool, 1000000, rate=4000, threads=32)
        acks = set()
        for line in proc.stdout:
            if line.startswith("ack "):
                acks.add(line.split()[1])
            if len(acks) >= 5000:
                proc.send_signal(signal.SIGKILL)
                break
        # Lines written before the kill are still in the pipe.
        for line in proc.stdout:
            if line.startswith("ack "):
                acks.add(line.split()[1])
        proc.wait(timeout=60)
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        # The restarted writer replays its spool (no new messages).
        self.run_driver(spool, 0)
        stored = self.stored_keys()
        missing = acks - stored
        self.assertFalse(missing, "got %d acknowledged verdicts missing, want 0" % len(missing))
        total, distinct = self.rows()
        self.assertEqual(total, distinct, "got duplicate message keys")
        self.assertEqual(os.listdir(spool).count("lock"), 1)

    def test_03_kill9_while_database_down(self):
        """The same with the database down during the run: the spool alone carries the verdicts."""
        spool = self.spool("kill-down")
        self.pg.stop()
        try:
            proc = self.start_driver(spool, 1000000, rate=4000, threads=16)
            acks = set()
            for line in proc.stdout:
                if line.startswith("ack "):
                    acks.add(line.split()[1])
                if len(acks) >= 3000:
                    proc.send_signal(signal.SIGKILL)
                    break
            for line in proc.stdout:
                if line.startswith("ack "):
                    acks.add(line.split()[1])
            proc.wait(timeout=60)
        finally:
            self.pg.start()
        self.run_driver(spool, 0)
        missing = acks - self.stored_keys()
        self.assertFalse(missing, "got %d acknowledged verdicts missing, want 0" % len(missing))
        total, distinct = self.rows()
        self.assertEqual(total, distinct, "got duplicate message keys")

    def test_04_damaged_spool_keeps_good_records(self):
        """A spool whose tail is torn and with a corrupted record: the valid records reach the database."""
        spool = self.spool("damaged")
        self.pg.stop()
        try:
            proc = self.start_driver(spool, 200, threads=1, extra=["--drain", "0"])
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 75, "got %d, want 75 (not idle: database down)" % proc.returncode)
            acks = acked_keys(out)
            self.assertEqual(len(acks), 200)
        finally:
            self.pg.start()
        # The first records may be in a segment that grew, the rest in a
        # pre-written one: its data ends where its zeros start.
        segments = sorted(os.path.join(spool, f) for f in os.listdir(spool) if f.endswith(".spool"))
        self.assertIn(len(segments), (1, 2))

        def data_end(path):
            with open(path, "rb") as f:
                return len(f.read().rstrip(b"\0"))
        biggest = max(segments, key=data_end)
        with open(biggest, "r+b") as f:
            f.seek(data_end(biggest) // 2)
            f.write(b"\xde\xad\xbe\xef")   # one record in the middle corrupted
        last, end = segments[-1], data_end(segments[-1])
        with open(last, "r+b") as f:         # the last record torn
            if end < os.path.getsize(last):
                f.seek(end - 30)
                f.write(b"\0" * 30)          # its end never reached the pre-written blocks
            else:
                f.truncate(end - 30)
        _, _, err = self.run_driver(spool, 0)
        self.assertIn("corrupt record", err)
        self.assertIn("torn tail", err)
        stored = self.stored_keys()
        self.assertEqual(len(stored), 198, "got %d rows, want 198 (200 minus the two damaged)" % len(stored))
        self.assertTrue(stored <= acks)

    def test_05_two_writers_at_once(self):
        """Two milter instances write to one database at the same time."""
        a = self.start_driver(self.spool("mx-a"), 5000, threads=16, host="mx-a.test")
        b = self.start_driver(self.spool("mx-b"), 5000, threads=16, host="mx-b.test")
        out_a, err_a = a.communicate(timeout=300)
        out_b, err_b = b.communicate(timeout=300)
        self.assertEqual((a.returncode, b.returncode), (0, 0), err_a[-2000:] + err_b[-2000:])
        self.assertEqual(self.rows(), (10000, 10000))
        self.assertTrue(self.stored_keys() == acked_keys(out_a) | acked_keys(out_b),
                        "got stored keys that differ from the acknowledged ones")
        per_host = self.sql("SELECT reporting_host, count(*) FROM verdict GROUP BY 1 ORDER BY 1")
        self.assertEqual(per_host.split(), ["mx-a.test|5000", "mx-b.test|5000"])

    def test_06_milter_role_cannot_read_change_or_delete(self):
        """The milter's role may insert and read the schema version, and nothing else."""
        self.run_driver(self.spool("role"), 10)
        for statement in ("SELECT count(*) FROM verdict", "DELETE FROM verdict",
                          "UPDATE verdict SET helo = 'x'", "TRUNCATE verdict",
                          "SELECT count(*) FROM reporting_host", "DELETE FROM reporting_host",
                          "DELETE FROM schema_migration", "DROP TABLE verdict"):
            with self.subTest(statement):
                proc = subprocess.run([os.path.join(self.pg.bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                                       "-d", self.milter_dsn, "-c", statement], capture_output=True, text=True)
                self.assertNotEqual(proc.returncode, 0, "got success for %r, want a refusal" % statement)
                self.assertTrue("permission denied" in proc.stderr or "must be owner" in proc.stderr, proc.stderr)
        self.assertEqual(self.rows(), (10, 10))
        # It reads the schema version before it writes (sql/0013).
        self.assertEqual(self.pg.psql("SELECT max(version) > 0 FROM schema_migration", dbname=DB,
                                      user=MILTER_ROLE), "t")
        # The reports role reads everything.
        self.assertEqual(self.sql("SELECT count(*) FROM verdict", user=REPORTS_ROLE), "10")

    def test_07_hostile_text_stored_verbatim(self):
        """A hostile From domain and HELO are stored as they came, harmlessly (parameterised SQL)."""
        helo = "x'); DROP TABLE verdict; --"
        domain = 'evil"},{\\\'.example'
        self.run_driver(self.spool("hostile"), 3, threads=1, extra=["--helo", helo, "--from-domain", domain])
        got = self.sql("SELECT DISTINCT helo || E'\\n' || from_domain || E'\\n' || policy_domain || E'\\n' "
                       "|| from_domains[1] || E'\\n' || dkim_domains[1] FROM verdict")
        self.assertEqual(got.split("\n"), [helo, domain, domain, domain, domain])
        self.assertEqual(self.rows(), (3, 3))

    def test_08_upgrade_is_idempotent_and_refuses_newer_schema(self):
        proc = self.upgrade()
        self.assertIn("0 migration(s) applied", proc.stdout)
        self.sql("INSERT INTO schema_migration (version, name, checksum) VALUES (9999, '9999_future.sql', '')")
        try:
            proc = self.upgrade(expect=65)
            self.assertIn("newer", proc.stderr)
        finally:
            self.sql("DELETE FROM schema_migration WHERE version = 9999")

    def test_09_expire_deletes_old_rows_in_batches(self):
        self.run_driver(self.spool("expire"), 100, threads=4)
        self.sql("UPDATE verdict SET received_at = now() - interval '40 days' "
                 "WHERE id IN (SELECT id FROM verdict ORDER BY id LIMIT 37)")
        proc = subprocess.run([self.tool, "expire", "--database", self.reports_dsn, "--max-age", "30",
                               "--batch-size", "5", "-v"], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("37 verdict(s)", proc.stdout)
        self.assertGreaterEqual(proc.stdout.count("deleted "), 8)  # 37 rows in batches of 5
        self.assertEqual(self.rows(), (63, 63))

    def test_11_expire_while_milters_write(self):
        """expire runs while a writer inserts: both finish, nothing new is deleted."""
        self.run_driver(self.spool("old"), 3000, threads=8)
        self.sql("UPDATE verdict SET received_at = now() - interval '400 days'")
        writer = self.start_driver(self.spool("new"), 4000, rate=2000, threads=16)
        expire = subprocess.run([self.tool, "expire", "--database", self.reports_dsn, "--max-age", "180",
                                 "--batch-size", "100"], capture_output=True, text=True, timeout=300)
        out, err = writer.communicate(timeout=300)
        self.assertEqual(expire.returncode, 0, expire.stderr)
        self.assertIn("3000 verdict(s)", expire.stdout)
        self.assertEqual(writer.returncode, 0, err[-2000:])
        self.assertEqual(self.rows(), (4000, 4000))
        self.assertTrue(self.stored_keys() == acked_keys(out))

    def test_12_refused_row_is_skipped_not_blocking(self):
        """A row the database refuses (a value its type rejects) is logged and skipped; the rest is stored."""
        _, out, err = self.run_driver(self.spool("refused"), 1000, threads=8, extra=["--bad-key-every", "100"])
        self.assertIn("rejected=10 ", out)
        self.assertIn("refused verdict not-a-uuid-", err)
        self.assertEqual(self.rows(), (990, 990))

    def test_13_permission_error_keeps_verdicts_spooled(self):
        """A role without the milter's rights loses nothing: the verdicts wait in the spool."""
        self.pg.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'store_nobody') THEN "
                     "CREATE ROLE store_nobody LOGIN; END IF; END$$")
        spool = self.spool("noperm")
        cmd = [self.driver, "--database", self.pg.dsn(DB, "store_nobody"), "--spool", spool, "--count", "300",
               "--threads", "4", "--drain", "2"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 75, "got %d, want 75 (not everything committed)" % proc.returncode)
        self.assertIn("permission denied", proc.stderr)
        self.assertEqual(self.rows(), (0, 0))
        self.pg.psql("GRANT dmarc_milter TO store_nobody")
        try:
            proc = subprocess.run(cmd[:5] + ["--count", "0", "--drain", "120"], capture_output=True, text=True,
                                  timeout=180)
            self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        finally:
            self.pg.psql("REVOKE dmarc_milter FROM store_nobody")
        self.assertEqual(self.rows(), (300, 300))

    def test_14_arc_facts_round_trip_through_spool_and_database(self):
        """The ARC columns hold what the milter recorded, also for verdicts that waited in the spool."""
        sealer = 'x\'"},{\\.lists.example'
        spool = self.spool("arc")
        self.pg.stop()
        try:
            proc = self.start_driver(spool, 16, threads=1, extra=["--drain", "0", "--arc-sealer", sealer])
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 75, "got %d, want 75 (database down): %s" % (proc.returncode, err))
        finally:
            self.pg.start()
        self.run_driver(spool, 0)
        self.assertEqual(self.rows(), (16, 16))
        got = {}
        for line in self.sql("SELECT queue_id, arc_result, array_to_json(arc_sealers), "
                             "to_json(arc_trusted_sealer), to_json(override_comment), override_reasons, "
                             "array_to_json(override_comments), disposition_applied FROM verdict").splitlines():
            queue_id, *fields = line.split("|")
            got[queue_id] = fields
        comment = "arc=pass as[2].d=" + sealer
        sealers = json.dumps(["fwd.example", sealer], separators=(",", ":"))
        self.assertEqual(got["Q8"], ["pass", sealers, json.dumps(sealer), json.dumps(comment), "{mailing_list}",
                                     json.dumps([comment]), "none"])
        self.assertEqual(got["Q4"], ["fail", '["fwd.example"]', '""', '""', "{}", "[]", "reject"])
        self.assertEqual(got["Q1"], ["none", "[]", '""', '""', "{}", "[]", "pass"])
        self.assertEqual(sum(1 for fields in got.values() if fields[0] == "pass"), 2)  # Q0 and Q8

    def test_15_spool_of_the_previous_version_is_delivered(self):
        """A record the build before the ARC columns left in its spool reaches the database, without ARC facts."""
        spool = self.spool("old-format")
        os.mkdir(spool, 0o700)
        with open(os.path.join(hs.top_srcdir(), "tests/integration/golden/spool_record_v1.hex")) as f:
            payload = bytes.fromhex(f.read().strip())
        self.assertEqual(payload[0], 1, "got a record of format %d, want 1" % payload[0])
        sequence = struct.pack("<Q", 1)
        frame = (b"DMV1" + struct.pack("<I", len(payload)) + sequence
                 + struct.pack("<I", zlib.crc32(sequence + payload)) + payload)
        with open(os.path.join(spool, "segment-%020d.spool" % 1), "wb") as f:
            f.write(frame)
        self.run_driver(spool, 0)
        self.assertEqual(self.sql("SELECT message_key, queue_id, helo, arc_result, cardinality(arc_sealers), "
                                  "arc_trusted_sealer, override_comment, override_reasons FROM verdict"),
                         "6f1c2a3b-4d5e-4f60-8a7b-0c1d2e3f4017|4Qx7|mail.example.com|none|0|||"
                         "{mailing_list,other}")
        self.run_driver(spool, 0)  # committed once: a second start replays nothing
        self.assertEqual(self.rows(), (1, 1))

    def test_16_verdicts_wait_in_the_spool_until_the_schema_is_upgraded(self):
        """A milter upgraded before its database keeps every verdict until `db upgrade` adds the ARC columns."""
        old_sql = os.path.join(self.tmp, "sql-before-arc")
        shutil.rmtree(old_sql, ignore_errors=True)
        os.mkdir(old_sql)
        for name in os.listdir(os.path.join(hs.top_srcdir(), "sql")):
            if name.endswith(".sql") and name < "0007":
                shutil.copy(os.path.join(hs.top_srcdir(), "sql", name), old_sql)
        dsn = self.pg.create_database("store_old")
        try:
            proc = subprocess.run([self.tool, "db", "upgrade", "--database", dsn, "--sql-dir", old_sql],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            spool = self.spool("old-schema")
            cmd = [self.driver, "--database", dsn, "--spool", spool, "--count", "50", "--threads", "2",
                   "--drain", "2"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 75, "got %d, want 75 (nothing committed)" % proc.returncode)
            self.assertIn("database schema is version 6, this dmarc-milter needs", proc.stderr)
            self.assertIn("run dmarc-reports db upgrade", proc.stderr)
            self.upgrade_database(dsn)
            proc = subprocess.run(cmd[:5] + ["--count", "0", "--drain", "120"], capture_output=True, text=True,
                                  timeout=180)
            self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
            self.assertEqual(self.pg.psql("SELECT count(*), count(*) FILTER (WHERE arc_result = 'pass') FROM verdict",
                                          dbname="store_old"), "50|7")
        finally:
            self.pg.psql('DROP DATABASE IF EXISTS "store_old" WITH (FORCE)')

    def test_10_daily_report_is_one_indexed_group_by(self):
        """One day's aggregate rows for one domain come from verdict_policy_received_idx (the day's partition)."""
        self.run_driver(self.spool("report"), 2000, threads=8)
        # The day the rows were stored on, not today's: a run across midnight
        # would store them on two days. Both of the domain's rows go to the
        # first one's time.
        first = "(SELECT min(received_at) FROM verdict WHERE policy_domain = 'd7.example')"
        self.sql("UPDATE verdict SET received_at = %s WHERE policy_domain = 'd7.example'" % first)
        self.sql("ANALYZE verdict")
        day = "date_trunc('day', %s)" % first
        query = ("SELECT client_ip, disposition_applied, dkim_aligned, spf_aligned, override_reasons, "
                 "from_domain, mail_from_domain, dkim_domains, dkim_selectors, dkim_results, spf_domain, "
                 "spf_scope, spf_result, count(*) FROM verdict WHERE policy_domain = 'd7.example' "
                 "AND received_at >= %s AND received_at < %s + interval '1 day' "
                 "GROUP BY 1,2,3,4,5,6,7,8,9,10,11,12,13" % (day, day))
        plan = self.sql("EXPLAIN " + query)
        # The day partition's copy of verdict_policy_received_idx (sql/0011).
        self.assertRegex(plan, r"Index \w* ?Scan using verdict_[0-9]{8}_policy_domain_received_at_idx")
        counts = [int(line.split("|")[-1]) for line in self.sql(query).splitlines()]
        self.assertEqual(sum(counts), 2)  # messages 7 and 1007


def acked_keys(output):
    return {line.split()[1] for line in output.splitlines() if line.startswith("ack ")}


if __name__ == "__main__":
    unittest.main()
