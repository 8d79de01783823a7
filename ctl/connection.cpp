#include "ctl/connection.hpp"

#include <cstdlib>
#include <iostream>

#include <caf/io/all.hpp>

#include "actors/errors.hpp"
#include "config/node_config.hpp"
#include "tls/caf_module.hpp"

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

failure connect_failure(const caf::error& err, const std::string& node,
                        bool tls) {
  if (err == caf::sec::disconnect_during_handshake)
    return {exit_handshake,
            tls ? "node " + node +
                      " refused the TLS handshake: one side does not trust "
                      "the other's certificate (is --tls-cafile the "
                      "cluster's CA, and --tls-certificate signed by it?)"
                : "node " + node +
                      " closed the connection during the handshake: it "
                      "requires TLS (give --tls-certificate, --tls-key and "
                      "--tls-cafile, or $STOCKWIRE_TLS_CERTIFICATE, ...)"};
  if (err == caf::sec::request_timeout)
    return {exit_unreachable,
            "node " + node + " did not answer within --timeout-ms"};
  return {exit_unreachable,
          "node " + node + " unreachable" +
              (tls ? " (or it does not speak TLS)" : "") + ": " +
              caf::to_string(err)};
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
  caf::actor admin;
  caf::scoped_actor self{sys};
  self->request(tls::connector(sys), timeout, caf::connect_atom::value, host,
                port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& ptr,
              std::set<std::string>&) {
            if (ptr)
              admin = caf::actor_cast<caf::actor>(std::move(ptr));
            else
              *f = {exit_unreachable,
                    "node " + node + " publishes nothing on that port"};
          },
          [&](caf::error& err) {
            *f = connect_failure(err, node, tls::active(sys));
          });
  if (!admin)
    return nullptr;
  return std::unique_ptr<session>{
      new session(sys, std::move(admin), node, timeout)};
}

} // namespace stockwire::ctl
