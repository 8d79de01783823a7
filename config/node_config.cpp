#include "config/node_config.hpp"

#include "config/toml_reader.hpp"

#include <arpa/inet.h>

#include <limits>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace stockwire::config {

namespace {

// Bounds of the node-level keys (the gateway's are in gateway/limits.hpp).
constexpr std::size_t node_id_bytes_max = 64;
constexpr int threads_max = 256;
constexpr std::size_t api_token_bytes_max = 256;
constexpr std::size_t store_map_size_mb_max = std::size_t{1} << 20; // 1 TiB
constexpr std::int64_t sku_idle_timeout_s_max = 30 * 24 * 3600;
constexpr std::size_t active_skus_max_max = 100'000'000;
constexpr std::int64_t dedup_retention_h_max = 10 * 365 * 24;

// Reads the keys of one TOML table into typed fields, remembers which keys
// it was asked for, and records the first problem (later ones would only
// be noise caused by the first). finish() refuses every key nobody asked
// for.
using table_reader = toml_reader;

std::string check_node_id(const std::string& id) {
  if (id.empty() || id.size() > node_id_bytes_max)
    return "must have 1 to " + std::to_string(node_id_bytes_max) +
           " characters";
  for (unsigned char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok)
      return "may only contain [A-Za-z0-9-_.]";
  }
  return {};
}

std::string check_non_empty(const std::string& text) {
  return text.empty() ? "must not be empty" : std::string{};
}

std::string check_token(const std::string& token) {
  if (token.empty() || token.size() > api_token_bytes_max)
    return "must have 1 to " + std::to_string(api_token_bytes_max) +
           " characters";
  for (unsigned char c : token)
    if (c <= 0x20 || c >= 0x7f)
      return "may only contain printable ASCII characters without spaces";
  return {};
}

void read_node(table_reader& r, node_config& cfg) {
  r.string("id", &cfg.node_id, check_node_id);
  r.string("data_dir", &cfg.data_dir, check_non_empty);
  r.integer("threads", 0, threads_max, &cfg.threads);
}

void read_http(table_reader& r, gateway::settings& http) {
  namespace gl = gateway::limits;
  std::string listen;
  r.string("listen", &listen, [&](const std::string& text) {
    std::string why;
    parse_listen(text, &http.host, &http.port, &why);
    return why;
  });
  r.string_array("api_tokens", &http.api_tokens, check_token);
  r.integer("request_timeout_ms", gl::request_timeout_ms_min,
            gl::request_timeout_ms_max, &http.request_timeout_ms);
  r.integer("retry_after_s", 1, gl::retry_after_s_max, &http.retry_after_s);
  r.integer("idle_timeout_s", 1, gl::idle_timeout_s_max, &http.idle_timeout_s);
  r.integer("connections_max", 1,
            static_cast<std::int64_t>(gl::connections_max),
            &http.connections_max);
  r.integer("inflight_commands_max", 1,
            static_cast<std::int64_t>(gl::inflight_commands_max),
            &http.inflight_commands_max);
}

void read_limits(table_reader& r, gateway::settings& http) {
  namespace gl = gateway::limits;
  auto i64 = [](std::size_t x) { return static_cast<std::int64_t>(x); };
  r.integer("body_bytes_max", i64(gl::body_bytes_min), i64(gl::body_bytes_max),
            &http.body_bytes_max);
  r.integer("header_bytes_max", i64(gl::header_bytes_min),
            i64(gl::header_bytes_max), &http.header_bytes_max);
  r.integer("json_depth_max", i64(gl::json_depth_min), i64(gl::json_depth_max),
            &http.json_depth_max);
  r.integer("order_lines_max", 1, i64(gl::order_lines_max),
            &http.order_lines_max);
  r.integer("batch_orders_max", 1, i64(gl::batch_orders_max),
            &http.batch_orders_max);
  r.integer("stock_query_skus_max", 1, i64(gl::stock_query_skus_max),
            &http.stock_query_skus_max);
  r.integer("qty_max", 1, stockwire::limits::quantity_max, &http.qty_max);
  r.integer("sku_bytes_max", 1, i64(stockwire::limits::sku_bytes_max),
            &http.sku_bytes_max);
}

void read_log(table_reader& r, log_settings& log) {
  r.string("level", &log.level,
           [](const std::string& x) { return check_log_level(x); });
  r.string("format", &log.format,
           [](const std::string& x) { return check_log_format(x); });
}

void read_store(table_reader& r, node_config& cfg) {
  r.integer("map_size_mb", 1, static_cast<std::int64_t>(store_map_size_mb_max),
            &cfg.store_map_size_mb);
  r.boolean("durable", &cfg.store_durable);
}

void read_skus(table_reader& r, node_config& cfg) {
  r.integer("idle_timeout_s", 0, sku_idle_timeout_s_max,
            &cfg.sku_idle_timeout_s);
  r.integer("active_max", 1, static_cast<std::int64_t>(active_skus_max_max),
            &cfg.active_skus_max);
  r.integer("dedup_retention_h", 0, dedup_retention_h_max,
            &cfg.dedup_retention_h);
}

using section_fn = void (*)(table_reader&, node_config&);

struct section {
  const char* name;
  section_fn read;
};

const section sections[] = {
    {"node", read_node},
    {"http", [](table_reader& r, node_config& c) { read_http(r, c.http); }},
    {"limits", [](table_reader& r, node_config& c) { read_limits(r, c.http); }},
    {"log", [](table_reader& r, node_config& c) { read_log(r, c.log); }},
    {"store", read_store},
    {"skus", read_skus},
};

void read_document(const toml::table& doc, std::string_view source,
                   config_result& result) {
  std::set<std::string> known;
  for (auto& s : sections) {
    known.insert(s.name);
    auto* node = doc.get(s.name);
    if (node != nullptr && !node->is_table()) {
      std::ostringstream msg;
      msg << source << ":" << node->source().begin.line << ": " << s.name
          << ": must be a table ([" << s.name << "])";
      result.error = msg.str();
      return;
    }
    table_reader r{node != nullptr ? node->as_table() : nullptr,
                   std::string{s.name} + ".", source, &result.error};
    s.read(r, result.config);
    r.finish();
    if (!result.ok())
      return;
  }
  for (auto&& [k, v] : doc) {
    if (known.count(std::string{k.str()}) == 0) {
      std::ostringstream msg;
      msg << source << ":" << v.source().begin.line << ": " << k.str()
          << ": unknown " << (v.is_table() ? "table" : "key");
      result.error = msg.str();
      return;
    }
  }
}

} // namespace

config_result parse_node_config(std::string_view toml_text,
                                std::string_view source) {
  config_result result;
  // toml++ reports syntax errors by exception; it never leaves this
  // function.
  try {
    auto doc = toml::parse(toml_text, source);
    read_document(doc, source, result);
  } catch (const toml::parse_error& err) {
    std::ostringstream msg;
    msg << source << ":" << err.source().begin.line << ": "
        << err.description();
    result.error = msg.str();
  }
  return result;
}

bool parse_listen(std::string_view text, std::string* host, std::uint16_t* port,
                  std::string* error) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 ||
      colon + 1 == text.size()) {
    *error = "must be HOST:PORT (e.g. 127.0.0.1:8080)";
    return false;
  }
  std::string h{text.substr(0, colon)};
  auto digits = text.substr(colon + 1);
  unsigned long p = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || p > 65535) {
      *error = "port must be a number between 0 and 65535";
      return false;
    }
    p = p * 10 + static_cast<unsigned long>(c - '0');
  }
  if (p > 65535) {
    *error = "port must be a number between 0 and 65535";
    return false;
  }
  if (h.size() > 2 && h.front() == '[' && h.back() == ']')
    h = h.substr(1, h.size() - 2);
  if (h == "localhost")
    h = "127.0.0.1";
  unsigned char buf[16];
  if (inet_pton(AF_INET, h.c_str(), buf) != 1 &&
      inet_pton(AF_INET6, h.c_str(), buf) != 1) {
    *error = "host '" + h + "' is not an IP address (or localhost)";
    return false;
  }
  *host = h;
  *port = static_cast<std::uint16_t>(p);
  return true;
}

std::string check_log_level(std::string_view level) {
  for (auto name :
       {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (level == name)
      return {};
  return "must be one of trace, debug, info, warn, error, critical, off";
}

std::string check_log_format(std::string_view format) {
  if (format == "text" || format == "json")
    return {};
  return "must be text or json";
}

} // namespace stockwire::config
