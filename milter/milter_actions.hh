// milter_actions.hh: the things a filter can ask of the MTA (STYLE.md 3),
// as an interface: read a macro, insert or delete a header, set the SMTP
// reply, quarantine. The production implementation (LibmilterActions) calls
// smfi_*; unit tests and the offline -t mode use RecordingActions, which
// records what was asked.
//
// Implementations throw dmarc::Error when the MTA refuses a request; the
// milter callbacks turn that into the configured failure action.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef struct smfi_str SMFICTX;

namespace dmarc
{
class MilterActions
{
public:
  virtual ~MilterActions() = default;
  // A macro such as "i" or "{auth_authen}"; nullopt when the MTA did not
  // send it.
  virtual std::optional<std::string> symbol(std::string_view name) = 0;
  // Inserts a header field at position index (0 = top).
  virtual void insertHeader(std::size_t index, std::string_view name, std::string_view value) = 0;
  // Deletes the index-th (1-based) header field called name.
  virtual void deleteHeader(std::string_view name, std::size_t index) = 0;
  virtual void setReply(std::string_view rcode, std::string_view xcode, std::string_view text) = 0;
  virtual void quarantine(std::string_view reason) = 0;
};

// smfi_* on one libmilter context. headerLeadingSpace: SMFIP_HDR_LEADSPC
// was negotiated, so header values we write must carry their own leading
// space.
class LibmilterActions : public MilterActions
{
public:
  LibmilterActions(SMFICTX* context, bool headerLeadingSpace)
      : d_context(context), d_leadingSpace(headerLeadingSpace)
  {}
  std::optional<std::string> symbol(std::string_view name) override;
  void insertHeader(std::size_t index, std::string_view name, std::string_view value) override;
  void deleteHeader(std::string_view name, std::size_t index) override;
  void setReply(std::string_view rcode, std::string_view xcode, std::string_view text) override;
  void quarantine(std::string_view reason) override;

private:
  SMFICTX* d_context;
  bool d_leadingSpace;
};

// Records every request; macros come from a map the test fills.
class RecordingActions : public MilterActions
{
public:
  struct HeaderChange
  {
    enum class Kind
    {
      Insert,
      Delete,
    } kind;
    std::size_t index;
    std::string name;
    std::string value;
  };

  std::map<std::string, std::string> macros;
  std::vector<HeaderChange> headerChanges;
  std::string replyCode, replyXcode, replyText;
  std::optional<std::string> quarantineReason;
  bool failNext = false; // the next header change throws, as a refusing MTA would

  std::optional<std::string> symbol(std::string_view name) override;
  void insertHeader(std::size_t index, std::string_view name, std::string_view value) override;
  void deleteHeader(std::string_view name, std::size_t index) override;
  void setReply(std::string_view rcode, std::string_view xcode, std::string_view text) override;
  void quarantine(std::string_view reason) override;
};
} // namespace dmarc
