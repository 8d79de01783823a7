#include "actors/sku_actor.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/channel_directory.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/node_counters.hpp"
#include "core/limits.hpp"
#include "core/stock.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"

namespace stockwire {

namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

std::int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
      .count();
}

// What the channels hear once an operation is durable.
struct channel_notice {
  bool changed = false; // the stock changed: tell every listing
  std::int64_t received_ns = 0;
  std::string resync;         // tell this channel again (force)
  bool resync_urgent = false; // ... at once, even in poll mode (oversell)
  std::string removed;        // this channel's listing was deleted
  std::atomic<std::uint64_t>* counter = nullptr; // node counter to bump
  // A channel's order line decided for the first time: its channel's
  // count of that outcome.
  std::atomic<std::uint64_t>* channel_counter = nullptr;
  // An oversell: the channel `oversold_channel` must cancel this order.
  std::string oversold_channel;
  order_oversold oversold;
};

// A reply held back until the commit of `seq`.
struct pending_reply {
  std::uint64_t seq = 0;
  caf::response_promise rp;
  caf::message reply;
  stock_state after;    // stock once this operation is durable
  std::string inflight; // inflight dedup key to release, or empty
  channel_notice notice;
};

// The records one operation writes, before encoding.
struct op_records {
  bool has_stock = false;
  stock_state stock;
  bool has_dedup = false;
  op_kind dedup_kind = op_kind::order;
  std::string dedup_id;
  dedup_record dedup;
  bool has_audit = false;
  audit_record audit;
  bool has_cancel = false; // an oversell: the channel must cancel the order
  std::string cancel_channel;
  cancel_record cancel;
  channel_notice notice;
};

// A dedup record the store may not hold yet: handed to the journal and not
// yet durable, or (with a log) acknowledged but not yet applied.
struct inflight_dedup {
  std::uint64_t seq = 0;
  std::uint64_t lsn = 0; // with a log: its record once acknowledged, else 0
  dedup_record record;
};

struct sku_state {
  std::string sku;
  caf::actor journal;
  const store* db = nullptr;
  bool exists = false;      // the SKU has a stock record
  bool load_failed = false; // the store could not be read
  std::string load_error;
  stock_state stock;     // applied (may be ahead of the store)
  stock_state committed; // durable, what reads report
  std::uint64_t next_seq = 1;
  std::uint64_t reset_seq = 0; // notices at or below this are stale
  std::deque<pending_reply> pending;
  // Records not yet handed to the journal: sent as one entry when the
  // mailbox is drained (or the batch is full), so a hot SKU sends one
  // message per burst instead of one per order.
  write_batch outgoing;
  std::size_t outgoing_ops = 0;
  std::uint64_t outgoing_seq = 0;
  std::unordered_map<std::string, inflight_dedup> inflight;
  // Channels this SKU is listed on (applied: may be ahead of the store).
  channel_directory_ptr channels;
  std::vector<std::pair<std::string, listing>> listings;
  // The stock changed since the last flush: every listing gets an outbox
  // entry of the newest state in that flush (one per channel per burst).
  bool outbox_dirty = false;
  std::int64_t outbox_changed_ms = 0; // oldest change of the burst
  bool stopping = false;
  bool stopped = false; // told the region and quit
  caf::actor region;
  // With a write-ahead log (`log`): entries acknowledged up to
  // committed_upto, held by log records up to unapplied_lsn at most; the
  // store holds them once the applier released those records
  // (wal::released_lsn(), read after every message: the applier tells
  // nobody). In-flight dedup records stay until then; audit reads wait for
  // it; so does the stop. Something waiting asks the journal to answer once
  // the store caught up (awaiting_store while that request is out).
  const wal* log = nullptr;
  std::uint64_t committed_upto = 0;
  std::uint64_t unapplied_lsn = 0;
  std::uint64_t seen_released = 0; // released_lsn() at the last pruning
  bool awaiting_store = false;
  // A commit failed while acknowledged entries were not applied yet: the
  // store is reloaded once they are, commands wait (are refused) until then.
  bool reload_when_applied = false;
  std::vector<std::pair<caf::response_promise, get_audit>> audit_waits;
  static inline const char* name = "stockwire.sku";
};

using sku_actor = caf::stateful_actor<sku_state>;

std::string inflight_key(op_kind kind, const std::string& id) {
  std::string key;
  key.reserve(id.size() + 1);
  key.push_back(static_cast<char>(kind));
  key.append(id);
  return key;
}

void apply_loaded(sku_actor* self, const status& result, const stock_state& s);

void load_listings(sku_actor* self) {
  auto& st = self->state;
  if (st.load_failed)
    return;
  auto result = st.db->get_listings(st.sku, &st.listings);
  if (!result.is_ok()) {
    st.load_failed = true;
    st.load_error = result.to_string();
    spdlog::error("sku {}: cannot load listings: {}", st.sku, st.load_error);
  }
}

void load(sku_actor* self) {
  stock_state s;
  auto result = self->state.db->get_stock(self->state.sku, &s);
  apply_loaded(self, result, s);
  load_listings(self);
}

const listing* find_listing(const sku_state& st, const std::string& channel) {
  for (auto& [c, l] : st.listings)
    if (c == channel)
      return &l;
  return nullptr;
}

void apply_loaded(sku_actor* self, const status& result, const stock_state& s) {
  auto& st = self->state;
  st.load_failed = false;
  if (result.is_ok()) {
    st.exists = true;
    st.stock = s;
  } else if (result.is_not_found()) {
    st.exists = false;
    st.stock = stock_state{};
  } else {
    st.load_failed = true;
    st.load_error = result.to_string();
    spdlog::error("sku {}: cannot load: {}", st.sku, st.load_error);
  }
  st.committed = st.stock;
}

// Whether the store holds everything this actor acknowledged.
bool store_caught_up(const sku_state& st) {
  return st.log == nullptr || st.unapplied_lsn < st.log->released_lsn();
}

void finish_stop_if_idle(sku_actor* self) {
  auto& st = self->state;
  if (st.stopping && !st.stopped && st.pending.empty() && store_caught_up(st)) {
    st.stopped = true;
    self->send(st.region, stopped_atom::value, st.sku);
    self->quit();
  }
}

// Looks up an operation id: in flight first, then the store.
// Returns false (and fails rp) when the store cannot be read.
bool find_dedup(sku_actor* self, op_kind kind, const std::string& id,
                dedup_record* out, bool* found, bool* in_flight,
                caf::response_promise& rp) {
  auto& st = self->state;
  auto i = st.inflight.find(inflight_key(kind, id));
  if (i != st.inflight.end()) {
    *out = i->second.record;
    *found = true;
    *in_flight = true;
    return true;
  }
  *in_flight = false;
  auto result = st.db->get_dedup(st.sku, kind, id, out);
  if (result.is_ok()) {
    *found = true;
    return true;
  }
  if (result.is_not_found()) {
    *found = false;
    return true;
  }
  rp.deliver(make_error(errc::store_unavailable, "cannot read operation " + id +
                                                     " of " + st.sku + ": " +
                                                     result.to_string()));
  return false;
}

// Queues `reply` behind the newest pending operation: delivered once
// everything before it is durable.
void reply_after_pending(sku_actor* self, caf::response_promise rp,
                         caf::message reply) {
  auto& st = self->state;
  if (st.pending.empty()) {
    rp.deliver(std::move(reply));
    return;
  }
  pending_reply p;
  p.seq = st.pending.back().seq;
  p.rp = std::move(rp);
  p.reply = std::move(reply);
  p.after = st.pending.back().after;
  st.pending.push_back(std::move(p));
}

void flush_outgoing(sku_actor* self) {
  auto& st = self->state;
  if (st.outgoing_ops == 0)
    return;
  if (st.outbox_dirty) {
    outbox_record r{st.stock.version, st.stock.available(),
                    st.outbox_changed_ms};
    for (auto& [channel, ids] : st.listings)
      st.outgoing.put_outbox(channel, st.sku, r);
    st.outbox_dirty = false;
  }
  journal_entry e;
  e.owner = caf::actor_cast<caf::strong_actor_ptr>(self);
  e.sku = st.sku;
  e.seq = st.outgoing_seq;
  e.ops = static_cast<std::uint32_t>(st.outgoing_ops);
  e.writes = std::move(st.outgoing);
  e.via_log = st.log != nullptr;
  st.outgoing.clear();
  st.outgoing_ops = 0;
  self->send(st.journal, std::move(e));
}

void observe_store(sku_actor* self);

// Called at the end of every handler: once nothing else waits in the
// mailbox, the gathered records go to the journal; and what the applier
// did meanwhile is looked at.
void settle(sku_actor* self) {
  if (self->state.outgoing_ops > 0 && self->mailbox().empty())
    flush_outgoing(self);
  observe_store(self);
}

// Answers a retry with the stored result: at once when that result is
// durable, behind the pending operations while it is still in flight.
void answer_replay(sku_actor* self, caf::response_promise rp,
                   caf::message reply, bool in_flight) {
  if (in_flight)
    reply_after_pending(self, std::move(rp), std::move(reply));
  else
    rp.deliver(std::move(reply));
}

// Records the operation for the journal and parks its reply.
void journal_and_reply(sku_actor* self, caf::response_promise rp,
                       caf::message reply, op_records r,
                       const std::string& dedup_ikey) {
  auto& st = self->state;
  auto seq = st.next_seq++;
  if (r.has_stock)
    st.outgoing.put_stock(st.sku, r.stock);
  if (r.has_dedup) {
    st.outgoing.put_dedup(st.sku, r.dedup_kind, r.dedup_id, r.dedup);
    st.inflight[dedup_ikey] = inflight_dedup{seq, 0, std::move(r.dedup)};
  }
  if (r.has_audit)
    st.outgoing.put_audit(st.sku, r.audit);
  if (r.has_cancel)
    st.outgoing.put_cancel(r.cancel_channel, r.dedup_id, st.sku, r.cancel);
  if (r.has_stock) {
    r.notice.changed = true;
    r.notice.received_ns = now_ns();
    if (!st.outbox_dirty) {
      st.outbox_dirty = true;
      st.outbox_changed_ms = r.notice.received_ns / 1'000'000;
    }
  }
  st.outgoing_seq = seq;
  ++st.outgoing_ops;
  pending_reply p;
  p.seq = seq;
  p.rp = std::move(rp);
  p.reply = std::move(reply);
  p.after = st.stock;
  p.inflight = r.has_dedup ? dedup_ikey : std::string{};
  p.notice = std::move(r.notice);
  st.pending.push_back(std::move(p));
  if (st.outgoing_ops >= limits::sku_journal_ops_max)
    flush_outgoing(self);
}

bool refuse_if_unusable(sku_actor* self, caf::response_promise& rp,
                        bool must_exist) {
  auto& st = self->state;
  if (st.reload_when_applied) {
    rp.deliver(make_error(errc::store_unavailable,
                          "a commit of " + st.sku +
                              " failed; its state reloads once the store "
                              "holds what was acknowledged before"));
    return true;
  }
  if (st.load_failed) {
    load(self); // the store may be readable again
    if (st.load_failed) {
      rp.deliver(make_error(errc::store_unavailable,
                            "cannot load " + st.sku + ": " + st.load_error));
      return true;
    }
  }
  if (must_exist && !st.exists) {
    rp.deliver(make_error(errc::unknown_sku, "unknown sku " + st.sku));
    return true;
  }
  return false;
}

order_result order_reply(const sku_state& st, const std::string& order_id,
                         const dedup_record& r, bool replayed) {
  return order_result{st.sku,          order_id, r.status, r.available_after,
                      r.version_after, replayed};
}

void handle_place(sku_actor* self, place_order& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (refuse_if_unusable(self, rp, true))
    return;
  dedup_record prior;
  bool found = false;
  bool in_flight = false;
  if (!find_dedup(self, op_kind::order, cmd.order_id, &prior, &found,
                  &in_flight, rp))
    return;
  if (found && prior.status == order_status::voided) {
    // Cancelled before it arrived: whatever it says, it takes nothing.
    auto reply = caf::make_message(order_reply(st, cmd.order_id, prior, true));
    counters().orders_replayed.fetch_add(1, std::memory_order_relaxed);
    answer_replay(self, std::move(rp), std::move(reply), in_flight);
    return;
  }
  if (found) {
    if (judge_retry(prior, op_kind::order, cmd.qty, cmd.channel) ==
        replay_verdict::conflict) {
      rp.deliver(make_error(errc::id_conflict,
                            "order " + cmd.order_id +
                                " was already placed for " + st.sku +
                                " with qty " + std::to_string(prior.amount) +
                                " on channel '" + prior.channel + "'"));
      return;
    }
    auto reply = caf::make_message(order_reply(st, cmd.order_id, prior, true));
    counters().orders_replayed.fetch_add(1, std::memory_order_relaxed);
    answer_replay(self, std::move(rp), std::move(reply), in_flight);
    return;
  }
  auto now = now_ms();
  auto d = decide_order(st.stock, cmd.qty, now);
  op_records e;
  e.has_dedup = true;
  e.dedup_kind = op_kind::order;
  e.dedup_id = cmd.order_id;
  e.dedup.kind = op_kind::order;
  e.dedup.status = d.status;
  e.dedup.amount = cmd.qty;
  e.dedup.channel = cmd.channel;
  e.dedup.on_hand_after = d.next.on_hand;
  e.dedup.available_after = d.next.available();
  e.dedup.version_after = d.next.version;
  e.dedup.created_at_ms = now;
  // The origin channel is told again even if the number it should show
  // did not move: a rejected order means it showed stock we do not have
  // (told at once, also by a polling connector), an accepted one that it
  // counted its own sale down (maybe differently).
  if (find_listing(st, cmd.channel) != nullptr) {
    e.notice.resync = cmd.channel;
    e.notice.resync_urgent = !d.changed;
  }
  e.notice.counter =
      d.changed ? &counters().orders_accepted : &counters().orders_rejected;
  if (cmd.from_channel && !cmd.channel.empty()) {
    auto& c = channel_order_counts(cmd.channel);
    e.notice.channel_counter = d.changed ? &c.accepted : &c.rejected;
  }
  if (cmd.from_channel && !cmd.channel.empty() && !d.changed) {
    // An oversell: the channel sold what we do not have. The order's
    // cancellation is owed durably, in the rejection's own transaction; a
    // replay finds the dedup record above and never gets here.
    e.has_cancel = true;
    e.cancel_channel = cmd.channel;
    e.cancel = cancel_record{cmd.qty, now};
    e.notice.oversold_channel = cmd.channel;
    e.notice.oversold =
        order_oversold{st.sku, cmd.order_id, cmd.qty, now, false};
  }
  if (d.changed) {
    st.stock = d.next;
    e.has_stock = true;
    e.stock = d.next;
    e.has_audit = true;
    e.audit = audit_record{d.next.version,     cmd.order_id, op_kind::order,
                           cmd.channel,        d.delta,      d.next.on_hand,
                           d.next.available(), now};
  }
  auto reply = caf::make_message(order_reply(st, cmd.order_id, e.dedup, false));
  auto ikey = inflight_key(op_kind::order, cmd.order_id);
  journal_and_reply(self, std::move(rp), std::move(reply), std::move(e), ikey);
}

// A cancel that came before its order: the order's dedup record is written
// as a tombstone (voided, cancelled), so the order, when it comes, takes
// nothing. No stock change, no audit record.
void record_tombstone(sku_actor* self, const cancel_order& cmd,
                      caf::response_promise rp) {
  auto& st = self->state;
  op_records e;
  e.has_dedup = true;
  e.dedup_kind = op_kind::order;
  e.dedup_id = cmd.order_id;
  e.dedup.kind = op_kind::order;
  e.dedup.status = order_status::voided;
  e.dedup.channel = cmd.channel;
  e.dedup.on_hand_after = st.stock.on_hand;
  e.dedup.available_after = st.stock.available();
  e.dedup.version_after = st.stock.version;
  e.dedup.cancelled = true;
  e.dedup.cancel_version = st.stock.version;
  e.dedup.cancel_available_after = st.stock.available();
  e.dedup.created_at_ms = now_ms();
  auto reply = caf::make_message(cancel_result{
      st.sku, cmd.order_id, 0, st.stock.available(), st.stock.version, false});
  auto ikey = inflight_key(op_kind::order, cmd.order_id);
  journal_and_reply(self, std::move(rp), std::move(reply), std::move(e), ikey);
}

void handle_cancel(sku_actor* self, cancel_order& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (refuse_if_unusable(self, rp, true))
    return;
  dedup_record order;
  bool found = false;
  bool in_flight = false;
  if (!find_dedup(self, op_kind::order, cmd.order_id, &order, &found,
                  &in_flight, rp))
    return;
  if (!found && cmd.void_if_unknown) {
    record_tombstone(self, cmd, std::move(rp));
    return;
  }
  if (!found) {
    rp.deliver(
        make_error(errc::unknown_order,
                   "order " + cmd.order_id + " is unknown for sku " + st.sku));
    return;
  }
  auto replay = [&](std::int64_t restored, std::int64_t available,
                    std::uint64_t version) {
    auto reply = caf::make_message(cancel_result{st.sku, cmd.order_id, restored,
                                                 available, version, true});
    answer_replay(self, std::move(rp), std::move(reply), in_flight);
  };
  if (order.status != order_status::accepted) {
    // Nothing was taken; the answer is the same however often it is asked.
    replay(0, st.committed.available(), st.committed.version);
    return;
  }
  if (order.cancelled) {
    replay(order.amount, order.cancel_available_after, order.cancel_version);
    return;
  }
  auto now = now_ms();
  auto d = decide_cancel(st.stock, order.amount, now);
  if (d.error != errc::none) {
    rp.deliver(make_error(d.error, "cancel of " + cmd.order_id + " for " +
                                       st.sku + " exceeds the quantity range"));
    return;
  }
  st.stock = d.next;
  auto source = cmd.channel.empty() ? order.channel : cmd.channel;
  op_records e;
  e.has_stock = true;
  e.stock = d.next;
  e.has_dedup = true;
  e.dedup_kind = op_kind::order;
  e.dedup_id = cmd.order_id;
  e.dedup = order;
  e.dedup.cancelled = true;
  e.dedup.cancel_version = d.next.version;
  e.dedup.cancel_available_after = d.next.available();
  e.has_audit = true;
  e.audit =
      audit_record{d.next.version, cmd.order_id,   op_kind::cancel,    source,
                   d.delta,        d.next.on_hand, d.next.available(), now};
  e.notice.counter = &counters().cancels;
  auto reply = caf::make_message(cancel_result{st.sku, cmd.order_id,
                                               order.amount, d.next.available(),
                                               d.next.version, false});
  auto ikey = inflight_key(op_kind::order, cmd.order_id);
  journal_and_reply(self, std::move(rp), std::move(reply), std::move(e), ikey);
}

// set_stock and adjust_stock share everything but the rule they apply.
void handle_stock_change(sku_actor* self, op_kind kind,
                         const std::string& op_id, std::int64_t amount,
                         const std::string& source) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (refuse_if_unusable(self, rp, kind == op_kind::adjust))
    return;
  dedup_record prior;
  bool found = false;
  bool in_flight = false;
  if (!find_dedup(self, kind, op_id, &prior, &found, &in_flight, rp))
    return;
  if (found) {
    if (judge_retry(prior, kind, amount, source) == replay_verdict::conflict) {
      rp.deliver(make_error(
          errc::id_conflict,
          "idempotency key " + op_id + " was already used for " + st.sku +
              " with a different " + std::string{op_kind_name(prior.kind)}));
      return;
    }
    auto reply = caf::make_message(
        stock_result{st.sku, op_id, prior.on_hand_after, prior.available_after,
                     prior.version_after, true});
    answer_replay(self, std::move(rp), std::move(reply), in_flight);
    return;
  }
  auto now = now_ms();
  auto d = kind == op_kind::set ? decide_set(st.stock, amount, now)
                                : decide_adjust(st.stock, amount, now);
  if (d.error != errc::none) {
    rp.deliver(make_error(
        d.error, std::string{op_kind_name(kind)} + " " +
                     std::to_string(amount) + " refused for " + st.sku +
                     ": on_hand " + std::to_string(st.stock.on_hand) +
                     ", available " + std::to_string(st.stock.available()) +
                     " (the result would be out of range or below zero)"));
    return;
  }
  st.stock = d.next;
  st.exists = true;
  op_records e;
  e.has_stock = true;
  e.stock = d.next;
  e.has_dedup = true;
  e.dedup_kind = kind;
  e.dedup_id = op_id;
  e.dedup.kind = kind;
  e.dedup.amount = amount;
  e.dedup.channel = source;
  e.dedup.on_hand_after = d.next.on_hand;
  e.dedup.available_after = d.next.available();
  e.dedup.version_after = d.next.version;
  e.dedup.created_at_ms = now;
  e.has_audit = true;
  e.audit = audit_record{
      d.next.version,     op_id, kind, source, d.delta, d.next.on_hand,
      d.next.available(), now};
  e.notice.counter = &counters().stock_changes;
  auto reply = caf::make_message(stock_result{st.sku, op_id, d.next.on_hand,
                                              d.next.available(),
                                              d.next.version, false});
  journal_and_reply(self, std::move(rp), std::move(reply), std::move(e),
                    inflight_key(kind, op_id));
}

// Tells the connectors what the commit just made durable: every listing
// hears of a stock change (with when each change was received), a channel
// to resync hears the current state again.
void notify_channels(sku_actor* self, std::vector<std::int64_t> received_ns,
                     const std::vector<std::pair<std::string, bool>>& resync,
                     const std::vector<std::string>& removed) {
  auto& st = self->state;
  if (!st.channels)
    return;
  for (auto& channel : removed)
    if (auto c = st.channels->find(channel))
      self->send(c, listing_removed{st.sku});
  if (st.committed.version == 0)
    return; // no stock yet: nothing to show
  auto send = [&](const std::string& channel, const listing& ids, bool force,
                  bool urgent, std::vector<std::int64_t> times) {
    if (auto c = st.channels->find(channel))
      self->send(c, sku_changed{st.sku, ids, st.committed.available(),
                                st.committed.version, std::move(times), force,
                                urgent});
  };
  if (!received_ns.empty())
    for (auto& [channel, ids] : st.listings)
      send(channel, ids, false, false, received_ns);
  for (auto& [channel, urgent] : resync)
    if (auto ids = find_listing(st, channel))
      send(channel, *ids, true, urgent, {});
}

void handle_put_listing(sku_actor* self, put_listing& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (refuse_if_unusable(self, rp, false))
    return;
  bool created = true;
  for (auto& [channel, ids] : st.listings)
    if (channel == cmd.channel) {
      ids = cmd.ids;
      created = false;
    }
  if (created)
    st.listings.emplace_back(cmd.channel, cmd.ids);
  st.outgoing.put_listing(st.sku, cmd.channel, cmd.ids);
  op_records e;
  if (st.exists) {
    // The channel must learn the current quantity: pending until it does.
    st.outgoing.put_outbox(
        cmd.channel, st.sku,
        outbox_record{st.stock.version, st.stock.available(), now_ms()});
    e.notice.resync = cmd.channel; // a polling connector waits for its tick
  }
  auto reply = caf::make_message(
      listing_result{st.sku, cmd.channel, std::move(cmd.ids), created, false});
  journal_and_reply(self, std::move(rp), std::move(reply), std::move(e), {});
}

void handle_delete_listing(sku_actor* self, delete_listing& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (refuse_if_unusable(self, rp, false))
    return;
  auto i = std::find_if(st.listings.begin(), st.listings.end(),
                        [&](auto& x) { return x.first == cmd.channel; });
  if (i == st.listings.end()) {
    rp.deliver(make_error(errc::unknown_listing,
                          st.sku + " is not listed on " + cmd.channel));
    return;
  }
  auto ids = std::move(i->second);
  st.listings.erase(i);
  st.outgoing.delete_listing(st.sku, cmd.channel);
  st.outgoing.delete_outbox(cmd.channel, st.sku);
  op_records e;
  e.notice.removed = cmd.channel;
  auto reply = caf::make_message(
      listing_result{st.sku, cmd.channel, std::move(ids), false, true});
  journal_and_reply(self, std::move(rp), std::move(reply), std::move(e), {});
}

void on_committed(sku_actor* self, std::uint64_t upto) {
  auto& st = self->state;
  if (upto <= st.reset_seq)
    return;
  std::vector<std::int64_t> received_ns;
  std::vector<std::pair<std::string, bool>> resync;
  std::vector<std::string> removed;
  // With a log, what this commit acknowledged is in its record or an
  // earlier one: at most the last record synced by now.
  const std::uint64_t lsn = st.log != nullptr ? st.log->last_synced_lsn() : 0;
  if (!st.pending.empty() && st.pending.front().seq <= upto)
    st.unapplied_lsn = std::max(st.unapplied_lsn, lsn);
  while (!st.pending.empty() && st.pending.front().seq <= upto) {
    auto& p = st.pending.front();
    st.committed = p.after;
    if (p.notice.counter)
      p.notice.counter->fetch_add(1, std::memory_order_relaxed);
    if (p.notice.channel_counter)
      p.notice.channel_counter->fetch_add(1, std::memory_order_relaxed);
    if (p.notice.changed)
      received_ns.push_back(p.notice.received_ns);
    if (!p.notice.resync.empty())
      resync.emplace_back(std::move(p.notice.resync), p.notice.resync_urgent);
    if (!p.notice.oversold_channel.empty() && st.channels)
      if (auto c = st.channels->find(p.notice.oversold_channel))
        self->send(c, std::move(p.notice.oversold));
    if (!p.notice.removed.empty())
      removed.push_back(std::move(p.notice.removed));
    st.committed_upto = p.seq;
    if (!p.inflight.empty()) {
      auto i = st.inflight.find(p.inflight);
      if (i != st.inflight.end() && i->second.seq == p.seq) {
        if (st.log == nullptr)
          st.inflight.erase(i); // durable in the store
        else
          i->second.lsn = lsn; // kept until the store holds it
      }
    }
    p.rp.deliver(std::move(p.reply));
    st.pending.pop_front();
  }
  if (!received_ns.empty() || !resync.empty() || !removed.empty())
    notify_channels(self, std::move(received_ns), resync, removed);
  finish_stop_if_idle(self);
}

void on_failed(sku_actor* self, std::uint64_t seq, const std::string& why) {
  auto& st = self->state;
  if (seq <= st.reset_seq)
    return;
  spdlog::error("sku {}: commit failed, failing {} pending operations: {}",
                st.sku, st.pending.size(), why);
  for (auto& p : st.pending)
    p.rp.deliver(
        make_error(errc::store_unavailable,
                   "not stored, nothing changed for " + st.sku + ": " + why));
  st.pending.clear();
  // Acknowledged entries the store does not hold yet keep their records.
  for (auto i = st.inflight.begin(); i != st.inflight.end();)
    i = i->second.seq > st.committed_upto ? st.inflight.erase(i) : std::next(i);
  st.outgoing.clear(); // never reached the journal
  st.outgoing_ops = 0;
  st.outbox_dirty = false;
  st.reset_seq = st.next_seq - 1;
  if (store_caught_up(st))
    load(self);
  else
    st.reload_when_applied = true;
  self->send(st.journal, resume_atom::value, st.sku);
  finish_stop_if_idle(self);
}

audit_page read_audit(const sku_state& st, const get_audit& q, status* result) {
  audit_page page;
  page.sku = st.sku;
  auto limit = std::min<std::size_t>(q.limit, limits::audit_page_records_max);
  *result = st.db->get_audit(st.sku, q.from_version, limit, &page.records);
  return page;
}

void answer_audit(sku_actor* self, caf::response_promise& rp,
                  const get_audit& q) {
  status result;
  auto page = read_audit(self->state, q, &result);
  if (result.is_ok())
    rp.deliver(std::move(page));
  else
    rp.deliver(make_error(errc::store_unavailable, result.to_string()));
}

// Whether something waits for the store to hold every acknowledged entry.
bool waits_for_store(const sku_state& st) {
  return !st.audit_waits.empty() || st.reload_when_applied ||
         (st.stopping && !st.stopped && st.pending.empty());
}

// Asks the journal to answer once the store holds every entry acknowledged
// so far (await_store_atom: at the applier's next commit that succeeds),
// then looks again. One request at a time.
void await_store(sku_actor* self) {
  auto& st = self->state;
  if (st.awaiting_store)
    return;
  st.awaiting_store = true;
  self->request(st.journal, caf::infinite, await_store_atom::value)
      .then(
          [self]() {
            self->state.awaiting_store = false;
            observe_store(self);
          },
          [self](caf::error& err) {
            // Only when the journal is gone (the node stops): the next
            // message asks again.
            self->state.awaiting_store = false;
            spdlog::warn("sku {}: cannot wait for the store: {}",
                         self->state.sku, error_detail(err));
          });
}

// With a log: drops the in-flight dedup records the store holds now (once
// per applier commit seen), and once it holds everything acknowledged, does
// what waited for that: the reload after a failure, audit reads, the stop.
void observe_store(sku_actor* self) {
  auto& st = self->state;
  if (st.log == nullptr)
    return;
  auto released = st.log->released_lsn();
  if (released != st.seen_released) {
    st.seen_released = released;
    for (auto i = st.inflight.begin(); i != st.inflight.end();)
      i = i->second.lsn != 0 && i->second.lsn < released ? st.inflight.erase(i)
                                                         : std::next(i);
  }
  if (!waits_for_store(st))
    return;
  if (!store_caught_up(st)) {
    await_store(self);
    return;
  }
  if (st.reload_when_applied) {
    st.reload_when_applied = false;
    load(self);
  }
  auto waits = std::move(st.audit_waits);
  st.audit_waits.clear();
  for (auto& [rp, q] : waits)
    answer_audit(self, rp, q);
  finish_stop_if_idle(self);
}

caf::behavior sku_behavior(sku_actor* self, std::string sku, caf::actor journal,
                           const store* db, std::optional<stock_state> loaded,
                           channel_directory_ptr channels, const wal* log) {
  auto& st = self->state;
  st.log = log;
  st.sku = std::move(sku);
  st.journal = std::move(journal);
  st.db = db;
  st.channels = std::move(channels);
  if (loaded) {
    apply_loaded(self, status::ok(), *loaded);
    load_listings(self);
  } else {
    load(self);
  }
  return {
      [=](place_order& cmd) {
        handle_place(self, cmd);
        settle(self);
      },
      [=](cancel_order& cmd) {
        handle_cancel(self, cmd);
        settle(self);
      },
      [=](set_stock& cmd) {
        handle_stock_change(self, op_kind::set, cmd.op_id, cmd.on_hand,
                            cmd.source);
        settle(self);
      },
      [=](adjust_stock& cmd) {
        handle_stock_change(self, op_kind::adjust, cmd.op_id, cmd.delta,
                            cmd.source);
        settle(self);
      },
      [=](put_listing& cmd) {
        handle_put_listing(self, cmd);
        settle(self);
      },
      [=](delete_listing& cmd) {
        handle_delete_listing(self, cmd);
        settle(self);
      },
      [=](get_stock&) -> caf::result<stock_view> {
        settle(self);
        auto& st = self->state;
        if (st.load_failed)
          load(self);
        if (st.load_failed)
          return make_error(errc::store_unavailable,
                            "cannot load " + st.sku + ": " + st.load_error);
        if (st.committed.version == 0)
          return make_error(errc::unknown_sku, "unknown sku " + st.sku);
        auto& c = st.committed;
        return stock_view{st.sku,        c.on_hand, c.reserved,
                          c.available(), c.version, c.updated_at_ms};
      },
      [=](get_audit& q) {
        settle(self);
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (!store_caught_up(st)) {
          st.audit_waits.emplace_back(std::move(rp), std::move(q));
          await_store(self);
          return;
        }
        answer_audit(self, rp, q);
      },
      [=](get_sku_activity&) {
        // Not settled first: flushing would change what `pending` reports.
        auto& st = self->state;
        return sku_activity{st.sku, true, st.stopping, self->mailbox().size(),
                            st.pending.size()};
      },
      [=](committed_atom, std::uint64_t upto) {
        on_committed(self, upto);
        settle(self);
      },
      [=](failed_atom, std::uint64_t seq, const std::string& why) {
        on_failed(self, seq, why);
        settle(self);
      },
      [=](passivate_atom) {
        auto& st = self->state;
        st.stopping = true;
        st.region = caf::actor_cast<caf::actor>(self->current_sender());
        settle(self);
        finish_stop_if_idle(self);
      },
  };
}

} // namespace

caf::actor spawn_sku_actor(caf::actor_system& sys, std::string sku,
                           caf::actor journal, const store* db,
                           std::optional<stock_state> loaded,
                           channel_directory_ptr channels, const wal* log) {
  return sys.spawn(sku_behavior, std::move(sku), std::move(journal), db,
                   std::move(loaded), std::move(channels), log);
}

} // namespace stockwire
