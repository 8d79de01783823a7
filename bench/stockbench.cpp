// stockbench: throughput and acknowledgement latency of the SKU core.
//
//   stockbench --scenario hot|catalog|sellout|retry|passivation|all
//              [--senders N] [--window W] [--duration SECONDS] [--json]
//              [--skus N] [--active-max N] [--no-fsync] [--data-dir DIR]
//
// Every scenario runs with full durability (fsync per group commit) unless
// --no-fsync is given. See README.md ("Benchmarks") for measured figures.
//
// With --target http://HOST:PORT it drives a running stockwired over HTTP
// instead (bench/http_driver.hpp): --connections N keep-alive connections
// (instead of --senders), --batch K orders per request through
// POST /v1/orders:batch, --token T for a node with api_tokens. The node's
// own settings (durability, SKU caps) apply; passivation is in-process only.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/core_driver.hpp"
#include "bench/http_driver.hpp"
#include "bench/report.hpp"

using namespace stockwire::bench;

namespace {

void usage() {
  std::fprintf(
      stderr,
      "usage: stockbench --scenario hot|catalog|sellout|retry|passivation|all\n"
      "                  [--senders N] [--window W] [--duration SECONDS]\n"
      "                  [--json] [--skus N] [--active-max N] [--no-fsync]\n"
      "                  [--data-dir DIR] [--threads N] [--random-ids]\n"
      "                  [--no-wal] (without the write-ahead log, as a node\n"
      "                  with [store] write_ahead_log = false)\n"
      "       stockbench --target http://HOST:PORT\n"
      "                  --scenario hot|catalog|sellout|retry|all\n"
      "                  [--connections N] [--batch K] [--duration SECONDS]\n"
      "                  [--skus N] [--token T] [--random-ids] [--json]\n");
}

bool parse_number(const char* text, double* out) {
  char* end = nullptr;
  *out = std::strtod(text, &end);
  return end != text && *end == '\0' && *out >= 0;
}

} // namespace

int main(int argc, char** argv) {
  core_options opts;
  http_options http;
  bool json = false;
  std::string scenario = "hot";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](double* out) {
      if (i + 1 >= argc || !parse_number(argv[i + 1], out)) {
        std::fprintf(stderr, "stockbench: %s needs a non-negative number\n",
                     arg.c_str());
        std::exit(2);
      }
      ++i;
    };
    double v = 0;
    if (arg == "--scenario" && i + 1 < argc) {
      scenario = argv[++i];
    } else if (arg == "--senders") {
      value(&v);
      opts.senders = static_cast<int>(v);
    } else if (arg == "--window") {
      value(&v);
      opts.window = static_cast<int>(v);
    } else if (arg == "--duration") {
      value(&v);
      opts.duration_s = v;
    } else if (arg == "--skus") {
      value(&v);
      opts.skus = static_cast<std::size_t>(v);
    } else if (arg == "--active-max") {
      value(&v);
      opts.active_max = static_cast<std::size_t>(v);
    } else if (arg == "--threads") {
      value(&v);
      opts.threads = static_cast<int>(v);
    } else if (arg == "--data-dir" && i + 1 < argc) {
      opts.data_dir = argv[++i];
    } else if (arg == "--target" && i + 1 < argc) {
      http.target = argv[++i];
    } else if (arg == "--connections") {
      value(&v);
      http.connections = static_cast<int>(v);
    } else if (arg == "--batch") {
      value(&v);
      http.batch = static_cast<int>(v);
    } else if (arg == "--token" && i + 1 < argc) {
      http.token = argv[++i];
    } else if (arg == "--random-ids") {
      opts.random_ids = true;
    } else if (arg == "--wal") { // the default, as for a node
      opts.log = true;
    } else if (arg == "--no-wal") {
      opts.log = false;
    } else if (arg == "--no-fsync") {
      opts.durable = false;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "stockbench: unknown or incomplete option %s\n",
                   arg.c_str());
      usage();
      return 2;
    }
  }
  if (opts.senders < 1) {
    std::fprintf(stderr, "stockbench: --senders must be at least 1\n");
    return 2;
  }
  bool over_http = !http.target.empty();
  if (over_http && (http.connections < 1 || http.batch < 1)) {
    std::fprintf(stderr,
                 "stockbench: --connections and --batch must be at least 1\n");
    return 2;
  }
  if (over_http && scenario == "passivation") {
    std::fprintf(stderr, "stockbench: passivation runs in-process only\n");
    return 2;
  }
  std::vector<std::string> scenarios;
  if (scenario == "all")
    scenarios = {"hot", "catalog", "sellout", "retry"};
  else if (scenario == "hot" || scenario == "catalog" ||
           scenario == "sellout" || scenario == "retry" ||
           scenario == "passivation")
    scenarios = {scenario};
  else {
    std::fprintf(stderr, "stockbench: unknown scenario '%s'\n",
                 scenario.c_str());
    usage();
    return 2;
  }
  int failures = 0;
  for (auto& name : scenarios) {
    opts.scenario = name;
    scenario_result r;
    if (over_http) {
      http.scenario = name;
      http.duration_s = opts.duration_s;
      http.skus = opts.skus;
      http.random_ids = opts.random_ids;
      r = run_http(http);
    } else {
      r = run_core(opts);
    }
    print(r, json);
    for (auto& [key, text] : r.extra)
      if (key == "error")
        ++failures;
    if (name == "sellout" && r.accepted != 1000) {
      std::fprintf(stderr, "stockbench: sellout accepted %llu, not 1000\n",
                   static_cast<unsigned long long>(r.accepted));
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
