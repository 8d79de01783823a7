#include "config/node_config.hpp"

#include "config/toml_reader.hpp"
#include "core/limits.hpp"

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

// Strips the brackets of an IPv6 literal and maps "localhost" to
// 127.0.0.1; false (with the reason) unless the result is an IP literal.
bool normalize_host(std::string* host, std::string* error) {
  auto& h = *host;
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
  return true;
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
  r.boolean("allow_plaintext_remote", &cfg.allow_plaintext_remote);
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
  r.boolean("write_ahead_log", &cfg.store_write_ahead_log);
  r.integer("log_size_mb", 1,
            static_cast<std::int64_t>(limits::wal_ring_bytes_max >> 20),
            &cfg.store_log_size_mb);
}

void read_skus(table_reader& r, node_config& cfg) {
  r.integer("idle_timeout_s", 0, sku_idle_timeout_s_max,
            &cfg.sku_idle_timeout_s);
  r.integer("active_max", 1, static_cast<std::int64_t>(active_skus_max_max),
            &cfg.active_skus_max);
  r.integer("dedup_retention_h", 0, dedup_retention_h_max,
            &cfg.dedup_retention_h);
}

// -- channels -------------------------------------------------------------

constexpr std::int64_t demo_skus_max = 100'000;
constexpr double requests_per_s_max = 100'000;
constexpr std::int64_t concurrency_max = 64;
constexpr std::int64_t breaker_open_ms_max = 3'600'000;
constexpr std::int64_t channel_timeout_ms_max = 300'000;
constexpr std::int64_t lag_alert_ms_max = 3'600'000;
// Poll mode: down to a second (the lab compresses 5-minute schedules),
// up to a day (scheduled tools sync at least daily).
constexpr std::int64_t poll_interval_s_min = 1;
constexpr std::int64_t poll_interval_s_max = 86'400;

// The pacing a kind gets unless configured: the real channel's default
// limits (channels.md), so a fresh config never earns a 429.
void pacing_defaults(channel_settings& c) {
  switch (c.account.kind) {
  case channel_kind::shopify:
    if (c.account.shopify_api == "rest") {
      c.requests_per_s = 2; // leaky bucket: 40 calls, 2/s
      c.burst = 40;
      c.request_cost = 1;
    } else {
      c.requests_per_s = 100; // GraphQL: 1000 points, 100/s, 10 a call
      c.burst = 1000;
      c.request_cost = 10;
    }
    break;
  case channel_kind::amazon:
    c.requests_per_s = 5; // patchListingsItem: 5/s, burst 5
    c.burst = 5;
    break;
  case channel_kind::ebay:
    c.requests_per_s = 20; // ~2M calls a day
    c.burst = 20;
    c.revisions_per_day = 250; // per listing
    break;
  case channel_kind::woocommerce:
  case channel_kind::flipkart:
    c.requests_per_s = 0; // no documented limit
    break;
  }
}

// "http://127.0.0.1:18301" or "https://shop.example.com/base".
std::string parse_endpoint(const std::string& text, channel_account& a) {
  auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos)
    return "must be http://HOST[:PORT][/PATH] or https://...";
  auto scheme = text.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return "scheme must be http or https";
  auto rest = text.substr(scheme_end + 3);
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  std::uint16_t port = scheme == "https" ? 443 : 80;
  // The port follows the last ':' (after the ']' of an IPv6 literal).
  auto bracket = hostport.rfind(']');
  auto colon = hostport.rfind(':');
  if (colon != std::string::npos &&
      (bracket == std::string::npos || colon > bracket)) {
    auto digits = hostport.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(digits) > 65535 || std::stoul(digits) == 0)
      return "port must be a number between 1 and 65535";
    port = static_cast<std::uint16_t>(std::stoul(digits));
    hostport = hostport.substr(0, colon);
  }
  if (hostport.size() > 2 && hostport.front() == '[' && hostport.back() == ']')
    hostport = hostport.substr(1, hostport.size() - 2);
  if (hostport.empty())
    return "host must not be empty";
  a.scheme = scheme;
  a.host = hostport;
  a.port = port;
  a.base_path = path;
  return {};
}

void read_channel(table_reader& r, const std::string& id, channel_settings& c) {
  c.account.id = id;
  std::string kind = id;
  r.string("kind", &kind, [](const std::string& x) {
    return parse_channel_kind(x)
               ? std::string{}
               : "must be one of shopify, amazon, woocommerce, ebay, flipkart";
  });
  auto parsed = parse_channel_kind(kind);
  if (!parsed)
    return; // reported by the check above (or by read_channels: no kind)
  c.account.kind = *parsed;
  r.string("api", &c.account.shopify_api, [](const std::string& x) {
    return x == "graphql" || x == "rest" ? std::string{}
                                         : "must be graphql or rest";
  });
  pacing_defaults(c);
  std::string endpoint;
  r.string("endpoint", &endpoint,
           [&](const std::string& x) { return parse_endpoint(x, c.account); });
  auto any = [](const std::string&) { return std::string{}; };
  r.string("access_token", &c.account.access_token, any);
  r.string("consumer_key", &c.account.consumer_key, any);
  r.string("consumer_secret", &c.account.consumer_secret, any);
  r.string("api_version", &c.account.api_version, [](const std::string& x) {
    bool ok = x == "unstable" ||
              (x.size() == 7 && x[4] == '-' &&
               x.find_first_not_of("0123456789-") == std::string::npos);
    return ok ? std::string{} : "must be YYYY-MM or unstable";
  });
  r.string("location_id", &c.account.shopify_location_id, any);
  r.string("seller_id", &c.account.seller_id, any);
  r.string("marketplace_id", &c.account.marketplace_id, check_non_empty);
  r.string("product_type", &c.account.product_type, check_non_empty);
  r.integer("feed_min_skus", 0, 100'000, &c.account.amazon_feed_min_skus);
  r.integer("buffer", 0, stockwire::limits::quantity_max,
            &c.account.alloc.buffer);
  r.number("percent", 0, 100, &c.account.alloc.percent);
  r.integer("max", -1, stockwire::limits::quantity_max, &c.account.alloc.max);
  r.number("requests_per_s", 0, requests_per_s_max, &c.requests_per_s);
  r.number("burst", 1, requests_per_s_max * 10, &c.burst);
  r.number("request_cost", 0.001, requests_per_s_max, &c.request_cost);
  r.integer("concurrency", 1, concurrency_max, &c.concurrency);
  r.integer("revisions_per_day", 0, 1'000'000, &c.revisions_per_day);
  r.integer("revisions_reserve", 0, 1'000'000, &c.revisions_reserve);
  r.integer("breaker_failures", 1, 1000, &c.breaker_failures);
  r.integer("breaker_open_ms", 100, breaker_open_ms_max, &c.breaker_open_ms);
  r.integer("request_timeout_ms", 100, channel_timeout_ms_max,
            &c.request_timeout_ms);
  r.string("webhook_secret", &c.webhook_secret, any);
  std::string sync{sync_mode_name(c.sync)};
  r.string("sync", &sync, [&](const std::string& x) {
    auto mode = parse_sync_mode(x);
    if (!mode)
      return std::string{"must be event or poll"};
    c.sync = *mode;
    return std::string{};
  });
  r.integer("poll_interval_s", poll_interval_s_min, poll_interval_s_max,
            &c.poll_interval_s);
}

// [channels.<id>] tables, in id order (toml++ keeps a table's keys sorted).
void read_channels(const toml::table& doc, std::string_view source,
                   config_result& result) {
  auto* node = doc.get("channels");
  if (node == nullptr)
    return;
  auto fail = [&](const toml::node& at, const std::string& what) {
    std::ostringstream msg;
    msg << source << ":" << at.source().begin.line << ": " << what;
    result.error = msg.str();
  };
  auto* table = node->as_table();
  if (table == nullptr)
    return fail(*node, "channels: must be a table of [channels.<id>] tables");
  for (auto&& [k, v] : *table) {
    std::string id{k.str()};
    auto prefix = "channels." + id + ".";
    if (!v.is_table())
      return fail(v, "channels." + id + ": must be a table");
    if (auto why = check_node_id(id); !why.empty())
      return fail(v, "channels." + id + ": the id " + why);
    auto* t = v.as_table();
    auto* kind_node = t->get("kind");
    if (kind_node == nullptr && !parse_channel_kind(id))
      return fail(v, prefix + "kind: missing (the id '" + id +
                         "' is not a channel kind, so say which it is)");
    channel_settings c;
    table_reader r{t, prefix, source, &result.error};
    read_channel(r, id, c);
    r.finish();
    if (!result.ok())
      return;
    if (c.account.port == 0)
      return fail(v, prefix + "endpoint: missing");
    if (c.revisions_per_day > 0 && c.revisions_reserve >= c.revisions_per_day)
      return fail(v, prefix +
                         "revisions_reserve: must be below revisions_per_day");
    result.config.channels.push_back(std::move(c));
  }
}

// [webhooks], after [skus] and the channels: every channel account may post
// webhooks (with its webhook_secret), within a staleness window that never
// exceeds the dedup retention (a replay older than that would apply again).
void read_webhooks(const toml::table& doc, std::string_view source,
                   config_result& result) {
  namespace gl = gateway::limits;
  auto& cfg = result.config;
  auto* node = doc.get("webhooks");
  if (node != nullptr && !node->is_table()) {
    std::ostringstream msg;
    msg << source << ":" << node->source().begin.line
        << ": webhooks: must be a table ([webhooks])";
    result.error = msg.str();
    return;
  }
  std::int64_t max_age_s = 0; // 0: not configured
  table_reader r{node != nullptr ? node->as_table() : nullptr, "webhooks.",
                 source, &result.error};
  r.integer("max_age_s", gl::webhook_max_age_s_min, gl::webhook_max_age_s_max,
            &max_age_s);
  r.finish();
  if (!result.ok())
    return;
  auto retention_s = cfg.dedup_retention_h * 3600; // 0: forever
  if (max_age_s == 0) {
    max_age_s = gl::webhook_max_age_s_default;
    if (retention_s > 0 && retention_s < max_age_s)
      max_age_s = retention_s;
  } else if (retention_s > 0 && max_age_s > retention_s) {
    std::ostringstream msg;
    msg << source << ": webhooks.max_age_s: must not exceed "
        << "skus.dedup_retention_h (" << retention_s
        << " s), or a webhook replayed after its dedup record was purged "
           "would apply again";
    result.error = msg.str();
    return;
  }
  cfg.http.webhook_max_age_s = max_age_s;
  for (auto& c : cfg.channels)
    cfg.http.webhook_accounts.push_back(gateway::webhook_account{
        c.account.id, c.account.kind, c.webhook_secret});
}

// -- cluster --------------------------------------------------------------

constexpr std::int64_t epoch_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t forward_timeout_ms_min = 10;
constexpr std::int64_t forward_timeout_ms_max = 600'000;
constexpr std::int64_t port_max = 65535;

void read_member(table_reader& r, cluster::member& m) {
  r.string("id", &m.id, check_node_id);
  r.string("host", &m.host, [](const std::string& text) {
    std::string h = text;
    std::string why;
    normalize_host(&h, &why);
    return why;
  });
  r.integer("port", 1, port_max, &m.port);
  std::string ignored; // checked above
  if (!m.host.empty())
    normalize_host(&m.host, &ignored);
}

// What is wrong with one member list as a whole (each member is valid), or
// empty.
std::string check_member_list(const std::vector<cluster::member>& members,
                              std::uint32_t shards) {
  for (auto& m : members)
    if (m.host.empty() || m.port == 0)
      return "member '" + m.id + "' needs id, host and port";
  if (auto why = cluster::check_ring(members, shards); !why.empty())
    return why;
  std::set<std::pair<std::string, std::uint16_t>> addresses;
  for (auto& m : members)
    if (!addresses.emplace(m.host, m.port).second)
      return "members '" + m.id + "' and another share " + m.host + ":" +
             std::to_string(m.port);
  return {};
}

const cluster::member* find_member(const std::vector<cluster::member>& ms,
                                   const std::string& id) {
  for (auto& m : ms)
    if (m.id == id)
      return &m;
  return nullptr;
}

// [cluster.previous]: the epoch and members of the configuration this one
// replaced. Returns false when it is present and wrong.
template <class Fail>
bool read_previous(table_reader& r, cluster_settings& c,
                   std::string_view source, std::string* error, Fail fail) {
  auto* t = r.subtable("previous");
  if (t == nullptr)
    return error->empty();
  cluster_settings::previous_ring p;
  table_reader pr{t, "cluster.previous.", source, error};
  pr.table_array("members", [&](table_reader& mr, std::size_t) {
    read_member(mr, p.members.emplace_back());
  });
  pr.integer("epoch", 1, epoch_max, &p.epoch);
  pr.finish();
  if (!error->empty())
    return false;
  if (t->get("members") == nullptr || t->get("epoch") == nullptr) {
    fail(*t, "previous: needs epoch and members (the configuration this "
             "one replaced)");
    return false;
  }
  if (auto why = check_member_list(p.members, c.shards); !why.empty()) {
    fail(*t->get("members"), "previous.members: " + why);
    return false;
  }
  c.previous = std::move(p);
  return true;
}

// [cluster], after [node] (its id must be a member) and [http] (a forward
// must give up before the gateway does).
void read_cluster(const toml::table& doc, std::string_view source,
                  config_result& result) {
  auto* node = doc.get("cluster");
  if (node == nullptr)
    return;
  auto fail = [&](const toml::node& at, const std::string& what) {
    std::ostringstream msg;
    msg << source << ":" << at.source().begin.line << ": cluster." << what;
    result.error = msg.str();
  };
  auto* table = node->as_table();
  if (table == nullptr) {
    std::ostringstream msg;
    msg << source << ":" << node->source().begin.line
        << ": cluster: must be a table ([cluster])";
    result.error = msg.str();
    return;
  }
  auto& cfg = result.config;
  cluster_settings c;
  std::string listen;
  table_reader r{table, "cluster.", source, &result.error};
  r.table_array("members", [&](table_reader& mr, std::size_t) {
    read_member(mr, c.members.emplace_back());
  });
  r.string("listen", &listen, [&](const std::string& text) {
    std::string why;
    if (parse_listen(text, &c.listen_host, &c.listen_port, &why) &&
        c.listen_port == 0)
      why = "port must be between 1 and 65535 (the other members connect "
            "to it)";
    return why;
  });
  r.integer("shards", 1, cluster::shard_count_max, &c.shards);
  r.integer("epoch", 1, epoch_max, &c.epoch);
  r.integer("forward_timeout_ms", forward_timeout_ms_min,
            forward_timeout_ms_max, &c.forward_timeout_ms);
  if (!read_previous(r, c, source, &result.error, fail))
    return;
  r.finish();
  if (!result.ok())
    return;
  auto* members = table->get("members");
  if (members == nullptr)
    return fail(*node, "members: missing (every node of the cluster, this "
                       "one included)");
  if (auto why = check_member_list(c.members, c.shards); !why.empty())
    return fail(*members, "members: " + why);
  if (c.forward_timeout_ms >= cfg.http.request_timeout_ms)
    return fail(table->contains("forward_timeout_ms")
                    ? *table->get("forward_timeout_ms")
                    : *node,
                "forward_timeout_ms: must be below http.request_timeout_ms (" +
                    std::to_string(cfg.http.request_timeout_ms) +
                    "), or the gateway gives up before the owner is "
                    "declared unreachable");
  auto* self = find_member(c.members, cfg.node_id);
  if (self == nullptr && c.previous)
    self = find_member(c.previous->members, cfg.node_id);
  if (self == nullptr)
    return fail(*members, "members: no member has this node's id '" +
                              cfg.node_id + "' (node.id)" +
                              (c.previous ? " (nor a previous member)" : ""));
  if (c.previous && c.previous->epoch >= c.epoch)
    return fail(*table->get("previous"),
                "previous.epoch: must be below epoch (" +
                    std::to_string(c.epoch) + ")");
  if (listen.empty())
    c.listen_port = self->port;
  cfg.cluster = std::move(c);
}

void read_demo(table_reader& r, node_config& cfg) {
  r.integer("skus", 0, demo_skus_max, &cfg.demo.skus);
  r.integer("on_hand", 0, stockwire::limits::quantity_max, &cfg.demo.on_hand);
}

void read_sync(table_reader& r, node_config& cfg) {
  r.integer("lag_alert_ms", 1, lag_alert_ms_max, &cfg.lag_alert_ms);
}

// [admin] listen = "HOST:PORT": the admin actor stockctl talks to.
void read_admin(table_reader& r, node_config& cfg) {
  std::string listen;
  r.string("listen", &listen, [&](const std::string& text) {
    std::string why;
    if (parse_listen(text, &cfg.admin_host, &cfg.admin_port, &why) &&
        cfg.admin_port == 0)
      why = "port must be between 1 and 65535 (stockctl connects to it)";
    return why;
  });
}

// [tls]: the PEM files of mutual TLS. The files themselves are read at
// start (tls::check_credentials), not here: parsing does no I/O.
void read_tls(table_reader& r, node_config& cfg) {
  r.string("certificate", &cfg.tls.certificate, check_non_empty);
  r.string("key", &cfg.tls.key, check_non_empty);
  r.string("cafile", &cfg.tls.cafile, check_non_empty);
  r.string("passphrase", &cfg.tls.passphrase, check_non_empty);
}

bool is_loopback(const std::string& host) {
  return host == "::1" || host.rfind("127.", 0) == 0;
}

// Without TLS, the cluster and admin ports take commands from anyone who
// can connect: refuse an address off this machine unless the operator
// said so. Returns the problem, naming the key, or empty.
std::string check_plaintext(const node_config& cfg) {
  if (cfg.tls.enabled() || cfg.allow_plaintext_remote)
    return {};
  auto refuse = [](const std::string& key, const std::string& host) {
    return key + ": " + host +
           " is not a loopback address: without [tls] its connections are "
           "neither encrypted nor authenticated (configure [tls], or set "
           "node.allow_plaintext_remote = true on a trusted network)";
  };
  if (cfg.admin_port != 0 && !is_loopback(cfg.admin_host))
    return refuse("admin.listen", cfg.admin_host);
  if (!cfg.cluster)
    return {};
  if (!is_loopback(cfg.cluster->listen_host))
    return refuse("cluster.listen", cfg.cluster->listen_host);
  for (auto& m : cfg.cluster->members)
    if (!is_loopback(m.host))
      return refuse("cluster.members (" + m.id + ")", m.host);
  return {};
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
    {"demo", read_demo},
    {"sync", read_sync},
    {"admin", read_admin},
    {"tls", read_tls},
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
  known.insert("channels");
  read_channels(doc, source, result);
  if (!result.ok())
    return;
  known.insert("webhooks");
  read_webhooks(doc, source, result);
  if (!result.ok())
    return;
  known.insert("cluster");
  read_cluster(doc, source, result);
  if (!result.ok())
    return;
  auto& tls = result.config.tls;
  if (doc.contains("tls") &&
      (tls.certificate.empty() || tls.key.empty() || tls.cafile.empty())) {
    std::ostringstream msg;
    msg << source << ":" << doc.get("tls")->source().begin.line
        << ": tls: certificate, key and cafile are all required (mutual "
           "TLS: every node presents a certificate and checks its peers')";
    result.error = msg.str();
    return;
  }
  if (auto why = check_plaintext(result.config); !why.empty()) {
    result.error = std::string{source} + ": " + why;
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
  if (!normalize_host(&h, error))
    return false;
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

cluster::membership make_membership(const cluster_settings& c) {
  cluster::membership m;
  m.current =
      std::make_shared<const cluster::ring>(c.members, c.shards, c.epoch);
  if (c.previous)
    m.previous = std::make_shared<const cluster::ring>(
        c.previous->members, c.shards, c.previous->epoch);
  return m;
}

} // namespace stockwire::config
