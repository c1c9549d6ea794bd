// command_line.cc: see command_line.hh.
#include "reporting/command_line.hh"

#include <charconv>
#include <cstdlib>

namespace dmarc
{
ParsedCommandLine parseCommandLine(int argc, char** argv, const std::set<std::string>& withValue,
                                   const std::set<std::string>& flags)
{
  ParsedCommandLine parsed;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (withValue.count(arg) != 0) {
      if (i + 1 >= argc) {
        parsed.error = arg + " needs a value";
        return parsed;
      }
      parsed.values[arg] = argv[++i];
    } else if (flags.count(arg) != 0) {
      parsed.flags.insert(arg);
    } else if (!arg.empty() && arg[0] == '-') {
      parsed.error = "unknown option " + arg.substr(0, 64);
      return parsed;
    } else {
      parsed.positional.push_back(arg);
    }
  }
  return parsed;
}

std::string databaseOption(const ParsedCommandLine& parsed)
{
  if (auto it = parsed.values.find("--database"); it != parsed.values.end()) {
    return it->second;
  }
  const char* env = std::getenv("DMARC_DATABASE");
  return env != nullptr ? env : "";
}

std::optional<long long> integerOption(ParsedCommandLine& parsed, const std::string& name,
                                       long long min, long long max)
{
  auto it = parsed.values.find(name);
  if (it == parsed.values.end()) {
    return std::nullopt;
  }
  long long value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    parsed.error =
        name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    return std::nullopt;
  }
  return value;
}
} // namespace dmarc
