"""dmarc-milter's metrics listener (MetricsListen) behind the real Postfix.

The milter runs with a history database and MetricsListen on a free
loopback port. The test scrapes /metrics over 127.0.0.1, sends messages
through Postfix, scrapes again and checks that each series moved by what
the messages explain: messages by DMARC result and disposition, replies,
SPF results, the end-of-message histogram, DNS queries, and the writer's
committed verdicts. Every page must parse with the Prometheus client's own
parser (python3-prometheus-client). A second daemon given the same port
must stop at start-up with exit status 69 and say why.
"""

import os
import subprocess
import unittest
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from harness import services as hs
from integration.milter_support import MilterProcess, message, milter_history_database
from integration.test_milter_postfix import BAD_IP, GOOD_IP, RCPT, allow_relay_to_rcpt_domain, xclient

DB = "miltermetrics"
ROLE = "miltermetrics_mx"
DOMAIN = "metrics.mt.example"


def scrape(port):
    """The samples of one scrape: {(name, ((label, value), ...)): value}."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as answer:
        content_type = answer.headers["Content-Type"]
        text = answer.read().decode("utf-8")
    if content_type != "text/plain; version=0.0.4; charset=utf-8":
        raise AssertionError("Content-Type %r" % content_type)
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            if key in samples:
                raise AssertionError("sample %r twice" % (key,))
            samples[key] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples, name):
    return sum(v for (n, _), v in samples.items() if n == name)


class TestMilterMetrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.pg = cls.s.postgres
        allow_relay_to_rcpt_domain(cls.s.postfix)
        milter_history_database(DB, ROLE)
        cls.s.dns.add_records([
            (DOMAIN, "TXT", "v=spf1 ip4:%s -all" % GOOD_IP),
            (DOMAIN, "A", GOOD_IP),
            ("_dmarc." + DOMAIN, "TXT", "v=DMARC1; p=reject"),
        ])
        cls.port = hs.free_port()
        cls.milter = MilterProcess(cls.s, "metrics", "Database %s\nMetricsListen %d"
                                   % (cls.pg.dsn(DB, ROLE), cls.port)).start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def send(self, client_ip, count):
        for i in range(count):
            text, _ = message("alice@" + DOMAIN, subject="metrics %d" % i)
            code, reply = self.s.postfix.send(text, "bounce@" + DOMAIN, RCPT, xclient=xclient(client_ip))
            self.assertEqual(code, 250 if client_ip == GOOD_IP else 550, reply)

    def test_counters_move_with_the_messages(self):
        before = scrape(self.port)
        self.send(GOOD_IP, 3)
        self.send(BAD_IP, 1)
        after = scrape(self.port)

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(total(after, "dmarc_milter_messages_total")
                         - total(before, "dmarc_milter_messages_total"), 4)
        self.assertEqual(moved("dmarc_milter_messages_total", dmarc="pass", disposition="pass"), 3)
        self.assertEqual(moved("dmarc_milter_messages_total", dmarc="fail", disposition="reject"), 1)
        self.assertEqual(moved("dmarc_milter_replies_total", reply="accept"), 3)
        self.assertEqual(moved("dmarc_milter_replies_total", reply="reject"), 1)
        self.assertEqual(moved("dmarc_milter_spf_results_total", result="pass"), 3)
        self.assertEqual(moved("dmarc_milter_spf_results_total", result="fail"), 1)
        self.assertEqual(moved("dmarc_milter_dkim_results_total", result="none"), 4)
        self.assertEqual(moved("dmarc_milter_end_of_message_duration_seconds_count"), 4)
        self.assertEqual(moved("dmarc_milter_end_of_message_duration_seconds_bucket", le="+Inf"), 4)
        self.assertGreater(moved("dmarc_milter_end_of_message_duration_seconds_sum"), 0)
        self.assertGreater(total(after, "dmarc_milter_dns_queries_total"),
                           total(before, "dmarc_milter_dns_queries_total"))
        self.assertEqual(value(after, "dmarc_milter_internal_errors_total"), 0)
        self.assertEqual(value(after, "dmarc_milter_build_info", version=self.version()), 1)
        # The writer commits in batches: wait for the four verdicts.
        hs.wait_until(lambda: value(scrape(self.port), "dmarc_milter_writer_verdicts_total")
                      - value(before, "dmarc_milter_writer_verdicts_total") == 4, 60,
                      "4 verdicts committed")
        idle = scrape(self.port)
        self.assertEqual(value(idle, "dmarc_milter_spool_verdicts"), 0)
        self.assertEqual(value(idle, "dmarc_milter_oldest_unsent_verdict_age_seconds"), 0)
        self.assertEqual(value(idle, "dmarc_milter_writer_connected"), 1)

    def test_reload_counted(self):
        before = value(scrape(self.port), "dmarc_milter_config_reloads_total", result="applied")
        self.milter.reload()
        after = value(scrape(self.port), "dmarc_milter_config_reloads_total", result="applied")
        self.assertEqual(after - before, 1)

    def test_other_paths_refused(self):
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen("http://127.0.0.1:%d/" % self.port, timeout=10)
        self.assertEqual(caught.exception.code, 404)

    def test_port_in_use_stops_a_second_daemon(self):
        other = MilterProcess(self.s, "metrics-taken", "MetricsListen 127.0.0.1:%d" % self.port,
                              socket=os.path.join(self.s.root, "metrics-taken.sock"))
        proc = subprocess.run([hs.binary("dmarc-milter"), "-f", "-c", other.conf], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 69, proc.stderr)
        self.assertIn("MetricsListen: cannot listen on 127.0.0.1:%d: Address already in use" % self.port,
                      proc.stderr)
        self.assertTrue(self.milter.proc.running())

    def version(self):
        out = subprocess.run([hs.binary("dmarc-milter"), "-V"], capture_output=True, text=True).stdout
        return out.split()[-1]
