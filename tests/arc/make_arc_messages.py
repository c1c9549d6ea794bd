#!/usr/bin/python3
"""make_arc_messages.py: messages sealed by Debian's python3-dkim (dkimpy),
the ARC implementation the open ARC test suite was made with, for
tests/arc/arc-suite: one, two and three hops, a
mailing list that changes the message between two seals (oldest-pass), a
broken seal, a body changed after the last seal, an instance gap, 50 sets
(the most RFC 8617 allows) and 51.

Keys are made fresh for each run (RSA-2048 by openssl: python3-dkim 1.1
seals ARC with RSA keys only; Ed25519 sealing is tested with our own
sealer) and published as "Z" records; the
cases are "V" records with the expected cv and oldest-pass, in the line
format of arc_suite_convert.py.
"""
import base64
import re
import subprocess
import sys

import dkim

SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version"]
T0 = 1750000000

ORIGINAL = (
    b"From: Alice Author <alice@author.example>\r\n"
    b"To: team@lists.example\r\n"
    b"Subject: Quarterly figures\r\n"
    b"Date: Sun, 15 Jun 2025 15:06:40 +0000\r\n"
    b"Message-ID: <arc-test-1@author.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"\r\n"
    b"Hello team,\r\n"
    b"the figures are in.\r\n"
    b"  -- Alice\r\n")


def hx(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data.hex()


class Sealer:
    """One hop: a sealing domain with its own key."""

    def __init__(self, domain, out):
        self.domain = domain.encode()
        self.selector = b"arc"
        pem = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], check=True,
                             capture_output=True).stdout
        der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem,
                             check=True, capture_output=True).stdout
        self.key = pem
        record = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
        out.write("Z\t%s\t%s\n" % (hx(b"arc._domainkey." + self.domain), hx(record)))

    def seal(self, message, cv, hop):
        """The message with this hop's Authentication-Results and ARC set."""
        # An authserv-id of the hop's own (python3-dkim puts every earlier
        # result with the same one into the new ARC-Authentication-Results).
        server = b"mx%d.%s" % (hop, self.domain)
        results = b"Authentication-Results: " + server + b"; arc=" + cv + \
            b"; spf=pass smtp.mailfrom=author.example;\r\n\tdmarc=pass header.from=author.example\r\n"
        message = results + message
        fields = dkim.arc_sign(message, self.selector, self.domain, self.key, server,
                               include_headers=SIGNED,
                               timestamp=T0 + hop)
        if len(fields) != 3:
            raise SystemExit("python3-dkim made no ARC set at hop %d" % hop)
        return b"".join(fields) + message


def chain(sealers, message=ORIGINAL, between=None):
    for hop, sealer in enumerate(sealers, 1):
        if between is not None:
            message = between(hop, message)
        message = sealer.seal(message, b"none" if hop == 1 else b"pass", hop)
    return message


def as_list(message):
    """A mailing list between two seals: tags the Subject, adds a footer."""
    head, body = message.split(b"\r\n\r\n", 1)
    head = head.replace(b"Subject: Quarterly figures", b"Subject: [team] Quarterly figures")
    return head + b"\r\n\r\n" + body + b"--\r\nteam mailing list\r\n"


def without_set(message, instance):
    """The message without the three fields of ARC set `instance`."""
    head, body = message.split(b"\r\n\r\n", 1)
    fields = re.split(rb"\r\n(?=[^ \t])", head)
    pattern = re.compile(rb"^ARC-[A-Za-z-]+:\s*(?:[^;]*;\s*)*?i=%d;" % instance, re.I | re.S)
    aar = re.compile(rb"^ARC-Authentication-Results:\s*i=%d;" % instance, re.I)
    kept = [f for f in fields if not (pattern.match(f) or aar.match(f))]
    if len(kept) != len(fields) - 3:
        raise SystemExit("could not remove ARC set %d" % instance)
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def renumbered_copy(message, instance, new):
    """Set `instance` copied on top with i=`new` (dkimpy will not seal past
    50): the 51st set."""
    head, _ = message.split(b"\r\n\r\n", 1)
    fields = re.split(rb"\r\n(?=[^ \t])", head)[:3]
    copy = [re.sub(rb"\bi=%d;" % instance, b"i=%d;" % new, f) for f in fields]
    return b"\r\n".join(copy) + b"\r\n" + message


def main():
    out = sys.stdout
    out.write("S\t%s\n" % hx("messages sealed by python3-dkim"))
    lists = Sealer("lists.example", out)
    forwarder = Sealer("forwarder.example", out)
    relay = Sealer("relay.example", out)

    def case(name, message, cv, oldest="-"):
        out.write("V\t%s\t%s\t%s\t%s\n" % (hx(name), hx(message), cv, oldest))

    case("dkimpy_one_hop", chain([lists]), "pass", "0")
    case("dkimpy_two_hops", chain([lists, forwarder]), "pass", "0")
    three = chain([lists, forwarder, relay])
    case("dkimpy_three_hops", three, "pass", "0")
    listed = chain([relay, lists, forwarder], between=lambda hop, m: as_list(m) if hop == 2 else m)
    case("dkimpy_list_changes_message_oldest_pass_2", listed, "pass", "2")
    # The second hop's ARC-Authentication-Results changed after sealing.
    at = three.index(b"ARC-Authentication-Results: i=2;")
    at = three.index(b"spf=pass", at)
    broken = three[:at] + b"spf=fail" + three[at + len(b"spf=pass"):]
    case("dkimpy_broken_seal", broken, "fail")
    case("dkimpy_body_changed_after_last_seal", as_list(chain([lists, forwarder])), "fail")
    case("dkimpy_instance_gap", without_set(three, 2), "fail")
    fifty = chain([lists, forwarder] * 25)
    case("dkimpy_50_sets", fifty, "pass", "0")
    case("dkimpy_51_sets", renumbered_copy(fifty, 50, 51), "fail")
    return 0


if __name__ == "__main__":
    sys.exit(main())
