// message_record_codec.hh: the byte form of a MessageRecord in the local
// spool (lib/adapters/store/verdict_spool.hh frames and checksums it).
//
// Trust: decode() reads bytes that a crash, a full disk or an older or newer
// build may have left behind. It checks every length and count against what
// remains and against fixed limits, rejects unknown enum values and format
// versions, and returns std::nullopt rather than guess. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/core/message_record.hh"

namespace dmarc
{
// Limits of one encoded record. A real record is a few hundred bytes; these
// only bound what a damaged file can make the decoder allocate.
inline constexpr std::size_t s_maxEncodedRecordBytes = 4 << 20;
inline constexpr std::size_t s_maxRecordListItems = 4096;

std::string encodeMessageRecord(const MessageRecord& record);
std::optional<MessageRecord> decodeMessageRecord(std::string_view bytes);
} // namespace dmarc
