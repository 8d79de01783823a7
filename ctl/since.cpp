#include "ctl/since.hpp"

#include <cctype>
#include <chrono>

#include "webhooks/timestamp.hpp"

namespace stockwire::ctl {

namespace {

constexpr std::int64_t ms_per_s = 1000;

// Length of a bare date, YYYY-MM-DD.
constexpr std::size_t date_chars = 10;

// "10m", "1h30m": a sum of <digits><unit>.
std::optional<std::int64_t> parse_age(std::string_view s) {
  if (s.empty())
    return std::nullopt;
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::int64_t n = 0;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      n = n * 10 + (s[pos] - '0');
      if (n > since_age_ms_max)
        return std::nullopt;
      ++pos;
    }
    if (pos == start || pos == s.size())
      return std::nullopt; // no number, or a number without a unit
    std::int64_t unit = 0;
    if (s.substr(pos, 2) == "ms") {
      unit = 1;
      ++pos;
    } else if (s[pos] == 's') {
      unit = ms_per_s;
    } else if (s[pos] == 'm') {
      unit = 60 * ms_per_s;
    } else if (s[pos] == 'h') {
      unit = 3600 * ms_per_s;
    } else if (s[pos] == 'd') {
      unit = 24 * 3600 * ms_per_s;
    } else {
      return std::nullopt;
    }
    ++pos;
    total += n * unit;
    if (total > since_age_ms_max)
      return std::nullopt;
  }
  return total;
}

// A date-time as the webhooks read them (any offset, none meaning UTC),
// or a bare date at midnight UTC.
std::optional<std::int64_t> parse_time(std::string_view s) {
  if (s.size() == date_chars)
    return webhooks::parse_rfc3339_ms(std::string{s} + "T00:00:00Z");
  return webhooks::parse_rfc3339_ms(s, false);
}

} // namespace

std::optional<std::int64_t>
parse_since(std::string_view text, std::int64_t now_ms, std::string* error) {
  bool looks_like_date = text.size() >= date_chars && text[4] == '-';
  auto t = looks_like_date ? parse_time(text) : parse_age(text);
  if (!t) {
    *error = "'" + std::string{text} +
             "' is neither an ISO-8601 time (2026-05-01T12:00:00Z) nor an "
             "age (10m, 90s, 1h30m, 2d, 500ms)";
    return std::nullopt;
  }
  return looks_like_date ? *t : now_ms - *t;
}

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

} // namespace stockwire::ctl
