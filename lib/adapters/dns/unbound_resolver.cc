// unbound_resolver.cc: DnsResolver on one shared libunbound context.
//
// Queries are asynchronous underneath (ub_resolve_async), so that each one
// can be cut at its timeout: the blocking ub_resolve has no per-query bound.
// One dispatcher thread waits on ub_fd() and calls ub_process(), which runs
// the completion callbacks; the asking thread waits on its own slot until
// the answer or the deadline. A query that times out is cancelled.
//
// Trusts nothing in the answer: the reply packet, the records and every
// name inside them are parsed with explicit bounds.
#include "lib/adapters/dns/unbound_resolver.hh"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/cpu_gate.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
DnsAnswer failure(std::string why)
{
  DnsAnswer answer;
  answer.status = DnsStatus::Failure;
  answer.error = std::move(why);
  return answer;
}

// A DNS name in presentation form for ub_resolve, whatever octets the caller
// passed: anything but letters, digits, '-' and '_' inside a label is
// written as \DDD, so that no byte can change how unbound reads the name
// (a '\' or '"' from an SPF macro expansion, say). Returns nothing when
// the name cannot be a DNS name (RFC 1035 §2.3.4 lengths, empty labels).
std::optional<std::string> presentationName(std::string_view name)
{
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  if (name.empty()) {
    return std::string(".");
  }
  if (name.size() > 253) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(name.size() + 8);
  std::size_t labelLength = 0;
  for (char ch : name) {
    auto byte = static_cast<unsigned char>(ch);
    if (ch == '.') {
      if (labelLength == 0) {
        return std::nullopt;
      }
      labelLength = 0;
      out.push_back('.');
      continue;
    }
    if (++labelLength > 63) {
      return std::nullopt;
    }
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '_') {
      out.push_back(ch);
    } else {
      char escaped[5] = {'\\', static_cast<char>('0' + byte / 100),
                         static_cast<char>('0' + (byte / 10) % 10),
                         static_cast<char>('0' + byte % 10), 0};
      out.append(escaped, 4);
    }
  }
  if (labelLength == 0) {
    return std::nullopt;
  }
  return out;
}

// Reads one uncompressed wire-format name at data[offset...] (rdata from
// libunbound is decompressed). Returns the name in lower case without the
// trailing dot, "." for the root; nothing when malformed or over 255 octets.
std::optional<std::string> wireName(const unsigned char* data, std::size_t size,
                                    std::size_t& offset)
{
  std::string name;
  std::size_t wireLength = 0;
  while (true) {
    if (offset >= size) {
      return std::nullopt;
    }
    std::size_t length = data[offset++];
    ++wireLength;
    if (length == 0) {
      break;
    }
    if (length > 63 || offset + length > size) {
      return std::nullopt; // compression pointer or truncated label
    }
    wireLength += length;
    if (wireLength > 255) {
      return std::nullopt;
    }
    if (!name.empty()) {
      name.push_back('.');
    }
    for (std::size_t i = 0; i < length; ++i) {
      auto byte = data[offset + i];
      if (byte == '.' || byte == '\\' || byte <= 0x20 || byte >= 0x7f) {
        char escaped[5] = {'\\', static_cast<char>('0' + byte / 100),
                           static_cast<char>('0' + (byte / 10) % 10),
                           static_cast<char>('0' + byte % 10), 0};
        name.append(escaped, 4);
      } else {
        // Names compare case-insensitively; servers echo the query's case
        // into compressed rdata, so targets are returned in lower case.
        name.push_back(static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + 32 : byte));
      }
    }
    offset += length;
  }
  if (name.empty()) {
    return std::string(".");
  }
  return name;
}

// Skips one possibly compressed name in a reply packet.
bool skipPacketName(const unsigned char* packet, std::size_t size, std::size_t& offset)
{
  for (std::size_t labels = 0; labels < 128; ++labels) {
    if (offset >= size) {
      return false;
    }
    unsigned length = packet[offset];
    if (length == 0) {
      ++offset;
      return true;
    }
    if ((length & 0xc0) == 0xc0) {
      offset += 2;
      return offset <= size;
    }
    if ((length & 0xc0) != 0) {
      return false;
    }
    offset += 1 + length;
  }
  return false;
}

unsigned read16(const unsigned char* p)
{
  return (unsigned(p[0]) << 8) | p[1];
}

// The number of CNAME records in the answer section of a reply, or nothing
// when the packet is malformed.
std::optional<std::size_t> countCnames(const unsigned char* packet, std::size_t size)
{
  if (size < 12) {
    return std::nullopt;
  }
  unsigned questions = read16(packet + 4);
  unsigned answers = read16(packet + 6);
  std::size_t offset = 12;
  for (unsigned i = 0; i < questions; ++i) {
    if (!skipPacketName(packet, size, offset) || offset + 4 > size) {
      return std::nullopt;
    }
    offset += 4;
  }
  std::size_t cnames = 0;
  for (unsigned i = 0; i < answers; ++i) {
    if (!skipPacketName(packet, size, offset) || offset + 10 > size) {
      return std::nullopt;
    }
    unsigned type = read16(packet + offset);
    unsigned rdLength = read16(packet + offset + 8);
    offset += 10 + rdLength;
    if (offset > size) {
      return std::nullopt;
    }
    if (type == static_cast<unsigned>(DnsType::CNAME)) {
      ++cnames;
    }
  }
  return cnames;
}

std::optional<std::string> rdataToText(DnsType type, const unsigned char* data, std::size_t size,
                                       const UnboundResolverOptions& options)
{
  switch (type) {
  case DnsType::A:
  case DnsType::AAAA: {
    bool v4 = type == DnsType::A;
    if (size != (v4 ? 4u : 16u)) {
      return std::nullopt;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(v4 ? AF_INET : AF_INET6, data, text, sizeof(text)) == nullptr) {
      return std::nullopt;
    }
    return std::string(text);
  }
  case DnsType::TXT: {
    // RFC 7208 §3.3 / RFC 7489 §6.1 / RFC 6376 §3.6.2.2: the
    // character-strings of one record are concatenated.
    std::string text;
    std::size_t offset = 0;
    while (offset < size) {
      std::size_t length = data[offset++];
      if (offset + length > size) {
        return std::nullopt;
      }
      text.append(reinterpret_cast<const char*>(data + offset), length);
      offset += length;
      if (text.size() > options.maxTxtBytes) {
        return std::nullopt;
      }
    }
    return text;
  }
  case DnsType::MX: {
    if (size < 3) {
      return std::nullopt;
    }
    std::size_t offset = 2;
    auto name = wireName(data, size, offset);
    if (!name || offset != size) {
      return std::nullopt;
    }
    return std::to_string(read16(data)) + " " + *name;
  }
  case DnsType::PTR:
  case DnsType::CNAME:
  case DnsType::NS: {
    std::size_t offset = 0;
    auto name = wireName(data, size, offset);
    if (!name || offset != size) {
      return std::nullopt;
    }
    return name;
  }
  }
  return std::nullopt;
}

std::string rcodeName(int rcode)
{
  switch (rcode) {
  case 1:
    return "FORMERR";
  case 2:
    return "SERVFAIL";
  case 4:
    return "NOTIMP";
  case 5:
    return "REFUSED";
  default:
    return "rcode " + std::to_string(rcode);
  }
}

DnsAnswer convert(const ub_result& result, DnsType type, const UnboundResolverOptions& options)
{
  DnsAnswer answer;
  answer.secure = result.secure != 0;
  answer.bogus = result.bogus != 0;
  if (result.bogus != 0) {
    answer.status = DnsStatus::Failure;
    answer.error = std::string("DNSSEC bogus: ") +
                   (result.why_bogus != nullptr ? result.why_bogus : "validation failed");
    return answer;
  }
  if (result.answer_len < 0 ||
      static_cast<std::size_t>(result.answer_len) > options.maxAnswerBytes) {
    answer.status = DnsStatus::Failure;
    answer.error = "answer larger than " + std::to_string(options.maxAnswerBytes) + " bytes";
    return answer;
  }
  if (result.answer_packet != nullptr && result.answer_len > 0) {
    auto cnames = countCnames(static_cast<const unsigned char*>(result.answer_packet),
                              static_cast<std::size_t>(result.answer_len));
    if (!cnames) {
      answer.status = DnsStatus::Failure;
      answer.error = "malformed answer packet";
      return answer;
    }
    if (*cnames > options.maxCnameChain) {
      answer.status = DnsStatus::Failure;
      answer.error = "CNAME chain longer than " + std::to_string(options.maxCnameChain);
      return answer;
    }
  }
  if (result.rcode == 3 || result.nxdomain != 0) {
    answer.status = DnsStatus::NxDomain;
    return answer;
  }
  if (result.rcode != 0) {
    answer.status = DnsStatus::Failure;
    answer.error = rcodeName(result.rcode);
    return answer;
  }
  if (result.havedata == 0 || result.data == nullptr || result.data[0] == nullptr) {
    answer.status = DnsStatus::NoData;
    return answer;
  }
  for (std::size_t i = 0; result.data[i] != nullptr; ++i) {
    if (answer.records.size() >= options.maxRecords) {
      return failure("more than " + std::to_string(options.maxRecords) + " records");
    }
    if (result.len[i] < 0) {
      return failure("malformed record");
    }
    auto text = rdataToText(type, reinterpret_cast<const unsigned char*>(result.data[i]),
                            static_cast<std::size_t>(result.len[i]), options);
    if (!text) {
      return failure(type == DnsType::TXT ? "TXT record malformed or longer than " +
                                                std::to_string(options.maxTxtBytes) + " bytes"
                                          : "malformed record");
    }
    answer.records.push_back(std::move(*text));
  }
  answer.status = DnsStatus::Data;
  return answer;
}

void checkUb(int rc, const std::string& what)
{
  if (rc != 0) {
    throw ConfigError("DNS resolver: " + what + ": " + ub_strerror(rc));
  }
}
} // namespace

std::string NameserverAddress::toUnbound() const
{
  return address + "@" + std::to_string(port);
}

NameserverAddress parseNameserver(std::string_view text)
{
  NameserverAddress result;
  std::string_view address = text;
  auto at = text.rfind('@');
  if (at != std::string_view::npos) {
    address = text.substr(0, at);
    auto portText = text.substr(at + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || end != portText.data() + portText.size() || port == 0 ||
        port > 65535) {
      throw ConfigError("nameserver '" + std::string(text) + "': port must be 1-65535");
    }
    result.port = static_cast<std::uint16_t>(port);
  }
  result.address = std::string(address);
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(AF_INET, result.address.c_str(), buffer) != 1 &&
      inet_pton(AF_INET6, result.address.c_str(), buffer) != 1) {
    throw ConfigError("nameserver '" + std::string(text) +
                      "': not an IPv4 or IPv6 address (address[@port])");
  }
  return result;
}

// One outstanding query: written by the callback on the dispatcher thread,
// read by the asking thread. Shared, because a query that timed out may
// still complete while its asker is gone.
struct PendingQuery
{
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  int error = 0;
  UbResultPtr result;
};

class UnboundResolver::Impl
{
public:
  explicit Impl(const UnboundResolverOptions& options)
  {
    d_ctx.reset(ub_ctx_create());
    if (!d_ctx) {
      throw ConfigError("DNS resolver: cannot create libunbound context");
    }
    // Resolve in a thread of this process, not a forked child: the milter
    // may run chrooted and as an unprivileged user.
    checkUb(ub_ctx_async(d_ctx.get(), 1), "async mode");
    // Forwarders on loopback must be reachable: a local caching server
    // named in resolv.conf (127.0.0.1, 127.0.0.53) is common on mail hosts,
    // and tests forward to one. libunbound refuses localhost by default.
    checkUb(ub_ctx_set_option(d_ctx.get(), "do-not-query-localhost:", "no"),
            "do-not-query-localhost");
    if (!options.nameservers.empty()) {
      for (const auto& server : options.nameservers) {
        auto parsed = parseNameserver(server);
        checkUb(ub_ctx_set_fwd(d_ctx.get(), parsed.toUnbound().c_str()), "nameserver " + server);
      }
    } else {
      const char* path = options.resolvConf.empty() ? nullptr : options.resolvConf.c_str();
      checkUb(ub_ctx_resolvconf(d_ctx.get(), path),
              "reading " + (options.resolvConf.empty() ? std::string("/etc/resolv.conf")
                                                       : options.resolvConf));
    }
    if (options.useHostsFile) {
      checkUb(ub_ctx_hosts(d_ctx.get(), nullptr), "reading /etc/hosts");
    }
    if (!options.trustAnchorFile.empty()) {
      // libunbound reads the file at the first query; a typo must fail
      // at start-up instead.
      if (::access(options.trustAnchorFile.c_str(), R_OK) != 0) {
        throw ConfigError("DNS resolver: trust anchor file " + options.trustAnchorFile + ": " +
                          std::strerror(errno));
      }
      checkUb(ub_ctx_add_ta_file(d_ctx.get(), options.trustAnchorFile.c_str()),
              "trust anchor file " + options.trustAnchorFile);
    }
    int pipeFds[2];
    if (::pipe(pipeFds) != 0) {
      throw ConfigError(std::string("DNS resolver: pipe: ") + std::strerror(errno));
    }
    d_stopRead.reset(pipeFds[0]);
    d_stopWrite.reset(pipeFds[1]);
    d_dispatcher = std::thread([this] { dispatch(); });
  }

  ~Impl()
  {
    char byte = 'x';
    while (::write(d_stopWrite.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    if (d_dispatcher.joinable()) {
      d_dispatcher.join();
    }
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // `cached`: set when the answer came from the table in front of libunbound.
  DnsAnswer query(std::string_view name, DnsType type, std::chrono::milliseconds timeout,
                  const UnboundResolverOptions& options, bool& cached)
  {
    auto presentation = presentationName(name);
    if (!presentation) {
      return failure("not a valid DNS name");
    }
    std::string cacheKey;
    if (options.cacheEntries > 0) {
      cacheKey = *presentation + "/" + std::to_string(static_cast<unsigned>(type));
      for (auto& c : cacheKey) {
        c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      }
      if (auto hit = fromCache(cacheKey)) {
        cached = true;
        return *hit;
      }
    }
    auto pending = std::make_shared<PendingQuery>();
    // The callback owns one reference, released when it runs; a successful
    // ub_cancel means it never will, and the reference is released here.
    auto* callbackReference = new std::shared_ptr<PendingQuery>(pending);
    int asyncId = 0;
    int rc = ub_resolve_async(d_ctx.get(), presentation->c_str(), static_cast<int>(type), 1,
                              callbackReference, &Impl::completed, &asyncId);
    if (rc != 0) {
      delete callbackReference;
      return failure(std::string("resolver: ") + ub_strerror(rc));
    }
    // Waiting for the network: a CPU slot held for end-of-message work
    // goes to the next message meanwhile (cpu_gate.hh).
    OffCpuScope offCpu;
    std::unique_lock lock(pending->mutex);
    if (!pending->done.wait_for(lock, timeout, [&] { return pending->finished; })) {
      lock.unlock();
      if (ub_cancel(d_ctx.get(), asyncId) == 0) {
        delete callbackReference;
      }
      return failure("timeout after " + std::to_string(timeout.count()) + " ms");
    }
    if (pending->error != 0) {
      return failure(std::string("resolver: ") + ub_strerror(pending->error));
    }
    if (!pending->result) {
      return failure("resolver: no result");
    }
    DnsAnswer answer = convert(*pending->result, type, options);
    if (!cacheKey.empty() && answer.isAnswer() && !answer.bogus && pending->result->ttl > 0) {
      auto ttl = std::min<std::chrono::seconds>(std::chrono::seconds(pending->result->ttl),
                                                options.maxCacheTtl);
      toCache(cacheKey, answer, ttl, options.cacheEntries);
    }
    return answer;
  }

private:
  struct CacheEntry
  {
    DnsAnswer answer;
    std::chrono::steady_clock::time_point expires;
  };

  std::optional<DnsAnswer> fromCache(const std::string& key)
  {
    std::lock_guard lock(d_cacheMutex);
    auto found = d_cache.find(key);
    if (found == d_cache.end()) {
      return std::nullopt;
    }
    if (found->second.expires <= std::chrono::steady_clock::now()) {
      d_cache.erase(found);
      return std::nullopt;
    }
    return found->second.answer;
  }

  void toCache(const std::string& key, const DnsAnswer& answer, std::chrono::seconds ttl,
               std::size_t capacity)
  {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(d_cacheMutex);
    if (d_cache.size() >= capacity) {
      std::erase_if(d_cache, [now](const auto& entry) { return entry.second.expires <= now; });
      if (d_cache.size() >= capacity) {
        d_cache.clear(); // bounded memory beats a perfect hit rate
      }
    }
    d_cache[key] = CacheEntry{answer, now + ttl};
  }

  static void completed(void* data, int error, ub_result* result)
  {
    std::unique_ptr<std::shared_ptr<PendingQuery>> reference(
        static_cast<std::shared_ptr<PendingQuery>*>(data));
    UbResultPtr owned(result);
    auto& pending = **reference;
    {
      std::lock_guard lock(pending.mutex);
      pending.error = error;
      pending.result = std::move(owned);
      pending.finished = true;
    }
    pending.done.notify_all();
  }

  void dispatch()
  {
    pollfd fds[2] = {{ub_fd(d_ctx.get()), POLLIN, 0}, {d_stopRead.get(), POLLIN, 0}};
    while (true) {
      int ready = ::poll(fds, 2, -1);
      if (ready < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;
      }
      if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        return;
      }
      if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        if (ub_process(d_ctx.get()) != 0) {
          // The result pipe is broken; stop rather than spin. Queries in
          // flight then end at their timeout as Failure.
          return;
        }
      }
    }
  }

  std::mutex d_cacheMutex;
  std::unordered_map<std::string, CacheEntry> d_cache;
  UbCtxPtr d_ctx;
  FileDescriptor d_stopRead;
  FileDescriptor d_stopWrite;
  std::thread d_dispatcher;
};

UnboundResolver::UnboundResolver(UnboundResolverOptions options)
    : d_options(std::move(options)), d_impl(std::make_unique<Impl>(d_options))
{}

UnboundResolver::~UnboundResolver() = default;

DnsAnswer UnboundResolver::observed(std::string_view name, DnsType type,
                                    std::chrono::milliseconds timeout)
{
  bool cached = false;
  if (!d_options.observer) {
    return d_impl->query(name, type, timeout, d_options, cached);
  }
  const auto start = std::chrono::steady_clock::now();
  DnsAnswer answer = d_impl->query(name, type, timeout, d_options, cached);
  d_options.observer(cached, !answer.isAnswer(), std::chrono::steady_clock::now() - start);
  return answer;
}

DnsAnswer UnboundResolver::query(std::string_view name, DnsType type)
{
  return observed(name, type, d_options.queryTimeout);
}

DnsAnswer UnboundResolver::query(std::string_view name, DnsType type,
                                 std::chrono::milliseconds timeout)
{
  return observed(name, type, std::min(timeout, d_options.queryTimeout));
}
} // namespace dmarc
