// stockctl: the operator's view into live actor state (issue 7,
// docs/STOCKCTL.md). Connects to a node's admin actor with CAF's middleman
// and asks the actors themselves; prints a table, or JSON with --json.
//
// Contract: one command per run. On success the result goes to stdout and
// the exit code is 0; on failure one line goes to stderr and the exit code
// names the kind of failure (ctl/exit_codes.hpp, repeated in --help).
// This file only parses the command line (CLI11 is costly to compile: it
// stays in one translation unit); the commands live in ctl/*_commands.cpp.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/messages.hpp"
#include "ctl/commands.hpp"
#include "tls/caf_module.hpp"

namespace stockwire::ctl {

namespace {

// The command to run once connected.
using command_fn = std::function<int(session&)>;

// Bounds of the numeric flags: beyond them a value is a typo.
constexpr int timeout_ms_max = 600'000;
// The passphrase of an encrypted --tls-key: from the environment only (a
// flag would show in `ps`).
constexpr const char* tls_passphrase_env = "STOCKWIRE_TLS_PASSPHRASE";
constexpr std::uint32_t audit_limit_max = 100'000;
constexpr int sample_ms_max = 60'000;
constexpr int wait_ms_max = 3'600'000;
constexpr int interval_ms_min = 100;
constexpr int iterations_max = 1'000'000;

struct sku_args {
  std::vector<std::string> get;
  audit_args audit;
  set_stock set;
  adjust_stock adjust;
};

void add_sku(CLI::App& app, const options& o, sku_args& a,
             command_fn& command) {
  auto* sku =
      app.add_subcommand("sku", "one SKU's state")->require_subcommand(1);
  sku->add_subcommand("get", "stock, owner, actor, and what each channel "
                             "was told")
      ->callback(
          [&] { command = [&](session& s) { return sku_get(s, o, a.get); }; })
      ->add_option("SKU", a.get)
      ->required();
  auto* audit = sku->add_subcommand("audit", "the audit trail, newest first");
  audit->add_option("SKU", a.audit.sku)->required();
  audit->add_option("--limit", a.audit.limit, "records at most (default 20)")
      ->check(CLI::Range(std::uint32_t{1}, audit_limit_max));
  audit->add_option("--since", a.audit.since,
                    "only records from TIME on: ISO-8601 UTC "
                    "(2026-05-01T12:00:00Z) or an age (10m, 1h30m, 2d)");
  audit->callback(
      [&] { command = [&](session& s) { return sku_audit(s, o, a.audit); }; });
  auto* set = sku->add_subcommand("set", "set on hand (idempotent by --key)");
  set->add_option("SKU", a.set.sku)->required();
  set->add_option("N", a.set.on_hand)->required();
  set->add_option("--key", a.set.op_id, "idempotency key (default: generated)");
  set->callback(
      [&] { command = [&](session& s) { return sku_set(s, o, a.set); }; });
  auto* adjust =
      sku->add_subcommand("adjust", "change on hand by DELTA (e.g. 5 or -5)");
  adjust->add_option("SKU", a.adjust.sku)->required();
  adjust->add_option("DELTA", a.adjust.delta)->required();
  adjust->add_option("--key", a.adjust.op_id,
                     "idempotency key (default: generated)");
  adjust->callback([&] {
    command = [&](session& s) { return sku_adjust(s, o, a.adjust); };
  });
}

void add_order_and_cluster(CLI::App& app, const options& o,
                           std::string& order_id, std::string& owner_sku,
                           command_fn& command) {
  auto* order = app.add_subcommand("order", "orders")->require_subcommand(1);
  order->add_subcommand("get", "what each line of an order did")
      ->callback([&] {
        command = [&](session& s) { return order_get(s, o, order_id); };
      })
      ->add_option("ORDER_ID", order_id)
      ->required();
  auto* cluster = app.add_subcommand("cluster", "the nodes and the ring")
                      ->require_subcommand(1);
  cluster->add_subcommand("status", "nodes, reachability, shards, SKUs owned")
      ->callback(
          [&] { command = [&](session& s) { return cluster_status(s, o); }; });
  cluster->add_subcommand("owner", "which node owns a SKU, and why")
      ->callback([&] {
        command = [&](session& s) { return cluster_owner(s, o, owner_sku); };
      })
      ->add_option("SKU", owner_sku)
      ->required();
}

struct channel_args {
  std::string lag_channel;
  int sample_ms = channels_sample_ms_default;
  resync_args resync;
  top_args top;
};

void add_channels(CLI::App& app, const options& o, channel_args& a,
                  command_fn& command) {
  app.add_subcommand("lag", "sync lag percentiles per channel, all nodes")
      ->callback([&] {
        command = [&](session& s) { return lag(s, o, a.lag_channel); };
      })
      ->add_option("--channel", a.lag_channel, "only this channel");
  app.add_subcommand("channels", "health, backlog, pushes/s, rate-limit "
                                 "headroom per channel, all nodes")
      ->callback([&] {
        command = [&](session& s) { return channels(s, o, a.sample_ms); };
      })
      ->add_option("--sample-ms", a.sample_ms,
                   "interval of the two samples pushes/s comes from "
                   "(default 1000; 0: no rate)")
      ->check(CLI::Range(0, sample_ms_max));
  auto* channel =
      app.add_subcommand("channel", "one channel")->require_subcommand(1);
  auto* resync = channel->add_subcommand(
      "resync", "push the current quantity again (every SKU, or --sku)");
  resync->add_option("CHANNEL", a.resync.channel)->required();
  resync->add_option("--sku", a.resync.skus, "only these SKUs");
  resync
      ->add_option("--wait-ms", a.resync.wait_ms,
                   "watch the pushes this long (default 30000; 0: queue "
                   "and return)")
      ->check(CLI::Range(0, wait_ms_max));
  resync->callback([&] {
    command = [&](session& s) { return channel_resync(s, o, a.resync); };
  });
  auto* top = app.add_subcommand("top", "live view: orders/s, lag, backlog");
  top->add_option("--interval-ms", a.top.interval_ms,
                  "refresh interval (default 1000)")
      ->check(CLI::Range(interval_ms_min, timeout_ms_max));
  top->add_option("--iterations", a.top.iterations,
                  "refreshes, then exit (default 0: until interrupted)")
      ->check(CLI::Range(0, iterations_max));
  top->callback(
      [&] { command = [&](session& s) { return ctl::top(s, o, a.top); }; });
}

} // namespace

int run(int argc, char** argv) {
  CLI::App app{"stockctl: ask a Stockwire node's actors what they believe "
               "(docs/STOCKCTL.md)."};
  app.require_subcommand(1);
  // The global flags (--json, --node, ...) also after the command.
  app.fallthrough();
  std::string node_flag;
  app.add_option("--node", node_flag,
                 "HOST:PORT of a node's [admin] listen address (default: $" +
                     std::string{node_env} + ", then " + default_node + ")");
  options o;
  app.add_flag("--json", o.json, "JSON on stdout instead of tables");
  int timeout_ms = default_timeout_ms;
  app.add_option("--timeout-ms", timeout_ms,
                 "per-request timeout (default 10000)")
      ->check(CLI::Range(1, timeout_ms_max));
  tls::credentials tls_files;
  app.add_option("--tls-certificate", tls_files.certificate,
                 "PEM certificate stockctl presents, signed by the cluster's "
                 "CA (nodes with [tls] require one)")
      ->envname("STOCKWIRE_TLS_CERTIFICATE");
  app.add_option("--tls-key", tls_files.key,
                 "its PEM private key (an encrypted key reads its passphrase "
                 "from $STOCKWIRE_TLS_PASSPHRASE)")
      ->envname("STOCKWIRE_TLS_KEY");
  app.add_option("--tls-cafile", tls_files.cafile,
                 "PEM CA that signed the node's certificate")
      ->envname("STOCKWIRE_TLS_CAFILE");
  command_fn command;
  sku_args sku;
  add_sku(app, o, sku, command);
  std::string order_id;
  std::string owner_sku;
  add_order_and_cluster(app, o, order_id, owner_sku, command);
  channel_args chan;
  add_channels(app, o, chan, command);
  app.footer(exit_codes_help);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  if (const char* pass = std::getenv(tls_passphrase_env); pass != nullptr)
    tls_files.passphrase = pass;
  if (auto why = tls::check_credentials(
          tls_files, {"--tls-certificate", "--tls-key", "--tls-cafile"});
      !why.empty())
    return report({exit_usage, why});
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.load<caf::io::middleman>();
  tls::load_module(cfg, tls_files);
  cfg.set("logger.console", caf::atom("none"));
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  failure f;
  auto s = session::open(sys, choose_node(node_flag),
                         std::chrono::milliseconds{timeout_ms}, &f);
  if (!s)
    return report(f);
  return command(*s);
}

} // namespace stockwire::ctl

int main(int argc, char** argv) {
  return stockwire::ctl::run(argc, argv);
}
