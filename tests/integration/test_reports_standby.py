"""`dmarc-reports send --read-database`: the verdicts read from a hot
standby, the lock and the bookkeeping on the primary (issue 20).

Two PostgreSQL 15 clusters in streaming replication (harness/replication.py).
The standby's connection uses a role that may only SELECT from verdict, so a
write, or any read of the bookkeeping, through it would fail the run; the
standby being in recovery refuses writes as well. Replay is paused on the
standby to make it lag: a run that cannot wait reads from the primary, one
that waits reads from the standby once it has caught up.
"""

import glob
import gzip
import os
import re
import subprocess
import tempfile
import unittest

from harness import services as hs
from harness.replication import ReplicatedPostgres
from integration.reports_util import REPORTER, records, verdict_sql

DB = "standby_reports"
READER = "standby_reader"  # SELECT on verdict, nothing else
LOCK_KEY = 0x646D617263736E64  # reporting/run_lock.hh
DOMAINS = ["alpha.test", "beta.test", "gamma.test"]


def day_rows(day, domains, salt=0):
    """SQL for a few groups of verdicts per domain on `day`."""
    sql = []
    for n, domain in enumerate(domains):
        at = "%sT%02d:00:00Z" % (day, 3 + n)
        sql.append(verdict_sql(domain, received_at=at, count=5 + n + salt))
        sql.append(verdict_sql(domain, received_at=at, client_ip="198.51.100.%d" % (n + 1), spf_aligned=False,
                               dmarc_result="fail", disposition_applied="reject", count=2 + salt))
        sql.append(verdict_sql(domain, received_at=at, client_ip="2001:db8::%d" % (n + 1), dkim_aligned=False,
                               dkim_results=["fail"], count=1))
    return "".join(sql)


class StandbyReportsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="standby-reports-test-")
        os.chmod(cls.root, 0o755)
        cls.pair = ReplicatedPostgres(cls.root, DB)
        cls.primary, cls.standby = cls.pair.primary, cls.pair.standby
        cls.tool = hs.binary("dmarc-reports")
        cls.pair.start()
        try:
            cls.sql("CREATE ROLE %s LOGIN; GRANT SELECT ON verdict TO %s" % (READER, READER))
            cls.sql(day_rows("2026-11-27", DOMAINS))
            cls.pair.wait_replayed()
        except BaseException:
            cls.pair.remove()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.pair.remove()

    @classmethod
    def sql(cls, query, node=None):
        return (node or cls.primary).psql(query, dbname=DB)

    def send(self, day, *args, standby=True, wait=True):
        """Runs (or, wait=False, starts) send --output-dir into a new directory."""
        out = tempfile.mkdtemp(dir=self.root)
        cmd = [self.tool, "send", "--database", self.pair.dsn(self.primary), "--email", REPORTER, "--day", day,
               "--output-dir", out, "-v"]
        if standby:
            cmd += ["--read-database", self.pair.dsn(self.standby, READER)]
        cmd += list(args)
        env = dict(os.environ)
        env.pop("DMARC_READ_DATABASE", None)
        if not wait:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env), out
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        return proc, out

    def shown(self, node):
        """How the tool names the standby's connection in its log lines."""
        return "user='%s' dbname='%s' host='127.0.0.1' port='%d'" % (READER, DB, node.port)

    def reports(self, out):
        """{policy domain: report XML with its report_id blanked}."""
        found = {}
        for path in glob.glob(os.path.join(out, "*.xml.gz")):
            with open(path, "rb") as handle:
                xml = gzip.decompress(handle.read())
            found[os.path.basename(path).split("!")[1]] = re.sub(rb"<report_id>[^<]*</report_id>",
                                                                 b"<report_id/>", xml)
        return found

    def messages(self, xml):
        return sum(r["count"] for r in records(xml)[1])

    def assertRan(self, proc):
        self.assertEqual(proc.returncode, 0, "send: %s%s" % (proc.stdout, proc.stderr))

    def test_01_standby_reports_equal_primary_reports(self):
        """Byte for byte the same reports from the standby and from the primary."""
        from_primary, out_primary = self.send("2026-11-27", standby=False)
        self.assertRan(from_primary)
        self.assertNotIn("reading the verdicts from", from_primary.stdout)
        from_standby, out_standby = self.send("2026-11-27")
        self.assertRan(from_standby)
        self.assertIn("reading the verdicts from %s, a standby at " % self.shown(self.standby), from_standby.stdout)
        self.assertNotIn("warning", from_standby.stdout + from_standby.stderr)
        primary, standby = self.reports(out_primary), self.reports(out_standby)
        self.assertEqual(sorted(primary), DOMAINS)
        self.assertEqual(primary, standby)
        self.assertEqual(self.messages(standby["beta.test"]), 6 + 2 + 1)
        # the bookkeeping is on the primary: one report row per domain, from the first run
        self.assertEqual(self.sql("SELECT count(*) FROM aggregate_report"), "3")

    def test_02_the_lock_is_taken_on_the_primary(self):
        """A lock held on the primary stops the run; one held on the standby does not."""
        for node, held in ((self.primary, True), (self.standby, False)):
            holder = subprocess.Popen(
                [os.path.join(node.bindir, "psql"), "-X", "-A", "-t", "-q", "-d", self.pair.dsn(node)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                holder.stdin.write("SELECT pg_advisory_lock(%d), 'locked';\n" % LOCK_KEY)
                holder.stdin.flush()
                self.assertEqual(holder.stdout.readline().strip(), "|locked")
                proc, _ = self.send("2026-11-27", "--lock-wait", "0")
            finally:
                holder.stdin.close()
                holder.wait(60)
            if held:
                self.assertEqual(proc.returncode, 75, proc.stdout + proc.stderr)
                self.assertIn("another run holds the lock", proc.stderr)
            else:
                self.assertRan(proc)

    def test_03_a_lagging_standby_is_passed_over(self):
        """Replay paused: with no time to wait, the verdicts come from the primary."""
        self.sql("SELECT pg_wal_replay_pause()", self.standby)
        try:
            self.sql(day_rows("2026-11-28", DOMAINS, salt=1))
            proc, out = self.send("2026-11-28", "--read-lag-wait", "0")
        finally:
            self.sql("SELECT pg_wal_replay_resume()", self.standby)
        self.assertRan(proc)
        self.assertRegex(proc.stderr, r"warning: the standby %s has replayed WAL up to \S+, the primary was at \S+ "
                         r"when the run began \(\d+ bytes behind\) after waiting 0 s; reading the verdicts from the "
                         r"primary" % re.escape(self.shown(self.standby)))
        found = self.reports(out)
        self.assertEqual(sorted(found), DOMAINS)
        self.assertEqual(self.messages(found["alpha.test"]), 6 + 3 + 1)

    def test_04_the_run_waits_for_the_standby_to_catch_up(self):
        """Replay paused, then resumed while the run waits: the standby serves it, complete."""
        self.sql("SELECT pg_wal_replay_pause()", self.standby)
        try:
            self.sql(day_rows("2026-11-29", DOMAINS[:2], salt=4))
            proc, out = self.send("2026-11-29", "--read-lag-wait", "120", wait=False)
            # The run has taken its lock and the primary's position once its
            # standby connection shows up.
            hs.wait_until(lambda: self.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                           "'dmarc-reports send (reads)'", self.standby) == "1", 60,
                          "the run's connection to the standby")
        finally:
            self.sql("SELECT pg_wal_replay_resume()", self.standby)
        stdout, stderr = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 0, stdout + stderr)
        self.assertIn(", a standby at ", stdout)
        self.assertNotIn("warning", stdout + stderr)
        found = self.reports(out)
        self.assertEqual(sorted(found), DOMAINS[:2])
        self.assertEqual(self.messages(found["beta.test"]), 10 + 6 + 1)

    def test_05_an_unreachable_standby_is_passed_over(self):
        """No server at the standby's address: a warning, and the primary serves."""
        dead = "host=127.0.0.1 port=%d dbname=%s user=%s connect_timeout=10" % (hs.free_port(), DB, READER)
        proc, out = self.send("2026-11-27", "--read-database", dead, standby=False)
        self.assertRan(proc)
        self.assertIn("cannot connect to the database", proc.stderr)
        self.assertIn("reading the verdicts from the primary", proc.stderr)
        self.assertEqual(sorted(self.reports(out)), DOMAINS)


if __name__ == "__main__":
    unittest.main()
