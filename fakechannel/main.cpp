// fakechannel: the five sales-channel APIs on loopback, for tests and
// demos of the connectors. Usage:
//   fakechannel --config cluster-config/fakechannel.toml
// Prints one line per channel to stdout once listening:
//   listening <channel> <host> <port>
// Exit codes: 0 after SIGINT/SIGTERM, 1 when a port cannot be bound,
// 2 for bad usage or configuration (the message names file, line, key).
#include <cstdio>
#include <cstring>
#include <string>

#include "fakechannel/clock.hpp"
#include "fakechannel/config.hpp"
#include "fakechannel/server.hpp"
#include "fakechannel/service.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

const char* const usage = "usage: fakechannel --config <file.toml>\n";

} // namespace

int main(int argc, char** argv) {
  using namespace stockwire::fakechannel;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0 ||
               std::strcmp(argv[i], "-h") == 0) {
      std::fputs(usage, stdout);
      return exit_ok;
    } else {
      std::fprintf(stderr, "fakechannel: unexpected argument '%s'\n%s", argv[i],
                   usage);
      return exit_usage;
    }
  }
  if (path.empty()) {
    std::fputs(usage, stderr);
    return exit_usage;
  }
  fake_config cfg;
  std::string error;
  if (!load_config(path, &cfg, &error)) {
    std::fprintf(stderr, "fakechannel: %s\n", error.c_str());
    return exit_usage;
  }
  service svc{cfg, read_clock()};
  server srv{svc};
  if (!srv.listen(&error)) {
    std::fprintf(stderr, "fakechannel: %s\n", error.c_str());
    return exit_failure;
  }
  for (std::size_t i = 0; i < svc.channel_count(); ++i)
    std::printf("listening %s %s %u\n", svc.name(i), svc.common(i).host.c_str(),
                static_cast<unsigned>(srv.port(i)));
  std::fflush(stdout);
  srv.run();
  return exit_ok;
}
