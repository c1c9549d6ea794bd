#!/usr/bin/python3
"""spf_suite_convert.py: turns an OpenSPF YAML test suite (rfc7208-tests.yml,
rfc4408-tests.yml) into the line format read by tests/spf/spf-suite.

The zone data are normalised exactly as pyspf's driver (test/testspf.py)
does: names lower-cased, SPF entries copied to TXT unless the name has a
TXT entry, NONE entries dropped, a YAML list is one TXT record of several
character-strings (joined), strings UTF-8 encoded. DNS answers are then
computed here per (name, type), pyspf's way: a TIMEOUT marker times a query
out unless a record of the asked type came before it; CNAMEs are followed
as a recursive resolver does, and a CNAME loop is a failure.

Output, one record per line, tab-separated, text fields hex-encoded:
  S <description>                           a new scenario (zone reset)
  N <name>                                  the name exists
  Z <name> <type> <data>                    one record (MX data: "pref name")
  F <name> <type>                           the query fails (timeout)
  T <test> <helo> <host> <mailfrom> <results> <explanation|->
"""
import sys

import yaml

TYPES = ("A", "AAAA", "MX", "PTR", "TXT")


def hx(text):
    if isinstance(text, str):
        text = text.encode("utf-8")
    return text.hex()


def getrdata(entries):
    """pyspf's getrdata: list of (type, value) or 'TIMEOUT'."""
    txt = []
    gen = True
    out = []
    for m in entries:
        if not isinstance(m, dict):
            out.append(m)
            continue
        for t, v in m.items():
            if t == "TXT":
                gen = False
            elif t == "SPF" and gen:
                txt.append(("TXT", v))
            if v != "NONE":
                out.append((t, v))
    if gen:
        out.extend(txt)
    return out


def rdata_text(t, v):
    if t in ("TXT", "SPF"):
        if isinstance(v, list):
            return "".join(str(s) for s in v)
        return str(v)
    if t == "MX":
        return "%d %s" % (int(v[0]), str(v[1]).rstrip(".").lower())
    if t in ("PTR", "CNAME"):
        return str(v).rstrip(".").lower()
    return str(v)


def lookup(zone, name, qtype, depth=0):
    """('data', [..]) / ('nodata',) / ('nxdomain',) / ('fail',)."""
    if depth > 16:
        return ("fail",)
    if name not in zone:
        return ("nxdomain",)
    seen = False
    records = []
    for entry in zone[name]:
        if entry == "TIMEOUT":
            if not seen:
                return ("fail",)
            break
        t, v = entry
        if t == "CNAME" and qtype != "CNAME":
            return lookup(zone, rdata_text("CNAME", v), qtype, depth + 1)
        if t == qtype:
            seen = True
            if v == "TIMEOUT":
                return ("fail",)
            records.append(rdata_text(t, v))
    if records:
        return ("data", records)
    return ("nodata",)


def main():
    path = sys.argv[1]
    out = sys.stdout
    with open(path, "rb") as handle:
        documents = list(yaml.safe_load_all(handle))
    for doc in documents:
        if not doc:
            continue
        out.write("S\t%s\n" % hx(doc.get("description", "")))
        zone = {}
        for name, entries in (doc.get("zonedata") or {}).items():
            zone[str(name).lower().rstrip(".")] = getrdata(entries or [])
        for name in zone:
            out.write("N\t%s\n" % hx(name))
            for qtype in TYPES:
                answer = lookup(zone, name, qtype)
                if answer[0] == "data":
                    for record in answer[1]:
                        out.write("Z\t%s\t%s\t%s\n" % (hx(name), qtype, hx(record)))
                elif answer[0] == "fail":
                    out.write("F\t%s\t%s\n" % (hx(name), qtype))
                elif answer[0] == "nxdomain":
                    # a CNAME to a missing name: the alias answers NXDOMAIN
                    out.write("X\t%s\t%s\n" % (hx(name), qtype))
        for test, spec in (doc.get("tests") or {}).items():
            results = spec["result"]
            if not isinstance(results, list):
                results = [results]
            explanation = spec.get("explanation")
            out.write("T\t%s\t%s\t%s\t%s\t%s\t%s\n" % (
                test, hx(str(spec.get("helo", ""))), spec.get("host", ""),
                hx(str(spec.get("mailfrom", ""))), ",".join(results),
                hx(explanation) if explanation is not None else "-"))


if __name__ == "__main__":
    main()
