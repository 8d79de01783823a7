// Splitting and decoding request targets. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stockwire::gateway {

struct parsed_target {
  std::vector<std::string> segments; // decoded path segments
  std::vector<std::pair<std::string, std::string>> query; // decoded, in order
};

/// Splits "/v1/stock/A%2FB?limit=5" into {"v1","stock","A/B"} and
/// {("limit","5")}. '+' stays '+' (SKUs may contain it; none has spaces).
/// Returns false when the target is not an absolute path or holds a bad
/// percent escape.
bool parse_target(std::string_view target, parsed_target* out);

/// Decodes %XX escapes; false on a malformed escape.
bool percent_decode(std::string_view in, std::string* out);

} // namespace stockwire::gateway
