// decompress.cc: gzip through zlib, zip through libarchive, both bounded.
// See decompress.hh for what is trusted (nothing) and the limits.
#include "reporting/decompress.hh"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <array>
#include <cstring>

#include <zlib.h>

#include "lib/adapters/c_handles.hh"

namespace dmarc
{
namespace
{
using ArchivePtr = CHandle<struct archive, &archive_read_free>;

constexpr std::size_t s_chunk = 64U * 1024U;

bool endsWith(std::string_view text, std::string_view suffix)
{
  if (text.size() < suffix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char got = text[text.size() - suffix.size() + i];
    if (got >= 'A' && got <= 'Z') {
      got = static_cast<char>(got - 'A' + 'a');
    }
    if (got != suffix[i]) {
      return false;
    }
  }
  return true;
}

DecompressResult failure(std::string why)
{
  DecompressResult result;
  result.error = std::move(why);
  return result;
}

// libarchive may have no error text (NULL) for some failures.
std::string archiveError(struct archive* archive)
{
  const char* text = archive_error_string(archive);
  return std::string("zip: ") + (text != nullptr ? text : "unreadable archive");
}

std::string tooBig(std::size_t limit)
{
  return "decompressed size exceeds the limit of " + std::to_string(limit) + " bytes";
}
} // namespace

Compression detectCompression(std::string_view payload)
{
  if (payload.size() >= 2 && static_cast<unsigned char>(payload[0]) == 0x1f &&
      static_cast<unsigned char>(payload[1]) == 0x8b) {
    return Compression::Gzip;
  }
  if (payload.size() >= 4 && payload.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
    return Compression::Zip;
  }
  return Compression::None;
}

DecompressResult gunzip(std::string_view payload, std::size_t maxOutput)
{
  z_stream stream{};
  // 15 window bits + 16: gzip framing only.
  if (inflateInit2(&stream, 15 + 16) != Z_OK) {
    return failure("zlib: cannot initialise the inflater");
  }
  // z_stream is a struct, not a pointer: a local guard ends it on every path.
  struct InflateGuard
  {
    z_stream* d_stream;
    ~InflateGuard() { inflateEnd(d_stream); }
  } guard{&stream};

  DecompressResult result;
  std::array<unsigned char, s_chunk> buffer{};
  const auto* next = reinterpret_cast<const unsigned char*>(payload.data());
  std::size_t remaining = payload.size();
  while (true) {
    // avail_in is 32-bit: feed at most 1 GiB at a time.
    const auto feed = static_cast<uInt>(std::min<std::size_t>(remaining, 1U << 30U));
    stream.next_in = const_cast<unsigned char*>(next);
    stream.avail_in = feed;
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    const int rc = inflate(&stream, Z_NO_FLUSH);
    const std::size_t consumed = feed - stream.avail_in;
    next += consumed;
    remaining -= consumed;
    const std::size_t produced = buffer.size() - stream.avail_out;
    if (result.data.size() + produced > maxOutput) {
      return failure(tooBig(maxOutput));
    }
    result.data.append(reinterpret_cast<const char*>(buffer.data()), produced);
    if (rc == Z_STREAM_END) {
      // Another member may follow (RFC 1952 §2.2); trailing zero padding,
      // as some mailers add, is ignored.
      while (remaining > 0 && *next == 0) {
        ++next;
        --remaining;
      }
      if (remaining < 2 || next[0] != 0x1f || next[1] != 0x8b) {
        break;
      }
      if (inflateReset(&stream) != Z_OK) {
        return failure("zlib: cannot reset the inflater");
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && produced == 0 && remaining == 0) {
      return failure("gzip: truncated stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return failure(std::string("gzip: ") +
                     (stream.msg != nullptr ? stream.msg : "corrupt stream"));
    }
  }
  result.ok = true;
  result.layers = 1;
  return result;
}

DecompressResult unzipReport(std::string_view payload, const DecompressLimits& limits)
{
  ArchivePtr archive(archive_read_new());
  if (!archive) {
    return failure("libarchive: out of memory");
  }
  archive_read_support_format_zip(archive.get());
  if (archive_read_open_memory(archive.get(), payload.data(), payload.size()) != ARCHIVE_OK) {
    return failure(archiveError(archive.get()));
  }
  // First pass picks the member: the first .xml/.json, else the first file.
  // libarchive streams, so the chosen member is read when it is reached;
  // a fallback member is kept only if no report-named member follows.
  DecompressResult fallback;
  bool haveFallback = false;
  for (int entries = 0;; ++entries) {
    if (entries >= limits.maxZipEntries) {
      return failure("zip: more than " + std::to_string(limits.maxZipEntries) + " members");
    }
    struct archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(archive.get(), &entry);
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return failure(archiveError(archive.get()));
    }
    if (archive_entry_filetype(entry) != AE_IFREG) {
      continue;
    }
    const char* rawName = archive_entry_pathname(entry);
    const std::string_view name = rawName != nullptr ? rawName : "";
    const bool reportNamed = endsWith(name, ".xml") || endsWith(name, ".json");
    if (!reportNamed && haveFallback) {
      continue;
    }
    DecompressResult member;
    std::array<char, s_chunk> buffer{};
    while (true) {
      const la_ssize_t got = archive_read_data(archive.get(), buffer.data(), buffer.size());
      if (got < 0) {
        return failure(archiveError(archive.get()));
      }
      if (got == 0) {
        break;
      }
      if (member.data.size() + static_cast<std::size_t>(got) > limits.maxOutput) {
        return failure(tooBig(limits.maxOutput));
      }
      member.data.append(buffer.data(), static_cast<std::size_t>(got));
    }
    member.ok = true;
    member.layers = 1;
    if (reportNamed) {
      return member;
    }
    fallback = std::move(member);
    haveFallback = true;
  }
  if (haveFallback) {
    return fallback;
  }
  return failure("zip: no file in the archive");
}

DecompressResult decompressReport(std::string_view payload, const DecompressLimits& limits)
{
  DecompressResult current;
  current.ok = true;
  current.data.assign(payload);
  for (int layer = 0;; ++layer) {
    const Compression kind = detectCompression(current.data);
    if (kind == Compression::None) {
      current.layers = layer;
      return current;
    }
    if (layer >= limits.maxLayers) {
      return failure("more than " + std::to_string(limits.maxLayers) + " compression layers");
    }
    DecompressResult next = kind == Compression::Gzip ? gunzip(current.data, limits.maxOutput)
                                                      : unzipReport(current.data, limits);
    if (!next.ok) {
      return next;
    }
    current.data = std::move(next.data);
  }
}
} // namespace dmarc
