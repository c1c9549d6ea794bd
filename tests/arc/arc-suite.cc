// arc-suite.cc: runs ARC test cases through ArcVerifier and ArcSealer:
// the open ARC test suite (tests/arc/arc_suite_convert.py makes its line
// format) and the messages sealed by python3-dkim (make_arc_messages.py).
// Keys come from the in-memory resolver fake, scenario by scenario.
//
// Usage: arc-suite CASES [EXCEPTIONS]
// EXCEPTIONS lists, one per line, "<test><TAB><reason>": cases whose
// result is known to differ, and why. Each is printed with its reason; a
// listed case that passes is an error (the list must stay true). Exits 1
// when any other case fails. Prints "N passed, N failed".
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/dkim/arc_verifier.hh"
#include "lib/adapters/dkim/dkim_body_hash.hh"
#include "lib/core/error.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
std::string unhex(const std::string& text)
{
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<std::string> split(const std::string& line)
{
  std::vector<std::string> parts;
  std::stringstream stream(line);
  std::string part;
  while (std::getline(stream, part, '\t')) {
    parts.push_back(part);
  }
  return parts;
}

struct Message
{
  std::vector<std::string> fields;
  std::string body;
};

Message splitMessage(const std::string& text)
{
  Message message;
  std::string head = text;
  auto blank = text.find("\r\n\r\n");
  if (blank != std::string::npos) {
    head = text.substr(0, blank);
    message.body = text.substr(blank + 4);
  } else if (text.size() >= 2 && text.compare(0, 2, "\r\n") == 0) {
    head.clear();
    message.body = text.substr(2);
  }
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    std::string line = head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? head.size() : end + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !message.fields.empty()) {
      message.fields.back() += "\r\n" + line;
    } else if (!line.empty()) {
      message.fields.push_back(line);
    }
  }
  return message;
}

// The message through a verifier, its body in small chunks (streaming).
ArcValidation validate(test::FakeResolver& resolver, const Message& message)
{
  ArcSettings settings;
  settings.oldestPass = true;
  ArcVerifier verifier(resolver, settings);
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.endOfHeaders();
  for (std::size_t i = 0; i < message.body.size(); i += 7) {
    verifier.body(std::string_view(message.body).substr(i, 7));
  }
  return verifier.finish();
}

std::string withoutSpace(const std::string& text)
{
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      out.push_back(c);
    }
  }
  return out;
}

std::string valueOf(const std::string& field)
{
  auto colon = field.find(':');
  return colon == std::string::npos ? field : field.substr(colon + 1);
}

// Returns "" when the case passes, else what went wrong; `summary` says
// what the verifier found.
std::string runValidation(test::FakeResolver& resolver, const std::vector<std::string>& parts,
                          std::string& summary)
{
  Message message = splitMessage(unhex(parts[2]));
  ArcValidation result = validate(resolver, message);
  // An empty cv in the suite is a chain whose newest seal says cv=fail:
  // RFC 8617 §5.2 step 2 makes that "fail".
  std::string want = parts[3] == "-" ? "fail" : parts[3];
  std::string got(toString(result.result));
  summary = "cv=" + got;
  if (result.oldestPass) {
    summary += " oldest-pass=" + std::to_string(*result.oldestPass);
  }
  if (!result.reason.empty()) {
    summary += " (" + result.reason + ")";
  }
  std::string problem;
  if (got != want) {
    problem = "cv got " + got + ", want " + want;
  } else if (parts.size() > 4 && parts[4] != "-" &&
             (!result.oldestPass || std::to_string(*result.oldestPass) != parts[4])) {
    problem = "oldest-pass got " +
              (result.oldestPass ? std::to_string(*result.oldestPass) : std::string("none")) +
              ", want " + parts[4];
  }
  if (!problem.empty() && !result.reason.empty()) {
    problem += " (" + result.reason + ")";
  }
  return problem;
}

std::string runSigning(test::FakeResolver& resolver, const std::vector<std::string>& parts,
                       std::string& summary)
{
  Message message = splitMessage(unhex(parts[2]));
  ArcValidation incoming = validate(resolver, message);
  ArcSealerSettings settings;
  settings.domain = unhex(parts[9]);
  settings.selector = unhex(parts[10]);
  settings.privateKeyPem = unhex(parts[11]);
  settings.signedHeaders.clear();
  std::string names = unhex(parts[4]);
  for (std::size_t pos = 0; pos <= names.size();) {
    auto colon = names.find(':', pos);
    settings.signedHeaders.push_back(names.substr(pos, colon - pos));
    pos = colon == std::string::npos ? names.size() + 1 : colon + 1;
  }
  ArcSealer sealer(settings);
  DkimBodyHash bodyHash(DkimCanon::Relaxed);
  bodyHash.update(message.body);
  ArcSealOutcome sealed = sealer.seal(message.fields, bodyHash.finish(), incoming.result,
                                      unhex(parts[12]), std::stol(unhex(parts[3])));
  std::string wantSeal = unhex(parts[6]);
  if (wantSeal.find_first_not_of(" \t\r\n") == std::string::npos) {
    // The suite expects no new set.
    summary = "not sealed (" + sealed.reason + ")";
    return sealed.sealed ? "sealed, want no ARC set" : "";
  }
  if (!sealed.sealed) {
    return "not sealed: " + sealed.reason;
  }
  summary = "sealed i=" + std::to_string(sealed.instance) +
            " cv=" + std::string(toString(sealed.cv)) + ", the suite's b= values";
  std::string problem;
  for (auto [got, want, what] :
       {std::tuple{valueOf(sealed.seal), wantSeal, "ARC-Seal"},
        std::tuple{valueOf(sealed.messageSignature), unhex(parts[7]), "ARC-Message-Signature"},
        std::tuple{valueOf(sealed.authResults), unhex(parts[8]), "ARC-Authentication-Results"}}) {
    if (withoutSpace(got) != withoutSpace(want)) {
      problem += std::string(problem.empty() ? "" : "; ") + what + " differs: got [" +
                 withoutSpace(got) + "], want [" + withoutSpace(want) + "]";
    }
  }
  if (!problem.empty()) {
    return problem;
  }
  // The sealed message validates as the seal says.
  Message out = message;
  out.fields.insert(out.fields.begin(), {sealed.seal, sealed.messageSignature, sealed.authResults});
  ArcValidation again = validate(resolver, out);
  ArcResult want = sealed.cv == ArcResult::Fail ? ArcResult::Fail : ArcResult::Pass;
  if (again.result != want) {
    return "the sealed message validates as " + std::string(toString(again.result)) + " (" +
           again.reason + ")";
  }
  return "";
}
} // namespace

int main(int argc, char** argv)
{
  if (argc < 2) {
    std::cerr << "usage: arc-suite CASES [EXCEPTIONS]\n";
    return 64;
  }
  std::map<std::string, std::string> exceptions;
  if (argc > 2) {
    std::ifstream list(argv[2]);
    std::string line;
    while (std::getline(list, line)) {
      if (line.empty() || line[0] == '#') {
        continue;
      }
      auto tab = line.find('\t');
      exceptions[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
    }
  }
  std::ifstream cases(argv[1]);
  if (!cases) {
    std::cerr << "FAIL: cannot read " << argv[1] << "\n";
    return 1;
  }
  test::FakeResolver resolver;
  std::string scenario;
  unsigned passed = 0;
  unsigned failed = 0;
  unsigned listed = 0;
  std::string line;
  while (std::getline(cases, line)) {
    auto parts = split(line);
    if (parts.empty()) {
      continue;
    }
    if (parts[0] == "S") {
      resolver.clear();
      scenario = unhex(parts[1]);
      continue;
    }
    if (parts[0] == "Z") {
      resolver.add(unhex(parts[1]), DnsType::TXT, unhex(parts[2]));
      continue;
    }
    std::string name = unhex(parts[1]);
    std::string problem;
    std::string summary;
    try {
      problem = parts[0] == "V" ? runValidation(resolver, parts, summary)
                                : runSigning(resolver, parts, summary);
    } catch (const std::exception& e) {
      problem = std::string("exception: ") + e.what();
    }
    auto exception = exceptions.find(name);
    if (exception != exceptions.end()) {
      if (problem.empty()) {
        std::cout << "FAIL " << name << ": passes, but is listed as a known difference\n";
        ++failed;
      } else {
        std::cout << "KNOWN " << name << ": " << exception->second << " [" << problem << "]\n";
        ++listed;
        ++passed;
      }
      continue;
    }
    if (problem.empty()) {
      std::cout << "ok " << name << ": " << summary << "\n";
      ++passed;
    } else {
      std::cout << "FAIL " << name << " (" << scenario << "): " << problem << "\n";
      ++failed;
    }
  }
  std::cout << "arc-suite: " << (passed - listed) << " cases as expected, " << listed
            << " known differences (listed with their reasons)\n";
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
