// stockctl: the operator's view into live actor state (issue 7,
// docs/STOCKCTL.md). Connects to a node's admin actor with CAF's middleman
// (remote_actor) and asks the actors themselves; prints a table, or JSON
// with --json.
//
// Contract: one command per run. On success the result goes to stdout and
// the exit code is 0; on failure one line goes to stderr and the exit code
// names the kind of failure (exit_code below, repeated in --help).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "config/node_config.hpp"

namespace stockwire::ctl {

namespace {

// -- exit codes (docs/STOCKCTL.md) --------------------------------------------

enum exit_code : int {
  exit_ok = 0,
  exit_internal = 1,      // a bug or an unexpected answer
  exit_usage = 2,         // bad arguments
  exit_unreachable = 3,   // the node cannot be reached or did not answer
  exit_unknown_sku = 4,   // the SKU has no stock record
  exit_owner_down = 5,    // the SKU's owner node is unavailable
  exit_unknown_order = 6, // no line of the order exists
  exit_unknown_channel = 7, // no such channel account (or listing)
  exit_refused = 8,       // the node refused the command (negative stock, ...)
};

constexpr const char* exit_codes_help =
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 node unreachable or "
    "not answering, 4 unknown SKU, 5 owner node down, 6 unknown order, "
    "7 unknown channel, 8 refused by the node (negative stock, key reused "
    "with another payload, ...).";

// The node asked when neither --node nor STOCKWIRE_NODE says otherwise:
// the admin port of cluster-config/single-node.toml.
constexpr const char* default_node = "127.0.0.1:4100";
constexpr const char* node_env = "STOCKWIRE_NODE";

// How long one request to the node may take before exit_unreachable.
constexpr int default_timeout_ms = 5000;

// Audit records shown unless --limit says otherwise.
constexpr std::uint32_t default_audit_limit = 20;

// Random bytes of a generated idempotency key (hex: twice as many chars).
constexpr int generated_key_bytes = 8;

// The source recorded for set/adjust operations made with stockctl.
constexpr const char* op_source = "stockctl";

// A failure: its exit code and the one line printed on stderr.
struct failure {
  int code;
  std::string message;
};

// -- JSON output (flat writer; no JSON library in a CAF file) ------------------

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

// Builds one JSON object: add fields in order, then str().
class object {
public:
  object& raw(const std::string& key, const std::string& json) {
    body_ += (body_.empty() ? "" : ",") + quote(key) + ":" + json;
    return *this;
  }
  object& str(const std::string& key, const std::string& v) {
    return raw(key, quote(v));
  }
  template <class Int>
  object& num(const std::string& key, Int v) {
    return raw(key, std::to_string(v));
  }
  object& flag(const std::string& key, bool v) {
    return raw(key, v ? "true" : "false");
  }
  std::string json() const { return "{" + body_ + "}"; }

private:
  std::string body_;
};

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? "," : "") + items[i];
  return out + "]";
}

// -- tables ---------------------------------------------------------------------

// Prints rows as left-aligned columns, the first row being the header.
void print_table(const std::vector<std::vector<std::string>>& rows) {
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

// -- the connection -------------------------------------------------------------

class session {
public:
  session(caf::actor_system& sys, caf::actor admin, std::string node,
          std::chrono::milliseconds timeout)
      : self_(sys), admin_(std::move(admin)), node_(std::move(node)),
        timeout_(timeout) {
    // nothing
  }

  /// Sends `cmd` and returns its reply of type R, or the failure.
  template <class R, class Cmd>
  std::optional<R> ask(Cmd cmd, failure* fail) {
    std::optional<R> out;
    self_->request(admin_, timeout_, std::move(cmd))
        .receive([&](R& r) { out = std::move(r); },
                 [&](caf::error& err) { *fail = to_failure(err); });
    return out;
  }

  const std::string& node() const { return node_; }

private:
  failure to_failure(const caf::error& err) const {
    if (err.category() != error_category())
      return {exit_unreachable, "node " + node_ + " did not answer: " +
                                    caf::to_string(err)};
    auto detail = error_detail(err);
    switch (error_code(err)) {
    case errc::unknown_sku:
      return {exit_unknown_sku, detail};
    case errc::owner_unavailable:
      return {exit_owner_down, "owner unavailable: " + detail};
    case errc::unknown_order:
      return {exit_unknown_order, detail};
    case errc::unknown_channel:
    case errc::unknown_listing:
      return {exit_unknown_channel, detail};
    default:
      return {exit_refused,
              std::string{errc_name(error_code(err))} + ": " + detail};
    }
  }

  caf::scoped_actor self_;
  caf::actor admin_;
  std::string node_;
  std::chrono::milliseconds timeout_;
};

std::string generate_key() {
  std::random_device rd;
  std::string key = "stockctl-";
  char buf[4];
  for (int i = 0; i < generated_key_bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(rd() & 0xff));
    key += buf;
  }
  return key;
}

std::string status_json(const listing_status& s) {
  return object{}
      .str("channel", s.channel)
      .num("version", s.version)
      .num("target", s.target)
      .num("acked_version", s.acked_version)
      .num("shown", s.shown)
      .num("pushed_version", s.pushed_version)
      .flag("pending", s.pending)
      .flag("inflight", s.inflight)
      .flag("parked", s.parked)
      .str("last_error", s.last_error)
      .num("last_lag_us", s.last_lag_us)
      .num("last_ack_ms", s.last_ack_ms)
      .json();
}

// -- commands ---------------------------------------------------------------------

struct options {
  bool json = false;
};

// sku get SKU...: stock, owner, and per channel what its connector says.
int sku_get(session& s, const options& o, const std::vector<std::string>& skus) {
  std::vector<std::string> docs;
  std::vector<std::vector<std::string>> rows{
      {"SKU", "ON_HAND", "AVAILABLE", "RESERVED", "VERSION", "OWNER"}};
  std::vector<std::vector<std::string>> channel_rows{
      {"SKU", "CHANNEL", "TARGET", "SHOWN", "PUSHED_V", "ACKED_V", "PENDING",
       "PARKED", "LAST_ERROR"}};
  for (auto& sku : skus) {
    failure f{exit_ok, {}};
    auto p = s.ask<placement_info>(get_placement{sku}, &f);
    if (!p)
      return std::cerr << "stockctl: " << f.message << '\n', f.code;
    auto v = s.ask<stock_view>(get_stock{sku}, &f);
    if (!v)
      return std::cerr << "stockctl: " << sku << ": " << f.message << '\n',
             f.code;
    auto ls = s.ask<listing_set>(get_listings{sku}, &f);
    if (!ls)
      return std::cerr << "stockctl: " << sku << ": " << f.message << '\n',
             f.code;
    std::vector<std::string> chans;
    for (auto& [channel, ids] : ls->listings) {
      failure cf{exit_ok, {}};
      auto st = s.ask<listing_status>(get_listing_status{channel, sku}, &cf);
      if (st) {
        chans.push_back(status_json(*st));
        channel_rows.push_back(
            {sku, channel, std::to_string(st->target),
             st->shown < 0 ? "?" : std::to_string(st->shown),
             std::to_string(st->pushed_version),
             std::to_string(st->acked_version), st->pending ? "yes" : "no",
             st->parked ? "yes" : "no",
             st->last_error.empty() ? "-" : st->last_error});
      } else {
        // Listed, but this node's connector has no state for it (v1: the
        // connector asked is the one of the node connected to).
        chans.push_back(object{}.str("channel", channel)
                            .str("error", cf.message)
                            .json());
        channel_rows.push_back(
            {sku, channel, "?", "?", "?", "?", "?", "?", cf.message});
      }
    }
    docs.push_back(object{}
                       .str("sku", v->sku)
                       .num("on_hand", v->on_hand)
                       .num("reserved", v->reserved)
                       .num("available", v->available)
                       .num("version", v->version)
                       .num("updated_at_ms", v->updated_at_ms)
                       .str("owner", p->owner_id)
                       .num("epoch", p->epoch)
                       .raw("channels", array(chans))
                       .json());
    rows.push_back({v->sku, std::to_string(v->on_hand),
                    std::to_string(v->available), std::to_string(v->reserved),
                    std::to_string(v->version), p->owner_id});
  }
  if (o.json) {
    std::cout << array(docs) << '\n';
  } else {
    print_table(rows);
    if (channel_rows.size() > 1) {
      std::cout << '\n';
      print_table(channel_rows);
    }
  }
  return exit_ok;
}

int sku_audit(session& s, const options& o, const std::string& sku,
              std::uint32_t limit) {
  failure f{exit_ok, {}};
  // An unknown SKU has an empty trail: ask for its stock first so that it
  // fails as unknown, like sku get.
  if (!s.ask<stock_view>(get_stock{sku}, &f))
    return std::cerr << "stockctl: " << sku << ": " << f.message << '\n',
           f.code;
  auto page = s.ask<audit_page>(get_audit{sku, limit, 0}, &f);
  if (!page)
    return std::cerr << "stockctl: " << sku << ": " << f.message << '\n',
           f.code;
  if (o.json) {
    std::vector<std::string> recs;
    for (auto& r : page->records)
      recs.push_back(object{}
                         .num("version", r.version)
                         .str("op_id", r.op_id)
                         .str("kind", std::string{op_kind_name(r.kind)})
                         .str("source", r.source)
                         .num("delta", r.delta)
                         .num("on_hand_after", r.on_hand_after)
                         .num("available_after", r.available_after)
                         .num("at_ms", r.at_ms)
                         .json());
    std::cout << object{}.str("sku", sku).raw("records", array(recs)).json()
              << '\n';
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{
      {"VERSION", "KIND", "OP_ID", "SOURCE", "DELTA", "ON_HAND", "AVAILABLE",
       "AT_MS"}};
  for (auto& r : page->records)
    rows.push_back({std::to_string(r.version),
                    std::string{op_kind_name(r.kind)}, r.op_id, r.source,
                    std::to_string(r.delta), std::to_string(r.on_hand_after),
                    std::to_string(r.available_after),
                    std::to_string(r.at_ms)});
  print_table(rows);
  return exit_ok;
}

// sku set / sku adjust: Cmd is set_stock or adjust_stock.
template <class Cmd>
int sku_write(session& s, const options& o, Cmd cmd) {
  bool generated = cmd.op_id.empty();
  if (generated)
    cmd.op_id = generate_key();
  cmd.source = op_source;
  auto sku = cmd.sku;
  failure f{exit_ok, {}};
  auto r = s.ask<stock_result>(std::move(cmd), &f);
  if (!r)
    return std::cerr << "stockctl: " << sku << ": " << f.message << '\n',
           f.code;
  if (o.json) {
    std::cout << object{}
                     .str("sku", r->sku)
                     .str("key", r->op_id)
                     .flag("key_generated", generated)
                     .num("on_hand", r->on_hand)
                     .num("available", r->available)
                     .num("version", r->version)
                     .flag("replayed", r->replayed)
                     .json()
              << '\n';
    return exit_ok;
  }
  print_table({{"SKU", "ON_HAND", "AVAILABLE", "VERSION", "REPLAYED", "KEY"},
               {r->sku, std::to_string(r->on_hand),
                std::to_string(r->available), std::to_string(r->version),
                r->replayed ? "yes" : "no", r->op_id}});
  if (generated)
    std::cout << "key: " << r->op_id
              << " (retry with --key " << r->op_id << " to apply once)\n";
  return exit_ok;
}

int order_get(session& s, const options& o, const std::string& order_id) {
  failure f{exit_ok, {}};
  auto lines = s.ask<order_lines>(find_order{order_id}, &f);
  if (!lines)
    return std::cerr << "stockctl: " << order_id << ": " << f.message << '\n',
           f.code;
  if (lines->lines.empty())
    return std::cerr << "stockctl: unknown order " << order_id << '\n',
           exit_unknown_order;
  if (o.json) {
    std::vector<std::string> docs;
    for (auto& l : lines->lines)
      docs.push_back(object{}
                         .str("sku", l.sku)
                         .num("qty", l.qty)
                         .str("status", std::string{order_status_name(l.status)})
                         .flag("cancelled", l.cancelled)
                         .str("channel", l.channel)
                         .num("created_at_ms", l.created_at_ms)
                         .json());
    std::cout << object{}
                     .str("order_id", lines->order_id)
                     .raw("lines", array(docs))
                     .json()
              << '\n';
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{
      {"SKU", "QTY", "STATUS", "CANCELLED", "CHANNEL", "CREATED_AT_MS"}};
  for (auto& l : lines->lines)
    rows.push_back({l.sku, std::to_string(l.qty),
                    std::string{order_status_name(l.status)},
                    l.cancelled ? "yes" : "no", l.channel,
                    std::to_string(l.created_at_ms)});
  print_table(rows);
  return exit_ok;
}

int cluster_owner(session& s, const options& o, const std::string& sku) {
  failure f{exit_ok, {}};
  auto p = s.ask<placement_info>(get_placement{sku}, &f);
  if (!p)
    return std::cerr << "stockctl: " << f.message << '\n', f.code;
  auto owner_addr = p->owner_host + ":" + std::to_string(p->owner_port);
  if (o.json) {
    std::cout << object{}
                     .str("sku", p->sku)
                     .num("hash", p->hash)
                     .num("shard", p->shard)
                     .num("shards", p->shard_count)
                     .str("owner", p->owner_id)
                     .str("owner_address", owner_addr)
                     .num("weight", p->owner_weight)
                     .str("runner_up", p->runner_up_id)
                     .num("runner_up_weight", p->runner_up_weight)
                     .num("epoch", p->epoch)
                     .flag("clustered", p->clustered)
                     .json()
              << '\n';
    return exit_ok;
  }
  char hash[24];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(p->hash));
  print_table({{"sku", p->sku},
               {"hash (xxh3)", hash},
               {"shard", std::to_string(p->shard) + " of " +
                             std::to_string(p->shard_count)},
               {"owner", p->owner_id + " (" + owner_addr + ")"},
               {"weight", std::to_string(p->owner_weight)},
               {"runner-up", p->runner_up_id.empty()
                                 ? "-"
                                 : p->runner_up_id + " (weight " +
                                       std::to_string(p->runner_up_weight) +
                                       ")"},
               {"epoch", std::to_string(p->epoch) +
                             (p->clustered ? "" : " (single node)")}});
  return exit_ok;
}

int lag(session& s, const options& o, const std::string& channel) {
  failure f{exit_ok, {}};
  auto r = s.ask<lag_report>(get_lag{}, &f);
  if (!r)
    return std::cerr << "stockctl: " << f.message << '\n', f.code;
  std::vector<std::string> docs;
  std::vector<std::vector<std::string>> rows{
      {"CHANNEL", "1M_N", "1M_P50", "1M_P90", "1M_P99", "1M_P999", "1M_MAX",
       "ALL_N", "ALL_P99", "ALL_MAX", "ALERT"}};
  bool found = channel.empty();
  for (auto& c : r->channels) {
    if (!channel.empty() && c.channel != channel)
      continue;
    found = true;
    docs.push_back(object{}
                       .str("channel", c.channel)
                       .num("window_count", c.window_count)
                       .num("window_p50_us", c.window_p50)
                       .num("window_p90_us", c.window_p90)
                       .num("window_p99_us", c.window_p99)
                       .num("window_p999_us", c.window_p999)
                       .num("window_max_us", c.window_max)
                       .num("total_count", c.total_count)
                       .num("total_p50_us", c.total_p50)
                       .num("total_p90_us", c.total_p90)
                       .num("total_p99_us", c.total_p99)
                       .num("total_p999_us", c.total_p999)
                       .num("total_max_us", c.total_max)
                       .flag("alert", c.alert)
                       .json());
    rows.push_back({c.channel, std::to_string(c.window_count),
                    std::to_string(c.window_p50), std::to_string(c.window_p90),
                    std::to_string(c.window_p99),
                    std::to_string(c.window_p999),
                    std::to_string(c.window_max), std::to_string(c.total_count),
                    std::to_string(c.total_p99), std::to_string(c.total_max),
                    c.alert ? "ALERT" : "-"});
  }
  if (!found)
    return std::cerr << "stockctl: unknown channel " << channel << '\n',
           exit_unknown_channel;
  if (o.json)
    std::cout << array(docs) << '\n';
  else
    print_table(rows);
  return exit_ok;
}

int channel_resync(session& s, const options& o, const std::string& channel,
                   const std::vector<std::string>& skus) {
  failure f{exit_ok, {}};
  auto r = s.ask<resync_result>(resync_channel{channel, skus}, &f);
  if (!r)
    return std::cerr << "stockctl: " << f.message << '\n', f.code;
  if (o.json) {
    std::vector<std::string> unknown;
    for (auto& u : r->unknown)
      unknown.push_back(quote(u));
    std::cout << object{}
                     .str("channel", r->channel)
                     .num("queued", r->queued)
                     .raw("unknown", array(unknown))
                     .json()
              << '\n';
    return exit_ok;
  }
  std::cout << r->channel << ": " << r->queued << " SKUs queued for a push";
  if (!r->unknown.empty()) {
    std::cout << "; not listed here:";
    for (auto& u : r->unknown)
      std::cout << ' ' << u;
  }
  std::cout << '\n';
  return exit_ok;
}

} // namespace

int run(int argc, char** argv) {
  CLI::App app{"stockctl: ask a Stockwire node's actors what they believe "
               "(docs/STOCKCTL.md)."};
  app.require_subcommand(1);
  std::string node;
  if (const char* env = std::getenv(node_env); env != nullptr && *env != 0)
    node = env;
  else
    node = default_node;
  app.add_option("--node", node,
                 "HOST:PORT of a node's [admin] listen address (default: $" +
                     std::string{node_env} + ", then " + default_node + ")");
  options o;
  app.add_flag("--json", o.json, "JSON on stdout instead of tables");
  int timeout_ms = default_timeout_ms;
  app.add_option("--timeout-ms", timeout_ms, "per-request timeout")
      ->check(CLI::Range(1, 600'000));

  // The command to run once the node is connected.
  std::function<int(session&)> command;

  auto* sku = app.add_subcommand("sku", "one SKU's state")->require_subcommand(1);
  std::vector<std::string> get_skus;
  sku->add_subcommand("get", "on hand, available, version, owner, channels")
      ->callback([&] {
        command = [&](session& s) { return sku_get(s, o, get_skus); };
      })
      ->add_option("SKU", get_skus)->required();
  std::string audit_sku;
  std::uint32_t audit_limit = default_audit_limit;
  auto* audit = sku->add_subcommand("audit", "the audit trail, newest first");
  audit->add_option("SKU", audit_sku)->required();
  audit->add_option("--limit", audit_limit, "records at most")
      ->check(CLI::Range(1, 10'000));
  audit->callback([&] {
    command = [&](session& s) { return sku_audit(s, o, audit_sku, audit_limit); };
  });
  set_stock set_cmd;
  auto* set = sku->add_subcommand("set", "set on hand (idempotent by --key)");
  set->add_option("SKU", set_cmd.sku)->required();
  set->add_option("N", set_cmd.on_hand)->required();
  set->add_option("--key", set_cmd.op_id, "idempotency key (default: generated)");
  set->callback([&] {
    command = [&](session& s) { return sku_write(s, o, set_cmd); };
  });
  adjust_stock adjust_cmd;
  auto* adjust = sku->add_subcommand(
      "adjust", "change on hand by DELTA (e.g. 5 or -5)");
  adjust->add_option("SKU", adjust_cmd.sku)->required();
  adjust->add_option("DELTA", adjust_cmd.delta)->required();
  adjust->add_option("--key", adjust_cmd.op_id,
                     "idempotency key (default: generated)");
  adjust->callback([&] {
    command = [&](session& s) { return sku_write(s, o, adjust_cmd); };
  });

  auto* order = app.add_subcommand("order", "orders")->require_subcommand(1);
  std::string order_id;
  order->add_subcommand("get", "what each line of an order did")
      ->callback([&] {
        command = [&](session& s) { return order_get(s, o, order_id); };
      })
      ->add_option("ORDER_ID", order_id)->required();

  auto* cluster =
      app.add_subcommand("cluster", "the hash ring")->require_subcommand(1);
  std::string owner_sku;
  cluster->add_subcommand("owner", "which node owns a SKU, and why")
      ->callback([&] {
        command = [&](session& s) { return cluster_owner(s, o, owner_sku); };
      })
      ->add_option("SKU", owner_sku)->required();

  std::string lag_channel;
  app.add_subcommand("lag", "sync lag percentiles per channel (this node)")
      ->callback([&] {
        command = [&](session& s) { return lag(s, o, lag_channel); };
      })
      ->add_option("--channel", lag_channel, "only this channel");

  auto* channel =
      app.add_subcommand("channel", "one channel")->require_subcommand(1);
  std::string resync_ch;
  std::vector<std::string> resync_skus;
  auto* resync = channel->add_subcommand(
      "resync", "push the current quantity again (all SKUs or --sku)");
  resync->add_option("CHANNEL", resync_ch)->required();
  resync->add_option("--sku", resync_skus, "only these SKUs");
  resync->callback([&] {
    command = [&](session& s) {
      return channel_resync(s, o, resync_ch, resync_skus);
    };
  });

  app.footer(exit_codes_help);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  std::string host;
  std::uint16_t port = 0;
  std::string why;
  if (!config::parse_listen(node, &host, &port, &why) || port == 0) {
    std::cerr << "stockctl: --node " << node << ": "
              << (why.empty() ? "port must be between 1 and 65535" : why)
              << '\n';
    return exit_usage;
  }
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("logger.console", caf::atom("none"));
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  auto admin = sys.middleman().remote_actor(host, port);
  if (!admin) {
    std::cerr << "stockctl: node " << node
              << " unreachable: " << sys.render(admin.error()) << '\n';
    return exit_unreachable;
  }
  session s{sys, *admin, node, std::chrono::milliseconds{timeout_ms}};
  return command(s);
}

} // namespace stockwire::ctl

int main(int argc, char** argv) {
  return stockwire::ctl::run(argc, argv);
}
