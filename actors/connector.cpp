#include "actors/connector.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/connector_state.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "cluster/budget_share.hpp"
#include "connectors/http_client.hpp"
#include "connectors/pacing.hpp"
#include "connectors/wire.hpp"
#include "core/limits.hpp"

namespace stockwire {

namespace connector_detail {

using namespace std::chrono;

namespace {

// The journal never sees a SKU named like this (SKUs are printable), so a
// failed clear fences only this connector's clears (of outbox entries and
// of acknowledged cancellations).
std::string outbox_owner_name(const std::string& channel) {
  return std::string{"\x01outbox:"} + channel;
}

// Paces by `share` of the account's budget: creates the buckets, or
// rescales them keeping the tokens they hold (token_pacer::resize).
void apply_share(connector_state& st, double share, std::int64_t now) {
  st.share = share;
  if (st.cfg.requests_per_s > 0) {
    auto s = cluster::slice_of(st.cfg.requests_per_s *
                                   limits::connector_pacing_margin,
                               st.cfg.burst, st.cfg.request_cost, share);
    if (st.pacer)
      st.pacer->resize(s.rate_per_s, s.burst, now);
    else
      st.pacer.emplace(s.rate_per_s, s.burst, now);
  }
  if (st.cfg.account.kind == channel_kind::amazon) {
    auto f = cluster::slice_of(limits::amazon_create_feed_per_s,
                               limits::amazon_create_feed_burst, 1, share);
    if (st.feed_pacer)
      st.feed_pacer->resize(f.rate_per_s, f.burst, now);
    else
      st.feed_pacer.emplace(f.rate_per_s, f.burst, now);
  }
}

std::int64_t target_of(const connector_state& st, const sku_entry& e) {
  return allocate(e.available,
                  e.ids.alloc ? *e.ids.alloc : st.cfg.account.alloc);
}

// Whether `e` owes the channel a push (ignoring timing and sync mode).
bool owes_push(const sku_entry& e) {
  if (e.parked || e.inflight || e.version == 0)
    return false;
  if (e.force)
    return true;
  return e.version > e.acked_version;
}

// Whether `e` is to be pushed now (ignoring timing): in poll mode only
// what a tick, an oversell correction, a resync or a retry forced.
bool due(const connector_state& st, const sku_entry& e) {
  return owes_push(e) && (st.cfg.sync == sync_mode::event || e.force);
}

// Takes a held-back SKU out of the delay queue so the next pump judges it
// again (its target or urgency changed: a sell-out must not wait for the
// pacing of an ordinary change).
void undelay(connector_actor* self, sku_entry& e) {
  if (!e.delayed)
    return;
  self->state.delayed.erase(*e.delayed);
  e.delayed.reset();
  e.queued = false;
}

// A transition: the channel's budget goes to it first (the sell-out
// queue), and eBay's revision reserve is for it: a sell-out (to zero from a
// number shown, or from unknown) or back in stock after one. Telling a channel
// zero again that already shows zero is paced like any other push.
bool is_critical(const sku_entry& e, std::int64_t quantity) {
  if (quantity == 0)
    return !e.shown || *e.shown != 0;
  return e.shown && *e.shown == 0;
}

} // namespace

// Queues a SKU that is due: a transition on the sell-out queue (also when
// it already waits in `ready` as an ordinary change: the stale entry is
// skipped when it comes up), anything else at the back of `ready`. A SKU
// held back in the delay queue (backoff, eBay pacing) stays there.
void enqueue(connector_actor* self, const std::string& sku, sku_entry& e) {
  auto& st = self->state;
  if (!due(st, e) || e.delayed)
    return;
  if (!e.urgent_queued && is_critical(e, target_of(st, e))) {
    e.urgent_queued = true;
    e.queued = true;
    st.urgent.push_back(sku);
  } else if (!e.queued) {
    e.queued = true;
    st.ready.push_back(sku);
  }
}

void schedule_wakeup(connector_actor* self, std::int64_t at_ms) {
  auto& st = self->state;
  if (st.wakeup_scheduled && st.wakeup_at_ms <= at_ms)
    return;
  st.wakeup_scheduled = true;
  st.wakeup_at_ms = at_ms;
  auto wait = std::max<std::int64_t>(1, at_ms - mono_ms());
  self->delayed_send(self, milliseconds{wait}, pump_atom::value);
}

namespace {

std::uint64_t backlog(const connector_state& st) {
  std::uint64_t n = 0;
  for (auto& [sku, e] : st.skus)
    if (!e.parked && (e.force || e.version > e.acked_version))
      ++n;
  return n;
}

} // namespace

// Sends what accumulated; the backlog (a walk over every SKU) is counted
// only on the periodic report, not after every job.
void send_report(connector_actor* self, bool recount) {
  auto& st = self->state;
  if (recount)
    st.last_backlog = backlog(st);
  auto& r = st.report;
  r.channel = st.cfg.account.id;
  r.backlog = st.last_backlog;
  r.parked_listings = st.parked_listings;
  r.inflight = st.jobs.size();
  r.breaker = std::string{breaker_state_name(st.breaker.state())};
  r.cancels_pending = st.cancels.pending();
  r.budget_share = st.share;
  if (st.metrics)
    self->send(st.metrics, std::move(r));
  r = channel_metrics{};
}

// Hands `writes` (`ops` operations) to the journal under this connector's
// name; nothing waits for the commit.
void write_through_journal(connector_actor* self, write_batch writes,
                           std::size_t ops) {
  auto& st = self->state;
  if (ops == 0 || !st.journal)
    return;
  journal_entry e;
  e.owner = caf::actor_cast<caf::strong_actor_ptr>(self);
  e.sku = outbox_owner_name(st.cfg.account.id);
  e.seq = ++st.journal_seq;
  e.writes = std::move(writes);
  e.ops = static_cast<std::uint32_t>(ops);
  self->send(st.journal, std::move(e));
}

void clear_outbox(
    connector_actor* self,
    const std::vector<std::pair<std::string, std::uint64_t>>& acked) {
  write_batch writes;
  for (auto& [sku, version] : acked)
    writes.clear_outbox(self->state.cfg.account.id, sku, version);
  write_through_journal(self, std::move(writes), acked.size());
}

// Starts jobs while budget, breaker and concurrency allow: cancellations
// of oversold orders first (a buyer waits for each), then pushes.
void pump(connector_actor* self) {
  auto& st = self->state;
  auto now = mono_ms();
  while (!st.delayed.empty() && st.delayed.begin()->first <= now) {
    auto sku = std::move(st.delayed.begin()->second);
    st.delayed.erase(st.delayed.begin());
    if (auto i = st.skus.find(sku); i != st.skus.end()) {
      i->second.delayed.reset();
      i->second.queued = false;
      enqueue(self, sku, i->second);
    }
  }
  if (auto at = st.cancels.next_due_ms(); at && *at > now)
    schedule_wakeup(self, *at);
  while (st.jobs.size() < st.cfg.concurrency) {
    auto cancel_due = cancel_is_due(st, now);
    if (!cancel_due && st.ready.empty() && st.urgent.empty())
      break;
    if (now < st.throttled_until_ms) {
      schedule_wakeup(self, st.throttled_until_ms);
      return;
    }
    if (st.pacer) {
      auto wait = st.pacer->wait_ms(st.cfg.request_cost, now);
      if (wait > 0) {
        schedule_wakeup(self, now + wait);
        return;
      }
    }
    if (!st.breaker.allow(now)) {
      schedule_wakeup(self, st.breaker.reopen_at_ms());
      return;
    }
    if (cancel_due && start_cancel_job(self, now))
      continue;
    if (st.ready.empty() && st.urgent.empty())
      break;
    // Amazon: a feed only while the createFeed budget has one to spare,
    // beyond the one kept for cancellations.
    bool feed_ok =
        !st.feed_pacer ||
        st.feed_pacer->wait_ms(
            1 + limits::amazon_create_feed_reserved_for_cancels, now) == 0;
    // Transitions go one per request: a batch (an Amazon feed above all,
    // applied minutes later) would make them wait for the ordinary ones.
    auto batch_max =
        st.urgent.empty()
            ? push_batch_max(st.cfg.account, feed_ok ? st.ready.size() : 1)
            : 1;
    running_job run;
    auto wall = wall_ns() / 1'000'000;
    while ((!st.urgent.empty() || !st.ready.empty()) &&
           run.items.size() < batch_max) {
      auto& from = st.urgent.empty() ? st.ready : st.urgent;
      auto sku = std::move(from.front());
      from.pop_front();
      auto found = st.skus.find(sku);
      if (found == st.skus.end())
        continue;
      auto& e = found->second;
      e.queued = false;
      e.urgent_queued = false;
      if (!due(st, e))
        continue;
      auto quantity = target_of(st, e);
      if (!e.force && e.shown && *e.shown == quantity) {
        // Coalesced away: the channel already shows this number. Its
        // version counts as acknowledged without a request.
        std::vector<change_mark> covered(e.waiting.begin(), e.waiting.end());
        e.waiting.clear();
        on_acked(self, sku, e, e.version, quantity, covered, wall_ns());
        clear_outbox(self, {{sku, e.version}});
        continue;
      }
      auto ready_at = e.not_before_ms;
      if (st.revisions) {
        auto critical = is_critical(e, quantity);
        if (!st.revisions->allow(sku, critical, wall))
          ready_at = std::max(
              ready_at,
              now +
                  (st.revisions->next_allowed_ms(sku, critical, wall) - wall));
      }
      if (ready_at > now) {
        // Waits for its time off the ready queue, so a pump never rescans
        // the SKUs that are held back (eBay pacing, backoffs).
        e.delayed = st.delayed.emplace(ready_at, std::move(sku));
        e.queued = true;
        continue;
      }
      if (st.revisions)
        st.revisions->spend(sku, wall);
      e.inflight = true;
      e.pushed_force = e.force;
      e.force = false;
      e.pushed_version = e.version;
      e.pushed_quantity = quantity;
      e.pushed.assign(e.waiting.begin(), e.waiting.end());
      e.waiting.clear();
      run.items.push_back(push_item{sku, e.ids, quantity, e.version, e.shown,
                                    st.next_push_id++});
      run.skus.push_back(sku);
    }
    if (!st.delayed.empty())
      schedule_wakeup(self, st.delayed.begin()->first);
    if (run.items.empty())
      continue;
    if (st.pacer)
      st.pacer->try_take(st.cfg.request_cost, now);
    if (st.feed_pacer && run.items.size() > 1)
      st.feed_pacer->try_take(1, now);
    auto id = st.next_job++;
    for (auto& sku : run.skus)
      st.skus[sku].pushed_job = id;
    run.job = make_push_job(st.cfg.account, run.items);
    st.jobs.emplace(id, std::move(run));
    send_next(self, id);
  }
}

namespace {

void on_changed(connector_actor* self, sku_changed& m) {
  auto& st = self->state;
  auto [i, added] = st.skus.try_emplace(m.sku);
  auto& e = i->second;
  if (!added && m.version < e.version)
    return; // stale: never go back to an older version
  if (e.parked && (m.force || !(m.ids == e.ids))) {
    e.parked = false; // the operator fixed the listing or asked again
    --st.parked_listings;
    e.attempts = 0;
    e.not_before_ms = 0;
  }
  undelay(self, e);
  e.ids = std::move(m.ids);
  e.version = m.version;
  e.available = m.available;
  // Poll mode: only the correction of an oversell goes before the tick.
  e.force =
      e.force || (m.force && (st.cfg.sync == sync_mode::event || m.urgent));
  for (auto t : m.received_ns) {
    if (e.waiting.size() >= limits::connector_waiting_changes_max)
      ++e.waiting.back().count;
    else
      e.waiting.push_back(change_mark{t, 1});
  }
  enqueue(self, m.sku, e);
  pump(self);
}

// A poll tick: every listed SKU's current quantity is pushed (parked
// listings wait for an operator, as in event mode).
void on_poll(connector_actor* self) {
  auto& st = self->state;
  for (auto& [sku, e] : st.skus) {
    if (e.parked || e.version == 0)
      continue;
    e.force = true;
    enqueue(self, sku, e);
  }
  pump(self);
  self->delayed_send(self, st.cfg.poll_interval, poll_atom::value);
}

listing_status status_of(const connector_state& st, const std::string& sku,
                         const sku_entry& e) {
  listing_status s;
  s.channel = st.cfg.account.id;
  s.sku = sku;
  s.version = e.version;
  s.target = target_of(st, e);
  s.acked_version = e.acked_version;
  s.shown = e.shown.value_or(-1);
  s.pushed_version = e.pushed_version;
  s.pending = e.force || e.version > e.acked_version;
  s.inflight = e.inflight;
  s.parked = e.parked;
  s.last_error = e.last_error;
  s.last_lag_us = e.last_lag_us;
  s.last_ack_ms = e.last_ack_ms;
  return s;
}

caf::behavior connector(connector_actor* self, connector_config cfg,
                        std::shared_ptr<http_client> client, caf::actor journal,
                        caf::actor metrics) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.client = std::move(client);
  st.journal = std::move(journal);
  st.metrics = std::move(metrics);
  st.breaker = circuit_breaker{
      st.cfg.breaker_failures, st.cfg.breaker_open.count(),
      std::max<std::int64_t>(st.cfg.breaker_open.count(),
                             circuit_breaker::open_ms_max_default)};
  apply_share(st, st.cfg.budget_share, mono_ms());
  if (st.cfg.revisions_per_day > 0)
    st.revisions.emplace(
        st.cfg.revisions_per_day,
        std::min(st.cfg.revisions_reserve, st.cfg.revisions_per_day - 1),
        revision_budget::burst_default);
  st.totals.channel = st.cfg.account.id;
  st.totals.kind = std::string{channel_kind_name(st.cfg.account.kind)};
  st.totals.sync = std::string{sync_mode_name(st.cfg.sync)};
  if (st.cfg.sync == sync_mode::poll) {
    st.totals.poll_interval_s =
        static_cast<std::uint64_t>(st.cfg.poll_interval.count());
    self->delayed_send(self, st.cfg.poll_interval, poll_atom::value);
  }
  self->delayed_send(self, limits::connector_report_interval,
                     report_atom::value);
  return {
      [=](sku_changed& m) { on_changed(self, m); },
      [=](order_oversold& m) { on_oversold(self, m); },
      [=](cancellations_moved& m) {
        auto& st = self->state;
        if (auto n = st.cancels.withdraw(m.sku); n > 0)
          spdlog::info("connector {}: {} oversold lines of {} moved to the "
                       "SKU's new owner, which cancels them",
                       st.cfg.account.id, n, m.sku);
      },
      [=](poll_atom) { on_poll(self); },
      [=](set_budget_share& m) {
        auto& st = self->state;
        // The negated comparison also refuses NaN.
        if (!(m.share > 0 && m.share <= 1) || m.share == st.share)
          return;
        spdlog::info("connector {}: pacing by {:.4g} of the account's "
                     "budget (was {:.4g})",
                     st.cfg.account.id, m.share, st.share);
        apply_share(st, m.share, mono_ms());
        pump(self); // a larger share may let a waiting request go sooner
      },
      [=](get_oversells&) { return oversells_of(self->state); },
      [=](listing_removed& m) {
        auto& st = self->state;
        auto i = st.skus.find(m.sku);
        if (i == st.skus.end())
          return;
        if (i->second.parked)
          --st.parked_listings;
        undelay(self, i->second);
        st.skus.erase(i); // a push in flight finds no entry and is ignored
      },
      [=](answer_atom, std::uint64_t id, http_result& r) {
        on_answer(self, id, r);
      },
      [=](step_atom, std::uint64_t id) {
        // The job's delay has passed: send the request it asked for.
        auto& st = self->state;
        auto i = st.jobs.find(id);
        if (i == st.jobs.end() || !i->second.delayed)
          return;
        auto req = std::move(*i->second.delayed);
        i->second.delayed.reset();
        send_request(self, id, std::move(req));
      },
      [=](pump_atom) {
        self->state.wakeup_scheduled = false;
        pump(self);
      },
      [=](report_atom) {
        auto& st = self->state;
        send_report(self, true);
        if (st.revisions)
          st.revisions->prune(wall_ns() / 1'000'000);
        self->delayed_send(self, limits::connector_report_interval,
                           report_atom::value);
      },
      [=](resync_channel& cmd) {
        auto& st = self->state;
        resync_result result;
        result.channel = st.cfg.account.id;
        auto again = [&](const std::string& sku, sku_entry& e) {
          if (e.parked) {
            e.parked = false;
            --st.parked_listings;
          }
          e.force = true;
          e.attempts = 0;
          e.not_before_ms = 0;
          undelay(self, e);
          enqueue(self, sku, e);
          ++result.queued;
        };
        if (cmd.skus.empty()) {
          for (auto& [sku, e] : st.skus)
            again(sku, e);
          result.cancellations_requeued = st.cancels.unpark_all(mono_ms());
        } else {
          for (auto& sku : cmd.skus) {
            auto i = st.skus.find(sku);
            if (i == st.skus.end())
              result.unknown.push_back(sku);
            else
              again(sku, i->second);
          }
        }
        pump(self);
        return result;
      },
      [=](get_channel_status&) {
        auto& st = self->state;
        auto s = st.totals;
        s.breaker = std::string{breaker_state_name(st.breaker.state())};
        s.listings = st.skus.size();
        s.backlog = backlog(st);
        s.inflight = st.jobs.size();
        s.parked_listings = st.parked_listings;
        auto now = mono_ms();
        s.rate_available = st.pacer ? st.pacer->available(now) : -1;
        s.rate_max = st.pacer ? st.pacer->maximum() : -1;
        for (auto& [sku, e] : st.skus)
          if (!e.parked && !e.inflight && e.not_before_ms > now)
            ++s.backing_off;
        s.cancellations_pending = st.cancels.pending();
        s.budget_share = st.share;
        s.requests_per_s = st.pacer ? st.pacer->restore_per_s() : -1;
        return s;
      },
      [=](get_listing_status& q) -> caf::result<listing_status> {
        auto& st = self->state;
        auto i = st.skus.find(q.sku);
        if (i == st.skus.end())
          return make_error(errc::unknown_listing,
                            "channel " + st.cfg.account.id +
                                " has not been told anything about " + q.sku);
        return status_of(st, q.sku, i->second);
      },
      [=](committed_atom, std::uint64_t) {
        // Outbox clears are durable; nothing waits for them.
      },
      [=](failed_atom, std::uint64_t, const std::string& why) {
        auto& st = self->state;
        // The entries stay pending on disk and are pushed again after a
        // restart: harmless, the push is an absolute set.
        spdlog::warn("connector {}: clearing acknowledged outbox entries "
                     "failed: {}",
                     st.cfg.account.id, why);
        self->send(st.journal, resume_atom::value,
                   outbox_owner_name(st.cfg.account.id));
      },
  };
}

} // namespace

} // namespace connector_detail

caf::actor spawn_connector(caf::actor_system& sys, connector_config cfg,
                           std::shared_ptr<http_client> client,
                           caf::actor journal, caf::actor metrics) {
  return sys.spawn(connector_detail::connector, std::move(cfg),
                   std::move(client), std::move(journal), std::move(metrics));
}

} // namespace stockwire
