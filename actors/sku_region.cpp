#include "actors/sku_region.hpp"

#include <list>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/sku_actor.hpp"
#include "core/stock.hpp"
#include "persistence/store.hpp"

namespace stockwire {

namespace {

using clock_type = caf::actor_clock::clock_type;
using time_point = caf::actor_clock::time_point;

struct lru_node {
  std::string sku;
  time_point last_used;
};

struct entry {
  caf::actor actor;
  bool stopping = false;
  std::vector<std::pair<caf::response_promise, caf::message>> stash;
  std::list<lru_node>::iterator lru;
};

// A release waiting for the actors of its SKUs to stop.
struct release_wait {
  caf::response_promise rp;
  std::size_t live = 0; // actors still stopping
};

struct region_state {
  caf::actor journal;
  const store* db = nullptr;
  region_config cfg;
  std::unordered_map<std::string, entry> skus;
  std::unordered_map<caf::actor_addr, std::string> by_addr; // for down_msg
  std::list<lru_node> lru; // front: most recently used; live entries only
  region_stats stats;
  // Released SKUs (moving to another node) and the releases that wait for
  // their actors to stop.
  std::unordered_set<std::string> released;
  std::unordered_map<std::string, std::vector<std::shared_ptr<release_wait>>>
      release_waits;
  static inline const char* name = "stockwire.region";
};

using region_actor = caf::stateful_actor<region_state>;

void activate(region_actor* self, const std::string& sku, entry& e,
              std::optional<stock_state> loaded = std::nullopt) {
  auto& st = self->state;
  e.actor = spawn_sku_actor(self->system(), sku, st.journal, st.db,
                            std::move(loaded), st.cfg.channels, st.cfg.log);
  // Monitored, not linked: CAF keeps an actor's links in a list that each
  // unlink scans, which made every passivation O(active SKUs). A monitor
  // is attached to the SKU actor instead; shutdown stops the SKU actors
  // explicitly (see the exit handler).
  self->monitor(e.actor);
  st.by_addr.emplace(e.actor.address(), sku);
  e.stopping = false;
  st.lru.push_front(lru_node{sku, self->clock().now()});
  e.lru = st.lru.begin();
  ++st.stats.active;
  ++st.stats.activated;
}

void passivate(region_actor* self, entry& e) {
  auto& st = self->state;
  e.stopping = true;
  st.lru.erase(e.lru);
  --st.stats.active;
  ++st.stats.passivated;
  self->send(e.actor, passivate_atom::value);
}

void enforce_cap(region_actor* self) {
  auto& st = self->state;
  while (st.stats.active > st.cfg.active_skus_max && !st.lru.empty()) {
    auto& victim = st.skus[st.lru.back().sku];
    passivate(self, victim);
  }
}

// Whether a command may activate a SKU without stock (set_stock creates
// it; listings may precede stock).
enum class creates { no, yes };

caf::error moving(const std::string& sku) {
  return make_error(errc::owner_unavailable,
                    "sku " + sku +
                        " is moving to another node (membership change); "
                        "retry");
}

void route(region_actor* self, const std::string& sku, caf::message msg,
           creates may_create = creates::no) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (st.released.count(sku) != 0) {
    rp.deliver(moving(sku));
    return;
  }
  std::optional<stock_state> loaded;
  if (may_create == creates::no && st.skus.count(sku) == 0) {
    // Not live, so everything about it is on disk: a command for a SKU that
    // does not exist is answered here, without spending a slot of the
    // active set (a flood of unknown SKUs cannot evict real ones). The
    // record read is handed to the new actor, which need not read it again.
    stock_state s;
    auto found = st.db->get_stock(sku, &s);
    if (found.is_not_found()) {
      rp.deliver(make_error(errc::unknown_sku, "unknown sku " + sku));
      return;
    }
    if (found.is_ok())
      loaded = s;
  }
  auto [i, added] = st.skus.try_emplace(sku);
  auto& e = i->second;
  if (added) {
    activate(self, sku, e, std::move(loaded));
    enforce_cap(self);
  } else if (e.stopping) {
    e.stash.emplace_back(std::move(rp), std::move(msg));
    ++st.stats.stashed;
    return;
  } else {
    e.lru->last_used = self->clock().now();
    st.lru.splice(st.lru.begin(), st.lru, e.lru);
  }
  rp.delegate(e.actor, std::move(msg));
}

// The actor of `sku` is gone (passivated or died): forget it, or start a
// fresh one for commands that arrived while it was stopping.
void on_gone(region_actor* self, const std::string& sku,
             const caf::actor_addr& who) {
  auto& st = self->state;
  auto i = st.skus.find(sku);
  if (i == st.skus.end() || i->second.actor.address() != who)
    return;
  auto& e = i->second;
  st.by_addr.erase(who);
  if (!e.stopping) { // died unexpectedly while live
    st.lru.erase(e.lru);
    --st.stats.active;
  }
  if (st.released.count(sku) != 0) {
    for (auto& [rp, msg] : e.stash)
      rp.deliver(moving(sku));
    st.stats.stashed -= e.stash.size();
    st.skus.erase(i);
    auto w = st.release_waits.find(sku);
    if (w != st.release_waits.end()) {
      for (auto& wait : w->second)
        if (--wait->live == 0)
          wait->rp.deliver(caf::unit);
      st.release_waits.erase(w);
    }
    return;
  }
  if (e.stash.empty()) {
    st.skus.erase(i);
    return;
  }
  auto stash = std::move(e.stash);
  e.stash.clear();
  st.stats.stashed -= stash.size();
  activate(self, sku, e);
  for (auto& [rp, msg] : stash)
    rp.delegate(e.actor, std::move(msg));
  enforce_cap(self);
}

void passivate_idle(region_actor* self) {
  auto& st = self->state;
  auto now = self->clock().now();
  while (!st.lru.empty() &&
         now - st.lru.back().last_used >= st.cfg.idle_timeout)
    passivate(self, st.skus[st.lru.back().sku]);
}

std::chrono::milliseconds tick_interval(const region_config& cfg) {
  auto t = cfg.idle_timeout / 4;
  return std::clamp(t, std::chrono::milliseconds{10},
                    std::chrono::milliseconds{1000});
}

// Marks `skus` released and stops their live actors; answers once none is
// live.
caf::result<caf::unit_t> release(region_actor* self,
                                 const std::vector<std::string>& skus) {
  auto& st = self->state;
  auto wait = std::make_shared<release_wait>();
  for (auto& sku : skus) {
    st.released.insert(sku);
    auto i = st.skus.find(sku);
    if (i == st.skus.end())
      continue;
    if (!i->second.stopping)
      passivate(self, i->second);
    ++wait->live;
    st.release_waits[sku].push_back(wait);
  }
  if (wait->live == 0)
    return caf::unit;
  wait->rp = self->make_response_promise();
  return wait->rp;
}

caf::error invalid(std::string what) {
  return make_error(errc::invalid_argument, std::move(what));
}

template <class... Checks>
caf::error first_problem(Checks... checks) {
  for (auto& c : {checks...})
    if (c)
      return invalid(*c);
  return caf::error{};
}

// Reads the committed lines of an order: the orders index names its SKUs,
// each SKU's dedup record holds what the line did.
caf::error lookup_order(const store* db, const std::string& order_id,
                        order_lines* out) {
  std::vector<std::string> skus;
  auto st = db->get_order_skus(order_id, &skus);
  if (!st.is_ok())
    return make_error(errc::store_unavailable, st.to_string());
  auto& result = *out;
  result.order_id = order_id;
  for (auto& sku : skus) {
    dedup_record r;
    st = db->get_dedup(sku, op_kind::order, order_id, &r);
    if (st.is_not_found())
      continue; // purged after the retention period
    if (!st.is_ok())
      return make_error(errc::store_unavailable, st.to_string());
    result.lines.push_back(order_line_info{sku, r.amount, r.status, r.cancelled,
                                           r.channel, r.created_at_ms});
  }
  return {};
}

// Reads the store with `read` (caf::error read(T*)) once it holds
// everything acknowledged: at once without a write-ahead log; with one,
// after the journal's applier caught up (the journal answers catch_up_atom
// with `unit`, which arrives as an empty message).
template <class T, class Read>
caf::result<T> read_applied(region_actor* self, Read read) {
  if (self->state.cfg.log == nullptr) {
    T out;
    if (auto err = read(&out))
      return err;
    return out;
  }
  auto rp = self->make_response_promise<T>();
  self->request(self->state.journal, caf::infinite, catch_up_atom::value)
      .then(
          [rp, read]() mutable {
            T out;
            if (auto err = read(&out))
              rp.deliver(std::move(err));
            else
              rp.deliver(std::move(out));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// Refuses a command with `problem`, or routes it to its SKU's actor, which
// answers the caller directly.
template <class Command>
caf::result<void> admit(region_actor* self, Command& x, caf::error problem,
                        creates may_create = creates::no) {
  if (problem)
    return problem;
  auto sku = x.sku;
  route(self, sku, caf::make_message(std::move(x)), may_create);
  return caf::delegated<void>{};
}

caf::behavior region(region_actor* self, caf::actor journal, const store* db,
                     region_config cfg) {
  self->state.journal = std::move(journal);
  self->state.db = db;
  self->state.cfg = cfg;
  self->set_down_handler([=](caf::down_msg& dm) {
    // Normal passivations arrive as stopped_atom first (and erase the
    // address); this catches SKU actors that died.
    auto& st = self->state;
    auto i = st.by_addr.find(dm.source);
    if (i != st.by_addr.end()) {
      auto sku = i->second;
      on_gone(self, sku, dm.source);
    }
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    // Shutdown: the SKU actors go down with the region.
    for (auto& kv : self->state.skus)
      self->send_exit(kv.second.actor, em.reason);
    self->quit(em.reason);
  });
  if (cfg.idle_timeout.count() > 0)
    self->delayed_send(self, tick_interval(cfg), idle_atom::value);
  return {
      [=](place_order& x) {
        return admit(
            self, x,
            first_problem(validate_sku(x.sku), validate_op_id(x.order_id),
                          validate_qty(x.qty), validate_channel(x.channel)));
      },
      [=](cancel_order& x) {
        return admit(self, x,
                     first_problem(validate_sku(x.sku),
                                   validate_op_id(x.order_id),
                                   validate_channel(x.channel)));
      },
      [=](set_stock& x) {
        return admit(self, x,
                     first_problem(validate_sku(x.sku), validate_op_id(x.op_id),
                                   validate_channel(x.source)),
                     creates::yes);
      },
      [=](adjust_stock& x) {
        return admit(self, x,
                     first_problem(validate_sku(x.sku), validate_op_id(x.op_id),
                                   validate_channel(x.source)));
      },
      [=](get_stock& x) {
        return admit(self, x, first_problem(validate_sku(x.sku)));
      },
      [=](get_audit& x) {
        return admit(self, x, first_problem(validate_sku(x.sku)));
      },
      [=](put_listing& x) -> caf::result<void> {
        auto& dir = self->state.cfg.channels;
        if (dir && !dir->has(x.channel))
          return make_error(errc::unknown_channel, "no channel account '" +
                                                       x.channel +
                                                       "' is configured");
        return admit(
            self, x,
            first_problem(validate_sku(x.sku), validate_channel(x.channel)),
            creates::yes);
      },
      [=](delete_listing& x) {
        return admit(
            self, x,
            first_problem(validate_sku(x.sku), validate_channel(x.channel)),
            creates::yes);
      },
      [=](get_listings& q) -> caf::result<listing_set> {
        if (auto err = first_problem(validate_sku(q.sku)))
          return err;
        auto db = self->state.db;
        return read_applied<listing_set>(
            self, [db, sku = q.sku](listing_set* out) -> caf::error {
              out->sku = sku;
              auto st = db->get_listings(sku, &out->listings);
              if (!st.is_ok())
                return make_error(errc::store_unavailable, st.to_string());
              return {};
            });
      },
      [=](stopped_atom, const std::string& sku) {
        on_gone(self, sku, self->current_sender()->address());
      },
      [=](idle_atom) {
        passivate_idle(self);
        self->delayed_send(self, tick_interval(self->state.cfg),
                           idle_atom::value);
      },
      [=](find_order& q) -> caf::result<order_lines> {
        if (auto err = first_problem(validate_op_id(q.order_id)))
          return err;
        auto db = self->state.db;
        return read_applied<order_lines>(
            self, [db, id = q.order_id](order_lines* out) {
              return lookup_order(db, id, out);
            });
      },
      [=](get_sku_activity& q) -> caf::result<sku_activity> {
        // Asked about, not used: neither activates the SKU nor refreshes
        // its place in the LRU.
        auto& st = self->state;
        auto i = st.skus.find(q.sku);
        if (i == st.skus.end())
          return sku_activity{q.sku, false, false, 0, 0};
        if (i->second.stopping)
          return sku_activity{q.sku, true, true, i->second.stash.size(), 0};
        self->delegate(i->second.actor, std::move(q));
        return caf::delegated<sku_activity>{};
      },
      [=](stats_atom) { return self->state.stats; },
      [=](release_atom, const std::vector<std::string>& skus) {
        return release(self, skus);
      },
      [=](unrelease_atom, const std::vector<std::string>& skus) {
        for (auto& sku : skus)
          self->state.released.erase(sku);
      },
  };
}

} // namespace

caf::actor spawn_region(caf::actor_system& sys, caf::actor journal,
                        const store* db, region_config cfg) {
  return sys.spawn(region, std::move(journal), db, cfg);
}

} // namespace stockwire
