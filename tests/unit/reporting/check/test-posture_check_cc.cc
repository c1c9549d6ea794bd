// test-posture_check_cc.cc: unit tests of reporting/check/posture_check.cc with an
// in-memory resolver and fake HTTPS and STARTTLS servers: a good domain,
// and one mistake at a time (RFC 7489 §7.1, RFC 7208 §4.6.4, RFC 8461).
#include <boost/test/unit_test.hpp>

#include "reporting/check/posture_check.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
class LastTwoLabels : public PublicSuffixList
{
public:
  std::optional<std::string> registrableDomain(std::string_view domain) const override
  {
    const auto last = domain.rfind('.');
    if (last == std::string_view::npos) {
      return std::nullopt;
    }
    const auto previous = domain.rfind('.', last - 1);
    return std::string(previous == std::string_view::npos ? domain : domain.substr(previous + 1));
  }
};

class FakeFetcher : public HttpsFetcher
{
public:
  HttpsFetchResult get(const TlsEndpoint& endpoint, std::string_view path, std::size_t) override
  {
    requests.push_back(endpoint.host + std::string(path));
    return result;
  }
  HttpsFetchResult result;
  std::vector<std::string> requests;
};

class FakeProber : public StarttlsProber
{
public:
  StarttlsResult probe(const TlsEndpoint& endpoint) override
  {
    probed.push_back(endpoint.host);
    StarttlsResult out;
    out.connected = out.starttlsOffered = out.handshake = true;
    out.certificateValid = endpoint.host != badHost;
    out.tlsVersion = "TLSv1.3";
    out.cipher = "TLS_AES_128_GCM_SHA256";
    if (!out.certificateValid) {
      out.error = "certificate not valid for " + endpoint.host + ": Hostname mismatch";
    }
    return out;
  }
  std::string badHost;
  std::vector<std::string> probed;
};

struct Fixture
{
  Fixture()
  {
    dns.add("_dmarc.ours.example", DnsType::TXT,
            "v=DMARC1; p=reject; rua=mailto:dmarc@ours.example");
    dns.add("ours.example", DnsType::TXT, "v=spf1 mx -all");
    dns.add("ours.example", DnsType::MX, "10 mx1.ours.example");
    dns.add("mx1.ours.example", DnsType::A, "192.0.2.25");
    dns.add("_mta-sts.ours.example", DnsType::TXT, "v=STSv1; id=1");
    dns.add("mta-sts.ours.example", DnsType::A, "192.0.2.80");
    dns.add("_smtp._tls.ours.example", DnsType::TXT, "v=TLSRPTv1; rua=mailto:tls@ours.example");
    fetcher.result.ok = true;
    fetcher.result.status = 200;
    fetcher.result.contentType = "text/plain";
    fetcher.result.body = "version: STSv1\nmode: enforce\nmx: *.ours.example\nmax_age: 604800\n";
  }
  DomainPosture run(std::string_view domain = "Ours.Example.")
  {
    return PostureChecker(dns, psl, fetcher, prober, {}).check(domain);
  }
  // The one DMARC finding of a check (there is exactly one when the domain
  // has no record of its own).
  static std::string dmarcFinding(const DomainPosture& posture)
  {
    std::string out;
    for (const auto& finding : posture.findings) {
      if (finding.area == "DMARC") {
        out += std::string(toString(finding.level)) + " " + finding.message;
      }
    }
    return out;
  }
  static bool has(const DomainPosture& posture, Finding::Level level, const std::string& text)
  {
    for (const auto& finding : posture.findings) {
      if (finding.level == level && finding.message.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  static std::string dump(const DomainPosture& posture)
  {
    std::string out;
    for (const auto& finding : posture.findings) {
      out +=
          std::string(toString(finding.level)) + " " + finding.area + " " + finding.message + "\n";
    }
    return out;
  }
  test::FakeResolver dns;
  LastTwoLabels psl;
  FakeFetcher fetcher;
  FakeProber prober;
};
} // namespace

BOOST_FIXTURE_TEST_SUITE(test_posture_check_cc, Fixture)

BOOST_AUTO_TEST_CASE(test_check_GoodDomain)
{
  const auto posture = run();
  BOOST_CHECK_EQUAL(posture.domain, "ours.example");
  BOOST_CHECK_MESSAGE(posture.worst() == Finding::Level::Ok, "got\n" << dump(posture));
  BOOST_REQUIRE_EQUAL(fetcher.requests.size(), 1U);
  BOOST_CHECK_EQUAL(fetcher.requests[0], "mta-sts.ours.example/.well-known/mta-sts.txt");
  BOOST_CHECK_EQUAL(prober.probed.size(), 1U);
}

BOOST_AUTO_TEST_CASE(test_check_WildcardIsOneLabel)
{
  // RFC 8461 §4.1: *.ours.example does not cover a.mx.ours.example.
  Fixture fresh;
  fresh.dns.add("ours.example", DnsType::MX, "20 a.mx.ours.example");
  fresh.dns.add("a.mx.ours.example", DnsType::A, "192.0.2.26");
  const auto posture = fresh.run();
  BOOST_CHECK_MESSAGE(has(posture, Finding::Level::Error, "MX a.mx.ours.example is not matched"),
                      dump(posture));
}

BOOST_AUTO_TEST_CASE(test_check_ExternalRuaNeedsAuthorisation)
{
  Fixture fresh;
  fresh.dns.clear();
  fresh.dns.add("_dmarc.ours.example", DnsType::TXT,
                "v=DMARC1; p=none; rua=mailto:r@reports.example");
  auto posture = fresh.run();
  BOOST_CHECK_MESSAGE(has(posture, Finding::Level::Error, "not authorised"), dump(posture));
  BOOST_CHECK_MESSAGE(has(posture, Finding::Level::Warning, "p=none"), dump(posture));
  fresh.dns.add("ours.example._report._dmarc.reports.example", DnsType::TXT, "v=DMARC1");
  posture = fresh.run();
  BOOST_CHECK_MESSAGE(!has(posture, Finding::Level::Error, "not authorised"), dump(posture));
}

BOOST_AUTO_TEST_CASE(test_check_SpfLookupsCountedThroughIncludes)
{
  Fixture fresh;
  fresh.dns.clear();
  fresh.dns.add("_dmarc.ours.example", DnsType::TXT, "v=DMARC1; p=reject");
  fresh.dns.add("ours.example", DnsType::TXT, "v=spf1 include:a.example include:b.example -all");
  fresh.dns.add("a.example", DnsType::TXT,
                "v=spf1 a mx ptr exists:x.example include:c.example -all");
  fresh.dns.add("b.example", DnsType::TXT, "v=spf1 a mx -all");
  fresh.dns.add("c.example", DnsType::TXT, "v=spf1 a mx a:d.example -all");
  // 2 + (4 + 1) + 2 + 3 = 12 lookups
  const auto posture = fresh.run();
  BOOST_CHECK_MESSAGE(has(posture, Finding::Level::Error, "needs 12 DNS lookups"), dump(posture));
}

BOOST_AUTO_TEST_CASE(test_check_DnsFailureIsNotMissing)
{
  dns.fail("_dmarc.ours.example");
  const auto posture = run();
  BOOST_CHECK_MESSAGE(
      has(posture, Finding::Level::Error, "DNS lookup of _dmarc.ours.example failed"),
      dump(posture));
  BOOST_CHECK(!has(posture, Finding::Level::Error, "no DMARC record"));
}

BOOST_AUTO_TEST_CASE(test_check_FetchErrorsAndCertificates)
{
  fetcher.result.ok = false;
  fetcher.result.error = "HTTP 301 redirect to 'x': redirects are not followed (RFC 8461 §3.3)";
  auto posture = run();
  BOOST_CHECK_MESSAGE(has(posture, Finding::Level::Error, "redirects are not followed"),
                      dump(posture));
  BOOST_CHECK(prober.probed.empty()); // no policy, no MX certificate requirement
  Fixture fresh;
  fresh.prober.badHost = "mx1.ours.example";
  posture = fresh.run();
  BOOST_CHECK_MESSAGE(has(posture, Finding::Level::Error, "Hostname mismatch"), dump(posture));
}

// RFC 9989 §4.10.1: a subdomain without a record of its own gets the
// Organizational Domain's, through sp.
BOOST_AUTO_TEST_CASE(test_check_SubdomainInheritsOrgDomainRecord)
{
  dns.clear();
  dns.add("_dmarc.ours.example", DnsType::TXT, "v=DMARC1; p=reject; sp=quarantine; np=reject");
  dns.add("sub.ours.example", DnsType::A, "192.0.2.1");
  const std::string got = dmarcFinding(run("sub.ours.example"));
  const std::string want =
      "ok no DMARC record at _dmarc.sub.ours.example; receivers following "
      "RFC 9989 use the record at _dmarc.ours.example, the Organizational "
      "Domain found by the DNS tree walk (section 4.10.2): sp=quarantine applies to "
      "this domain; receivers following RFC 7489 (Public Suffix List) use the "
      "same record";
  BOOST_CHECK_MESSAGE(got == want, "got '" << got << "', want '" << want << "'");
}

// RFC 9989 §4.10.1: np, not sp, for a name that does not exist.
BOOST_AUTO_TEST_CASE(test_check_NonExistentSubdomainGetsNp)
{
  dns.clear();
  dns.add("_dmarc.ours.example", DnsType::TXT, "v=DMARC1; p=reject; sp=none; np=quarantine");
  const std::string got = dmarcFinding(run("ghost.ours.example"));
  BOOST_CHECK_MESSAGE(got.starts_with("ok ") &&
                          got.find("np=quarantine (the name does not exist) applies") !=
                              std::string::npos,
                      "got '" << got << "'");
}

// RFC 9989 §4.10.2: the record nearest the domain is not the one that
// applies unless it says psd=n; the Organizational Domain is the name with
// the fewest labels that has a record.
BOOST_AUTO_TEST_CASE(test_check_NearerRecordWithoutPsdDoesNotApply)
{
  dns.clear();
  dns.add("_dmarc.mail.ours.example", DnsType::TXT, "v=DMARC1; p=none");
  dns.add("_dmarc.ours.example", DnsType::TXT, "v=DMARC1; p=reject");
  dns.add("x.mail.ours.example", DnsType::A, "192.0.2.1");
  const std::string got = dmarcFinding(run("x.mail.ours.example"));
  BOOST_CHECK_MESSAGE(
      got.starts_with("ok ") &&
          got.find("use the record at _dmarc.ours.example") != std::string::npos &&
          got.find("p=reject (the record has no sp) applies") != std::string::npos &&
          got.find("nearer record at _dmarc.mail.ours.example does not apply") != std::string::npos,
      "got '" << got << "'");
}

// psd=n makes mail.ours.example an Organizational Domain for the tree walk;
// an RFC 7489 receiver still takes ours.example from the Public Suffix List.
BOOST_AUTO_TEST_CASE(test_check_TreeWalkAndPslDisagree)
{
  dns.clear();
  dns.add("_dmarc.mail.ours.example", DnsType::TXT, "v=DMARC1; p=quarantine; psd=n");
  dns.add("_dmarc.ours.example", DnsType::TXT, "v=DMARC1; p=none");
  dns.add("x.mail.ours.example", DnsType::A, "192.0.2.1");
  const auto posture = run("x.mail.ours.example");
  const std::string got = dmarcFinding(posture);
  BOOST_CHECK_MESSAGE(
      got.starts_with("warning ") &&
          got.find("RFC 9989 use the record at _dmarc.mail.ours.example") != std::string::npos &&
          got.find("p=quarantine (the record has no sp) applies to this domain") !=
              std::string::npos &&
          got.find("RFC 7489 use the record at _dmarc.ours.example instead") != std::string::npos &&
          got.find("p=none (the record has no sp) applies for them") != std::string::npos,
      "got '" << got << "'");
}

BOOST_AUTO_TEST_CASE(test_check_NoRecordAnywhere)
{
  dns.clear();
  dns.add("sub.ours.example", DnsType::A, "192.0.2.1");
  const auto posture = run("sub.ours.example");
  const std::string got = dmarcFinding(posture);
  BOOST_CHECK_MESSAGE(got.starts_with("error no DMARC record at _dmarc.sub.ours.example, nor at a "
                                      "parent domain"),
                      "got '" << got << "'");
}

// A DNS failure on the way up is not "no record".
BOOST_AUTO_TEST_CASE(test_check_InheritedLookupFailure)
{
  dns.clear();
  dns.add("sub.ours.example", DnsType::A, "192.0.2.1");
  dns.fail("_dmarc.ours.example");
  const std::string got = dmarcFinding(run("sub.ours.example"));
  BOOST_CHECK_MESSAGE(got.starts_with("error ") &&
                          got.find("lookups for a parent domain's record failed") !=
                              std::string::npos,
                      "got '" << got << "'");
}

BOOST_AUTO_TEST_CASE(test_suggestPublication_Records)
{
  const auto text = suggestPublication("ours.example", {"mx1.ours.example"}, "20261128");
  BOOST_CHECK(text.find("_mta-sts.ours.example. IN TXT \"v=STSv1; id=20261128\"") !=
              std::string::npos);
  BOOST_CHECK(text.find("mx: mx1.ours.example\n") != std::string::npos);
  BOOST_CHECK(text.find("mode: testing\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
