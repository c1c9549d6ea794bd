#!/usr/bin/python3
"""What the history store costs the milter (issue 6): messages per second
through dmarc-milter at 32 concurrent milter connections, without a
Database, and with one for each SpoolDurability (fsync, relaxed, memory).

Reuses the message and DNS records of tests/bench/milter_throughput.py and
sends the message with milter-bench-client (tests/bench/milter), whose
threads cost the machine little, so that the milter sets the pace
(--client miltertest: the Lua script of milter_throughput.py instead, one
process per connection; on 2 cores those compete with the milter for the
CPU and hide part of its cost). Adds a private PostgreSQL (tests/harness)
and runs the variants alternately (every other round in reverse order),
--rounds times, so that a change in the load of this shared machine
affects them alike. Prints each
run and the median msg/s per variant, then the cost of durability
(fsync against memory), both as the ratio of the medians and as the
median of each round's own ratio (fsync against the memory run next to it,
which cancels the drift of the machine's load). Not part of make check.

Fairness: before each measured run the benchmark waits until PostgreSQL
holds a row for every verdict sent so far, then syncs the file systems
(the private PostgreSQL runs with fsync=off, so its committed pages are
still to be written back), so that one variant's writer draining into the
database does not load the disk during the next variant's run. The milters
log at notice level (no line per message). At the end it prints each
spooling variant's group-commit (fdatasync) latencies, from the line the
milter logs when its history store stops. Each run also shows the milter's
CPU time and context switches (all threads, from /proc) per message.

--pg-on-tmpfs puts the private PostgreSQL's data directory on /dev/shm. It
is a model of the usual deployment, where the database runs on another host
and its writes do not compete with the spool's fdatasyncs for this disk; it
is not the default, and its figures say nothing about a database sharing the
milter's disk.

Usage (as root): TOP_BUILDDIR=. TOP_SRCDIR=.. python3 ../tests/bench/bench_milter_store.py
                 [--messages 4000] [--connections 32] [--rounds 3] [--pg-on-tmpfs]
                 [--profile DIR] [--baseline OTHER-DMARC-MILTER] [--client bench|miltertest]
                 [--write-each]
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import proc_usage as pu  # noqa: E402
from harness import services as hs  # noqa: E402
import milter_throughput as mtp  # noqa: E402

VARIANTS = tuple(os.environ.get("BENCH_VARIANTS", "no-database,fsync,relaxed,memory").split(","))


def start_milter(root, name, dns, dsn, binary, extra=""):
    """name: a SpoolDurability or no-database, with "@" and a tag (e.g. "@baseline") for another
    milter of the same durability; extra: more configuration lines."""
    durability = name.split("@")[0]
    sock = os.path.join(root, name + ".sock")
    conf = os.path.join(root, name + ".conf")
    with open(conf, "w") as handle:
        handle.write("Socket local:%s\nAuthservID bench.harness.test\nNameservers %s\nUMask 000\n"
                     "Background false\nSyslog false\nLogLevel notice\nIgnoreHosts ::1\n" % (sock, dns.nameserver))
        if durability != "no-database":
            spool = os.path.join(root, "spool-" + name)
            os.makedirs(spool, exist_ok=True)
            handle.write("Database %s\nSpoolDirectory %s\nSpoolDurability %s\n" % (dsn, spool, durability))
        handle.write(extra)
    read_fd, write_fd = os.pipe()
    milter = hs.Process([binary, "-f", "--log-stderr", "-c", conf, "--ready-fd", str(write_fd)],
                        os.path.join(root, name + ".log"), pass_fds=(write_fd,))
    os.close(write_fd)
    hs.wait_for_ready_fd(read_fd, milter)
    os.close(read_fd)
    return milter, sock


def write_corpus(directory, raw):
    """A milter-bench-client corpus of the one message that the miltertest script sends, with the
    same envelope (tests/bench/milter/bench_corpus.hh)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "bench.eml"), "wb") as handle:
        handle.write(raw)
    with open(os.path.join(directory, "manifest.tsv"), "w") as handle:
        handle.write("# file\tclient\thelo\tmail_from\trcpt\tintent\n"
                     "bench.eml\t192.0.2.10\tmail.bench.example\tbounce@bench.mt.example\trcpt@rcpt.example\tpass\n")


def run_client(client, corpus, sock, messages, connections, write_each, nice):
    """milter-bench-client: C++ threads, one per connection, that cost the machine far less than
    miltertest's Lua, so that the milter and not the load generator sets the pace."""
    per = max(1, messages // connections)
    proc = subprocess.run(nice + [client, "--corpus", corpus, "--connections", str(connections), "--messages",
                           str(per * connections), "--per-session", str(per), "--milter", "unix:" + sock]
                          + (["--write-each"] if write_each else []),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit("milter-bench-client failed: %s" % proc.stderr[-500:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["errors"]:
        raise SystemExit("milter-bench-client: %d errors, last: %s" % (out["errors"], out.get("last_error")))
    return out["rate"], out["messages"]


def run_once(sock, script, messages, connections, nice):
    per = max(1, messages // connections)
    start = time.monotonic()
    procs = [subprocess.Popen(nice + ["miltertest", "-D", "socket=unix:" + sock, "-D", "count=%d" % per, "-s", script],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(connections)]
    errors = [p.communicate()[1] for p in procs if p.wait() != 0]
    if errors:
        raise SystemExit("%d miltertest runs failed: %s" % (len(errors), errors[0][-500:]))
    return per * connections / (time.monotonic() - start), per * connections


def milter_usage(pid):
    """(CPU seconds, context switches) of a milter process so far, all threads."""
    return pu.cpu_seconds(pid), pu.context_switches(pid)


def wait_committed(pg, want, timeout=900):
    """Polls until the verdict table holds `want` rows; returns the seconds
    waited. A benchmark may poll; tests must not."""
    start = time.monotonic()
    while True:
        rows = int(pg.psql("SELECT count(*) FROM verdict", dbname="bench"))
        if rows >= want:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise SystemExit("PostgreSQL holds %d verdicts after %d s, want %d" % (rows, timeout, want))
        time.sleep(0.2)


# Logged by the history store when it stops (verdict_writer.cc).
SYNC_LINE = re.compile(r"spool: (\d+) group commits \(fdatasync\).*")


def sync_summary(log_path):
    """The milter's last group-commit latency line, or None."""
    try:
        with open(log_path, errors="replace") as handle:
            found = [m.group(0) for m in map(SYNC_LINE.search, handle) if m]
    except OSError:
        return None
    return found[-1] if found else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-on-tmpfs", action="store_true",
                        help="PostgreSQL's data on /dev/shm: a model of a database on another host")
    parser.add_argument("--profile", metavar="DIR",
                        help="perf record each variant's milter during the last round into DIR/perf-VARIANT.data")
    parser.add_argument("--baseline", metavar="BINARY",
                        help="also run every variant with this dmarc-milter (VARIANT@baseline), e.g. a build "
                             "of the previous commit, to compare two builds in the same run")
    parser.add_argument("--client", choices=("bench", "miltertest"), default="bench",
                        help="load generator: milter-bench-client (default; build it with make "
                             "tests/bench/milter/milter-bench-client) or miltertest (Lua, one process per "
                             "connection, CPU-hungry: on 2 cores it competes with the milter)")
    parser.add_argument("--write-each", action="store_true",
                        help="milter-bench-client writes each protocol packet with its own system call, "
                             "as Postfix flushes each milter command (default: one write per message)")
    parser.add_argument("--client-nice", type=int, default=0, metavar="N",
                        help="run the load generator at nice N, below the milter and PostgreSQL: with "
                             "miltertest, shows how much of the cost is CPU the clients take from them")
    args = parser.parse_args()
    nice = ["nice", "-n", str(args.client_nice)] if args.client_nice else []
    client = os.path.join(hs.top_builddir(), "tests/bench/milter/milter-bench-client")
    if args.client == "bench" and not os.access(client, os.X_OK):
        sys.exit("%s is missing: make tests/bench/milter/milter-bench-client" % client)
    variants = VARIANTS + (tuple(v + "@baseline" for v in VARIANTS) if args.baseline else ())
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)

    root = tempfile.mkdtemp(prefix="milter-store-bench-")
    os.chmod(root, 0o755)
    pg_root = root
    if args.pg_on_tmpfs:
        pg_root = tempfile.mkdtemp(prefix="milter-store-bench-pg-", dir="/dev/shm")
        os.chmod(pg_root, 0o755)
    dns = hs.Unbound(root)
    pg = hs.Postgres(pg_root)
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
        corpus = os.path.join(root, "corpus")
        write_corpus(corpus, mtp.bench_message())

        def drive(sock, messages, connections):
            if args.client == "miltertest":
                return run_once(sock, script, messages, connections, nice)
            return run_client(client, corpus, sock, messages, connections, args.write_each, nice)

        sent = 0  # verdicts that PostgreSQL will hold once every writer has drained
        for name in variants:
            binary = args.baseline if name.endswith("@baseline") else hs.binary("dmarc-milter")
            milters[name] = start_milter(root, name, dns, dsn, binary)
            _, count = drive(milters[name][1], 40, 4)  # warm caches and connections
            sent += count if not name.startswith("no-database") else 0
        rates = {name: [] for name in variants}
        print("history store cost in the milter: %d messages, %d connections (%s), PostgreSQL data on %s, "
              "load average %s" % (args.messages, args.connections,
                                   args.client + (", a write per packet" if args.write_each else "")
                                   + (", at nice %d" % args.client_nice if args.client_nice else ""), "tmpfs (model of a remote database)"
                                   if args.pg_on_tmpfs else "the same disk",
                                   " ".join(open("/proc/loadavg").read().split()[:3])), flush=True)
        for round_number in range(args.rounds):
            # Every other round in reverse order: no variant always runs first.
            for name in (variants if round_number % 2 == 0 else tuple(reversed(variants))):
                waited = wait_committed(pg, sent)
                os.sync()  # PostgreSQL's dirty pages written back now, not during the run
                cpu, switches = milter_usage(milters[name][0].pid)
                perf = None
                if args.profile and round_number == args.rounds - 1:
                    perf = subprocess.Popen(["perf", "record", "-F", "2999", "-g", "-o",
                                             os.path.join(args.profile, "perf-%s.data" % name),
                                             "-p", str(milters[name][0].pid)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.5)  # perf attaches asynchronously; only affects what is sampled
                rate, count = drive(milters[name][1], args.messages, args.connections)
                cpu_after, switches_after = milter_usage(milters[name][0].pid)
                if perf:
                    perf.send_signal(signal.SIGINT)
                    perf.wait(60)
                sent += count if not name.startswith("no-database") else 0
                rates[name].append(rate)
                print("  round %d %-12s msg/s %6.0f   milter CPU %3.0f us and %4.1f context switches per "
                      "message (waited %4.1f s before it for PostgreSQL)" % (
                          round_number + 1, name, rate, 1e6 * (cpu_after - cpu) / count,
                          (switches_after - switches) / count, waited), flush=True)
        medians = {name: statistics.median(values) for name, values in rates.items()}
        for name in variants:
            print("median %-12s msg/s %6.0f" % (name, medians[name]))
        for suffix in ("", "@baseline") if args.baseline else ("",):
            fsync, memory, none = "fsync" + suffix, "memory" + suffix, "no-database" + suffix
            label = " [baseline %s]" % args.baseline if suffix else ""
            if fsync in medians and memory in medians:
                print("durability (fsync vs memory) costs %.0f%% of milter throughput (ratio of the medians)%s" % (
                    100 * (1 - medians[fsync] / medians[memory]), label))
                # Paired: each round's fsync run against the memory run next to it, so that
                # the load of the shared machine, which drifts over minutes, cancels out.
                paired = sorted(100 * (1 - f / m) for f, m in zip(rates[fsync], rates[memory]))
                print("durability cost per round (fsync vs the memory run of the same round): median %.0f%% "
                      "(rounds: %s)%s" % (statistics.median(paired), ", ".join("%.0f%%" % c for c in paired), label))
            if fsync in medians and none in medians:
                print("the store as a whole (fsync vs no database) costs %.0f%%%s" % (
                    100 * (1 - medians[fsync] / medians[none]), label))
        for milter, _ in milters.values():
            milter.stop()  # drains each writer into PostgreSQL
        milters = {}
        rows = pg.psql("SELECT count(*) FROM verdict", dbname="bench")
        print("verdict rows stored: %s (want %d)" % (rows, sent))
        for name in variants:
            if name.split("@")[0] in ("fsync", "relaxed"):
                line = sync_summary(os.path.join(root, name + ".log"))
                print("%-8s %s" % (name, line or "(no group-commit figures in the milter's log)"))
    finally:
        for milter, _ in milters.values():
            milter.stop()
        pg.stop()
        dns.stop()
        shutil.rmtree(root, ignore_errors=True)
        if pg_root != root:
            shutil.rmtree(pg_root, ignore_errors=True)


if __name__ == "__main__":
    main()
