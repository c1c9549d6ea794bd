#!/usr/bin/python3
"""What recording failure-report data (FailureReports, RFC 9991) costs the
milter: messages per second and milter CPU per message at 32 connections,
with the history store on (fsync spool, private PostgreSQL), FailureReports
off against on, in the same run.

The corpus is 20 messages sent round robin by milter-bench-client: 18 are
the aligned SPF pass of milter_throughput.py, 2 (10 %) fail DMARC (SPF
fails, no DKIM) for a domain whose record asks for failure reports with
fo=1, one with p=reject and one with p=quarantine. Both milters get the
same corpus; the rounds alternate (every other round in reverse order) so
that the drift of this shared machine's load affects both alike. Before
each run the benchmark waits until PostgreSQL holds every verdict sent so
far (as bench_milter_store.py does). Prints each run, the medians, the
on/off ratio of the medians and the median of each round's own ratio; then
stops the milters (draining their spools) and checks that the database
holds exactly one failure sample per failing message sent to the "on"
milter and none from the "off" one, so that the figure measures the
feature doing its work. Not part of make check.

Usage (as root): TOP_BUILDDIR=. TOP_SRCDIR=.. python3 ../tests/bench/bench_failure_reports.py
                 [--messages 20000] [--connections 32] [--rounds 5]
Needs make milter/dmarc-milter reporting/dmarc-reports tests/bench/milter/milter-bench-client.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import services as hs  # noqa: E402
import bench_milter_store as bms  # noqa: E402
import milter_throughput as mtp  # noqa: E402

CORPUS_SIZE = 20
# Failing senders: SPF fails for the benchmark's client 192.0.2.10 and there
# is no DKIM signature, so DMARC fails and fo=1 asks for a report.
FAILING = {9: ("ruf-reject.mt.example", "reject"), 19: ("ruf-quarantine.mt.example", "quarantine")}
RECORDS = mtp.RECORDS + [record for domain, policy in FAILING.values() for record in (
    (domain, "TXT", "v=spf1 -all"),
    ("_dmarc." + domain, "TXT", "v=DMARC1; p=%s; ruf=mailto:dmarc-failures@%s; fo=1" % (policy, domain)))]
VARIANTS = ("ruf-off", "ruf-on")


def write_corpus(directory):
    """A milter-bench-client corpus (tests/bench/milter/bench_corpus.hh) of CORPUS_SIZE messages."""
    os.makedirs(directory, exist_ok=True)
    lines = ["# file\tclient\thelo\tmail_from\trcpt\tintent"]
    for index in range(CORPUS_SIZE):
        raw, sender, intent = mtp.bench_message(), "bench.mt.example", "pass"
        if index in FAILING:
            sender, intent = FAILING[index][0], "fail"
            raw = raw.replace(b"bench.mt.example", sender.encode())
        name = "m%02d.eml" % index
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(raw)
        lines.append("%s\t192.0.2.10\tmail.bench.example\tbounce@%s\trcpt@rcpt.example\t%s" % (name, sender, intent))
    with open(os.path.join(directory, "manifest.tsv"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


def failing_sent(count):
    """Failing messages among the first `count` that milter-bench-client sends (round robin from
    the first corpus message)."""
    return sum(count // CORPUS_SIZE + (1 if index < count % CORPUS_SIZE else 0) for index in FAILING)


def print_summary(rates, cpus):
    """The medians per variant and the on/off ratios."""
    for name in VARIANTS:
        print("median %-8s msg/s %6.0f   milter CPU %4.0f us per message" % (
            name, statistics.median(rates[name]), statistics.median(cpus[name])))
    ratio = statistics.median(rates["ruf-on"]) / statistics.median(rates["ruf-off"])
    paired = sorted(on / off for on, off in zip(rates["ruf-on"], rates["ruf-off"]))
    print("throughput on/off: %.3f (ratio of the medians), %.3f (median of each round's ratio; rounds: %s)" % (
        ratio, statistics.median(paired), ", ".join("%.3f" % r for r in paired)))
    print("CPU per message on/off: %.3f (ratio of the medians)" % (
        statistics.median(cpus["ruf-on"]) / statistics.median(cpus["ruf-off"])))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    client = os.path.join(hs.top_builddir(), "tests/bench/milter/milter-bench-client")
    if not os.access(client, os.X_OK):
        sys.exit("%s is missing: make tests/bench/milter/milter-bench-client" % client)

    root = tempfile.mkdtemp(prefix="failure-report-bench-")
    os.chmod(root, 0o755)
    dns = hs.Unbound(root)
    pg = hs.Postgres(root)
    milters = {}
    try:
        dns.start()
        dns.add_records(RECORDS, ttl=300)
        pg.start()
        dsn = pg.create_database("bench")
        subprocess.run([hs.binary("dmarc-reports"), "db", "upgrade", "--database", dsn, "--sql-dir",
                        os.path.join(hs.top_srcdir(), "sql")], check=True, capture_output=True)
        corpus = os.path.join(root, "corpus")
        write_corpus(corpus)

        def drive(name, messages, connections):
            return bms.run_client(client, corpus, milters[name][1], messages, connections, False, [])

        sent, samples_wanted = 0, 0
        for name in VARIANTS:
            milters[name] = bms.start_milter(root, "fsync@" + name, dns, dsn, hs.binary("dmarc-milter"),
                                             "FailureReports %s\n" % ("true" if name == "ruf-on" else "false"))
            _, count = drive(name, 40, 4)  # warm caches and connections
            sent += count
            samples_wanted += failing_sent(count) if name == "ruf-on" else 0
        print("failure-report recording cost in the milter: %d messages per run, %d connections, "
              "%d of %d corpus messages fail a policy with ruf= and fo=1, fsync spool, load average %s" % (
                  args.messages, args.connections, len(FAILING), CORPUS_SIZE,
                  " ".join(open("/proc/loadavg").read().split()[:3])), flush=True)
        rates = {name: [] for name in VARIANTS}
        cpus = {name: [] for name in VARIANTS}
        for round_number in range(args.rounds):
            for name in (VARIANTS if round_number % 2 == 0 else tuple(reversed(VARIANTS))):
                waited = bms.wait_committed(pg, sent)
                os.sync()
                cpu, _ = bms.milter_usage(milters[name][0].pid)
                rate, count = drive(name, args.messages, args.connections)
                cpu_after, _ = bms.milter_usage(milters[name][0].pid)
                sent += count
                # One shared counter over all threads: the corpus order holds for the run as a whole.
                samples_wanted += failing_sent(count) if name == "ruf-on" else 0
                rates[name].append(rate)
                cpus[name].append(1e6 * (cpu_after - cpu) / count)
                print("  round %d %-8s msg/s %6.0f   milter CPU %4.0f us per message (waited %4.1f s for "
                      "PostgreSQL before it)" % (round_number + 1, name, rate, cpus[name][-1], waited), flush=True)
        print_summary(rates, cpus)
        for milter, _ in milters.values():
            milter.stop()  # drains each spool into PostgreSQL
        milters = {}
        verdicts = int(pg.psql("SELECT count(*) FROM verdict", dbname="bench"))
        samples = int(pg.psql("SELECT count(*) FROM failure_sample", dbname="bench"))
        print("verdict rows stored: %d (want %d); failure samples stored: %d (want %d)" % (
            verdicts, sent, samples, samples_wanted))
        if verdicts != sent or samples != samples_wanted:
            sys.exit("the database does not hold what was sent: the figures above are not valid")
    finally:
        for milter, _ in milters.values():
            milter.stop()
        pg.stop()
        dns.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
