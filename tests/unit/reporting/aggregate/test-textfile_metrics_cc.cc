// test-textfile_metrics_cc.cc: the send run's textfile: figures, exit
// status, the last success carried over a failed run, atomic replacement.
#include <filesystem>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "lib/core/error.hh"
#include "reporting/aggregate/textfile_metrics.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_textfile_metrics_cc)

BOOST_AUTO_TEST_CASE(test_SendRunMetrics_Figures)
{
  SendRunFigures figures;
  ReportRunSummary summary;
  summary.reports = 3;
  summary.sent = 2;
  summary.failed = 1;
  figures.summary = summary;
  figures.exitStatus = 75;
  figures.finished = 1700000000;
  figures.seconds = 1.5;
  figures.lastSuccess = 1699990000;
  auto page = sendRunMetrics(figures);
  BOOST_CHECK(page.find("# TYPE dmarc_reports_last_run_timestamp_seconds gauge\n") !=
              std::string::npos);
  BOOST_CHECK(
      page.find("dmarc_reports_last_run_timestamp_seconds{command=\"send\"} 1700000000\n") !=
      std::string::npos);
  BOOST_CHECK(page.find("dmarc_reports_last_run_exit_status{command=\"send\"} 75\n") !=
              std::string::npos);
  BOOST_CHECK(page.find("dmarc_reports_send_last_run{figure=\"sent\"} 2\n") != std::string::npos);
  BOOST_CHECK(page.find("dmarc_reports_send_last_run{figure=\"failed\"} 1\n") != std::string::npos);
  BOOST_REQUIRE(lastSuccessIn(page));
  BOOST_CHECK_EQUAL(*lastSuccessIn(page), 1699990000);
}

BOOST_AUTO_TEST_CASE(test_LastSuccessIn_AbsentOrDamaged)
{
  BOOST_CHECK(!lastSuccessIn(""));
  BOOST_CHECK(!lastSuccessIn("dmarc_reports_last_success_timestamp_seconds{command=\"send\"} x\n"));
  BOOST_CHECK(
      !lastSuccessIn("# dmarc_reports_last_success_timestamp_seconds{command=\"send\"} 5\n"));
  SendRunFigures never; // no success yet: no such line
  BOOST_CHECK(sendRunMetrics(never).find("last_success") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_WriteFileAtomically_ReplacesWholeFile)
{
  TempDirectory dir;
  const std::string path = dir.path() + "/dmarc_reports.prom";
  writeFileAtomically(path, "a 1\n");
  writeFileAtomically(path, "b 2\n");
  BOOST_CHECK_EQUAL(readSmallFile(path), "b 2\n");
  struct stat st
  {
  };
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_CHECK_EQUAL(st.st_mode & 0777, 0644u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  BOOST_CHECK_EQUAL(files, 1u); // no temporary file left
  BOOST_CHECK_THROW(writeFileAtomically(dir.path() + "/missing/x.prom", "c 3\n"), Error);
}

BOOST_AUTO_TEST_SUITE_END()
