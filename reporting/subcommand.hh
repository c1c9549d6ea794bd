// subcommand.hh: the shape of one `dmarc-reports` subcommand, as listed in
// the table of reporting/main.cc. Each subcommand lives in its own
// reporting/cmd_<name>.cc and parses its own options.
#pragma once

#include <string_view>

namespace dmarc
{
struct Subcommand
{
  std::string_view name;    // first word after dmarc-reports ("db", "send", ...)
  std::string_view summary; // one line for `dmarc-reports --help`
  // argv[0] is the subcommand name; returns a sysexits.h status.
  int (*run)(int argc, char** argv);
};
} // namespace dmarc
