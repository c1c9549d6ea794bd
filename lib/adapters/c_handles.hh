// c_handles.hh: RAII owners for every C library handle the adapters use.
// Each C type gets a deleter and a unique_ptr alias here, so that no
// naked *_free call appears anywhere else (STYLE.md convention 5). Members
// that own handles are declared in acquisition order, so that a handle is
// destroyed before the handles it depends on (e.g. the libspf2 server before
// its DNS layer, which the server does not own).
#pragma once

#include <memory>
#include <microhttpd.h>
#include <unistd.h>
#include <utility>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <unbound.h>

#include "lib/adapters/dkim/dkim_capi.hh"
#include "lib/adapters/dns/spf_capi.hh"

namespace dmarc
{
// Deleter for any C handle freed by one function: CHandleDeleter<&fn>.
template <auto FreeFunction>
struct CHandleDeleter
{
  template <typename T>
  void operator()(T* handle) const noexcept
  {
    if (handle != nullptr) {
      FreeFunction(handle);
    }
  }
};

template <typename T, auto FreeFunction>
using CHandle = std::unique_ptr<T, CHandleDeleter<FreeFunction>>;

// A move-only owned file descriptor.
class FileDescriptor
{
public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : d_fd(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : d_fd(std::exchange(other.d_fd, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept
  {
    if (this != &other) {
      reset(std::exchange(other.d_fd, -1));
    }
    return *this;
  }
  ~FileDescriptor() { reset(); }

  int get() const noexcept { return d_fd; }
  bool valid() const noexcept { return d_fd >= 0; }
  int release() noexcept { return std::exchange(d_fd, -1); }
  void reset(int fd = -1) noexcept
  {
    if (d_fd >= 0) {
      ::close(d_fd);
    }
    d_fd = fd;
  }

private:
  int d_fd = -1;
};

// libopendkim: the process-wide library handle and the per-message handle.
using DkimLibPtr = CHandle<DKIM_LIB, &dkim_close>;
using DkimPtr = CHandle<DKIM, &dkim_free>;

// OpenSSL objects used to make and load DKIM keys.
using EvpPkeyPtr = CHandle<EVP_PKEY, &EVP_PKEY_free>;
using EvpPkeyCtxPtr = CHandle<EVP_PKEY_CTX, &EVP_PKEY_CTX_free>;
using BioPtr = CHandle<BIO, &BIO_free_all>;
using EvpMdCtxPtr = CHandle<EVP_MD_CTX, &EVP_MD_CTX_free>;

// libunbound: the resolver context and one query result.
using UbCtxPtr = CHandle<ub_ctx, &ub_ctx_delete>;
using UbResultPtr = CHandle<ub_result, &ub_resolve_free>;

// libmicrohttpd: the metrics listener's server and one response.
using MhdDaemonPtr = CHandle<MHD_Daemon, &MHD_stop_daemon>;
using MhdResponsePtr = CHandle<MHD_Response, &MHD_destroy_response>;

// libspf2. The server does not own our DNS layer (SPF_server_new_dns), so
// a member holding the layer is declared before the SpfServerPtr member.
using SpfServerPtr = CHandle<SPF_server_t, &SPF_server_free>;
using SpfRequestPtr = CHandle<SPF_request_t, &SPF_request_free>;
using SpfResponsePtr = CHandle<SPF_response_t, &SPF_response_free>;
using SpfRecordPtr = CHandle<SPF_record_t, &SPF_record_free>;
using SpfMacroPtr = CHandle<SPF_macro_t, &SPF_macro_free>;
} // namespace dmarc
