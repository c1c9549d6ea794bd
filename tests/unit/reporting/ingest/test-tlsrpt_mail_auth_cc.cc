// test-tlsrpt_mail_auth_cc.cc: unit tests of reporting/ingest/tlsrpt_mail_auth.cc:
// which DKIM outcomes authenticate a TLS-RPT report mail (RFC 8460 §5.3),
// and the raw message fed to the real verifier with keys of each service
// type (RFC 8460 §3, RFC 6376 §3.6.1 s=).
#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "reporting/ingest/tlsrpt_mail_auth.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
DkimSignatureOutcome signature(DkimResult result, std::string domain, std::string human = "")
{
  DkimSignatureOutcome out;
  out.result = result;
  out.domain = std::move(domain);
  out.selector = "sel";
  out.humanResult = std::move(human);
  return out;
}

constexpr std::time_t s_signTime = 1790000000;

struct Signed
{
  DkimSigningKey key = DkimSigningKey::generate(DkimKeyType::Ed25519);
  std::string message; // raw, LF line ends as a Maildir file has them
  // With a From field of another form, that field comes first, above the
  // signature.
  explicit Signed(const std::string& from = "")
  {
    const std::vector<std::string> fields = {
        from.empty() ? std::string("From: tlsrpt@reporter.example") : from,
        "To: tls@ours.example",
        "Subject: Report Domain: ours.example Submitter: reporter.example Report-ID: <1@x>",
        "TLS-Report-Domain: ours.example",
        "TLS-Report-Submitter: reporter.example",
        "Date: Sat, 28 Nov 2026 12:00:00 +0000"};
    const std::string body = "--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n--b--\r\n";
    DkimSignRequest request;
    request.domain = "reporter.example";
    request.selector = "sel";
    request.signTime = s_signTime;
    DkimSigner signer;
    std::string text = signer.sign(key, request, fields, body) + "\r\n";
    if (!from.empty()) {
      text = from + "\r\n" + text;
    }
    for (const auto& field : fields) {
      if (from.empty() || field != from) {
        text += field + "\r\n";
      }
    }
    text += "\r\n" + body;
    for (char c : text) {
      if (c != '\r') {
        message.push_back(c);
      }
    }
  }
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_tlsrpt_mail_auth_cc)

BOOST_AUTO_TEST_CASE(test_judge_PassOfReportingDomainOrParent)
{
  auto auth =
      judgeTlsRptSignatures({signature(DkimResult::Pass, "Reporter.Example")}, "reporter.example.");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Pass);
  BOOST_CHECK_EQUAL(auth.domain, "reporter.example");
  // A parent domain vouches for the names below it.
  auth = judgeTlsRptSignatures({signature(DkimResult::Pass, "reporter.example")},
                               "tls.reporter.example");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Pass);
  // The first signature of the reporting domain that passes is taken.
  auth = judgeTlsRptSignatures({signature(DkimResult::Fail, "reporter.example"),
                                signature(DkimResult::Pass, "reporter.example")},
                               "reporter.example");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Pass);
}

BOOST_AUTO_TEST_CASE(test_judge_OtherDomainsDoNotCount)
{
  for (const char* signer :
       {"elsewhere.example", "xreporter.example", "sub.reporter.example", "example", ""}) {
    const auto auth =
        judgeTlsRptSignatures({signature(DkimResult::Pass, signer)}, "reporter.example");
    BOOST_CHECK_MESSAGE(auth.result == TlsRptMailAuth::Result::Fail,
                        "d=" << signer << ": got " << toString(auth.result) << ", want fail");
  }
  const auto auth =
      judgeTlsRptSignatures({signature(DkimResult::Pass, "elsewhere.example")}, "reporter.example");
  BOOST_CHECK_EQUAL(auth.detail, "no valid DKIM signature of the reporting domain "
                                 "reporter.example: d=elsewhere.example s=sel pass, not the "
                                 "reporting domain");
}

BOOST_AUTO_TEST_CASE(test_judge_FailTempErrorAndNoSubmitter)
{
  auto auth = judgeTlsRptSignatures({}, "reporter.example");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Fail);
  BOOST_CHECK_EQUAL(auth.detail, "no DKIM signature (the reporting domain is reporter.example)");
  auth = judgeTlsRptSignatures({signature(DkimResult::Permerror, "reporter.example",
                                          "key record's s= does not permit service tlsrpt")},
                               "reporter.example");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Fail);
  BOOST_CHECK_EQUAL(auth.detail, "no valid DKIM signature of the reporting domain "
                                 "reporter.example: d=reporter.example s=sel permerror (key "
                                 "record's s= does not permit service tlsrpt)");
  // Only a temporary error of the reporting domain's own key defers.
  auth = judgeTlsRptSignatures({signature(DkimResult::Temperror, "reporter.example")},
                               "reporter.example");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::TempError);
  auth = judgeTlsRptSignatures({signature(DkimResult::Temperror, "other.example")},
                               "reporter.example");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Fail);
  auth = judgeTlsRptSignatures({signature(DkimResult::Pass, "reporter.example")}, "  ");
  BOOST_CHECK(auth.result == TlsRptMailAuth::Result::Fail);
  BOOST_CHECK(auth.detail.find("no TLS-Report-Submitter") != std::string::npos);
}

// The raw message as a Maildir holds it (LF line ends) verifies with the
// tlsrpt service for keys with s=tlsrpt, and not for an e-mail-only key.
BOOST_AUTO_TEST_CASE(test_verifyMessageDkim_ServiceTypes)
{
  const Signed mail;
  const std::string record = mail.key.dnsRecord();
  BOOST_REQUIRE(record.starts_with("v=DKIM1;"));
  struct Case
  {
    std::string record;
    DkimResult want;
  };
  for (const Case& c : {Case{"v=DKIM1; s=tlsrpt;" + record.substr(8), DkimResult::Pass},
                        Case{"v=DKIM1; s=*;" + record.substr(8), DkimResult::Pass},
                        Case{"v=DKIM1; s=email;" + record.substr(8), DkimResult::Permerror}}) {
    test::FakeResolver resolver;
    resolver.add("sel._domainkey.reporter.example", DnsType::TXT, c.record);
    DkimSettings settings;
    settings.service = "tlsrpt";
    const DkimLibrary library(resolver, settings);
    const auto got = verifyMessageDkim(library, mail.message, s_signTime + 60);
    BOOST_REQUIRE_EQUAL(got.size(), 1U);
    BOOST_CHECK_MESSAGE(got[0].result == c.want, "key " << c.record.substr(0, 24) << ": got "
                                                        << toString(got[0].result) << " ("
                                                        << got[0].humanResult << ")");
  }
  // The same message with its body changed no longer passes; with an mbox
  // separator line in front it still does.
  test::FakeResolver resolver;
  resolver.add("sel._domainkey.reporter.example", DnsType::TXT, record);
  DkimSettings settings;
  settings.service = "tlsrpt";
  const DkimLibrary library(resolver, settings);
  auto got = verifyMessageDkim(library, "From sender Sat Nov 28 12:00:00 2026\n" + mail.message,
                               s_signTime + 60);
  BOOST_REQUIRE_EQUAL(got.size(), 1U);
  BOOST_CHECK(got[0].result == DkimResult::Pass);
  std::string altered = mail.message;
  altered.replace(altered.find("A report."), 9, "A rEport.");
  got = verifyMessageDkim(library, altered, s_signTime + 60);
  BOOST_REQUIRE_EQUAL(got.size(), 1U);
  BOOST_CHECK(got[0].result == DkimResult::Fail);
  // A first field "From :" (RFC 5322 §4.5.2) is the From field, not an mbox
  // separator to skip.
  const Signed obsolete("From : tlsrpt@reporter.example");
  test::FakeResolver obsoleteResolver;
  obsoleteResolver.add("sel._domainkey.reporter.example", DnsType::TXT, obsolete.key.dnsRecord());
  const DkimLibrary obsoleteLibrary(obsoleteResolver, settings);
  BOOST_REQUIRE(obsolete.message.starts_with("From : "));
  got = verifyMessageDkim(obsoleteLibrary, obsolete.message, s_signTime + 60);
  BOOST_REQUIRE_EQUAL(got.size(), 1U);
  BOOST_CHECK_MESSAGE(got[0].result == DkimResult::Pass,
                      "got " << toString(got[0].result) << " (" << got[0].humanResult << ")");
  // No header/body separator, or nothing at all: no crash, no signature.
  BOOST_CHECK(verifyMessageDkim(library, "Subject: x", s_signTime).empty());
  BOOST_CHECK(verifyMessageDkim(library, "", s_signTime).empty());
}

BOOST_AUTO_TEST_SUITE_END()
