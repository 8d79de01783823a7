// The bridge between the HTTP gateway (Asio threads) and the SKU core
// (CAF actors), without blocking a thread per request.
//
// A caller hands the bridge a batch of commands and a callback. A
// long-lived bridge actor (one of a few, round-robin) issues an asynchronous
// request per command to the region and, when every command has its reply
// or error (or the batch timed out), calls the callback once with the
// outcomes in command order.
//
// Threading contract: call() may be invoked from any thread. Callbacks run
// on a CAF worker thread: they must be short and must not block (render the
// reply, then post it to the connection's executor). A callback is called
// exactly once, also when the node shuts down (then with shutting_down).
//
// Timeouts: every batch has the same timeout, so batches expire in the
// order they were issued; each bridge actor keeps them in a FIFO and sweeps
// it on a tick, instead of arming one CAF clock entry per command. A reply
// that arrives after its batch expired is dropped. (A command whose SKU
// actor died without answering thus costs its batch a timeout and leaves
// one stale response handler in the bridge actor.)
//
// This header is the gateway's only view of the actor system; bridge.cpp is
// the gateway's only file that includes CAF proper.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

// messages.hpp needs the definition of caf::strong_actor_ptr (journal_entry).
#include <caf/actor_control_block.hpp>

#include "actors/messages.hpp"
#include "core/errc.hpp"

namespace stockwire::gateway {

/// The outcome of one command: its reply, or the error the core gave.
template <class Reply>
struct outcome {
  Reply reply;
  errc code = errc::none;
  std::string detail; // names what failed, for the API's error message

  bool ok() const { return code == errc::none; }
};

template <class Reply>
using outcomes = std::vector<outcome<Reply>>;

template <class Reply>
using callback = std::function<void(outcomes<Reply>)>;

/// Whether the node can take writes, and why not.
struct readiness {
  bool ready = true;
  std::string reason;
};

class bridge {
public:
  virtual ~bridge() = default;

  virtual void call(std::vector<place_order> cmds,
                    callback<order_result> done) = 0;
  virtual void call(std::vector<cancel_order> cmds,
                    callback<cancel_result> done) = 0;
  virtual void call(std::vector<set_stock> cmds,
                    callback<stock_result> done) = 0;
  virtual void call(std::vector<adjust_stock> cmds,
                    callback<stock_result> done) = 0;
  virtual void call(std::vector<get_stock> cmds, callback<stock_view> done) = 0;
  virtual void call(std::vector<get_audit> cmds, callback<audit_page> done) = 0;
  virtual void call(std::vector<find_order> cmds,
                    callback<order_lines> done) = 0;

  /// The store's health as last observed (polled from the journal's
  /// counters about once a second): not ready after a failed commit, ready
  /// again after a successful one.
  virtual readiness ready() const = 0;
};

struct bridge_options {
  std::chrono::milliseconds request_timeout{5000};
  // How often the journal's counters are polled for ready().
  std::chrono::milliseconds health_interval{1000};
};

/// Spawns the bridge actor in `sys`. `region` answers the commands,
/// `journal` the (stats_atom) health polls. The bridge must be destroyed
/// before `sys`.
std::unique_ptr<bridge> make_bridge(caf::actor_system& sys, caf::actor region,
                                    caf::actor journal, bridge_options opts);

} // namespace stockwire::gateway
