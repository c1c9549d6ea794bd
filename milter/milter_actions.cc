// milter_actions.cc: MilterActions over libmilter's smfi_* calls, and the
// recording implementation used by tests and the offline mode.
#include "milter/milter_actions.hh"

#include <libmilter/mfapi.h>

#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
void check(int status, const char* what)
{
  if (status != MI_SUCCESS) {
    throw Error(std::string(what) + " refused by the MTA");
  }
}
} // namespace

std::optional<std::string> LibmilterActions::symbol(std::string_view name)
{
  std::string key(name);
  const char* value = smfi_getsymval(d_context, key.data());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

void LibmilterActions::insertHeader(std::size_t index, std::string_view name,
                                    std::string_view value)
{
  std::string key(name);
  std::string text = d_leadingSpace ? " " + std::string(value) : std::string(value);
  check(smfi_insheader(d_context, static_cast<int>(index), key.data(), text.data()),
        "smfi_insheader");
}

void LibmilterActions::deleteHeader(std::string_view name, std::size_t index)
{
  std::string key(name);
  check(smfi_chgheader(d_context, key.data(), static_cast<int>(index), nullptr), "smfi_chgheader");
}

void LibmilterActions::setReply(std::string_view rcode, std::string_view xcode,
                                std::string_view text)
{
  std::string r(rcode), x(xcode), t(text);
  // smfi_setreply treats '%' specially; the text is already sanitised and
  // any '%' is doubled here.
  std::string escaped;
  for (char c : t) {
    escaped += c;
    if (c == '%') {
      escaped += '%';
    }
  }
  check(smfi_setreply(d_context, r.data(), x.data(), escaped.data()), "smfi_setreply");
}

void LibmilterActions::quarantine(std::string_view reason)
{
  std::string text(reason);
  check(smfi_quarantine(d_context, text.data()), "smfi_quarantine");
}

std::optional<std::string> RecordingActions::symbol(std::string_view name)
{
  auto found = macros.find(std::string(name));
  if (found == macros.end()) {
    return std::nullopt;
  }
  return found->second;
}

void RecordingActions::insertHeader(std::size_t index, std::string_view name,
                                    std::string_view value)
{
  if (failNext) {
    failNext = false;
    throw Error("smfi_insheader refused by the MTA");
  }
  headerChanges.push_back(
      {HeaderChange::Kind::Insert, index, std::string(name), std::string(value)});
}

void RecordingActions::deleteHeader(std::string_view name, std::size_t index)
{
  if (failNext) {
    failNext = false;
    throw Error("smfi_chgheader refused by the MTA");
  }
  headerChanges.push_back({HeaderChange::Kind::Delete, index, std::string(name), {}});
}

void RecordingActions::setReply(std::string_view rcode, std::string_view xcode,
                                std::string_view text)
{
  replyCode = rcode;
  replyXcode = xcode;
  replyText = text;
}

void RecordingActions::quarantine(std::string_view reason)
{
  quarantineReason = std::string(reason);
}
} // namespace dmarc
