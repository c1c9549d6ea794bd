// dkim_dns.cc: libopendkim's key lookups routed through our DnsResolver,
// with the answer encoded as the DNS message libopendkim parses.
// Trusts the resolver; distrusts the query name (it comes from s= and d=)
// and the key records (only their s= tag is looked at and rewritten here).
// No exception leaves the C callbacks.
#include "lib/adapters/dkim/dkim_dns.hh"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <sys/time.h>
#include <vector>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
// RFC 1035 §4.1.1 and §3.2.
constexpr std::size_t s_headerSize = 12;
constexpr std::uint16_t s_typeTxt = 16;
constexpr std::uint16_t s_classIn = 1;
constexpr unsigned s_rcodeNoError = 0;
constexpr unsigned s_rcodeNxDomain = 3;
constexpr std::size_t s_maxLabel = 63;     // RFC 1035 §2.3.4
constexpr std::size_t s_maxWireName = 255; // RFC 1035 §2.3.4, wire form
constexpr std::size_t s_maxString = 255;   // one TXT character-string
constexpr std::uint32_t s_ttl = 300;       // not used by libopendkim's parser

thread_local DnsResolver* s_threadResolver = nullptr;

class Writer
{
public:
  explicit Writer(std::span<unsigned char> out) : d_out(out) {}

  bool byte(unsigned value)
  {
    if (d_pos >= d_out.size()) {
      return false;
    }
    d_out[d_pos++] = static_cast<unsigned char>(value & 0xffU);
    return true;
  }
  bool u16(unsigned value) { return byte(value >> 8) && byte(value); }
  bool u32(std::uint32_t value) { return u16(value >> 16) && u16(value & 0xffffU); }
  bool bytes(std::string_view data)
  {
    if (d_out.size() - d_pos < data.size()) {
      return false;
    }
    if (!data.empty()) {
      std::memcpy(d_out.data() + d_pos, data.data(), data.size());
      d_pos += data.size();
    }
    return true;
  }
  void patch16(std::size_t at, unsigned value)
  {
    d_out[at] = static_cast<unsigned char>((value >> 8) & 0xffU);
    d_out[at + 1] = static_cast<unsigned char>(value & 0xffU);
  }
  std::size_t size() const { return d_pos; }

private:
  std::span<unsigned char> d_out;
  std::size_t d_pos = 0;
};

std::string_view withoutFinalDot(std::string_view name)
{
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

bool isLabelChar(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Writes `name` (already checked by isQueryableName) in wire form.
bool writeName(Writer& writer, std::string_view name)
{
  name = withoutFinalDot(name);
  while (!name.empty()) {
    auto dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (!writer.byte(static_cast<unsigned>(label.size())) || !writer.bytes(label)) {
      return false;
    }
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  return writer.byte(0);
}

// One query in flight: libopendkim hands us the reply buffer at start and
// reads it after waitreply; our resolver is synchronous, so the answer is
// complete when start returns.
struct PendingQuery
{
  int status = DKIM_DNS_ERROR;
  std::size_t length = 0;
  int dnssec = DKIM_DNSSEC_UNKNOWN;
};

// The service types libopendkim is set up for, one query-start callback
// each (libopendkim passes the callbacks only the resolver, so the service
// is chosen by which callback is installed, with no state to own).
enum class KeyService
{
  Email,
  TlsRpt,
};

constexpr std::string_view s_tlsRptService = "tlsrpt";

// One tag-spec of a tag-list (RFC 6376 §3.2): where it is in the record and
// its name and value without surrounding white space.
struct TagSpec
{
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string_view name;
  std::string_view value;
};

std::vector<TagSpec> tagSpecs(std::string_view record)
{
  std::vector<TagSpec> specs;
  std::size_t begin = 0;
  while (begin <= record.size()) {
    std::size_t end = record.find(';', begin);
    if (end == std::string_view::npos) {
      end = record.size();
    }
    const std::string_view spec = record.substr(begin, end - begin);
    const auto equals = spec.find('=');
    if (equals != std::string_view::npos) {
      specs.push_back(
          {begin, end, trimSpace(spec.substr(0, equals)), trimSpace(spec.substr(equals + 1))});
    }
    begin = end + 1;
  }
  return specs;
}

template <KeyService Service>
int queryStart(void* service, int type, unsigned char* query, unsigned char* buf, size_t buflen,
               void** handle) noexcept
{
  try {
    if (service == nullptr || query == nullptr || buf == nullptr || handle == nullptr) {
      return DKIM_DNS_INVALID;
    }
    auto pending = std::make_unique<PendingQuery>();
    // libopendkim builds the name in a DKIM_MAXHOSTNAMELEN buffer.
    std::string_view name(reinterpret_cast<const char*>(query),
                          ::strnlen(reinterpret_cast<const char*>(query), DKIM_MAXHOSTNAMELEN + 1));
    if (type == s_typeTxt) {
      DnsAnswer answer;
      if (isQueryableName(name)) {
        DnsResolver* resolver =
            s_threadResolver != nullptr ? s_threadResolver : static_cast<DnsResolver*>(service);
        answer = resolver->query(name, DnsType::TXT);
        if constexpr (Service == KeyService::TlsRpt) {
          for (auto& record : answer.records) {
            record = keyRecordForService(record, s_tlsRptService);
          }
        }
      } else {
        answer.status = DnsStatus::NxDomain;
      }
      if (auto length = encodeTxtReply(name, answer, std::span<unsigned char>(buf, buflen))) {
        pending->status = DKIM_DNS_SUCCESS;
        pending->length = *length;
        pending->dnssec = answer.secure ? DKIM_DNSSEC_SECURE : DKIM_DNSSEC_UNKNOWN;
      }
    }
    *handle = pending.release();
    return DKIM_DNS_SUCCESS;
  } catch (...) {
    // A resolver that throws (out of memory) is a failed lookup: temperror.
    return DKIM_DNS_ERROR;
  }
}

int queryWaitReply(void* /*service*/, void* handle, struct timeval* /*timeout*/, size_t* bytes,
                   int* error, int* dnssec) noexcept
{
  if (handle == nullptr) {
    return DKIM_DNS_INVALID;
  }
  const auto* pending = static_cast<const PendingQuery*>(handle);
  if (bytes != nullptr) {
    *bytes = pending->length;
  }
  if (error != nullptr) {
    *error = pending->status == DKIM_DNS_SUCCESS ? 0 : -1;
  }
  if (dnssec != nullptr) {
    *dnssec = pending->dnssec;
  }
  return pending->status;
}

int queryCancel(void* /*service*/, void* handle) noexcept
{
  delete static_cast<PendingQuery*>(handle);
  return DKIM_DNS_SUCCESS;
}
} // namespace

bool isQueryableName(std::string_view qname)
{
  std::string_view name = withoutFinalDot(qname);
  if (name.empty() || name.size() + 2 > s_maxWireName) {
    return false;
  }
  std::size_t labelLength = 0;
  for (char c : name) {
    if (c == '.') {
      if (labelLength == 0) {
        return false;
      }
      labelLength = 0;
    } else if (!isLabelChar(c) || ++labelLength > s_maxLabel) {
      return false;
    }
  }
  return labelLength != 0;
}

std::optional<std::size_t> encodeTxtReply(std::string_view qname, const DnsAnswer& answer,
                                          std::span<unsigned char> out)
{
  if (answer.status == DnsStatus::Failure || answer.bogus) {
    return std::nullopt;
  }
  bool queryable = isQueryableName(qname);
  bool nxdomain = answer.status == DnsStatus::NxDomain || !queryable;
  bool data = !nxdomain && answer.status == DnsStatus::Data;
  std::size_t count = data ? answer.records.size() : 0;
  if (count > 0xffffU) {
    return std::nullopt;
  }

  Writer writer(out);
  // Header: ID 0; QR, RD, RA; AD when the resolver validated the answer.
  unsigned flags = 0x8000U | 0x0100U | 0x0080U | (answer.secure ? 0x0020U : 0U) |
                   (nxdomain ? s_rcodeNxDomain : s_rcodeNoError);
  if (!writer.u16(0) || !writer.u16(flags) || !writer.u16(1) ||
      !writer.u16(static_cast<unsigned>(count)) || !writer.u16(0) || !writer.u16(0)) {
    return std::nullopt;
  }
  // Question. libopendkim checks its type and class, not its name.
  if (!writeName(writer, queryable ? qname : std::string_view()) || !writer.u16(s_typeTxt) ||
      !writer.u16(s_classIn)) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view text = answer.records[i];
    // Owner: a compression pointer to the question name (offset 12).
    if (!writer.u16(0xc000U | s_headerSize) || !writer.u16(s_typeTxt) || !writer.u16(s_classIn) ||
        !writer.u32(s_ttl)) {
      return std::nullopt;
    }
    std::size_t strings = text.empty() ? 1 : (text.size() + s_maxString - 1) / s_maxString;
    std::size_t rdlength = text.size() + strings;
    if (rdlength > 0xffffU) {
      return std::nullopt;
    }
    if (!writer.u16(static_cast<unsigned>(rdlength))) {
      return std::nullopt;
    }
    // DKIM concatenates a record's strings without separators (RFC 6376
    // §3.6.2.2), so where the original split them does not matter.
    do {
      std::string_view piece = text.substr(0, s_maxString);
      if (!writer.byte(static_cast<unsigned>(piece.size())) || !writer.bytes(piece)) {
        return std::nullopt;
      }
      text.remove_prefix(piece.size());
    } while (!text.empty());
  }
  return writer.size();
}

std::string keyRecordForService(std::string_view record, std::string_view service)
{
  if (equalsIgnoreCase(service, "email")) {
    return std::string(record);
  }
  const std::vector<TagSpec> specs = tagSpecs(record);
  std::size_t serviceTags = 0;
  bool permitted = false;
  for (const auto& spec : specs) {
    if (spec.name != "s") {
      continue;
    }
    ++serviceTags;
    std::string_view list = spec.value;
    while (!list.empty()) {
      const auto colon = list.find(':');
      const std::string_view item = trimSpace(list.substr(0, colon));
      if (item == "*" || equalsIgnoreCase(item, service)) {
        permitted = true;
      }
      list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
    }
  }
  if (serviceTags == 0) {
    return std::string(record); // RFC 6376 §3.6.1: no s= means "*"
  }
  const std::string replacement =
      serviceTags == 1 && permitted ? std::string("s=*") : "s=not-" + std::string(service);
  std::string out;
  out.reserve(record.size() + serviceTags * replacement.size());
  std::size_t copied = 0;
  for (const auto& spec : specs) {
    if (spec.name == "s") {
      out.append(record.substr(copied, spec.begin - copied));
      out += replacement;
      copied = spec.end;
    }
  }
  out.append(record.substr(copied));
  return out;
}

void installDkimDnsHooks(DKIM_LIB* lib, DnsResolver& resolver, std::string_view service)
{
  dkim_dns_set_init(lib, nullptr);
  dkim_dns_set_close(lib, nullptr);
  (void)dkim_dns_set_query_service(lib, &resolver);
  if (equalsIgnoreCase(service, "email")) {
    dkim_dns_set_query_start(lib, queryStart<KeyService::Email>);
  } else if (equalsIgnoreCase(service, s_tlsRptService)) {
    dkim_dns_set_query_start(lib, queryStart<KeyService::TlsRpt>);
  } else {
    throw ConfigError("DKIM: unknown key service type '" + std::string(service) +
                      "' (email or tlsrpt)");
  }
  dkim_dns_set_query_waitreply(lib, queryWaitReply);
  dkim_dns_set_query_cancel(lib, queryCancel);
}

ScopedDkimResolver::ScopedDkimResolver(DnsResolver* resolver) noexcept
    : d_previous(s_threadResolver)
{
  s_threadResolver = resolver;
}

ScopedDkimResolver::~ScopedDkimResolver()
{
  s_threadResolver = d_previous;
}
} // namespace dmarc
