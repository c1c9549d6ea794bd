// report_options.hh: the command line of dmarc-reports, read by one parser
// from the table of report_options.def: the subcommand, then its options as
// typed values. --help (of the tool and of each subcommand) and the option
// lists of dmarc-reports(8) are written from the same table.
// Trusts nothing in argv beyond its being NUL-terminated strings; values are
// checked against the table (bounds, choices, DNS server syntax).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/error.hh"

namespace dmarc
{
enum class ReportCommand : unsigned
{
#define DM_REPORT_COMMAND(Id, name, operands, summary, description) Id,
#include "reporting/report_options.def"
};

// The bit of each subcommand, for the option table's `commands` column.
enum ReportCommandMask : unsigned
{
#define DM_REPORT_COMMAND(Id, name, operands, summary, description)                                \
  On##Id = 1U << static_cast<unsigned>(ReportCommand::Id),
#include "reporting/report_options.def"
  OnAll = ~0U,
};

enum class ReportOption : unsigned
{
#define DM_REPORT_OPTION(Id, commands, name, shortName, argument, kind, environment, fallback,     \
                         min, max, help, man)                                                      \
  Id,
#include "reporting/report_options.def"
};

enum class OptionKind
{
  Flag,    // no value
  Text,    // one value, the last given wins
  Number,  // a whole number within [min, max]
  Choice,  // one of the '|'-separated words of the argument
  List,    // repeatable
  Words,   // repeatable, each value split at commas
  Servers, // Words, each a DNS server ADDR[@PORT]
};

struct CommandSpec
{
  ReportCommand id;
  std::string_view name;
  std::string_view operands; // after the options in the usage line; "" none
  std::string_view summary;
  std::string_view description;
};

struct OptionSpec
{
  ReportOption id;
  unsigned commands; // ReportCommandMask bits
  std::string_view name;
  char shortName;            // 0: none
  std::string_view argument; // "" for a flag
  OptionKind kind;
  std::string_view environment; // stands in when the option is absent or empty
  std::string_view fallback;    // the default, with @pkgdatadir@ and @PSL_FILE@
  long long min;
  long long max;
  std::string_view help;
  std::string_view man;
};

std::span<const CommandSpec> reportCommands();
std::span<const OptionSpec> reportOptions();
const CommandSpec* findReportCommand(std::string_view name);
const OptionSpec& optionSpec(ReportOption id);

// A command line the table refuses: said on standard error, exit 64.
class UsageError : public Error
{
public:
  using Error::Error;
};

class ReportArguments;
using EnvironmentLookup = std::function<const char*(const char*)>;

// The options of one subcommand as typed values, defaults filled in.
class ReportArguments
{
public:
  ReportCommand command() const { return d_command; }
  bool help() const { return d_help; }
  // Whether the option was given (or came from its environment variable).
  bool given(ReportOption id) const;
  bool flag(ReportOption id) const;
  // A Text or Choice value, else its default, else "".
  const std::string& text(ReportOption id) const;
  // A Number, else its default; std::nullopt for a number without either.
  std::optional<long long> number(ReportOption id) const;
  // A List, Words or Servers option's values, in the order given.
  const std::vector<std::string>& list(ReportOption id) const;
  const std::vector<std::string>& operands() const { return d_operands; }

private:
  friend class ReportArgumentParser;
  friend ReportArguments parseReportArguments(ReportCommand command,
                                              std::span<const std::string> args,
                                              const EnvironmentLookup& environment);
  ReportCommand d_command = ReportCommand::Db;
  bool d_help = false;
  std::map<ReportOption, std::vector<std::string>> d_values;
  std::set<ReportOption> d_given;
  std::vector<std::string> d_operands;
};

// The arguments after the subcommand's name; throws UsageError. Takes
// "--name value", "--name=value", "-v" style short names, and operands
// (anything else not starting with '-', or "-" itself).
ReportArguments parseReportArguments(ReportCommand command, std::span<const std::string> args,
                                     const EnvironmentLookup& environment);

// dmarc-reports --help, and SUBCOMMAND --help.
void printReportUsage(std::ostream& out);
void printCommandHelp(ReportCommand command, std::ostream& out);
// The option lists of dmarc-reports(8), between its BEGIN OPTIONS and END
// OPTIONS lines (dmarc-reports --man-options).
void printManOptions(std::ostream& out);
} // namespace dmarc
