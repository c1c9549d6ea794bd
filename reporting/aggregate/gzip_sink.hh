// gzip_sink.hh: a ByteSink that gzips (RFC 1952, through zlib) everything
// written to it into another ByteSink, in bounded chunks.
//
// The output is deterministic (no file name, mtime 0 in the gzip header), so
// that rebuilding a report from the same rows gives the same bytes.
#pragma once

#include <cstdint>
#include <memory>

#include "reporting/transport/byte_sink.hh"

namespace dmarc
{
class GzipSink : public ByteSink
{
public:
  explicit GzipSink(ByteSink& target, int level = 6);
  ~GzipSink() override;
  GzipSink(const GzipSink&) = delete;
  GzipSink& operator=(const GzipSink&) = delete;

  void write(std::string_view bytes) override;
  // Writes the gzip trailer into the target (and finishes the target).
  void finish() override;

  std::uint64_t bytesIn() const { return d_in; }
  std::uint64_t bytesOut() const { return d_out; }

private:
  void pump(int flush);

  struct Impl;
  std::unique_ptr<Impl> d_impl;
  ByteSink& d_target;
  std::uint64_t d_in = 0;
  std::uint64_t d_out = 0;
  bool d_finished = false;
};

// Decompresses a whole gzip member (for tests and the dry-run printout).
// Throws dmarc::Error on corrupt input or when the output exceeds maxBytes.
std::string gunzip(std::string_view compressed, std::size_t maxBytes);
} // namespace dmarc
