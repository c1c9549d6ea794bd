// spf_checker.cc: SPF with libspf2 as the evaluator, our DnsResolver as its
// DNS, and the RFC 7208 rules libspf2 1.2.10 lacks enforced around it.
//
// How a check runs:
//   1. The identity's domain is checked (RFC 7208 §4.3), its TXT records
//      fetched and the SPF record selected (§4.5) here; none, temperror and
//      permerror at this stage are decided here.
//   2. The record is parsed against the ABNF (lib/core/spf_record) and
//      rewritten into a form libspf2 evaluates correctly (below), compiled
//      with SPF_record_compile and run with SPF_record_interpret. (Calling
//      the interpreter directly also skips libspf2's unconditional "pass"
//      for loopback clients.)
//   3. libspf2 asks our DNS layer (an SPF_dns_server_t whose hook is the
//      per-check Context) for every lookup, every include/redirect record
//      (get_spf) and every exp= text (get_exp). The layer counts the
//      DNS-querying terms and void lookups across the whole evaluation
//      (§4.6.4). Over a limit, it marks the check and answers TRY_AGAIN,
//      which stops libspf2 at once; the marked check is then a permerror.
//
// Rewrites (each keeps the record's meaning):
//   - unknown modifiers are dropped (§6: ignored), and so is redirect= when
//     the record has "all" (§6.1); libspf2 refuses some valid modifier names
//     and evaluates redirect in record order;
//   - "ip4:x/0" and "ip6:x/0", which libspf2 refuses, become two /1 halves;
//   - "a"/"mx" whose CIDR length for the client's family is 0 match when
//     the name has any address. libspf2 cannot express it, so the term's
//     domain gets a private suffix: the DNS layer strips it, resolves the
//     real name and answers with the client's own address.
//
// Bounds: the resolver bounds every answer; the record grammar bounds macro
// transformers; libspf2's own limits (depth 20, 10 MX/PTR names) remain.
// libspf2 aborts the process on internal errors (SPF_error), which only a
// broken invariant in this file could reach: the DNS layer never returns
// NULL and libspf2 only compiles records that passed the grammar.
#include "lib/adapters/dns/spf_checker.hh"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lib/adapters/c_handles.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/spf_record.hh"

namespace dmarc
{
namespace
{
constexpr const char* s_layerName = "dmarc-milter";

std::string stripDot(std::string_view name)
{
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return std::string(name);
}

// A label no real record uses, fixed per process: marks "cidr length 0"
// terms for the DNS layer (see the file comment).
const std::string& cidrZeroSuffix()
{
  static const std::string suffix = [] {
    std::random_device random;
    std::uniform_int_distribution<unsigned> hex(0, 15);
    std::string label = "dm-cidr0-";
    for (int i = 0; i < 12; ++i) {
      label.push_back("0123456789abcdef"[hex(random)]);
    }
    return label + ".invalid";
  }();
  return suffix;
}

bool endsWithLabel(const std::string& name, const std::string& suffix)
{
  return name.size() > suffix.size() + 1 && name.ends_with(suffix) &&
         name[name.size() - suffix.size() - 1] == '.';
}

struct Client
{
  int family = AF_UNSPEC;
  in_addr v4{};
  in6_addr v6{};
  std::string text;
};

// RFC 7208 §5: an IPv4-mapped IPv6 client is an IPv4 client.
std::optional<Client> parseClient(std::string_view text)
{
  Client client;
  std::string copy(text);
  if (copy.size() > 2 && copy.front() == '[' && copy.back() == ']') {
    copy = copy.substr(1, copy.size() - 2);
  }
  if (copy.size() > 5 && toLowerAscii(copy.substr(0, 5)) == "ipv6:") {
    copy = copy.substr(5);
  }
  if (inet_pton(AF_INET, copy.c_str(), &client.v4) == 1) {
    client.family = AF_INET;
  } else if (inet_pton(AF_INET6, copy.c_str(), &client.v6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&client.v6)) {
      client.family = AF_INET;
      std::memcpy(&client.v4, &client.v6.s6_addr[12], 4);
    } else {
      client.family = AF_INET6;
    }
  } else {
    return std::nullopt;
  }
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(client.family,
            client.family == AF_INET ? static_cast<const void*>(&client.v4)
                                     : static_cast<const void*>(&client.v6),
            buffer, sizeof(buffer));
  client.text = buffer;
  return client;
}

// The record text libspf2 compiles (see the file comment).
std::string rewriteForLibspf2(const SpfRecord& record, int family)
{
  std::string out = "v=spf1";
  bool hasAll = record.hasAll();
  for (const auto& term : record.terms) {
    if (term.isModifier) {
      if (term.name == "exp" || (term.name == "redirect" && !hasAll)) {
        out += " " + term.name + "=" + term.value;
      }
      continue;
    }
    std::string qualifier(1, term.qualifier);
    switch (term.mechanism) {
    case SpfMechanism::All:
      out += " " + qualifier + "all";
      break;
    case SpfMechanism::Include:
      out += " " + qualifier + "include:" + term.domainSpec;
      break;
    case SpfMechanism::Exists:
      out += " " + qualifier + "exists:" + term.domainSpec;
      break;
    case SpfMechanism::Ptr:
      out += " " + qualifier + "ptr" + (term.domainSpec.empty() ? "" : ":" + term.domainSpec);
      break;
    case SpfMechanism::Ip4:
    case SpfMechanism::Ip6: {
      bool v4 = term.mechanism == SpfMechanism::Ip4;
      auto cidr = v4 ? term.cidr4 : term.cidr6;
      std::string name = v4 ? "ip4:" : "ip6:";
      if (cidr && *cidr == 0) {
        out += " " + qualifier + name + (v4 ? "0.0.0.0/1" : "::/1");
        out += " " + qualifier + name + (v4 ? "128.0.0.0/1" : "8000::/1");
      } else {
        out += " " + qualifier + name + term.network +
               (cidr ? "/" + std::to_string(*cidr) : std::string());
      }
      break;
    }
    case SpfMechanism::A:
    case SpfMechanism::Mx: {
      std::string name = term.mechanism == SpfMechanism::A ? "a" : "mx";
      auto familyCidr = family == AF_INET ? term.cidr4 : term.cidr6;
      if (familyCidr && *familyCidr == 0) {
        std::string spec = term.domainSpec.empty() ? std::string("%{d}") : term.domainSpec;
        if (!spec.empty() && spec.back() == '.') {
          spec.pop_back();
        }
        out += " " + qualifier + name + ":" + spec + "." + cidrZeroSuffix();
        break;
      }
      out += " " + qualifier + name;
      if (!term.domainSpec.empty()) {
        out += ":" + term.domainSpec;
      }
      // libspf2 reads only the length for the client's family, and refuses
      // a 0 even in the other one: write just the one that matters.
      if (familyCidr) {
        out += (family == AF_INET ? "/" : "//") + std::to_string(*familyCidr);
      }
      break;
    }
    }
  }
  return out;
}

// What fetching and checking one domain's SPF record gave.
struct RecordFetch
{
  enum Kind
  {
    Found,
    None,      // no record, NXDOMAIN, malformed domain
    TempError, // DNS failure
    PermError, // several records, syntax error
  } kind = None;
  std::string text; // rewritten record, when Found
  std::string why;
};

// Per-check state, reached from libspf2's callbacks through the DNS layer's
// hook. Lives on the stack of check(); never shared between threads.
class Context
{
public:
  Context(DnsResolver& resolver, const SpfCheckerOptions& options, const Client& client)
      : d_resolver(resolver), d_options(options), d_client(client)
  {
    std::memset(&d_layer, 0, sizeof(d_layer));
    d_layer.destroy = nullptr; // owned here, never by the server
    d_layer.lookup = &Context::lookupCallback;
    d_layer.get_spf = &Context::getSpfCallback;
    d_layer.get_exp = &Context::getExpCallback;
    d_layer.add_cache = nullptr;
    d_layer.layer_below = nullptr;
    d_layer.name = s_layerName;
    d_layer.debug = 0;
    d_layer.hook = this;
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  SPF_dns_server_t* layer() { return &d_layer; }
  void setRequest(SPF_request_t* request) { d_request = request; }

  bool limitExceeded() const { return d_limitExceeded; }
  const std::string& limitReason() const { return d_limitReason; }
  const std::string& lastError() const { return d_lastError; }

  RecordFetch fetchRecord(std::string_view domainText)
  {
    RecordFetch fetch;
    std::string domain = truncateSpfDomain(domainText);
    if (!isValidSpfDomain(domain)) {
      fetch.why = "'" + domain + "' is not a valid domain (RFC 7208 §4.3)";
      return fetch;
    }
    DnsAnswer answer = d_resolver.query(domain, DnsType::TXT);
    if (answer.status == DnsStatus::Failure) {
      fetch.kind = RecordFetch::TempError;
      fetch.why = "DNS failure looking up " + domain + ": " + answer.error;
      return fetch;
    }
    if (answer.status != DnsStatus::Data) {
      fetch.why = "no SPF record at " + domain + " (" + std::string(toString(answer.status)) + ")";
      return fetch;
    }
    const std::string* chosen = nullptr;
    for (const auto& text : answer.records) {
      if (isSpfRecordText(text)) {
        if (chosen != nullptr) {
          fetch.kind = RecordFetch::PermError;
          fetch.why = "more than one SPF record at " + domain + " (RFC 7208 §4.5)";
          return fetch;
        }
        chosen = &text;
      }
    }
    if (chosen == nullptr) {
      fetch.why = "no SPF record at " + domain;
      return fetch;
    }
    auto parsed = parseSpfRecord(*chosen);
    if (!parsed.record) {
      fetch.kind = RecordFetch::PermError;
      fetch.why = "SPF record of " + domain + ": " + parsed.error;
      return fetch;
    }
    fetch.kind = RecordFetch::Found;
    fetch.text = rewriteForLibspf2(*parsed.record, d_client.family);
    return fetch;
  }

private:
  static Context& from(SPF_dns_server_t* layer) { return *static_cast<Context*>(layer->hook); }

  // RFC 7208 §4.6.4: one more DNS-querying term. False past the limit.
  bool countTerm(std::string_view what)
  {
    if (++d_terms > d_options.maxDnsTerms) {
      exceed("more than " + std::to_string(d_options.maxDnsTerms) +
             " DNS-querying terms (RFC 7208 §4.6.4), at " + std::string(what));
      return false;
    }
    return true;
  }

  bool countVoid(std::string_view what)
  {
    if (++d_voids > d_options.maxVoidLookups) {
      exceed("more than " + std::to_string(d_options.maxVoidLookups) +
             " void lookups (RFC 7208 §4.6.4), at " + std::string(what));
      return false;
    }
    return true;
  }

  void exceed(std::string why)
  {
    if (!d_limitExceeded) {
      d_limitExceeded = true;
      d_limitReason = std::move(why);
    }
  }

  SPF_dns_rr_t* makeRr(const char* domain, ns_type type, SPF_dns_stat_t herrno)
  {
    SPF_dns_rr_t* rr = SPF_dns_rr_new_init(&d_layer, domain, type, 0, herrno);
    if (rr == nullptr) {
      // Out of memory: libspf2 aborts on a NULL lookup result, so hand it
      // the static "not found" answer it ships for this purpose.
      rr = SPF_dns_rr_new_nxdomain(&d_layer, domain);
    }
    return rr;
  }

  SPF_dns_rr_t* tryAgain(const char* domain, ns_type type)
  {
    return makeRr(domain, type, TRY_AGAIN);
  }

  SPF_dns_rr_t* lookup(const char* domainText, ns_type type)
  {
    std::string asked = toLowerAscii(stripDot(domainText != nullptr ? domainText : ""));
    if (d_limitExceeded) {
      return tryAgain(domainText, type);
    }
    bool cidrZero = endsWithLabel(asked, cidrZeroSuffix());
    std::string name =
        cidrZero ? asked.substr(0, asked.size() - cidrZeroSuffix().size() - 1) : asked;
    name = truncateSpfDomain(name);

    const std::optional<DnsType> knownType = dnsTypeOf(type);
    if (!knownType) {
      return makeRr(domainText, type, NO_DATA);
    }
    const DnsType dnsType = *knownType;
    bool ptrSubLookup = false;
    const bool subLookup = takeExpected(asked, dnsType, ptrSubLookup);
    bool countable = !d_inExplanation && !subLookup && dnsType != DnsType::TXT;
    if (countable && !countTerm(std::string(dnsTypeName(dnsType)) + " " + name)) {
      return tryAgain(domainText, type);
    }

    DnsAnswer answer = d_resolver.query(name, dnsType);
    if (answer.status == DnsStatus::Failure) {
      d_lastError = "DNS failure for " + name + ": " + answer.error;
      if (ptrSubLookup || dnsType == DnsType::PTR) {
        // RFC 7208 §5.5: an error in the PTR lookup makes "ptr" not match,
        // and an error looking up one PTR name skips that name (%{p}
        // becomes "unknown" the same way, §7.3).
        return makeRr(domainText, type, NO_DATA);
      }
      return tryAgain(domainText, type);
    }
    if (answer.status != DnsStatus::Data) {
      if (countable && !countVoid(std::string(dnsTypeName(dnsType)) + " " + name)) {
        return tryAgain(domainText, type);
      }
      return makeRr(domainText, type,
                    answer.status == DnsStatus::NxDomain ? HOST_NOT_FOUND : NO_DATA);
    }

    std::vector<std::string> records = std::move(answer.records);
    if (dnsType == DnsType::MX) {
      // RFC 7208 §4.6.4: more than 10 MX names is a permerror.
      if (!d_inExplanation && records.size() > 10) {
        exceed("more than 10 MX records at " + name + " (RFC 7208 §4.6.4)");
        return tryAgain(domainText, type);
      }
      toMxTargets(records, cidrZero);
    }
    if (dnsType == DnsType::PTR && records.size() > 10) {
      // RFC 7208 §4.6.4: names past the first 10 are ignored.
      records.resize(10);
    }
    if (dnsType == DnsType::MX || dnsType == DnsType::PTR) {
      d_expected.clear();
      for (const auto& record : records) {
        d_expected.push_back(toLowerAscii(stripDot(record)));
      }
      d_expectedFromPtr = dnsType == DnsType::PTR;
    }
    if (cidrZero && (dnsType == DnsType::A || dnsType == DnsType::AAAA)) {
      // Any address matches a /0: answer with the client's own.
      records.assign(1, d_client.text);
    }

    return answerRr(domainText, type, dnsType, records);
  }

  // libspf2's form of a DNS answer: addresses in binary, names and TXT
  // strings NUL-terminated; a record that does not convert is left out.
  SPF_dns_rr_t* answerRr(const char* domainText, ns_type type, DnsType dnsType,
                         const std::vector<std::string>& records)
  {
    SPF_dns_rr_t* rr = makeRr(domainText, type, NETDB_SUCCESS);
    if (rr->herrno != NETDB_SUCCESS) {
      return rr;
    }
    int count = 0;
    for (const auto& record : records) {
      std::size_t size = dnsType == DnsType::A      ? sizeof(in_addr)
                         : dnsType == DnsType::AAAA ? sizeof(in6_addr)
                                                    : record.size() + 1;
      if (SPF_dns_rr_buf_realloc(rr, count, size) != SPF_E_SUCCESS) {
        break;
      }
      bool ok = true;
      switch (dnsType) {
      case DnsType::A:
        ok = inet_pton(AF_INET, record.c_str(), &rr->rr[count]->a) == 1;
        break;
      case DnsType::AAAA:
        ok = inet_pton(AF_INET6, record.c_str(), &rr->rr[count]->aaaa) == 1;
        break;
      default:
        std::memcpy(rr->rr[count]->txt, record.c_str(), record.size() + 1);
        break;
      }
      if (ok) {
        ++count;
      }
    }
    rr->num_rr = count;
    return rr;
  }

  // Is this the address lookup of an MX or PTR name found by the term
  // being evaluated? Those are part of that term, not new terms. Any other
  // lookup but TXT ends the names expected.
  bool takeExpected(const std::string& asked, DnsType dnsType, bool& fromPtr)
  {
    if ((dnsType == DnsType::A || dnsType == DnsType::AAAA) && !d_expected.empty()) {
      if (d_expected.front() == asked) {
        fromPtr = d_expectedFromPtr;
        d_expected.pop_front();
        return true;
      }
      d_expected.clear();
    } else if (dnsType != DnsType::TXT) {
      d_expected.clear();
    }
    return false;
  }

  // The types libspf2 asks for; nothing for any other.
  static std::optional<DnsType> dnsTypeOf(ns_type type)
  {
    switch (type) {
    case ns_t_a:
      return DnsType::A;
    case ns_t_aaaa:
      return DnsType::AAAA;
    case ns_t_mx:
      return DnsType::MX;
    case ns_t_ptr:
      return DnsType::PTR;
    case ns_t_txt:
      return DnsType::TXT;
    default:
      return std::nullopt;
    }
  }

  // "10 mx.example" -> "mx.example" ("." for a null MX); under a /0 the
  // names carry the suffix that makes their addresses match any client.
  static void toMxTargets(std::vector<std::string>& records, bool cidrZero)
  {
    for (auto& record : records) {
      auto space = record.find(' ');
      record = space == std::string::npos ? std::string(".") : record.substr(space + 1);
      if (record != "." && cidrZero) {
        record += "." + cidrZeroSuffix();
      }
    }
  }

  static std::string_view dnsTypeName(DnsType type)
  {
    switch (type) {
    case DnsType::A:
      return "a";
    case DnsType::AAAA:
      return "aaaa";
    case DnsType::MX:
      return "mx";
    case DnsType::PTR:
      return "ptr";
    case DnsType::TXT:
      return "txt";
    default:
      return "dns";
    }
  }

  // include:/redirect= targets (the top-level record is compiled by check()).
  SPF_errcode_t getSpf(SPF_server_t* server, SPF_request_t* request, SPF_response_t* response,
                       SPF_record_t** recordp)
  {
    *recordp = nullptr;
    const char* domain = request->cur_dom != nullptr ? request->cur_dom : "";
    if (d_limitExceeded || !countTerm(std::string("include/redirect ") + domain)) {
      return SPF_E_DNS_ERROR; // stops evaluation; the check becomes permerror
    }
    d_expected.clear();
    RecordFetch fetch = fetchRecord(domain);
    switch (fetch.kind) {
    case RecordFetch::Found:
      break;
    case RecordFetch::TempError:
      d_lastError = fetch.why;
      return SPF_E_DNS_ERROR;
    case RecordFetch::None:
      d_lastError = fetch.why;
      return SPF_E_NOT_SPF;
    case RecordFetch::PermError:
      d_lastError = fetch.why;
      return SPF_E_SYNTAX;
    }
    SPF_errcode_t err = SPF_record_compile(server, response, recordp, fetch.text.c_str());
    if (err != SPF_E_SUCCESS) {
      d_lastError = "libspf2 could not compile the record of " + std::string(domain);
      if (*recordp != nullptr) {
        SpfRecordPtr discard(*recordp);
        *recordp = nullptr;
      }
      return SPF_E_SYNTAX;
    }
    return SPF_E_SUCCESS;
  }

  // exp= (RFC 7208 §6.2): exactly one TXT record, valid explain-string,
  // otherwise the default explanation.
  SPF_errcode_t getExp(SPF_server_t* server, const char* domainText, char** bufp,
                       std::size_t* buflenp)
  {
    d_inExplanation = true;
    struct Reset
    {
      bool& flag;
      ~Reset() { flag = false; }
    } reset{d_inExplanation};

    std::string text;
    std::string domain = truncateSpfDomain(domainText != nullptr ? domainText : "");
    DnsAnswer answer =
        isValidSpfDomain(domain) ? d_resolver.query(domain, DnsType::TXT) : DnsAnswer{};
    bool useDefault = answer.status != DnsStatus::Data || answer.records.size() != 1 ||
                      !isValidExplainString(answer.records[0]);
    if (!useDefault) {
      text = answer.records[0];
    }
    return expandExplanation(server, useDefault ? nullptr : &text, bufp, buflenp);
  }

  SPF_errcode_t expandExplanation(SPF_server_t* server, const std::string* text, char** bufp,
                                  std::size_t* buflenp)
  {
    SpfResponsePtr scratch(SPF_response_new(d_request));
    if (!scratch) {
      return SPF_E_NO_MEMORY;
    }
    SPF_macro_t* macro = server->explanation;
    SpfMacroPtr owned;
    bool urlEscapes = false;
    if (text != nullptr) {
      // libspf2 mis-parses a literal space in explanation text (it is read
      // as a '%' escape); "%_" is the macro for a space, parsed correctly.
      std::string escaped;
      for (std::size_t i = 0; i < text->size(); ++i) {
        char c = (*text)[i];
        if (c == ' ') {
          escaped += "%_";
        } else {
          escaped.push_back(c);
          if (c == '%' && i + 2 < text->size() && (*text)[i + 1] == '{' && (*text)[i + 2] >= 'A' &&
              (*text)[i + 2] <= 'Z') {
            urlEscapes = true;
          }
        }
      }
      SPF_macro_t* compiled = nullptr;
      if (SPF_record_compile_macro(server, scratch.get(), &compiled, escaped.c_str()) ==
              SPF_E_SUCCESS &&
          compiled != nullptr) {
        owned.reset(compiled);
        macro = compiled;
      } else if (compiled != nullptr) {
        SpfMacroPtr discard(compiled);
      }
    }
    if (macro == nullptr) {
      return SPF_E_INTERNAL_ERROR;
    }
    auto* data = reinterpret_cast<SPF_data_t*>(reinterpret_cast<char*>(macro) + sizeof(*macro));
    SPF_errcode_t err = SPF_record_expand_data(server, d_request, scratch.get(), data,
                                               macro->macro_len, bufp, buflenp);
    if (err == SPF_E_SUCCESS && urlEscapes && *bufp != nullptr) {
      // RFC 3986 §2.1: percent-encodings use upper-case hex digits.
      for (char* p = *bufp; *p != '\0'; ++p) {
        if (*p == '%' && std::isxdigit(static_cast<unsigned char>(p[1])) &&
            std::isxdigit(static_cast<unsigned char>(p[2]))) {
          p[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[1])));
          p[2] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[2])));
        }
      }
    }
    return err;
  }

  // libspf2 callbacks: C entry points, so nothing may throw out of them.
  static SPF_dns_rr_t* lookupCallback(SPF_dns_server_t* layer, const char* domain, ns_type type,
                                      int /*shouldCache*/)
  {
    Context& context = from(layer);
    try {
      return context.lookup(domain, type);
    } catch (const std::exception& e) {
      context.d_lastError = std::string("internal error: ") + e.what();
    } catch (...) {
      context.d_lastError = "internal error";
    }
    return context.tryAgain(domain, type);
  }

  static SPF_errcode_t getSpfCallback(SPF_server_t* server, SPF_request_t* request,
                                      SPF_response_t* response, SPF_record_t** recordp)
  {
    Context& context = from(server->resolver);
    try {
      return context.getSpf(server, request, response, recordp);
    } catch (...) {
      context.d_lastError = "internal error fetching an included record";
      *recordp = nullptr;
      return SPF_E_DNS_ERROR;
    }
  }

  static SPF_errcode_t getExpCallback(SPF_server_t* server, const char* domain, char** bufp,
                                      std::size_t* buflenp)
  {
    Context& context = from(server->resolver);
    try {
      return context.getExp(server, domain, bufp, buflenp);
    } catch (...) {
      return SPF_E_INTERNAL_ERROR;
    }
  }

  DnsResolver& d_resolver;
  const SpfCheckerOptions& d_options;
  const Client& d_client;
  SPF_dns_server_t d_layer;
  SPF_request_t* d_request = nullptr;
  unsigned d_terms = 0;
  unsigned d_voids = 0;
  bool d_limitExceeded = false;
  std::string d_limitReason;
  std::string d_lastError;
  std::deque<std::string> d_expected; // MX/PTR names still to be resolved
  bool d_expectedFromPtr = false;
  bool d_inExplanation = false;
};

SpfOutcome outcome(SpfResult result, SpfScope scope, std::string domain, std::string why)
{
  SpfOutcome out;
  out.result = result;
  out.scope = scope;
  out.domain = std::move(domain);
  out.explanation = std::move(why);
  return out;
}

SpfResult mapResult(SPF_result_t result, SPF_errcode_t err)
{
  switch (result) {
  case SPF_RESULT_PASS:
    return SpfResult::Pass;
  case SPF_RESULT_FAIL:
    return SpfResult::Fail;
  case SPF_RESULT_SOFTFAIL:
    return SpfResult::Softfail;
  case SPF_RESULT_NEUTRAL:
    return SpfResult::Neutral;
  case SPF_RESULT_NONE:
    return SpfResult::None;
  case SPF_RESULT_TEMPERROR:
    return SpfResult::Temperror;
  case SPF_RESULT_PERMERROR:
    return SpfResult::Permerror;
  case SPF_RESULT_INVALID:
  default:
    // libspf2 leaves "(invalid)" and says why only in the return code.
    return err == SPF_E_DNS_ERROR ? SpfResult::Temperror : SpfResult::Permerror;
  }
}

// The domain an identity names: the whole HELO name, or what follows the
// last '@' of a sender; lower case, without a trailing dot.
std::string identityDomain(const std::string& identity, SpfScope scope)
{
  auto at = scope == SpfScope::Helo ? std::string::npos : identity.rfind('@');
  return toLowerAscii(stripDot(at == std::string::npos ? identity : identity.substr(at + 1)));
}

// RFC 8616 §4: SPF looks up the A-label form of an SMTPUTF8 domain, so a
// non-ASCII `domain` and the identity that holds it are converted. False
// when the domain is not a valid IDNA name; an ASCII one is left as it is.
bool toALabels(const IdnaConverter* idna, std::string& identity, std::string& domain)
{
  bool ascii = std::all_of(domain.begin(), domain.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii || idna == nullptr) {
    return true;
  }
  auto aLabel = idna->toALabel(domain);
  if (!aLabel) {
    return false;
  }
  auto at = identity.rfind('@');
  identity = (at == std::string::npos ? std::string() : identity.substr(0, at + 1)) + *aLabel;
  domain = *aLabel;
  return true;
}

// The request as SPF_request_prepare() (static in libspf2) would make it:
// client address, HELO name, sender and the domain checked first.
void prepareRequest(SPF_request_t* request, const Client& client, SpfScope scope,
                    const std::string& heloText, const std::string& senderText)
{
  if (client.family == AF_INET) {
    SPF_request_set_ipv4(request, client.v4);
  } else {
    SPF_request_set_ipv6(request, client.v6);
  }
  // %{h} must expand to something even when the MTA did not pass the
  // HELO name (libspf2 would fail the whole check with temperror).
  SPF_request_set_helo_dom(request, heloText.empty() ? "unknown" : heloText.c_str());
  if (scope == SpfScope::Mfrom) {
    SPF_request_set_env_from(request, senderText.c_str());
  } else {
    std::string postmaster = "postmaster@" + heloText;
    SPF_request_set_env_from(request, postmaster.c_str());
  }
  // SPF_request_prepare() is static in libspf2; this is what it does.
  request->use_helo = scope == SpfScope::Helo ? 1 : 0;
  request->cur_dom = scope == SpfScope::Helo ? request->helo_dom : request->env_from_dp;
}

// The words that go with a result: the domain's explanation for a
// failure, the cause of an error, else libspf2's comment.
std::string resultReason(SpfResult result, SPF_response_t* response, const Context& context)
{
  switch (result) {
  case SpfResult::Fail:
  case SpfResult::Softfail:
  case SpfResult::Neutral: {
    const char* explanation = SPF_response_get_explanation(response);
    return explanation != nullptr ? explanation : "";
  }
  case SpfResult::Temperror:
  case SpfResult::Permerror:
    return context.lastError().empty() ? std::string(SPF_strerror(SPF_response_errcode(response)))
                                       : context.lastError();
  default: {
    const char* comment = SPF_response_get_header_comment(response);
    return comment != nullptr ? comment : "";
  }
  }
}
} // namespace

SpfChecker::SpfChecker(DnsResolver& resolver, SpfCheckerOptions options)
    : d_resolver(resolver), d_options(std::move(options))
{
  // libspf2 reports an internal error on stderr and aborts. A daemon's
  // stderr is usually /dev/null, so route the last words to syslog. (The
  // handlers are process-wide; this file is libspf2's only user.)
  static std::once_flag s_handlers;
  std::call_once(s_handlers, [] { SPF_error_handler = SPF_error_syslog; });
}

SpfOutcome SpfChecker::checkMailFrom(std::string_view clientIp, std::string_view mailFrom,
                                     std::string_view helo) const
{
  if (mailFrom.size() >= 2 && mailFrom.front() == '<' && mailFrom.back() == '>') {
    mailFrom = mailFrom.substr(1, mailFrom.size() - 2);
  }
  if (mailFrom.empty()) {
    // RFC 7208 §2.4: a null reverse-path is checked as postmaster@HELO.
    return check(clientIp, "", helo, SpfScope::Helo);
  }
  return check(clientIp, mailFrom, helo, SpfScope::Mfrom);
}

SpfOutcome SpfChecker::checkHelo(std::string_view clientIp, std::string_view helo) const
{
  return check(clientIp, "", helo, SpfScope::Helo);
}

SpfOutcome SpfChecker::check(std::string_view clientIp, std::string_view sender,
                             std::string_view helo, SpfScope scope) const
{
  // SMTP bounds these far lower (RFC 5321 §4.5.3.1); anything longer is
  // not an identity worth a DNS query.
  constexpr std::size_t maxIdentity = 1024;
  std::string heloText(helo.substr(0, std::min(helo.size(), maxIdentity)));
  std::string senderText(sender.substr(0, std::min(sender.size(), maxIdentity)));
  if (heloText.find('\0') != std::string::npos || senderText.find('\0') != std::string::npos) {
    return outcome(SpfResult::None, scope, "", "identity contains a NUL byte");
  }
  std::string& identity = scope == SpfScope::Helo ? heloText : senderText;
  std::string domain = identityDomain(identity, scope);
  if (!toALabels(d_options.idna, identity, domain)) {
    return outcome(SpfResult::None, scope, domain, "not a valid IDNA domain name");
  }

  auto client = parseClient(clientIp);
  if (!client) {
    return outcome(SpfResult::Temperror, scope, domain,
                   "client address '" + std::string(clientIp) + "' is not an IP address");
  }

  Context context(d_resolver, d_options, *client);
  RecordFetch top = context.fetchRecord(domain);
  switch (top.kind) {
  case RecordFetch::None:
    return outcome(SpfResult::None, scope, domain, top.why);
  case RecordFetch::TempError:
    return outcome(SpfResult::Temperror, scope, domain, top.why);
  case RecordFetch::PermError:
    return outcome(SpfResult::Permerror, scope, domain, top.why);
  case RecordFetch::Found:
    break;
  }

  // Declaration order matters: the server does not own the DNS layer
  // (it lives in `context`, declared above) and is destroyed first.
  SpfServerPtr server(SPF_server_new_dns(context.layer(), 0));
  if (!server) {
    return outcome(SpfResult::Temperror, scope, domain, "libspf2: out of memory");
  }
  SPF_server_set_rec_dom(server.get(), d_options.receivingDomain.c_str());
  if (!d_options.defaultExplanation.empty()) {
    SPF_response_t* errors = nullptr;
    SPF_server_set_explanation(server.get(), d_options.defaultExplanation.c_str(), &errors);
    SpfResponsePtr discard(errors);
  }
  SpfRequestPtr request(SPF_request_new(server.get()));
  if (!request) {
    return outcome(SpfResult::Temperror, scope, domain, "libspf2: out of memory");
  }
  context.setRequest(request.get());
  prepareRequest(request.get(), *client, scope, heloText, senderText);
  if (request->cur_dom == nullptr) {
    return outcome(SpfResult::None, scope, domain, "no domain to check");
  }

  SpfResponsePtr response(SPF_response_new(request.get()));
  if (!response) {
    return outcome(SpfResult::Temperror, scope, domain, "libspf2: out of memory");
  }
  SPF_record_t* compiled = nullptr;
  SPF_errcode_t err = SPF_record_compile(server.get(), response.get(), &compiled, top.text.c_str());
  SpfRecordPtr record(compiled);
  if (err != SPF_E_SUCCESS || !record) {
    return outcome(SpfResult::Permerror, scope, domain,
                   "SPF record of " + domain + " not accepted by libspf2");
  }
  response->spf_record_exp = record.get();
  err = SPF_record_interpret(record.get(), request.get(), response.get(), 0);

  if (context.limitExceeded()) {
    return outcome(SpfResult::Permerror, scope, domain, context.limitReason());
  }
  SpfResult result = mapResult(SPF_response_result(response.get()), err);
  return outcome(result, scope, domain, resultReason(result, response.get(), context));
}
} // namespace dmarc
