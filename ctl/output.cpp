#include "ctl/output.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace stockwire::ctl {

void print_table(const table& rows) {
  std::vector<std::size_t> width;
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i)
        width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  for (auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  }
}

std::string human_us(std::uint64_t us) {
  char buf[32];
  if (us < 1000)
    std::snprintf(buf, sizeof buf, "%lluus",
                  static_cast<unsigned long long>(us));
  else if (us < 1'000'000)
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(us) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(us) / 1e6);
  return buf;
}

std::string human_rate(double per_s) {
  if (per_s < 0)
    return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", per_s);
  return buf;
}

std::string human_time_ms(std::int64_t epoch_ms) {
  return epoch_ms == 0 ? "-" : gateway::rfc3339_ms(epoch_ms);
}

std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

void text_or_null(json_writer& w, const std::string& text) {
  if (text.empty())
    w.null();
  else
    w.value(text);
}

void number_or_null(json_writer& w, std::int64_t number) {
  if (number < 0)
    w.null();
  else
    w.value(number);
}

void number_or_null(json_writer& w, double number) {
  if (number < 0)
    w.null();
  else
    w.value(number);
}

void string_array(json_writer& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (auto& x : items)
    w.value(x);
  w.end_array();
}

std::vector<std::string> lag_cells(const lag_figures& x, bool short_form) {
  auto cell = [&](std::uint64_t us) {
    return x.count == 0 ? std::string{"-"} : human_us(us);
  };
  if (short_form)
    return {std::to_string(x.count), cell(x.p50), cell(x.p99), cell(x.max)};
  return {std::to_string(x.count),
          cell(x.p50),
          cell(x.p90),
          cell(x.p99),
          cell(x.p999),
          cell(x.max)};
}

void write_lag_figures(json_writer& w, const lag_figures& x) {
  w.begin_object()
      .field("count", x.count)
      .field("p50_us", x.p50)
      .field("p90_us", x.p90)
      .field("p99_us", x.p99)
      .field("p999_us", x.p999)
      .field("max_us", x.max)
      .end_object();
}

std::string progress_line(std::uint64_t done, std::uint64_t total,
                          std::size_t width) {
  done = std::min(done, total);
  auto filled =
      total == 0 ? width : static_cast<std::size_t>(done * width / total);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') +
         "] " + std::to_string(done) + "/" + std::to_string(total);
}

} // namespace stockwire::ctl
