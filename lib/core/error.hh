// error.hh: the one exception base class of the project.
// Expected outcomes (no record, NXDOMAIN, a bad signature) are values, never
// exceptions. Exceptions are for broken invariants of input or environment,
// and every one of them derives from dmarc::Error so that one catch clause
// at each boundary (milter callback, main) is enough.
#pragma once

#include <stdexcept>
#include <string>

namespace dmarc
{
class Error : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

// A configuration file or command line that cannot be used: exit EX_CONFIG.
class ConfigError : public Error
{
public:
  using Error::Error;
};
} // namespace dmarc
