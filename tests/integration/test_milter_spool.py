"""A full history spool recovers when the database returns (issue 22, item 1).

The milter writes to the harness PostgreSQL through its spool. PostgreSQL is
stopped, messages go through the milter (a raw milter client) until the
spool is full, PostgreSQL starts again, and new messages must be accepted
and stored again within seconds: at the smallest SpoolMaxSize the key
allows, under both SpoolFullAction values, and with the spool on a nearly
full file system (a small tmpfs, mounted here: the harness runs as root in
a private mount namespace), at SpoolMaxSize 1 and at the default size. Before
the fixes the spool stayed full until the milter was restarted.

Each message carries many recipient domains and a long HELO, so that a
verdict takes several kilobytes and a megabyte of spool fills quickly.
"""

import os
import subprocess
import time
import unittest
import uuid

from harness import services as hs
from integration.milter_support import MilterProcess, send_raw, milter_history_database

DB = "milterspool"
ROLE = "milterspool_mx"
DOMAIN = "spool.mt.example"
# The recovery the issue asks for is "within seconds": the writer tries the
# database at least every 2 s while the spool is full.
RECOVERY_SECONDS = 15


class SpoolRecoveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.pg = cls.s.postgres
        milter_history_database(DB, ROLE)
        cls.s.dns.add_records([
            (DOMAIN, "TXT", "v=spf1 ip4:198.51.100.7 -all"),
            ("_dmarc." + DOMAIN, "TXT", "v=DMARC1; p=none"),
        ])
        cls.counter = 0

    def setUp(self):
        if not self.pg.started:
            self.pg.start()
        self.pg.psql("TRUNCATE verdict CASCADE", dbname=DB)  # and failure samples
        self.milter = None
        self.addCleanup(self.cleanup)

    def cleanup(self):
        if not self.pg.started:
            self.pg.start()
        if self.milter is not None:
            milter, self.milter = self.milter, None
            status = milter.stop()
            if status != 0:
                raise AssertionError("milter exited with %r:\n%s" % (status, milter.log()[-5000:]))

    def start_milter(self, config, size="SpoolMaxSize 1"):
        self.sock = self.s.path("milter-spool", "%s.sock" % self._testMethodName)
        self.milter = MilterProcess(self.s, "spool", "Database %s\n%s\n%s" % (
            self.pg.dsn(DB, ROLE), size, config), socket=self.sock).start()

    def send(self):
        """One message of a few kilobytes of verdict; its final reply."""
        type(self).counter += 1
        n = self.counter
        rcpts = tuple(b"<u%d@r%03d.%s.rcpt.example>" % (n, i, b"x" * 40) for i in range(60))
        headers = [(b"From", ("a@%s" % DOMAIN).encode()),
                   (b"Message-ID", ("<%s@spool.test>" % uuid.uuid4().hex).encode()),
                   (b"Date", b"Sat, 28 Nov 2026 12:00:00 +0000"),
                   (b"Subject", b"spool %d" % n)]
        return send_raw(self.sock, headers, mail_from=("<b@%s>" % DOMAIN).encode(),
                        helo=b"h" * 1000 + b".example", rcpts=rcpts, queue_id=b"QSPOOL%d" % n)

    def rows(self):
        return int(self.pg.psql("SELECT count(*) FROM verdict WHERE from_domain = '%s'" % DOMAIN, dbname=DB))

    def history(self, outcome):
        return self.milter.log().count("history=%s" % outcome)

    def fill(self, full):
        """With the database stopped, sends until full(reply) says the spool is
        full; returns the number of messages whose verdict was kept."""
        self.pg.stop()
        for sent in range(5000):
            reply = self.send()
            if full(reply):
                return sent
            self.assertEqual(reply, "accept")
        self.fail("the spool never filled")

    def recover(self, kept_before):
        """Starts the database; new messages must be accepted and stored again
        within RECOVERY_SECONDS. Returns the seconds it took."""
        self.pg.start()
        start = time.monotonic()
        durable = self.history("durable")

        def stored_again():
            reply = self.send()
            self.assertIn(reply, ("accept", "tempfail"))
            return reply == "accept" and self.history("durable") > durable

        hs.wait_until(stored_again, RECOVERY_SECONDS, "a message accepted and its verdict kept after the "
                      "database returned")
        took = time.monotonic() - start
        hs.wait_until(lambda: self.rows() >= kept_before + 1, RECOVERY_SECONDS,
                      "every verdict kept during the outage and the new one in the database")
        return took

    def logged(self, text):
        return text in self.milter.log()

    def test_tempfail_recovers_at_the_smallest_size(self):
        self.start_milter("SpoolFullAction tempfail")
        self.assertEqual(self.send(), "accept")
        hs.wait_until(lambda: self.rows() == 1, 30, "the first verdict row")
        rows = 1
        # The first outage starts with an empty spool; the second with one
        # whose active segment holds verdicts the database already has.
        for outage in (1, 2):
            kept = self.fill(lambda reply: reply == "tempfail")
            self.assertGreater(kept, 50, "got a spool of 1 MB full after %d messages" % kept)
            for _ in range(5):
                self.assertEqual(self.send(), "tempfail")
            took = self.recover(rows + kept)
            rows = self.rows()
            print("\n    outage %d: %d verdicts spooled; accepted and stored again %.1f s after the "
                  "database started" % (outage, kept, took), flush=True)
        # Counted and logged: those before the database came back and any
        # while the writer reconnected.
        self.assertTrue(self.logged("1 verdict(s) since the last such line"),
                        "got no log line with the count for the first verdict refused")
        self.assertTrue(self.logged("takes verdicts again"), "got no line when the spool took verdicts again")
        self.assertEqual(self.milter.log().count("verdict(s) refused (messages tempfailed) while it was full"), 2)

    def test_accept_counts_and_logs_what_it_drops_then_recovers(self):
        self.start_milter("SpoolFullAction accept")
        rows = 0
        for outage in (1, 2):
            dropped = self.history("dropped")
            kept = self.fill(lambda reply: self.history("dropped") > dropped)
            self.assertGreater(kept, 50)
            for _ in range(20):
                self.assertEqual(self.send(), "accept")
            self.assertEqual(self.history("dropped"), dropped + 21)
            self.recover(rows + kept)
            rows = self.rows()
            self.assertTrue(self.logged("takes verdicts again; %d verdict(s) not kept while it was full"
                                        % (self.history("dropped") - dropped)),
                            "got no line with the count of verdicts not kept in outage %d" % outage)
        self.assertTrue(self.logged("history spool full ("), "got no line saying the spool is full")
        self.assertTrue(self.logged("1 verdict(s) since the last such line"),
                        "got no log line with the count for the first verdict not kept")

    def nearly_full_file_system(self, size, free):
        """A tmpfs of `size` (mount's notation) with `free` bytes left; the
        spool directory on it."""
        mount = self.s.path("milter-spool", "tmpfs-%s" % self._testMethodName)
        os.makedirs(mount, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", mount], check=True)

        def unmount():
            self.cleanup()  # the milter holds the spool open
            subprocess.run(["umount", mount], check=True)

        self.addCleanup(unmount)
        st = os.statvfs(mount)
        ballast = st.f_bavail * st.f_frsize - free
        with open(os.path.join(mount, "ballast"), "wb") as handle:
            handle.write(b"\1" * ballast)
        return os.path.join(mount, "spool")

    def test_nearly_full_file_system(self):
        # Leave 400 KB free: less than SpoolMaxSize (1 MB), so that the disk
        # fills first.
        spool = self.nearly_full_file_system("2m", 400 * 1024)
        self.start_milter("SpoolFullAction tempfail\nSpoolDirectory %s" % spool)
        kept = self.fill(lambda reply: reply == "tempfail")
        self.assertGreater(kept, 20)
        self.assertTrue(self.logged("No space left on device"), "got no line saying the disk is full")
        for _ in range(5):
            self.assertEqual(self.send(), "tempfail")
        took = self.recover(kept)
        print("\n    %d verdicts spooled before the disk was full; accepted and stored again %.1f s "
              "after the database started" % (kept, took), flush=True)
        # And again.
        rows = self.rows()
        kept = self.fill(lambda reply: reply == "tempfail")
        self.recover(rows + kept)


    def test_nearly_full_file_system_at_the_default_size(self):
        """The reported case: SpoolMaxSize at its default and 3 MB free. The
        whole outage fits in the one segment being written when the disk
        filled; before the fix its removed file kept its blocks (an open
        descriptor waiting for a group commit that never came) and every
        message got 451 until a restart."""
        spool = self.nearly_full_file_system("8m", 3 << 20)
        self.start_milter("SpoolFullAction tempfail\nSpoolDirectory %s" % spool, size="")
        rows = 0
        for outage in (1, 2):
            kept = self.fill(lambda reply: reply == "tempfail")
            self.assertGreater(kept, 100)
            took = self.recover(rows + kept)
            rows = self.rows()
            print("\n    outage %d: %d verdicts spooled before the disk was full; accepted and stored again "
                  "%.1f s after the database started" % (outage, kept, took), flush=True)


if __name__ == "__main__":
    unittest.main()
