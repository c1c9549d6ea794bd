#!/usr/bin/python3
"""Messages per second through dmarc-milter at the milter protocol level.

Starts a private unbound (tests/harness) with the records the messages
need (TTL 300, so the shared resolver cache works as in production), one
dmarc-milter, and N concurrent miltertest processes, each sending its share
of the messages over one connection (connect, helo, mail, rcpt, 6 headers,
a 2 KB body, end of message; SPF and DMARC evaluated, the
Authentication-Results header added). With --dkim every message also
carries an RSA-2048 DKIM signature that is verified.

Usage (as root, from the build tree):
  TOP_BUILDDIR=. TOP_SRCDIR=.. PYTHONPATH=../tests python3 ../tests/bench/milter_throughput.py \\
      [--messages 2000] [--connections 1 32] [--dkim]
Prints one line per concurrency: connections, messages, seconds, msg/s.
Not part of make check (it measures, it does not judge).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import services as hs  # noqa: E402


# The sender's DNS (SPF pass, DMARC p=reject) and its message, shared with
# bench_milter_store.py.
RECORDS = [
    ("bench.mt.example", "TXT", "v=spf1 ip4:192.0.2.10 -all"),
    ("bench.mt.example", "A", "192.0.2.10"),
    ("_dmarc.bench.mt.example", "TXT", "v=DMARC1; p=reject"),
]


def bench_message():
    """A 2 KB aligned message from bench.mt.example (bytes)."""
    body = ("The quick brown fox jumps over the lazy dog. " * 2 + "\r\n") * 22
    return ("From: Alice <alice@bench.mt.example>\r\nTo: rcpt@rcpt.example\r\nSubject: bench\r\n"
            "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <bench@bench.mt.example>\r\n"
            "MIME-Version: 1.0\r\n\r\n" + body).encode()


def lua_string(text):
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r").replace("\n", "\\n") + "\""


def split_message(raw):
    head, body = raw.split(b"\r\n\r\n", 1)
    fields = []
    for line in head.decode().split("\r\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1][1] += "\r\n" + line
        else:
            name, value = line.split(":", 1)
            fields.append([name, value])
    return fields, body.decode()


SCRIPT = """
mt.set_timeout(120)
local conn = mt.connect(socket, 40, 0.25)
assert(conn, "connect")
assert(mt.conninfo(conn, "client.example", "192.0.2.10") == nil)
assert(mt.helo(conn, "mail.bench.example") == nil)
local headers = {HEADERS}
local body = BODY
for i = 1, tonumber(count) do
  assert(mt.mailfrom(conn, "<bounce@bench.mt.example>") == nil)
  assert(mt.rcptto(conn, "<rcpt@rcpt.example>") == nil)
  for _, h in ipairs(headers) do
    assert(mt.header(conn, h[1], h[2]) == nil)
  end
  assert(mt.eoh(conn) == nil)
  assert(mt.bodystring(conn, body) == nil)
  assert(mt.eom(conn) == nil)
  if mt.getreply(conn) ~= SMFIR_ACCEPT then error("message " .. i .. " not accepted") end
  if i == 1 then
    local ar = mt.getheader(conn, "Authentication-Results", 0) or ""
    for _, want in ipairs(EXPECT) do
      if not string.find(ar, want, 1, true) then error("want " .. want .. " in " .. ar) end
    end
  end
end
mt.disconnect(conn)
"""


def write_script(path, raw, expect):
    """The miltertest script (SCRIPT) for message `raw`, checking that our
    Authentication-Results holds every text of `expect`."""
    fields, body = split_message(raw)
    headers = "{" + ", ".join("{%s, %s}" % (lua_string(n), lua_string(v)) for n, v in fields) + "}"
    with open(path, "w") as handle:
        handle.write(SCRIPT.replace("{HEADERS}", headers).replace("BODY", lua_string(body)).replace(
            "EXPECT", "{" + ", ".join(lua_string(e) for e in expect) + "}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--dkim", action="store_true")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="milter-bench-")
    os.chmod(root, 0o755)
    dns = hs.Unbound(root)
    milter = None
    try:
        dns.start()
        dns.add_records(RECORDS, ttl=300)
        raw = bench_message()
        if args.dkim:
            key = os.path.join(root, "bench.pem")
            record = subprocess.run([hs.binary("dkim-sign"), "keygen", "rsa", key], check=True,
                                    capture_output=True, text=True).stdout.strip()
            dns.add_records([("sel._domainkey.bench.mt.example", "TXT", record)], ttl=300)
            raw = subprocess.run([hs.binary("dkim-sign"), "sign", key, "bench.mt.example", "sel"], input=raw,
                                 check=True, capture_output=True).stdout
        script = os.path.join(root, "bench.lua")
        write_script(script, raw, ["spf=pass", "dmarc=pass"] + (["dkim=pass"] if args.dkim else []))

        sock = os.path.join(root, "milter.sock")
        conf = os.path.join(root, "milter.conf")
        with open(conf, "w") as handle:
            handle.write("Socket local:%s\nAuthservID bench.harness.test\nNameservers %s\nUMask 000\n"
                         "Background false\nSyslog false\nIgnoreHosts ::1\n" % (sock, dns.nameserver))
        read_fd, write_fd = os.pipe()
        milter = hs.Process([hs.binary("dmarc-milter"), "-f", "-c", conf, "--ready-fd", str(write_fd)],
                            os.path.join(root, "milter.log"), pass_fds=(write_fd,))
        os.close(write_fd)
        hs.wait_for_ready_fd(read_fd, milter)
        os.close(read_fd)

        # Warm the resolver cache and the code paths.
        subprocess.run(["miltertest", "-D", "socket=unix:" + sock, "-D", "count=20", "-s", script], check=True)
        print("variant: %s" % ("SPF + DKIM (RSA-2048) + DMARC" if args.dkim else "SPF + DMARC"))
        for connections in args.connections:
            per = max(1, args.messages // connections)
            start = time.monotonic()
            procs = [subprocess.Popen(["miltertest", "-D", "socket=unix:" + sock, "-D", "count=%d" % per,
                                       "-s", script]) for _ in range(connections)]
            failed = sum(1 for p in procs if p.wait() != 0)
            elapsed = time.monotonic() - start
            total = per * connections
            print("connections=%d messages=%d seconds=%.2f msg/s=%.0f%s" % (
                connections, total, elapsed, total / elapsed, " FAILED=%d" % failed if failed else ""),
                flush=True)
            if failed:
                return 1
        return 0
    finally:
        if milter:
            milter.stop()
        dns.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
