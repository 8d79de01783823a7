// The handoff actor: see handoff.hpp for the protocol and its contract.
// The behaviour, the journal, the gate of SKU commands, the sweep and the
// polls live here; imports in handoff_import.cpp, pushes in
// handoff_export.cpp (handoff_state.hpp says which part lives where).
#include "actors/handoff.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/handoff_state.hpp"
#include "actors/messages.hpp"
#include "persistence/store.hpp"

namespace stockwire {

namespace handoff_detail {

namespace {

// SKUs one import carries at most: bounds the message (a SKU's audit trail
// and dedup records travel whole) and the receiver's transaction.
constexpr std::size_t handoff_batch_skus_max = 64;

// SKUs the sweep reads from the store per page, and pages per step: a
// node holding a million SKUs it owns finishes a pass in about 12 s.
constexpr std::size_t sweep_page_skus_max = 1024;
constexpr std::size_t sweep_pages_per_step_max = 16;

// The sweep and the polls of previous owners run this often while work is
// left; after a failed push the sweep waits this long before trying again.
constexpr std::chrono::milliseconds sweep_interval{200};
constexpr std::chrono::milliseconds sweep_retry_delay{500};

// The journal fences the entries of a failed commit by this name until
// resume; it is no valid SKU (a space), so it never fences a real one.
const std::string journal_name = "handoff batch";

// meta key of the epoch whose move completed on this node.
const std::string settled_epoch_key = "settled_epoch";

} // namespace

// Fault injection for the process-level crash test
// (tests/membership_crash_test.py): a node started with
// STOCKWIRE_CRASH_POINT=<name> kills itself with SIGKILL when a move reaches
// that point, exactly as a crash there would. Points: handoff.released (old
// owner, SKUs released, nothing sent), handoff.imported (new owner, import
// committed, not acknowledged), handoff.acked (old owner, acknowledgement
// received, its copy not deleted).
void crash_point(const char* name) {
  static const char* armed = std::getenv("STOCKWIRE_CRASH_POINT");
  if (armed == nullptr || std::strcmp(armed, name) != 0)
    return;
  spdlog::critical("crash point {} reached: SIGKILL", name);
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

bool owns(const handoff_state& st, const std::string& sku) {
  return st.m.current->owner(sku).id == st.cfg.self_id;
}

caf::error epoch_refused(const handoff_state& st, const std::string& from,
                         std::uint64_t epoch) {
  return make_error(errc::owner_unavailable,
                    "epoch mismatch: " + from + " moves SKUs at epoch " +
                        std::to_string(epoch) + " but " + st.cfg.self_id +
                        " is at epoch " + std::to_string(st.m.epoch()) +
                        "; refused");
}

namespace {

void report(handoff_actor* self) {
  auto& st = self->state;
  self->send(st.router, moved_atom::value, st.m.epoch(), st.sweep_done,
             st.inbound_complete);
}

} // namespace

// -- journal ------------------------------------------------------------------

void commit(handoff_actor* self, write_batch batch, commit_done done) {
  auto& st = self->state;
  if (batch.empty()) {
    done(true, {});
    return;
  }
  journal_entry e;
  e.owner = caf::actor_cast<caf::strong_actor_ptr>(self);
  e.sku = journal_name;
  e.seq = st.next_seq++;
  e.ops = 1;
  e.writes = std::move(batch);
  st.commits.emplace(e.seq, std::move(done));
  self->send(st.journal, std::move(e));
}

namespace {

void on_commit_result(handoff_actor* self, std::uint64_t upto, bool ok,
                      const std::string& why) {
  auto& st = self->state;
  while (!st.commits.empty() && st.commits.begin()->first <= upto) {
    auto done = std::move(st.commits.begin()->second);
    st.commits.erase(st.commits.begin());
    done(ok, why);
  }
  if (!ok)
    self->send(st.journal, resume_atom::value, journal_name);
}

// -- inbound: commands --------------------------------------------------------

// A SKU command for a SKU this node owns while the move is incomplete: to
// the region once the SKU is known to be here, after a pull otherwise.
template <class Cmd>
caf::result<void> gate(handoff_actor* self, Cmd& x) {
  auto& st = self->state;
  auto sku = x.sku;
  if (!owns(st, sku))
    return make_error(errc::owner_unavailable,
                      st.cfg.self_id + " does not own sku " + sku +
                          " at epoch " + std::to_string(st.m.epoch()) +
                          " (the configuration is changing); retry");
  auto prev = st.m.previous_owner(sku);
  bool here = st.inbound_complete || st.confirmed.count(sku) != 0 ||
              prev == nullptr || prev->id == st.cfg.self_id;
  if (!here && st.importing.count(sku) == 0 && st.waiting.count(sku) == 0) {
    auto found = st.db->holds(sku, &here);
    if (!found.is_ok())
      return make_error(errc::store_unavailable, found.to_string());
  }
  if (here) {
    st.confirmed.insert(sku);
    auto rp = self->make_response_promise();
    rp.delegate(st.region, std::move(x));
    return caf::delegated<void>{};
  }
  auto& queue = st.waiting[sku];
  queue.emplace_back(self->make_response_promise(),
                     caf::make_message(std::move(x)));
  if (queue.size() == 1 && st.importing.count(sku) == 0)
    pull(self, sku, prev->id);
  return caf::delegated<void>{};
}

// -- the sweep and the polls --------------------------------------------------

void schedule(handoff_actor* self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  if (st.sweep_ticking)
    return;
  st.sweep_ticking = true;
  self->delayed_send(self, delay, sweep_atom::value);
}

void mark_inbound_complete(handoff_actor* self) {
  auto& st = self->state;
  st.inbound_complete = true;
  st.confirmed.clear();
  write_batch b;
  b.put_meta(settled_epoch_key, std::to_string(st.m.epoch()));
  commit(self, std::move(b), [](bool ok, const std::string& why) {
    if (!ok)
      spdlog::warn("handoff: cannot record the settled epoch: {}", why);
  });
  spdlog::info("handoff: every SKU this node owns at epoch {} is here",
               st.m.epoch());
  report(self);
}

void poll_previous(handoff_actor* self) {
  auto& st = self->state;
  if (st.inbound_complete)
    return;
  std::size_t open = 0;
  for (auto& m : st.m.previous->members()) {
    if (m.id == st.cfg.self_id || st.done_previous.count(m.id) != 0)
      continue;
    ++open;
    if (!st.polling.insert(m.id).second)
      continue; // asked already, no answer yet
    auto epoch = st.m.epoch();
    self->request(st.router, st.cfg.request_timeout,
                  handoff_poll{epoch, st.cfg.self_id, m.id})
        .then(
            [self, epoch, id = m.id](handoff_progress& p) {
              auto& st = self->state;
              st.polling.erase(id);
              if (st.m.epoch() != epoch || p.epoch != epoch || !p.sweep_done ||
                  st.inbound_complete)
                return;
              st.done_previous.insert(p.node);
              for (auto& m : st.m.previous->members())
                if (m.id != st.cfg.self_id && st.done_previous.count(m.id) == 0)
                  return;
              mark_inbound_complete(self);
            },
            [self, id = m.id](caf::error&) {
              self->state.polling.erase(id); // asked again at the next tick
            });
  }
  if (open == 0)
    mark_inbound_complete(self);
}

void finish_pass(handoff_actor* self) {
  auto& st = self->state;
  st.sweep_cursor.clear();
  if (st.pass_clean && st.in_push.empty()) {
    st.sweep_done = true;
    spdlog::info("handoff: this node holds only SKUs it owns at epoch {}",
                 st.m.epoch());
    report(self);
  }
  st.pass_clean = true;
}

// Starts one push of SKUs on `page` that this node does not own; false
// when there is none to start.
bool push_some(handoff_actor* self, const std::vector<std::string>& page) {
  auto& st = self->state;
  auto foreign = cluster::foreign_skus(*st.m.current, st.cfg.self_id, page);
  for (auto& [to, skus] : foreign) {
    st.pass_clean = false;
    std::vector<std::string> batch;
    for (auto& sku : skus)
      if (st.in_push.count(sku) == 0 && batch.size() < handoff_batch_skus_max)
        batch.push_back(sku);
    if (batch.empty())
      continue; // all in a pull's push: seen again next pass
    st.sweep_busy = true;
    auto epoch = st.m.epoch();
    push(self, to, std::move(batch), [self, epoch](bool ok) {
      auto& st = self->state;
      st.sweep_busy = false;
      if (st.m.epoch() == epoch && !st.sweep_done) {
        st.sweep_ticking = false; // the next step comes now (or later)
        schedule(self, ok ? std::chrono::milliseconds{0} : sweep_retry_delay);
      }
    });
    return true;
  }
  return false;
}

// One step of the sweep: pages of held SKUs until one holds SKUs this node
// does not own, then one push of those (the page is read again once the
// push ends, without the SKUs it moved).
void sweep_step(handoff_actor* self) {
  auto& st = self->state;
  for (std::size_t n = 0; n < sweep_pages_per_step_max; ++n) {
    if (st.sweep_done || st.sweep_busy)
      return;
    std::vector<std::string> page;
    auto found = st.db->held_skus(st.sweep_cursor, sweep_page_skus_max, &page);
    if (!found.is_ok()) {
      st.counters.last_error = found.to_string();
      return;
    }
    if (page.empty())
      return finish_pass(self);
    if (push_some(self, page))
      return;
    st.sweep_cursor = page.back();
    if (page.size() < sweep_page_skus_max)
      return finish_pass(self);
  }
}

void tick(handoff_actor* self) {
  auto& st = self->state;
  st.sweep_ticking = false;
  sweep_step(self);
  if (!st.inbound_complete)
    poll_previous(self);
  if (!st.sweep_done || !st.inbound_complete)
    schedule(self, sweep_interval);
}

// -- membership ---------------------------------------------------------------

void start_epoch(handoff_actor* self, std::uint64_t settled_epoch) {
  auto& st = self->state;
  st.sweep_done = false;
  st.pass_clean = true;
  st.sweep_cursor.clear();
  st.done_previous.clear();
  st.polling.clear();
  st.confirmed.clear();
  st.inbound_complete = !st.m.previous || settled_epoch == st.m.epoch() ||
                        !st.m.is_member(st.cfg.self_id);
  report(self);
  schedule(self, std::chrono::milliseconds{0});
}

void change(handoff_actor* self, const cluster::membership& next) {
  auto& st = self->state;
  st.m = next;
  auto moving = make_error(errc::owner_unavailable,
                           "the cluster configuration changed to epoch " +
                               std::to_string(next.epoch()) + "; retry");
  std::vector<std::string> skus;
  for (auto& [sku, cmds] : st.waiting)
    skus.push_back(sku);
  for (auto& sku : skus)
    release_waiting(self, sku, moving);
  // SKUs released for a move that this ring gives back to this node.
  std::vector<std::string> back;
  for (auto& sku : st.released)
    if (owns(st, sku) && st.in_push.count(sku) == 0)
      back.push_back(sku);
  for (auto& sku : back)
    st.released.erase(sku);
  if (!back.empty())
    self->send(st.region, unrelease_atom::value, back);
  write_batch b;
  b.put_meta("epoch", std::to_string(next.epoch()));
  commit(self, std::move(b), [](bool, const std::string&) {});
  spdlog::info("handoff: epoch {}: {} members{}{}", next.epoch(),
               next.current->members().size(),
               next.previous ? ", moving SKUs from epoch " +
                                   std::to_string(next.previous->epoch())
                             : std::string{},
               next.is_member(st.cfg.self_id) ? "" : "; this node is leaving");
  start_epoch(self, 0);
}

cluster_status status_of(const handoff_state& st) {
  auto s = st.counters;
  s.node = st.cfg.self_id;
  s.clustered = true;
  s.epoch = st.m.epoch();
  s.previous_epoch = st.m.previous ? st.m.previous->epoch() : 0;
  s.member = st.m.is_member(st.cfg.self_id);
  s.members.clear();
  for (auto& m : st.m.current->members())
    s.members.push_back(m.id);
  s.sweep_done = st.sweep_done;
  s.inbound_complete = st.inbound_complete;
  s.waiting_for.clear();
  if (!st.inbound_complete && st.m.previous)
    for (auto& m : st.m.previous->members())
      if (m.id != st.cfg.self_id && st.done_previous.count(m.id) == 0)
        s.waiting_for.push_back(m.id);
  return s;
}

caf::behavior handoff(handoff_actor* self, caf::actor router, caf::actor region,
                      caf::actor journal, const store* db,
                      channel_directory_ptr channels, handoff_config cfg) {
  auto& st = self->state;
  st.router = std::move(router);
  st.region = std::move(region);
  st.journal = std::move(journal);
  st.db = db;
  st.channels = std::move(channels);
  st.m = cfg.membership;
  auto settled = cfg.settled_epoch;
  st.cfg = std::move(cfg);
  start_epoch(self, settled);
  return {
      [=](place_order& x) { return gate(self, x); },
      [=](cancel_order& x) { return gate(self, x); },
      [=](set_stock& x) { return gate(self, x); },
      [=](adjust_stock& x) { return gate(self, x); },
      [=](get_stock& x) { return gate(self, x); },
      [=](get_audit& x) { return gate(self, x); },
      [=](put_listing& x) { return gate(self, x); },
      [=](delete_listing& x) { return gate(self, x); },
      [=](get_listings& x) { return gate(self, x); },
      [=](import_skus& x) { return accept_import(self, x); },
      [=](pull_sku& x) { return accept_pull(self, x); },
      [=](handoff_poll& x) -> caf::result<handoff_progress> {
        auto& st = self->state;
        if (x.epoch != st.m.epoch())
          return epoch_refused(st, x.from, x.epoch);
        return handoff_progress{st.m.epoch(), st.cfg.self_id, st.sweep_done};
      },
      [=](change_membership& x) { change(self, x.next); },
      [=](get_cluster_status&) { return status_of(self->state); },
      [=](list_held_skus& q) -> caf::result<held_sku_page> {
        held_sku_page page;
        auto limit = std::max<std::uint32_t>(1, q.limit);
        auto found = self->state.db->held_skus(q.after, limit + 1, &page.skus);
        if (!found.is_ok())
          return make_error(errc::store_unavailable, found.to_string());
        page.more = page.skus.size() > limit;
        page.skus.resize(std::min<std::size_t>(page.skus.size(), limit));
        return page;
      },
      [=](sweep_atom) { tick(self); },
      [=](committed_atom, std::uint64_t upto) {
        on_commit_result(self, upto, true, {});
      },
      [=](failed_atom, std::uint64_t seq, const std::string& why) {
        on_commit_result(self, seq, false, why);
      },
  };
}

} // namespace

} // namespace handoff_detail

caf::actor spawn_handoff(caf::local_actor* router, caf::actor region,
                         caf::actor journal, const store* db,
                         channel_directory_ptr channels, handoff_config cfg) {
  auto self = caf::actor_cast<caf::actor>(router);
  return router->spawn<caf::linked>(handoff_detail::handoff, self,
                                    std::move(region), std::move(journal), db,
                                    std::move(channels), std::move(cfg));
}

} // namespace stockwire
