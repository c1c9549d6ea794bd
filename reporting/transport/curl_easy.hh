// curl_easy.hh: the libcurl handles of dmarc-reports' transports (the
// HTTPS client and the SMTP relay): libcurl initialised once per process,
// and RAII owners for its easy handle and string lists.
//
// Trusts nothing it is given beyond what libcurl checks itself; the
// transports set their own limits on every handle.
#pragma once

#include <curl/curl.h>
#include <string>
#include <vector>

#include "lib/adapters/c_handles.hh"

namespace dmarc
{
using CurlPtr = CHandle<CURL, &curl_easy_cleanup>;
using CurlListPtr = CHandle<curl_slist, &curl_slist_free_all>;

// A new easy handle that never raises signals and speaks only `protocol`
// ("https", "smtp"); null when libcurl cannot be set up (out of memory).
CurlPtr newCurlHandle(const char* protocol);

// The list of `lines`, in order; null when `lines` is empty.
CurlListPtr curlList(const std::vector<std::string>& lines);

// A "host:port:address,..." entry for CURLOPT_RESOLVE, so that libcurl
// connects to the addresses our resolver found and never looks names up
// itself (IPv6 addresses in brackets).
std::string curlResolveEntry(const std::string& host, unsigned port,
                             const std::vector<std::string>& addresses);
} // namespace dmarc
