#!/usr/bin/python3
"""What the history store costs the milter (issue 6): messages per second
through dmarc-milter at 32 concurrent milter connections, without a
Database, and with one for each SpoolDurability (fsync, relaxed, memory).

Reuses the message, DNS records and miltertest script of
tests/bench/milter_throughput.py; adds a private PostgreSQL
(tests/harness) and runs the variants alternately, --rounds times, so that
a change in the load of this shared machine affects them alike. Prints each
run and the median msg/s per variant, then the cost of durability
(fsync against memory). Not part of make check.

Usage (as root): TOP_BUILDDIR=. TOP_SRCDIR=.. python3 ../tests/bench/bench_milter_store.py
                 [--messages 4000] [--connections 32] [--rounds 3]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import services as hs  # noqa: E402
import milter_throughput as mtp  # noqa: E402

VARIANTS = tuple(os.environ.get("BENCH_VARIANTS", "no-database,fsync,relaxed,memory").split(","))


def start_milter(root, name, dns, dsn):
    sock = os.path.join(root, name + ".sock")
    conf = os.path.join(root, name + ".conf")
    with open(conf, "w") as handle:
        handle.write("Socket local:%s\nAuthservID bench.harness.test\nNameservers %s\nUMask 000\n"
                     "Background false\nSyslog false\nIgnoreHosts ::1\n" % (sock, dns.nameserver))
        if name != "no-database":
            spool = os.path.join(root, "spool-" + name)
            os.makedirs(spool, exist_ok=True)
            handle.write("Database %s\nSpoolDirectory %s\nSpoolDurability %s\n" % (dsn, spool, name))
    read_fd, write_fd = os.pipe()
    milter = hs.Process([hs.binary("dmarc-milter"), "-f", "-c", conf, "--ready-fd", str(write_fd)],
                        os.path.join(root, name + ".log"), pass_fds=(write_fd,))
    os.close(write_fd)
    hs.wait_for_ready_fd(read_fd, milter)
    os.close(read_fd)
    return milter, sock


def run_once(sock, script, messages, connections):
    per = max(1, messages // connections)
    start = time.monotonic()
    procs = [subprocess.Popen(["miltertest", "-D", "socket=unix:" + sock, "-D", "count=%d" % per, "-s", script],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(connections)]
    errors = [p.communicate()[1] for p in procs if p.wait() != 0]
    if errors:
        raise SystemExit("%d miltertest runs failed: %s" % (len(errors), errors[0][-500:]))
    return per * connections / (time.monotonic() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="milter-store-bench-")
    os.chmod(root, 0o755)
    dns = hs.Unbound(root)
    pg = hs.Postgres(root)
    milters = {}
    try:
        dns.start()
        dns.add_records(mtp.RECORDS, ttl=300)
        pg.start()
        dsn = pg.create_database("bench")
        subprocess.run([hs.binary("dmarc-reports"), "db", "upgrade", "--database", dsn, "--sql-dir",
                        os.path.join(hs.top_srcdir(), "sql")], check=True, capture_output=True)
        script = os.path.join(root, "bench.lua")
        mtp.write_script(script, mtp.bench_message(), ["spf=pass", "dmarc=pass"])

        for name in VARIANTS:
            milters[name] = start_milter(root, name, dns, dsn)
            run_once(milters[name][1], script, 40, 4)  # warm caches and connections
        rates = {name: [] for name in VARIANTS}
        print("history store cost in the milter: %d messages, %d connections, load average %s" % (
            args.messages, args.connections, " ".join(open("/proc/loadavg").read().split()[:3])), flush=True)
        for round_number in range(args.rounds):
            for name in VARIANTS:
                rate = run_once(milters[name][1], script, args.messages, args.connections)
                rates[name].append(rate)
                print("  round %d %-12s msg/s %6.0f" % (round_number + 1, name, rate), flush=True)
        medians = {name: statistics.median(values) for name, values in rates.items()}
        for name in VARIANTS:
            print("median %-12s msg/s %6.0f" % (name, medians[name]))
        if "fsync" in medians and "memory" in medians:
            print("durability (fsync vs memory) costs %.0f%% of milter throughput" % (
                100 * (1 - medians["fsync"] / medians["memory"])))
        if "fsync" in medians and "no-database" in medians:
            print("the store as a whole (fsync vs no database) costs %.0f%%" % (
                100 * (1 - medians["fsync"] / medians["no-database"])))
        for milter, _ in milters.values():
            milter.stop()  # drains each writer into PostgreSQL
        milters = {}
        sent = sum(len(values) for values in rates.values()) // len(rates) * (
            args.messages // args.connections * args.connections) + 40
        rows = pg.psql("SELECT count(*) FROM verdict", dbname="bench")
        print("verdict rows stored: %s (want %d per variant with a database)" % (rows, sent))
    finally:
        for milter, _ in milters.values():
            milter.stop()
        pg.stop()
        dns.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
