#!/usr/bin/python3
"""arc_suite_convert.py: turns the open ARC test suite (arc-draft-validation-
tests.yml, arc-draft-sign-tests.yml) into the line format read by
tests/arc/arc-suite.

YAML block scalars hold the messages with LF line ends; on the wire (and
here) they are CRLF. Test names are kept even where a scenario repeats one
(the validation suite does: a plain YAML mapping would keep only the last),
with "#2" added to the repeat.

For the signing tests the ARC-Authentication-Results payload is made the
way the suite's README describes (and dkimpy, which made its expected
fields, does): every Authentication-Results field of the srv-id, in order,
split into results at ';', joined with ";" CRLF and two spaces after
"<srv-id>; ".

Output, one record per line, tab-separated, text fields hex-encoded:
  S <description>                          a new scenario (keys reset)
  Z <name> <record>                        one TXT record
  V <test> <message> <cv|-> <oldest-pass|->  a validation test
  G <test> <message> <t> <sig-headers> <srv-id> <AS> <AMS> <AAR> <domain>
    <selector> <private key> <AAR payload>  a signing test
"""
import sys

import yaml


def hx(text):
    if text is None:
        text = ""
    if not isinstance(text, str):
        text = str(text)
    return text.encode("utf-8").hex()


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


class PairsLoader(yaml.SafeLoader):
    """A loader whose mappings are lists of (key, value): keeps repeats."""


def construct_pairs(loader, node):
    return loader.construct_pairs(node, deep=True)


PairsLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_pairs)


def field(pairs, name):
    for key, value in pairs:
        if key == name:
            return value
    return None


def header_fields(message):
    head = message.split("\r\n\r\n", 1)[0]
    fields = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] += "\r\n" + line
        elif line:
            fields.append(line)
    return fields


def aar_payload(message, srv_id):
    results = []
    for f in header_fields(message):
        name, _, value = f.partition(":")
        if name.strip().lower() != "authentication-results":
            continue
        value = value.strip()
        if value.split(";", 1)[0].strip() != srv_id:
            continue
        rest = value.replace(srv_id + ";", "", 1).strip()
        results.extend(part.strip() for part in rest.split(";"))
    return srv_id + "; " + ";\r\n  ".join(results)


def main():
    out = sys.stdout
    for path, kind in ((sys.argv[1], "V"), (sys.argv[2], "G")):
        with open(path, encoding="utf-8") as stream:
            scenarios = list(yaml.load_all(stream, Loader=PairsLoader))
        for scenario in scenarios:
            if not scenario:
                continue
            out.write("S\t%s\n" % hx(field(scenario, "description")))
            for name, record in field(scenario, "txt-records") or []:
                out.write("Z\t%s\t%s\n" % (hx(name), hx(record)))
            seen = {}
            for name, test in field(scenario, "tests") or []:
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > 1:
                    name = "%s#%d" % (name, seen[name])
                message = crlf(field(test, "message") or "")
                if kind == "V":
                    cv = field(test, "cv")
                    cv = "-" if cv is None or not str(cv).strip() else str(cv).strip().lower()
                    out.write("V\t%s\t%s\t%s\t-\n" % (hx(name), hx(message), cv))
                else:
                    srv_id = str(field(test, "srv-id"))
                    out.write("G\t" + "\t".join(hx(x) for x in (
                        name, message, field(test, "t"), field(test, "sig-headers"), srv_id,
                        field(test, "AS"), field(test, "AMS"), field(test, "AAR"),
                        field(scenario, "domain"), field(scenario, "sel"),
                        field(scenario, "privatekey"), aar_payload(message, srv_id))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
