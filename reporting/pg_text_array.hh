// pg_text_array.hh: a PostgreSQL one-dimensional array field read as
// strings (NULL elements as ""), for the report stores of dmarc-reports.
// Trusts libpqxx's array parser; the strings are untrusted stored text.
#pragma once

#include <string>
#include <vector>

namespace pqxx
{
class field;
} // namespace pqxx

namespace dmarc
{
// An SQL NULL array is empty.
std::vector<std::string> textArray(const pqxx::field& field);
} // namespace dmarc
