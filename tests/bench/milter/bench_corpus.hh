// bench_corpus.hh: the benchmark corpus loaded into memory.
//
// The corpus is written by gen_universe.py: a directory with one .eml file
// per message and a manifest.tsv (file, client address, HELO, MAIL FROM,
// RCPT TO, what the generator meant the message to be). Each message is split
// once into headers (name, value; folded lines joined with CRLF as an MTA
// passes them) and body, so that sending it costs no parsing. Trusts only the
// generator's files; a malformed line or file is an error, never a guess.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace dmarc::bench
{
struct CorpusMessage
{
  std::string file;
  std::string clientAddress;
  std::string helo;
  std::string mailFrom;
  std::string rcptTo;
  std::string intent;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Loads DIR/manifest.tsv and every message it names; throws std::runtime_error
// naming the file on any error. At most maxMessages entries (0: all).
std::vector<CorpusMessage> loadCorpus(const std::string& dir, std::size_t maxMessages);

// Splits raw message text (CRLF or LF line ends) into headers and body; the
// body keeps CRLF line ends. Exposed for the client's --file mode.
void splitMessage(const std::string& raw, CorpusMessage& out);
} // namespace dmarc::bench
