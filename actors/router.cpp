// The shard router: see router.hpp for the contract.
#include "actors/router.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
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
#include "actors/handoff.hpp"
#include "actors/inspector.hpp"
#include "actors/messages.hpp"
#include "cluster/budget_share.hpp"
#include "tls/caf_module.hpp"

namespace stockwire {

namespace {

// Reconnection: the first retry after a lost connection or a failed attempt
// comes after the minimum, each further failure doubles the wait up to the
// maximum. A restarted node is reachable again at most this long after it
// publishes its router.
constexpr std::chrono::milliseconds reconnect_backoff_min{100};
constexpr std::chrono::milliseconds reconnect_backoff_max{2000};

// Two members dialling each other at the same moment open two connections,
// of which CAF then closes one (with TLS after two handshakes). So the
// member with the greater id dials this much later than the other, which
// has normally connected by then: its hello hands the later one that
// connection (adopt), and the later one does not dial at all.
constexpr std::chrono::milliseconds dial_stagger{500};

// A connection attempt (TCP connect and BASP handshake) still unanswered
// after this counts as failed.
constexpr std::chrono::milliseconds connect_timeout{2000};

// BASP heartbeats: without them a hung peer (SIGSTOP, a cable pulled) is
// never noticed (CAF-NOTES.md); the connection timeout declares it lost.
constexpr caf::timespan heartbeat_interval = std::chrono::milliseconds{500};
constexpr caf::timespan peer_silence_max = std::chrono::milliseconds{2000};

// Requests of the handoff actor to the router outlive the router's own
// request to the other node by this much, so the router's answer (naming
// the node) arrives first.
constexpr std::chrono::milliseconds handoff_request_margin{500};

using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;
// (hello_atom, member id): sent to a router once connected to it, so that
// it uses this connection (adopt) instead of dialling one of its own.
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
  cluster::membership m; // the current ring, and the previous one
  caf::actor region;
  caf::actor handoff;
  caf::io::middleman_actor middleman;
  // Every other member of the current and of the previous ring, by id.
  std::map<std::string, peer> peers;
  // The handoff actor's last report: commands for SKUs this node owns go
  // through it (gate) until every such SKU is here.
  bool gate = true;
  bool sweep_done = false;
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
struct reply_of<import_skus> {
  using type = import_ack;
};
template <>
struct reply_of<pull_sku> {
  using type = pull_result;
};
template <>
struct reply_of<handoff_poll> {
  using type = handoff_progress;
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
    std::is_same_v<Cmd, get_node_report> || std::is_same_v<Cmd, resync_channel>;
template <class Cmd>
constexpr bool names_sku_v =
    !std::is_same_v<Cmd, find_order> && !std::is_same_v<Cmd, get_node_report> &&
    !std::is_same_v<Cmd, resync_channel>;
// Commands for a SKU this node owns that wait behind a move (the handoff
// actor's gate pulls the SKU first): the region's SKU commands. stockctl's
// questions about a SKU (its actor, a connector's view of its listing)
// report what this node has now and never pull.
template <class Cmd>
constexpr bool gated_v = names_sku_v<Cmd> && !for_inspector_v<Cmd> &&
                         !std::is_same_v<Cmd, get_sku_activity>;

// "node2 at 127.0.0.1:4102"
std::string describe(const cluster::member& m) {
  return m.id + " at " + m.host + ":" + std::to_string(m.port);
}

caf::error unreachable(const peer& p) {
  return make_error(errc::owner_unavailable,
                    describe(p.member) + " is unreachable");
}

// What the caller hears when a request to member `m` (with `timeout`)
// failed: the owner's own answers unchanged, CAF's errors (timeout, lost
// link) as owner_unavailable naming the node.
caf::error forward_failure(const cluster::member& m, const caf::error& err,
                           std::chrono::milliseconds timeout) {
  if (err.category() == error_category())
    return err;
  if (err == caf::sec::request_timeout)
    return make_error(errc::owner_unavailable,
                      describe(m) + " did not answer within " +
                          std::to_string(timeout.count()) + " ms");
  return make_error(errc::owner_unavailable, describe(m) +
                                                 " is unreachable (" +
                                                 caf::to_string(err) + ")");
}

// The same for a forward, whose timeout is the configuration's.
caf::error forward_failure(const router_state& st, const cluster::member& m,
                           const caf::error& err) {
  return forward_failure(m, err, st.cfg.forward_timeout);
}

caf::result<void> report_here(router_actor* self, const get_node_report& q);

// This node's part: the region, or the inspector for what it answers (a
// node report completed with this node's view of the move).
template <class Cmd>
caf::result<void> to_local(router_actor* self, Cmd& x) {
  auto& st = self->state;
  if constexpr (std::is_same_v<Cmd, get_node_report>) {
    return report_here(self, x);
  } else {
    auto rp = self->make_response_promise();
    rp.delegate(for_inspector_v<Cmd> ? st.cfg.inspector : st.region,
                std::move(x));
    return caf::delegated<void>{};
  }
}

const cluster::member& owner_of(const router_state& st,
                                const std::string& sku) {
  return st.m.current->owner(sku);
}

// A command for a SKU this node owns: to the region (or inspector), or
// through the handoff actor while SKUs may still be moving here.
template <class Cmd>
caf::result<void> to_owned(router_actor* self, Cmd& x) {
  auto& st = self->state;
  if (!gated_v<Cmd> || !st.gate)
    return to_local(self, x);
  auto rp = self->make_response_promise();
  rp.delegate(st.handoff, std::move(x));
  return caf::delegated<void>{};
}

// Sends `xs` to the router of `to` and hands its reply (or the failure,
// naming `to`) to the caller.
template <class Reply, class... Ts>
caf::result<void> ask_peer(router_actor* self, const peer& to, Ts&&... xs) {
  if (!to.handle)
    return unreachable(to);
  auto rp = self->make_response_promise();
  self->request(to.handle, self->state.cfg.forward_timeout,
                std::forward<Ts>(xs)...)
      .then([rp](Reply& r) mutable { rp.deliver(std::move(r)); },
            [self, rp, m = to.member](caf::error& err) mutable {
              rp.deliver(forward_failure(self->state, m, err));
            });
  return caf::delegated<void>{};
}

// A SKU command from the bridge: to the local region, or to the owner.
template <class Cmd>
caf::result<void> dispatch(router_actor* self, Cmd& x) {
  auto& st = self->state;
  auto& owner = owner_of(st, x.sku);
  if (owner.id == st.cfg.self_id)
    return to_owned(self, x);
  auto& p = st.peers.at(owner.id);
  using reply = typename reply_of<Cmd>::type;
  return ask_peer<reply>(self, p, forward_atom::value, st.m.epoch(),
                         st.cfg.self_id, std::move(x));
}

// A handoff message: to this node's handoff actor, or relayed to `x.to`.
template <class Msg>
caf::result<void> relay(router_actor* self, Msg& x) {
  auto& st = self->state;
  if (x.to == st.cfg.self_id) {
    auto rp = self->make_response_promise();
    rp.delegate(st.handoff, std::move(x));
    return caf::delegated<void>{};
  }
  auto i = st.peers.find(x.to);
  if (i == st.peers.end())
    return make_error(errc::owner_unavailable,
                      x.to + " is no member of epoch " +
                          std::to_string(st.m.epoch()) + " on " +
                          st.cfg.self_id);
  using reply = typename reply_of<Msg>::type;
  return ask_peer<reply>(self, i->second, std::move(x));
}

// A command another router forwarded here: fenced by epoch and ownership,
// then handed to the region (or inspector) like a local one.
template <class Cmd>
caf::result<void> accept_forward(router_actor* self, std::uint64_t epoch,
                                 const std::string& origin, Cmd& x) {
  auto& st = self->state;
  auto& ring = *st.m.current;
  if (epoch != ring.epoch())
    return make_error(
        errc::owner_unavailable,
        "epoch mismatch: " + origin + " routes by epoch " +
            std::to_string(epoch) + " but " + st.cfg.self_id +
            " is at epoch " + std::to_string(ring.epoch()) +
            "; refused (the nodes run different cluster configurations)");
  if constexpr (names_sku_v<Cmd>) {
    auto& owner = owner_of(st, x.sku);
    if (owner.id != st.cfg.self_id)
      return make_error(
          errc::owner_unavailable,
          st.cfg.self_id + " does not own SKU " + x.sku + " at epoch " +
              std::to_string(ring.epoch()) + " (" + owner.id +
              " does); refused a forward from " + origin +
              ", whose member list differs");
    return to_owned(self, x);
  } else {
    return to_local(self, x);
  }
}

// An order's lines from every node (members and members leaving), merged;
// any node unreachable or failing fails the lookup. While a SKU moves, two
// nodes may both report its line (the new owner has it, the old one has
// not deleted its copy yet): the owner's is kept.
struct order_search {
  caf::response_promise rp;
  std::map<std::string, std::pair<bool, order_line_info>> by_sku; // owner's?
  std::string order_id;
  std::size_t waiting = 0;
  bool answered = false;
};

void merge_lines(const router_state& st, order_search& search,
                 const std::string& node, order_lines& r) {
  for (auto& line : r.lines) {
    bool from_owner = owner_of(st, line.sku).id == node;
    auto [i, added] =
        search.by_sku.try_emplace(line.sku, from_owner, line);
    if (!added && from_owner && !i->second.first)
      i->second = {true, std::move(line)};
  }
}

caf::result<void> find_everywhere(router_actor* self, find_order& q) {
  auto& st = self->state;
  for (auto& [id, p] : st.peers)
    if (!p.handle)
      return make_error(errc::owner_unavailable,
                        describe(p.member) +
                            " is unreachable, and an order's lines may "
                            "live on any node");
  auto search = std::make_shared<order_search>();
  search->rp = self->make_response_promise();
  search->order_id = q.order_id;
  search->waiting = st.peers.size() + 1;
  auto ask = [&](const std::string& node, const caf::actor& dest,
                 const cluster::member* m, auto&&... xs) {
    auto on_lines = [self, search, node](order_lines& r) {
      merge_lines(self->state, *search, node, r);
      if (--search->waiting > 0 || search->answered)
        return;
      order_lines found; // by_sku is sorted by SKU
      found.order_id = search->order_id;
      for (auto& [sku, line] : search->by_sku)
        found.lines.push_back(std::move(line.second));
      search->answered = true;
      search->rp.deliver(std::move(found));
    };
    auto on_error = [self, search, m](caf::error& err) {
      if (search->answered)
        return;
      search->answered = true;
      search->rp.deliver(m ? forward_failure(self->state, *m, err) : err);
    };
    self->request(dest, st.cfg.forward_timeout, xs...)
        .then(std::move(on_lines), std::move(on_error));
  };
  ask(st.cfg.self_id, st.region, nullptr, q);
  for (auto& [id, p] : st.peers)
    ask(id, p.handle, &p.member, forward_atom::value, st.m.epoch(),
        st.cfg.self_id, q);
  return caf::delegated<void>{};
}

// -- cluster-wide queries (stockctl) ------------------------------------------

// How long this node's handoff actor may take to say how its move stands.
constexpr std::chrono::milliseconds move_status_timeout{1000};

// This node's report being put together: its inspector's report and its
// handoff actor's view of the move (cluster_status).
struct local_report {
  caf::response_promise rp;
  node_report report;
  cluster_status move;
  std::size_t waiting = 2;
  bool failed = false;
};

void local_part_done(const std::shared_ptr<local_report>& j) {
  if (--j->waiting > 0 || j->failed)
    return;
  j->report.move = std::move(j->move);
  j->rp.deliver(std::move(j->report));
}

// The inspector's report of this node with the handoff actor's view of the
// move. A failed inspector fails the report; a silent handoff actor does
// not (the move's last_error says so).
caf::result<void> report_here(router_actor* self, const get_node_report& q) {
  auto& st = self->state;
  auto j = std::make_shared<local_report>();
  j->rp = self->make_response_promise();
  self->request(st.cfg.inspector, inspector_reply_timeout, q)
      .then(
          [j](node_report& r) {
            j->report = std::move(r);
            local_part_done(j);
          },
          [j](caf::error& err) {
            if (j->failed)
              return;
            j->failed = true;
            j->rp.deliver(std::move(err));
          });
  self->request(st.handoff, move_status_timeout, get_cluster_status{})
      .then(
          [j](cluster_status& s) {
            j->move = std::move(s);
            local_part_done(j);
          },
          [self, j](caf::error& err) {
            auto& st = self->state;
            j->move.node = st.cfg.self_id;
            j->move.clustered = true;
            j->move.epoch = st.m.epoch();
            j->move.member = st.m.is_member(st.cfg.self_id);
            j->move.sweep_done = st.sweep_done;
            j->move.inbound_complete = !st.gate;
            j->move.last_error =
                "the handoff actor did not answer: " + error_detail(err);
            local_part_done(j);
          });
  return caf::delegated<void>{};
}

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

// Whom a cluster-wide query asks, sorted by id: every member of the
// current ring and every member of the previous one that is leaving. A
// leaving member this node keeps no peer for (its move is complete here,
// so every previous owner reported that it holds nothing it does not own)
// is `left`: listed, not asked.
std::vector<member_status> member_list(const router_state& st) {
  auto& ring = *st.m.current;
  std::vector<member_status> out;
  auto add = [&](const cluster::member& m,
                 std::uint32_t shards) -> member_status& {
    auto& s = out.emplace_back();
    s.id = m.id;
    s.host = m.host;
    s.port = m.port;
    s.shards = shards;
    s.self = m.id == st.cfg.self_id;
    return s;
  };
  for (std::size_t i = 0; i < ring.members().size(); ++i)
    add(ring.members()[i], ring.shards_per_member()[i]);
  for (auto& m : st.m.leaving()) {
    auto& s = add(m, 0);
    s.leaving = true;
    s.left = !s.self && st.peers.count(m.id) == 0;
  }
  std::sort(out.begin(), out.end(),
            [](auto& x, auto& y) { return x.id < y.id; });
  return out;
}

// Asks `cmd` of every member on the list (this node included: the router
// forwards it to itself, so that every member answers through the same
// fence and the same handlers) and calls `done` once all have answered,
// failed or timed out.
template <class Reply, class Cmd>
void gather(router_actor* self, const Cmd& cmd,
            std::chrono::milliseconds timeout,
            std::function<void(gathering<Reply>&)> done) {
  auto& st = self->state;
  auto g = std::make_shared<gathering<Reply>>();
  g->members = member_list(st);
  g->replies.resize(g->members.size());
  g->done = std::move(done);
  g->waiting = 1; // released below, after every request is out
  for (std::size_t i = 0; i < g->members.size(); ++i) {
    auto& ms = g->members[i];
    if (ms.left)
      continue;
    caf::actor dest;
    if (ms.self) {
      dest = caf::actor_cast<caf::actor>(self);
    } else {
      auto& p = st.peers.at(ms.id);
      if (!p.handle) {
        ms.error = error_detail(unreachable(p));
        continue;
      }
      dest = p.handle;
    }
    ++g->waiting;
    self->request(dest, timeout, forward_atom::value, st.m.epoch(),
                  st.cfg.self_id, cmd)
        .then(
            [g, i](Reply& r) {
              g->members[i].reachable = true;
              g->replies[i] = std::move(r);
              answered(g);
            },
            [g, i, timeout](caf::error& err) {
              auto& ms = g->members[i];
              cluster::member m{ms.id, ms.host, ms.port};
              ms.error = error_detail(forward_failure(m, err, timeout));
              answered(g);
            });
  }
  answered(g);
}

caf::result<void> report_everywhere(router_actor* self,
                                    const get_cluster_report& q) {
  auto rp = self->make_response_promise();
  auto& st = self->state;
  cluster_report rep;
  rep.self = st.cfg.self_id;
  rep.epoch = st.m.epoch();
  rep.previous_epoch = st.m.previous ? st.m.previous->epoch() : 0;
  rep.shard_count = st.m.current->shard_count();
  rep.clustered = true;
  gather<node_report>(self, get_node_report{q.count_skus},
                      inspector_reply_timeout,
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
  gather<resync_result>(self, resync_channel{q.channel, q.skus},
                        self->state.cfg.forward_timeout,
                        [rp, rep](gathering<resync_result>& g) mutable {
                          for (std::size_t i = 0; i < g.replies.size(); ++i)
                            if (g.replies[i])
                              rep.results.push_back(node_resync{
                                  g.members[i].id, std::move(*g.replies[i])});
                          rep.members = std::move(g.members);
                          rp.deliver(std::move(rep));
                        });
  return caf::delegated<void>{};
}

// -- connections --------------------------------------------------------------

// How much later than `p` this node dials: dial_stagger when its id is the
// greater (see there), else nothing.
std::chrono::milliseconds stagger(router_actor* self, const peer& p) {
  return self->state.cfg.self_id > p.member.id
             ? dial_stagger
             : std::chrono::milliseconds{0};
}

void retry_later(router_actor* self, peer& p) {
  self->delayed_send(self, p.backoff + stagger(self, p),
                     reconnect_atom::value, p.member.id);
  p.backoff = std::min(p.backoff * 2, reconnect_backoff_max);
}

void connect_failed(router_actor* self, const std::string& id,
                    const std::string& why) {
  auto i = self->state.peers.find(id);
  if (i == self->state.peers.end())
    return; // no longer a member
  auto& p = i->second;
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
  retry_later(self, p);
}

// `p` is reachable through `handle`, its router's proxy.
void connected(router_actor* self, peer& p, caf::actor handle,
               const char* how) {
  p.handle = std::move(handle);
  self->monitor(p.handle);
  p.backoff = reconnect_backoff_min;
  p.outage_logged = false;
  spdlog::info("cluster: connected to {}{}", describe(p.member), how);
}

void connect(router_actor* self, const std::string& id) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end())
    return;
  auto& p = i->second;
  if (p.handle || p.connecting)
    return;
  p.connecting = true;
  auto& m = p.member;
  self->request(st.middleman, connect_timeout, caf::connect_atom::value,
                m.host, m.port)
      .then(
          [self, id](caf::node_id&, caf::strong_actor_ptr& ptr,
                     std::set<std::string>&) {
            if (!ptr)
              return connect_failed(self, id, "no router is published there");
            auto& st = self->state;
            auto i = st.peers.find(id);
            if (i == st.peers.end())
              return;
            auto& p = i->second;
            p.connecting = false;
            if (p.handle)
              return; // it dialled us meanwhile (adopt)
            connected(self, p, caf::actor_cast<caf::actor>(std::move(ptr)),
                      "");
            self->send(p.handle, hello_atom::value, st.cfg.self_id);
          },
          [self, id](caf::error& err) {
            connect_failed(self, id, caf::to_string(err));
          });
}

// A hello from member `id`: it connected to this node. Uses that
// connection (its sender is the member's router) instead of dialling a
// second one (see dial_stagger).
void adopt(router_actor* self, const std::string& id) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end())
    return;
  auto& p = i->second;
  if (p.handle)
    return;
  if (auto sender = caf::actor_cast<caf::actor>(self->current_sender()))
    connected(self, p, std::move(sender), " (it dialled)");
}

void on_down(router_actor* self, const caf::down_msg& dm) {
  for (auto& [id, p] : self->state.peers) {
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
    retry_later(self, p);
  }
}

// Keeps a peer for every other member of the current ring and, while SKUs
// may still be moving here, of the previous ring (members that left are
// asked for what they hold and, by find_order, for its lines); drops the
// others, connects to new ones. Once every SKU this node owns is here the
// members that left hold nothing more (each reported its sweep done).
void update_peers(router_actor* self) {
  auto& st = self->state;
  std::map<std::string, cluster::member> wanted;
  auto add = [&](const std::shared_ptr<const cluster::ring>& r) {
    if (r)
      for (auto& m : r->members())
        if (m.id != st.cfg.self_id)
          wanted.emplace(m.id, m);
  };
  add(st.m.current);
  if (st.gate)
    add(st.m.previous);
  for (auto i = st.peers.begin(); i != st.peers.end();) {
    auto w = wanted.find(i->first);
    if (w == wanted.end() || w->second != i->second.member) {
      if (i->second.handle)
        self->demonitor(i->second.handle);
      i = st.peers.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& [id, m] : wanted) {
    auto [i, added] = st.peers.emplace(id, peer{m, caf::actor{}});
    if (!added)
      continue;
    if (auto later = stagger(self, i->second); later.count() > 0)
      self->delayed_send(self, later, reconnect_atom::value, id);
    else
      connect(self, id);
  }
}

// -- membership changes ---------------------------------------------------------

// Every connector of the node paces by its share of its account's budget
// under the membership the router routes by (cluster/budget_share.hpp).
void tell_budget_share(router_actor* self) {
  auto& st = self->state;
  if (!st.cfg.channels)
    return;
  auto share = cluster::budget_share(cluster::pushing_nodes(st.m));
  for (auto& [id, connector] : st.cfg.channels->connectors)
    self->send(connector, set_budget_share{share});
}

caf::result<void> change(router_actor* self, change_membership& x) {
  auto& st = self->state;
  if (auto why = cluster::check_transition(&st.m, x.next, st.cfg.self_id);
      !why.empty())
    return make_error(errc::invalid_argument, why);
  if (st.gate || !st.sweep_done)
    return make_error(
        errc::invalid_argument,
        "the move to epoch " + std::to_string(st.m.epoch()) +
            " is not finished on " + st.cfg.self_id + " (" +
            (st.sweep_done ? "it still waits for SKUs it owns"
                           : "it still holds SKUs it does not own") +
            "); apply the next change once every node reports it settled "
            "(GET /v1/cluster)");
  st.m = x.next;
  st.gate = true;
  st.sweep_done = false;
  update_peers(self);
  if (st.cfg.inspector)
    self->send(st.cfg.inspector, x); // its SKU count goes by the new ring
  tell_budget_share(self);
  spdlog::info("cluster: epoch {} applied ({} members{})", st.m.epoch(),
               st.m.current->members().size(),
               st.m.is_member(st.cfg.self_id) ? "" : "; this node is leaving");
  self->send(st.handoff, std::move(x));
  return caf::unit;
}

caf::behavior router(router_actor* self, caf::actor region,
                     router_config cfg) {
  auto& st = self->state;
  st.region = std::move(region);
  st.cfg = std::move(cfg);
  st.m = st.cfg.membership;
  st.middleman = tls::connector(self->system());
  handoff_config hc;
  hc.membership = st.m;
  hc.self_id = st.cfg.self_id;
  hc.request_timeout = st.cfg.forward_timeout + handoff_request_margin;
  hc.settled_epoch = st.cfg.settled_epoch;
  st.handoff = spawn_handoff(self, st.region, st.cfg.journal, st.cfg.db,
                             st.cfg.channels, hc);
  update_peers(self);
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
      [=](import_skus& x) { return relay(self, x); },
      [=](pull_sku& x) { return relay(self, x); },
      [=](handoff_poll& x) { return relay(self, x); },
      [=](get_cluster_status& x) {
        return self->delegate(self->state.handoff, std::move(x));
      },
      [=](list_held_skus& x) {
        return self->delegate(self->state.handoff, std::move(x));
      },
      [=](change_membership& x) { return change(self, x); },
      [=](get_membership) { return self->state.m; },
      [=](moved_atom, std::uint64_t epoch, bool sweep_done,
          bool inbound_complete) {
        auto& st = self->state;
        if (epoch != st.m.epoch())
          return;
        st.sweep_done = sweep_done;
        bool was = st.gate;
        st.gate = !inbound_complete;
        if (was != st.gate)
          update_peers(self);
      },
      [=](reconnect_atom, const std::string& id) { connect(self, id); },
      [=](hello_atom, const std::string& id) { adopt(self, id); },
  };
}

} // namespace

placement_info placement_of(const cluster::membership& m,
                            const std::string& sku, bool clustered) {
  auto& ring = *m.current;
  auto p = ring.explain(sku);
  placement_info r;
  r.sku = sku;
  r.hash = p.hash;
  r.shard = p.shard;
  r.shard_count = ring.shard_count();
  r.owner_id = p.owner.id;
  r.owner_host = p.owner.host;
  r.owner_port = p.owner.port;
  r.owner_weight = p.owner_weight;
  if (p.runner_up) {
    r.runner_up_id = p.runner_up->id;
    r.runner_up_weight = p.runner_up_weight;
  }
  r.epoch = p.epoch;
  if (auto* prev = m.previous_owner(sku)) {
    r.previous_owner_id = prev->id;
    r.previous_epoch = m.previous->epoch();
  }
  r.clustered = clustered;
  return r;
}

void configure_cluster_networking(caf::actor_system_config& cfg,
                                  const tls::credentials& tls) {
  cfg.load<caf::io::middleman>();
  tls::load_module(cfg, tls);
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
  auto published = tls::publish(sys, router, host, port);
  if (!published) {
    *error = "cannot publish on " + host + ":" +
             std::to_string(port) + ": " + sys.render(published.error());
    return false;
  }
  return true;
}

} // namespace stockwire
