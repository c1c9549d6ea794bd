"""What works behind PgBouncer (issue 20): the milter's writer through a
pool in transaction mode; the report runs' advisory lock only through a
session pool or a direct connection.

PgBouncer (Debian 12: 1.18, which keeps no prepared statements across
server connections in transaction mode) runs on 127.0.0.1 in front of the
harness PostgreSQL with ONE server connection per pool, so that two
writers, standing for two MX hosts, take turns on the same server session
for every transaction. tests/tools/store-driver plays each milter.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import unittest

from harness import services as hs
from integration.reports_util import REPORTER, ReportsDatabase, verdict_sql

DB = "pooler"
MILTER_ROLE = "pooler_mx"  # member of dmarc_milter: INSERT only
COUNT = 3000  # per writer


class PoolerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = ReportsDatabase(DB)
        cls.db.sql("DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN IN ROLE dmarc_milter" % (MILTER_ROLE, MILTER_ROLE))
        cls.root = tempfile.mkdtemp(prefix="pooler-test-")
        os.chmod(cls.root, 0o755)
        cls.bouncer = hs.PgBouncer(cls.root, cls.db.pg, DB, ["postgres", MILTER_ROLE])
        try:
            cls.bouncer.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.bouncer.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def test_01_writers_through_a_transaction_pool(self):
        """Two writers, one server connection in transaction mode: every verdict stored once."""
        results = {}

        def writer(host):
            results[host] = subprocess.run(
                [hs.binary("store-driver"), "--database", self.bouncer.dsn("transaction", MILTER_ROLE), "--spool",
                 os.path.join(self.root, "spool-" + host), "--host", host, "--count", str(COUNT), "--threads", "8",
                 "--drain", "120", "--quiet"], capture_output=True, text=True, timeout=300)

        threads = [threading.Thread(target=writer, args=(host,)) for host in ("mx1.test", "mx2.test")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for host, proc in results.items():
            self.assertEqual(proc.returncode, 0, "%s: %s %s" % (host, proc.stdout, proc.stderr[-3000:]))
            self.assertNotIn("prepared statement", proc.stderr)
        rows = self.db.sql("SELECT reporting_host, count(*), count(DISTINCT message_key) FROM verdict "
                           "GROUP BY 1 ORDER BY 1")
        self.assertEqual(rows.splitlines(), ["mx1.test|%d|%d" % (COUNT, COUNT), "mx2.test|%d|%d" % (COUNT, COUNT)])

    def send(self, pool, *args):
        out = tempfile.mkdtemp(dir=self.root)
        return subprocess.run([self.db.tool, "send", "--database", self.bouncer.dsn(pool, "postgres"), "--email",
                               REPORTER, "--day", "2026-11-27", "--output-dir", out, "--lock-wait", "0"] + list(args),
                              capture_output=True, text=True, timeout=300), out

    def test_02_the_report_lock_refuses_a_transaction_pool(self):
        """send through the transaction pool stops before taking the lock (EX_CONFIG)."""
        proc, out = self.send("transaction")
        self.assertEqual(proc.returncode, 78, proc.stdout + proc.stderr)
        self.assertIn("does not keep its server session between transactions", proc.stderr)
        self.assertIn("needs a direct connection or a pool in session mode", proc.stderr)
        self.assertEqual(os.listdir(out), [])
        # and no lock was left behind on the pool's server connection
        self.assertEqual(self.db.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), "0")

    def test_03_report_runs_through_a_session_pool(self):
        """send and send-failures through the session pool work as on a direct connection."""
        self.db.sql(verdict_sql("pooled.test", count=4))
        proc, out = self.send("session")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(len(os.listdir(out)), 1)
        failures = subprocess.run([self.db.tool, "send-failures", "--database", self.bouncer.dsn("session", "postgres"),
                                   "--email", REPORTER, "--no-redaction", "--output-dir", self.root, "--lock-wait",
                                   "0"], capture_output=True, text=True, timeout=300)
        self.assertEqual(failures.returncode, 0, failures.stdout + failures.stderr)
        refused = subprocess.run([self.db.tool, "send-failures", "--database",
                                  self.bouncer.dsn("transaction", "postgres"), "--email", REPORTER, "--no-redaction",
                                  "--output-dir", self.root, "--lock-wait", "0"],
                                 capture_output=True, text=True, timeout=300)
        self.assertEqual(refused.returncode, 78, refused.stdout + refused.stderr)


if __name__ == "__main__":
    unittest.main()
