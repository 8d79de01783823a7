#include "ctl/connection.hpp"

#include <cstdlib>
#include <iostream>

#include <caf/io/all.hpp>

#include "actors/errors.hpp"
#include "config/node_config.hpp"

namespace stockwire::ctl {

int report(const failure& f) {
  std::cerr << "stockctl: " << f.message << '\n';
  return f.code;
}

std::string choose_node(const std::string& flag) {
  if (!flag.empty())
    return flag;
  if (const char* env = std::getenv(node_env); env != nullptr && *env != 0)
    return env;
  return default_node;
}

failure to_failure(const caf::error& err, const std::string& node) {
  if (err.category() != error_category()) {
    if (err == caf::sec::request_timeout)
      return {exit_unreachable,
              "node " + node + " did not answer within --timeout-ms"};
    if (err == caf::sec::unexpected_message)
      return {exit_unreachable,
              "node " + node +
                  " does not answer stockctl: is it a node's [admin] "
                  "listen address (not its cluster port)?"};
    return {exit_unreachable, "node " + node + ": " + caf::to_string(err)};
  }
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

session::session(caf::actor_system& sys, caf::actor admin, std::string node,
                 std::chrono::milliseconds timeout)
    : self_(sys), admin_(std::move(admin)), node_(std::move(node)),
      timeout_(timeout) {
  // nothing
}

std::unique_ptr<session> session::open(caf::actor_system& sys,
                                       const std::string& node,
                                       std::chrono::milliseconds timeout,
                                       failure* f) {
  std::string host;
  std::uint16_t port = 0;
  std::string why;
  if (!config::parse_listen(node, &host, &port, &why) || port == 0) {
    *f = {exit_usage,
          "--node " + node + ": " +
              (why.empty() ? "port must be between 1 and 65535" : why)};
    return nullptr;
  }
  auto admin = sys.middleman().remote_actor(host, port);
  if (!admin) {
    *f = {exit_unreachable,
          "node " + node + " unreachable: " + sys.render(admin.error())};
    return nullptr;
  }
  return std::unique_ptr<session>{
      new session(sys, std::move(*admin), node, timeout)};
}

} // namespace stockwire::ctl
