#!/usr/bin/python3
"""How long `dmarc-reports send-failures` takes to send 10,000 queued
failure reports (RFC 9991) over SMTP.

Loads --samples failure samples (verdict and failure_sample rows as the
milter writes them, the rows of tests/integration/test_failure_reports.py)
into a private PostgreSQL, spread over --domains policy domains. Half of
the domains want their reports at their own address, the other half at a
shared third-party address (reports.provider.example) that authorises each
of them with a `_report._dmarc` record in the benchmark's unbound, so that
the destination checks are part of the run. The caps are set above the
sample count (they would otherwise suppress most of them: that they hold is
tested in make check). Reports are redacted with a keyed hash, as a site
would run it. The relay is Postfix's smtp-sink on 127.0.0.1 (tests/harness,
SmtpSink), which writes every message it accepts to a file.

Prints the wall time of the run, its CPU (dmarc-reports: user and system;
PostgreSQL's is not included) and reports per second, then checks that
every sample was sent exactly once: send-failures' summary counts
--samples reports, each sample has one delivery row, and the sink holds
exactly one message for each of those rows' report Message-IDs and no
other. Not part of make check.

--build NAME=PATH runs another build's dmarc-reports in the same run (each
run on a fresh database loaded the same way, the schema this tree's);
--repeat N alternates the builds N times.

Usage (as root): TOP_BUILDDIR=. TOP_SRCDIR=.. python3 ../tests/bench/bench_failure_send.py
                 [--samples 10000] [--domains 200] [--build NAME=PATH]... [--repeat N]
Needs make reporting/dmarc-reports.
"""

import argparse
import email
import email.policy
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import services as hs  # noqa: E402
from integration.reports_util import REPORTER, summary  # noqa: E402
from integration.test_failure_reports import failing  # noqa: E402

PROVIDER = "reports.provider.example"
CAP = "1000000"


def destinations(domains):
    """(domain, ruf URIs, DNS records) per policy domain: even ones report to themselves, odd ones
    to the provider, which authorises them."""
    out = []
    for index in range(domains):
        domain = "ruf%04d.bench.example" % index
        if index % 2 == 0:
            out.append((domain, ["mailto:ruf@%s" % domain], []))
        else:
            out.append((domain, ["mailto:ruf@%s" % PROVIDER],
                        [("%s._report._dmarc.%s" % (domain, PROVIDER), "TXT", "v=DMARC1")]))
    return out


def load(pg, dbname, samples, domains):
    """The queued samples (spread evenly over the domains); returns the DNS records they need."""
    records, sql = [], []
    for index, (domain, ruf, needed) in enumerate(destinations(domains)):
        count = samples // domains + (1 if index < samples % domains else 0)
        sql.append(failing(domain, ruf=ruf, count=count, org_domain=domain))
        records += needed
    for first in range(0, len(sql), 20):  # psql -c: one argument, at most 128 KB
        pg.psql("".join(sql[first:first + 20]), dbname=dbname)
    return records


def sink_message_ids(sink):
    """The Message-ID of every message the sink received (a list: duplicates stay)."""
    return [email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"] for raw in sink.messages()]


def check_once(pg, dbname, sink, samples):
    """Every sample sent exactly once; returns the problems found (empty when all is well)."""
    problems = []
    states = pg.psql("SELECT state || ' ' || count(*) FROM failure_sample GROUP BY state", dbname=dbname)
    if states.strip() != "sent %d" % samples:
        problems.append("failure_sample states: %s" % states.replace("\n", ", "))
    deliveries = pg.psql("SELECT report_message_id FROM failure_delivery", dbname=dbname).split()
    per_sample = pg.psql("SELECT count(DISTINCT message_key) FROM failure_delivery", dbname=dbname)
    if len(deliveries) != samples or int(per_sample) != samples:
        problems.append("%d delivery rows for %s samples (want %d)" % (len(deliveries), per_sample, samples))
    arrived = sink_message_ids(sink)
    unique = set(arrived)
    if len(arrived) != samples or len(unique) != samples:
        problems.append("the sink got %d messages, %d distinct (want %d)" % (len(arrived), len(unique), samples))
    wanted = {"<%s>" % m.strip("<>") for m in deliveries}
    if {"<%s>" % m.strip("<>") for m in unique} != wanted:
        problems.append("the sink's Message-IDs are not the recorded ones")
    return problems


def send_once(tool, name, args, pg, dns, sink, key):
    """One send-failures run of `tool` on a fresh database; prints its figures, returns its CPU seconds."""
    dbname = "bench_" + "".join(c if c.isalnum() else "_" for c in name)
    dsn = pg.create_database(dbname)
    subprocess.run([tool, "db", "upgrade", "--database", dsn, "--sql-dir", os.path.join(hs.top_srcdir(), "sql")],
                   check=True, capture_output=True)
    dns.add_records(load(pg, dbname, args.samples, args.domains), ttl=300)
    for entry in os.listdir(sink.dumpdir):  # the sink holds this run's messages only
        os.unlink(os.path.join(sink.dumpdir, entry))
    cmd = [tool, "send-failures", "--database", dsn, "--email", REPORTER, "--receiver", "receiver.test",
           "--nameserver", dns.nameserver, "--redaction-key-file", key, "--max-per-domain-hour", CAP,
           "--max-per-domain-day", CAP, "--max-per-hour", CAP, "--transport", "smtp",
           "--smtp-relay", "127.0.0.1:%d" % sink.port, "--smtp-tls", "none"]
    load_average = " ".join(open("/proc/loadavg").read().split()[:3])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit("%s: send-failures exited with %d:\n%s%s" % (name, proc.returncode, proc.stdout[-2000:],
                                                               proc.stderr[-2000:]))
    got = summary(proc)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print("%s: wall %.2f s, dmarc-reports CPU %.2f s (user %.2f, system %.2f), %.0f reports/s, "
          "load average %s; summary %s" % (name, elapsed, user + system, user, system, got["reports"] / elapsed,
                                           load_average, " ".join("%s=%d" % kv for kv in got.items())),
          flush=True)
    problems = ([] if got["reports"] == args.samples else ["summary reports=%d" % got["reports"]]) + \
        check_once(pg, dbname, sink, args.samples)
    if problems:
        sys.exit("%s: not every sample was sent exactly once, the figures above are not valid: %s"
                 % (name, "; ".join(problems)))
    pg.psql('DROP DATABASE "%s" WITH (FORCE)' % dbname)
    return user + system


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--build", metavar="NAME=PATH", action="append", default=[],
                        help="also run this dmarc-reports (another build) in the same run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per build, alternating builds")
    args = parser.parse_args()
    builds = [("this", hs.binary("dmarc-reports"))] + [tuple(b.split("=", 1)) for b in args.build]

    root = tempfile.mkdtemp(prefix="failure-send-bench-")
    os.chmod(root, 0o755)
    dns, pg, sink = hs.Unbound(root), hs.Postgres(root), hs.SmtpSink(root)
    try:
        dns.start()
        pg.start()
        sink.start()
        key = os.path.join(root, "redaction.key")
        with open(key, "w") as handle:
            handle.write("bench-redaction-key-0123456789\n")
        os.chmod(key, 0o600)
        print("send-failures: %d queued samples, %d policy domains (half to %s), SMTP to smtp-sink on 127.0.0.1"
              % (args.samples, args.domains, PROVIDER), flush=True)
        cpu = {name: [] for name, _ in builds}
        for round_ in range(args.repeat):
            # Every other round in reverse order, so that no build always runs first.
            for name, tool in (builds if round_ % 2 == 0 else builds[::-1]):
                cpu[name].append(send_once(tool, name, args, pg, dns, sink, key))
        for name, seconds in cpu.items():
            print("%s: CPU per 1,000 reports, median of %d: %.3f s" % (
                name, len(seconds), sorted(seconds)[len(seconds) // 2] * 1000 / args.samples))
        print("checked: %d reports at the sink per run, each sample's report exactly once" % args.samples)
    finally:
        sink.stop()
        pg.stop()
        dns.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
