// dkim-sign.cc: a test tool that makes DKIM keys and signs messages with
// lib/adapters/dkim/dkim_signer (libopendkim's signing side), for the end-to-end
// tests of dmarc-milter (tests/integration/test_milter*.py).
//
//   dkim-sign keygen rsa|ed25519 KEYFILE    writes the PEM key, prints the
//                                           TXT record to publish
//   dkim-sign sign KEYFILE DOMAIN SELECTOR  reads a message (LF or CRLF) on
//                                           stdin, writes it signed (CRLF)
//     [SIGN-TIME LIFETIME]                  with t=SIGN-TIME (Unix time) and
//                                           x=t+LIFETIME seconds
//
// Test-only: keys are written unprotected to the path given.
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "lib/adapters/dkim/dkim_signer.hh"

using namespace dmarc;

namespace
{
std::string readAll(std::istream& in)
{
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Header fields ("Name: value" with folded lines joined by CRLF) and the
// body with CRLF line ends.
void splitMessage(const std::string& text, std::vector<std::string>& fields, std::string& body)
{
  std::istringstream in(text);
  std::string line;
  bool inHeader = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (inHeader) {
      if (line.empty()) {
        inHeader = false;
        continue;
      }
      if ((line.front() == ' ' || line.front() == '\t') && !fields.empty()) {
        fields.back() += "\r\n" + line;
      } else {
        fields.push_back(line);
      }
      continue;
    }
    body += line + "\r\n";
  }
}
} // namespace

int main(int argc, char** argv)
{
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 3 && args[0] == "keygen") {
      auto key =
          DkimSigningKey::generate(args[1] == "ed25519" ? DkimKeyType::Ed25519 : DkimKeyType::Rsa);
      std::ofstream(args[2]) << key.privateKeyPem;
      std::cout << key.dnsRecord() << "\n";
      return 0;
    }
    if ((args.size() == 4 || args.size() == 6) && args[0] == "sign") {
      std::ifstream keyFile(args[1]);
      auto key = DkimSigningKey::fromPem(readAll(keyFile));
      std::vector<std::string> fields;
      std::string body;
      splitMessage(readAll(std::cin), fields, body);
      DkimSignRequest request;
      request.domain = args[2];
      request.selector = args[3];
      if (args.size() == 6) { // t= and the lifetime that makes x= (tests of expiry)
        request.signTime = static_cast<std::time_t>(std::stoll(args[4]));
        request.ttlSeconds = static_cast<unsigned>(std::stoul(args[5]));
      }
      DkimSigner signer;
      std::cout << signer.sign(key, request, fields, body) << "\r\n";
      for (const auto& field : fields) {
        std::cout << field << "\r\n";
      }
      std::cout << "\r\n" << body;
      return 0;
    }
    std::cerr << "usage: dkim-sign keygen rsa|ed25519 KEYFILE | sign KEYFILE DOMAIN SELECTOR "
                 "[SIGN-TIME LIFETIME-SECONDS]\n";
    return 64;
  } catch (const std::exception& error) {
    std::cerr << "dkim-sign: " << error.what() << "\n";
    return 1;
  }
}
