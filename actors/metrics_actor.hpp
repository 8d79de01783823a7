// The metrics actor: where a node's measurements meet. Connectors report
// to it (channel_metrics: sync lag per change, round trips, push results,
// backlog); it keeps the histograms (log-linear, bounded relative error,
// metrics/histogram.hpp) and renders Prometheus text.
//
// Accepts:
//   channel_metrics      from connectors
//   (batch_atom, ops, commit_us, ok)  from the journal, per group commit
//   (store_commit_atom, ops, commit_us, ok)
//                        from the journal's applier, per commit to the
//                        store (write-ahead log on)
//   get_metrics_text     -> std::string, Prometheus text exposition
//   get_lag              -> lag_report (p50/p90/p99/p999/max per channel,
//                           last minute and since start)
//   get_lag_histograms   -> lag_histograms (the same histograms, raw, for
//                           merging with other nodes')
// Alert: every second, a channel whose last-minute p99 sync lag is above
// `lag_alert` gets stockwire_sync_lag_alert{channel} = 1 and one warning in
// the log when it crosses (and an info line when it recovers).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

namespace stockwire {

struct metrics_config {
  std::vector<std::string> channels; // account ids, for series at zero
  std::chrono::milliseconds lag_alert{5000};
  std::string node_id;
};

caf::actor spawn_metrics(caf::actor_system& sys, metrics_config cfg);

} // namespace stockwire
