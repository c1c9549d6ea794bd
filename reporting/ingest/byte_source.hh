// byte_source.hh: where a received report's bytes come from, one chunk at a
// time, so that a report of any size is read (file or attachment -> gunzip
// -> XML or JSON parser) and never held in memory whole: the counterpart of
// byte_sink.hh.
//
// Trusts nothing about the bytes. read() throws ByteReadError when the
// bytes cannot be read or are not what their layer says (a corrupt gzip
// stream, a size over a limit); its message is the reason a report is
// rejected.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"

namespace dmarc
{
class ByteReadError : public Error
{
public:
  using Error::Error;
};

class ByteReader
{
public:
  virtual ~ByteReader() = default;
  // Up to `size` bytes into `buffer`; 0 only at the end.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
};

// Opens the same bytes again from their start: a report is read once to
// check it whole and once more to store its records.
using ByteReaderOpener = std::function<std::unique_ptr<ByteReader>()>;

class MemoryReader final : public ByteReader
{
public:
  explicit MemoryReader(std::string_view data) : d_data(data) {}
  std::size_t read(char* buffer, std::size_t size) override;

private:
  std::string_view d_data;
};

// Reads `data` (owned by the reader, or shared with other readers).
class SharedMemoryReader final : public ByteReader
{
public:
  explicit SharedMemoryReader(std::shared_ptr<const std::string> data)
      : d_data(std::move(data)), d_reader(*d_data)
  {}
  std::size_t read(char* buffer, std::size_t size) override { return d_reader.read(buffer, size); }

private:
  std::shared_ptr<const std::string> d_data;
  MemoryReader d_reader;
};

class FileReader final : public ByteReader
{
public:
  // Throws ByteReadError when the file cannot be opened.
  explicit FileReader(const std::string& path);
  std::size_t read(char* buffer, std::size_t size) override;

private:
  std::string d_path;
  FileDescriptor d_fd;
};

// Everything `reader` has left, or a ByteReadError "... larger than
// `limit` bytes" as soon as it has more.
std::string readAll(ByteReader& reader, std::size_t limit, std::string_view what);

// Counts and checks the bytes read through it.
class LimitedReader final : public ByteReader
{
public:
  // `error`: the message when more than `limit` bytes come.
  LimitedReader(std::unique_ptr<ByteReader> inner, std::size_t limit, std::string error)
      : d_inner(std::move(inner)), d_limit(limit), d_error(std::move(error))
  {}
  std::size_t read(char* buffer, std::size_t size) override;

private:
  std::unique_ptr<ByteReader> d_inner;
  std::size_t d_limit;
  std::string d_error;
  std::size_t d_total = 0;
};
} // namespace dmarc
