// The admin actor: see admin.hpp for the contract.
#include "actors/admin.hpp"

#include <caf/all.hpp>

#include "actors/errors.hpp"
#include "actors/inspector.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"

namespace stockwire {

namespace {

// How long the router may take to say which membership it routes by.
constexpr std::chrono::milliseconds membership_timeout{2000};

// The one member of a single node's ring, reachable (it is answering).
member_status single_member(const admin_targets& t) {
  auto& m = t.ring->members().front();
  return member_status{m.id, m.host, m.port, t.ring->shard_count(),
                       true, true,   {}};
}

// A single node's cluster report: its own node report, as one member.
caf::result<void> report_alone(caf::event_based_actor* self,
                               const admin_targets& t,
                               const get_cluster_report& q) {
  auto rp = self->make_response_promise();
  cluster_report rep;
  rep.self = t.ring->members().front().id;
  rep.epoch = t.ring->epoch();
  rep.shard_count = t.ring->shard_count();
  rep.members.push_back(single_member(t));
  self->request(t.inspector, inspector_reply_timeout,
                get_node_report{q.count_skus})
      .then(
          [rp, rep](node_report& r) mutable {
            rep.reports.push_back(std::move(r));
            rp.deliver(std::move(rep));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return caf::delegated<void>{};
}

caf::result<void> resync_alone(caf::event_based_actor* self,
                               const admin_targets& t,
                               const resync_cluster& q) {
  auto rp = self->make_response_promise();
  self->request(t.inspector, inspector_reply_timeout,
                resync_channel{q.channel, q.skus})
      .then(
          [rp, t, channel = q.channel](resync_result& r) mutable {
            resync_report rep;
            rep.channel = channel;
            rep.members.push_back(single_member(t));
            rep.results.push_back(node_resync{rep.members[0].id, std::move(r)});
            rp.deliver(std::move(rep));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return caf::delegated<void>{};
}

caf::behavior admin(caf::event_based_actor* self, admin_targets t) {
  auto sku_target = t.router ? t.router : t.region;
  auto to_skus = [self, sku_target](auto& cmd) {
    return self->delegate(sku_target, std::move(cmd));
  };
  auto connector_target = t.router ? t.router : t.inspector;
  return {
      [=](get_stock& x) { return to_skus(x); },
      [=](get_audit& x) { return to_skus(x); },
      [=](set_stock& x) { return to_skus(x); },
      [=](adjust_stock& x) { return to_skus(x); },
      [=](get_listings& x) { return to_skus(x); },
      [=](find_order& x) { return to_skus(x); },
      [=](get_sku_activity& x) { return to_skus(x); },
      [=](get_listing_status& x) {
        return self->delegate(connector_target, std::move(x));
      },
      [=](get_cluster_report& q) -> caf::result<void> {
        if (!t.router)
          return report_alone(self, t, q);
        self->delegate(t.router, std::move(q));
        return caf::delegated<void>{};
      },
      [=](resync_cluster& q) -> caf::result<void> {
        if (!t.channels || !t.channels->has(q.channel))
          return make_error(errc::unknown_channel,
                            "unknown channel " + q.channel);
        if (!t.router)
          return resync_alone(self, t, q);
        self->delegate(t.router, std::move(q));
        return caf::delegated<void>{};
      },
      [=](get_placement& x) -> caf::result<placement_info> {
        if (!t.router)
          return placement_of(cluster::membership{t.ring, nullptr}, x.sku,
                              false);
        // In a cluster, by the router's current membership (a SIGHUP may
        // have changed it since this node started).
        auto rp = self->make_response_promise<placement_info>();
        self->request(t.router, membership_timeout, get_membership{})
            .then(
                [rp, sku = x.sku](cluster::membership& m) mutable {
                  rp.deliver(placement_of(m, sku, true));
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
  };
}

} // namespace

caf::actor spawn_admin(caf::actor_system& sys, admin_targets targets) {
  return sys.spawn(admin, std::move(targets));
}

} // namespace stockwire
