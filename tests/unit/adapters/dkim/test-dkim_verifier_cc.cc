// test-dkim_verifier_cc.cc: DKIM verification through libopendkim with
// keys served by the in-memory resolver: the RFC 8463 and RFC 6376
// vectors, messages signed here with keys generated for this run, and
// hostile input that must never crash or pass.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/dkim/dkim_dns.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "lib/core/dns_budget.hh"
#include "lib/core/error.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

namespace
{
std::string sharedData()
{
  const char* dir = std::getenv("SHARED_DATA");
  BOOST_REQUIRE_MESSAGE(dir != nullptr && *dir != '\0', "SHARED_DATA is not set");
  return dir;
}

std::string readFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The zone files of the vectors: `name. IN TXT ( "part" "part" )`, records
// possibly continued on indented lines, `;` comments.
void loadZone(FakeResolver& resolver, const std::string& text)
{
  std::string name;
  std::string record;
  bool inRecord = false;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    std::size_t i = 0;
    if (!inRecord) {
      if (line.empty() || line[0] == ';' || line[0] == ' ') {
        continue;
      }
      name = line.substr(0, line.find(' '));
      if (!name.empty() && name.back() == '.') {
        name.pop_back();
      }
      record.clear();
      inRecord = true;
      i = line.find('(');
      BOOST_REQUIRE(i != std::string::npos);
    }
    for (; i < line.size(); ++i) {
      if (line[i] == '"') {
        auto end = line.find('"', i + 1);
        record += line.substr(i + 1, end - i - 1);
        i = end;
      } else if (line[i] == ')') {
        resolver.add(name, DnsType::TXT, record);
        inRecord = false;
        break;
      }
    }
  }
}

struct Message
{
  std::vector<std::string> fields; // folded, CRLF inside, no final CRLF
  std::string body;
};

Message parseMessage(const std::string& text)
{
  Message message;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find("\r\n", pos);
    BOOST_REQUIRE(end != std::string::npos);
    if (end == pos) {
      message.body = text.substr(end + 2);
      return message;
    }
    std::string line = text.substr(pos, end - pos);
    if ((line[0] == ' ' || line[0] == '\t') && !message.fields.empty()) {
      message.fields.back() += "\r\n" + line;
    } else {
      message.fields.push_back(line);
    }
    pos = end + 2;
  }
  return message;
}

std::vector<DkimSignatureOutcome> verify(const DkimLibrary& library, const Message& message,
                                         std::time_t now, std::size_t chunk = 4096,
                                         DnsResolver* resolver = nullptr)
{
  DkimVerifier verifier(library, now, resolver, "TEST");
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.endOfHeaders();
  for (std::size_t i = 0; i < message.body.size(); i += chunk) {
    verifier.body(std::string_view(message.body).substr(i, chunk));
  }
  return verifier.finish();
}

// The wall clock of 2026 is far from the times in these messages: the
// verifier must use the time it is given.
constexpr std::time_t s_rfc8463Time = 1528637909 + 60;
constexpr std::time_t s_signTime = 1600000000; // 2020-09-13
constexpr std::time_t s_now = s_signTime + 120;

const Message& sampleMessage()
{
  static const Message message{
      {"From: Alice Example <alice@example.org>", "To: bob@example.net",
       "Subject: quarterly figures", "Date: Sun, 13 Sep 2020 12:26:40 +0000",
       "Message-ID: <figures-1@example.org>", "MIME-Version: 1.0"},
      "Hello Bob,\r\n\r\nThe figures are attached.  Regards,\r\nAlice\r\n"};
  return message;
}

// Keys generated once per test run.
const DkimSigningKey& key(DkimKeyType type, unsigned bits = 2048)
{
  static std::map<std::pair<DkimKeyType, unsigned>, DkimSigningKey> s_keys;
  auto found = s_keys.find({type, bits});
  if (found == s_keys.end()) {
    found = s_keys.emplace(std::make_pair(type, bits), DkimSigningKey::generate(type, bits)).first;
  }
  return found->second;
}

Message signedWith(const Message& message, const DkimSigningKey& signingKey,
                   DkimSignRequest request)
{
  if (request.signTime == 0) {
    request.signTime = s_signTime;
  }
  DkimSigner signer;
  Message out = message;
  out.fields.insert(out.fields.begin(),
                    signer.sign(signingKey, request, message.fields, message.body));
  return out;
}

struct Fixture
{
  FakeResolver resolver;
  DkimLibrary library{resolver};

  void publish(const std::string& selector, const std::string& domain, const DkimSigningKey& k)
  {
    resolver.add(selector + "._domainkey." + domain, DnsType::TXT, k.dnsRecord());
  }
};

DkimSignRequest request(std::string domain, std::string selector)
{
  DkimSignRequest out;
  out.domain = std::move(domain);
  out.selector = std::move(selector);
  return out;
}

std::string describe(const std::vector<DkimSignatureOutcome>& outcomes)
{
  std::string text;
  for (const auto& o : outcomes) {
    text += std::string(toString(o.result)) + " d=" + o.domain + " s=" + o.selector + " (" +
            o.humanResult + "); ";
  }
  return text;
}

void requireOne(const std::vector<DkimSignatureOutcome>& outcomes, DkimResult want)
{
  BOOST_REQUIRE_MESSAGE(outcomes.size() == 1,
                        "got " << outcomes.size() << " outcomes, want 1: " << describe(outcomes));
  BOOST_CHECK_MESSAGE(outcomes[0].result == want,
                      "got " << describe(outcomes) << " want " << toString(want));
}

// libopendkim on its own, with the flags DkimLibrary gives its handles and
// FIXCRLF as asked: whether each signature passed (header signature
// verified, body hash matched). The reference for what DkimVerifier,
// which sets FIXCRLF only where it can matter, must decide.
std::vector<bool> libraryVerdicts(DnsResolver& resolver, const Message& message, bool fixCrlf)
{
  DkimLibPtr lib(dkim_init(nullptr, nullptr));
  BOOST_REQUIRE(lib);
  std::uint32_t flags = DKIM_LIBFLAGS_BADSIGHANDLES | DKIM_LIBFLAGS_DELAYSIGPROC |
                        (fixCrlf ? DKIM_LIBFLAGS_FIXCRLF : 0U);
  BOOST_REQUIRE(dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) ==
                DKIM_STAT_OK);
  installDkimDnsHooks(lib.get(), resolver);
  DKIM_STAT status = DKIM_STAT_OK;
  DkimPtr dkim(dkim_verify(lib.get(), reinterpret_cast<const u_char*>("REF"), nullptr, &status));
  BOOST_REQUIRE(dkim);
  for (std::string field : message.fields) {
    (void)dkim_header(dkim.get(), reinterpret_cast<u_char*>(field.data()), field.size());
  }
  (void)dkim_eoh(dkim.get());
  std::string body = message.body;
  (void)dkim_body(dkim.get(), reinterpret_cast<u_char*>(body.data()), body.size());
  (void)dkim_eom(dkim.get(), nullptr);
  DKIM_SIGINFO** sigs = nullptr;
  int nsigs = 0;
  std::vector<bool> passed;
  if (dkim_getsiglist(dkim.get(), &sigs, &nsigs) == DKIM_STAT_OK && sigs != nullptr) {
    for (int i = 0; i < nsigs; ++i) {
      passed.push_back((dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) != 0 &&
                       dkim_sig_getbh(sigs[i]) == DKIM_SIGBH_MATCH);
    }
  }
  return passed;
}

// A resolver that may be called from many threads (as libunbound's is).
class LockedResolver : public DnsResolver
{
public:
  explicit LockedResolver(DnsResolver& inner) : d_inner(inner) {}
  DnsAnswer query(std::string_view name, DnsType type) override
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_inner.query(name, type);
  }

private:
  DnsResolver& d_inner;
  std::mutex d_mutex;
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_dkim_verifier_cc)

// RFC 8463 Appendix A.3: an ed25519-sha256 and an rsa-sha256 signature,
// both valid.
BOOST_AUTO_TEST_CASE(test_Rfc8463Vector_BothSignaturesPass)
{
  Fixture f;
  std::string dir = sharedData() + "/dkim-test-vectors/rfc8463/";
  loadZone(f.resolver, readFile(dir + "dns.zone"));
  auto outcomes = verify(f.library, parseMessage(readFile(dir + "message-signed-rfc8463-A3.eml")),
                         s_rfc8463Time);
  BOOST_REQUIRE_MESSAGE(outcomes.size() == 2, "got " << describe(outcomes) << " want 2 outcomes");
  const auto& ed = outcomes[0];
  BOOST_CHECK_MESSAGE(ed.result == DkimResult::Pass, "got " << describe(outcomes));
  BOOST_CHECK_EQUAL(ed.domain, "football.example.com");
  BOOST_CHECK_EQUAL(ed.selector, "brisbane");
  BOOST_CHECK_EQUAL(ed.algorithm, "ed25519-sha256");
  BOOST_CHECK_EQUAL(ed.identity, "@football.example.com");
  BOOST_CHECK_EQUAL(ed.keyBits, 256U);
  BOOST_CHECK_EQUAL(ed.bPrefix, "/gCrinpc");
  const auto& rsa = outcomes[1];
  BOOST_CHECK_MESSAGE(rsa.result == DkimResult::Pass, "got " << describe(outcomes));
  BOOST_CHECK_EQUAL(rsa.selector, "test");
  BOOST_CHECK_EQUAL(rsa.algorithm, "rsa-sha256");
  BOOST_CHECK_EQUAL(rsa.keyBits, 1024U);
  BOOST_CHECK_EQUAL(rsa.bPrefix, "F45dVWDf");
}

// The same message fed the way libmilter delivers it: name and value apart
// (value with its leading space, SMFIP_HDR_LEADSPC), folding with bare LF,
// and the body one byte at a time.
BOOST_AUTO_TEST_CASE(test_Rfc8463Vector_MilterStyleFeedingPasses)
{
  Fixture f;
  std::string dir = sharedData() + "/dkim-test-vectors/rfc8463/";
  loadZone(f.resolver, readFile(dir + "dns.zone"));
  Message message = parseMessage(readFile(dir + "message-signed-rfc8463-A3.eml"));
  DkimVerifier verifier(f.library, s_rfc8463Time);
  for (const auto& field : message.fields) {
    auto colon = field.find(':');
    std::string value = field.substr(colon + 1);
    std::string lf;
    for (char c : value) {
      if (c != '\r') {
        lf.push_back(c);
      }
    }
    verifier.header(field.substr(0, colon), lf);
  }
  verifier.endOfHeaders();
  for (char c : message.body) {
    verifier.body(std::string_view(&c, 1));
  }
  auto outcomes = verifier.finish();
  BOOST_REQUIRE_EQUAL(outcomes.size(), 2U);
  BOOST_CHECK_MESSAGE(outcomes[0].result == DkimResult::Pass &&
                          outcomes[1].result == DkimResult::Pass,
                      "got " << describe(outcomes));
}

// RFC 6376 Appendix A.2 with the printing defects fixed verifies.
BOOST_AUTO_TEST_CASE(test_Rfc6376Vector_VerifiablePasses)
{
  Fixture f;
  std::string dir = sharedData() + "/dkim-test-vectors/rfc6376/";
  loadZone(f.resolver, readFile(dir + "dns.zone"));
  auto outcomes =
      verify(f.library, parseMessage(readFile(dir + "message-A2-signed-verifiable.eml")), s_now);
  requireOne(outcomes, DkimResult::Pass);
  BOOST_CHECK_EQUAL(outcomes[0].domain, "example.com");
  BOOST_CHECK_EQUAL(outcomes[0].identity, "joe@football.example.com");
  BOOST_CHECK_EQUAL(outcomes[0].keyBits, 1024U);
}

// The vector as printed keeps "game.  Are" under simple canonicalisation:
// the body hash cannot match (PROVENANCE.md), so dkim=fail.
BOOST_AUTO_TEST_CASE(test_Rfc6376Vector_AsPrintedFailsBodyHash)
{
  Fixture f;
  std::string dir = sharedData() + "/dkim-test-vectors/rfc6376/";
  loadZone(f.resolver, readFile(dir + "dns.zone"));
  auto outcomes =
      verify(f.library, parseMessage(readFile(dir + "message-A2-signed-as-printed.eml")), s_now);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].humanResult, "body hash mismatch");
}

BOOST_AUTO_TEST_CASE(test_Unsigned_NoOutcome)
{
  Fixture f;
  auto outcomes = verify(f.library, sampleMessage(), s_now);
  BOOST_CHECK_MESSAGE(outcomes.empty(), "got " << describe(outcomes) << " want none");
  BOOST_CHECK(f.resolver.queries().empty());
}

// Keys generated for this run: RSA-1024, RSA-2048 and Ed25519, in both
// canonicalisations.
BOOST_AUTO_TEST_CASE(test_GeneratedKeys_Pass)
{
  struct Case
  {
    DkimKeyType type;
    unsigned bits;
    bool relaxed;
    unsigned wantBits;
  };
  for (const Case& c :
       {Case{DkimKeyType::Rsa, 1024, true, 1024}, Case{DkimKeyType::Rsa, 2048, false, 2048},
        Case{DkimKeyType::Ed25519, 0, true, 256}, Case{DkimKeyType::Ed25519, 0, false, 256}}) {
    Fixture f;
    const auto& k = key(c.type, c.bits);
    f.publish("sel", "example.org", k);
    auto req = request("example.org", "sel");
    req.relaxedHeader = req.relaxedBody = c.relaxed;
    auto outcomes = verify(f.library, signedWith(sampleMessage(), k, req), s_now, 7);
    requireOne(outcomes, DkimResult::Pass);
    BOOST_CHECK_EQUAL(outcomes[0].keyBits, c.wantBits);
    BOOST_CHECK_EQUAL(outcomes[0].algorithm,
                      c.type == DkimKeyType::Rsa ? "rsa-sha256" : "ed25519-sha256");
    BOOST_CHECK_EQUAL(outcomes[0].bPrefix.size(), 8U);
  }
}

// Three signatures of three domains: one good, one whose key is missing,
// one over a body that changed is impossible here, so one with a key that
// does not match. Each is reported on its own, in header order.
BOOST_AUTO_TEST_CASE(test_MultipleSignatures_EachJudged)
{
  Fixture f;
  f.publish("a", "good.example", key(DkimKeyType::Ed25519));
  f.publish("b", "wrongkey.example", key(DkimKeyType::Rsa, 1024));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("good.example", "a"));
  message = signedWith(message, key(DkimKeyType::Rsa, 2048), request("wrongkey.example", "b"));
  message = signedWith(message, key(DkimKeyType::Rsa, 2048), request("nokey.example", "c"));
  auto outcomes = verify(f.library, message, s_now);
  BOOST_REQUIRE_MESSAGE(outcomes.size() == 3, "got " << describe(outcomes));
  BOOST_CHECK_EQUAL(outcomes[0].domain, "nokey.example");
  BOOST_CHECK_MESSAGE(outcomes[0].result == DkimResult::Permerror, "got " << describe(outcomes));
  BOOST_CHECK_EQUAL(outcomes[1].domain, "wrongkey.example");
  BOOST_CHECK_MESSAGE(outcomes[1].result == DkimResult::Fail, "got " << describe(outcomes));
  BOOST_CHECK_EQUAL(outcomes[2].domain, "good.example");
  BOOST_CHECK_MESSAGE(outcomes[2].result == DkimResult::Pass, "got " << describe(outcomes));
}

BOOST_AUTO_TEST_CASE(test_AlteredBody_FailsBodyHash)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Rsa));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Rsa), request("example.org", "sel"));
  message.body += "P.S. send money\r\n";
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].humanResult, "body hash mismatch");
}

BOOST_AUTO_TEST_CASE(test_AlteredHeader_FailsSignature)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  for (auto& field : message.fields) {
    if (field.starts_with("Subject:")) {
      field = "Subject: urgent wire transfer";
    }
  }
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].humanResult, "signature did not verify");
}

// Relaxed canonicalisation tolerates what it should: case of header names,
// runs of white space, trailing blank lines of the body (RFC 6376 §3.4).
BOOST_AUTO_TEST_CASE(test_RelaxedCanonicalisation_ToleratesWhitespace)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  for (auto& field : message.fields) {
    if (field.starts_with("Subject:")) {
      field = "SUBJECT:   quarterly    figures  ";
    }
  }
  message.body += "\r\n\r\n";
  requireOne(verify(f.library, message, s_now), DkimResult::Pass);
}

// l= (RFC 6376 §3.5): the library verifies the signed part; content
// appended after it does not break the signature, and the reason says so.
BOOST_AUTO_TEST_CASE(test_BodyLength_AppendedContentNoted)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  auto req = request("example.org", "sel");
  req.bodyLength = static_cast<long>(sampleMessage().body.size());
  Message message = signedWith(sampleMessage(), key(DkimKeyType::Ed25519), req);
  message.body += "Appended by someone else.\r\n";
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Pass);
  BOOST_CHECK_MESSAGE(outcomes[0].humanResult.find("l=") != std::string::npos,
                      "got " << outcomes[0].humanResult);

  // An l= longer than the body is a failed signature (RFC 6376 §6.1.3).
  Message shorter = signedWith(sampleMessage(), key(DkimKeyType::Ed25519), req);
  shorter.body.resize(10);
  requireOne(verify(f.library, shorter, s_now), DkimResult::Fail);
}

// DkimVerifier gives libopendkim the FIXCRLF flag only where it can change
// a result. A bare CR in a header field is one such place: libopendkim then
// inserts an LF but keeps the field's original length for simple
// canonicalisation, so this signature (made without the flag) fails with it
// and passes without it. The verifier must judge it as with the flag.
BOOST_AUTO_TEST_CASE(test_BareCrInHeader_JudgedWithFixCrlf)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message unsigned_ = sampleMessage();
  unsigned_.fields[2] = "Subject: quarterly\rfigures";
  auto req = request("example.org", "sel");
  req.relaxedHeader = false;
  req.relaxedBody = false;
  Message message = signedWith(unsigned_, key(DkimKeyType::Ed25519), req);
  BOOST_REQUIRE(libraryVerdicts(f.resolver, message, false) == std::vector<bool>{true});
  BOOST_REQUIRE(libraryVerdicts(f.resolver, message, true) == std::vector<bool>{false});
  requireOne(verify(f.library, message, s_now), DkimResult::Fail);
  // The same field fed the libmilter way.
  DkimVerifier verifier(f.library, s_now);
  for (const auto& field : message.fields) {
    auto colon = field.find(':');
    verifier.header(field.substr(0, colon), field.substr(colon + 1));
  }
  verifier.body(message.body);
  requireOne(verifier.finish(), DkimResult::Fail);
}

// The other place: a body libopendkim hashes itself (l=), where FIXCRLF
// makes a bare CR a line break. The verifier must judge it as with the flag.
BOOST_AUTO_TEST_CASE(test_BodyLengthWithBareCr_JudgedWithFixCrlf)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message unsigned_ = sampleMessage();
  unsigned_.body = "Hello Bob,\r\n\r\nThe figures\rare attached.\r\n";
  auto req = request("example.org", "sel");
  req.bodyLength = static_cast<long>(unsigned_.body.size());
  Message message = signedWith(unsigned_, key(DkimKeyType::Ed25519), req);
  BOOST_REQUIRE(libraryVerdicts(f.resolver, message, false) == std::vector<bool>{true});
  BOOST_REQUIRE(libraryVerdicts(f.resolver, message, true) == std::vector<bool>{false});
  for (std::size_t chunk : {std::size_t{4096}, std::size_t{1}}) {
    requireOne(verify(f.library, message, s_now, chunk), DkimResult::Fail);
  }
}

// RFC 6376 §6.1.2: no key record (NXDOMAIN or no TXT) is a permanent error.
BOOST_AUTO_TEST_CASE(test_MissingKey_Permerror)
{
  Fixture f;
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Rsa), request("example.org", "sel"));
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Permerror);
  BOOST_REQUIRE_EQUAL(f.resolver.queries().size(), 1U);
  BOOST_CHECK_EQUAL(f.resolver.queries()[0].first, "sel._domainkey.example.org");

  f.resolver.addEmpty("sel._domainkey.example.org"); // NODATA
  requireOne(verify(f.library, message, s_now), DkimResult::Permerror);
}

// RFC 6376 §3.6.1: an empty p= is a revoked key; §6.1.2 says to treat it
// as a failed signature check.
BOOST_AUTO_TEST_CASE(test_RevokedKey_Fail)
{
  Fixture f;
  f.resolver.add("sel._domainkey.example.org", DnsType::TXT, "v=DKIM1; k=rsa; p=");
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Rsa), request("example.org", "sel"));
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].humanResult, "key revoked (empty p=)");
}

// A DNS failure (SERVFAIL, timeout) is temporary, never "no key".
BOOST_AUTO_TEST_CASE(test_DnsFailure_Temperror)
{
  Fixture f;
  f.resolver.fail("sel._domainkey.example.org");
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Temperror);
}

// A per-message DNS budget that has run out (the message's lookups timed
// out) answers Failure without asking the resolver: temperror, not "no key".
BOOST_AUTO_TEST_CASE(test_DnsBudgetSpent_Temperror)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  DnsBudget spent(f.resolver, std::chrono::milliseconds(0));
  auto outcomes = verify(f.library, message, s_now, 4096, &spent);
  requireOne(outcomes, DkimResult::Temperror);
  BOOST_CHECK_EQUAL(outcomes[0].humanResult, "key lookup failed (DNS)");
  BOOST_CHECK(f.resolver.queries().empty());
  BOOST_CHECK_EQUAL(spent.refused(), 1U);
}

// x= is judged against the time the verifier is given, not the wall clock
// (the signature below expired years ago by the wall clock).
BOOST_AUTO_TEST_CASE(test_Expiry_UsesInjectedClock)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Rsa));
  auto req = request("example.org", "sel");
  req.ttlSeconds = 3600;
  Message message = signedWith(sampleMessage(), key(DkimKeyType::Rsa), req);
  requireOne(verify(f.library, message, s_signTime + 3599), DkimResult::Pass);
  auto outcomes = verify(f.library, message, s_signTime + 3600);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].humanResult, "signature expired (x=1600003600)");
}

// A t= beyond the tolerated drift cannot have been made yet.
BOOST_AUTO_TEST_CASE(test_FutureTimestamp_Fails)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  requireOne(verify(f.library, message, s_signTime - 299), DkimResult::Pass);
  requireOne(verify(f.library, message, s_signTime - 3600), DkimResult::Fail);
}

// RFC 8301 §3.1: rsa-sha1 is refused, without even fetching its key.
BOOST_AUTO_TEST_CASE(test_RsaSha1_FailsWithoutLookup)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Rsa));
  auto req = request("example.org", "sel");
  req.rsaSha1 = true;
  auto outcomes = verify(f.library, signedWith(sampleMessage(), key(DkimKeyType::Rsa), req), s_now);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].algorithm, "rsa-sha1");
  BOOST_CHECK_MESSAGE(f.resolver.queries().empty(),
                      "got " << f.resolver.queries().size() << " DNS queries, want 0");
}

// RFC 8301 §3.2: RSA keys under 1024 bits are refused.
BOOST_AUTO_TEST_CASE(test_SmallRsaKey_Fails)
{
  Fixture f;
  const auto& small = key(DkimKeyType::Rsa, 512);
  f.publish("sel", "example.org", small);
  auto outcomes =
      verify(f.library, signedWith(sampleMessage(), small, request("example.org", "sel")), s_now);
  requireOne(outcomes, DkimResult::Fail);
  BOOST_CHECK_EQUAL(outcomes[0].keyBits, 512U);
}

// Only the first maxSignatures are verified; the rest are counted.
BOOST_AUTO_TEST_CASE(test_MaxSignatures_Bounded)
{
  FakeResolver resolver;
  DkimSettings settings;
  settings.maxSignatures = 2;
  DkimLibrary library(resolver, settings);
  resolver.add("sel._domainkey.example.org", DnsType::TXT, key(DkimKeyType::Ed25519).dnsRecord());
  Message message = sampleMessage();
  for (int i = 0; i < 5; ++i) {
    message = signedWith(message, key(DkimKeyType::Ed25519), request("example.org", "sel"));
  }
  DkimVerifier verifier(library, s_now);
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.body(message.body);
  auto outcomes = verifier.finish();
  BOOST_CHECK_EQUAL(outcomes.size(), 2U);
  BOOST_CHECK_EQUAL(verifier.signaturesSkipped(), 3U);
  BOOST_CHECK_LE(resolver.queries().size(), 2U);
}

// The per-message resolver, when given, answers instead of the library's.
BOOST_AUTO_TEST_CASE(test_MessageResolver_Overrides)
{
  Fixture f;
  FakeResolver mine;
  mine.add("sel._domainkey.example.org", DnsType::TXT, key(DkimKeyType::Ed25519).dnsRecord());
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  requireOne(verify(f.library, message, s_now, 4096, &mine), DkimResult::Pass);
  BOOST_CHECK(f.resolver.queries().empty());
  BOOST_CHECK_EQUAL(mine.queries().size(), 1U);
}

// Messages verified on many threads at once with one library.
BOOST_AUTO_TEST_CASE(test_Concurrency_SharedLibrary)
{
  FakeResolver fake;
  LockedResolver resolver(fake);
  DkimLibrary library(resolver);
  fake.add("ed._domainkey.example.org", DnsType::TXT, key(DkimKeyType::Ed25519).dnsRecord());
  fake.add("rsa._domainkey.example.org", DnsType::TXT, key(DkimKeyType::Rsa).dnsRecord());
  Message good =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "ed"));
  good = signedWith(good, key(DkimKeyType::Rsa), request("example.org", "rsa"));
  Message bad = good;
  bad.body += "tampered\r\n";
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        bool tampered = (t + i) % 3 == 0;
        auto outcomes = verify(library, tampered ? bad : good, s_now, 64);
        DkimResult want = tampered ? DkimResult::Fail : DkimResult::Pass;
        if (outcomes.size() != 2 || outcomes[0].result != want || outcomes[1].result != want) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_CHECK_EQUAL(wrong.load(), 0);
}

// Garbage header fields never crash and never pass.
BOOST_AUTO_TEST_CASE(test_GarbageHeaders_NoCrash)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  DkimVerifier verifier(f.library, s_now);
  verifier.headerField("");
  verifier.headerField(":");
  verifier.headerField("no colon at all");
  verifier.headerField(std::string("Nul: a\0b", 8));
  verifier.headerField(std::string(100000, 'x') + ": long name");
  verifier.headerField("Long: " + std::string(200000, 'y'));
  verifier.headerField("\r\n\r\n\t: folded nothing");
  verifier.headerField("DKIM-Signature:");
  verifier.headerField("DKIM-Signature: ;;;;====;;;");
  std::string binary;
  for (int i = 1; i < 256; ++i) {
    binary.push_back(static_cast<char>(i));
  }
  verifier.headerField("Binary: " + binary);
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.body(message.body);
  auto outcomes = verifier.finish();
  // The two broken DKIM-Signature fields are reported, the real one judged.
  bool sawPass = false;
  for (const auto& o : outcomes) {
    BOOST_CHECK_LE(o.domain.size(), 253U);
    if (o.result == DkimResult::Pass) {
      sawPass = true;
      BOOST_CHECK_EQUAL(o.domain, "example.org");
    }
  }
  BOOST_CHECK_MESSAGE(sawPass, "got " << describe(outcomes));
}

// Many header fields: past the limit the verifier stops feeding the
// library and reports the signatures it saw as "policy".
BOOST_AUTO_TEST_CASE(test_HugeHeaderCount_Bounded)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  for (int i = 0; i < 20000; ++i) {
    message.fields.push_back("X-Filler-" + std::to_string(i) + ": filler");
  }
  auto outcomes = verify(f.library, message, s_now);
  requireOne(outcomes, DkimResult::Policy);
  BOOST_CHECK(f.resolver.queries().empty());

  DkimVerifier verifier(f.library, s_now);
  for (int i = 0; i < 5000; ++i) {
    verifier.headerField("X: y");
  }
  BOOST_CHECK(verifier.headerLimitExceeded());
  BOOST_CHECK(verifier.finish().empty());
}

// Hostile tag values: absurd b=, d=, s=, a=, h=, x=, t=. None may crash,
// pass, or come back unbounded.
BOOST_AUTO_TEST_CASE(test_AbsurdTagValues_NeverPass)
{
  Fixture f;
  f.publish("sel", "example.org", key(DkimKeyType::Rsa));
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Rsa), request("example.org", "sel"));
  const std::string& real = message.fields[0];
  auto replaceTag = [&real](const std::string& tag, const std::string& value) {
    std::string field = real;
    auto at = field.find(" " + tag + "=");
    if (at == std::string::npos) {
      at = field.find("\t" + tag + "=");
    }
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no " << tag << "= in " << real);
    auto end = field.find(';', at);
    field.replace(at + 1, (end == std::string::npos ? field.size() : end) - at - 1,
                  tag + "=" + value);
    return field;
  };
  std::vector<std::string> variants = {
      replaceTag("b", std::string(100000, 'A')),
      replaceTag("b", "!!!!not base64!!!!"),
      replaceTag("b", ""),
      replaceTag("bh", "@@@"),
      replaceTag("d", std::string(10000, 'd') + ".example"),
      replaceTag("d", "exa\tmple..org"),
      replaceTag("s", "../../etc/passwd"),
      replaceTag("s", std::string(300, 's')),
      replaceTag("a", "rsa-sha512"),
      replaceTag("h", "to:subject"),
      replaceTag("t", "99999999999999999999999"),
      replaceTag("t", "-5"),
      replaceTag("t", "0"),
      replaceTag("c", "relaxed/bizarre"),
      replaceTag("v", "2"),
      real + "; x=18446744073709551615",
      real + "; l=99999999999999999999",
      real + "; l=100000",
      real + "; i=@elsewhere.example",
  };
  for (const auto& variant : variants) {
    Message hostile = message;
    hostile.fields[0] = variant;
    auto outcomes = verify(f.library, hostile, s_now);
    BOOST_REQUIRE_MESSAGE(outcomes.size() == 1,
                          "got " << describe(outcomes) << " for " << variant.substr(0, 200));
    BOOST_CHECK_MESSAGE(outcomes[0].result != DkimResult::Pass,
                        "got pass for " << variant.substr(0, 200));
    BOOST_CHECK_LE(outcomes[0].domain.size(), 253U);
    BOOST_CHECK_LE(outcomes[0].selector.size(), 253U);
    BOOST_CHECK_LE(outcomes[0].bPrefix.size(), 64U);
    BOOST_CHECK(!outcomes[0].humanResult.empty());
  }
}

// Hostile key records: huge, several, garbage. Never a pass, never a crash.
BOOST_AUTO_TEST_CASE(test_HostileKeyRecords_NeverPass)
{
  Message message =
      signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
  std::vector<std::vector<std::string>> records = {
      {std::string(100000, 'p')},
      {"v=DKIM1; k=ed25519; p=" + std::string(5000, 'A')},
      {key(DkimKeyType::Ed25519).dnsRecord(), key(DkimKeyType::Ed25519).dnsRecord()},
      {"v=DKIM1; k=rsa; p=" + key(DkimKeyType::Ed25519).publicKeyBase64},
      {"v=DKIM2; k=ed25519; p=" + key(DkimKeyType::Ed25519).publicKeyBase64},
      {"v=DKIM1; k=ed25519; s=tlsrpt; p=" + key(DkimKeyType::Ed25519).publicKeyBase64},
      {"v=DKIM1; k=ed25519; h=sha1; p=" + key(DkimKeyType::Ed25519).publicKeyBase64},
      {"v=DKIM1; k=dsa; p=AAAA"},
      {""},
      {";;;===;;;"},
  };
  for (const auto& set : records) {
    Fixture f;
    for (const auto& record : set) {
      f.resolver.add("sel._domainkey.example.org", DnsType::TXT, record);
    }
    auto outcomes = verify(f.library, message, s_now);
    BOOST_REQUIRE_EQUAL(outcomes.size(), 1U);
    BOOST_CHECK_MESSAGE(outcomes[0].result != DkimResult::Pass,
                        "got pass with key record " << set[0].substr(0, 80));
  }
}

// RFC 8460 §3 and §5.3: TLS-RPT report mail is signed with keys whose s=
// permits the tlsrpt service. libopendkim alone refuses s=tlsrpt (not an
// e-mail key); with the tlsrpt service the verifier accepts s=tlsrpt, s=*
// and no s=, and refuses a key for e-mail only.
BOOST_AUTO_TEST_CASE(test_TlsRptService_KeyServiceTypes)
{
  const auto& k = key(DkimKeyType::Rsa);
  const std::string plain = k.dnsRecord();
  BOOST_REQUIRE(plain.starts_with("v=DKIM1;"));
  auto withService = [&](const std::string& s) {
    return "v=DKIM1; s=" + s + ";" + plain.substr(8);
  };
  Message message = signedWith(sampleMessage(), k, request("example.org", "sel"));
  struct Case
  {
    std::string record;
    DkimResult email;
    DkimResult tlsrpt;
  };
  for (const Case& c : {Case{withService("tlsrpt"), DkimResult::Permerror, DkimResult::Pass},
                        Case{withService("*"), DkimResult::Pass, DkimResult::Pass},
                        Case{withService("email:tlsrpt"), DkimResult::Pass, DkimResult::Pass},
                        Case{plain, DkimResult::Pass, DkimResult::Pass},
                        Case{withService("email"), DkimResult::Pass, DkimResult::Permerror}}) {
    FakeResolver resolver;
    resolver.add("sel._domainkey.example.org", DnsType::TXT, c.record);
    DkimLibrary email(resolver);
    DkimSettings settings;
    settings.service = "tlsrpt";
    DkimLibrary tlsrpt(resolver, settings);
    auto got = verify(email, message, s_now);
    BOOST_TEST_CONTEXT("record " << c.record.substr(0, 30) << ", service email")
    {
      requireOne(got, c.email);
    }
    got = verify(tlsrpt, message, s_now);
    BOOST_TEST_CONTEXT("record " << c.record.substr(0, 30) << ", service tlsrpt")
    {
      requireOne(got, c.tlsrpt);
      if (c.tlsrpt == DkimResult::Permerror) {
        BOOST_CHECK_EQUAL(got[0].humanResult, "key record's s= does not permit service tlsrpt");
      }
    }
  }
  DkimSettings unknown;
  unknown.service = "web";
  FakeResolver resolver;
  BOOST_CHECK_THROW((DkimLibrary{resolver, unknown}), ConfigError);
}

// finish() twice, body before endOfHeaders(), nothing at all: no crash.
BOOST_AUTO_TEST_CASE(test_Misuse_NoCrash)
{
  Fixture f;
  {
    DkimVerifier verifier(f.library, s_now);
    BOOST_CHECK(verifier.finish().empty());
    BOOST_CHECK(verifier.finish().empty());
  }
  {
    f.publish("sel", "example.org", key(DkimKeyType::Ed25519));
    Message message =
        signedWith(sampleMessage(), key(DkimKeyType::Ed25519), request("example.org", "sel"));
    DkimVerifier verifier(f.library, s_now);
    for (const auto& field : message.fields) {
      verifier.headerField(field);
    }
    verifier.body(message.body); // implies the end of the header
    verifier.headerField("X-Late: ignored");
    auto outcomes = verifier.finish();
    requireOne(outcomes, DkimResult::Pass);
    BOOST_CHECK(verifier.finish().empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
