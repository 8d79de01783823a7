// stockwired: one Stockwire node.
//
//   stockwired --config FILE [--data-dir DIR] [--http-listen HOST:PORT]
//              [--log-format text|json] [--log-level LEVEL]
//
// Exit codes: 0 after a clean shutdown, 1 when the node cannot run (store,
// port), 2 for a bad command line or configuration.
//
// Shutdown on SIGTERM/SIGINT: /readyz turns 503, the server stops
// accepting and closes idle connections, requests in progress get their
// replies, then the journal commits what it holds, then the process exits.
//
// SIGHUP re-reads the configuration file and applies its `[cluster]` table
// (a membership change: docs/CONFIG.md); every other change in the file
// needs a restart. A refused or malformed change is logged and changes
// nothing.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "config/command_line.hpp"
#include "config/node_config.hpp"
#include "daemon/logging.hpp"
#include "daemon/node.hpp"
#include "gateway/api.hpp"
#include "gateway/http_server.hpp"
#include "tls/credentials.hpp"

using namespace stockwire;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// How long the journal may take to commit what it holds at shutdown.
constexpr std::chrono::seconds drain_timeout{30};

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

// Reads and validates the configuration file; the problem otherwise.
std::string read_config(const config::command_line& args,
                        config::node_config* cfg) {
  std::string text;
  if (!read_file(args.config_path, &text))
    return "cannot read config file " + args.config_path;
  auto parsed = config::parse_node_config(text, args.config_path);
  if (!parsed.ok())
    return "bad configuration: " + parsed.error;
  if (auto why = config::apply_overrides(args, parsed.config); !why.empty())
    return why;
  if (auto why = tls::check_credentials(
          parsed.config.tls, {"tls.certificate", "tls.key", "tls.cafile"});
      !why.empty())
    return "bad configuration: " + args.config_path + ": " + why;
  *cfg = std::move(parsed.config);
  return {};
}

// Loads the configuration; prints the problem and returns false when there
// is one.
bool load_config(int argc, char** argv, config::node_config* cfg, bool* help,
                 config::command_line* args) {
  auto cl = config::parse_command_line(argc, argv);
  *help = cl.args.help;
  if (cl.args.help) {
    std::fputs(config::usage_text(), stdout);
    return false;
  }
  if (!cl.ok()) {
    std::fprintf(stderr, "stockwired: %s\n%s", cl.error.c_str(),
                 config::usage_text());
    return false;
  }
  *args = cl.args;
  if (auto why = read_config(cl.args, cfg); !why.empty()) {
    std::fprintf(stderr, "stockwired: %s\n", why.c_str());
    return false;
  }
  return true;
}

// SIGHUP: the `[cluster]` table of the file, applied without a restart.
void reload_cluster(const config::command_line& args, node& core) {
  config::node_config cfg;
  if (auto why = read_config(args, &cfg); !why.empty()) {
    spdlog::error("SIGHUP: {}; nothing changed", why);
    return;
  }
  if (!cfg.cluster) {
    spdlog::error("SIGHUP: {} has no [cluster] table; nothing changed",
                  args.config_path);
    return;
  }
  std::string why;
  if (!core.change_cluster(*cfg.cluster, &why)) {
    spdlog::error("SIGHUP: cluster epoch {} refused: {}", cfg.cluster->epoch,
                  why);
    return;
  }
  spdlog::info("SIGHUP: cluster epoch {} applied ({} members)",
               cfg.cluster->epoch, cfg.cluster->members.size());
}

// Blocks the shutdown and reload signals in this thread and, by
// inheritance, in every thread started after it; a dedicated thread takes
// them with sigwait().
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // Writes to a closed socket must fail with EPIPE, not kill the node.
  signal(SIGPIPE, SIG_IGN);
  return set;
}

} // namespace

int main(int argc, char** argv) {
  config::node_config cfg;
  config::command_line args;
  bool help = false;
  if (!load_config(argc, argv, &cfg, &help, &args))
    return help ? exit_ok : exit_usage;
  setup_logging(cfg.log, cfg.node_id);
  auto signals = block_shutdown_signals();

  std::string error;
  auto core = node::start(cfg, &error);
  if (core == nullptr) {
    spdlog::critical("{}", error);
    return exit_failure;
  }
  gateway::api api{cfg.http, core->bridge()};
  gateway::http_server server{cfg.http, api};
  if (!server.listen(&error)) {
    spdlog::critical("{}", error);
    return exit_failure;
  }
  spdlog::info("listening on http://{}:{} (auth {})", cfg.http.host,
               server.port(),
               cfg.http.api_tokens.empty() ? "off" : "bearer tokens");

  // Detached: it may still wait in sigwait() when main returns.
  std::thread{[&api, &server, signals, args, core = core.get()] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP)
      reload_cluster(args, *core);
    spdlog::info("{} received: stopping (finishing requests in progress)",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    api.set_shutting_down();
    server.stop();
    // Later signals stay blocked and pending: the shutdown runs to its end.
  }}.detach();

  server.run();
  spdlog::info("http server stopped; committing what the journal holds");
  if (!core->drain(drain_timeout, &error)) {
    spdlog::critical("journal drain failed: {}", error);
    return exit_failure;
  }
  core.reset();
  spdlog::info("stopped cleanly");
  spdlog::shutdown();
  return exit_ok;
}
