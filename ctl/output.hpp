// stockctl's output: human tables and the small pieces both tables and
// JSON documents need. JSON itself is written with the gateway's
// json_writer (gateway/json_writer.hpp), so the CLI and the HTTP API
// quote and format alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/views.hpp"
#include "gateway/json_writer.hpp"

namespace stockwire::ctl {

using gateway::json_writer;
using table = std::vector<std::vector<std::string>>;

/// Prints rows as left-aligned columns separated by two spaces, the first
/// row being the header.
void print_table(const table& rows);

/// A duration in microseconds for people: "850us", "12.3ms", "1.25s".
std::string human_us(std::uint64_t us);

/// A rate with one decimal, or "-" when unknown (negative).
std::string human_rate(double per_s);

/// Milliseconds since the epoch as RFC 3339 UTC, "-" for 0.
std::string human_time_ms(std::int64_t epoch_ms);

/// "-" for an empty text.
std::string or_dash(const std::string& text);

/// Writes `text`, or null when it is empty.
void text_or_null(json_writer& w, const std::string& text);

/// Writes `number`, or null when it is negative (unknown).
void number_or_null(json_writer& w, std::int64_t number);
void number_or_null(json_writer& w, double number);

/// Writes a JSON array of strings.
void string_array(json_writer& w, const std::vector<std::string>& items);

/// Table cells of lag figures, "-" where there is no sample: count, p50,
/// p90, p99, p999 and max, or (`short_form`) count, p50, p99 and max.
std::vector<std::string> lag_cells(const lag_figures& x,
                                   bool short_form = false);

/// {"count", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"}.
void write_lag_figures(json_writer& w, const lag_figures& x);

/// A progress bar of `width` cells and the count: "[#####.....] 5/10".
std::string progress_line(std::uint64_t done, std::uint64_t total,
                          std::size_t width);

} // namespace stockwire::ctl
