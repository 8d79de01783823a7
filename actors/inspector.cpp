// The node's inspector: see inspector.hpp for the contract.
#include "actors/inspector.hpp"

#include <algorithm>
#include <atomic>
#include <utility>

#include <caf/all.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/node_counters.hpp"
#include "persistence/store.hpp"

namespace stockwire {

namespace {

// (count_atom) to the SKU counter: its one request.
using count_atom = caf::atom_constant<caf::atom("count")>;

// A report being gathered: delivered when the last part arrives, or failed
// by the first part that fails.
struct report_job {
  caf::response_promise rp;
  node_report report;
  std::size_t waiting = 0;
  bool failed = false;
};

using job_ptr = std::shared_ptr<report_job>;

void part_done(const job_ptr& j) {
  if (--j->waiting > 0 || j->failed)
    return;
  auto& chans = j->report.channels;
  std::sort(chans.begin(), chans.end(),
            [](auto& x, auto& y) { return x.channel < y.channel; });
  j->rp.deliver(std::move(j->report));
}

void part_failed(const job_ptr& j, const std::string& part,
                 const caf::error& err) {
  if (j->failed)
    return;
  j->failed = true;
  j->rp.deliver(make_error(errc::owner_unavailable,
                           j->report.node + ": " + part +
                               " did not answer: " + error_detail(err)));
}

// Walks the store once, then quits: a detached actor (its own thread), so
// a large catalogue never holds a scheduler worker.
caf::behavior sku_counter(caf::event_based_actor* self, inspector_targets t) {
  return {
      [=](count_atom) -> caf::result<std::int64_t, std::int64_t> {
        self->quit();
        std::int64_t owned = 0;
        std::int64_t foreign = 0;
        auto st = t.db->for_each_stock(
            [&](const std::string& sku, const stock_state&) {
              if (!t.ring || t.ring->owner(sku).id == t.node_id)
                ++owned;
              else
                ++foreign;
              return true;
            });
        if (!st.is_ok())
          return make_error(errc::store_unavailable,
                            "cannot count SKUs: " + st.to_string());
        return {owned, foreign};
      },
  };
}

void read_counters(node_report& r) {
  auto& c = counters();
  auto load = [](const std::atomic<std::uint64_t>& x) {
    return x.load(std::memory_order_relaxed);
  };
  r.orders_accepted = load(c.orders_accepted);
  r.orders_rejected = load(c.orders_rejected);
  r.orders_replayed = load(c.orders_replayed);
  r.cancels = load(c.cancels);
  r.stock_changes = load(c.stock_changes);
}

void gather_report(caf::event_based_actor* self, const inspector_targets& t,
                   bool count_skus, job_ptr j) {
  j->report.node = t.node_id;
  read_counters(j->report);
  auto channels = t.channels ? t.channels->connectors.size() : 0;
  j->waiting = 2 + channels + (count_skus ? 1 : 0);
  self->request(t.region, report_part_timeout, stats_atom::value)
      .then(
          [j](region_stats& s) {
            j->report.skus_active = s.active;
            part_done(j);
          },
          [j](caf::error& err) { part_failed(j, "the region", err); });
  self->request(t.metrics, report_part_timeout, get_lag_histograms{})
      .then(
          [j](lag_histograms& h) {
            j->report.lag = std::move(h.channels);
            part_done(j);
          },
          [j](caf::error& err) { part_failed(j, "the metrics actor", err); });
  if (t.channels)
    for (auto& [id, connector] : t.channels->connectors)
      self->request(connector, report_part_timeout, get_channel_status{id})
          .then(
              [j](connector_status& s) {
                j->report.channels.push_back(std::move(s));
                part_done(j);
              },
              [j, id = id](caf::error& err) {
                part_failed(j, "the connector of " + id, err);
              });
  if (count_skus) {
    auto counter = self->spawn<caf::detached>(sku_counter, t);
    self->request(counter, report_part_timeout, count_atom::value)
        .then(
            [j](std::int64_t owned, std::int64_t foreign) {
              j->report.skus_owned = owned;
              j->report.skus_foreign = foreign;
              part_done(j);
            },
            [j](caf::error& err) { part_failed(j, "the SKU count", err); });
  }
}

caf::behavior inspector(caf::event_based_actor* self,
                        inspector_targets targets) {
  // Shared by the handlers: change_membership replaces the ring.
  auto t = std::make_shared<inspector_targets>(std::move(targets));
  // A connector query: delegated to the channel's connector on this node.
  auto to_connector = [self, t](const std::string& channel,
                                auto& cmd) -> caf::result<void> {
    auto c = t->channels ? t->channels->find(channel) : caf::actor{};
    if (!c)
      return make_error(errc::unknown_channel, "unknown channel " + channel);
    self->delegate(c, std::move(cmd));
    return caf::delegated<void>{};
  };
  return {
      [=](get_node_report& q) {
        auto j = std::make_shared<report_job>();
        j->rp = self->make_response_promise();
        gather_report(self, *t, q.count_skus, j);
        return caf::delegated<node_report>{};
      },
      [=](get_listing_status& x) { return to_connector(x.channel, x); },
      [=](get_channel_status& x) { return to_connector(x.channel, x); },
      [=](resync_channel& x) { return to_connector(x.channel, x); },
      [=](change_membership& x) {
        if (t->ring)
          t->ring = x.next.current;
      },
  };
}

} // namespace

caf::actor spawn_inspector(caf::actor_system& sys, inspector_targets targets) {
  return sys.spawn(inspector, std::move(targets));
}

} // namespace stockwire
