// test-report_xml_writer_cc.cc: the report XML is well formed, follows the
// RFC 9990 schema (and RFC 7489's in compatibility mode) as checked by
// xmllint --schema, and hostile text cannot break it (CVE-2020-12460).
#include <boost/test/unit_test.hpp>
#include <libxml/parser.h>

#include "lib/core/error.hh"
#include "reporting/aggregate/report_xml_writer.hh"
#include "reporting/transport/byte_sink.hh"
#include "tests/unit/reporting/aggregate/report_test_util.hh"

using namespace dmarc;
using namespace dmarc::test;

namespace
{
std::string build(ReportFormat format, const std::vector<ReportRow>& rows,
                  ReportMetadata meta = sampleMetadata(), ReportPolicy policy = samplePolicy())
{
  StringSink sink;
  ReportXmlWriter writer(sink, format);
  writer.begin(meta, policy);
  for (const auto& row : rows) {
    writer.addRecord(row);
  }
  writer.finish();
  return sink.data();
}

void requireValid(const std::string& xml, ReportFormat format)
{
  std::string messages;
  int status = xmllintSchema(xml, format, messages);
  BOOST_CHECK_MESSAGE(status == 0, "xmllint --schema: got status " << status << ", want 0:\n"
                                                                   << messages << "\n"
                                                                   << xml.substr(0, 4000));
}

// Counts occurrences of an element in a document that libxml2 parsed.
int countElements(xmlNodePtr node, const char* name)
{
  int n = 0;
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, BAD_CAST name) == 0) {
      ++n;
    }
    n += countElements(node->children, name);
  }
  return n;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_report_xml_writer_cc)

BOOST_AUTO_TEST_CASE(test_Rfc9990Report_ValidatesAgainstSchema)
{
  auto xml = build(ReportFormat::Rfc9990, {sampleRow()});
  BOOST_CHECK(xml.find("xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\"") != std::string::npos);
  BOOST_CHECK(xml.find("<discovery_method>treewalk</discovery_method>") != std::string::npos);
  BOOST_CHECK(xml.find("<np>reject</np>") != std::string::npos);
  BOOST_CHECK(xml.find("<testing>n</testing>") != std::string::npos);
  BOOST_CHECK(xml.find("<generator>dmarc-milter test</generator>") != std::string::npos);
  BOOST_CHECK(xml.find("<pct>") == std::string::npos); // RFC 9990 dropped pct
  BOOST_CHECK(xml.find("<disposition>pass</disposition>") != std::string::npos);
  requireValid(xml, ReportFormat::Rfc9990);
}

BOOST_AUTO_TEST_CASE(test_Rfc7489Report_ValidatesAgainstSchema)
{
  ReportRow row = sampleRow();
  row.sourceIp = "2001:db8::1"; // compressed: the 7489 regex needs 8 groups
  row.spf.reset();              // 7489 requires one spf element anyway
  row.reasons.push_back({OverrideReason::PolicyTestMode, "t=y"});
  auto xml = build(ReportFormat::Rfc7489, {row, sampleRow()});
  BOOST_CHECK(xml.find("xmlns") == std::string::npos);
  BOOST_CHECK(xml.find("<source_ip>2001:db8:0:0:0:0:0:1</source_ip>") != std::string::npos);
  BOOST_CHECK(xml.find("<pct>100</pct>") != std::string::npos);
  BOOST_CHECK(xml.find("<disposition>none</disposition>") != std::string::npos); // no "pass"
  BOOST_CHECK(xml.find("<type>sampled_out</type>") != std::string::npos);
  requireValid(xml, ReportFormat::Rfc7489);
}

BOOST_AUTO_TEST_CASE(test_AuthResults_OrderedAndSpfAtMostOne)
{
  ReportRow row = sampleRow();
  row.spf = SpfOutcome{SpfResult::Pass, SpfScope::Helo, "mx.other.example", ""};
  auto xml = build(ReportFormat::Rfc9990, {row});
  // RFC 9990: aligned passes first.
  BOOST_CHECK_LT(xml.find("<selector>sel</selector>"), xml.find("<selector>s1</selector>"));
  // A HELO result is not reportable under SPFDomainScope (mfrom only).
  BOOST_CHECK(xml.find("<spf>\n          <domain>") == std::string::npos);
  BOOST_CHECK(xml.find("mx.other.example") == std::string::npos);
  requireValid(xml, ReportFormat::Rfc9990);
}

BOOST_AUTO_TEST_CASE(test_DkimSignatures_CappedAtHundred)
{
  ReportRow row = sampleRow();
  row.dkim.clear();
  for (int i = 0; i < 150; ++i) {
    row.dkim.push_back(
        {DkimResult::Fail, "d" + std::to_string(i) + ".example", "s", "", "", "", "", 0});
  }
  auto xml = build(ReportFormat::Rfc9990, {row});
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, 0);
  BOOST_REQUIRE(doc != nullptr);
  int dkim = countElements(xmlDocGetRootElement(doc), "selector");
  xmlFreeDoc(doc);
  BOOST_CHECK_MESSAGE(dkim == 100, "got " << dkim << " signatures, want 100");
}

// CVE-2020-12460: OpenDMARC wrote report XML into a fixed buffer and could be
// overflowed by long or crafted names. Here every hostile string must come
// out escaped, bounded and valid, and the document must still validate.
BOOST_AUTO_TEST_CASE(test_HostileNames_CannotBreakDocument_CVE_2020_12460)
{
  std::string injection = "evil.example</header_from><header_from>x</header_from>"
                          "<!-- ]]> &amp; & \"'<script>";
  std::string controls("a\x01\x02\x0b\x1b\x7f\xff\xfe\xc0\xaf\xed\xa0\x80z");
  controls += std::string("\0nul", 4);
  std::string huge(200000, 'A');
  ReportRow row = sampleRow();
  row.headerFrom = injection + controls;
  row.envelopeFrom = huge;
  row.envelopeTo = controls;
  row.dkim[0].selector = injection;
  row.dkim[0].humanResult = huge + injection;
  row.reasons.push_back({OverrideReason::LocalPolicy, injection + controls + huge});
  row.spf->explanation = controls;
  ReportMetadata meta = sampleMetadata();
  meta.extraContactInfo = injection;
  meta.error = controls;
  ReportPolicy policy = samplePolicy();
  policy.policy.domain = injection + huge;
  policy.policy.fo = controls;

  for (auto format : {ReportFormat::Rfc9990, ReportFormat::Rfc7489}) {
    auto xml = build(format, {row}, meta, policy);
    BOOST_CHECK_MESSAGE(xml.size() < 20000,
                        "got " << xml.size() << " bytes, want hostile text bounded");
    BOOST_CHECK(xml.find("<script>") == std::string::npos);
    BOOST_CHECK(xml.find("</header_from><header_from>") == std::string::npos);
    xmlDocPtr doc =
        xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, XML_PARSE_NONET);
    BOOST_REQUIRE_MESSAGE(doc != nullptr, "the document is not well formed");
    BOOST_CHECK_EQUAL(countElements(xmlDocGetRootElement(doc), "header_from"), 1);
    BOOST_CHECK_EQUAL(countElements(xmlDocGetRootElement(doc), "record"), 1);
    xmlFreeDoc(doc);
    requireValid(xml, format);
  }
}

BOOST_AUTO_TEST_CASE(test_XmlSafeText_ReplacesInvalidAndBounds)
{
  BOOST_CHECK_EQUAL(xmlSafeText("plain"), "plain");
  BOOST_CHECK_EQUAL(xmlSafeText("caf\xc3\xa9"), "caf\xc3\xa9");
  BOOST_CHECK_EQUAL(xmlSafeText(std::string("a\x01z", 3)), "a\xef\xbf\xbdz");
  BOOST_CHECK_EQUAL(xmlSafeText("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd"); // overlong '/'
  BOOST_CHECK_EQUAL(xmlSafeText("\xed\xa0\x80").size(), 9u);              // surrogate
  BOOST_CHECK_EQUAL(xmlSafeText(std::string(5000, 'x')).size(), g_maxXmlTextBytes);
  BOOST_CHECK_EQUAL(xmlSafeText("ab\xc3\xa9", 3), "ab"); // cut on a character boundary
}

// Streaming: the writer hands bytes to the sink as it goes, so a report's
// size does not decide the memory used.
BOOST_AUTO_TEST_CASE(test_Writer_StreamsIntoSink)
{
  struct CountingSink : ByteSink
  {
    std::size_t bytes = 0;
    std::size_t writes = 0;
    void write(std::string_view data) override
    {
      bytes += data.size();
      ++writes;
    }
  } sink;
  ReportXmlWriter writer(sink, ReportFormat::Rfc9990);
  writer.begin(sampleMetadata(), samplePolicy());
  std::size_t beforeRows = 0;
  for (int i = 0; i < 20000; ++i) {
    ReportRow row = sampleRow();
    row.count = static_cast<std::uint64_t>(i + 1);
    writer.addRecord(row);
    if (i == 10000) {
      beforeRows = sink.bytes;
    }
  }
  writer.finish();
  BOOST_CHECK_MESSAGE(beforeRows > 1000000,
                      "got " << beforeRows << " bytes flushed mid-way, want streaming");
  BOOST_CHECK_EQUAL(writer.records(), 20000u);
  BOOST_CHECK_EQUAL(writer.messages(), 20000ull * 20001 / 2);
}

BOOST_AUTO_TEST_CASE(test_SinkError_Propagates)
{
  struct FailingSink : ByteSink
  {
    void write(std::string_view) override { throw Error("disk full"); }
  } sink;
  ReportXmlWriter writer(sink, ReportFormat::Rfc9990);
  BOOST_CHECK_THROW(
      {
        writer.begin(sampleMetadata(), samplePolicy());
        for (int i = 0; i < 1000; ++i) {
          writer.addRecord(sampleRow());
        }
        writer.finish();
      },
      Error);
}

BOOST_AUTO_TEST_SUITE_END()
