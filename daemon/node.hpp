// One node's SKU core: the actor system, the LMDB store under the data
// directory, the journal writer, the region and the gateway's bridge.
// Plain interface: the daemon's main() never includes CAF.
//
// Lifecycle: start() -> serve through bridge() -> drain() -> destroy.
// The destructor stops every actor and closes the store; what drain()
// confirmed is durable, whatever came after it may not be.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "gateway/bridge.hpp"

namespace stockwire {

class node {
public:
  /// Opens (creating if needed) the store under cfg.data_dir and starts the
  /// actors; nullptr with a message naming what failed otherwise.
  static std::unique_ptr<node> start(const config::node_config& cfg,
                                     std::string* error);

  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  gateway::bridge& bridge();

  /// Routes by the configuration `next` from now on (SIGHUP): SKUs whose
  /// owner changed move (actors/handoff.hpp). False with the reason when it
  /// is refused: not clustered, an epoch that is not higher, this node
  /// still moving SKUs of the previous change, ...
  bool change_cluster(const config::cluster_settings& next,
                      std::string* error);

  /// Asks the journal to commit everything it received and waits for it.
  /// False (with the reason) on timeout or failure.
  bool drain(std::chrono::milliseconds timeout, std::string* error);

  struct impl; // public so start-up helpers in node.cpp can take it

private:
  explicit node(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace stockwire
