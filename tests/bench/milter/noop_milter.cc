// noop_milter.cc: noop-milter, the benchmark's baseline milter.
//
// A libmilter filter that registers every callback a DMARC milter needs
// (connect, helo, envfrom, envrcpt, header, eoh, body, eom, abort, close),
// negotiates nothing away and does no work: each callback returns
// SMFIS_CONTINUE. Driving it shows what libmilter and the protocol cost by
// themselves, and that the benchmark client is not the bottleneck.
//   noop-milter -p unix:/path/to/socket   (or inet:port@127.0.0.1)
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include <libmilter/mfapi.h>

namespace
{
extern "C" sfsistat noopConnect(SMFICTX*, char*, _SOCK_ADDR*)
{
  return SMFIS_CONTINUE;
}
extern "C" sfsistat noopHelo(SMFICTX*, char*)
{
  return SMFIS_CONTINUE;
}
extern "C" sfsistat noopEnvelope(SMFICTX*, char**)
{
  return SMFIS_CONTINUE;
}
extern "C" sfsistat noopHeader(SMFICTX*, char*, char*)
{
  return SMFIS_CONTINUE;
}
extern "C" sfsistat noopContext(SMFICTX*)
{
  return SMFIS_CONTINUE;
}
extern "C" sfsistat noopBody(SMFICTX*, unsigned char*, size_t)
{
  return SMFIS_CONTINUE;
}
} // namespace

int main(int argc, char** argv)
{
  std::string socketSpec;
  int option;
  while ((option = ::getopt(argc, argv, "p:")) != -1) {
    if (option == 'p') {
      socketSpec = optarg;
    } else {
      std::fprintf(stderr, "usage: noop-milter -p SOCKET\n");
      return 64;
    }
  }
  if (socketSpec.empty()) {
    std::fprintf(stderr, "usage: noop-milter -p SOCKET\n");
    return 64;
  }
  static char name[] = "noop-milter";
  struct smfiDesc description;
  std::memset(&description, 0, sizeof description);
  description.xxfi_name = name;
  description.xxfi_version = SMFI_VERSION;
  description.xxfi_flags = SMFIF_ADDHDRS;
  description.xxfi_connect = noopConnect;
  description.xxfi_helo = noopHelo;
  description.xxfi_envfrom = noopEnvelope;
  description.xxfi_envrcpt = noopEnvelope;
  description.xxfi_header = noopHeader;
  description.xxfi_eoh = noopContext;
  description.xxfi_body = noopBody;
  description.xxfi_eom = noopContext;
  description.xxfi_abort = noopContext;
  description.xxfi_close = noopContext;
  if (socketSpec.rfind("unix:", 0) == 0 || socketSpec.rfind("local:", 0) == 0) {
    ::unlink(socketSpec.substr(socketSpec.find(':') + 1).c_str());
  }
  if (smfi_setconn(socketSpec.data()) == MI_FAILURE || smfi_register(description) == MI_FAILURE) {
    std::fprintf(stderr, "noop-milter: cannot set up %s\n", socketSpec.c_str());
    return 69;
  }
  // A backlog large enough for 32 connections arriving at once.
  smfi_setbacklog(128);
  return smfi_main() == MI_SUCCESS ? 0 : 70;
}
