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
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import services as hs

DB = "failover"
MILTER_ROLE = "failover_mx"  # member of dmarc_milter: INSERT only
COUNT = 10000
READ_ONLY_ERROR = "cannot execute INSERT in a read-only transaction"


class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="failover-test-")
        os.chmod(cls.root, 0o755)
        cls.primary = hs.Postgres(cls.root, name="primary", tcp_port=hs.free_port())
        cls.standby = hs.Postgres(cls.root, name="standby", tcp_port=hs.free_port())
        cls.tool = hs.binary("dmarc-reports")
        cls.driver = hs.binary("store-driver")
        try:
            cls.set_up_primary()
            cls.set_up_standby()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up_primary(cls):
        cls.primary.start()
        cls.primary.create_database(DB)
        proc = subprocess.run([cls.tool, "db", "upgrade", "--database", cls.primary.dsn(DB), "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade: %s%s" % (proc.stdout, proc.stderr))
        cls.primary.psql("CREATE ROLE %s LOGIN IN ROLE dmarc_milter" % MILTER_ROLE)

    @classmethod
    def set_up_standby(cls):
        standby = cls.standby
        os.makedirs(standby.dir, exist_ok=True)
        standby._own(standby.dir)
        hs.run([os.path.join(standby.bindir, "pg_basebackup"), "-h", "127.0.0.1", "-p", str(cls.primary.port),
                "-U", "postgres", "-D", standby.data, "-R", "-X", "stream", "--no-sync"], user=standby.user)
        standby.start()
        hs.wait_until(lambda: cls.primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = "
                                               "'streaming'") == "1", 60, "the standby to stream")
        if standby.psql("SELECT pg_is_in_recovery()") != "t":
            raise AssertionError("got a standby that is not in recovery")

    @classmethod
    def tearDownClass(cls):
        cls.standby.stop("immediate")
        cls.primary.stop("immediate")
        shutil.rmtree(cls.root, ignore_errors=True)

    def multi_host(self, user):
        return ("host=127.0.0.1,127.0.0.1 port=%d,%d dbname=%s user=%s target_session_attrs=read-write" %
                (self.primary.port, self.standby.port, DB, user))

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
        end = primary.psql("SELECT pg_current_wal_lsn()")
        hs.wait_until(lambda: standby.psql("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn" % end) == "t", 60,
                      "the standby to replay the primary's last commit")
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
