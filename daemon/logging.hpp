// Logging of stockwired: spdlog to stderr, human-readable ("text") or one
// JSON object per line ("json": time, level, node, msg), for collectors
// that parse structured logs.
#pragma once

#include <string>

#include "config/node_config.hpp"

namespace stockwire {

/// Installs the default logger. REQUIRES: log settings validated by the
/// config (check_log_level / check_log_format).
void setup_logging(const config::log_settings& log, const std::string& node_id);

} // namespace stockwire
