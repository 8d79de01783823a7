// The cancellations of a connector: an order this channel sold that was
// oversold is cancelled on the channel, before any push, under the same
// pacing and breaker (and, on Amazon, the createFeed budget). Starting a
// cancel job, reading its outcome (acknowledged orders' records deleted
// through the journal, transient failures backed off, permanent ones
// parked) and the oversell report.
#include <cstddef>

#include <spdlog/spdlog.h>

#include "actors/connector_state.hpp"
#include "connectors/cancel_wire.hpp"

namespace stockwire::connector_detail {

namespace {

// The channel's own id of a core order id ("<channel>:<id>").
std::string channel_order_id(const connector_state& st,
                             const std::string& order_id) {
  auto prefix = st.cfg.account.id + ":";
  if (order_id.compare(0, prefix.size(), prefix) == 0)
    return order_id.substr(prefix.size());
  return order_id;
}

} // namespace

// Reads the outcome of a cancel job: acknowledged orders are forgotten
// (their records deleted through the journal), transient failures wait for
// a backoff, permanent ones are parked and logged.
void finish_cancel_job(connector_actor* self, running_job& run,
                       std::int64_t now) {
  auto& st = self->state;
  auto& channel = st.cfg.account.id;
  auto& results = run.job->results();
  write_batch deletes;
  std::size_t ops = 0;
  bool any_acked = false;
  bool any_failed = false;
  for (std::size_t k = 0; k < run.orders.size(); ++k) {
    auto& order = run.orders[k];
    auto verdict =
        k < results.size() ? results[k].verdict : item_verdict::retry;
    auto error = k < results.size() ? results[k].error
                                    : std::string{"no result for this order"};
    switch (verdict) {
    case item_verdict::acked:
      any_acked = true;
      for (auto& sku : st.cancels.acknowledge(order)) {
        deletes.delete_cancel(channel, order, sku);
        ++ops;
      }
      ++st.report.cancels_acked;
      spdlog::info("connector {}: order {} cancelled on the channel "
                   "(oversell)",
                   channel, order);
      break;
    case item_verdict::retry: {
      if (!run.job->throttled())
        any_failed = true;
      std::int64_t at = st.throttled_until_ms;
      if (!run.job->throttled()) {
        std::optional<std::int64_t> after;
        if (auto ra = run.job->retry_after())
          after = ra->count();
        at = now + st.retry_backoff.retry_delay_ms(
                       st.cancels.attempts_of(order) + 1, after, st.rng());
      }
      st.cancels.retry(order, at, error);
      st.totals.last_error = channel + " cancel " + order + ": " + error;
      ++st.report.cancels_retried;
      break;
    }
    case item_verdict::parked:
      st.cancels.park(order, error);
      st.totals.last_error = channel + " cancel " + order + ": " + error;
      ++st.report.cancels_parked;
      spdlog::warn("connector {}: cancellation of oversold order {} refused "
                   "for good, parked (the order stays pending on disk and "
                   "is sent again after a restart): {}",
                   channel, order, error);
      break;
    }
  }
  if (any_acked)
    st.breaker.on_success(now);
  else if (any_failed || run.failed_transport)
    st.breaker.on_failure(now);
  write_through_journal(self, std::move(deletes), ops);
}

bool cancel_is_due(const connector_state& st, std::int64_t now) {
  auto at = st.cancels.next_due_ms();
  return at && *at <= now;
}

// Starts one cancel job if an oversold order is due and the channel's
// budgets allow; false otherwise (a wakeup is scheduled when only the
// Amazon createFeed budget holds it back).
bool start_cancel_job(connector_actor* self, std::int64_t now) {
  auto& st = self->state;
  if (st.feed_pacer) { // Amazon: a feed, within the createFeed budget
    auto wait = st.feed_pacer->wait_ms(1, now);
    if (wait > 0) {
      schedule_wakeup(self, now + wait);
      return false;
    }
  }
  running_job run;
  run.cancel = true;
  run.orders = st.cancels.take_due(now, cancel_batch_max(st.cfg.account));
  if (run.orders.empty())
    return false;
  std::vector<cancel_item> items;
  for (auto& order : run.orders) {
    std::int64_t qty = 0;
    for (auto& [sku, q] : st.cancels.lines_of(order))
      qty += q;
    items.push_back(cancel_item{channel_order_id(st, order), qty});
  }
  st.report.cancels_sent += run.orders.size();
  if (st.pacer)
    st.pacer->try_take(st.cfg.request_cost, now);
  if (st.feed_pacer)
    st.feed_pacer->try_take(1, now);
  run.job = make_cancel_job(st.cfg.account, std::move(items));
  auto id = st.next_job++;
  st.jobs.emplace(id, std::move(run));
  send_next(self, id);
  return true;
}

// An oversold order line of this channel: its order is cancelled on the
// channel (recovered ones were counted before the restart).
void on_oversold(connector_actor* self, order_oversold& m) {
  auto& st = self->state;
  oversold_line line{m.order_id, m.sku, m.qty, m.at_ms};
  if (!st.cancels.add(line, m.recovered))
    return;
  if (!m.recovered) {
    ++st.report.oversells;
    st.report.oversold_units += static_cast<std::uint64_t>(m.qty);
    spdlog::info("connector {}: oversell: order {} asked {} of {}, which "
                 "is not in stock; cancelling it on the channel",
                 st.cfg.account.id, m.order_id, m.qty, m.sku);
  }
  pump(self);
}

oversell_report oversells_of(const connector_state& st) {
  oversell_report r;
  r.channel = st.cfg.account.id;
  auto& t = st.cancels.totals();
  r.oversells = t.oversells;
  r.oversold_units = t.oversold_units;
  r.cancellations_pending = st.cancels.pending();
  r.cancellations_sent = t.sent;
  r.cancellations_acknowledged = t.acknowledged;
  r.cancellations_parked = t.parked;
  for (auto& x : st.cancels.recent())
    r.recent.push_back(oversell_record{
        r.channel, x.line.order_id, x.line.sku, x.line.qty, x.line.at_ms,
        std::string{cancel_state_name(x.state)}, x.error});
  return r;
}

} // namespace stockwire::connector_detail
