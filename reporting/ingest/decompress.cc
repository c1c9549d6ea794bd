// decompress.cc: gzip through zlib, zip through libarchive, both bounded and
// both streamed. See decompress.hh for what is trusted (nothing) and the
// limits.
#include "reporting/ingest/decompress.hh"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <array>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include <zlib.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
using ArchivePtr = CHandle<struct archive, &archive_read_free>;

constexpr std::size_t s_chunk = 64U * 1024U;

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

// Lets the first bytes of a stream be looked at (its magic) before it is
// handed on whole.
class PeekReader final : public ByteReader
{
public:
  explicit PeekReader(std::unique_ptr<ByteReader> inner) : d_inner(std::move(inner)) {}

  std::string_view peek(std::size_t count)
  {
    while (d_head.size() < count) {
      std::array<char, 16> buffer{};
      const std::size_t got = d_inner->read(buffer.data(), count - d_head.size());
      if (got == 0) {
        break;
      }
      d_head.append(buffer.data(), got);
    }
    return d_head;
  }

  std::size_t read(char* buffer, std::size_t size) override
  {
    if (d_head.empty()) {
      return d_inner->read(buffer, size);
    }
    const std::size_t count = std::min(size, d_head.size());
    std::memcpy(buffer, d_head.data(), count);
    d_head.erase(0, count);
    return count;
  }

private:
  std::unique_ptr<ByteReader> d_inner;
  std::string d_head;
};

// One gzip stream (RFC 1952), all its concatenated members; trailing zero
// padding, as some mailers add, and anything after it that is not another
// member are ignored.
class GunzipReader final : public ByteReader
{
public:
  GunzipReader(std::unique_ptr<ByteReader> inner, std::size_t maxOutput)
      : d_inner(std::move(inner)), d_maxOutput(maxOutput), d_input(s_chunk)
  {
    // 15 window bits + 16: gzip framing only.
    if (inflateInit2(&d_stream, 15 + 16) != Z_OK) {
      throw ByteReadError("zlib: cannot initialise the inflater");
    }
  }
  GunzipReader(const GunzipReader&) = delete;
  GunzipReader& operator=(const GunzipReader&) = delete;
  ~GunzipReader() override { inflateEnd(&d_stream); }

  std::size_t read(char* buffer, std::size_t size) override
  {
    const auto room = static_cast<uInt>(std::min<std::size_t>(size, 1U << 30U));
    std::size_t produced = 0;
    while (!d_done && produced == 0 && room > 0) {
      if (d_stream.avail_in == 0) {
        fill();
      }
      d_stream.next_out = reinterpret_cast<Bytef*>(buffer);
      d_stream.avail_out = room;
      const int rc = inflate(&d_stream, Z_NO_FLUSH);
      produced = room - d_stream.avail_out;
      if (rc == Z_STREAM_END) {
        d_done = !nextMember();
      } else if (rc == Z_BUF_ERROR && produced == 0 && d_stream.avail_in == 0 && d_innerEnded) {
        throw ByteReadError("gzip: truncated stream");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw ByteReadError(std::string("gzip: ") +
                            (d_stream.msg != nullptr ? d_stream.msg : "corrupt stream"));
      }
    }
    d_total += produced;
    if (d_total > d_maxOutput) {
      throw ByteReadError(tooBig(d_maxOutput));
    }
    return produced;
  }

private:
  // Moves what inflate has not consumed to the front and reads more after
  // it. False when the input has ended.
  bool fill()
  {
    if (d_innerEnded) {
      return false;
    }
    const std::size_t kept = d_stream.avail_in;
    if (kept > 0) {
      std::memmove(d_input.data(), d_stream.next_in, kept);
    }
    const std::size_t got =
        d_inner->read(reinterpret_cast<char*>(d_input.data()) + kept, d_input.size() - kept);
    d_innerEnded = got == 0;
    d_stream.next_in = d_input.data();
    d_stream.avail_in = static_cast<uInt>(kept + got);
    return got > 0;
  }

  // After the end of a member: whether another one follows.
  bool nextMember()
  {
    for (;;) {
      while (d_stream.avail_in > 0 && *d_stream.next_in == 0) {
        ++d_stream.next_in;
        --d_stream.avail_in;
      }
      if (d_stream.avail_in >= 2 || d_innerEnded) {
        break;
      }
      fill();
    }
    if (d_stream.avail_in < 2 || d_stream.next_in[0] != 0x1f || d_stream.next_in[1] != 0x8b) {
      return false;
    }
    if (inflateReset(&d_stream) != Z_OK) {
      throw ByteReadError("zlib: cannot reset the inflater");
    }
    return true;
  }

  std::unique_ptr<ByteReader> d_inner;
  std::size_t d_maxOutput;
  std::vector<Bytef> d_input;
  z_stream d_stream{};
  bool d_innerEnded = false;
  bool d_done = false;
  std::size_t d_total = 0;
};

// The report member of a zip archive held in memory: the first regular
// entry whose name ends in .xml or .json, else the first regular entry,
// streamed out of the archive.
class ZipMemberReader final : public ByteReader
{
public:
  ZipMemberReader(std::string archive, const DecompressLimits& limits)
      : d_archive(std::move(archive)), d_maxOutput(limits.maxOutput)
  {
    // First pass: which member, by the names in the local headers.
    int chosen = -1;
    {
      ArchivePtr scan = open();
      for (int index = 0;; ++index) {
        if (index >= limits.maxZipEntries) {
          throw ByteReadError("zip: more than " + std::to_string(limits.maxZipEntries) +
                              " members");
        }
        struct archive_entry* entry = nullptr;
        const int rc = archive_read_next_header(scan.get(), &entry);
        if (rc == ARCHIVE_EOF) {
          break;
        }
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
          throw ByteReadError(archiveError(scan.get()));
        }
        if (archive_entry_filetype(entry) != AE_IFREG) {
          continue;
        }
        const char* rawName = archive_entry_pathname(entry);
        const std::string_view name = rawName != nullptr ? rawName : "";
        if (endsWithIgnoreCase(name, ".xml") || endsWithIgnoreCase(name, ".json")) {
          chosen = index;
          break;
        }
        if (chosen < 0) {
          chosen = index;
        }
      }
    }
    if (chosen < 0) {
      throw ByteReadError("zip: no file in the archive");
    }
    // Second pass: positioned on that member, read as it is asked for.
    d_reader = open();
    for (int index = 0; index <= chosen; ++index) {
      struct archive_entry* entry = nullptr;
      const int rc = archive_read_next_header(d_reader.get(), &entry);
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        throw ByteReadError(archiveError(d_reader.get()));
      }
    }
  }

  std::size_t read(char* buffer, std::size_t size) override
  {
    const la_ssize_t got = archive_read_data(d_reader.get(), buffer, size);
    if (got < 0) {
      throw ByteReadError(archiveError(d_reader.get()));
    }
    d_total += static_cast<std::size_t>(got);
    if (d_total > d_maxOutput) {
      throw ByteReadError(tooBig(d_maxOutput));
    }
    return static_cast<std::size_t>(got);
  }

private:
  ArchivePtr open()
  {
    ArchivePtr archive(archive_read_new());
    if (!archive) {
      throw ByteReadError("libarchive: out of memory");
    }
    archive_read_support_format_zip(archive.get());
    if (archive_read_open_memory(archive.get(), d_archive.data(), d_archive.size()) != ARCHIVE_OK) {
      throw ByteReadError(archiveError(archive.get()));
    }
    return archive;
  }

  std::string d_archive;
  std::size_t d_maxOutput;
  ArchivePtr d_reader;
  std::size_t d_total = 0;
};

DecompressResult drain(const std::function<std::unique_ptr<ByteReader>()>& open)
{
  DecompressResult result;
  try {
    auto reader = open();
    result.data = readAll(*reader, std::numeric_limits<std::size_t>::max(), "output");
  } catch (const ByteReadError& error) {
    return failure(error.what());
  }
  result.ok = true;
  return result;
}

std::unique_ptr<ByteReader> openLayers(std::unique_ptr<ByteReader> payload,
                                       const DecompressLimits& limits, int& layers)
{
  auto current = std::make_unique<PeekReader>(std::move(payload));
  for (layers = 0;; ++layers) {
    const Compression kind = detectCompression(current->peek(4));
    if (kind == Compression::None) {
      return current;
    }
    if (layers >= limits.maxLayers) {
      throw ByteReadError("more than " + std::to_string(limits.maxLayers) + " compression layers");
    }
    if (kind == Compression::Gzip) {
      current = std::make_unique<PeekReader>(
          std::make_unique<GunzipReader>(std::move(current), limits.maxOutput));
    } else {
      std::string archive = readAll(*current, limits.maxArchiveBytes, "zip archive");
      current = std::make_unique<PeekReader>(
          std::make_unique<ZipMemberReader>(std::move(archive), limits));
    }
  }
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
  DecompressResult result = drain([&] {
    return std::make_unique<GunzipReader>(std::make_unique<MemoryReader>(payload), maxOutput);
  });
  result.layers = result.ok ? 1 : 0;
  return result;
}

DecompressResult unzipReport(std::string_view payload, const DecompressLimits& limits)
{
  DecompressResult result =
      drain([&] { return std::make_unique<ZipMemberReader>(std::string(payload), limits); });
  result.layers = result.ok ? 1 : 0;
  return result;
}

DecompressResult decompressReport(std::string_view payload, const DecompressLimits& limits)
{
  int layers = 0;
  DecompressResult result =
      drain([&] { return openLayers(std::make_unique<MemoryReader>(payload), limits, layers); });
  result.layers = result.ok ? layers : 0;
  return result;
}

std::unique_ptr<ByteReader> openDecompressed(std::unique_ptr<ByteReader> payload,
                                             const DecompressLimits& limits)
{
  int layers = 0;
  return openLayers(std::move(payload), limits, layers);
}
} // namespace dmarc
