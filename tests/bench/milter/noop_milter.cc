// noop_milter.cc: noop-milter, the benchmark's baseline milter.
//
// A libmilter filter that registers every callback a DMARC milter needs
// (connect, helo, envfrom, envrcpt, header, eoh, body, eom, abort, close),
// negotiates nothing away and does no work: each callback returns
// SMFIS_CONTINUE. Driving it shows what libmilter and the protocol cost by
// themselves, and that the benchmark client is not the bottleneck.
// With -r it negotiates "no reply" for every step it may (SMFIP_NR_*), to
// show what answering each header and body chunk costs. With -r -m it also
// skips the CONNECT, MAIL and RCPT events (SMFIP_NOCONNECT, _NOMAIL,
// _NORCPT): a model of the fewest events a DMARC milter could live with
// under Postfix, if it took the client address and the envelope from
// macros at HELO and end of header (HELO has no macro, so it stays), to
// show what the events themselves cost through Postfix.
//   noop-milter -p unix:/path/to/socket [-r [-m]]   (or inet:port@127.0.0.1)
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include <libmilter/mfapi.h>

namespace
{
bool g_noReply = false;
bool g_minimalEvents = false;

sfsistat reply()
{
  return g_noReply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

extern "C" sfsistat noopNegotiate(SMFICTX*, unsigned long actions, unsigned long steps,
                                  unsigned long, unsigned long, unsigned long* actionsWanted,
                                  unsigned long* stepsWanted, unsigned long* reserved2,
                                  unsigned long* reserved3)
{
  constexpr unsigned long noReplySteps = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                                         SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH |
                                         SMFIP_NR_BODY | SMFIP_NODATA | SMFIP_NOUNKNOWN;
  *actionsWanted = actions & SMFIF_ADDHDRS;
  constexpr unsigned long skippedEvents = SMFIP_NOCONNECT | SMFIP_NOMAIL | SMFIP_NORCPT;
  *stepsWanted = steps & (noReplySteps | (g_minimalEvents ? skippedEvents : 0));
  *reserved2 = 0;
  *reserved3 = 0;
  return SMFIS_CONTINUE;
}

extern "C" sfsistat noopConnect(SMFICTX*, char*, _SOCK_ADDR*)
{
  return reply();
}
extern "C" sfsistat noopHelo(SMFICTX*, char*)
{
  return reply();
}
extern "C" sfsistat noopEnvelope(SMFICTX*, char**)
{
  return reply();
}
extern "C" sfsistat noopHeader(SMFICTX*, char*, char*)
{
  return reply();
}
extern "C" sfsistat noopContext(SMFICTX*)
{
  return SMFIS_CONTINUE;
}

extern "C" sfsistat noopEoh(SMFICTX*)
{
  return reply();
}
extern "C" sfsistat noopBody(SMFICTX*, unsigned char*, size_t)
{
  return reply();
}
} // namespace

int main(int argc, char** argv)
{
  std::string socketSpec;
  int option;
  while ((option = ::getopt(argc, argv, "p:rm")) != -1) {
    if (option == 'p') {
      socketSpec = optarg;
    } else if (option == 'r') {
      g_noReply = true;
    } else if (option == 'm') {
      g_minimalEvents = true;
    } else {
      std::fprintf(stderr, "usage: noop-milter -p SOCKET [-r [-m]]\n");
      return 64;
    }
  }
  if (socketSpec.empty()) {
    std::fprintf(stderr, "usage: noop-milter -p SOCKET [-r [-m]]\n");
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
  description.xxfi_eoh = noopEoh;
  description.xxfi_body = noopBody;
  description.xxfi_eom = noopContext;
  description.xxfi_abort = noopContext;
  description.xxfi_close = noopContext;
  description.xxfi_negotiate = g_noReply ? noopNegotiate : nullptr;
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
