// pg_text_array.cc: walking libpqxx's array_parser.
#include "reporting/pg_text_array.hh"

#include <pqxx/pqxx>

namespace dmarc
{
std::vector<std::string> textArray(const pqxx::field& field)
{
  std::vector<std::string> values;
  if (field.is_null()) {
    return values;
  }
  auto parser = field.as_array();
  int depth = 0;
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::done;
       item = parser.get_next()) {
    switch (item.first) {
    case pqxx::array_parser::row_start:
      ++depth;
      break;
    case pqxx::array_parser::row_end:
      --depth;
      break;
    case pqxx::array_parser::null_value:
      values.emplace_back();
      break;
    case pqxx::array_parser::string_value:
      values.push_back(item.second);
      break;
    case pqxx::array_parser::done:
      break;
    }
  }
  return values;
}
} // namespace dmarc
