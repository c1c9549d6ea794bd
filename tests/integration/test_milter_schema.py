"""A milter newer than the database schema keeps its verdicts until the upgrade.

The database is migrated only up to 0011 (before the ARC result temperror
of 0012 and the grant of 0013); the milter, which needs the highest
migration, writes nothing, keeps every verdict in its spool and logs what
to run. After `dmarc-reports db upgrade` every verdict arrives, once.
"""

import os
import shutil
import subprocess
import unittest
import uuid

from harness import services as hs
from integration.milter_support import MilterProcess, send_raw

DB = "milterschema"
ROLE = "milterschema_mx"
DOMAIN = "schema.mt.example"
OLD_SCHEMA = 11  # the last migration applied before the milter starts
MESSAGES = 5
NEEDS = "this dmarc-milter needs"


class SchemaTooOldTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.pg = cls.s.postgres
        cls.dsn = cls.pg.create_database(DB)
        sql = os.path.join(hs.top_srcdir(), "sql")
        cls.old_sql = cls.s.path("milter-schema", "sql")
        os.makedirs(cls.old_sql, exist_ok=True)
        for name in os.listdir(sql):
            if name.endswith(".sql") and int(name[:4]) <= OLD_SCHEMA:
                shutil.copy(os.path.join(sql, name), cls.old_sql)
        cls.upgrade(cls.old_sql)
        cls.pg.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
                    "CREATE ROLE %s LOGIN IN ROLE dmarc_milter; END IF; END$$" % (ROLE, ROLE))
        cls.s.dns.add_records([
            (DOMAIN, "TXT", "v=spf1 ip4:198.51.100.7 -all"),
            ("_dmarc." + DOMAIN, "TXT", "v=DMARC1; p=none"),
        ])

    @classmethod
    def upgrade(cls, sql_dir):
        proc = subprocess.run([hs.binary("dmarc-reports"), "db", "upgrade", "--database", cls.dsn,
                               "--sql-dir", sql_dir], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade failed: %s%s" % (proc.stdout, proc.stderr))

    def setUp(self):
        self.sock = self.s.path("milter-schema", "milter.sock")
        self.milter = MilterProcess(self.s, "schema", "Database %s\nSpoolDurability fsync"
                                    % self.pg.dsn(DB, ROLE), socket=self.sock).start()
        self.addCleanup(self.stop_milter)

    def stop_milter(self):
        status = self.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, self.milter.log()[-5000:]))

    def send(self, n):
        headers = [(b"From", ("a@%s" % DOMAIN).encode()),
                   (b"Message-ID", ("<%s@schema.test>" % uuid.uuid4().hex).encode()),
                   (b"Date", b"Sat, 28 Nov 2026 12:00:00 +0000"),
                   (b"Subject", b"schema %d" % n)]
        return send_raw(self.sock, headers, mail_from=("<b@%s>" % DOMAIN).encode(),
                        queue_id=b"QSCHEMA%d" % n)

    def rows(self):
        return self.pg.psql("SELECT count(*), count(DISTINCT message_key) FROM verdict "
                            "WHERE from_domain = '%s'" % DOMAIN, dbname=DB)

    def test_verdicts_wait_for_the_upgrade_and_arrive_once(self):
        for n in range(MESSAGES):
            self.assertEqual(self.send(n), "accept")
        hs.wait_until(lambda: NEEDS in self.milter.log(), 30, "the line asking for the upgrade")
        log = self.milter.log()
        highest = max(int(name[:4]) for name in os.listdir(os.path.join(hs.top_srcdir(), "sql"))
                      if name.endswith(".sql"))
        self.assertIn("this dmarc-milter needs %d: run dmarc-reports db upgrade" % highest, log)
        self.assertIn("verdicts are kept in the spool", log)
        self.assertNotIn("refused verdict", log)
        # Written only after the spool append: every verdict is kept, none stored.
        self.assertEqual(self.milter.count("history=durable"), MESSAGES)
        self.assertEqual(self.rows(), "0|0")

        self.upgrade(os.path.join(hs.top_srcdir(), "sql"))
        want = "%d|%d" % (MESSAGES, MESSAGES)
        hs.wait_until(lambda: self.rows() == want, 90, "every verdict in the database after the upgrade")
        hs.wait_until(lambda: "history database reachable again" in self.milter.log(), 30,
                      "the line saying the writer writes again")
        self.assertEqual(self.milter.count(NEEDS), 1)  # one line per outage, however many retries
        self.assertNotIn("refused verdict", self.milter.log())
        self.assertEqual(self.rows(), want)
