#!/usr/bin/python3
# dmarc-eval-vectors.py: runs ../shared/data/dmarc-test-vectors/dmarcbis-vectors.yaml
# through the real engine, by turning every case into a dmarc-eval scenario
# (tests/tools/dmarc-eval) and checking the printed verdict.
#
# make check runs it (TESTS, PY_LOG_COMPILER=$PYTHON3). Environment:
# SHARED_DATA (required: the test fails without it), TOP_BUILDDIR (where
# dmarc-eval is), PSL_FILE (RFC 7489 mode). Every case is either checked in
# each mode it states or LISTED with the reason we do not check it here; the
# test fails on any mismatch, and if no case ran at all.
import os
import re
import subprocess
import sys

import yaml

FAILURES = []
PASSED = []
LISTED = []


def fail(case_id, message):
    FAILURES.append(f"{case_id}: {message}")


def run_scenario(lines):
    builddir = os.environ.get("TOP_BUILDDIR", ".")
    tool = os.path.join(builddir, "tests", "tools", "dmarc-eval")
    result = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dmarc-eval failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result.stdout


def parse_blocks(output):
    """Splits dmarc-eval output into one dict per command: fields key=value."""
    blocks = []
    current = None
    for line in output.splitlines():
        if line.startswith("> "):
            current = {"command": line[2:], "lines": [], "fields": {}}
            blocks.append(current)
            continue
        if current is None:
            continue
        current["lines"].append(line)
        if line.startswith("queries("):
            current["queries"] = [q for q in line.split(":", 1)[1].split(" TXT") if q.strip()]
            current["queries"] = [q.strip() for q in current["queries"] if not q.strip().endswith(" A")]
            continue
        if line.startswith("Authentication-Results:") or line.startswith("\t"):
            current["fields"]["ar"] = current["fields"].get("ar", "") + line
            continue
        for key, value in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line):
            current["fields"].setdefault(key, value.strip('"'))
    return blocks


def eval_blocks(output):
    return [b for b in parse_blocks(output) if b["command"] == "eval"]


def dns_lines(case):
    lines = []
    for name, records in (case.get("dns") or {}).items():
        for record in records:
            lines.append(f"dns {name} {record}")
    for name in case.get("nxdomain") or []:
        lines.append(f"# {name} is NXDOMAIN (no record at or below it)")
    for name in (case.get("dns_errors") or {}):
        lines.append(f"servfail {name}")
    return lines


def modes_of(case):
    """(mode, expectations) pairs: the top level applies to both generations
    unless a dmarcbis: / rfc7489: block overrides it."""
    base = {k: v for k, v in case.items() if k not in ("dmarcbis", "rfc7489")}
    out = []
    for mode, key in (("rfc9989", "dmarcbis"), ("rfc7489", "rfc7489")):
        merged = dict(base)
        if key in case:
            merged.update(case[key])
        elif "dmarcbis" in case or "rfc7489" in case:
            continue  # only the modes the case names
        out.append((mode, merged))
    return out


def check_record_fields(case_id, mode, fields, expect):
    for key, want in (expect or {}).items():
        if key in ("rua", "ruf"):
            got = fields.get(key, "[]")
            if want and isinstance(want[0], dict):
                parts = []
                for item in want:
                    text = item["uri"]
                    if "max_size_bytes" in item:
                        text += f"(max={item['max_size_bytes']})"
                    parts.append(text)
                want_text = "[" + ",".join(parts) + "]"
            else:
                want_text = "[" + ",".join(want) + "]"
                got = re.sub(r"\(max=\d+\)", "", got)
            if got != want_text:
                fail(case_id, f"[{mode}] {key}: got {got}, want {want_text}")
            continue
        want_text = {True: "y", False: "n", None: "-"}.get(want, str(want)) if not isinstance(want, int) or isinstance(want, bool) else str(want)
        if key == "t" and want in ("y", "n"):
            want_text = want
        if key == "np" and mode == "rfc7489":
            # The vectors' np is a DMARCbis tag. RFC 7489 has none: there it
            # is an unknown tag, ignored (RFC 7489 §6.3), so never parsed.
            want_text = "-"
        got = fields.get(key)
        if got != want_text:
            fail(case_id, f"[{mode}] {key}: got {got}, want {want_text}")


def run_record_case(case):
    case_id = case["id"]
    if "cases" in case:  # t-tag-values: the policy applied to a failing message
        for sub in case["cases"]:
            out = run_scenario(["mode rfc9989", f"dns _dmarc.example.com {sub['record']}",
                                "from a@example.com", "mailfrom a@example.com",
                                "spf fail example.com", "eval"])
            got = eval_blocks(out)[0]["fields"].get("effective_policy")
            if got != sub["failing_message_policy_applied"]:
                fail(case_id, f"{sub['record']}: got {got}, want {sub['failing_message_policy_applied']}")
        return True
    if "record" not in case:  # DNS selection cases
        for mode, exp in modes_of(case):
            out = run_scenario([f"mode {mode}"] + dns_lines(case) +
                               [f"from a@{case['author_domain']}", "eval"])
            fields = eval_blocks(out)[0]["fields"]
            result = exp.get("expect_result")
            if result == "no-policy":
                if fields.get("result") != "none":
                    fail(case_id, f"[{mode}] result: got {fields.get('result')}, want none")
            expect = exp.get("expect") or {}
            if "policy_domain" in expect and fields.get("policy_domain") != expect["policy_domain"]:
                fail(case_id, f"[{mode}] policy_domain: got {fields.get('policy_domain')}")
            if "p" in expect and fields.get("p") != expect["p"]:
                fail(case_id, f"[{mode}] p: got {fields.get('p')}, want {expect['p']}")
        return True
    for mode, exp in modes_of(case):
        out = run_scenario([f"mode {mode}", f"record {case['record']}"])
        fields = parse_blocks(out)[-1]["fields"]
        status = fields.get("status")
        valid = exp.get("valid")
        if valid == "ambiguous":
            LISTED.append(f"{case_id} [{mode}]: ambiguous in the RFC; our choice: status={status} "
                          f"p={fields.get('p')} (RFC 9989: missing p is p=none; RFC 7489: no DMARC)")
            continue
        result = exp.get("expect_result")
        if result == "not-a-dmarc-record" and status != "not-dmarc":
            fail(case_id, f"[{mode}] status: got {status}, want not-dmarc")
        if result == "no-dmarc-processing" and status != "unusable":
            fail(case_id, f"[{mode}] status: got {status}, want unusable")
        if valid is True and status != "valid":
            fail(case_id, f"[{mode}] status: got {status}, want valid")
        if valid is False and status == "valid":
            fail(case_id, f"[{mode}] status: got valid, want invalid")
        if status == "valid" or "expect" in exp and exp.get("valid") is not False:
            check_record_fields(case_id, mode, fields, exp.get("expect"))
    return True


def with_strict(case, domain, tag):
    """The case's DNS with adkim=s/aspf=s appended to the record at domain."""
    dns = {}
    for name, records in (case.get("dns") or {}).items():
        if name == f"_dmarc.{domain}":
            records = [r + f"; {tag}=s" for r in records]
        dns[name] = records
    return dict(case, dns=dns)


def tree_walk_scenario(case, mode, spf_domain=None, dkim_domains=()):
    lines = [f"mode {mode}"] + dns_lines(case) + [f"from a@{case['author_domain']}"]
    if case.get("author_domain_exists") is True:
        lines.append("exists yes")
    if spf_domain:
        lines += [f"mailfrom bounce@{spf_domain}", f"spf pass {spf_domain}"]
    else:
        lines += [f"mailfrom a@{case['author_domain']}", "spf fail"]
    for d in dkim_domains:
        lines.append(f"dkim pass d={d} s=sel")
    lines.append("eval")
    return lines


def run_tree_walk_case(case):
    case_id = case["id"]
    for mode, exp in modes_of(case):
        if mode == "rfc7489" and "rfc7489" not in case:
            continue  # tree-walk cases are RFC 9989 unless they say otherwise
        expect = exp.get("expect") or {}
        if "org_domain_of" in case:
            out = run_scenario([f"mode {mode}"] + dns_lines(case) +
                               [f"orgdomain {case['org_domain_of']}"])
            block = parse_blocks(out)[-1]
            if block["fields"].get("org_domain") != expect["org_domain"]:
                fail(case_id, f"org_domain: got {block['fields'].get('org_domain')}, want {expect['org_domain']}")
            if "walk_stops_at" in expect and block["queries"][-1] != expect["walk_stops_at"]:
                fail(case_id, f"walk stops at {block['queries'][-1]}, want {expect['walk_stops_at']}")
            continue
        # the failing message: policy, tag, queries
        out = run_scenario(tree_walk_scenario(case, mode))
        block = eval_blocks(out)[0]
        fields = block["fields"]
        if "expect_policy_queries" in exp and block["queries"] != exp["expect_policy_queries"]:
            fail(case_id, f"[{mode}] queries: got {block['queries']}, want {exp['expect_policy_queries']}")
        result = exp.get("expect_result")
        want_result = {"no-policy": "none", "none": "none", "temperror": "temperror"}.get(result)
        if want_result and fields.get("result") != want_result:
            fail(case_id, f"[{mode}] result: got {fields.get('result')}, want {want_result}")
        checks = {"policy_domain": "policy_domain", "policy_from_tag": "policy_tag",
                  "failing_message_policy_applied": "effective_policy"}
        for key, field in checks.items():
            if key in expect and fields.get(field) != expect[key]:
                fail(case_id, f"[{mode}] {key}: got {fields.get(field)}, want {expect[key]}")
        # Organizational Domains, each by its own walk
        for key, want in expect.items():
            target = None
            if key == "org_domain_author":
                target = case["author_domain"]
            elif key == "org_domain_spf":
                target = case["spf_domain"]
            elif key.startswith("org_domain_dkim_"):
                target = key[len("org_domain_dkim_"):]
            elif key.startswith("org_domain_queries_for_"):
                out = run_scenario([f"mode {mode}"] + dns_lines(case) +
                                   [f"orgdomain {key[len('org_domain_queries_for_'):]}"])
                got = parse_blocks(out)[-1]["queries"]
                if got != want:
                    fail(case_id, f"{key}: got {got}, want {want}")
                continue
            if target:
                out = run_scenario([f"mode {mode}"] + dns_lines(case) + [f"orgdomain {target}"])
                got = parse_blocks(out)[-1]["fields"].get("org_domain")
                if got != want:
                    fail(case_id, f"{key}: got {got}, want {want}")
        # alignment of the passing identifiers
        if "spf_aligned_relaxed" in expect or "dkim_aligned_relaxed" in expect:
            out = run_scenario(tree_walk_scenario(case, mode, case.get("spf_domain"),
                                                  case.get("dkim_domains", [])))
            fields = eval_blocks(out)[0]["fields"]
            for key, field in (("spf_aligned_relaxed", "spf_aligned"),
                               ("dkim_aligned_relaxed", "dkim_aligned")):
                if key in expect and fields.get(field) != ("yes" if expect[key] else "no"):
                    fail(case_id, f"{key}: got {fields.get(field)}, want {expect[key]}")
        if "dkim_aligned_strict" in expect:
            strict = with_strict(case, expect.get("policy_domain", case["author_domain"]), "adkim")
            out = run_scenario(tree_walk_scenario(strict, mode, None, case.get("dkim_domains", [])))
            got = eval_blocks(out)[0]["fields"].get("dkim_aligned")
            if got != ("yes" if expect["dkim_aligned_strict"] else "no"):
                fail(case_id, f"dkim_aligned_strict: got {got}")
    return True


def org_of(domain):
    return ".".join(domain.lower().split(".")[-2:])


def run_alignment_case(case):
    case_id = case["id"]
    author = case["author"]
    for mode in ("rfc9989", "rfc7489"):
        lines = [f"mode {mode}"]
        if "record" in case:
            lines.append(f"dns _dmarc.{author} {case['record']}")
        else:
            # The vectors assume the usual Organizational Domain (two labels);
            # a tree walk needs a record there to find it.
            tags = f"; adkim={case.get('adkim', 'r')}; aspf={case.get('aspf', 'r')}"
            lines.append(f"dns _dmarc.{org_of(author)} v=DMARC1; p=reject{tags}")
        lines += [f"from a@{author}", "exists yes"]
        if "spf_domain" in case:
            lines += [f"mailfrom b@{case['spf_domain']}", f"spf pass {case['spf_domain']}"]
        else:
            lines += [f"mailfrom b@{author}", "spf fail"]
        if "dkim_d" in case:
            lines.append(f"dkim pass d={case['dkim_d']} s=sel")
        lines.append("eval")
        fields = eval_blocks(run_scenario(lines))[0]["fields"]
        if "aligned" in case:
            field = "spf_aligned" if "spf_domain" in case else "dkim_aligned"
            if fields.get(field) != ("yes" if case["aligned"] else "no"):
                fail(case_id, f"[{mode}] {field}: got {fields.get(field)}, want {case['aligned']}")
        for key, want in (case.get("expect") or {}).items():
            field = {"spf_aligned": "spf_aligned", "dkim_aligned": "dkim_aligned", "dmarc": "result"}[key]
            want_text = want if isinstance(want, str) else ("yes" if want else "no")
            if fields.get(field) != want_text:
                fail(case_id, f"[{mode}] {key}: got {fields.get(field)}, want {want_text}")
    return True


AR_SCENARIOS = {
    "pass": ["dns _dmarc.example.com v=DMARC1; p=reject", "from a@example.com",
             "dkim pass d=example.com s=sel", "eval"],
    "fail-reject": ["dns _dmarc.example.com v=DMARC1; p=reject", "from a@example.com", "eval"],
    "fail-test-mode": ["dns _dmarc.example.com v=DMARC1; p=reject; t=y", "from a@example.com", "eval"],
    "none": ["from a@example.org", "eval"],
    "temperror": ["servfail _dmarc.example.com", "from a@example.com", "eval"],
    "no-result": ["authres-empty"],
}


def run_auth_results_case(case):
    case_id = case["id"]
    out = run_scenario(["authserv-id mx.example.net"] + AR_SCENARIOS[case_id])
    field = [l for l in out.splitlines() if l.startswith("Authentication-Results:") or l.startswith("\t")]
    unfolded = re.sub(r"\n\t", " ", "\n".join(field))
    want = case["expect_field"]
    if case_id == "no-result":
        if unfolded != want:
            fail(case_id, f"got {unfolded!r}, want {want!r}")
        return True
    # our field also carries spf and dkim clauses; compare authserv-id and the dmarc clause
    got_id = unfolded.split(";")[0]
    got_dmarc = [c.strip() for c in unfolded.split(";") if c.strip().startswith("dmarc=")]
    want_id = want.split(";")[0]
    want_dmarc = [c.strip() for c in want.split(";") if c.strip().startswith("dmarc=")]
    if got_id != want_id or got_dmarc != want_dmarc:
        fail(case_id, f"got {unfolded!r}, want (dmarc clause of) {want!r}")
    return True


def main():
    shared = os.environ.get("SHARED_DATA")
    if not shared:
        print("FAIL: SHARED_DATA is not set")
        return 1
    path = os.path.join(shared, "dmarc-test-vectors", "dmarcbis-vectors.yaml")
    with open(path, encoding="utf-8") as f:
        vectors = yaml.safe_load(f)
    runners = {
        "record_parsing": run_record_case,
        "tree_walk": run_tree_walk_case,
        "alignment": run_alignment_case,
        "authentication_results": run_auth_results_case,
    }
    for section, runner in runners.items():
        for case in vectors[section]:
            before = len(FAILURES)
            runner(case)
            if len(FAILURES) == before:
                PASSED.append(f"{section}/{case['id']}")
    for case in vectors["external_report_destinations"]:
        LISTED.append(f"external_report_destinations/{case['id']}: the _report._dmarc check is "
                      "done by dmarc-reports (reporting/), not by the per-message engine")
    LISTED.append("report_naming: file names and Subject belong to dmarc-reports (reporting/)")
    for line in PASSED:
        print(f"PASS: {line}")
    for line in LISTED:
        print(f"LISTED: {line}")
    for line in FAILURES:
        print(f"FAIL: {line}")
    print(f"{len(PASSED)} passed, {len(FAILURES)} failures, {len(LISTED)} listed")
    if not PASSED:
        print("FAIL: no vector ran")
        return 1
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
