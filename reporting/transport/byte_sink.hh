// byte_sink.hh: where a report's bytes go, one chunk at a time, so that a
// report of any size is streamed (XML -> gzip -> file or MTA) and never held
// in memory whole.
//
// Trusts nothing about the bytes. Implementations throw dmarc::Error when
// they cannot take the bytes (disk full, pipe closed).
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
class ByteSink
{
public:
  virtual ~ByteSink() = default;
  virtual void write(std::string_view bytes) = 0;
  // Flushes anything buffered; after finish() no more writes are accepted.
  virtual void finish() {}
};

// Collects everything in memory; for small documents and tests.
class StringSink : public ByteSink
{
public:
  void write(std::string_view bytes) override { d_data.append(bytes); }
  const std::string& data() const { return d_data; }

private:
  std::string d_data;
};
} // namespace dmarc
