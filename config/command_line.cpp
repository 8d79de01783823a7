#include "config/command_line.hpp"

namespace stockwire::config {

command_line_result parse_command_line(int argc, const char* const* argv) {
  command_line_result result;
  auto& args = result.args;
  struct flag {
    const char* name;
    std::optional<std::string>* target;
  };
  std::optional<std::string> config_path;
  const flag flags[] = {
      {"--config", &config_path},           {"--data-dir", &args.data_dir},
      {"--http-listen", &args.http_listen}, {"--log-format", &args.log_format},
      {"--log-level", &args.log_level},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      args.help = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    const flag* match = nullptr;
    for (auto& f : flags)
      if (arg == f.name)
        match = &f;
    if (match == nullptr) {
      result.error = "unknown option " + arg;
      return result;
    }
    if (inline_value) {
      *match->target = *inline_value;
    } else if (i + 1 < argc) {
      *match->target = argv[++i];
    } else {
      result.error = arg + " needs a value";
      return result;
    }
  }
  if (config_path)
    args.config_path = *config_path;
  else if (!args.help)
    result.error = "--config FILE is required";
  return result;
}

std::string apply_overrides(const command_line& args, node_config& cfg) {
  if (args.data_dir) {
    if (args.data_dir->empty())
      return "--data-dir: must not be empty";
    cfg.data_dir = *args.data_dir;
  }
  if (args.http_listen) {
    std::string why;
    if (!parse_listen(*args.http_listen, &cfg.http.host, &cfg.http.port, &why))
      return "--http-listen: " + why;
  }
  if (args.log_format) {
    if (auto why = check_log_format(*args.log_format); !why.empty())
      return "--log-format: " + why;
    cfg.log.format = *args.log_format;
  }
  if (args.log_level) {
    if (auto why = check_log_level(*args.log_level); !why.empty())
      return "--log-level: " + why;
    cfg.log.level = *args.log_level;
  }
  return {};
}

const char* usage_text() {
  return "usage: stockwired --config FILE [--data-dir DIR]\n"
         "                  [--http-listen HOST:PORT]\n"
         "                  [--log-format text|json] [--log-level LEVEL]\n"
         "\n"
         "Runs one Stockwire node. FILE is TOML (see docs/CONFIG.md); the\n"
         "flags override the matching keys. LEVEL is one of trace, debug,\n"
         "info, warn, error, critical, off. Exit codes: 0 after a clean\n"
         "shutdown (SIGTERM/SIGINT), 1 on a runtime failure, 2 on a bad\n"
         "command line or configuration.\n";
}

} // namespace stockwire::config
