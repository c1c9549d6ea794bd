// smtp_lines.hh: the server side of one SMTP session for the scripted
// peers (relay, MX) that the unit tests run on a thread of their own:
// command lines in, CRLF-terminated replies out.
#pragma once

#include <array>
#include <string>
#include <sys/socket.h>

namespace dmarc
{
class SmtpLines
{
public:
  explicit SmtpLines(int fd) : d_fd(fd) {}

  // The next line without its CRLF; false when the client closed.
  bool readLine(std::string& line)
  {
    while (d_buffer.find("\r\n") == std::string::npos) {
      std::array<char, 4096> chunk{};
      const ssize_t got = recv(d_fd, chunk.data(), chunk.size(), 0);
      if (got <= 0) {
        return false;
      }
      d_buffer.append(chunk.data(), static_cast<std::size_t>(got));
    }
    const auto end = d_buffer.find("\r\n");
    line = d_buffer.substr(0, end);
    d_buffer.erase(0, end + 2);
    return true;
  }

  // Sends `reply` (lines joined by CRLF) and a CRLF; whether all was sent.
  bool say(const std::string& reply)
  {
    const std::string text = reply + "\r\n";
    return send(d_fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }

private:
  int d_fd;
  std::string d_buffer;
};
} // namespace dmarc
