// The bridge between the HTTP gateway (Asio threads) and the actors of the
// node (CAF), without blocking a thread per request.
//
// A caller hands the bridge a batch of commands and a callback. A
// long-lived bridge actor (one of a few, round-robin) issues an asynchronous
// request per command to the actor that answers it and, when every command
// has its reply or error (or the batch timed out), calls the callback once
// with the outcomes in command order. Who answers:
//   the region          SKU commands: orders, stock, audit, listings
//   the connector of    get_listing_status, get_channel_status,
//   cmd.channel         resync_channel, get_oversells; a channel with no
//                       connector fails with unknown_channel and nothing
//                       is sent
//   the metrics actor   get_lag, get_metrics_text; without one they fail
//                       with owner_unavailable
//   the router          get_cluster_status, list_held_skus (a clustered
//                       node only; see clustered())
//
// Threading contract: call() may be invoked from any thread. Callbacks run
// on a CAF worker thread: they must be short and must not block (render the
// reply, then post it to the connection's executor). A callback is called
// exactly once, also when the node shuts down (then with shutting_down).
//
// Timeouts: every batch has the same timeout, so batches expire in the
// order they were issued; each bridge actor keeps them in a FIFO and sweeps
// it on a tick, instead of arming one CAF clock entry per command. A reply
// that arrives after its batch expired is dropped. (A command whose
// answering actor died without answering thus costs its batch a timeout and
// leaves one stale response handler in the bridge actor.)
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

#include "actors/channel_directory.hpp"
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
  virtual void call(std::vector<put_listing> cmds,
                    callback<listing_result> done) = 0;
  virtual void call(std::vector<delete_listing> cmds,
                    callback<listing_result> done) = 0;
  virtual void call(std::vector<get_listings> cmds,
                    callback<listing_set> done) = 0;

  virtual void call(std::vector<get_listing_status> cmds,
                    callback<listing_status> done) = 0;
  virtual void call(std::vector<get_channel_status> cmds,
                    callback<connector_status> done) = 0;
  virtual void call(std::vector<resync_channel> cmds,
                    callback<resync_result> done) = 0;
  virtual void call(std::vector<get_oversells> cmds,
                    callback<oversell_report> done) = 0;

  virtual void call(std::vector<get_lag> cmds, callback<lag_report> done) = 0;
  virtual void call(std::vector<get_metrics_text> cmds,
                    callback<std::string> done) = 0;

  virtual void call(std::vector<get_cluster_status> cmds,
                    callback<cluster_status> done) = 0;
  virtual void call(std::vector<list_held_skus> cmds,
                    callback<held_sku_page> done) = 0;

  /// Whether the node is a cluster member (the cluster calls fail with
  /// owner_unavailable otherwise).
  virtual bool clustered() const = 0;

  /// The ids of the node's channel accounts (those with a connector),
  /// sorted. Fixed for the bridge's lifetime.
  virtual const std::vector<std::string>& channels() const = 0;

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

/// The actors behind the bridge.
struct bridge_targets {
  caf::actor region;              // SKU commands
  caf::actor journal;             // (stats_atom) health polls
  caf::actor metrics;             // get_lag, get_metrics_text; may be invalid
  channel_directory_ptr channels; // connectors by channel id; may be null
  caf::actor cluster; // the router of a clustered node; invalid otherwise
};

/// Spawns the bridge actors in `sys`. The bridge must be destroyed before
/// `sys`.
std::unique_ptr<bridge> make_bridge(caf::actor_system& sys,
                                    bridge_targets targets,
                                    bridge_options opts);

} // namespace stockwire::gateway
