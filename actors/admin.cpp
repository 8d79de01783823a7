#include "actors/admin.hpp"

#include <caf/all.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace stockwire {

namespace {

caf::behavior admin(caf::event_based_actor* self, admin_targets t) {
  auto to_skus = [self, t](auto& cmd) {
    return self->delegate(t.sku_target, std::move(cmd));
  };
  // A connector query: delegated to the channel's connector on this node.
  auto to_connector = [self, t](const std::string& channel,
                                auto& cmd) -> caf::result<void> {
    auto c = t.channels ? t.channels->find(channel) : caf::actor{};
    if (!c)
      return make_error(errc::unknown_channel,
                        "unknown channel " + channel);
    self->delegate(c, std::move(cmd));
    return caf::delegated<void>{};
  };
  return {
      [=](get_stock& x) { return to_skus(x); },
      [=](get_audit& x) { return to_skus(x); },
      [=](set_stock& x) { return to_skus(x); },
      [=](adjust_stock& x) { return to_skus(x); },
      [=](get_listings& x) { return to_skus(x); },
      [=](find_order& x) { return to_skus(x); },
      [=](get_listing_status& x) { return to_connector(x.channel, x); },
      [=](get_channel_status& x) { return to_connector(x.channel, x); },
      [=](resync_channel& x) { return to_connector(x.channel, x); },
      [=](get_lag& x) { return self->delegate(t.metrics, std::move(x)); },
      [=](get_placement& x) {
        auto p = t.ring->explain(x.sku);
        placement_info r;
        r.sku = x.sku;
        r.hash = p.hash;
        r.shard = p.shard;
        r.shard_count = t.ring->shard_count();
        r.owner_id = p.owner.id;
        r.owner_host = p.owner.host;
        r.owner_port = p.owner.port;
        r.owner_weight = p.owner_weight;
        if (p.runner_up) {
          r.runner_up_id = p.runner_up->id;
          r.runner_up_weight = p.runner_up_weight;
        }
        r.epoch = p.epoch;
        r.clustered = t.clustered;
        return r;
      },
  };
}

} // namespace

caf::actor spawn_admin(caf::actor_system& sys, admin_targets targets) {
  return sys.spawn(admin, std::move(targets));
}

} // namespace stockwire
