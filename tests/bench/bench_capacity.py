#!/usr/bin/python3
"""Capacity of one PostgreSQL server for the history (issue 20).

Not part of make check. Starts a private PostgreSQL 15 with fsync on
(synchronous_commit at its default) in a temporary directory, applies the
schema, and prints:
  writers   sustained verdicts/s of four writers at once (four simulated MX
            hosts: tests/tools/store-driver, the milter's VerdictWriter and
            spool, fsync durability), until every verdict is committed; once
            with identity keys (looked up in the resend window), once random
  bytes     bytes per stored verdict: verdict's partitions, tables and
            indexes (pg_total_relation_size / rows)
  report    `dmarc-reports send --output-dir` over one day of --verdicts
            verdicts and --domains domains (tests/bench/reports_load.sql,
            generated server-side): wall time and the tool's peak RSS
  expire    `dmarc-reports expire` dropping that day's partition
The database is dropped (the temporary directory removed) at the end.

usage: bench_capacity.py [--verdicts N] [--domains N] [--writer-verdicts N]
       bench_capacity.py --report-only [--verdicts N] [--domains N]
--report-only measures the report run alone, over a day loaded in bulk:
the day's table filled unlogged and without indexes (no trigger runs),
then attached as verdict's partition (its indexes built once), as a large
day is loaded in minutes rather than hours. It needs about 0.85 GB of
disk per million verdicts, the other figures about 1 GB.
Targets on the project machine (2 cores): writers >= 20,000/s together;
50 million verdicts over 10,000 domains reported in < 10 min and < 200 MB;
expire of a day < 1 s.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import services as hs  # noqa: E402

DAY = "2026-11-27"
DB = "capacity"


def writers(dsn, root, total, keys):
    """Four store-drivers at once; returns verdicts/s until all committed.
    keys "identity": every verdict has a version 8 key, as a message with a
    Message-ID gets, which the database looks up in the resend window
    (sql/0014_resend_window.sql); "random": version 4, not looked up."""
    procs, results = [], {}
    start = time.monotonic()
    for n in range(4):
        procs.append(subprocess.Popen(
            [hs.binary("store-driver"), "--database", dsn, "--spool", os.path.join(root, "spool-%s-%d" % (keys, n)),
             "--host", "mx%d.example" % n, "--durability", "fsync", "--count", str(total // 4), "--threads", "16",
             "--queue", str(total), "--drain", "1200", "--quiet"] + (["--identity-keys"] if keys == "identity" else []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))

    def wait(n, proc):
        results[n] = proc.communicate()

    threads = [threading.Thread(target=wait, args=(n, p)) for n, p in enumerate(procs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    for n, proc in enumerate(procs):
        if proc.returncode != 0:
            raise SystemExit("store-driver %d failed: %s %s" % (n, results[n][0], results[n][1][-2000:]))
    return (total // 4) * 4 / elapsed, elapsed


def bytes_per_verdict(pg):
    size, rows = pg.psql("SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('verdict')),"
                         " (SELECT count(*) FROM verdict)",
                         dbname=DB).split("|")
    return int(size) / int(rows), int(rows)


def load_day(pg, dsn, verdicts, domains, bulk):
    """One day of verdicts (tests/bench/reports_load.sql), through verdict,
    or in bulk: see --report-only."""
    table = "verdict_" + DAY.replace("-", "")
    if not bulk:
        pg.psql("SELECT verdict_partition_add('%s'::date)" % DAY, dbname=DB)
    else:
        pg.psql("CREATE UNLOGGED TABLE %s (LIKE verdict INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                " INCLUDING STORAGE); ALTER TABLE %s ALTER id SET DEFAULT"
                " nextval(pg_get_serial_sequence('verdict', 'id'))" % (table, table), dbname=DB)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-v", "rows=%d" % verdicts,
                    "-v", "domains=%d" % domains, "-v", "day='%s'" % DAY, "-v", "target=%s" % (
                        table if bulk else "verdict"), "-f",
                    os.path.join(hs.top_srcdir(), "tests", "bench", "reports_load.sql")], check=True)
    if bulk:
        # The CHECK lets ATTACH skip scanning the table; the indexes are built then.
        low = "'%s 00:00:00+00'" % DAY
        high = "'%s 00:00:00+00'" % (datetime.date.fromisoformat(DAY) + datetime.timedelta(days=1))
        pg.psql("SET maintenance_work_mem = '1GB'; ALTER TABLE %s ADD CONSTRAINT %s_day_ck CHECK"
                " (received_at >= %s AND received_at < %s); ALTER TABLE verdict ATTACH PARTITION %s"
                " FOR VALUES FROM (%s) TO (%s); ALTER TABLE %s DROP CONSTRAINT %s_day_ck" % (
                    table, table, low, high, table, low, high, table, table), dbname=DB)
    pg.psql("VACUUM ANALYZE verdict", dbname=DB)


def timed(cmd):
    """(seconds, peak RSS in MB, stdout) of one run of cmd; the RSS is that
    child's own (wait4), whatever else this script started."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed: %s %s" % (cmd[:2], out[-2000:], err[-2000:]))
    return elapsed, usage.ru_maxrss / 1024, out.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verdicts", type=int, default=50_000_000, help="verdicts of the reported day")
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--writer-verdicts", type=int, default=200_000, help="verdicts of the four writers")
    parser.add_argument("--report-only", action="store_true",
                        help="only the report run, over a day loaded in bulk (see above)")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="bench-capacity-")
    os.chmod(root, 0o755)
    pg = hs.Postgres(root, durable=True)
    try:
        pg.start()
        dsn = pg.create_database(DB)
        tool = hs.binary("dmarc-reports")
        subprocess.run([tool, "db", "upgrade", "--database", dsn, "--sql-dir", os.path.join(hs.top_srcdir(), "sql")],
                       check=True, capture_output=True)
        print("capacity benchmark: load average %s, PostgreSQL fsync on" % " ".join(
            open("/proc/loadavg").read().split()[:3]), flush=True)

        if not args.report_only:
            for keys in ("identity", "random"):
                rate, seconds = writers(dsn, root, args.writer_verdicts, keys)
                print("  writers  4 x %d verdicts, %s keys, in %.1f s: %.0f verdicts/s committed" % (
                    args.writer_verdicts // 4, keys, seconds, rate), flush=True)
            per, rows = bytes_per_verdict(pg)
            print("  bytes    %.0f bytes per verdict (tables and indexes, %d rows)" % (per, rows), flush=True)

        start = time.monotonic()
        load_day(pg, dsn, args.verdicts, args.domains, args.report_only)
        print("  loaded   %d verdicts over %d domains in %.0f s%s" % (
            args.verdicts, args.domains, time.monotonic() - start, " (bulk)" if args.report_only else ""),
            flush=True)
        if not args.report_only:
            per, rows = bytes_per_verdict(pg)
            print("  bytes    %.0f bytes per verdict (tables and indexes, %d rows)" % (per, rows), flush=True)
        else:
            size = pg.psql("SELECT pg_size_pretty(sum(pg_total_relation_size(relid)))"
                           " FROM pg_partition_tree('verdict')", dbname=DB)
            print("  size     the day's partition, tables and indexes: %s" % size, flush=True)

        out = os.path.join(root, "out")
        os.makedirs(out)
        seconds, peak, output = timed([tool, "send", "--database", dsn, "--email", "dmarc@receiver.example",
                                     "--day", DAY, "--output-dir", out])
        print("  report   %.1f s, peak RSS %.0f MB: %s" % (seconds, peak, output.strip().splitlines()[-1]),
              flush=True)

        if not args.report_only:
            seconds, _, output = timed([tool, "expire", "--database", dsn, "--max-age", "3"])
            print("  expire   %.2f s: %s" % (seconds, " ".join(output.split())[:200]), flush=True)
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
