// report_options.cc: see report_options.hh.
#include "reporting/report_options.hh"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "config.h"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/core/ascii_text.hh"
#include "reporting/overview/report_period.hh"

namespace dmarc
{
namespace
{
constexpr CommandSpec s_commands[] = {
#define DM_REPORT_COMMAND(Id, name, operands, summary, description)                                \
  {ReportCommand::Id, name, operands, summary, description},
#include "reporting/report_options.def"
};

constexpr OptionSpec s_options[] = {
#define DM_REPORT_OPTION(Id, commands, name, shortName, argument, kind, environment, fallback,     \
                         min, max, help, man)                                                      \
  {ReportOption::Id, commands, name, shortName, argument, OptionKind::kind,                        \
   environment,      fallback, min,  max,       help,     man},
#include "reporting/report_options.def"
};

constexpr unsigned bitOf(ReportCommand command)
{
  return 1U << static_cast<unsigned>(command);
}

// A default as the running program sees it: the configured paths in place
// of the man page's placeholders.
std::string installedText(std::string_view text)
{
  std::string out(text);
  for (const auto& [placeholder, value] :
       {std::pair<std::string_view, std::string_view>{"@pkgdatadir@", DM_PKGDATADIR},
        {"@PSL_FILE@", DM_DEFAULT_PSL_FILE}}) {
    if (auto at = out.find(placeholder); at != std::string::npos) {
      out.replace(at, placeholder.size(), value);
    }
  }
  return out;
}

std::optional<long long> wholeNumber(std::string_view text)
{
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> splitWords(std::string_view text)
{
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    if (auto word = trimSpace(text.substr(start, comma - start)); !word.empty()) {
      words.emplace_back(word);
    }
    start = comma + 1;
  }
  return words;
}

std::string longName(const OptionSpec& spec)
{
  return "--" + std::string(spec.name);
}
} // namespace

std::span<const CommandSpec> reportCommands()
{
  return s_commands;
}

std::span<const OptionSpec> reportOptions()
{
  return s_options;
}

const CommandSpec* findReportCommand(std::string_view name)
{
  for (const auto& command : s_commands) {
    if (command.name == name) {
      return &command;
    }
  }
  return nullptr;
}

const OptionSpec& optionSpec(ReportOption id)
{
  return s_options[static_cast<unsigned>(id)];
}

bool ReportArguments::given(ReportOption id) const
{
  return d_given.count(id) != 0;
}

bool ReportArguments::flag(ReportOption id) const
{
  return given(id);
}

const std::string& ReportArguments::text(ReportOption id) const
{
  static const std::string s_empty;
  auto it = d_values.find(id);
  return it == d_values.end() || it->second.empty() ? s_empty : it->second.back();
}

std::optional<long long> ReportArguments::number(ReportOption id) const
{
  return wholeNumber(text(id));
}

const std::vector<std::string>& ReportArguments::list(ReportOption id) const
{
  static const std::vector<std::string> s_none;
  auto it = d_values.find(id);
  return it == d_values.end() ? s_none : it->second;
}

// The parser's state over one command line.
class ReportArgumentParser
{
public:
  explicit ReportArgumentParser(ReportCommand command) : d_bit(bitOf(command))
  {
    d_result.d_command = command;
  }

  const OptionSpec* find(std::string_view arg) const
  {
    for (const auto& spec : s_options) {
      if ((spec.commands & d_bit) == 0) {
        continue;
      }
      if (arg.starts_with("--")
              ? arg.substr(2) == spec.name
              : spec.shortName != 0 && arg.size() == 2 && arg[1] == spec.shortName) {
        return &spec;
      }
    }
    throw UsageError("unknown option " + printableAscii(arg, 64));
  }

  void store(const OptionSpec& spec, const std::string& value)
  {
    auto& values = d_result.d_values[spec.id];
    d_result.d_given.insert(spec.id);
    switch (spec.kind) {
    case OptionKind::Flag:
      return;
    case OptionKind::Number: {
      const auto number = wholeNumber(value);
      if (!number || *number < spec.min || *number > spec.max) {
        throw UsageError(longName(spec) + " must be a whole number from " +
                         std::to_string(spec.min) + " to " + std::to_string(spec.max));
      }
      break;
    }
    case OptionKind::Choice:
      if (const auto choices = splitChoices(spec.argument);
          std::ranges::find(choices, value) == choices.end()) {
        throw UsageError(longName(spec) + " must be one of " + std::string(spec.argument));
      }
      break;
    case OptionKind::List:
      values.push_back(value);
      return;
    case OptionKind::Words:
    case OptionKind::Servers:
      for (auto& word : splitWords(value)) {
        if (spec.kind == OptionKind::Servers) {
          checkServer(spec, word);
        }
        values.push_back(std::move(word));
      }
      return;
    case OptionKind::Text:
      break;
    }
    values.assign(1, value); // the last one given wins
  }

  // The environment, then the default, for what the command line left out.
  void fillIn(const EnvironmentLookup& environment)
  {
    for (const auto& spec : s_options) {
      if ((spec.commands & d_bit) == 0 || !d_result.text(spec.id).empty()) {
        continue;
      }
      const std::string name(spec.environment);
      const char* fromEnvironment = name.empty() ? nullptr : environment(name.c_str());
      if (fromEnvironment != nullptr && *fromEnvironment != '\0') {
        store(spec, fromEnvironment);
      } else if (!spec.fallback.empty() && !d_result.given(spec.id)) {
        d_result.d_values[spec.id].assign(1, installedText(spec.fallback));
      }
    }
  }

  ReportArguments d_result;

private:
  static std::vector<std::string> splitChoices(std::string_view argument)
  {
    std::vector<std::string> choices;
    std::size_t start = 0;
    while (start <= argument.size()) {
      const auto bar = std::min(argument.find('|', start), argument.size());
      choices.emplace_back(argument.substr(start, bar - start));
      start = bar + 1;
    }
    return choices;
  }

  static void checkServer(const OptionSpec& spec, const std::string& server)
  {
    try {
      (void)parseNameserver(server);
    } catch (const ConfigError& error) {
      throw UsageError(longName(spec) + ": " + error.what());
    }
  }

  unsigned d_bit;
};

ReportArguments parseReportArguments(ReportCommand command, std::span<const std::string> args,
                                     const EnvironmentLookup& environment)
{
  ReportArgumentParser parser(command);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      parser.d_result.d_operands.push_back(arg);
      continue;
    }
    std::optional<std::string> value;
    if (auto equals = arg.find('='); arg.starts_with("--") && equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg.resize(equals);
    }
    const OptionSpec& spec = *parser.find(arg);
    if (spec.id == ReportOption::Help) {
      parser.d_result.d_help = true;
      return parser.d_result;
    }
    if (spec.kind == OptionKind::Flag && value) {
      throw UsageError(longName(spec) + " takes no value");
    }
    if (spec.kind != OptionKind::Flag && !value) {
      if (i + 1 >= args.size()) {
        throw UsageError(longName(spec) + " needs a value");
      }
      value = args[++i];
    }
    parser.store(spec, value.value_or(""));
  }
  const auto& commandSpec = s_commands[static_cast<unsigned>(command)];
  if (commandSpec.operands.empty() && !parser.d_result.d_operands.empty()) {
    throw UsageError("unexpected argument " + printableAscii(parser.d_result.d_operands[0], 64));
  }
  parser.fillIn(environment);
  return parser.d_result;
}

void printReportUsage(std::ostream& out)
{
  std::size_t width = 0;
  for (const auto& command : s_commands) {
    width = std::max(width, command.name.size());
  }
  out << "usage: dmarc-reports SUBCOMMAND [OPTIONS]   (SUBCOMMAND --help for its options)\n"
         "subcommands:\n";
  for (const auto& command : s_commands) {
    out << "  " << command.name << std::string(width + 2 - command.name.size(), ' ')
        << command.summary << "\n";
  }
}

namespace
{
// What --help adds to an option's line: where its value comes from when
// it is not given.
std::string defaultNote(const OptionSpec& spec)
{
  if (!spec.environment.empty()) {
    return " (default: $" + std::string(spec.environment) +
           (spec.fallback.empty() ? "" : ", else " + installedText(spec.fallback)) + ")";
  }
  if (!spec.fallback.empty()) {
    return " (default " + installedText(spec.fallback) + ")";
  }
  return "";
}

void printOptionHelp(const OptionSpec& spec, std::ostream& out)
{
  out << "  ";
  if (spec.shortName != 0) {
    out << '-' << spec.shortName << ", ";
  }
  out << longName(spec);
  if (!spec.argument.empty()) {
    out << ' ' << spec.argument;
  }
  out << "\n      " << spec.help << defaultNote(spec) << "\n";
}
} // namespace

void printCommandHelp(ReportCommand command, std::ostream& out)
{
  const auto& commandSpec = s_commands[static_cast<unsigned>(command)];
  out << "usage: dmarc-reports " << commandSpec.name << " [OPTIONS]"
      << (commandSpec.operands.empty() ? "" : " ") << commandSpec.operands << "\n"
      << commandSpec.description << "\n\noptions:\n";
  for (const auto& spec : s_options) {
    if ((spec.commands & bitOf(command)) != 0 && spec.id != ReportOption::Help) {
      printOptionHelp(spec, out);
    }
  }
  printOptionHelp(optionSpec(ReportOption::Help), out);
}

namespace
{
// Roff: a hyphen in a name is \- (a minus sign, what the reader types).
std::string roffName(std::string_view text)
{
  std::string out;
  for (const char c : text) {
    out += c == '-' ? std::string("\\-") : std::string(1, c);
  }
  return out;
}

// What the table says beyond the text: a number's range, then the default
// (an environment variable first, as --help says), as placeholders the
// configured page fills in.
void printManDefault(const OptionSpec& spec, std::ostream& out)
{
  if (spec.kind == OptionKind::Number) {
    out << "Range: " << spec.min << " to " << spec.max << ".\n";
  }
  if (spec.fallback.empty()) {
    return;
  }
  out << ".RB \"Default: \" ";
  if (!spec.environment.empty()) {
    out << "$" << spec.environment << " \", else \" ";
  }
  out << '"' << roffName(spec.fallback) << "\" .\n";
}

void printManOption(const OptionSpec& spec, std::ostream& out)
{
  out << ".TP\n";
  const std::string name = roffName(longName(spec));
  if (spec.argument.empty()) {
    if (spec.shortName != 0) {
      out << ".BR \\-" << spec.shortName << " \", \" " << name << "\n";
    } else {
      out << ".B " << name << "\n";
    }
  } else if (spec.kind == OptionKind::Choice) {
    out << ".BR " << name << " \" " << spec.argument << "\"\n";
  } else {
    out << ".BI " << name << " \" " << toLowerAscii(spec.argument) << "\"\n";
  }
  out << spec.man << "\n";
  printManDefault(spec, out);
}
} // namespace

void printManOptions(std::ostream& out)
{
  out << ".PP\nThe options of every subcommand:\n";
  for (const auto& spec : s_options) {
    if (spec.commands == OnAll) {
      printManOption(spec, out);
    }
  }
  for (const auto& command : s_commands) {
    out << ".PP\nThe options of\n.BR " << roffName(command.name) << " :\n";
    for (const auto& spec : s_options) {
      if (spec.commands != OnAll && (spec.commands & bitOf(command.id)) != 0) {
        printManOption(spec, out);
      }
    }
  }
}
} // namespace dmarc
