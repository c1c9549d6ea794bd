#!/usr/bin/python3
"""gen_universe.py: the benchmark's DNS universe and message corpus.

Writes, into OUT (deterministic for a given --seed):
  records.tsv        name, type, data: every DNS record of the universe (TXT
                     data as plain text); run-bench loads them into unbound.
  domains.tsv        one line per sender domain: its DMARC, SPF and key choices.
  keys/              the DKIM private keys (PEM), one per selector.
  corpus/manifest.tsv and corpus/NNNNN.eml: the messages; manifest fields are
                     file, client address, HELO, MAIL FROM, RCPT TO, intent,
                     RFC5322.From domain.
  postfix.eml        one DKIM- and SPF-aligned message (client 127.0.0.1) for
                     the end-to-end run through Postfix with smtp-source -F.

Universe: ~50 registrable sender domains under .bench (not .test:
libunbound answers .test, a special-use name, NXDOMAIN by itself) with DMARC p=none,
quarantine, reject, with sp=, adkim/aspf=s, pct=, a missing or broken record,
subdomain senders and a domain where the RFC 9989 DNS tree walk finds a
different policy than RFC 7489's Organizational Domain (a known, intended
difference between dmarc-milter and OpenDMARC). SPF: ip4 ranges, include:,
redirect=, a/mx, -all/~all/?all, and errors (syntax, too many lookups, two
records, include of a name without SPF). DKIM keys: RSA-2048, RSA-1024 and
Ed25519 (RFC 8463), some domains dual-signing. Messages 2 KB-100 KB
(log-uniform), a mix of DMARC pass, fail and none.

Indirect mail carries ARC sets (RFC 8617), one to three hops: mailing-list
messages (the author's DKIM signature broken by a Subject tag and a footer,
re-sent from the list's envelope and address, signed and sealed by the list,
after up to two sealing forwarders) and forwarded messages (body intact,
client and sealers of one to three forwarders, the envelope kept). The
sealers' keys (RSA-2048, selector "arc") are in the universe's DNS.

DKIM signing is done here (relaxed/relaxed, rsa-sha256 or ed25519-sha256,
RFC 6376 section 3.4/3.5) with python3-cryptography; the benchmark's
verification by OpenDKIM itself proves the signatures right (see the
"dkim=pass" counts run-bench prints). ARC sets are made with python3-dkim's
arc_sign (Debian's dkimpy, which also verifies them: --check-arc).
Trusts nothing but its arguments.
"""

import argparse
import base64
import hashlib
import math
import os
import random
import re
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

SIGNED_HEADERS = ["from", "to", "subject", "date", "message-id", "mime-version", "content-type"]

WORDS = ("invoice order shipment account meeting report quarterly budget review update "
         "delivery customer service request project status schedule weekly summary notice "
         "payment receipt travel conference agenda minutes release security patch backup "
         "server network storage database migration contract renewal license support ticket "
         "the of and to in for on with at by from about as into over after under between").split()


# --------------------------------------------------------------------------
# DKIM signing (RFC 6376, RFC 8463)
# --------------------------------------------------------------------------


def relaxed_header(name, value):
    """RFC 6376 section 3.4.2."""
    value = re.sub(r"\r?\n", "", value)
    value = re.sub(r"[ \t]+", " ", value).strip()
    return "%s:%s\r\n" % (name.lower().strip(), value)


def relaxed_body(body):
    """RFC 6376 section 3.4.4; body uses CRLF line ends."""
    lines = body.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [re.sub(r"[ \t]+", " ", line).rstrip(" ") for line in lines]
    while lines and lines[-1] == "":
        lines.pop()
    return "".join(line + "\r\n" for line in lines)


class SigningKey:
    def __init__(self, domain, selector, kind, private):
        self.domain = domain
        self.selector = selector
        self.kind = kind  # rsa2048, rsa1024, ed25519
        self.private = private

    @property
    def algorithm(self):
        return "ed25519-sha256" if self.kind == "ed25519" else "rsa-sha256"

    def dns_record(self):
        public = self.private.public_key()
        if self.kind == "ed25519":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return "v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode()
        der = public.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()

    def pem(self):
        return self.private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())

    def sign(self, headers, body, timestamp, domain=None):
        """The DKIM-Signature header value for headers [(name, value)] and body."""
        bh = base64.b64encode(hashlib.sha256(relaxed_body(body).encode()).digest()).decode()
        present = {name.lower() for name, _ in headers}
        signed = [h for h in SIGNED_HEADERS if h in present]
        tags = "v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s; t=%d; h=%s; bh=%s; b=" % (
            self.algorithm, domain or self.domain, self.selector, timestamp, ":".join(signed), bh)
        data = ""
        last = {}
        for name, value in headers:
            last[name.lower()] = (name, value)
        for h in signed:
            data += relaxed_header(*last[h])
        data += relaxed_header("DKIM-Signature", tags).rstrip("\r\n")
        if self.kind == "ed25519":
            signature = self.private.sign(hashlib.sha256(data.encode()).digest())
        else:
            signature = self.private.sign(data.encode(), padding.PKCS1v15(), hashes.SHA256())
        return tags + base64.b64encode(signature).decode()


class Sealer:
    """A mailing list or forwarder that seals what it relays (RFC 8617)."""

    def __init__(self, name, net):
        self.name = name
        self.net = net  # its outbound addresses: <net>.0/24
        self.key = SigningKey(name, "arc", "rsa2048", make_key("rsa2048"))

    def ip(self, rng):
        return "%s.%d" % (self.net, rng.randint(2, 250))

    def records(self):
        return [(self.name, "TXT", "v=spf1 ip4:%s.0/24 -all" % self.net),
                ("_dmarc." + self.name, "TXT", "v=DMARC1; p=none"),
                ("arc._domainkey." + self.name, "TXT", self.key.dns_record())]

    def pkcs1(self):
        # dkimpy reads RSA keys in PKCS#1 PEM only.
        return self.key.private.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.TraditionalOpenSSL,
                                              serialization.NoEncryption())


def make_key(rng_kind):
    if rng_kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    bits = 2048 if rng_kind == "rsa2048" else 1024
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


# --------------------------------------------------------------------------
# The universe
# --------------------------------------------------------------------------


class Domain:
    def __init__(self, index, name):
        self.index = index
        self.name = name
        self.net = "100.64.%d" % index  # authorized senders: 100.64.<i>.0/24
        self.dmarc = None  # record text or None
        self.spf = None  # list of SPF record texts (0, 1 or 2)
        self.keys = []
        self.subdomain_sender = None
        self.notes = []

    def good_ip(self, rng):
        return "%s.%d" % (self.net, rng.randint(2, 250))


def build_universe(rng, count):
    records = []
    domains = []
    # The shared email service provider: its own SPF and key (third-party signer).
    esp = Domain(250, "esp-mailer.bench")
    esp.spf = ["v=spf1 ip4:100.127.0.0/16 -all"]
    records.append(("_spf.esp-mailer.bench", "TXT", "v=spf1 ip4:100.126.0.0/16 ip4:100.127.0.0/16 ~all"))
    records.append(("esp-mailer.bench", "TXT", esp.spf[0]))
    records.append(("_dmarc.esp-mailer.bench", "TXT", "v=DMARC1; p=none"))

    policies = ["none", "quarantine", "reject"]
    for i in range(count):
        d = Domain(i, "sender%02d.bench" % i)
        domains.append(d)
        # DMARC record
        roll = i % 10
        if i in (7, 23):
            d.dmarc = None
            d.notes.append("no-dmarc")
        elif i == 31:
            d.dmarc = "v=DMARC1; p=bogus; rua=mailto:dmarc@%s" % d.name
            d.notes.append("dmarc-invalid-p")
        elif i == 41:
            d.dmarc = "v=DMARC1 p=reject"
            d.notes.append("dmarc-syntax")
        else:
            p = policies[roll % 3]
            tags = ["v=DMARC1", "p=%s" % p]
            if roll in (1, 4):
                tags.append("sp=%s" % policies[(roll + 1) % 3])
            if roll == 5:
                tags.append("adkim=s")
            if roll == 8:
                tags.append("aspf=s")
            if i in (12, 37):
                tags.append("pct=50")
            if i == 44:
                tags.append("t=y")
            tags.append("rua=mailto:dmarc-rua@%s" % d.name)
            d.dmarc = "; ".join(tags)
        if d.dmarc is not None:
            records.append(("_dmarc." + d.name, "TXT", d.dmarc))
        # Tree walk case: a policy at an intermediate name that RFC 7489 never queries.
        if i in (3, 29):
            records.append(("_dmarc.corp." + d.name, "TXT", "v=DMARC1; p=reject"))
            d.notes.append("treewalk")
        # SPF
        kind = i % 12
        ip4 = "ip4:%s.0/24" % d.net
        if kind in (0, 1, 2):
            d.spf = ["v=spf1 %s -all" % ip4]
        elif kind in (3, 4):
            d.spf = ["v=spf1 %s include:_spf.esp-mailer.bench ~all" % ip4]
        elif kind == 5:
            records.append(("_spf." + d.name, "TXT", "v=spf1 %s -all" % ip4))
            d.spf = ["v=spf1 redirect=_spf.%s" % d.name]
        elif kind == 6:
            records.append((d.name, "A", "%s.10" % d.net))
            records.append(("mx1." + d.name, "A", "%s.20" % d.net))
            records.append((d.name, "MX", "10 mx1.%s." % d.name))
            d.spf = ["v=spf1 a mx %s ?all" % ip4]
        elif kind == 7:
            d.spf = ["v=spf1 %s include:nospf.%s -all" % (ip4, d.name)]
            d.notes.append("spf-include-missing")
        elif kind == 8:
            d.spf = ["v=spf1 ip4:999.1.1.0/24 %s -all" % ip4]
            d.notes.append("spf-syntax")
        elif kind == 9:
            # 11 chained includes: more than the 10 DNS lookups allowed (RFC 7208 4.6.4).
            for n in range(11):
                target = "l%d.chain.%s" % (n + 1, d.name)
                records.append(("l%d.chain.%s" % (n, d.name), "TXT", "v=spf1 include:%s -all" % target))
            d.spf = ["v=spf1 %s include:l0.chain.%s -all" % (ip4, d.name)]
            d.notes.append("spf-too-many-lookups")
        elif kind == 10:
            d.spf = ["v=spf1 %s -all" % ip4, "v=spf1 ~all"]
            d.notes.append("spf-two-records")
        else:
            d.spf = []
            d.notes.append("no-spf")
        for text in d.spf:
            records.append((d.name, "TXT", text))
        # DKIM keys
        key_kind = ("rsa2048", "rsa2048", "rsa1024", "ed25519", "rsa2048")[i % 5]
        d.keys.append(SigningKey(d.name, "s%d" % (i % 3 + 1), key_kind, make_key(key_kind)))
        if i % 9 == 4 and key_kind != "ed25519":
            d.keys.append(SigningKey(d.name, "ed1", "ed25519", make_key("ed25519")))
            d.notes.append("dual-sign")
        for key in d.keys:
            records.append(("%s._domainkey.%s" % (key.selector, d.name), "TXT", key.dns_record()))
        if i % 6 == 2:
            d.subdomain_sender = "news." + d.name
            # The subdomain sends too (SPF at the subdomain, policy from the org domain's sp=/p=).
            records.append((d.subdomain_sender, "TXT", "v=spf1 ip4:%s.0/24 -all" % d.net))
    esp_key = SigningKey("esp-mailer.bench", "esp", "rsa2048", make_key("rsa2048"))
    records.append(("esp._domainkey.esp-mailer.bench", "TXT", esp_key.dns_record()))
    # The end-to-end (Postfix) sender: loopback clients pass SPF, p=reject.
    loop = Domain(251, "loopback-sender.bench")
    loop.dmarc = "v=DMARC1; p=reject"
    loop.spf = ["v=spf1 ip4:127.0.0.0/8 -all"]
    loop.keys.append(SigningKey(loop.name, "e2e", "rsa2048", make_key("rsa2048")))
    records.append(("_dmarc." + loop.name, "TXT", loop.dmarc))
    records.append((loop.name, "TXT", loop.spf[0]))
    records.append(("e2e._domainkey." + loop.name, "TXT", loop.keys[0].dns_record()))
    # ARC: one mailing list and three forwarders, each sealing what it relays.
    sealers = {"list": Sealer("list-server.bench", "100.65.0"),
               "forwarders": [Sealer("fwd%d-relay.bench" % n, "100.66.%d" % n) for n in (1, 2, 3)]}
    for sealer in [sealers["list"]] + sealers["forwarders"]:
        records.extend(sealer.records())
    return domains, esp, esp_key, loop, records, sealers


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------


def body_text(rng, size):
    lines = []
    total = 0
    while total < size:
        n = rng.randint(6, 14)
        line = " ".join(rng.choice(WORDS) for _ in range(n))
        line = line[0].upper() + line[1:] + "."
        lines.append(line)
        total += len(line) + 2
        if rng.random() < 0.12:
            lines.append("--")
            total += 4
    return "\r\n".join(lines) + "\r\n"


INTENTS = [  # (intent, weight)
    ("aligned-pass", 34),
    ("dkim-only", 14),
    ("spf-only", 10),
    ("forged", 14),
    ("dkim-broken", 8),
    ("third-party", 8),
    ("subdomain", 5),
    ("unknown-selector", 3),
    ("treewalk", 2),
    ("dual-signed", 2),
    ("list-arc", 6),       # a mailing list (and forwarders before it) sealed it
    ("forwarded-arc", 6),  # one to three forwarders sealed it
]


# The headers an ARC-Message-Signature covers (those present).
ARC_SIGNED_HEADERS = SIGNED_HEADERS + ["list-id"]


def arc_seal(sealer, headers, body, results, now):
    """Prepends the next ARC set of `sealer` to headers [(name, value)]: its
    ARC-Authentication-Results say `results` (the sealer's own findings)."""
    import dkim  # python3-dkim; only needed when the corpus is (re)generated

    present = {name.lower() for name, _ in headers}
    signed = [h.encode() for h in ARC_SIGNED_HEADERS if h in present]
    message = "".join("%s: %s\r\n" % (n, v) for n, v in
                      [("Authentication-Results", "%s; %s" % (sealer.name, results))] + headers)
    arc_set = dkim.arc_sign((message + "\r\n" + body).encode(), b"arc", sealer.name.encode(), sealer.pkcs1(),
                            sealer.name.encode(), include_headers=signed, timestamp=now)
    if len(arc_set) != 3:
        raise RuntimeError("arc_sign made no ARC set for %s" % sealer.name)
    for line in reversed(arc_set):  # ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results
        name, value = line.decode().rstrip("\r\n").split(":", 1)
        headers.insert(0, (name, value.lstrip(" ").replace("\r\n", "\n")))


def relay_through_sealers(rng, intent, headers, body, author_signed, client, mail_from_domain, from_domain,
                          sealers, now):
    """The hops of an indirect message, each sealing it. Returns (headers, body,
    client, helo, mail_from) of the last hop; mail_from None: unchanged."""
    hops = rng.randint(1, 3)
    path = sealers["forwarders"][:hops - 1] + [sealers["list"]] if intent == "list-arc" else \
        sealers["forwarders"][:hops]
    dkim_intact = author_signed
    for number, sealer in enumerate(path, 1):
        spf = "pass" if number == 1 else "fail"  # later hops see the previous relay's address
        dmarc = "pass" if dkim_intact or spf == "pass" else "fail"
        results = "dkim=%s header.d=%s; spf=%s smtp.mailfrom=%s; dmarc=%s header.from=%s" % (
            "pass" if dkim_intact else "none", from_domain, spf, mail_from_domain, dmarc, from_domain)
        if number > 1:
            results += "; arc=pass"
        if sealer is sealers["list"]:
            # The list tags the Subject, adds a footer and List-Id, signs as itself.
            headers = [(n, "[bench-list] " + v if n == "Subject" else v) for n, v in headers]
            body += "--\r\nbench-list mailing list\r\nhttps://list-server.bench/bench-list\r\n"
            headers.append(("List-Id", "<bench-list.list-server.bench>"))
            headers.insert(0, ("DKIM-Signature", sealer.key.sign(headers, body, now)))
            mail_from_domain = sealer.name
            dkim_intact = False
        arc_seal(sealer, headers, body, results, now)
        client = sealer.ip(rng)
    # A list sends from its own envelope; a forwarder keeps the author's (None).
    mail_from = "bench-list-bounces@%s" % mail_from_domain if intent == "list-arc" else None
    return headers, body, client, "mail.%s" % path[-1].name, mail_from


def make_message(rng, number, domains, esp, esp_key, sealers, now, size):
    intent = rng.choices([i for i, _ in INTENTS], [w for _, w in INTENTS])[0]
    pool = domains
    if intent == "subdomain":
        pool = [d for d in domains if d.subdomain_sender]
    elif intent == "treewalk":
        pool = [d for d in domains if "treewalk" in d.notes]
    elif intent == "dual-signed":
        pool = [d for d in domains if "dual-sign" in d.notes]
    d = rng.choice(pool)
    from_domain = d.name
    if intent == "subdomain":
        from_domain = d.subdomain_sender
    elif intent == "treewalk":
        from_domain = "hr.corp." + d.name
    mail_from_domain = from_domain if intent != "treewalk" else d.name
    client = "192.0.2.%d" % rng.randint(1, 254)
    sign_with = []
    tamper = False
    if intent in ("aligned-pass", "subdomain", "treewalk", "dual-signed", "list-arc"):
        client = d.good_ip(rng)
        sign_with = list(d.keys) if intent == "dual-signed" else [d.keys[0]]
    elif intent == "forwarded-arc":
        client = d.good_ip(rng)
        sign_with = [d.keys[0]] if rng.random() < 0.5 else []  # unsigned: only ARC can save it
    elif intent == "dkim-only":
        sign_with = [d.keys[0]]
        mail_from_domain = "bounces.%s" % esp.name if rng.random() < 0.5 else from_domain
    elif intent == "spf-only":
        client = d.good_ip(rng)
    elif intent == "dkim-broken":
        sign_with = [d.keys[0]]
        tamper = True
    elif intent == "third-party":
        client = "100.127.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))
        mail_from_domain = esp.name
        sign_with = [esp_key]
    elif intent == "unknown-selector":
        sign_with = [SigningKey(d.name, "gone", "rsa2048", d.keys[0].private)] if d.keys[0].kind != "ed25519" \
            else [SigningKey(d.name, "gone", "ed25519", d.keys[0].private)]
    localpart = rng.choice(["news", "billing", "alice", "bob", "noreply", "support"])
    mail_from = "%s@%s" % (localpart, mail_from_domain)
    helo = "mail%d.%s" % (rng.randint(1, 9), mail_from_domain)
    rcpt = "user%d@mx.bench.test" % rng.randint(1, 500)
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(now - rng.randint(0, 3600)))
    headers = [
        ("Received", "from %s ([%s]) by relay.bench.test with ESMTP id R%05d" % (helo, client, number)),
        ("From", "%s <%s@%s>" % (localpart.capitalize(), localpart, from_domain)),
        ("To", "<%s>" % rcpt),
        ("Subject", "Benchmark message %d (%s)" % (number, intent)),
        ("Date", date),
        ("Message-ID", "<bench-%05d.%d@%s>" % (number, now, from_domain)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ]
    body = body_text(rng, size)
    signatures = [key.sign(headers, body, now) for key in sign_with]
    if tamper:
        body = body.replace("invoice", "lnvoice", 1) if "invoice" in body else "X" + body
    for sig in reversed(signatures):
        headers.insert(0, ("DKIM-Signature", sig))
    if intent in ("list-arc", "forwarded-arc"):
        headers, body, client, helo, relayed_from = relay_through_sealers(
            rng, intent, headers, body, bool(sign_with), client, mail_from_domain, from_domain, sealers, now)
        mail_from = relayed_from or mail_from
    text = "".join("%s: %s\n" % (n, v) for n, v in headers) + "\n" + body.replace("\r\n", "\n")
    return intent, client, helo, mail_from, rcpt, from_domain, text


def check_arc(records, corpus_dir):
    """Every sealed message's chain validates (dkimpy, keys from the universe):
    the corpus exercises validation, not only failure paths."""
    import dkim

    txt = {}
    for name, rtype, data in records:
        if rtype == "TXT":
            txt.setdefault(name.lower(), []).append(data)

    def dnsfunc(name, timeout=5):
        found = txt.get(name.decode().rstrip(".").lower(), [])
        return found[0].encode() if found else None

    sealed = 0
    with open(os.path.join(corpus_dir, "manifest.tsv")) as manifest:
        for line in manifest:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#") or fields[5] not in ("list-arc", "forwarded-arc"):
                continue
            with open(os.path.join(corpus_dir, fields[0]), "rb") as handle:
                cv, _, reason = dkim.arc_verify(handle.read().replace(b"\n", b"\r\n"), dnsfunc=dnsfunc)
            if cv != dkim.CV_Pass:
                raise RuntimeError("%s: ARC chain does not validate: %s %s" % (fields[0], cv, reason))
            sealed += 1
    print("gen_universe: %d messages with ARC sets, every chain validates" % sealed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--domains", type=int, default=50)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    now = int(time.time())
    os.makedirs(os.path.join(args.out, "keys"), exist_ok=True)
    corpus_dir = os.path.join(args.out, "corpus")
    os.makedirs(corpus_dir, exist_ok=True)
    domains, esp, esp_key, loop, records, sealers = build_universe(rng, args.domains)
    with open(os.path.join(args.out, "records.tsv"), "w") as out:
        for name, rtype, data in records:
            out.write("%s\t%s\t%s\n" % (name, rtype, data))
    with open(os.path.join(args.out, "domains.tsv"), "w") as out:
        for d in domains:
            out.write("%s\t%s\t%s\t%s\t%s\n" % (d.name, d.dmarc, " | ".join(d.spf),
                                                 ",".join("%s:%s" % (k.selector, k.kind) for k in d.keys),
                                                 ",".join(d.notes)))
            for key in d.keys:
                with open(os.path.join(args.out, "keys", "%s.%s.pem" % (key.selector, d.name)), "wb") as k:
                    k.write(key.pem())
    with open(os.path.join(corpus_dir, "manifest.tsv"), "w") as manifest:
        manifest.write("# file\tclient\thelo\tmail_from\trcpt\tintent\tfrom_domain\n")
        low, high = math.log(2048), math.log(100 * 1024)
        for number in range(args.messages):
            size = int(math.exp(rng.uniform(low, high))) - 900  # minus the header block
            intent, client, helo, mail_from, rcpt, from_domain, text = make_message(
                rng, number, domains, esp, esp_key, sealers, now, max(size, 1000))
            name = "%05d.eml" % number
            with open(os.path.join(corpus_dir, name), "w") as handle:
                handle.write(text)
            manifest.write("\t".join([name, client, helo, mail_from, rcpt, intent, from_domain]) + "\n")
    check_arc(records, corpus_dir)
    # The end-to-end message.
    headers = [
        ("From", "Loop <alice@%s>" % loop.name),
        ("To", "<user@mx.bench.test>"),
        ("Subject", "Benchmark end-to-end message"),
        ("Date", time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(now))),
        ("Message-ID", "<e2e.%d@%s>" % (now, loop.name)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ]
    body = body_text(rng, 12000)
    headers.insert(0, ("DKIM-Signature", loop.keys[0].sign(headers, body, now)))
    with open(os.path.join(args.out, "postfix.eml"), "w") as handle:
        handle.write("".join("%s: %s\n" % (n, v) for n, v in headers) + "\n" + body.replace("\r\n", "\n"))
    print("gen_universe: %d domains, %d records, %d messages in %s" % (
        len(domains), len(records), args.messages, args.out))


if __name__ == "__main__":
    main()
