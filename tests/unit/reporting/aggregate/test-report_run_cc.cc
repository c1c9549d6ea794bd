// test-report_run_cc.cc: the send run's decisions against an in-memory
// store: each report is built and delivered once however often the run
// comes back, a report another run delivered is left alone, a failed
// delivery is retried when due (and given up when the report is too old),
// and a report covers its own interval, inclusive of its last second.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "reporting/aggregate/report_run.hh"
#include "tests/unit/fake_resolver.hh"
#include "tests/unit/reporting/aggregate/fake_report_store.hh"
#include "tests/unit/temp_directory.hh"

namespace dmarc
{
namespace
{
constexpr std::int64_t s_day = 86400;
constexpr std::int64_t s_monday = 1764547200; // 2025-12-01T00:00:00Z

// Records every message handed over, answering the outcomes queued (then
// Delivered).
class FakeMailer : public Mailer
{
public:
  Delivery send(const std::string& /*envelopeFrom*/, const std::vector<std::string>& recipients,
                const std::string& messageFile) override
  {
    std::ifstream in(messageFile, std::ios::binary);
    messages.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    to.push_back(recipients.empty() ? "" : recipients.front());
    Delivery result;
    result.outcome = Delivery::Outcome::Delivered;
    if (!outcomes.empty()) {
      result.outcome = outcomes.front();
      outcomes.erase(outcomes.begin());
    }
    result.detail = "fake";
    return result;
  }
  std::string transport() const override { return "smtp"; }

  std::vector<Delivery::Outcome> outcomes;
  std::vector<std::string> messages;
  std::vector<std::string> to;
};

DomainPolicy policyWithRua(const std::string& domain, const std::string& rua)
{
  DomainPolicy policy;
  policy.published.policy.domain = domain;
  policy.published.policy.p = Policy::Reject;
  policy.rua = {rua};
  policy.record = "v=DMARC1; p=reject; rua=" + rua;
  policy.orgDomain = domain;
  return policy;
}

std::vector<ReportRow> someRows(const std::string& domain)
{
  ReportRow row;
  row.sourceIp = "192.0.2.1";
  row.count = 3;
  row.headerFrom = domain;
  row.envelopeFrom = domain;
  row.spfAligned = true;
  row.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, domain, ""};
  return {row};
}

struct Fixture
{
  Fixture() { store.now = s_monday + s_day + 3600; }

  ReportRunOptions options(std::int64_t begin = s_monday) const
  {
    ReportRunOptions o;
    o.interval = {begin, begin + s_day};
    o.orgName = "Receiver";
    o.email = "reports@receiver.example";
    o.receiver = "receiver.example";
    o.host = "mx1.receiver.example";
    o.workDir = work.path();
    return o;
  }
  ReportRunSummary run(const ReportRunOptions& o)
  {
    ReportRun reportRun(
        o, store, &resolver, &mailer, nullptr, nullptr, [this] { return store.now; },
        [] { return std::string("abc123"); });
    return reportRun.run();
  }
  // example.com published rua=mailto:dmarc@example.com and has verdicts on Monday.
  void mondayVerdicts()
  {
    store.addDomain("example.com", s_monday,
                    policyWithRua("example.com", "mailto:dmarc@example.com"),
                    someRows("example.com"));
  }

  TempDirectory work;
  test::FakeReportStore store;
  test::FakeResolver resolver;
  FakeMailer mailer;
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_report_run_cc)

BOOST_FIXTURE_TEST_CASE(a_report_is_built_and_sent_once_however_often_the_run_comes_back, Fixture)
{
  mondayVerdicts();
  auto first = run(options());
  BOOST_TEST(first.domains == 1U);
  BOOST_TEST(first.reports == 1U);
  BOOST_TEST(first.sent == 1U);
  BOOST_TEST(mailer.messages.size() == 1U);
  BOOST_TEST(mailer.to.front() == "dmarc@example.com");
  BOOST_TEST(store.created == 1);
  BOOST_REQUIRE(store.attempts.size() == 1U);
  BOOST_TEST((store.attempts.front().outcome == AttemptOutcome::Delivered));

  auto second = run(options());
  BOOST_TEST(second.sent == 0U);
  BOOST_TEST(second.failed == 0U);
  BOOST_TEST(mailer.messages.size() == 1U);
  BOOST_TEST(store.created == 1);
  BOOST_TEST(store.attempts.size() == 1U);
  BOOST_TEST(store.reports().size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(a_report_another_run_delivered_is_not_sent_again, Fixture)
{
  mondayVerdicts();
  // Another sender got the run lock first: it created the report and
  // delivered it before this run planned.
  auto other = options();
  auto report = store.createReport("example.com", other.interval, ReportFormat::Rfc9990,
                                   other.receiver, "mx2.receiver.example", "zzz999");
  store.addDestination(report.id, "mailto:dmarc@example.com", "dmarc@example.com");
  store.recordAttempt(store.destinations(report.id).front(), "mx2.receiver.example", "smtp",
                      AttemptOutcome::Delivered, "250 ok", other.retry);

  auto summary = run(options());
  BOOST_TEST(summary.sent == 0U);
  BOOST_TEST(mailer.messages.empty());
  BOOST_TEST(store.reports().size() == 1U);
  BOOST_TEST(store.destinationCount() == 1U);
}

BOOST_FIXTURE_TEST_CASE(a_failed_delivery_is_retried_when_due_with_the_same_report, Fixture)
{
  mondayVerdicts();
  mailer.outcomes = {Delivery::Outcome::Tempfail};
  auto first = run(options());
  BOOST_TEST(first.sent == 0U);
  BOOST_TEST(first.failed == 1U);
  BOOST_TEST((store.destination(1).stored.status == DestinationStatus::Pending));

  // Not due yet: nothing is sent.
  auto early = run(options());
  BOOST_TEST(early.postponed == 1U);
  BOOST_TEST(mailer.messages.size() == 1U);

  // Tuesday's run, past the back-off: Monday's report goes out from the
  // retry pass, with its own Report-ID and file name.
  store.now += options().retry.firstRetry.count();
  auto tuesday = run(options(s_monday + s_day));
  BOOST_TEST(tuesday.domains == 0U);
  BOOST_TEST(tuesday.sent == 1U);
  BOOST_REQUIRE(mailer.messages.size() == 2U);
  BOOST_TEST(mailer.messages[1].find(store.reports().front().filename) != std::string::npos);
  BOOST_TEST(store.created == 1);
  BOOST_REQUIRE(store.attempts.size() == 2U);
  BOOST_TEST(store.attempts[0].destination == store.attempts[1].destination);
  BOOST_TEST((store.attempts[1].outcome == AttemptOutcome::Delivered));
  BOOST_TEST((store.destination(1).stored.status == DestinationStatus::Delivered));
}

BOOST_FIXTURE_TEST_CASE(a_report_older_than_the_give_up_age_is_given_up, Fixture)
{
  mondayVerdicts();
  mailer.outcomes = {Delivery::Outcome::Tempfail};
  run(options());
  store.now += options().retry.giveUpAge.count() + 1;
  auto late = run(options(s_monday + 4 * s_day));
  BOOST_TEST(late.sent == 0U);
  BOOST_TEST(late.failed == 1U);
  BOOST_TEST(mailer.messages.size() == 1U);
  BOOST_TEST((store.destination(1).stored.status == DestinationStatus::GaveUp));
}

BOOST_FIXTURE_TEST_CASE(repeated_permanent_failures_suppress_the_address, Fixture)
{
  // Three domains report to one external address, which refuses each
  // report for good; from the next run on, the address is not tried.
  for (const std::string domain : {"a.example", "b.example", "c.example", "d.example"}) {
    resolver.add(domain + "._report._dmarc.reports.example", DnsType::TXT, "v=DMARC1");
  }
  for (const std::string domain : {"a.example", "b.example", "c.example"}) {
    store.addDomain(domain, s_monday, policyWithRua(domain, "mailto:dmarc@reports.example"),
                    someRows(domain));
  }
  mailer.outcomes = {Delivery::Outcome::Permfail, Delivery::Outcome::Permfail,
                     Delivery::Outcome::Permfail};
  auto monday = run(options());
  BOOST_TEST(monday.failed == 3U);
  BOOST_TEST(store.isSuppressed("dmarc@reports.example"));

  store.addDomain("d.example", s_monday + s_day,
                  policyWithRua("d.example", "mailto:dmarc@reports.example"),
                  someRows("d.example"));
  store.now += s_day;
  auto tuesday = run(options(s_monday + s_day));
  BOOST_TEST(tuesday.skipped == 1U);
  BOOST_TEST(tuesday.sent == 0U);
  BOOST_TEST(mailer.messages.size() == 3U);
}

BOOST_FIXTURE_TEST_CASE(a_report_covers_its_interval_up_to_the_last_second, Fixture)
{
  mondayVerdicts();
  // Sunday's verdicts are not Monday's report.
  store.addDomain("sunday.example", s_monday - s_day,
                  policyWithRua("sunday.example", "mailto:dmarc@sunday.example"),
                  someRows("sunday.example"));
  auto summary = run(options());
  BOOST_TEST(summary.domains == 1U);
  BOOST_REQUIRE(store.reports().size() == 1U);
  const auto& report = store.reports().front();
  BOOST_TEST(report.policyDomain == "example.com");
  BOOST_TEST(report.interval.begin == s_monday);
  BOOST_TEST(report.interval.end == s_monday + s_day);
  // The file name (and the XML) end one second before the next interval.
  BOOST_TEST(report.filename.find("!" + std::to_string(s_monday) + "!" +
                                  std::to_string(s_monday + s_day - 1) + "!") != std::string::npos);
  BOOST_REQUIRE(mailer.messages.size() == 1U);
  BOOST_TEST(mailer.messages.front().find(report.filename) != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_dry_run_records_nothing_and_sends_nothing, Fixture)
{
  mondayVerdicts();
  auto o = options();
  o.dryRun = true;
  auto summary = run(o);
  BOOST_TEST(summary.sent == 1U); // would-send
  BOOST_TEST(mailer.messages.empty());
  BOOST_TEST(store.reports().empty());
  BOOST_TEST(store.destinationCount() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
} // namespace dmarc
