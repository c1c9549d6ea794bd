// curl_easy.cc: libcurl set-up shared by the transports; see curl_easy.hh.
#include "reporting/transport/curl_easy.hh"

#include <mutex>

namespace dmarc
{
CurlPtr newCurlHandle(const char* protocol)
{
  static std::once_flag once;
  static CURLcode initialised = CURLE_FAILED_INIT;
  std::call_once(once, [] { initialised = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (initialised != CURLE_OK) {
    return nullptr;
  }
  CurlPtr curl(curl_easy_init());
  if (curl) {
    // No SIGALRM for time limits (we may be one thread of several), and no
    // other protocol than the one asked for, whatever a URL says.
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, protocol);
    curl_easy_setopt(curl.get(), CURLOPT_FORBID_REUSE, 1L);
  }
  return curl;
}

CurlListPtr curlList(const std::vector<std::string>& lines)
{
  curl_slist* list = nullptr;
  for (const auto& line : lines) {
    curl_slist* longer = curl_slist_append(list, line.c_str());
    if (longer == nullptr) {
      curl_slist_free_all(list);
      return nullptr;
    }
    list = longer;
  }
  return CurlListPtr(list);
}

std::string curlResolveEntry(const std::string& host, unsigned port,
                             const std::vector<std::string>& addresses)
{
  std::string entry = host + ":" + std::to_string(port) + ":";
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const bool v6 = addresses[i].find(':') != std::string::npos;
    entry += (i > 0 ? "," : "") + (v6 ? "[" + addresses[i] + "]" : addresses[i]);
  }
  return entry;
}
} // namespace dmarc
