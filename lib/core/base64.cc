// base64.cc: strict base64 decoding and encoding (see the header).
#include "lib/core/base64.hh"

#include <array>
#include <cstdint>

namespace dmarc
{
namespace
{
constexpr std::string_view s_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> decodeTable()
{
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) {
    entry = -1;
  }
  for (std::size_t i = 0; i < s_alphabet.size(); ++i) {
    table[static_cast<unsigned char>(s_alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr std::array<std::int8_t, 256> s_decode = decodeTable();
} // namespace

std::optional<std::string> decodeStrictBase64(std::string_view text)
{
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  unsigned count = 0;   // characters in the current group
  unsigned padding = 0; // '=' seen
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      continue;
    }
    if (c == '=') {
      // Padding ends the data: only in the last group, after two or three
      // characters of it.
      if (count < 2 || ++padding + count > 4) {
        return std::nullopt;
      }
      continue;
    }
    int value = s_decode[static_cast<unsigned char>(c)];
    if (value < 0 || padding > 0) {
      return std::nullopt;
    }
    group = (group << 6) | static_cast<std::uint32_t>(value);
    if (++count == 4) {
      out.push_back(static_cast<char>((group >> 16) & 0xff));
      out.push_back(static_cast<char>((group >> 8) & 0xff));
      out.push_back(static_cast<char>(group & 0xff));
      group = 0;
      count = 0;
    }
  }
  if (padding > 0) {
    if (count + padding != 4) {
      return std::nullopt;
    }
    if (count == 2) {
      out.push_back(static_cast<char>((group >> 4) & 0xff));
    } else {
      out.push_back(static_cast<char>((group >> 10) & 0xff));
      out.push_back(static_cast<char>((group >> 2) & 0xff));
    }
  } else if (count != 0) {
    return std::nullopt;
  }
  return out;
}

std::string encodeBase64(std::string_view bytes)
{
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
        static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(s_alphabet[(group >> 18) & 63]);
    out.push_back(s_alphabet[(group >> 12) & 63]);
    out.push_back(s_alphabet[(group >> 6) & 63]);
    out.push_back(s_alphabet[group & 63]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) {
      group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    out.push_back(s_alphabet[(group >> 18) & 63]);
    out.push_back(s_alphabet[(group >> 12) & 63]);
    out.push_back(rest == 2 ? s_alphabet[(group >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}
} // namespace dmarc
