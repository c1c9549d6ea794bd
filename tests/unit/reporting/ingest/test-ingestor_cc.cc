// test-ingestor_cc.cc: the ingestion run against an in-memory store: a
// report file is stored once and a second time counted as a duplicate, a
// report the database refuses is rejected alone and recorded, a dry run
// stores nothing, and Maildir messages move to cur/ when handled (flagged
// when something in them was rejected) and are skipped next time.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "reporting/ingest/ingestor.hh"
#include "tests/unit/reporting/aggregate/report_test_util.hh"
#include "tests/unit/reporting/ingest/fake_ingest_store.hh"
#include "tests/unit/temp_directory.hh"

namespace dmarc
{
namespace
{
std::string sample(const std::string& path)
{
  return test::sharedData() + "/dmarc-aggregate-samples/" + path;
}

struct Fixture
{
  Ingestor ingestor(IngestStore* to = nullptr) { return Ingestor(options, to, out, err); }

  // A Maildir with `messages` (name, content) in new/.
  std::string maildir(const std::vector<std::pair<std::string, std::string>>& messages)
  {
    const auto dir = std::filesystem::path(work.path()) / "Maildir";
    for (const char* sub : {"new", "cur", "tmp"}) {
      std::filesystem::create_directories(dir / sub);
    }
    for (const auto& [name, content] : messages) {
      std::ofstream(dir / "new" / name, std::ios::binary) << content;
    }
    return dir.string();
  }

  static std::string copyOf(const std::string& path)
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  IngestOptions options;
  std::ostringstream out;
  std::ostringstream err;
  test::FakeIngestStore store;
  TempDirectory work;
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_ingestor_cc)

BOOST_FIXTURE_TEST_CASE(a_report_file_is_stored_once_then_counted_as_a_duplicate, Fixture)
{
  auto run = ingestor(&store);
  BOOST_TEST(run.ingestPath(sample("cry-inc/acme.xml"), false));
  BOOST_TEST(run.ingestPath(sample("cry-inc/acme.xml"), false));
  BOOST_TEST(run.counters().stored == 1);
  BOOST_TEST(run.counters().duplicates == 1);
  BOOST_TEST(run.counters().rejected == 0);
  BOOST_REQUIRE(store.dmarc.size() == 1U);
  BOOST_TEST(store.dmarc.front().first == "9391651994964116463");
  BOOST_TEST(store.dmarcRecords == 1U);
  BOOST_TEST(out.str().find("stored dmarc org=acme.com") != std::string::npos);
  BOOST_TEST(out.str().find("duplicate dmarc org=acme.com") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_report_the_database_refuses_is_rejected_alone, Fixture)
{
  store.refuse("9391651994964116463");
  auto run = ingestor(&store);
  BOOST_TEST(run.ingestPath(sample("cry-inc/acme.xml"), false));
  BOOST_TEST(run.ingestPath(
      sample("parsedmarc/protection.outlook.com!example.com!1711756800!1711843200.xml"), false));
  BOOST_TEST(run.counters().rejected == 1);
  BOOST_TEST(run.counters().stored == 1);
  BOOST_REQUIRE(store.rejections.size() == 1U);
  BOOST_TEST(store.rejections.front().kind == "dmarc");
  BOOST_TEST(store.rejections.front().reason.starts_with("database refused the report: "));
}

BOOST_FIXTURE_TEST_CASE(an_unparsable_report_is_rejected_and_recorded, Fixture)
{
  auto run = ingestor(&store);
  BOOST_TEST(run.ingestPath(sample("parsedmarc/invalid_xml.xml"), false));
  BOOST_TEST(run.counters().rejected == 1);
  BOOST_TEST(store.dmarc.empty());
  BOOST_REQUIRE(store.rejections.size() == 1U);
  BOOST_TEST(store.rejections.front().kind == "dmarc");
}

BOOST_FIXTURE_TEST_CASE(a_dry_run_parses_and_stores_nothing, Fixture)
{
  options.dryRun = true;
  auto run = ingestor();
  BOOST_TEST(run.ingestPath(sample("cry-inc/acme.xml"), false));
  BOOST_TEST(run.counters().stored == 1);
  BOOST_TEST(out.str().find("parsed dmarc org=acme.com") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_missing_file_is_unreadable, Fixture)
{
  auto run = ingestor(&store);
  BOOST_TEST(!run.ingestPath(work.path() + "/nothing-here.xml", false));
  BOOST_TEST(run.counters().unreadable == 1);
}

BOOST_FIXTURE_TEST_CASE(maildir_messages_move_to_cur_when_handled_and_are_skipped_next_time,
                        Fixture)
{
  const std::string dir =
      maildir({{"1700000000.1.host", copyOf(sample("parsedmarc/twilight.eml"))},
               {"1700000000.2.host", "From: someone@example.org\n\nnot a report\n"}});
  {
    auto run = ingestor(&store);
    run.ingestMaildir(dir);
    BOOST_TEST(run.counters().stored == 1);
    BOOST_TEST(run.counters().rejected == 1);
    BOOST_TEST(run.counters().unmoved == 0);
  }
  BOOST_TEST(std::filesystem::is_empty(dir + "/new"));
  BOOST_TEST(std::filesystem::exists(dir + "/cur/1700000000.1.host:2,S"));
  BOOST_TEST(std::filesystem::exists(dir + "/cur/1700000000.2.host:2,FS"));

  auto again = ingestor(&store);
  again.ingestMaildir(dir);
  BOOST_TEST(again.counters().skipped == 2);
  BOOST_TEST(again.counters().stored == 0);
  BOOST_TEST(store.dmarc.size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(a_dry_run_leaves_maildir_messages_where_they_are, Fixture)
{
  options.dryRun = true;
  const std::string dir =
      maildir({{"1700000000.1.host", copyOf(sample("parsedmarc/twilight.eml"))}});
  auto run = ingestor();
  run.ingestMaildir(dir);
  BOOST_TEST(run.counters().stored == 1);
  BOOST_TEST(std::filesystem::exists(dir + "/new/1700000000.1.host"));
}

BOOST_AUTO_TEST_SUITE_END()
} // namespace dmarc
