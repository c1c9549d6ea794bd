// test-report_options_cc.cc: the option table of dmarc-reports is
// consistent (names unique per subcommand, defaults within their own
// bounds and choices), and the one parser reads values, defaults, the
// environment fallback and bad command lines as the table says.
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "reporting/report_options.hh"

using namespace dmarc;

namespace
{
ReportArguments parse(ReportCommand command, std::vector<std::string> args,
                      std::map<std::string, std::string> environment = {})
{
  return parseReportArguments(command, args, [environment](const char* name) -> const char* {
    auto it = environment.find(name);
    return it == environment.end() ? nullptr : it->second.c_str();
  });
}

bool refused(ReportCommand command, std::vector<std::string> args)
{
  try {
    parse(command, std::move(args));
  } catch (const UsageError&) {
    return true;
  }
  return false;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_report_options_cc)

BOOST_AUTO_TEST_CASE(test_Table_NamesUniquePerCommandAndDefaultsValid)
{
  for (const auto& command : reportCommands()) {
    std::set<std::string_view> names;
    std::set<char> shortNames;
    for (const auto& option : reportOptions()) {
      if ((option.commands & (1U << static_cast<unsigned>(command.id))) == 0) {
        continue;
      }
      BOOST_CHECK_MESSAGE(names.insert(option.name).second,
                          std::string(command.name) + " --" + std::string(option.name));
      if (option.shortName != 0) {
        BOOST_CHECK(shortNames.insert(option.shortName).second);
      }
      BOOST_CHECK(!option.help.empty());
      BOOST_CHECK(!option.man.empty());
      BOOST_CHECK_EQUAL(option.argument.empty(), option.kind == OptionKind::Flag);
      if (!option.fallback.empty() && option.kind != OptionKind::Text) {
        // The default is read by the parser like a value given.
        const std::string given =
            "--" + std::string(option.name) + "=" + std::string(option.fallback);
        BOOST_CHECK_MESSAGE(!refused(command.id, {given}), given);
      }
    }
    BOOST_CHECK(names.count("database") == 1 && names.count("help") == 1);
  }
  // The enumerations and the table are in step.
  for (std::size_t i = 0; i < reportOptions().size(); ++i) {
    BOOST_CHECK_EQUAL(static_cast<std::size_t>(reportOptions()[i].id), i);
  }
}

BOOST_AUTO_TEST_CASE(test_Parse_ValuesDefaultsAndOperands)
{
  auto args = parse(ReportCommand::Expire, {"--max-age", "30", "-v", "--dry-run"});
  BOOST_CHECK_EQUAL(*args.number(ReportOption::MaxAge), 30);
  BOOST_CHECK_EQUAL(*args.number(ReportOption::BatchSize), 5000); // the default
  BOOST_CHECK(args.flag(ReportOption::Verbose) && args.flag(ReportOption::ExpireDryRun));
  BOOST_CHECK(!args.given(ReportOption::BatchSize));

  args = parse(ReportCommand::Send, {"--email=r@example.com", "--own-address", "a@example.com",
                                     "--own-address", "b@example.com", "--format", "rfc7489"});
  BOOST_CHECK_EQUAL(args.text(ReportOption::Email), "r@example.com");
  BOOST_CHECK_EQUAL(args.list(ReportOption::OwnAddress).size(), 2U);
  BOOST_CHECK_EQUAL(args.text(ReportOption::Format), "rfc7489");
  BOOST_CHECK_EQUAL(args.text(ReportOption::Transport), "sendmail");
  BOOST_CHECK_EQUAL(args.text(ReportOption::Sendmail), "/usr/sbin/sendmail -t -oi");
  BOOST_CHECK_EQUAL(*args.number(ReportOption::LockWait), 3600);

  args = parse(ReportCommand::SendFailures,
               {"--never-report", "a.example, b.example", "--nameserver", "127.0.0.1@53,::1"});
  BOOST_CHECK_EQUAL(args.list(ReportOption::NeverReport).size(), 2U);
  BOOST_CHECK_EQUAL(args.list(ReportOption::NeverReport)[1], "b.example");
  BOOST_CHECK_EQUAL(args.list(ReportOption::FailureNameserver).size(), 2U);
  BOOST_CHECK_EQUAL(*args.number(ReportOption::FailureLockWait), 0);

  args = parse(ReportCommand::Ingest, {"a.xml", "-", "--maildir", "/m"});
  BOOST_CHECK_EQUAL(args.operands().size(), 2U);
  BOOST_CHECK_EQUAL(args.operands()[1], "-");

  // A Number without a default: absent.
  BOOST_CHECK(!parse(ReportCommand::Summary, {}).number(ReportOption::Days).has_value());
  // The last value of a single option wins.
  BOOST_CHECK_EQUAL(parse(ReportCommand::Check, {"--helo", "a", "--helo", "b", "x.example"})
                        .text(ReportOption::CheckHelo),
                    "b");
}

BOOST_AUTO_TEST_CASE(test_Parse_EnvironmentFallback)
{
  const std::map<std::string, std::string> environment{{"DMARC_DATABASE", "dbname=env"},
                                                       {"DMARC_SQL_DIR", "/sql"}};
  auto args = parse(ReportCommand::Db, {"version"}, environment);
  BOOST_CHECK_EQUAL(args.text(ReportOption::Database), "dbname=env");
  BOOST_CHECK_EQUAL(args.text(ReportOption::SqlDir), "/sql");
  args = parse(ReportCommand::Db, {"version", "--database", "dbname=given"}, environment);
  BOOST_CHECK_EQUAL(args.text(ReportOption::Database), "dbname=given");
  // Given empty: the environment still stands in.
  args = parse(ReportCommand::Summary, {"--database", ""}, environment);
  BOOST_CHECK_EQUAL(args.text(ReportOption::Database), "dbname=env");
  // Neither: empty, so libpq's own PG* variables apply; --sql-dir's default.
  args = parse(ReportCommand::Db, {"upgrade"});
  BOOST_CHECK(args.text(ReportOption::Database).empty());
  BOOST_CHECK(args.text(ReportOption::SqlDir).ends_with("/sql"));
  BOOST_CHECK(args.text(ReportOption::SqlDir).find('@') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_Parse_UsageErrors)
{
  BOOST_CHECK(refused(ReportCommand::Send, {"--no-such-option"}));
  BOOST_CHECK(refused(ReportCommand::Send, {"-x"}));
  BOOST_CHECK(refused(ReportCommand::Send, {"--email"}));             // needs a value
  BOOST_CHECK(refused(ReportCommand::Send, {"--dry-run=yes"}));       // takes no value
  BOOST_CHECK(refused(ReportCommand::Send, {"--format", "rfc1234"})); // not a choice
  BOOST_CHECK(refused(ReportCommand::Send, {"--retry", "0"}));        // below the bound
  BOOST_CHECK(refused(ReportCommand::Send, {"--retry", "12x"}));      // not a number
  BOOST_CHECK(refused(ReportCommand::Send, {"stray"}));               // no operands
  BOOST_CHECK(refused(ReportCommand::Send, {"--nameserver", "not an address"}));
  BOOST_CHECK(refused(ReportCommand::Expire, {"--max-age", "36501"}));
  BOOST_CHECK(refused(ReportCommand::Check, {"--timeout", "601", "x.example"}));
  // Options of another subcommand are unknown here.
  BOOST_CHECK(refused(ReportCommand::Summary, {"--output", "x"}));
  BOOST_CHECK(refused(ReportCommand::Db, {"-v"}));
  BOOST_CHECK(!refused(ReportCommand::Overview, {"--output", "x", "--limit", "1000"}));
  BOOST_CHECK(refused(ReportCommand::Overview, {"--output", "x", "--limit", "1001"}));
  BOOST_CHECK(!refused(ReportCommand::Summary, {"--limit", "100000"}));
}

BOOST_AUTO_TEST_CASE(test_Help_FromTheTable)
{
  BOOST_CHECK(parse(ReportCommand::Send, {"--help", "--no-such-option"}).help());
  BOOST_CHECK(parse(ReportCommand::Check, {"-h"}).help());
  std::ostringstream help;
  printCommandHelp(ReportCommand::Expire, help);
  BOOST_CHECK(help.str().starts_with("usage: dmarc-reports expire [OPTIONS]\n"));
  BOOST_CHECK(help.str().find("  --max-age DAYS\n") != std::string::npos);
  BOOST_CHECK(help.str().find("(default 180)") != std::string::npos);
  BOOST_CHECK(help.str().find("  -v, --verbose\n") != std::string::npos);
  BOOST_CHECK(help.str().find("(default: $DMARC_DATABASE)") != std::string::npos);
  BOOST_CHECK(help.str().find("--sql-dir") == std::string::npos);
  std::ostringstream usage;
  printReportUsage(usage);
  for (const auto& command : reportCommands()) {
    BOOST_CHECK(usage.str().find("  " + std::string(command.name) + " ") != std::string::npos);
  }
  std::ostringstream man;
  printManOptions(man);
  BOOST_CHECK(man.str().find(".BI \\-\\-max\\-age \" days\"\n") != std::string::npos);
  BOOST_CHECK(man.str().find(".BR \\-v \", \" \\-\\-verbose\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
