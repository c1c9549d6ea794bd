"""dmarc-milter end to end through the harness's real Postfix (issue 5).

Mail is submitted over SMTP to the Postfix listener whose smtpd_milters
points at the milter; XCLIENT presents the client address, HELO and SMTP
AUTH login the milter sees. The tests assert on Postfix's SMTP replies
(rejects, tempfails), on the headers of the mail delivered to the sink, and
on the hold queue for quarantine. DNS (DMARC, SPF, DKIM keys) comes from the
harness's unbound; every domain is under mt.example, which no other test
uses.
"""

import unittest

from harness import services as hs
from integration.milter_support import DkimKey, MilterProcess, auth_results, headers_of, message

RCPT = ["rcpt@rcpt.example"]
GOOD_IP = "192.0.2.10"  # the address every SPF record here authorises
BAD_IP = "198.51.100.7"  # authorised nowhere


def allow_relay_to_rcpt_domain(postfix):
    """XCLIENT presents clients outside mynetworks; let them send to the
    test recipient domain (relayed to the sink like everything else)."""
    current = hs.run(["postconf", "-c", postfix.etc, "-h", "relay_domains"]).stdout.strip()
    if "rcpt.example" not in current.split():
        hs.run(["postconf", "-c", postfix.etc, "-e", "relay_domains = rcpt.example",
                "smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject"])
        postfix.postfix("reload")


def xclient(addr=BAD_IP, helo="mail.sender.example", login=None):
    attrs = {"ADDR": addr, "HELO": helo}
    if login:
        attrs["LOGIN"] = login
    return attrs


class PostfixMilterCase(unittest.TestCase):
    """Starts one milter (with the class's config delta) for the class."""

    config = ""

    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.dns = cls.s.dns
        allow_relay_to_rcpt_domain(cls.s.postfix)
        cls.publish(cls.dns)
        cls.milter = MilterProcess(cls.s, cls.__name__, cls.config).start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    @classmethod
    def publish(cls, dns):
        dns.add_records([
            ("spf.mt.example", "TXT", "v=spf1 ip4:%s ip6:2001:db8::10 -all" % GOOD_IP),
            ("spf.mt.example", "A", "192.0.2.10"),
            ("_dmarc.spf.mt.example", "TXT", "v=DMARC1; p=reject"),
            ("reject.mt.example", "TXT", "v=spf1 -all"),
            ("reject.mt.example", "A", "192.0.2.11"),
            ("_dmarc.reject.mt.example", "TXT", "v=DMARC1; p=reject"),
            ("quarantine.mt.example", "A", "192.0.2.12"),
            ("_dmarc.quarantine.mt.example", "TXT", "v=DMARC1; p=quarantine"),
            ("none.mt.example", "A", "192.0.2.13"),
            ("_dmarc.none.mt.example", "TXT", "v=DMARC1; p=none"),
            ("sp.mt.example", "A", "192.0.2.14"),
            ("_dmarc.sp.mt.example", "TXT", "v=DMARC1; p=none; sp=reject; np=none"),
            ("exists.sp.mt.example", "A", "192.0.2.15"),
            ("np.mt.example", "A", "192.0.2.16"),
            ("_dmarc.np.mt.example", "TXT", "v=DMARC1; p=none; sp=none; np=reject"),
            ("testing.mt.example", "A", "192.0.2.17"),
            ("_dmarc.testing.mt.example", "TXT", "v=DMARC1; p=reject; t=y"),
            ("dkim.mt.example", "A", "192.0.2.18"),
            ("_dmarc.dkim.mt.example", "TXT", "v=DMARC1; p=reject"),
            ("down.mt.example", "A", "192.0.2.19"),
            ("monitor.mt.example", "A", "192.0.2.20"),
            ("_dmarc.monitor.mt.example", "TXT", "v=DMARC1; p=none"),
            ("trial.mt.example", "A", "192.0.2.21"),
            ("_dmarc.trial.mt.example", "TXT", "v=DMARC1; p=quarantine; t=y"),
        ])

    def send(self, from_header, mail_from="bounce@spf.mt.example", client=None, **kwargs):
        text, marker = message(from_header, **kwargs)
        code, reply = self.s.postfix.send(text, mail_from, RCPT, xclient=client or xclient())
        return code, reply, marker

    def delivered(self, marker):
        return self.s.sink.wait_for(marker)

    def ours(self, raw):
        return [v for v in auth_results(raw) if v.lower().startswith("mx.harness.test")]


class TestPostfixPolicies(PostfixMilterCase):
    """Default configuration: enforcing, quarantine as a header only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = DkimKey(cls.s, "dkim.mt.example")

    def test_pass_via_spf_only_adds_header_at_top(self):
        code, reply, marker = self.send("Alice <alice@spf.mt.example>", client=xclient(GOOD_IP))
        self.assertEqual(code, 250, reply)
        raw = self.delivered(marker)
        ours = self.ours(raw)
        self.assertEqual(len(ours), 1, ours)
        self.assertIn("spf=pass", ours[0])
        self.assertIn("dmarc=pass", ours[0])
        self.assertIn("header.from=spf.mt.example", ours[0])
        # RFC 8601 §4.1: our field is the topmost one the milter controls.
        names = [k.lower() for k, _ in headers_of(raw)]
        self.assertLess(names.index("authentication-results"), names.index("from"))

    def test_pass_via_dkim_only(self):
        text, marker = message("Dee <dee@dkim.mt.example>")
        signed = self.key.sign(text)
        code, reply = self.s.postfix.send(signed, "bounce@reject.mt.example", RCPT, xclient=xclient())
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertEqual(len(ours), 1, ours)
        self.assertIn("spf=fail", ours[0])
        self.assertIn("dkim=pass", ours[0])
        self.assertIn("header.d=dkim.mt.example", ours[0])
        self.assertIn("dmarc=pass", ours[0])

    def test_fail_with_p_reject_answers_550_naming_domain(self):
        code, reply, _ = self.send("Mallory <m@reject.mt.example>", mail_from="m@reject.mt.example")
        self.assertEqual(code, 550, reply)
        self.assertIn("5.7.1", reply)
        self.assertIn("reject.mt.example", reply)

    def test_fail_with_p_quarantine_is_marked_not_held(self):
        code, reply, marker = self.send("q@quarantine.mt.example", mail_from="q@quarantine.mt.example")
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertIn("dmarc=fail", ours[0])
        self.assertIn("policy.dmarc=quarantine", ours[0])

    def test_fail_with_p_none_is_delivered_with_fail(self):
        code, reply, marker = self.send("n@none.mt.example", mail_from="n@none.mt.example")
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertIn("dmarc=fail", ours[0])
        self.assertIn("policy.dmarc=none", ours[0])

    def test_sp_applies_to_existing_subdomain(self):
        code, reply, _ = self.send("s@exists.sp.mt.example", mail_from="s@exists.sp.mt.example")
        self.assertEqual(code, 550, reply)
        self.assertIn("exists.sp.mt.example", reply)

    def test_np_applies_to_nonexistent_subdomain(self):
        code, reply, _ = self.send("n@ghost.np.mt.example", mail_from="n@ghost.np.mt.example")
        self.assertEqual(code, 550, reply)
        self.assertIn("ghost.np.mt.example", reply)

    def test_t_y_takes_one_level_lower(self):
        # RFC 9989 t=y: p=reject is applied as quarantine (header only here).
        code, reply, marker = self.send("t@testing.mt.example", mail_from="t@testing.mt.example")
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertIn("dmarc=fail", ours[0])
        self.assertIn("policy.dmarc=quarantine", ours[0])

    def test_temperror_with_dns_down_tempfails(self):
        self.dns.refuse_zone("down.mt.example")
        try:
            code, reply, _ = self.send("d@down.mt.example", mail_from="d@down.mt.example")
        finally:
            self.dns.unrefuse_zone("down.mt.example")
        self.assertEqual(code, 451, reply)
        self.assertIn("4.7.5", reply)

    def test_temperror_under_monitoring_policy_is_delivered(self):
        # The MAIL FROM domain's zone is refused: SPF and the alignment walk
        # fail, so DMARC is temperror. The policy itself is known: p=none
        # (or t=y taking p=quarantine to none) cannot act on the result, so
        # retrying changes nothing (RFC 9989 §5.4): delivered, not 451.
        for author in ("monitor.mt.example", "trial.mt.example"):
            self.dns.refuse_zone("spf-down." + author)
            try:
                code, reply, marker = self.send("m@" + author, mail_from="b@spf-down." + author)
            finally:
                self.dns.unrefuse_zone("spf-down." + author)
            self.assertEqual(code, 250, "%s: %s" % (author, reply))
            ours = self.ours(self.delivered(marker))
            self.assertIn("dmarc=temperror", ours[0])
            self.assertIn("header.from=" + author, ours[0])
        # The same under p=reject is deferred.
        self.dns.refuse_zone("spf-down.reject.mt.example")
        try:
            code, reply, _ = self.send("m@reject.mt.example", mail_from="b@spf-down.reject.mt.example")
        finally:
            self.dns.unrefuse_zone("spf-down.reject.mt.example")
        self.assertEqual(code, 451, reply)
        self.assertIn("4.7.5", reply)

    def test_ignored_host_by_default_loopback(self):
        # 127.0.0.1 is in IgnoreHosts by default: evaluated, labelled, not enforced.
        text, marker = message("m@reject.mt.example")
        code, reply = self.s.postfix.send(text, "m@reject.mt.example", RCPT)
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertIn("dmarc=fail", ours[0])
        # The header says a local rule let the failure through.
        self.assertIn("(dis=none override=local_policy)", ours[0])

    def test_authenticated_client_is_enforced_by_default(self):
        code, reply, _ = self.send("m@reject.mt.example", mail_from="m@reject.mt.example",
                                   client=xclient(login="alice"))
        self.assertEqual(code, 550, reply)

    def test_forged_auth_results_stripped_foreign_kept(self):
        code, reply, marker = self.send(
            "alice@spf.mt.example", client=xclient(GOOD_IP),
            extra_headers=["Authentication-Results: mx.harness.test; dmarc=pass header.from=evil.example",
                           "Authentication-Results: other.example; spf=pass smtp.mailfrom=x.example",
                           "Authentication-Results: MX.Harness.Test (forged); dkim=pass"])
        self.assertEqual(code, 250, reply)
        raw = self.delivered(marker)
        ours = self.ours(raw)
        self.assertEqual(len(ours), 1, ours)
        self.assertNotIn("evil.example", ours[0])
        self.assertIn("header.from=spf.mt.example", ours[0])
        self.assertTrue(any(v.startswith("other.example") for v in auth_results(raw)))

    def test_multi_from_strictest_result_applies(self):
        # CVE-2019-16378: a passing first address must not hide a failing second one.
        code, reply, _ = self.send("alice@spf.mt.example, m@reject.mt.example", client=xclient(GOOD_IP))
        self.assertEqual(code, 550, reply)
        self.assertIn("reject.mt.example", reply)

    def test_second_from_with_space_before_colon(self):
        # RFC 5322 section 4.5.2 (obs-optional): "From : x" is a From field,
        # so the failing second author domain decides.
        code, reply, _ = self.send("alice@spf.mt.example", client=xclient(GOOD_IP),
                                   extra_headers=["From : m@reject.mt.example"])
        self.assertEqual(code, 550, reply)
        self.assertIn("reject.mt.example", reply)

    def test_ipv6_client(self):
        code, reply, marker = self.send("alice@spf.mt.example", client=xclient("IPV6:2001:db8::10"))
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertIn("spf=pass", ours[0])
        self.assertIn("dmarc=pass", ours[0])
        code, reply, _ = self.send("m@reject.mt.example", mail_from="m@reject.mt.example",
                                   client=xclient("IPV6:2001:db8::99"))
        self.assertEqual(code, 550, reply)

    def test_twenty_megabyte_message(self):
        body = ("x" * 998 + "\r\n") * (20 * 1024 * 1024 // 1000)
        text, marker = message("Big <big@dkim.mt.example>", body=body)
        signed = self.key.sign(text)
        code, reply = self.s.postfix.send(signed, "bounce@reject.mt.example", RCPT, xclient=xclient())
        self.assertEqual(code, 250, reply)
        ours = self.ours(self.delivered(marker))
        self.assertIn("dkim=pass", ours[0])
        self.assertIn("dmarc=pass", ours[0])

    def test_thousand_headers(self):
        extra = ["X-Filler-%04d: value %d" % (i, i) for i in range(1000)]
        code, reply, marker = self.send("alice@spf.mt.example", client=xclient(GOOD_IP), extra_headers=extra)
        self.assertEqual(code, 250, reply)
        raw = self.delivered(marker)
        self.assertIn("dmarc=pass", self.ours(raw)[0])
        self.assertEqual(sum(1 for k, _ in headers_of(raw) if k.startswith("X-Filler-")), 1000)

    def test_no_from_is_rejected_by_default(self):
        # UnusableFromAction reject: a message without an author cannot be checked.
        code, reply, _ = self.send(None)
        self.assertEqual(code, 550, reply)

    def test_several_messages_on_one_connection(self):
        client = self.s.postfix.connect(xclient=xclient(GOOD_IP))
        try:
            markers = []
            for i in range(3):
                text, marker = message("alice@spf.mt.example", subject="conn %d" % i)
                client.mail("bounce@spf.mt.example")
                client.rcpt(RCPT[0])
                code, reply = client.data(text.encode())
                self.assertEqual(code, 250, reply)
                markers.append(marker)
            client.mail("m@reject.mt.example")
            client.rcpt(RCPT[0])
            code, reply = client.data(message("m@reject.mt.example")[0].encode())
            self.assertEqual(code, 550, reply)
        finally:
            client.quit()
        for marker in markers:
            self.assertEqual(len(self.ours(self.delivered(marker))), 1)


class TestPostfixHoldAndExemptions(PostfixMilterCase):
    """HoldQuarantinedMessages, IgnoreHosts, IgnoreAuthenticatedClients,
    DomainPolicyOverrides."""

    config = "\n".join([
        "HoldQuarantinedMessages yes",
        "IgnoreHosts 127.0.0.1, ::1, 203.0.113.0/24",
        "IgnoreAuthenticatedClients yes",
        "DomainPolicyOverrides none.mt.example:reject",
        "TemperrorAction accept",
        "TrustedForwarders 192.0.2.128/25",
        "TrustedMailingLists dev.lists.mt.example",
    ])

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.list_key = DkimKey(cls.s, "lists.mt.example")

    def test_quarantine_goes_to_hold_queue(self):
        before = set(self.s.postfix.queue_ids("hold"))
        code, reply, marker = self.send("q@quarantine.mt.example", mail_from="q@quarantine.mt.example")
        self.assertEqual(code, 250, reply)
        held = set(self.s.postfix.queue_ids("hold")) - before
        self.assertEqual(len(held), 1, "got %d new held messages, want 1" % len(held))
        content = self.s.postfix.queued_message(held.pop())
        self.assertIn(marker, content)
        self.assertIn("policy.dmarc=quarantine", " ".join(content.split()))

    def test_ignored_host_cidr(self):
        code, reply, marker = self.send("m@reject.mt.example", mail_from="m@reject.mt.example",
                                        client=xclient("203.0.113.45"))
        self.assertEqual(code, 250, reply)
        self.assertIn("dmarc=fail", self.ours(self.delivered(marker))[0])

    def test_authenticated_client_exempt(self):
        code, reply, marker = self.send("m@reject.mt.example", mail_from="m@reject.mt.example",
                                        client=xclient(login="alice"))
        self.assertEqual(code, 250, reply)
        self.assertIn("dmarc=fail", self.ours(self.delivered(marker))[0])
        self.milter.wait_for_log("IgnoreAuthenticatedClients")

    def test_trusted_forwarder(self):
        code, reply, marker = self.send("m@reject.mt.example", mail_from="m@reject.mt.example",
                                        client=xclient("192.0.2.200"))
        self.assertEqual(code, 250, reply)
        self.assertIn("dmarc=fail", self.ours(self.delivered(marker))[0])
        self.milter.wait_for_log("override=trusted_forwarder")

    def test_trusted_mailing_list(self):
        # The list signed the message with its domain: exempt.
        text, marker = message("m@reject.mt.example",
                               extra_headers=["List-Id: Developers <dev.lists.mt.example>"])
        code, reply = self.s.postfix.send(self.list_key.sign(text), "m@reject.mt.example", RCPT,
                                          xclient=xclient())
        self.assertEqual(code, 250, reply)
        self.milter.wait_for_log("override=mailing_list")
        self.assertIn("override=mailing_list", self.ours(self.delivered(marker))[0])
        # A spoofer's forged List-Id naming the trusted list, unsigned: rejected.
        code, reply, _ = self.send("m@reject.mt.example", mail_from="m@reject.mt.example",
                                   extra_headers=["List-Id: Developers <dev.lists.mt.example>"])
        self.assertEqual(code, 550, reply)
        # Another list is not trusted, even when it signs.
        text, _ = message("m@reject.mt.example", extra_headers=["List-Id: <other.lists.mt.example>"])
        code, reply = self.s.postfix.send(self.list_key.sign(text), "m@reject.mt.example", RCPT,
                                          xclient=xclient())
        self.assertEqual(code, 550, reply)

    def test_domain_override_rejects_p_none(self):
        code, reply, _ = self.send("n@none.mt.example", mail_from="n@none.mt.example")
        self.assertEqual(code, 550, reply)

    def test_temperror_accept(self):
        self.dns.refuse_zone("down.mt.example")
        try:
            code, reply, marker = self.send("d@down.mt.example", mail_from="d@down.mt.example")
        finally:
            self.dns.unrefuse_zone("down.mt.example")
        self.assertEqual(code, 250, reply)
        self.assertIn("dmarc=temperror", self.ours(self.delivered(marker))[0])


class TestPostfixMonitorMode(PostfixMilterCase):
    """RejectFailures false: observe before enforcing."""

    config = "RejectFailures false\nUnusableFromAction accept"

    def test_reject_policy_only_labelled(self):
        code, reply, marker = self.send("m@reject.mt.example", mail_from="m@reject.mt.example")
        self.assertEqual(code, 250, reply)
        self.assertIn("dmarc=fail", self.ours(self.delivered(marker))[0])
        self.milter.wait_for_log("override=local_policy")

    def test_no_from_accepted_when_configured(self):
        code, reply, marker = self.send(None)
        self.assertEqual(code, 250, reply)
        self.assertEqual(len(self.ours(self.delivered(marker))), 1)


class TestPostfixRfc7489(PostfixMilterCase):
    """DMARCStandard rfc7489: RFC 9989 tags are unknown tags there."""

    config = "DMARCStandard rfc7489"

    @classmethod
    def publish(cls, dns):
        super().publish(dns)
        dns.add_records([
            ("np7489.mt.example", "A", "192.0.2.40"),
            ("_dmarc.np7489.mt.example", "TXT",
             "v=DMARC1; p=reject; np=bogus; rua=mailto:d@np7489.mt.example"),
        ])

    def test_invalid_np_is_ignored(self):
        # RFC 7489 §6.3: an unknown tag is ignored, so p=reject stands (it
        # was read as p=none because of the np RFC 7489 does not have).
        code, reply, _ = self.send("m@np7489.mt.example", mail_from="m@np7489.mt.example")
        self.assertEqual(code, 550, reply)
        self.assertIn("np7489.mt.example", reply)


if __name__ == "__main__":
    unittest.main()
