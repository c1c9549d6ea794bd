"""Failover of the history store to a promoted standby (issue 20).

Two PostgreSQL 15 clusters on 127.0.0.1 in streaming replication (the
standby made by pg_basebackup -R). tests/tools/store-driver plays the milter
with a multi-host connection string and target_session_attrs=read-write.
In the middle of a 10,000-message run the primary turns read-only (the
writer's next batch fails with SQLSTATE 25006), the standby catches up and is
promoted, and the old primary is stopped. Afterwards the new primary must
hold every acknowledged verdict exactly once, and dmarc-reports must work
through the same multi-host string.
"""

import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

from harness import services as hs
from harness.replication import ReplicatedPostgres

DB = "failover"
MILTER_ROLE = "failover_mx"  # member of dmarc_milter: INSERT only
COUNT = 10000
READ_ONLY_ERROR = "cannot execute INSERT in a read-only transaction"


class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="failover-test-")
        os.chmod(cls.root, 0o755)
        cls.pair = ReplicatedPostgres(cls.root, DB)
        cls.primary, cls.standby = cls.pair.primary, cls.pair.standby
        cls.tool = hs.binary("dmarc-reports")
        cls.driver = hs.binary("store-driver")
        cls.pair.start()
        try:
            cls.primary.psql("CREATE ROLE %s LOGIN IN ROLE dmarc_milter" % MILTER_ROLE)
        except BaseException:
            cls.pair.remove()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.pair.remove()

    def multi_host(self, user):
        return self.pair.multi_host(user)

    def count_on(self, node):
        return int(node.psql("SELECT count(*) FROM verdict", dbname=DB))

    def log_says(self, node, text):
        with open(node.logfile, errors="replace") as handle:
            return text in handle.read()

    def switch_over(self):
        """Primary read-only, standby caught up and promoted, old primary
        stopped. Returns the seconds from the first insert refused as
        read-only, and from the promotion, to the first verdict written on the
        new primary."""
        primary, standby = self.primary, self.standby
        primary.psql("ALTER SYSTEM SET default_transaction_read_only = on")
        primary.psql("SELECT pg_reload_conf()")
        # The writer has one connection: once one of its inserts failed on the
        # read-only primary, libpq (read-write wanted) connects to neither node,
        # so nothing more can commit on the old primary.
        hs.wait_until(lambda: self.log_says(primary, READ_ONLY_ERROR), 60, "an insert refused as read-only")
        refused = time.monotonic()
        self.pair.wait_replayed()
        before = self.count_on(standby)
        hs.run([os.path.join(standby.bindir, "pg_ctl"), "-D", standby.data, "-w", "promote"], user=standby.user)
        promoted = time.monotonic()
        primary.stop()
        hs.wait_until(lambda: self.count_on(standby) > before, 120, "a verdict on the new primary")
        now = time.monotonic()
        return now - refused, now - promoted

    def test_01_promoted_standby_gets_every_verdict_once(self):
        """10,000 verdicts, switchover mid-run: the new primary has each exactly once."""
        spool = os.path.join(self.root, "spool")
        proc = subprocess.Popen([self.driver, "--database", self.multi_host(MILTER_ROLE), "--spool", spool,
                                 "--count", str(COUNT), "--threads", "16", "--rate", "2000", "--drain", "120"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        acks, lines = set(), []
        started = threading.Event()

        def read():
            for line in proc.stdout:
                lines.append(line)
                if line.startswith("ack "):
                    acks.add(line.split()[1])
                    if len(acks) >= COUNT // 4:
                        started.set()
            started.set()

        reader = threading.Thread(target=read)
        reader.start()
        try:
            started.wait(120)
            self.assertLess(len(acks), COUNT, "got a run too short to fail over in")
            stalled, delay = self.switch_over()
            print("switched over after %d acks" % len(acks), flush=True)
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
            reader.join()
        err = proc.stderr.read()
        self.assertEqual(proc.returncode, 0, "store-driver: %s %s" % ("".join(lines[-3:]), err[-3000:]))
        self.assertIn("[25006]", err, "got no log line about the read-only primary")
        self.assertIn("reachable again at 127.0.0.1:%d" % self.standby.port, err,
                      "got no log line naming the new primary")
        print("failover: first verdict on the new primary %.2f s after the promotion, %.2f s after the first "
              "insert refused as read-only" % (delay, stalled), flush=True)
        self.assertEqual(len(acks), COUNT)
        total, distinct = self.standby.psql("SELECT count(*), count(DISTINCT message_key) FROM verdict",
                                            dbname=DB).split("|")
        self.assertEqual((int(total), int(distinct)), (COUNT, COUNT))
        stored = set(self.standby.psql("SELECT message_key FROM verdict", dbname=DB).split())
        self.assertTrue(stored == acks, "got stored keys that differ from the acknowledged ones")
        self.check_reports_after_failover()

    def check_reports_after_failover(self):
        """dmarc-reports through the multi-host string reaches the new primary."""
        proc = subprocess.run([self.tool, "summary", "--database", self.multi_host("postgres"), "--days", "1",
                               "--time-zone", "UTC", "--json"], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, "summary: %s%s" % (proc.stdout, proc.stderr))
        sections = json.loads(proc.stdout)["sections"]
        seen = sum(row["messages"] for row in sections["inbound_tls_versions"])
        self.assertEqual(seen, COUNT, "got a summary without the %d verdicts:\n%s" % (COUNT, proc.stdout[:3000]))

if __name__ == "__main__":
    unittest.main()
