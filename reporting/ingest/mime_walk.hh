// mime_walk.hh: a bounded walk over one RFC 5322 / MIME message (RFC 2045,
// 2046, 2231) that yields its leaf parts, decoded, with their media types and
// file names. Used by `dmarc-reports ingest` to find report attachments.
// GMime parses the message and undoes the transfer encodings; this adapter
// puts our bounds on what it found and copies out the leaves.
//
// Trusts nothing: the message comes from any sender on the Internet. Every
// step is bounded (header size and count, nesting depth, number of parts,
// total decoded bytes) and over a bound the walk stops with an error rather
// than guessing. It never throws for bad input. It does not interpret
// charsets (reports are bytes); file names are given in UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dmarc
{
struct MimeLimits
{
  // A header section above 256 KiB or 1000 fields is not mail a report
  // sender writes; both bounds stop header-flooding before any work.
  std::size_t maxHeaderBytes = 256U * 1024U;
  std::size_t maxHeaderFields = 1000;
  // Reports are one or two levels deep (multipart/report inside a
  // forward at most); 8 levels leaves room without allowing recursion bombs.
  int maxDepth = 8;
  std::size_t maxParts = 64;
  // Sum of all decoded leaf bodies; a report attachment is far smaller.
  std::size_t maxDecodedBytes = 64U * 1024U * 1024U;
};

struct MimeHeaders
{
  // In order of appearance, names as written, values unfolded.
  std::vector<std::pair<std::string, std::string>> fields;
  // The first field of that name (case-insensitive), or "" when absent.
  std::string get(std::string_view name) const;
};

struct MimeLeaf
{
  std::string mediaType; // lower-cased type/subtype; "text/plain" by default
  std::string filename;  // from Content-Disposition filename or Content-Type name
  std::string body;      // transfer-decoded bytes
};

struct MimeWalkResult
{
  bool ok = false;
  std::string error;
  MimeHeaders headers; // the top-level header fields
  std::vector<MimeLeaf> leaves;
};

MimeWalkResult walkMime(std::string_view message, const MimeLimits& limits = {});
} // namespace dmarc
