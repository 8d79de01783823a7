// The command line of stockwired:
//
//   stockwired --config FILE [--data-dir DIR] [--http-listen HOST:PORT]
//              [--log-format text|json] [--log-level LEVEL]
//
// Flags override the matching keys of the file. Parsing is pure, so the
// daemon's main() only decides what to do with the result.
#pragma once

#include <optional>
#include <string>

#include "config/node_config.hpp"

namespace stockwire::config {

struct command_line {
  std::string config_path;
  std::optional<std::string> data_dir;
  std::optional<std::string> http_listen;
  std::optional<std::string> log_format;
  std::optional<std::string> log_level;
  bool help = false;
};

struct command_line_result {
  command_line args;
  std::string error; // empty: `args` is complete

  bool ok() const { return error.empty(); }
};

/// Parses argv (argv[0] is the program). --config is required unless
/// --help is given. Accepts "--flag value" and "--flag=value".
command_line_result parse_command_line(int argc, const char* const* argv);

/// Applies the flags of `args` on top of `cfg`. Returns an error naming the
/// flag when a value is invalid (the same rules as the file's keys).
std::string apply_overrides(const command_line& args, node_config& cfg);

/// The usage text printed for --help and after a command-line error.
const char* usage_text();

} // namespace stockwire::config
