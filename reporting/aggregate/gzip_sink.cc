// gzip_sink.cc: streaming gzip through zlib's deflate (windowBits 15 + 16
// selects the gzip wrapper).
#include "reporting/aggregate/gzip_sink.hh"

#include <array>
#include <string>

#include <zlib.h>

#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
// Output chunk: large enough to keep calls into the sink few, small enough
// to keep memory flat.
constexpr std::size_t s_chunkBytes = 64 * 1024;
} // namespace

struct GzipSink::Impl
{
  z_stream stream{};
  std::array<unsigned char, s_chunkBytes> out{};
  bool initialised = false;

  ~Impl()
  {
    if (initialised) {
      deflateEnd(&stream);
    }
  }
};

GzipSink::GzipSink(ByteSink& target, int level) : d_impl(std::make_unique<Impl>()), d_target(target)
{
  if (deflateInit2(&d_impl->stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("gzip: deflateInit2 failed");
  }
  d_impl->initialised = true;
}

GzipSink::~GzipSink() = default;

void GzipSink::pump(int flush)
{
  auto& zs = d_impl->stream;
  do {
    zs.next_out = d_impl->out.data();
    zs.avail_out = static_cast<uInt>(d_impl->out.size());
    int rc = deflate(&zs, flush);
    if (rc == Z_STREAM_ERROR) {
      throw Error("gzip: deflate failed");
    }
    std::size_t produced = d_impl->out.size() - zs.avail_out;
    if (produced > 0) {
      d_target.write(std::string_view(reinterpret_cast<const char*>(d_impl->out.data()), produced));
      d_out += produced;
    }
    if (flush == Z_FINISH && rc == Z_STREAM_END) {
      return;
    }
  } while (zs.avail_out == 0 || (flush == Z_FINISH));
}

void GzipSink::write(std::string_view bytes)
{
  if (d_finished) {
    throw Error("gzip: write after finish");
  }
  auto& zs = d_impl->stream;
  // zlib counts in uInt: feed large inputs in pieces.
  while (!bytes.empty()) {
    std::size_t piece = std::min<std::size_t>(bytes.size(), 1U << 30);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(piece);
    pump(Z_NO_FLUSH);
    d_in += piece;
    bytes.remove_prefix(piece);
  }
}

void GzipSink::finish()
{
  if (d_finished) {
    return;
  }
  d_impl->stream.next_in = nullptr;
  d_impl->stream.avail_in = 0;
  pump(Z_FINISH);
  d_finished = true;
  d_target.finish();
}

std::string gunzip(std::string_view compressed, std::size_t maxBytes)
{
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    throw Error("gunzip: inflateInit2 failed");
  }
  std::string result;
  std::array<unsigned char, s_chunkBytes> out{};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error("gunzip: corrupt or truncated input");
    }
    std::size_t produced = out.size() - zs.avail_out;
    if (result.size() + produced > maxBytes) {
      inflateEnd(&zs);
      throw Error("gunzip: output larger than the limit");
    }
    result.append(reinterpret_cast<const char*>(out.data()), produced);
    if (rc == Z_OK && produced == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      throw Error("gunzip: truncated input");
    }
  }
  inflateEnd(&zs);
  return result;
}
} // namespace dmarc
