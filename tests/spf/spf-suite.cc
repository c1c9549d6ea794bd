// spf-suite.cc: runs an OpenSPF test suite (converted by
// spf_suite_convert.py) through SpfChecker, the adapter the milter uses,
// with each scenario's zone served by the in-memory resolver fake.
//
// Usage: spf-suite <converted-file> <suite-name> <minimum-correct-results>
// Prints every failing case with expected and actual result and the
// checker's reason, then the pass counts: results alone (the primary
// figure), and results with explanations (pyspf's scoring). Exits 1 when
// fewer results than the minimum are right. Each case runs in a forked
// child, so a crash in libspf2 is a reported failure, not a lost run.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "lib/adapters/dns/spf_checker.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
std::string unhex(const std::string& hex)
{
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<std::string> split(const std::string& line, char separator)
{
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, separator)) {
    fields.push_back(field);
  }
  if (!line.empty() && line.back() == separator) {
    fields.emplace_back();
  }
  return fields;
}

DnsType typeFromName(const std::string& name)
{
  if (name == "A") {
    return DnsType::A;
  }
  if (name == "AAAA") {
    return DnsType::AAAA;
  }
  if (name == "MX") {
    return DnsType::MX;
  }
  if (name == "PTR") {
    return DnsType::PTR;
  }
  return DnsType::TXT;
}

// The fake plus the suite's failure semantics: timeouts per (name, type),
// CNAMEs to missing names, and pyspf's "error." names that always time out.
class SuiteResolver : public DnsResolver
{
public:
  test::FakeResolver fake;
  std::set<std::pair<std::string, DnsType>> failing;
  std::set<std::pair<std::string, DnsType>> missing;

  DnsAnswer query(std::string_view name, DnsType type) override
  {
    std::string key(name);
    for (auto& c : key) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    while (!key.empty() && key.back() == '.') {
      key.pop_back();
    }
    DnsAnswer answer;
    if (failing.count({key, type}) != 0 || key.starts_with("error.")) {
      answer.status = DnsStatus::Failure;
      answer.error = "timeout (test zone)";
      return answer;
    }
    if (missing.count({key, type}) != 0) {
      answer.status = DnsStatus::NxDomain;
      return answer;
    }
    return fake.query(key, type);
  }
};

struct Case
{
  std::string name;
  std::string helo;
  std::string host;
  std::string mailFrom;
  std::vector<std::string> results;
  bool hasExplanation = false;
  std::string explanation;
};

struct Scenario
{
  std::string description;
  std::vector<std::string> zoneLines;
  std::vector<Case> cases;
};

// Runs one case in a child; returns "result\texplanation" or a crash note.
std::string runCase(const Scenario& scenario, const Case& testCase)
{
  int fds[2];
  if (::pipe(fds) != 0) {
    return "crash\tpipe failed";
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    SuiteResolver resolver;
    for (const auto& line : scenario.zoneLines) {
      auto f = split(line, '\t');
      if (f[0] == "N") {
        resolver.fake.addEmpty(unhex(f[1]));
      } else if (f[0] == "Z") {
        resolver.fake.add(unhex(f[1]), typeFromName(f[2]), unhex(f[3]));
      } else if (f[0] == "F") {
        resolver.failing.insert({unhex(f[1]), typeFromName(f[2])});
      } else if (f[0] == "X") {
        resolver.missing.insert({unhex(f[1]), typeFromName(f[2])});
      }
    }
    SpfCheckerOptions options;
    options.receivingDomain = "unknown"; // pyspf's default receiver
    options.defaultExplanation = "DEFAULT";
    SpfChecker checker(resolver, options);
    SpfOutcome outcome = checker.checkMailFrom(testCase.host, testCase.mailFrom, testCase.helo);
    std::string text = std::string(toString(outcome.result)) + "\t" + outcome.explanation;
    std::size_t written = 0;
    while (written < text.size()) {
      ssize_t n = ::write(fds[1], text.data() + written, text.size() - written);
      if (n <= 0) {
        break;
      }
      written += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "crash\tchild died (status " + std::to_string(status) + ")";
  }
  return text;
}

std::string printable(const std::string& text)
{
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}
} // namespace

int main(int argc, char** argv)
{
  if (argc != 4) {
    std::cerr << "usage: spf-suite <converted-file> <suite-name> <minimum-correct>\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  std::vector<Scenario> scenarios;
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, '\t');
    if (f.empty()) {
      continue;
    }
    if (f[0] == "S") {
      scenarios.push_back({unhex(f[1]), {}, {}});
    } else if (f[0] == "T" && f.size() >= 7 && !scenarios.empty()) {
      Case c;
      c.name = f[1];
      c.helo = unhex(f[2]);
      c.host = f[3];
      c.mailFrom = unhex(f[4]);
      c.results = split(f[5], ',');
      c.hasExplanation = f[6] != "-";
      c.explanation = c.hasExplanation ? unhex(f[6]) : "";
      scenarios.back().cases.push_back(std::move(c));
    } else if (!scenarios.empty()) {
      scenarios.back().zoneLines.push_back(line);
    }
  }

  int total = 0;
  int resultsRight = 0;
  int bothRight = 0;
  std::ostringstream failures;
  for (const auto& scenario : scenarios) {
    for (const auto& testCase : scenario.cases) {
      ++total;
      auto got = split(runCase(scenario, testCase), '\t');
      std::string result = got.empty() ? "" : got[0];
      std::string explanation = got.size() > 1 ? got[1] : "";
      bool resultOk = false;
      for (const auto& want : testCase.results) {
        resultOk = resultOk || want == result;
      }
      bool explanationOk = !testCase.hasExplanation || explanation == testCase.explanation;
      resultsRight += resultOk ? 1 : 0;
      bothRight += resultOk && explanationOk ? 1 : 0;
      if (!resultOk) {
        std::string wanted;
        for (const auto& want : testCase.results) {
          wanted += (wanted.empty() ? "" : " or ") + want;
        }
        failures << "FAIL " << testCase.name << " [" << scenario.description << "]: got " << result
                 << ", want " << wanted << " (" << printable(explanation) << ")\n";
      } else if (!explanationOk) {
        failures << "EXPLANATION " << testCase.name << " [" << scenario.description << "]: got '"
                 << printable(explanation) << "', want '" << printable(testCase.explanation)
                 << "'\n";
      }
    }
  }
  int minimum = std::atoi(argv[3]);
  std::cout << failures.str();
  std::cout << argv[2] << ": " << resultsRight << "/" << total << " results correct, " << bothRight
            << "/" << total << " with explanations (minimum " << minimum << ")\n";
  return resultsRight >= minimum ? 0 : 1;
}
