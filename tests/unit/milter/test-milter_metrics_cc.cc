// test-milter_metrics_cc.cc: each counted message, DNS query and reload
// moves the right series by one, and the page carries every family once.
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "milter/milter_metrics.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_milter_metrics_cc)

namespace
{
// The value of the sample line that starts with `series` + " ".
std::string valueOf(const std::string& page, const std::string& series)
{
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, series.size() + 1, series + " ") == 0) {
      return line.substr(series.size() + 1);
    }
  }
  return "(absent)";
}

std::size_t occurrences(const std::string& page, const std::string& text)
{
  std::size_t count = 0;
  for (auto at = page.find(text); at != std::string::npos; at = page.find(text, at + 1)) {
    ++count;
  }
  return count;
}
} // namespace

BOOST_AUTO_TEST_CASE(test_CountMessage_MovesItsSeries)
{
  MilterMetrics metrics;
  Verdict verdict;
  verdict.result = DmarcResult::Fail;
  verdict.applied = Disposition::None;
  verdict.overrides.push_back(Override{OverrideReason::LocalPolicy, "x"});
  verdict.spf.result = SpfResult::Softfail;
  DkimSignatureOutcome signature;
  signature.result = DkimResult::Fail;
  verdict.dkim = {signature, signature};
  metrics.countMessage(verdict, MessageReply::Accept, std::chrono::milliseconds(3));
  metrics.countMessage(Verdict{}, MessageReply::Hold, std::chrono::seconds(20));
  metrics.countInternalError();
  metrics.countArc(ArcResult::TempError);
  metrics.countArc(ArcResult::Pass);
  metrics.countArc(ArcResult::Pass);
  auto page = metrics.render(MilterGauges{});
  BOOST_CHECK_EQUAL(
      valueOf(page, "dmarc_milter_messages_total{dmarc=\"fail\",disposition=\"none\"}"), "1");
  BOOST_CHECK_EQUAL(
      valueOf(page, "dmarc_milter_messages_total{dmarc=\"none\",disposition=\"none\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_overrides_total{reason=\"local_policy\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_spf_results_total{result=\"softfail\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_dkim_results_total{result=\"fail\"}"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_dkim_results_total{result=\"none\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_arc_results_total{result=\"temperror\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_arc_results_total{result=\"pass\"}"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_arc_results_total{result=\"fail\"}"), "0");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_replies_total{reply=\"hold\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_internal_errors_total"), "1");
  BOOST_CHECK_EQUAL(
      valueOf(page, "dmarc_milter_end_of_message_duration_seconds_bucket{le=\"0.005\"}"), "1");
  BOOST_CHECK_EQUAL(
      valueOf(page, "dmarc_milter_end_of_message_duration_seconds_bucket{le=\"+Inf\"}"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_end_of_message_duration_seconds_count"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_end_of_message_duration_seconds_sum"), "20.003");
}

BOOST_AUTO_TEST_CASE(test_DnsAndReloads)
{
  MilterMetrics metrics;
  metrics.countDnsQuery(false, false, std::chrono::milliseconds(2));
  metrics.countDnsQuery(false, true, std::chrono::seconds(5));
  metrics.countDnsQuery(true, false, std::chrono::nanoseconds(100));
  metrics.countReload(true);
  metrics.countReload(false);
  metrics.countReload(true);
  auto page = metrics.render(MilterGauges{});
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_dns_queries_total{cache=\"miss\"}"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_dns_queries_total{cache=\"hit\"}"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_dns_failures_total"), "1");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_dns_query_duration_seconds_count"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_config_reloads_total{result=\"applied\"}"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_config_reloads_total{result=\"refused\"}"), "1");
}

BOOST_AUTO_TEST_CASE(test_Render_StoreGaugesOnlyWithAStore)
{
  MilterMetrics metrics;
  MilterGauges gauges;
  auto without = metrics.render(gauges);
  BOOST_CHECK_EQUAL(occurrences(without, "dmarc_milter_spool_verdicts"), 0u);
  VerdictWriterStats stats;
  stats.unsent = 3;
  stats.oldestUnsentAge = std::chrono::milliseconds(1500);
  stats.failures = 2;
  gauges.store = stats;
  gauges.connections = 4;
  auto page = metrics.render(gauges);
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_spool_verdicts"), "3");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_oldest_unsent_verdict_age_seconds"), "1.5");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_writer_failures_total"), "2");
  BOOST_CHECK_EQUAL(valueOf(page, "dmarc_milter_connections"), "4");
  // Every family announced exactly once.
  BOOST_CHECK_EQUAL(occurrences(page, "# TYPE dmarc_milter_messages_total "), 1u);
  BOOST_CHECK_EQUAL(occurrences(page, "# TYPE "), occurrences(page, "# HELP "));
  BOOST_CHECK(page.find("dmarc_milter_build_info{version=\"") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
