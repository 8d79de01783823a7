// The jobs of a connector: sending a job's requests (paced by the job's
// own delays), reading the channel's answers (and the budget they report),
// and the outcome of a finished push job per SKU: acknowledged, retried
// (backoff, or the channel's throttling) or parked. The outcome of a cancel
// job is read in connector_cancel.cpp.
#include <algorithm>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/connector_state.hpp"
#include "cluster/budget_share.hpp"
#include "core/limits.hpp"

namespace stockwire::connector_detail {

namespace {

// A job the channel refused for its rate limit: hold every request until
// the channel's Retry-After, or (Amazon sends none) the time its bucket
// needs for one more request once ours is emptied to match it.
void note_throttled(connector_actor* self, const push_job& job,
                    std::int64_t now) {
  auto& st = self->state;
  ++st.report.throttled;
  ++st.totals.throttled;
  std::int64_t wait = limits::connector_throttle_wait_default.count();
  if (auto ra = job.retry_after()) {
    wait = ra->count();
  } else if (st.pacer) {
    st.pacer->observe(0, st.pacer->maximum(), st.pacer->restore_per_s(), now);
    wait = st.pacer->wait_ms(st.cfg.request_cost, now);
  }
  st.throttled_until_ms = std::max(st.throttled_until_ms, now + wait);
}

} // namespace

// Records the acknowledgement of `version` of `sku` (lag of every change it
// covers) and whether anything newer is still owed.
void on_acked(connector_actor* self, const std::string& sku, sku_entry& e,
              std::uint64_t version, std::int64_t quantity,
              const std::vector<change_mark>& covered, std::int64_t acked_ns) {
  auto& st = self->state;
  e.acked_version = std::max(e.acked_version, version);
  e.shown = quantity;
  e.attempts = 0;
  e.last_error.clear();
  e.last_ack_ms = acked_ns / 1'000'000;
  auto record = [&](const change_mark& m) {
    auto lag_us = std::max<std::int64_t>(0, (acked_ns - m.at_ns) / 1000);
    st.report.lag_us.insert(st.report.lag_us.end(), m.count, lag_us);
    e.last_lag_us = lag_us;
  };
  for (auto& m : covered)
    record(m);
  // Changes that arrived meanwhile but carry no newer version than the
  // acknowledged one (outbox recovery raced a SKU actor) are covered too.
  while (!e.waiting.empty() && e.version <= e.acked_version) {
    record(e.waiting.front());
    e.waiting.pop_front();
  }
  ++st.report.acked;
  ++st.totals.acked;
  enqueue(self, sku, e);
}

namespace {

void finish_job(connector_actor* self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto run = std::move(i->second);
  st.jobs.erase(i);
  auto now = mono_ms();
  auto now_ns = wall_ns();
  auto& results = run.job->results();
  std::vector<std::pair<std::string, std::uint64_t>> acked;
  bool any_acked = false;
  bool any_failed = false;
  if (run.job->throttled())
    note_throttled(self, *run.job, now);
  if (run.cancel) {
    finish_cancel_job(self, run, now);
    send_report(self);
    pump(self);
    return;
  }
  for (std::size_t k = 0; k < run.skus.size(); ++k) {
    auto& sku = run.skus[k];
    auto& item = run.items[k];
    auto verdict =
        k < results.size() ? results[k].verdict : item_verdict::retry;
    auto error = k < results.size() ? results[k].error
                                    : std::string{"no result for this item"};
    auto found = st.skus.find(sku);
    // The listing was removed while the push was out (and maybe listed
    // again since, with a push of its own): this result is nobody's.
    if (found == st.skus.end() || !found->second.inflight ||
        found->second.pushed_job != id)
      continue;
    auto& e = found->second;
    e.inflight = false;
    switch (verdict) {
    case item_verdict::acked:
      any_acked = true;
      on_acked(self, sku, e, item.version, item.quantity, e.pushed, now_ns);
      e.pushed.clear();
      acked.emplace_back(sku, item.version);
      break;
    case item_verdict::retry: {
      if (!run.job->throttled())
        any_failed = true;
      // The changes go back in front: their lag keeps counting.
      e.waiting.insert(e.waiting.begin(), e.pushed.begin(), e.pushed.end());
      e.pushed.clear();
      // A forced push (an oversell correction, a poll tick, a resync) is
      // owed again even at an acknowledged version.
      e.force = e.force || e.pushed_force || item.version > e.acked_version;
      if (run.job->throttled()) {
        // Not the SKU's fault: it goes as soon as the channel takes more.
        e.not_before_ms = st.throttled_until_ms;
      } else {
        ++e.attempts;
        std::optional<std::int64_t> after;
        if (auto ra = run.job->retry_after())
          after = ra->count();
        e.not_before_ms =
            now + st.retry_backoff.retry_delay_ms(e.attempts, after, st.rng());
      }
      e.last_error = error;
      st.totals.last_error = st.cfg.account.id + " " + sku + ": " + error;
      ++st.report.retried;
      ++st.totals.retried;
      enqueue(self, sku, e);
      break;
    }
    case item_verdict::parked:
      e.waiting.insert(e.waiting.begin(), e.pushed.begin(), e.pushed.end());
      e.pushed.clear();
      e.parked = true;
      e.last_error = error;
      st.totals.last_error = st.cfg.account.id + " " + sku + ": " + error;
      ++st.parked_listings;
      ++st.report.parked;
      ++st.totals.parked;
      spdlog::warn("connector {}: listing {} parked (push of version {} "
                   "refused for good): {}",
                   st.cfg.account.id, sku, item.version, error);
      break;
    }
  }
  if (any_acked)
    st.breaker.on_success(now);
  else if (any_failed || run.failed_transport)
    st.breaker.on_failure(now);
  clear_outbox(self, acked);
  send_report(self);
  pump(self);
}

} // namespace

void send_request(connector_actor* self, std::uint64_t id, http_request req) {
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.client->send(
      self->state.cfg.account, std::move(req), [me, id](http_result r) {
        caf::anon_send(me, answer_atom::value, id, std::move(r));
      });
}

void on_answer(connector_actor* self, std::uint64_t id, http_result& res) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& run = i->second;
  st.report.rtt_us.push_back(res.round_trip.count());
  if (res.ok) {
    ++st.report.requests;
    ++st.totals.requests;
    run.job->on_response(res.response);
    if (auto b = run.job->budget(); b && st.pacer) {
      // The channel counted this request, not the others still in flight
      // (their cost is already taken from our bucket): keep them counted.
      // It reports the account's budget: this node's share of it.
      auto others = static_cast<double>(st.jobs.size() - 1);
      auto s = cluster::slice_of(b->restore_per_s, std::max(1.0, b->maximum),
                                 st.cfg.request_cost, st.share);
      if (b->maximum >= 1)
        st.pacer->observe(b->available * st.share -
                              others * st.cfg.request_cost,
                          s.burst, s.rate_per_s, mono_ms());
    }
  } else {
    ++st.report.transport_errors;
    run.failed_transport = true;
    run.job->on_transport_error(res.error);
  }
  send_next(self, id);
}

// Sends the job's next request (after its delay), or finishes it.
void send_next(connector_actor* self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& job = *i->second.job;
  auto req = job.next();
  if (!req) {
    finish_job(self, id);
    return;
  }
  auto delay = job.delay();
  if (delay.count() > 0) {
    i->second.delayed = std::move(req);
    self->delayed_send(self, delay, step_atom::value, id);
    return;
  }
  send_request(self, id, std::move(*req));
}

} // namespace stockwire::connector_detail
