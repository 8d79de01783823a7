// stockctl's connection to one node's admin actor (actors/admin.hpp) over
// CAF's middleman, and how failures become one line on stderr and an exit
// code (exit_codes.hpp).
//
// The node is `--node HOST:PORT`, else $STOCKWIRE_NODE, else
// default_node (the admin port of cluster-config/single-node.toml).
// Every request has the session's timeout: CAF never fails a request to a
// node that died (CAF-NOTES.md), so none may wait forever.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "ctl/exit_codes.hpp"

namespace stockwire::ctl {

constexpr const char* default_node = "127.0.0.1:4100";
constexpr const char* node_env = "STOCKWIRE_NODE";

// How long one request may take before the node counts as not answering.
// Above what a node may take itself: a cluster report waits up to
// inspector_reply_timeout (5 s) for a silent member.
constexpr int default_timeout_ms = 10'000;

/// A failure: its exit code and the one line printed on stderr.
struct failure {
  int code = exit_ok;
  std::string message;
};

/// The exit code and message for a failed connection to `node`; `tls`:
/// stockctl presented a certificate.
failure connect_failure(const caf::error& err, const std::string& node,
                        bool tls);

/// Prints "stockctl: <message>" on stderr; returns the failure's code.
int report(const failure& f);

/// The node to connect to: `flag` when given, else $STOCKWIRE_NODE, else
/// default_node.
std::string choose_node(const std::string& flag);

/// The exit code and message for an error a node answered with (or CAF's
/// own: timeouts, a lost connection).
failure to_failure(const caf::error& err, const std::string& node);

class session {
public:
  /// Connects to `node` (HOST:PORT) within `timeout`, through TLS when
  /// `sys` has CAF's OpenSSL module (tls/caf_module.hpp); nullptr with the
  /// failure otherwise (exit_usage for a malformed address,
  /// exit_unreachable, exit_handshake).
  static std::unique_ptr<session> open(caf::actor_system& sys,
                                       const std::string& node,
                                       std::chrono::milliseconds timeout,
                                       failure* f);

  /// Sends `cmd` and returns its reply of type R, or nothing with `*f` set.
  template <class R, class Cmd>
  std::optional<R> ask(Cmd cmd, failure* f) {
    std::optional<R> out;
    self_->request(admin_, timeout_, std::move(cmd))
        .receive([&](R& r) { out = std::move(r); },
                 [&](caf::error& err) { *f = to_failure(err, node_); });
    return out;
  }

  const std::string& node() const { return node_; }

private:
  session(caf::actor_system& sys, caf::actor admin, std::string node,
          std::chrono::milliseconds timeout);

  caf::scoped_actor self_;
  caf::actor admin_;
  std::string node_;
  std::chrono::milliseconds timeout_;
};

} // namespace stockwire::ctl
