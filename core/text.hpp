// Small text checks shared by the HTTP gateway and the webhook parsers
// (header-only: the webhook fuzz build compiles them without linking core).
#pragma once

#include <cctype>
#include <cstddef>
#include <string_view>

namespace stockwire {

/// True when `text`, read as JSON, nests arrays/objects deeper than
/// `depth_max` (brackets inside strings do not count). A pre-scan: the JSON
/// parser we use has no depth limit of its own.
inline bool json_too_deep(std::string_view text, std::size_t depth_max) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > depth_max)
        return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

/// ASCII case-insensitive equality (HTTP header names, auth schemes).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

} // namespace stockwire
