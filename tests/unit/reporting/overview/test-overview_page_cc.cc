// test-overview_page_cc.cc: the page is one document that fetches nothing,
// and what came from reports is text on it.
#include <boost/test/unit_test.hpp>

#include "reporting/overview/overview_page.hh"

using namespace dmarc;

namespace
{
OverviewPage hostilePage()
{
  OverviewPage page;
  page.title = "Overview";
  page.period = "2026-01-01 to 2026-01-02";
  page.timeZone = "Europe/Berlin";
  page.generated = "2026-01-03T00:00:00+01";
  page.domains = "<script>alert('domain')</script>";
  Section section;
  section.id = "reports";
  section.title = "Reports";
  Figure figure;
  figure.title = "Reporters";
  Chart chart;
  chart.id = "reporters";
  chart.kind = ChartKind::StackedBars;
  chart.unit = "messages";
  chart.categories = {"<script>alert('org')</script>"};
  chart.series = {{"messages", {3}, Tone::Auto}};
  figure.chart = chart;
  figure.table.columns = {"reporter", "messages"};
  figure.table.rows = {{"<script>alert('org')</script>", "3"}};
  section.figures.push_back(figure);
  Figure empty;
  empty.title = "Nothing";
  empty.table.emptyText = "No verdict was overridden in this period.";
  section.figures.push_back(empty);
  page.sections.push_back(section);
  return page;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_overview_page_cc)

BOOST_AUTO_TEST_CASE(test_Page_FetchesNothing)
{
  const std::string html = renderOverviewPage(hostilePage());
  BOOST_CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
  BOOST_CHECK(html.find("default-src &#39;none&#39;") != std::string::npos);
  // The only URL is the SVG namespace name, which is never fetched.
  std::string rest = html;
  for (auto at = rest.find("http://www.w3.org/2000/svg"); at != std::string::npos;
       at = rest.find("http://www.w3.org/2000/svg")) {
    rest.erase(at, 26);
  }
  BOOST_CHECK(rest.find("http:") == std::string::npos);
  BOOST_CHECK(rest.find("https:") == std::string::npos);
  BOOST_CHECK(rest.find("src=") == std::string::npos);
  BOOST_CHECK(rest.find("<script") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_Page_HostileTextIsText)
{
  const std::string html = renderOverviewPage(hostilePage());
  BOOST_CHECK(html.find("&lt;script&gt;alert(&#39;org&#39;)&lt;/script&gt;") != std::string::npos);
  BOOST_CHECK(html.find("&lt;script&gt;alert(&#39;domain&#39;)") != std::string::npos);
  BOOST_CHECK(html.find("<script>") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_Page_SectionsTablesAndEmptyText)
{
  const std::string html = renderOverviewPage(hostilePage());
  BOOST_CHECK(html.find("<a href=\"#reports\">Reports</a>") != std::string::npos);
  BOOST_CHECK(html.find("<section id=\"reports\">") != std::string::npos);
  BOOST_CHECK(html.find("<td class=\"num\">3</td>") != std::string::npos);
  BOOST_CHECK(html.find("No verdict was overridden in this period.") != std::string::npos);
  BOOST_CHECK(html.find("days in Europe/Berlin") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
