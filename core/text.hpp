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

/// Appends `text` escaped for the inside of a JSON string (RFC 8259):
/// quote and backslash escaped, \n \r \t by name, the other control
/// characters and DEL as \u00XX; other bytes (UTF-8 too) as they are.
/// `Out`: std::string or fmt's memory buffer (push_back, append(b, e)).
template <class Out>
void append_json_escaped(std::string_view text, Out& out) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
      out.push_back(ch);
      continue;
    }
    char named = c == '"'    ? '"'
                 : c == '\\' ? '\\'
                 : c == '\n' ? 'n'
                 : c == '\r' ? 'r'
                 : c == '\t' ? 't'
                             : '\0';
    if (named != '\0') {
      const char esc[] = {'\\', named};
      out.append(esc, esc + sizeof(esc));
    } else {
      const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
      out.append(esc, esc + sizeof(esc));
    }
  }
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
