// bench_corpus.cc: loading the benchmark corpus (see bench_corpus.hh).
#include "tests/bench/milter/bench_corpus.hh"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dmarc::bench
{
namespace
{
// Generous bounds: the generator writes messages up to ~100 KB.
constexpr std::size_t s_maxMessageBytes = 64 * 1024 * 1024;
constexpr std::size_t s_maxHeaders = 10000;

std::string readFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.size() > s_maxMessageBytes) {
    throw std::runtime_error(path + ": message larger than 64 MB");
  }
  return text;
}

std::vector<std::string> splitTabs(const std::string& line)
{
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t tab = line.find('\t', start);
    fields.push_back(
        line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) {
      return fields;
    }
    start = tab + 1;
  }
}
} // namespace

void splitMessage(const std::string& raw, CorpusMessage& out)
{
  out.headers.clear();
  out.body.clear();
  std::size_t pos = 0;
  std::string name;
  std::string value;
  bool haveHeader = false;
  auto flush = [&]() {
    if (haveHeader) {
      if (out.headers.size() >= s_maxHeaders) {
        throw std::runtime_error("too many headers");
      }
      out.headers.emplace_back(name, value);
    }
    haveHeader = false;
  };
  while (pos < raw.size()) {
    std::size_t eol = raw.find('\n', pos);
    std::size_t next = eol == std::string::npos ? raw.size() : eol + 1;
    std::size_t end = eol == std::string::npos ? raw.size() : eol;
    if (end > pos && raw[end - 1] == '\r') {
      --end;
    }
    std::string line = raw.substr(pos, end - pos);
    pos = next;
    if (line.empty()) {
      break; // end of the header block
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (!haveHeader) {
        throw std::runtime_error("continuation line before the first header");
      }
      value += "\r\n" + line;
      continue;
    }
    flush();
    std::size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw std::runtime_error("header line without a name: " + line.substr(0, 60));
    }
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    // The MTA passes the value without the one space after the colon
    // (libmilter's SMFIP_HDR_LEADSPC asks for it back).
    if (!value.empty() && value[0] == ' ') {
      value.erase(0, 1);
    }
    haveHeader = true;
  }
  flush();
  // Body with CRLF line ends, as an MTA sends it.
  out.body.reserve(raw.size() - std::min(pos, raw.size()) + 1024);
  while (pos < raw.size()) {
    std::size_t eol = raw.find('\n', pos);
    std::size_t end = eol == std::string::npos ? raw.size() : eol;
    std::size_t textEnd = (end > pos && raw[end - 1] == '\r') ? end - 1 : end;
    out.body.append(raw, pos, textEnd - pos);
    if (eol != std::string::npos) {
      out.body += "\r\n";
    }
    pos = eol == std::string::npos ? raw.size() : eol + 1;
  }
}

std::vector<CorpusMessage> loadCorpus(const std::string& dir, std::size_t maxMessages)
{
  std::string manifestPath = dir + "/manifest.tsv";
  std::ifstream manifest(manifestPath);
  if (!manifest) {
    throw std::runtime_error("cannot open " + manifestPath);
  }
  std::vector<CorpusMessage> corpus;
  std::string line;
  std::size_t lineNumber = 0;
  while (std::getline(manifest, line)) {
    ++lineNumber;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string> fields = splitTabs(line);
    if (fields.size() < 5) {
      throw std::runtime_error(manifestPath + ":" + std::to_string(lineNumber) +
                               ": want at least 5 tab-separated fields");
    }
    CorpusMessage message;
    message.file = fields[0];
    message.clientAddress = fields[1];
    message.helo = fields[2];
    message.mailFrom = fields[3];
    message.rcptTo = fields[4];
    message.intent = fields.size() > 5 ? fields[5] : "";
    try {
      splitMessage(readFile(dir + "/" + message.file), message);
    } catch (const std::runtime_error& error) {
      throw std::runtime_error(dir + "/" + message.file + ": " + error.what());
    }
    corpus.push_back(std::move(message));
    if (maxMessages != 0 && corpus.size() >= maxMessages) {
      break;
    }
  }
  if (corpus.empty()) {
    throw std::runtime_error(manifestPath + ": no messages");
  }
  return corpus;
}
} // namespace dmarc::bench
