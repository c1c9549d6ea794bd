#!/usr/bin/python3
"""Benchmark of the history store (issue 6): sustained verdicts per second
written to PostgreSQL, with durability on (fsync group commit) and off.

Not part of make check. Runs tests/tools/store-driver (32 concurrent
"sessions" by default, like 32 SMTP connections) against a private
PostgreSQL started in a temporary directory (tests/harness/services.py), or
against --database CONNINFO (an existing, `db upgrade`d database; use this to
measure with the server's fsync on, since the harness cluster runs with
fsync=off).

For each mode it prints:
  store/s   how fast the sessions get through VerdictStore::store() (the
            milter-side cost of the history: spool write + group fsync)
  commit/s  sustained rate until every verdict is committed in PostgreSQL
  CPU       CPU time per verdict of the writer process and (own cluster
            only) of the PostgreSQL server: on a shared, loaded machine the
            wall-clock rates understate what an idle core achieves
Usage: bench_store.py [--count N] [--threads T] [--database CONNINFO [--pgdata DIR]]
                      [--modes fsync,relaxed,memory]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import services as hs  # noqa: E402


def server_cpu_seconds(pg):
    """CPU seconds used so far by the cluster: the postmaster, its live
    children and (cutime/cstime) the children it has reaped."""
    if pg is None:
        return None
    with open(os.path.join(pg.data, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == postmaster:
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def run_mode(driver, dsn, mode, count, threads, workdir, pg):
    spool = os.path.join(workdir, "spool-" + mode)
    shutil.rmtree(spool, ignore_errors=True)
    before_server = server_cpu_seconds(pg)
    before_client = os.times()
    proc = subprocess.run([driver, "--database", dsn, "--spool", spool, "--durability", mode, "--count",
                           str(count), "--threads", str(threads), "--queue", str(count), "--quiet",
                           "--drain", "600"], capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise SystemExit("store-driver failed (%d): %s %s" % (proc.returncode, proc.stdout, proc.stderr[-2000:]))
    after_client = os.times()
    after_server = server_cpu_seconds(pg)
    fields = dict(item.split("=") for item in proc.stdout.split()[1:])
    client_cpu = (after_client.children_user - before_client.children_user +
                  after_client.children_system - before_client.children_system)
    server_cpu = None if pg is None else after_server - before_server
    return float(fields["store_rate"]), float(fields["commit_rate"]), client_cpu / count, (
        None if server_cpu is None else server_cpu / count)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database")
    parser.add_argument("--pgdata", help="data directory of the --database cluster, to measure its CPU")
    parser.add_argument("--modes", default="fsync,relaxed,memory")
    args = parser.parse_args()

    driver = hs.binary("store-driver")
    workdir = tempfile.mkdtemp(prefix="bench-store-")
    os.chmod(workdir, 0o755)  # the postgres user must reach its cluster directory
    pg = None
    pg_cpu = None
    try:
        dsn = args.database
        if dsn and args.pgdata:
            pg_cpu = argparse.Namespace(data=args.pgdata)
        if not dsn:
            pg = hs.Postgres(workdir)
            pg.start()
            pg_cpu = pg
            dsn = pg.create_database("bench")
            subprocess.run([hs.binary("dmarc-reports"), "db", "upgrade", "--database", dsn, "--sql-dir",
                            os.path.join(hs.top_srcdir(), "sql")], check=True, capture_output=True)
        print("history store benchmark: %d verdicts, %d concurrent sessions, load average %s" % (
            args.count, args.threads, " ".join(open("/proc/loadavg").read().split()[:3])))
        results = {}
        for mode in args.modes.split(","):
            store_rate, commit_rate, client, server = run_mode(driver, dsn, mode, args.count, args.threads,
                                                               workdir, pg_cpu)
            results[mode] = (store_rate, commit_rate)
            line = "  %-8s store/s %9.0f   commit/s %8.0f   writer CPU %5.1f us/verdict" % (
                mode, store_rate, commit_rate, client * 1e6)
            if server is not None:
                # What one idle core of PostgreSQL could absorb, whatever
                # else this (shared) machine was doing during the run.
                line += "   server CPU %5.1f us/verdict (= %.0f/s per core)" % (server * 1e6, 1 / server)
            print(line, flush=True)
        if "fsync" in results and "memory" in results:
            print("  store() with 32 sessions: fsync %.0f/s = %.0f%% of memory mode" % (
                results["fsync"][0], 100 * results["fsync"][0] / results["memory"][0]))
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
