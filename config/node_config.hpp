// The configuration of one Stockwire node, read from a TOML file (keys and
// their meaning: docs/CONFIG.md), then overridden from the command line.
//
// Parsing is a pure function from text to either a complete, validated
// node_config or one message that names the offending key. Unknown keys
// and tables are refused, never ignored: a misspelt limit that silently
// falls back to its default is a production incident waiting to happen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/membership.hpp"
#include "cluster/ring.hpp"
#include "connectors/channel.hpp"
#include "gateway/settings.hpp"
#include "tls/credentials.hpp"

namespace stockwire::config {

/// Where logs go and how they look.
struct log_settings {
  std::string level = "info";  // trace debug info warn error critical off
  std::string format = "text"; // text | json (one JSON object per line)
};

/// One `[channels.<id>]` table: a channel account and how to pace it.
/// Pacing defaults follow the channel's real limits (channels.md); see
/// docs/CONFIG.md.
struct channel_settings {
  channel_account account;
  double requests_per_s = 0; // client-side token bucket (0: unlimited)
  double burst = 1;
  double request_cost = 1;
  std::size_t concurrency = 4;
  std::int64_t revisions_per_day = 0; // eBay per-listing cap (0: none)
  std::int64_t revisions_reserve = 20;
  std::int64_t breaker_failures = 5;
  std::int64_t breaker_open_ms = 30'000;
  std::int64_t request_timeout_ms = 10'000;
  std::string webhook_secret; // signs its webhooks; empty: all refused (401)
  // event: push every change at once; poll: push every listed SKU once per
  // poll_interval_s (the scheduled baseline), see docs/CONFIG.md.
  sync_mode sync = sync_mode::event;
  std::int64_t poll_interval_s = 300;
};

/// The demo catalogue: SKUs DEMO-1 .. DEMO-<skus>, created with `on_hand`
/// units and listed on every configured channel when they do not exist
/// yet (a restart changes nothing).
struct demo_settings {
  std::int64_t skus = 0;
  std::int64_t on_hand = 100;
};

/// `[cluster]`: the members of the cluster and this node's place in it
/// (docs/CONFIG.md; routing in docs/ARCHITECTURE.md, "Cluster routing").
/// Every node lists the same members, shards and epoch.
struct cluster_settings {
  // Every node, this one included -- except on a node that is leaving: it
  // is then a member of `previous` only, owns nothing and hands off what
  // it holds.
  std::vector<cluster::member> members;
  // Where this node's router is published (CAF's BASP over TCP). Default:
  // loopback, on the port of this node's member entry.
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::uint32_t shards = cluster::shard_count_default;
  std::uint64_t epoch = 1;
  // A command forwarded to its owner fails with owner_unavailable when no
  // answer came within this.
  std::int64_t forward_timeout_ms = 2000;
  // `[cluster.previous]`: the configuration this one replaced (its epoch and
  // members), kept while SKUs may still be moving to their new owners: a
  // node asked for a SKU it now owns but does not hold pulls it from its
  // owner by this ring. Absent: no move is expected.
  struct previous_ring {
    std::vector<cluster::member> members;
    std::uint64_t epoch = 0;
  };
  std::optional<previous_ring> previous;
};

/// The rings of `c`: current and (with [cluster.previous]) previous.
cluster::membership make_membership(const cluster_settings& c);

struct node_config {
  std::string node_id = "node1";
  // Relative paths are relative to the working directory of the process.
  std::string data_dir = "./data/node1";
  int threads = 0; // CAF scheduler threads; 0: one per core less one

  gateway::settings http;
  log_settings log;

  std::size_t store_map_size_mb = 4096; // LMDB map size (sparse file)
  // fsync every group commit. false only to measure the rest of the node:
  // a crash of the machine (not of the process) then loses acknowledged
  // writes.
  bool store_durable = true;
  // Acknowledge a group commit once it is synced to a write-ahead log (one
  // sequential sync) and commit it to LMDB behind it (docs/CONFIG.md).
  bool store_write_ahead_log = true;
  std::size_t store_log_size_mb = 128; // the log's ring, preallocated

  // SKU actors: passivation and the dedup window.
  std::int64_t sku_idle_timeout_s = 30;
  std::size_t active_skus_max = 200'000;
  std::int64_t dedup_retention_h = 7 * 24;

  std::vector<channel_settings> channels;
  demo_settings demo;
  // Sync lag alert: p99 over the last minute above this.
  std::int64_t lag_alert_ms = 5000;
  // Absent: a single node that owns every SKU.
  std::optional<cluster_settings> cluster;
  // `[admin] listen`: where the admin actor (stockctl's peer, CAF's BASP
  // over TCP) is published. Port 0: not published (the default).
  std::string admin_host = "127.0.0.1";
  std::uint16_t admin_port = 0;
  // `[tls]`: certificate, key and CA of mutual TLS on the cluster and admin
  // ports (and this node's connections to other members). Empty: plain
  // TCP, which is then refused on non-loopback addresses unless
  // `[node] allow_plaintext_remote` (docs/CONFIG.md, "TLS").
  tls::credentials tls;
  bool allow_plaintext_remote = false;
};

/// Either a configuration or the reason there is none.
struct config_result {
  node_config config;
  std::string error; // empty: `config` is valid

  bool ok() const { return error.empty(); }
};

/// Parses and validates a node configuration. `toml_text` is the file's
/// content; `source` names it in error messages. Missing keys keep their
/// defaults; unknown keys and out-of-range values are errors that name the
/// key (e.g. "limits.body_bytes_max: must be between 1024 and 67108864").
config_result parse_node_config(std::string_view toml_text,
                                std::string_view source = "config");

/// Splits "HOST:PORT" (or "[V6HOST]:PORT"). HOST must be an IP literal or
/// "localhost" (stored as 127.0.0.1): names are not resolved at start.
/// Returns false and says what is wrong through `error`.
bool parse_listen(std::string_view text, std::string* host, std::uint16_t* port,
                  std::string* error);

/// Validates a log level / format name; returns an error message or empty.
std::string check_log_level(std::string_view level);
std::string check_log_format(std::string_view format);

} // namespace stockwire::config
