#include "actors/metrics_actor.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/histogram_wire.hpp"
#include "actors/messages.hpp"
#include "actors/node_counters.hpp"
#include "metrics/prometheus.hpp"
#include "metrics/registry.hpp"

namespace stockwire {

node_counters& counters() {
  static node_counters instance;
  return instance;
}

namespace {

struct channel_order_table {
  std::mutex mtx;
  std::map<std::string, std::unique_ptr<channel_order_counters>> by_channel;
};

channel_order_table& channel_orders() {
  static channel_order_table instance;
  return instance;
}

} // namespace

channel_order_counters& channel_order_counts(const std::string& channel) {
  // Called per webhook order line by SKU actors on every worker: each
  // thread remembers the counters it has seen (they are never freed), so
  // only a thread's first use of a channel takes the table's lock.
  thread_local std::unordered_map<std::string, channel_order_counters*> seen;
  if (auto i = seen.find(channel); i != seen.end())
    return *i->second;
  auto& t = channel_orders();
  std::lock_guard<std::mutex> guard{t.mtx};
  auto& slot = t.by_channel[channel];
  if (!slot)
    slot = std::make_unique<channel_order_counters>();
  seen.emplace(channel, slot.get());
  return *slot;
}

std::vector<std::pair<std::string, const channel_order_counters*>>
all_channel_order_counts() {
  auto& t = channel_orders();
  std::lock_guard<std::mutex> guard{t.mtx};
  std::vector<std::pair<std::string, const channel_order_counters*>> out;
  for (auto& [channel, c] : t.by_channel)
    out.emplace_back(channel, c.get());
  return out;
}

namespace {

using metrics::metric_type;

// Operations per group commit: the `le` bounds of its histogram.
const std::vector<double> batch_bounds = {1,   2,   5,    10,   20,   50,  100,
                                          200, 500, 1000, 2000, 5000, 8192};
// Commit durations (fsync included): 0.1 ms to 1 s.
const std::vector<double> commit_bounds = {0.0001, 0.00025, 0.0005, 0.001,
                                           0.0025, 0.005,   0.01,   0.025,
                                           0.05,   0.1,     0.25,   1};
constexpr std::chrono::milliseconds alert_check_interval{1000};

// The series of one kind of commit on the write path.
struct commit_series {
  const char* failures;   // counter
  const char* operations; // histogram, batch_bounds
  const char* seconds;    // histogram, commit_bounds
};
constexpr commit_series journal_commits{
    "stockwire_journal_failed_commits_total",
    "stockwire_journal_batch_operations", "stockwire_journal_commit_seconds"};
constexpr commit_series store_applies{"stockwire_store_apply_failures_total",
                                      "stockwire_store_apply_operations",
                                      "stockwire_store_apply_seconds"};

void record_commit(metrics::registry& r, const commit_series& s,
                   std::uint64_t ops, std::uint64_t commit_us, bool ok) {
  if (!ok) {
    r.counter_add(s.failures, {});
    return;
  }
  r.histogram_at(s.operations, {}).record(ops);
  r.histogram_at(s.seconds, {}).record(commit_us);
}

std::int64_t mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
      .count();
}

struct metrics_state {
  metrics_config cfg;
  metrics::registry reg;
  std::unordered_map<std::string, metrics::windowed_histogram> lag_window;
  std::unordered_map<std::string, bool> alerting;
  static inline const char* name = "stockwire.metrics";
};

using metrics_actor = caf::stateful_actor<metrics_state>;

void describe_all(metrics::registry& r) {
  r.describe("stockwire_sync_lag_seconds", metric_type::histogram,
             "Time from the node receiving a stock change to the channel "
             "acknowledging a push carrying it (or a newer version).");
  r.describe("stockwire_push_round_trip_seconds", metric_type::histogram,
             "Round trip of one request to a channel API.");
  r.describe("stockwire_pushes_total", metric_type::counter,
             "SKU pushes finished, by result: acked, retry (transient "
             "error, pushed again later), parked (permanent error).");
  r.describe("stockwire_push_requests_total", metric_type::counter,
             "Requests to a channel API that got an answer.");
  r.describe("stockwire_push_throttled_total", metric_type::counter,
             "Requests a channel refused for its rate limit (429, "
             "THROTTLED).");
  r.describe("stockwire_push_transport_errors_total", metric_type::counter,
             "Requests to a channel API that got no answer (refused, "
             "timeout, reset).");
  r.describe("stockwire_push_backlog", metric_type::gauge,
             "SKUs whose newest quantity a channel has not acknowledged.");
  r.describe("stockwire_parked_listings", metric_type::gauge,
             "Listings parked after a permanent channel error.");
  r.describe("stockwire_push_inflight", metric_type::gauge,
             "Push jobs in flight per channel.");
  r.describe("stockwire_circuit_open", metric_type::gauge,
             "1 while the channel's circuit breaker is open or probing.");
  r.describe("stockwire_sync_lag_p99_last_minute_seconds", metric_type::gauge,
             "p99 sync lag over the last minute.");
  r.describe("stockwire_sync_lag_alert", metric_type::gauge,
             "1 while the last minute's p99 sync lag exceeds the "
             "configured threshold.");
  r.describe("stockwire_orders_total", metric_type::counter,
             "Order lines by result: accepted, rejected (insufficient "
             "stock), replayed (a retry answered from the dedup record).");
  r.describe("stockwire_cancels_total", metric_type::counter,
             "Order lines cancelled (stock given back).");
  r.describe("stockwire_stock_changes_total", metric_type::counter,
             "Absolute sets and adjustments of stock applied.");
  r.describe("stockwire_webhook_unknown_skus_total", metric_type::counter,
             "Webhook lines acknowledged but not applied: the SKU is "
             "unknown here (listed at GET /v1/webhooks/unknown-skus).");
  r.describe("stockwire_webhook_conflicts_total", metric_type::counter,
             "Webhook lines acknowledged but not applied: the order id and "
             "SKU were already used with another quantity.");
  r.describe("stockwire_channel_order_lines_total", metric_type::counter,
             "Order lines that came in through a channel's webhooks, by the "
             "first decision on each (replays are not counted): accepted, "
             "or rejected for lack of stock (an oversell).");
  r.describe("stockwire_oversells_total", metric_type::counter,
             "Order lines a channel sold that were rejected for lack of "
             "stock; each one's order is cancelled on that channel.");
  r.describe("stockwire_oversold_units_total", metric_type::counter,
             "Units of the oversold order lines.");
  r.describe("stockwire_channel_cancellations_total", metric_type::counter,
             "Cancellations of oversold orders sent to a channel, by "
             "result: sent (attempts), acknowledged, retry (transient "
             "error, sent again later), parked (refused for good).");
  r.describe("stockwire_channel_cancellations_pending", metric_type::gauge,
             "Oversold orders whose cancellation the channel has not "
             "acknowledged (parked ones included).");
  r.describe("stockwire_channel_budget_share", metric_type::gauge,
             "This node's share of the channel account's rate limit (1 / "
             "the nodes of the cluster, previous ring included; 1 on a "
             "single node).");
  r.describe(journal_commits.failures, metric_type::counter,
             "Group transactions LMDB refused (disk or map full, I/O).");
  metrics::histogram_layout ops;
  ops.bounds = batch_bounds;
  ops.recorded_per_exposed = 1;
  r.describe(journal_commits.operations, metric_type::histogram,
             "Operations committed per group transaction (one fsync each).",
             ops);
  metrics::histogram_layout commit;
  commit.bounds = commit_bounds;
  r.describe(journal_commits.seconds, metric_type::histogram,
             "Duration of one group commit, fsync included.", commit);
  r.describe(store_applies.operations, metric_type::histogram,
             "With the write-ahead log: operations per commit of the applier "
             "to LMDB.",
             ops);
  r.describe(store_applies.seconds, metric_type::histogram,
             "With the write-ahead log: duration of one commit of the "
             "applier to LMDB (log records, or connectors' direct writes), "
             "its two syncs included.",
             commit);
  r.describe(store_applies.failures, metric_type::counter,
             "With the write-ahead log: commits of the applier LMDB refused "
             "(the records wait in the log; writes are refused meanwhile).");
}

// Counters that only go up, set from an absolute reading.
void counter_to(metrics::registry& r, const std::string& name,
                const metrics::label_set& labels, std::uint64_t value) {
  auto now = r.counter_value(name, labels);
  if (value > now)
    r.counter_add(name, labels, value - now);
}

void on_report(metrics_actor* self, channel_metrics& m) {
  auto& st = self->state;
  auto& r = st.reg;
  metrics::label_set ch{{"channel", m.channel}};
  auto& lag = r.histogram_at("stockwire_sync_lag_seconds", ch);
  auto [w, added] = st.lag_window.try_emplace(m.channel);
  auto now = mono_ms();
  for (auto us : m.lag_us) {
    lag.record(static_cast<std::uint64_t>(us));
    w->second.record(static_cast<std::uint64_t>(us), now);
  }
  auto& rtt = r.histogram_at("stockwire_push_round_trip_seconds", ch);
  for (auto us : m.rtt_us)
    rtt.record(static_cast<std::uint64_t>(us));
  auto result = [&](const char* name) {
    return metrics::label_set{{"channel", m.channel}, {"result", name}};
  };
  r.counter_add("stockwire_pushes_total", result("acked"), m.acked);
  r.counter_add("stockwire_pushes_total", result("retry"), m.retried);
  r.counter_add("stockwire_pushes_total", result("parked"), m.parked);
  r.counter_add("stockwire_push_requests_total", ch, m.requests);
  r.counter_add("stockwire_push_throttled_total", ch, m.throttled);
  r.counter_add("stockwire_push_transport_errors_total", ch,
                m.transport_errors);
  r.gauge_set("stockwire_push_backlog", ch, static_cast<double>(m.backlog));
  r.gauge_set("stockwire_parked_listings", ch,
              static_cast<double>(m.parked_listings));
  r.gauge_set("stockwire_push_inflight", ch, static_cast<double>(m.inflight));
  r.gauge_set("stockwire_circuit_open", ch, m.breaker == "closed" ? 0.0 : 1.0);
  r.counter_add("stockwire_oversells_total", ch, m.oversells);
  r.counter_add("stockwire_oversold_units_total", ch, m.oversold_units);
  r.counter_add("stockwire_channel_cancellations_total", result("sent"),
                m.cancels_sent);
  r.counter_add("stockwire_channel_cancellations_total", result("acknowledged"),
                m.cancels_acked);
  r.counter_add("stockwire_channel_cancellations_total", result("retry"),
                m.cancels_retried);
  r.counter_add("stockwire_channel_cancellations_total", result("parked"),
                m.cancels_parked);
  r.gauge_set("stockwire_channel_cancellations_pending", ch,
              static_cast<double>(m.cancels_pending));
  r.gauge_set("stockwire_channel_budget_share", ch, m.budget_share);
}

void check_alerts(metrics_actor* self) {
  auto& st = self->state;
  auto now = mono_ms();
  auto threshold_us = static_cast<std::uint64_t>(st.cfg.lag_alert.count()) * 1000;
  for (auto& [channel, window] : st.lag_window) {
    auto snap = window.snapshot(now);
    auto p99 = snap.count() == 0 ? 0 : snap.percentile(0.99);
    metrics::label_set ch{{"channel", channel}};
    st.reg.gauge_set("stockwire_sync_lag_p99_last_minute_seconds", ch,
                     static_cast<double>(p99) / 1e6);
    bool alert = p99 > threshold_us;
    auto& was = st.alerting[channel];
    if (alert && !was)
      spdlog::warn("sync lag alert: channel {} p99 over the last minute is "
                   "{:.3f} s (threshold {:.3f} s)",
                   channel, p99 / 1e6, threshold_us / 1e6);
    else if (!alert && was)
      spdlog::info("sync lag alert cleared: channel {} p99 over the last "
                   "minute is {:.3f} s",
                   channel, p99 / 1e6);
    was = alert;
    st.reg.gauge_set("stockwire_sync_lag_alert", ch, alert ? 1.0 : 0.0);
  }
}

void read_node_counters(metrics::registry& r) {
  auto& c = counters();
  auto load = [](const std::atomic<std::uint64_t>& x) {
    return x.load(std::memory_order_relaxed);
  };
  counter_to(r, "stockwire_orders_total", {{"result", "accepted"}},
             load(c.orders_accepted));
  counter_to(r, "stockwire_orders_total", {{"result", "rejected"}},
             load(c.orders_rejected));
  counter_to(r, "stockwire_orders_total", {{"result", "replayed"}},
             load(c.orders_replayed));
  counter_to(r, "stockwire_cancels_total", {}, load(c.cancels));
  counter_to(r, "stockwire_stock_changes_total", {}, load(c.stock_changes));
  counter_to(r, "stockwire_webhook_unknown_skus_total", {},
             load(c.webhook_unknown_skus));
  counter_to(r, "stockwire_webhook_conflicts_total", {},
             load(c.webhook_conflicts));
  for (auto& [channel, oc] : all_channel_order_counts()) {
    for (auto [status, value] : {std::pair{"accepted", load(oc->accepted)},
                                 std::pair{"rejected", load(oc->rejected)}}) {
      metrics::label_set labels{{"channel", channel}, {"status", status}};
      r.counter_add("stockwire_channel_order_lines_total", labels, 0);
      counter_to(r, "stockwire_channel_order_lines_total", labels, value);
    }
  }
}

lag_summary summarize(const std::string& channel,
                      const metrics::windowed_histogram& w, std::int64_t now,
                      bool alert) {
  lag_summary s;
  s.channel = channel;
  auto snap = w.snapshot(now);
  auto win = metrics::percentiles(snap);
  auto all = metrics::percentiles(w.total());
  s.window_count = snap.count();
  s.window_p50 = win.p50;
  s.window_p90 = win.p90;
  s.window_p99 = win.p99;
  s.window_p999 = win.p999;
  s.window_max = win.max;
  s.total_count = w.total().count();
  s.total_p50 = all.p50;
  s.total_p90 = all.p90;
  s.total_p99 = all.p99;
  s.total_p999 = all.p999;
  s.total_max = all.max;
  s.alert = alert;
  return s;
}

caf::behavior metrics_behavior(metrics_actor* self, metrics_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  describe_all(st.reg);
  for (auto& channel : st.cfg.channels) {
    // Every configured channel has its series from the start, at zero.
    st.reg.histogram_at("stockwire_sync_lag_seconds", {{"channel", channel}});
    st.lag_window.try_emplace(channel);
    st.reg.gauge_set("stockwire_sync_lag_alert", {{"channel", channel}}, 0);
    // Oversell accounting reads zero before the first oversell, so a lab
    // can reconcile from the first scrape.
    channel_order_counts(channel);
    metrics::label_set ch{{"channel", channel}};
    st.reg.counter_add("stockwire_oversells_total", ch, 0);
    st.reg.counter_add("stockwire_oversold_units_total", ch, 0);
    for (auto* result : {"sent", "acknowledged", "retry", "parked"})
      st.reg.counter_add("stockwire_channel_cancellations_total",
                         {{"channel", channel}, {"result", result}}, 0);
    st.reg.gauge_set("stockwire_channel_cancellations_pending", ch, 0);
  }
  self->delayed_send(self, alert_check_interval, tick_atom::value);
  return {
      [=](channel_metrics& m) { on_report(self, m); },
      [=](tick_atom) {
        check_alerts(self);
        self->delayed_send(self, alert_check_interval, tick_atom::value);
      },
      [=](get_lag&) {
        auto& st = self->state;
        lag_report rep;
        auto now = mono_ms();
        for (auto& channel : st.cfg.channels) {
          auto i = st.lag_window.find(channel);
          if (i != st.lag_window.end())
            rep.channels.push_back(
                summarize(channel, i->second, now, st.alerting[channel]));
        }
        return rep;
      },
      [=](get_lag_histograms&) {
        auto& st = self->state;
        lag_histograms rep;
        auto now = mono_ms();
        for (auto& channel : st.cfg.channels) {
          auto i = st.lag_window.find(channel);
          if (i != st.lag_window.end())
            rep.channels.push_back(channel_lag{
                channel, to_wire(i->second.snapshot(now)),
                to_wire(i->second.total())});
        }
        return rep;
      },
      [=](batch_atom, std::uint64_t ops, std::uint64_t commit_us, bool ok) {
        record_commit(self->state.reg, journal_commits, ops, commit_us, ok);
      },
      [=](store_commit_atom, std::uint64_t ops, std::uint64_t commit_us,
          bool ok) {
        record_commit(self->state.reg, store_applies, ops, commit_us, ok);
      },
      [=](get_metrics_text&) {
        read_node_counters(self->state.reg);
        return metrics::render(self->state.reg);
      },
  };
}

} // namespace

caf::actor spawn_metrics(caf::actor_system& sys, metrics_config cfg) {
  return sys.spawn(metrics_behavior, std::move(cfg));
}

} // namespace stockwire
