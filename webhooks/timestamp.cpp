#include "webhooks/timestamp.hpp"

namespace stockwire::webhooks {

namespace {

// Reads exactly `n` decimal digits at `pos`; false otherwise.
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (s.size() - pos < static_cast<std::size_t>(n))
    return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos++];
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

bool literal(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c)
    return false;
  ++pos;
  return true;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Milliseconds of a fraction ".ddd…" at `pos` (at least one digit).
bool fraction_ms(std::string_view s, std::size_t& pos, int& ms) {
  ms = 0;
  if (pos >= s.size() || s[pos] != '.')
    return true;
  ++pos;
  std::size_t first = pos;
  int scale = 100;
  for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
    ms += (s[pos] - '0') * scale;
    scale /= 10;
  }
  return pos > first;
}

// Offset from UTC in minutes at `pos`; `present` false when the text ends.
bool offset_min(std::string_view s, std::size_t& pos, bool& present,
                int& minutes) {
  minutes = 0;
  present = pos < s.size();
  if (!present)
    return true;
  char c = s[pos++];
  if (c == 'Z' || c == 'z')
    return true;
  if (c != '+' && c != '-')
    return false;
  int hh = 0;
  int mm = 0;
  if (!digits(s, pos, 2, hh) || !literal(s, pos, ':') || !digits(s, pos, 2, mm))
    return false;
  if (hh > 23 || mm > 59)
    return false;
  minutes = (c == '-' ? -1 : 1) * (hh * 60 + mm);
  return true;
}

} // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s,
                                             bool offset_required) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, pos, 4, y) || !literal(s, pos, '-') ||
      !digits(s, pos, 2, mo) || !literal(s, pos, '-') || !digits(s, pos, 2, d))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' '))
    return std::nullopt;
  ++pos;
  if (!digits(s, pos, 2, h) || !literal(s, pos, ':') ||
      !digits(s, pos, 2, mi) || !literal(s, pos, ':') ||
      !digits(s, pos, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || sec > 60)
    return std::nullopt;
  bool has_offset = false;
  int off = 0;
  if (!fraction_ms(s, pos, ms) || !offset_min(s, pos, has_offset, off))
    return std::nullopt;
  if (pos != s.size() || (offset_required && !has_offset))
    return std::nullopt;
  std::int64_t days =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off * 60;
  return secs * 1000 + ms;
}

} // namespace stockwire::webhooks
