#!/usr/bin/python3
"""Benchmark of `dmarc-reports send --output-dir` (issue 7).

Starts a private PostgreSQL in a temporary directory, applies the schema,
loads ROWS synthetic verdicts over DOMAINS policy domains for one day
(tests/bench/reports_load.sql), then times building every report of that
day into a directory and reports the tool's peak memory (max RSS of the
child, from getrusage). A few reports are validated with xmllint --schema.

usage: reports_bench.py [--rows N] [--domains N] [--distinct] [--keep]
       reports_bench.py --reuse DIR   (build again over a kept database)
Target on the project machine: under 60 s and under 200 MB for 10 million
verdicts over 1,000 domains. `--domains 1` with `--distinct` gives one
domain whose report has as many records as rows (the flat-memory check).
"""

import argparse
import glob
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("TOP_SRCDIR", os.path.abspath(os.path.join(HERE, "..", "..")))
TOP_BUILDDIR = os.environ.get("TOP_BUILDDIR", TOP_SRCDIR)
TOOL = os.environ.get("DMARC_REPORTS", os.path.join(TOP_BUILDDIR, "reporting", "dmarc-reports"))
SHARED = os.environ.get("SHARED_DATA", os.path.join(TOP_SRCDIR, "..", "shared", "data"))
PGBIN = "/usr/lib/postgresql/15/bin"


def run(cmd, **kwargs):
    if os.geteuid() == 0 and kwargs.pop("as_postgres", False):
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    kwargs.pop("as_postgres", None)
    return subprocess.run(cmd, check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--distinct", action="store_true",
                        help="every row a distinct client address (one report record per row)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DIR", help="a directory kept by --keep: build again, no load")
    args = parser.parse_args()

    root = args.reuse or tempfile.mkdtemp(prefix="reports-bench-")
    data, sock, out = os.path.join(root, "pg"), os.path.join(root, "sock"), os.path.join(root, "out")
    if args.reuse:
        args.keep = True
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
    else:
        os.chmod(root, 0o755)
        os.makedirs(sock)
        os.makedirs(out)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(sock, "postgres")
        run([PGBIN + "/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
             "--locale=C"], as_postgres=True, stdout=subprocess.DEVNULL)
    opts = ("-k %s -c listen_addresses='' -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c shared_buffers=512MB -c max_wal_size=8GB "
            "-c checkpoint_timeout=1h" % sock)
    run([PGBIN + "/pg_ctl", "-D", data, "-l", os.path.join(root, "pg.log"), "-w", "-o", opts, "start"],
        as_postgres=True, stdout=subprocess.DEVNULL)
    dsn = "host=%s dbname=postgres user=postgres" % sock
    try:
        if args.reuse:
            run(["psql", "-X", "-q", "-d", dsn, "-c", "TRUNCATE aggregate_report CASCADE"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return build(args, root, dsn, out)
        run([TOOL, "db", "upgrade", "--database", dsn, "--sql-dir", os.path.join(TOP_SRCDIR, "sql")],
            stdout=subprocess.DEVNULL)
        load = os.path.join(HERE, "reports_load.sql")
        started = time.monotonic()
        # Loaded in slices so that progress shows and no one statement is huge.
        step = 1_000_000
        for first in range(0, args.rows, step):
            count = min(step, args.rows - first)
            sql = open(load).read().replace("generate_series(1, :rows)",
                                            "generate_series(%d, %d)" % (first + 1, first + count))
            if args.distinct:
                sql = sql.replace("(g / :domains) % 200 AS ip", "(g / :domains) AS ip")
                sql = sql.replace("(d.ip / 250) || '.' || (d.ip % 250 + 1)",
                                  "(d.ip / 62500 % 250) || '.' || (d.ip / 250 % 250) || '.' || (d.ip % 250 + 1)")
                sql = sql.replace("'198.51.' ||", "'10.' ||")
                sql = sql.replace("('2001:db8::' || to_hex(d.ip))",
                                  "('2001:db8::' || to_hex(d.ip / 65536) || ':' || to_hex(d.ip % 65536))")
            run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-v", "domains=%d" % args.domains,
                 "-v", "day='2026-11-27'"], input=sql.encode(), stdout=subprocess.DEVNULL)
            print("loaded %d rows (%.0f s)" % (first + count, time.monotonic() - started), flush=True)
        size = subprocess.run(["psql", "-X", "-A", "-t", "-d", dsn, "-c",
                               "SELECT pg_size_pretty(pg_total_relation_size('verdict'))"],
                              capture_output=True, text=True).stdout.strip()
        print("load: %d verdicts over %d domains in %.0f s (table with indexes: %s)"
              % (args.rows, args.domains, time.monotonic() - started, size), flush=True)
        return build(args, root, dsn, out)
    finally:
        run([PGBIN + "/pg_ctl", "-D", data, "-w", "-m", "fast", "stop"], as_postgres=True,
            stdout=subprocess.DEVNULL)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept", root)


def build(args, root, dsn, out):
    """Times one --output-dir run over the loaded day; prints the figures."""
    started = time.monotonic()
    # /usr/bin/time reports the tool's own peak resident memory (%M, KB).
    proc = subprocess.run(["/usr/bin/time", "-f", "peak_rss_kb=%M cpu_user=%U cpu_sys=%S", TOOL, "send", "--database", dsn,
                           "--email", "dmarc-reports@bench.example", "--day", "2026-11-27",
                           "--output-dir", out, "-v"], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    peaks = [line for line in proc.stderr.splitlines() if line.startswith("peak_rss_kb=")]
    fields = dict(f.split("=") for f in peaks[-1].split()) if peaks else {}
    peak_kb = int(fields.get("peak_rss_kb", 0))
    summary = [line for line in proc.stdout.splitlines() if line.startswith("summary")]
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit("dmarc-reports send failed with %d" % proc.returncode)
    files = sorted(glob.glob(os.path.join(out, "*.xml.gz")))
    total = sum(os.path.getsize(f) for f in files)
    print("build: %d reports (%.1f MB gzip) in %.1f s; peak memory of dmarc-reports %.1f MB; "
          "its CPU %s s user + %s s sys; load average now %.1f on %d CPUs"
          % (len(files), total / 1e6, elapsed, peak_kb / 1024.0, fields.get("cpu_user", "?"),
             fields.get("cpu_sys", "?"), os.getloadavg()[0], os.cpu_count()), flush=True)
    for line in proc.stdout.splitlines():
        if "progress" in line:
            print("  " + line)
    print(summary[0] if summary else "(no summary line)")
    xsd = os.path.join(SHARED, "dmarc-schemas", "rfc9990-dmarc-2.0.xsd")
    for path in files[:3] + files[-1:]:
        xml = os.path.join(root, "check.xml")
        with open(xml, "wb") as handle:
            handle.write(gzip.decompress(open(path, "rb").read()))
        check = subprocess.run(["xmllint", "--noout", "--schema", xsd, xml], capture_output=True,
                               text=True)
        print("xmllint %s: %s" % (os.path.basename(path), "valid" if check.returncode == 0 else
                                  check.stderr[-500:]))
    ok = elapsed < 60 and peak_kb / 1024.0 < 200
    print("target (< 60 s, < 200 MB): %s" % ("met" if ok else "NOT met"))
    return 0



if __name__ == "__main__":
    sys.exit(main())
