// The shard router: see router.hpp for the contract.
#include "actors/router.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/inspector.hpp"
#include "actors/messages.hpp"

namespace stockwire {

namespace {

// Reconnection: the first retry after a lost connection or a failed attempt
// comes after the minimum, each further failure doubles the wait up to the
// maximum. A restarted node is reachable again at most this long after it
// publishes its router.
constexpr std::chrono::milliseconds reconnect_backoff_min{100};
constexpr std::chrono::milliseconds reconnect_backoff_max{2000};

// A connection attempt (TCP connect and BASP handshake) still unanswered
// after this counts as failed.
constexpr std::chrono::milliseconds connect_timeout{2000};

// BASP heartbeats: without them a hung peer (SIGSTOP, a cable pulled) is
// never noticed (CAF-NOTES.md); the connection timeout declares it lost.
constexpr caf::timespan heartbeat_interval = std::chrono::milliseconds{500};
constexpr caf::timespan peer_silence_max = std::chrono::milliseconds{2000};

using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;
// (hello_atom, member id): sent to a router once connected to it, so that
// a peer waiting out its backoff connects back at once.
using hello_atom = caf::atom_constant<caf::atom("hello")>;

// Another member, and how the router reaches it.
struct peer {
  cluster::member member;
  caf::actor handle; // the remote router's proxy; invalid while unreachable
  bool connecting = false; // an attempt is under way
  std::chrono::milliseconds backoff = reconnect_backoff_min;
  bool outage_logged = false; // one warning per outage, not per attempt
};

struct router_state {
  router_config cfg;
  caf::actor region;
  caf::io::middleman_actor middleman;
  std::size_t self_index = 0; // in ring.members(), as every index here
  std::vector<peer> peers;    // one per member; peers[self_index] unused
  static inline const char* name = "stockwire.router";
};

using router_actor = caf::stateful_actor<router_state>;

// What each command answers (the region's contract, sku_region.hpp).
template <class Cmd>
struct reply_of;
template <>
struct reply_of<place_order> {
  using type = order_result;
};
template <>
struct reply_of<cancel_order> {
  using type = cancel_result;
};
template <>
struct reply_of<set_stock> {
  using type = stock_result;
};
template <>
struct reply_of<adjust_stock> {
  using type = stock_result;
};
template <>
struct reply_of<get_stock> {
  using type = stock_view;
};
template <>
struct reply_of<get_audit> {
  using type = audit_page;
};
template <>
struct reply_of<put_listing> {
  using type = listing_result;
};
template <>
struct reply_of<delete_listing> {
  using type = listing_result;
};
template <>
struct reply_of<get_listings> {
  using type = listing_set;
};
template <>
struct reply_of<find_order> {
  using type = order_lines;
};
template <>
struct reply_of<get_sku_activity> {
  using type = sku_activity;
};
template <>
struct reply_of<get_listing_status> {
  using type = listing_status;
};

// Commands answered by a node's inspector rather than its region, and
// whether the command names a SKU the receiving node must own.
template <class Cmd>
constexpr bool for_inspector_v =
    std::is_same_v<Cmd, get_listing_status> ||
    std::is_same_v<Cmd, get_node_report> ||
    std::is_same_v<Cmd, resync_channel>;
template <class Cmd>
constexpr bool names_sku_v = !std::is_same_v<Cmd, find_order> &&
                             !std::is_same_v<Cmd, get_node_report> &&
                             !std::is_same_v<Cmd, resync_channel>;

// "node2 at 127.0.0.1:4102"
std::string describe(const cluster::member& m) {
  return m.id + " at " + m.host + ":" + std::to_string(m.port);
}

caf::error unreachable(const peer& p) {
  return make_error(errc::owner_unavailable,
                    describe(p.member) + " is unreachable");
}

// What the caller hears when a request to member `i` (with `timeout`)
// failed: the owner's own answers unchanged, CAF's errors (timeout, lost
// link) as owner_unavailable naming the node.
caf::error forward_failure(const router_state& st, std::size_t i,
                           const caf::error& err,
                           std::chrono::milliseconds timeout) {
  if (err.category() == error_category())
    return err;
  auto& m = st.cfg.ring->members()[i];
  if (err == caf::sec::request_timeout)
    return make_error(errc::owner_unavailable,
                      describe(m) + " did not answer within " +
                          std::to_string(timeout.count()) + " ms");
  return make_error(errc::owner_unavailable, describe(m) +
                                                 " is unreachable (" +
                                                 caf::to_string(err) + ")");
}

// The same for a forward, whose timeout is the configuration's.
caf::error forward_failure(const router_state& st, std::size_t i,
                           const caf::error& err) {
  return forward_failure(st, i, err, st.cfg.forward_timeout);
}

// This node's part: the region, or the inspector for what it answers.
template <class Cmd>
caf::result<void> to_local(router_actor* self, Cmd& x) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  rp.delegate(for_inspector_v<Cmd> ? st.cfg.inspector : st.region,
              std::move(x));
  return caf::delegated<void>{};
}

std::size_t owner_of(const router_state& st, const std::string& sku) {
  auto& ring = *st.cfg.ring;
  return ring.owner_index(ring.shard_of(sku));
}

// A SKU command from the bridge: to the local region, or to the owner.
template <class Cmd>
caf::result<void> dispatch(router_actor* self, Cmd& x) {
  auto& st = self->state;
  auto owner = owner_of(st, x.sku);
  if (owner == st.self_index)
    return to_local(self, x);
  auto& p = st.peers[owner];
  if (!p.handle)
    return unreachable(p);
  auto rp = self->make_response_promise();
  using reply = typename reply_of<Cmd>::type;
  self->request(p.handle, st.cfg.forward_timeout, forward_atom::value,
                st.cfg.ring->epoch(), st.cfg.self_id, std::move(x))
      .then([rp](reply& r) mutable { rp.deliver(std::move(r)); },
            [self, owner, rp](caf::error& err) mutable {
              rp.deliver(forward_failure(self->state, owner, err));
            });
  return caf::delegated<void>{};
}

// A command another router forwarded here: fenced by epoch and ownership,
// then handed to the region like a local one.
template <class Cmd>
caf::result<void> accept_forward(router_actor* self, std::uint64_t epoch,
                                 const std::string& origin, Cmd& x) {
  auto& st = self->state;
  auto& ring = *st.cfg.ring;
  if (epoch != ring.epoch())
    return make_error(
        errc::owner_unavailable,
        "epoch mismatch: " + origin + " routes by epoch " +
            std::to_string(epoch) + " but " + st.cfg.self_id +
            " is at epoch " + std::to_string(ring.epoch()) +
            "; refused (the nodes run different cluster configurations)");
  if constexpr (names_sku_v<Cmd>) {
    auto owner = owner_of(st, x.sku);
    if (owner != st.self_index)
      return make_error(
          errc::owner_unavailable,
          st.cfg.self_id + " does not own SKU " + x.sku + " at epoch " +
              std::to_string(ring.epoch()) + " (" +
              ring.members()[owner].id + " does); refused a forward from " +
              origin + ", whose member list differs");
  }
  return to_local(self, x);
}

// An order's lines from every node, merged; any node unreachable or failing
// fails the lookup.
struct order_search {
  caf::response_promise rp;
  order_lines found;
  std::size_t waiting = 0;
  bool answered = false;
};

caf::result<void> find_everywhere(router_actor* self, find_order& q) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.peers.size(); ++i)
    if (i != st.self_index && !st.peers[i].handle)
      return make_error(errc::owner_unavailable,
                        describe(st.peers[i].member) +
                            " is unreachable, and an order's lines may "
                            "live on any node");
  auto search = std::make_shared<order_search>();
  search->rp = self->make_response_promise();
  search->found.order_id = q.order_id;
  search->waiting = st.peers.size();
  for (std::size_t i = 0; i < st.peers.size(); ++i) {
    auto on_lines = [search](order_lines& r) {
      auto& lines = search->found.lines;
      std::move(r.lines.begin(), r.lines.end(), std::back_inserter(lines));
      if (--search->waiting > 0 || search->answered)
        return;
      std::sort(lines.begin(), lines.end(),
                [](const order_line_info& x, const order_line_info& y) {
                  return x.sku < y.sku;
                });
      search->answered = true;
      search->rp.deliver(std::move(search->found));
    };
    auto on_error = [self, search, i](caf::error& err) {
      if (search->answered)
        return;
      search->answered = true;
      search->rp.deliver(forward_failure(self->state, i, err));
    };
    if (i == st.self_index)
      self->request(st.region, st.cfg.forward_timeout, q)
          .then(std::move(on_lines), std::move(on_error));
    else
      self->request(st.peers[i].handle, st.cfg.forward_timeout,
                    forward_atom::value, st.cfg.ring->epoch(),
                    st.cfg.self_id, q)
          .then(std::move(on_lines), std::move(on_error));
  }
  return caf::delegated<void>{};
}

// -- cluster-wide queries (stockctl) ------------------------------------------

// One query asked of every member's inspector: a member that is not
// connected, fails or does not answer in time is marked unreachable with
// the reason; the others' replies are kept, in member order.
template <class Reply>
struct gathering {
  std::vector<member_status> members;
  std::vector<std::optional<Reply>> replies; // one per member
  std::size_t waiting = 0;
  std::function<void(gathering&)> done;
};

template <class Reply>
void answered(const std::shared_ptr<gathering<Reply>>& g) {
  if (--g->waiting == 0)
    g->done(*g);
}

std::vector<member_status> member_list(const router_state& st) {
  auto& ring = *st.cfg.ring;
  std::vector<member_status> out;
  for (std::size_t i = 0; i < st.peers.size(); ++i) {
    auto& m = ring.members()[i];
    out.push_back(member_status{m.id, m.host, m.port,
                                ring.shards_per_member()[i],
                                i == st.self_index, false, {}});
  }
  return out;
}

template <class Reply, class Cmd>
void gather(router_actor* self, const Cmd& cmd,
            std::chrono::milliseconds timeout,
            std::function<void(gathering<Reply>&)> done) {
  auto& st = self->state;
  auto g = std::make_shared<gathering<Reply>>();
  g->members = member_list(st);
  g->replies.resize(st.peers.size());
  g->done = std::move(done);
  g->waiting = 1; // released below, after every request is out
  for (std::size_t i = 0; i < st.peers.size(); ++i) {
    auto on_reply = [g, i](Reply& r) {
      g->members[i].reachable = true;
      g->replies[i] = std::move(r);
      answered(g);
    };
    auto on_error = [self, g, i, timeout](caf::error& err) {
      g->members[i].error =
          error_detail(forward_failure(self->state, i, err, timeout));
      answered(g);
    };
    if (i == st.self_index) {
      ++g->waiting;
      self->request(st.cfg.inspector, timeout, cmd)
          .then(std::move(on_reply), std::move(on_error));
    } else if (st.peers[i].handle) {
      ++g->waiting;
      self->request(st.peers[i].handle, timeout, forward_atom::value,
                    st.cfg.ring->epoch(), st.cfg.self_id, cmd)
          .then(std::move(on_reply), std::move(on_error));
    } else {
      g->members[i].error = error_detail(unreachable(st.peers[i]));
    }
  }
  answered(g);
}

caf::result<void> report_everywhere(router_actor* self,
                                    const get_cluster_report& q) {
  auto rp = self->make_response_promise();
  auto& st = self->state;
  cluster_report rep;
  rep.self = st.cfg.self_id;
  rep.epoch = st.cfg.ring->epoch();
  rep.shard_count = st.cfg.ring->shard_count();
  rep.clustered = true;
  gather<node_report>(
      self, get_node_report{q.count_skus}, inspector_reply_timeout,
      [rp, rep](gathering<node_report>& g) mutable {
        rep.members = std::move(g.members);
        for (auto& r : g.replies)
          if (r)
            rep.reports.push_back(std::move(*r));
        rp.deliver(std::move(rep));
      });
  return caf::delegated<void>{};
}

caf::result<void> resync_everywhere(router_actor* self,
                                    const resync_cluster& q) {
  auto rp = self->make_response_promise();
  resync_report rep;
  rep.channel = q.channel;
  gather<resync_result>(
      self, resync_channel{q.channel, q.skus},
      self->state.cfg.forward_timeout,
      [rp, rep](gathering<resync_result>& g) mutable {
        for (std::size_t i = 0; i < g.replies.size(); ++i)
          if (g.replies[i])
            rep.results.push_back(
                node_resync{g.members[i].id, std::move(*g.replies[i])});
        rep.members = std::move(g.members);
        rp.deliver(std::move(rep));
      });
  return caf::delegated<void>{};
}

// -- connections --------------------------------------------------------------

void retry_later(router_actor* self, std::size_t i) {
  auto& p = self->state.peers[i];
  self->delayed_send(self, p.backoff, reconnect_atom::value,
                     static_cast<std::uint64_t>(i));
  p.backoff = std::min(p.backoff * 2, reconnect_backoff_max);
}

void connect_failed(router_actor* self, std::size_t i, const std::string& why) {
  auto& p = self->state.peers[i];
  p.connecting = false;
  if (!p.outage_logged) {
    spdlog::warn("cluster: {} is unreachable ({}); retrying with backoff up "
                 "to {} ms",
                 describe(p.member), why, reconnect_backoff_max.count());
    p.outage_logged = true;
  } else {
    spdlog::debug("cluster: {} still unreachable ({})", describe(p.member),
                  why);
  }
  retry_later(self, i);
}

void connect(router_actor* self, std::size_t i) {
  auto& st = self->state;
  auto& p = st.peers[i];
  if (p.handle || p.connecting)
    return;
  p.connecting = true;
  auto& m = p.member;
  self->request(st.middleman, connect_timeout, caf::connect_atom::value,
                m.host, m.port)
      .then(
          [self, i](caf::node_id&, caf::strong_actor_ptr& ptr,
                    std::set<std::string>&) {
            if (!ptr)
              return connect_failed(self, i, "no router is published there");
            auto& st = self->state;
            auto& p = st.peers[i];
            p.connecting = false;
            p.handle = caf::actor_cast<caf::actor>(std::move(ptr));
            self->monitor(p.handle);
            self->send(p.handle, hello_atom::value, st.cfg.self_id);
            p.backoff = reconnect_backoff_min;
            p.outage_logged = false;
            spdlog::info("cluster: connected to {}", describe(p.member));
          },
          [self, i](caf::error& err) {
            connect_failed(self, i, caf::to_string(err));
          });
}

void on_down(router_actor* self, const caf::down_msg& dm) {
  auto& peers = self->state.peers;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    auto& p = peers[i];
    if (!p.handle || p.handle.address() != dm.source)
      continue;
    p.handle = nullptr;
    p.outage_logged = true;
    if (dm.reason == caf::exit_reason::user_shutdown)
      spdlog::info("cluster: {} stopped; its SKUs answer 503 until it is "
                   "back",
                   describe(p.member));
    else
      spdlog::warn("cluster: lost {} ({}); its SKUs answer 503 until it is "
                   "back",
                   describe(p.member), caf::to_string(dm.reason));
    retry_later(self, i);
  }
}

caf::behavior router(router_actor* self, caf::actor region,
                     router_config cfg) {
  auto& st = self->state;
  st.region = std::move(region);
  st.cfg = std::move(cfg);
  st.middleman = self->system().middleman().actor_handle();
  auto& members = st.cfg.ring->members();
  for (std::size_t i = 0; i < members.size(); ++i) {
    st.peers.push_back(peer{members[i], caf::actor{}});
    if (members[i].id == st.cfg.self_id)
      st.self_index = i;
  }
  for (std::size_t i = 0; i < members.size(); ++i)
    if (i != st.self_index)
      connect(self, i);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  return {
      [=](place_order& x) { return dispatch(self, x); },
      [=](cancel_order& x) { return dispatch(self, x); },
      [=](set_stock& x) { return dispatch(self, x); },
      [=](adjust_stock& x) { return dispatch(self, x); },
      [=](get_stock& x) { return dispatch(self, x); },
      [=](get_audit& x) { return dispatch(self, x); },
      [=](put_listing& x) { return dispatch(self, x); },
      [=](delete_listing& x) { return dispatch(self, x); },
      [=](get_listings& x) { return dispatch(self, x); },
      [=](get_sku_activity& x) { return dispatch(self, x); },
      [=](get_listing_status& x) { return dispatch(self, x); },
      [=](find_order& q) { return find_everywhere(self, q); },
      [=](get_cluster_report& q) { return report_everywhere(self, q); },
      [=](resync_cluster& q) { return resync_everywhere(self, q); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          place_order& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          cancel_order& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o, set_stock& x) {
        return accept_forward(self, e, o, x);
      },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          adjust_stock& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o, get_stock& x) {
        return accept_forward(self, e, o, x);
      },
      [=](forward_atom, std::uint64_t e, const std::string& o, get_audit& x) {
        return accept_forward(self, e, o, x);
      },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          put_listing& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          delete_listing& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          get_listings& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          find_order& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          get_sku_activity& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          get_listing_status& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          get_node_report& x) { return accept_forward(self, e, o, x); },
      [=](forward_atom, std::uint64_t e, const std::string& o,
          resync_channel& x) { return accept_forward(self, e, o, x); },
      [=](reconnect_atom, std::uint64_t i) {
        connect(self, static_cast<std::size_t>(i));
      },
      [=](hello_atom, const std::string& id) {
        auto& st = self->state;
        auto* m = st.cfg.ring->find(id);
        if (m == nullptr || m->id == st.cfg.self_id)
          return;
        auto i = static_cast<std::size_t>(m - st.cfg.ring->members().data());
        st.peers[i].backoff = reconnect_backoff_min;
        connect(self, i);
      },
  };
}

} // namespace

void configure_cluster_networking(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", heartbeat_interval);
  cfg.set("middleman.connection-timeout", peer_silence_max);
}

caf::actor spawn_router(caf::actor_system& sys, caf::actor region,
                        router_config cfg) {
  return sys.spawn(router, std::move(region), std::move(cfg));
}

bool publish_router(caf::actor_system& sys, const caf::actor& router,
                    const std::string& host, std::uint16_t port,
                    std::string* error) {
  auto published = sys.middleman().publish(router, port, host.c_str(), true);
  if (!published) {
    *error = "cannot publish on " + host + ":" +
             std::to_string(port) + ": " + sys.render(published.error());
    return false;
  }
  return true;
}

} // namespace stockwire
