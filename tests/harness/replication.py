"""Two PostgreSQL 15 clusters in streaming replication, for the tests of a
replicated history store (failover, reports read from a standby).

Both listen on 127.0.0.1 (replication and multi-host strings need TCP) as
well as on their private sockets. The standby is made by pg_basebackup -R
from the primary after the test database got its schema, so it starts as a
hot standby that streams everything the primary writes afterwards.
"""

import os
import shutil
import subprocess

from harness import services as hs


class ReplicatedPostgres:
    """A primary and its hot standby under `root`, with database `dbname`
    created and upgraded to the schema of sql/ on the primary."""

    def __init__(self, root, dbname):
        self.root = root
        self.dbname = dbname
        self.primary = hs.Postgres(root, name="primary", tcp_port=hs.free_port())
        self.standby = hs.Postgres(root, name="standby", tcp_port=hs.free_port())

    def start(self):
        """Starts both; on failure stops whatever runs and raises."""
        try:
            self._start_primary()
            self._start_standby()
        except BaseException:
            self.stop()
            raise

    def _start_primary(self):
        self.primary.start()
        self.primary.create_database(self.dbname)
        proc = subprocess.run([hs.binary("dmarc-reports"), "db", "upgrade", "--database",
                               self.primary.dsn(self.dbname), "--sql-dir", os.path.join(hs.top_srcdir(), "sql")],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade: %s%s" % (proc.stdout, proc.stderr))

    def _start_standby(self):
        standby = self.standby
        os.makedirs(standby.dir, exist_ok=True)
        standby._own(standby.dir)
        hs.run([os.path.join(standby.bindir, "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
                "-U", "postgres", "-D", standby.data, "-R", "-X", "stream", "--no-sync"], user=standby.user)
        standby.start()
        hs.wait_until(lambda: self.primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = "
                                                "'streaming'") == "1", 60, "the standby to stream")
        if standby.psql("SELECT pg_is_in_recovery()") != "t":
            raise AssertionError("got a standby that is not in recovery")

    def stop(self):
        """Stops both clusters (immediately: the tests keep nothing)."""
        self.standby.stop("immediate")
        self.primary.stop("immediate")

    def remove(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_replayed(self, timeout=60):
        """Waits until the standby has replayed the primary's WAL up to
        where it is now; returns that position."""
        end = self.primary.psql("SELECT pg_current_wal_lsn()")
        hs.wait_until(lambda: self.standby.psql("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn" % end) == "t", timeout,
                      "the standby to replay the primary's WAL up to %s" % end)
        return end

    def dsn(self, node, user="postgres"):
        """A TCP connection string of one node's test database."""
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (node.port, self.dbname, user)

    def multi_host(self, user):
        """Both nodes in one string; libpq picks the one that accepts writes."""
        return ("host=127.0.0.1,127.0.0.1 port=%d,%d dbname=%s user=%s target_session_attrs=read-write" %
                (self.primary.port, self.standby.port, self.dbname, user))
