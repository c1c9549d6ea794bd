#!/usr/bin/python3
"""Benchmark of `dmarc-reports overview` (not run by make check).

Starts a private PostgreSQL in a temporary directory, applies the schema and
loads, straight into the tables `ingest` and the milter fill, a year of
daily DMARC aggregate reports about DOMAINS domains from REPORTERS reporters
each (RECORDS rows per report, sources from a pool of a few thousand
addresses, some failing), one TLS-RPT report per domain and day with a
failure detail on every tenth, and VERDICTS milter verdicts spread over the
year. Then it times one page over the whole year (reverse DNS off: the
benchmark has no network) and prints the time, the page size and the
tool's peak memory.

usage: overview_bench.py [--domains N] [--days N] [--reporters N] [--records N]
                         [--verdicts N] [--keep] [--build NAME=PATH]... [--repeat N]
       overview_bench.py --reuse DIR   (time the page again over a kept database)
--build times another build's dmarc-reports on the same database in the
same run (the schema is this tree's: an older build reads the same tables
without the newer migrations' sums, but with their indexes); --repeat
alternates the builds N times.
Besides the wall time it prints the CPU time of dmarc-reports and of the
PostgreSQL backend that served it (from the postmaster's reaped children),
which does not depend on what else the machine runs.
Target: under 30 s and under 5 MB for 1,000 domains and a year.
"""

import argparse
import os
import select
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("TOP_SRCDIR", os.path.abspath(os.path.join(HERE, "..", "..")))
TOP_BUILDDIR = os.environ.get("TOP_BUILDDIR", TOP_SRCDIR)
TOOL = os.environ.get("DMARC_REPORTS", os.path.join(TOP_BUILDDIR, "reporting", "dmarc-reports"))
PGBIN = "/usr/lib/postgresql/15/bin"

LOAD = """
INSERT INTO ingested_dmarc_report (org_name, report_id, email, extra_contact_info, shape, namespaced,
  version, generator, date_begin, date_end, errors, policy_domain, policy_p, policy_pct, policy_fo,
  record_count, message_count, leniencies, source)
SELECT 'reporter-' || r || '.example', 'bench-' || d || '-' || r || '-' || day, 'r@x.example', '',
  'rfc7489', false, '', '', timestamptz '%(first)s' + day * interval '1 day',
  timestamptz '%(first)s' + (day + 1) * interval '1 day' - interval '1 second', '{}',
  'domain-' || d || '.example', CASE WHEN d %% 3 = 0 THEN 'none' ELSE 'reject' END::dmarc_policy, 100, '',
  %(records)d, 0, '{}', 'bench'
FROM generate_series(1, %(domains)d) d, generate_series(1, %(reporters)d) r, generate_series(0, %(days)d - 1) day;

INSERT INTO ingested_dmarc_record (report, source_ip, message_count, disposition, dkim_aligned, spf_aligned,
  reason_types, reason_comments, envelope_to, envelope_from, header_from, dkim_domains, dkim_selectors,
  dkim_results, dkim_human_results, spf_domains, spf_scopes, spf_results)
SELECT r.id, ('10.' || ((r.id * 7 + k) %% 4000 / 250) || '.' || ((r.id * 7 + k) %% 250) || '.1')::inet,
  1 + (r.id + k) %% 50, CASE WHEN k = 1 THEN 'reject' ELSE 'none' END::dmarc_disposition,
  CASE WHEN k = 1 THEN 'fail' ELSE 'pass' END, CASE WHEN k <= 2 THEN 'fail' ELSE 'pass' END,
  '{}', '{}', '', '', r.policy_domain, '{}', '{}', '{}', '{}', '{}', '{}', '{}'
FROM ingested_dmarc_report r, generate_series(1, %(records)d) k;

INSERT INTO ingested_tlsrpt_report (organization_name, report_id, contact_info, date_begin, date_end,
  header_domain, header_submitter, leniencies, source)
SELECT 'tls-reporter.example', 'tls-' || d || '-' || day, '', timestamptz '%(first)s' + day * interval '1 day',
  timestamptz '%(first)s' + (day + 1) * interval '1 day' - interval '1 second', '', '', '{}', 'bench'
FROM generate_series(1, %(domains)d) d, generate_series(0, %(days)d - 1) day;

INSERT INTO ingested_tlsrpt_policy (report, policy_type, policy_strings, policy_domain, mx_hosts,
  successful_sessions, failed_sessions)
SELECT id, CASE WHEN id %% 4 = 0 THEN 'tlsa' ELSE 'sts' END, '{}',
  'domain-' || split_part(report_id, '-', 2) || '.example', '{}', 100 + id %% 37,
  CASE WHEN id %% 10 = 0 THEN 3 ELSE 0 END
FROM ingested_tlsrpt_report;

INSERT INTO ingested_tlsrpt_failure (policy, result_type, receiving_mx_hostname, receiving_mx_helo,
  failed_sessions, additional_information, failure_reason_code)
SELECT id, (ARRAY['certificate-expired', 'starttls-not-supported', 'validation-failure'])[1 + id %% 3],
  'mx' || (id %% 20) || '.domain-' || (id %% 1000) || '.example', '', 3, '', ''
FROM ingested_tlsrpt_policy WHERE failed_sessions > 0;

INSERT INTO reporting_host (name) VALUES ('mx1');
INSERT INTO verdict (message_key, received_at, reporting_host, queue_id, client_ip, helo,
  mail_from_domain, rcpt_domains, from_domain, from_domains, dmarc_result, reason, dkim_aligned,
  spf_aligned, org_domain, discovery_method, policy_tag, author_domain_exists, effective_policy,
  disposition_requested, disposition_applied, override_reasons, override_comments, spf_domain,
  spf_scope, spf_result, spf_explanation, dkim_domains, dkim_selectors, dkim_results,
  dkim_algorithms, dkim_human_results, dkim_key_bits, tls_version, tls_cipher, tls_bits)
SELECT gen_random_uuid(), timestamptz '%(first)s' + (g %% (%(days)d * 86400)) * interval '1 second', 'mx1',
  'Q' || g, ('192.0.2.' || (g %% 250 + 1))::inet, 'h', 'sender-' || (g %% 5000) || '.example',
  ARRAY['domain-' || (g %% %(domains)d + 1) || '.example'], 'sender-' || (g %% 5000) || '.example',
  ARRAY['sender-' || (g %% 5000) || '.example'],
  (ARRAY['pass', 'pass', 'pass', 'fail', 'none'])[1 + g %% 5]::dmarc_result, '', g %% 5 < 3, false,
  'sender.example', 'psl', 'p', true, 'none', 'none',
  (CASE WHEN g %% 5 = 3 THEN (ARRAY['reject', 'quarantine', 'none'])[1 + g / 5 %% 3] ELSE 'none' END)::dmarc_disposition,
  CASE WHEN g %% 50 = 3 THEN '{local_policy}'::dmarc_override_reason[] ELSE '{}' END,
  CASE WHEN g %% 50 = 3 THEN '{partner}'::text[] ELSE '{}' END,
  'sender.example', 'mfrom', 'pass', '', '{}', '{}', '{}', '{}', '{}', '{}',
  CASE WHEN g %% 7 = 0 THEN NULL WHEN g %% 3 = 0 THEN 'TLSv1.2' ELSE 'TLSv1.3' END,
  CASE WHEN g %% 7 = 0 THEN NULL ELSE 'TLS_AES_256_GCM_SHA384' END,
  CASE WHEN g %% 7 = 0 THEN NULL ELSE 256 END
FROM generate_series(1, %(verdicts)d) g;
ANALYZE;
"""


def reaped_cpu(pid):
    """CPU seconds of the exited children a process has reaped (cutime + cstime)."""
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as listing:
        return set(int(child) for child in listing.read().split())


def wait_reaped(postmaster, before):
    """Waits until the backend (and parallel workers) that served the page
    are reaped, so that their CPU time is in the postmaster's cutime: a
    backend can outlive its client's exit by milliseconds. Waits on pidfds
    for the exit, then for the postmaster's SIGCHLD handling, at most 10 s."""
    deadline = time.monotonic() + 10
    pending = children(postmaster) - before
    for pid in pending:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(fd)
    while children(postmaster) & pending and time.monotonic() < deadline:
        select.select([], [], [], 0.001)  # the reap follows the exit within a scheduler tick


def time_page(tool, dsn, page, end, postmaster):
    """One page over the whole period: wall seconds, the tool's CPU and
    peak memory, the CPU of the backend that served it, the page's size."""
    before = children(postmaster)
    backend_before = reaped_cpu(postmaster)
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "peak_rss_kb=%M cpu_user=%U cpu_sys=%S", tool, "overview",
                           "--database", dsn, "--output", page, "--begin", "2025-01-01", "--end", end,
                           "--time-zone", "UTC", "--no-reverse-dns"], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit("dmarc-reports overview failed with %d" % proc.returncode)
    wait_reaped(postmaster, before)
    fields = dict(f.split("=") for f in proc.stderr.strip().splitlines()[-1].split())
    return {"wall": elapsed, "user": float(fields["cpu_user"]), "sys": float(fields["cpu_sys"]),
            "backend": reaped_cpu(postmaster) - backend_before, "size": os.path.getsize(page),
            "rss_mb": int(fields["peak_rss_kb"]) / 1024.0}


def run(cmd, **kwargs):
    if os.geteuid() == 0 and kwargs.pop("as_postgres", False):
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    kwargs.pop("as_postgres", None)
    return subprocess.run(cmd, check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reporters", type=int, default=2)
    parser.add_argument("--records", type=int, default=4)
    parser.add_argument("--verdicts", type=int, default=2_000_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DIR", help="a directory kept by --keep: no load")
    parser.add_argument("--build", metavar="NAME=PATH", action="append", default=[],
                        help="also time this dmarc-reports (another build) on the same database")
    parser.add_argument("--repeat", type=int, default=1, help="pages per build, alternating builds")
    args = parser.parse_args()

    root = args.reuse or tempfile.mkdtemp(prefix="overview-bench-")
    data, sock = os.path.join(root, "pg"), os.path.join(root, "sock")
    if args.reuse:
        args.keep = True
    else:
        os.chmod(root, 0o755)
        os.makedirs(sock)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(sock, "postgres")
        run([PGBIN + "/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
             "--locale=C"], as_postgres=True, stdout=subprocess.DEVNULL)
    opts = ("-k %s -c listen_addresses='' -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c shared_buffers=512MB -c max_wal_size=8GB" % sock)
    run([PGBIN + "/pg_ctl", "-D", data, "-l", os.path.join(root, "pg.log"), "-w", "-o", opts, "start"],
        as_postgres=True, stdout=subprocess.DEVNULL)
    dsn = "host=%s dbname=postgres user=postgres" % sock
    try:
        run([TOOL, "db", "upgrade", "--database", dsn, "--sql-dir", os.path.join(TOP_SRCDIR, "sql")],
            stdout=subprocess.DEVNULL)
        started = time.monotonic()
        first = "2025-01-01 00:00:00+00"
        sql = LOAD % {"first": first, "domains": args.domains, "days": args.days,
                      "reporters": args.reporters, "records": args.records, "verdicts": args.verdicts}
        if not args.reuse:
            run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn], input=sql.encode(),
                stdout=subprocess.DEVNULL)
        counts = subprocess.run(
            ["psql", "-X", "-A", "-t", "-d", dsn, "-c",
             "SELECT (SELECT count(*) FROM ingested_dmarc_report) || ' aggregate reports, ' ||"
             " (SELECT count(*) FROM ingested_dmarc_record) || ' records, ' ||"
             " (SELECT count(*) FROM ingested_tlsrpt_policy) || ' TLS-RPT policies, ' ||"
             " (SELECT count(*) FROM verdict) || ' verdicts'"], capture_output=True, text=True).stdout.strip()
        print("load: %s in %.0f s" % (counts, time.monotonic() - started), flush=True)
        end = subprocess.run(["psql", "-X", "-A", "-t", "-d", dsn, "-c",
                              "SELECT (date '2025-01-01' + %d)::text" % args.days],
                             capture_output=True, text=True).stdout.strip()
        page = os.path.join(root, "overview.html")
        postmaster = int(open(os.path.join(data, "postmaster.pid")).readline())
        builds = [("this", TOOL)] + [tuple(b.split("=", 1)) for b in args.build]
        results = {}
        for _ in range(args.repeat):
            # Builds alternate, so that a change in the machine's load
            # falls on all of them alike.
            for name, tool in builds:
                r = time_page(tool, dsn, page if name == "this" else page + "." + name, end, postmaster)
                results.setdefault(name, []).append(r)
                print("overview (%s): %d days x %d domains in %.1f s wall; CPU: dmarc-reports %.2f s user + "
                      "%.2f s sys, its PostgreSQL backend %.1f s; page %.2f MB, peak memory %.1f MB; load average "
                      "now %.1f on %d CPUs" % (name, args.days, args.domains, r["wall"], r["user"], r["sys"],
                                               r["backend"], r["size"] / 1e6, r["rss_mb"], os.getloadavg()[0],
                                               os.cpu_count()), flush=True)
        worst = max(r["wall"] for r in results["this"])
        size = results["this"][-1]["size"]
        verdict = "PASS" if worst < 30 and size < 5e6 else "FAIL"
        print("%s: target under 30 s and under 5 MB (slowest of %d: %.1f s)" % (verdict, args.repeat, worst))
        if args.keep:
            print("page:", page)
        return 0 if verdict == "PASS" else 1
    finally:
        run([PGBIN + "/pg_ctl", "-D", data, "-w", "-m", "fast", "stop"], as_postgres=True,
            stdout=subprocess.DEVNULL)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept", root)


if __name__ == "__main__":
    raise SystemExit(main())
