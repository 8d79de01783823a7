#include "actors/journal.hpp"

#include <cerrno>
#include <cstring>
#include <deque>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "persistence/log_recovery.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"

namespace stockwire {

namespace {

using apply_atom = caf::atom_constant<caf::atom("apply")>;
// (apply_state_atom, ok, why): the applier to the journal, when its commits
// to the store start failing (ok = false) and when they succeed again.
using apply_state_atom = caf::atom_constant<caf::atom("applystat")>;
using direct_atom = caf::atom_constant<caf::atom("direct")>;
// (apply_now_atom): the journal to the applier, when a write waits for the
// room held for records not applied yet: commit them now.
using apply_now_atom = caf::atom_constant<caf::atom("applynow")>;
// (direct_failed_atom, skus, why): the applier to the journal, when a
// direct batch was not written: the journal fences those SKUs.
using direct_failed_atom = caf::atom_constant<caf::atom("directfail")>;
// (purged_atom, n): the applier to the journal, n dedup records purged (its
// stats count them).
using purged_atom = caf::atom_constant<caf::atom("purged")>;

// A group commit synced to the log, for the applier to commit to the store.
struct logged_batch {
  write_batch writes;
  std::size_t ops = 0;
  wal::position next; // after its record: where a replay would resume
};

struct direct_owner {
  caf::strong_actor_ptr owner;
  std::uint64_t seq = 0;
  std::string sku; // the name the journal fences when the batch fails
};

// The entries of owners that read the store without tracking what it lacks
// (connectors, the handoff actor): they wait for the store anyway, so with
// a log their writes skip it; the applier commits them in a transaction of
// their own and tells them (committed_atom or failed_atom).
struct direct_batch {
  write_batch writes;
  std::size_t ops = 0;
  std::vector<direct_owner> owners;
};

} // namespace

} // namespace stockwire

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::logged_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::direct_batch)

namespace stockwire {

namespace {

struct owner_mark {
  std::string sku;
  std::uint64_t seq = 0;
  std::size_t ops = 0; // in the batch being gathered
  bool via_log = false;
};

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

struct applier_state {
  store* db = nullptr;
  wal* log = nullptr;
  caf::actor journal;
  write_batch batch;
  std::size_t ops = 0;
  wal::position next;
  journal_config cfg;
  std::string purge_cursor;
  // The next commit: whether one is scheduled, when, and the token of its
  // flush message (a message with an older token was overtaken: ignored).
  bool flush_scheduled = false;
  std::chrono::steady_clock::time_point flush_at;
  std::uint64_t flush_token = 0;
  bool failing = false;
  std::string failure; // why, while failing
  // Reads waiting for the records in `batch`: catch_up_atom (refused while
  // commits fail) and await_store_atom (kept until a commit succeeds).
  std::vector<caf::response_promise> readers;
  std::vector<caf::response_promise> patient_readers;
  static inline const char* name = "stockwire.applier";
};

using applier_actor = caf::stateful_actor<applier_state>;

// Retry interval of a failed apply (the records stay in the log).
constexpr auto apply_retry_interval = std::chrono::milliseconds{100};

caf::error refused(const std::string& why) {
  return make_error(errc::store_unavailable, store_refusal(why));
}

// Schedules the applier's next commit at most `within` from now: an
// earlier one already scheduled stands, a later one is overtaken.
void schedule_apply(applier_actor* self, std::chrono::milliseconds within) {
  auto& st = self->state;
  auto at = std::chrono::steady_clock::now() + within;
  if (st.flush_scheduled && st.flush_at <= at)
    return;
  st.flush_scheduled = true;
  st.flush_at = at;
  self->delayed_send(self, within, flush_atom::value, ++st.flush_token);
}

// Commits `batch` to the store and tells the metrics actor how it went.
status timed_commit(applier_actor* self, const write_batch& batch,
                    std::size_t ops) {
  auto& st = self->state;
  auto started = std::chrono::steady_clock::now();
  auto result = st.cfg.apply_fault ? st.cfg.apply_fault() : status::ok();
  if (result.is_ok())
    result = st.db->commit(batch);
  if (st.cfg.metrics) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    self->send(st.cfg.metrics, store_commit_atom::value,
               static_cast<std::uint64_t>(ops), static_cast<std::uint64_t>(us),
               result.is_ok());
  }
  return result;
}

void apply_now(applier_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.ops == 0 && st.batch.empty())
    return;
  st.batch.put_meta(wal_applied_meta_key, encode_wal_position(st.next));
  auto result = timed_commit(self, st.batch, st.ops);
  if (!result.is_ok()) {
    if (!st.failing) {
      spdlog::error("applier: commit of log records up to lsn {} failed, "
                    "retrying; writes are refused meanwhile: {}",
                    st.next.lsn - 1, result.to_string());
      self->send(st.journal, apply_state_atom::value, false,
                 result.to_string());
    }
    st.failing = true;
    st.failure = result.to_string();
    for (auto& rp : st.readers)
      rp.deliver(refused(st.failure));
    st.readers.clear();
    schedule_apply(self, apply_retry_interval);
    return;
  }
  if (st.failing) {
    spdlog::info("applier: the store takes the log's records again");
    self->send(st.journal, apply_state_atom::value, true, std::string{});
  }
  st.failing = false;
  st.failure.clear();
  st.log->release(st.next);
  st.batch.clear();
  st.ops = 0;
  for (auto* readers : {&st.readers, &st.patient_readers}) {
    for (auto& rp : *readers)
      rp.deliver(caf::unit);
    readers->clear();
  }
}

// Answers a read once the store holds every record received so far: at
// once when nothing waits, else with the next commit, which it brings
// forward to at most awaited_apply_interval away. While commits fail, a
// read is refused, or with `patient` waits for the first commit that
// succeeds (retried at apply_retry_interval).
void catch_up(applier_actor* self, bool patient) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (st.failing && !patient) {
    rp.deliver(refused(st.failure));
  } else if (st.ops == 0 && st.batch.empty()) {
    rp.deliver(caf::unit);
  } else {
    (patient ? st.patient_readers : st.readers).push_back(std::move(rp));
    if (!st.failing)
      schedule_apply(self, st.cfg.awaited_apply_interval);
  }
}

// Commits a direct batch after everything logged before it, in its own
// transaction: what it lacks room for fails it alone.
void apply_direct(applier_actor* self, direct_batch& d) {
  auto& st = self->state;
  apply_now(self);
  auto result = st.failing ? status::io_error(store_refusal(st.failure))
                           : timed_commit(self, d.writes, d.ops);
  if (result.is_ok()) {
    for (auto& o : d.owners)
      self->send(caf::actor_cast<caf::actor>(o.owner), committed_atom::value,
                 o.seq);
    return;
  }
  std::vector<std::string> skus;
  for (auto& o : d.owners)
    skus.push_back(o.sku);
  // The journal fences before the owners hear of it, so the resume an
  // owner sends once told always comes after the fence.
  self->send(st.journal, direct_failed_atom::value, std::move(skus),
             result.to_string());
  for (auto& o : d.owners)
    self->send(caf::actor_cast<caf::actor>(o.owner), failed_atom::value, o.seq,
               result.to_string());
}

// With a log the applier is the store's one writer: it purges too.
void purge_dedup_step(store* db, const journal_config& cfg, std::string* cursor,
                      std::uint64_t* purged_total) {
  if (cfg.dedup_retention.count() <= 0)
    return;
  auto cutoff = now_ms() - cfg.dedup_retention.count();
  std::size_t purged = 0;
  auto result = db->purge_dedup(cutoff, limits::dedup_purge_step_records_max,
                                cursor, &purged);
  if (!result.is_ok())
    spdlog::warn("journal: dedup purge failed: {}", result.to_string());
  *purged_total += purged;
}

// Lowers the priority of the calling thread to `nice` (on Linux a nice
// value is per thread). Without the permission it stays as it is.
void lower_thread_priority(int nice) {
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  if (::setpriority(PRIO_PROCESS, tid, nice) != 0)
    spdlog::warn("applier: cannot lower its thread's priority to nice {}: {}",
                 nice, std::strerror(errno));
}

// Runs on a thread of its own (detached), which it lowers to
// limits::applier_nice first.
caf::behavior applier(applier_actor* self, store* db, wal* log,
                      journal_config cfg, caf::actor journal) {
  lower_thread_priority(limits::applier_nice);
  self->state.db = db;
  self->state.log = log;
  self->state.journal = std::move(journal);
  self->state.cfg = cfg;
  if (cfg.purge_interval.count() > 0)
    self->delayed_send(self, cfg.purge_interval, purge_atom::value);
  return {
      [=](purge_atom) {
        auto& st = self->state;
        std::uint64_t purged = 0;
        purge_dedup_step(st.db, st.cfg, &st.purge_cursor, &purged);
        if (purged > 0)
          self->send(st.journal, purged_atom::value, purged);
        self->delayed_send(self, st.cfg.purge_interval, purge_atom::value);
      },
      [=](apply_atom, logged_batch& b) {
        auto& st = self->state;
        st.batch.append(std::move(b.writes));
        st.ops += b.ops;
        st.next = b.next;
        if (st.ops >= st.cfg.apply_ops_max && !st.failing)
          apply_now(self);
        else
          schedule_apply(self, st.cfg.apply_interval);
      },
      [=](direct_atom, direct_batch& d) { apply_direct(self, d); },
      [=](flush_atom, std::uint64_t token) {
        if (token == self->state.flush_token)
          apply_now(self);
      },
      [=](apply_now_atom) {
        if (!self->state.failing) // else it retries on its own schedule
          apply_now(self);
      },
      [=](catch_up_atom) { catch_up(self, false); },
      [=](await_store_atom) { catch_up(self, true); },
      [=](drain_atom) {
        apply_now(self);
        return caf::unit;
      },
  };
}

struct journal_state {
  store* db = nullptr;
  caf::actor applier;
  journal_config cfg;
  write_batch batch;
  std::size_t batch_entries = 0; // operations in batch and direct
  // With a log: the entries of owners that do not track the store (not
  // via_log), for the applier to commit directly.
  write_batch direct;
  std::unordered_map<caf::strong_actor_ptr, owner_mark> owners;
  std::unordered_set<std::string> fenced;
  bool flush_scheduled = false;
  journal_stats stats;
  std::string purge_cursor;
  // Non-empty while the applier cannot commit to the store: entries are
  // refused (as after a failed commit without a log).
  std::string apply_error;
  // The log's records not yet applied, as (lsn, store pages they may take
  // at most), and the sum of those pages: kept free in the store.
  std::deque<std::pair<std::uint64_t, std::uint64_t>> unapplied;
  std::uint64_t unapplied_pages = 0;
  bool warned_no_allocation = false;
  static inline const char* name = "stockwire.journal";
};

using journal_actor = caf::stateful_actor<journal_state>;

// How long a group commit waits for room in a full log, or in a store
// whose room is held for records the applier has not applied yet, and how
// often it looks.
constexpr auto log_full_wait_max = std::chrono::seconds{2};
constexpr auto log_full_poll_interval = std::chrono::microseconds{200};

// Calls attempt(&again) until it clears `again`, or log_full_wait_max has
// passed, sleeping log_full_poll_interval between calls; returns the last
// call's status. The journal waits for the applier this way, on its own
// thread (backpressure: no new batch is appended meanwhile).
template <class Attempt>
status patiently(Attempt attempt) {
  auto give_up = std::chrono::steady_clock::now() + log_full_wait_max;
  for (;;) {
    bool again = false;
    auto result = attempt(&again);
    if (!again || std::chrono::steady_clock::now() >= give_up)
      return result;
    std::this_thread::sleep_for(log_full_poll_interval);
  }
}

// Forgets the reservations of the records the applier released.
void forget_applied(journal_state& st) {
  auto applied_upto = st.cfg.log->released_lsn();
  while (!st.unapplied.empty() && st.unapplied.front().first < applied_upto) {
    st.unapplied_pages -= st.unapplied.front().second;
    st.unapplied.pop_front();
  }
}

// Reserves room in the store for `pages` more and for every record not
// applied yet. The bound per record not applied yet is a worst case
// (limits::store_pages_per_record_max), so while the applier lags (a slow
// disk, both cores busy, its interval) it can exceed what the map or the
// disk has free though the store has plenty: then the batch asks the
// applier to commit now and waits for it (backpressure) instead of
// failing. Nothing pending and still no room: the store is full, the
// batch fails at once.
status reserve_room(journal_actor* self, std::uint64_t pages) {
  auto& st = self->state;
  bool asked = false;
  return patiently([&](bool* again) {
    forget_applied(st);
    auto room = st.db->reserve(st.unapplied_pages + pages +
                               limits::store_pages_per_commit_max);
    *again = !room.is_ok() && st.unapplied_pages > 0;
    if (*again && !asked) {
      asked = true;
      self->send(st.applier, apply_now_atom::value);
    }
    return room;
  });
}

// Appends the batch to the log and hands it to the applier. Waits while
// the log is full (the applier releases records as it commits them).
status append_to_log(journal_actor* self) {
  auto& st = self->state;
  auto payload = st.batch.encode();
  // Acknowledged from the log, the batch must fit in the store later:
  // room for it and for every record not applied yet is reserved first.
  const auto page = st.db->page_bytes();
  const std::uint64_t pages =
      st.batch.size() * limits::store_pages_per_record_max +
      (payload.size() + page - 1) / page;
  if (auto room = reserve_room(self, pages); !room.is_ok())
    return room;
  if (!st.db->allocates_ahead() && !st.warned_no_allocation) {
    st.warned_no_allocation = true;
    spdlog::warn("journal: the file system of the store cannot allocate "
                 "data.mdb ahead (fallocate): a full disk will be met after "
                 "the acknowledgement, by the applier");
  }
  wal::position at;
  wal::position next;
  // The applier releases records as it commits them; a log that stays full
  // means the store does not take them (a full disk): the batch fails.
  auto result = patiently([&](bool* again) {
    auto appended = st.cfg.log->append(payload, &at, &next);
    *again = appended.status_code() == status::code::log_full;
    return appended;
  });
  if (result.is_ok()) {
    st.unapplied.emplace_back(at.lsn, pages);
    st.unapplied_pages += pages;
    logged_batch b{std::move(st.batch), st.batch_entries, next};
    self->send(st.applier, apply_atom::value, std::move(b));
  }
  return result;
}

// Hands the direct entries and their owners (if any) to the applier.
void hand_direct(journal_actor* self) {
  auto& st = self->state;
  direct_batch d;
  for (auto i = st.owners.begin(); i != st.owners.end();) {
    if (i->second.via_log) {
      ++i;
      continue;
    }
    d.owners.push_back({i->first, i->second.seq, i->second.sku});
    d.ops += i->second.ops;
    st.batch_entries -= i->second.ops;
    i = st.owners.erase(i);
  }
  if (d.owners.empty())
    return;
  d.writes = std::move(st.direct);
  st.direct.clear();
  self->send(st.applier, direct_atom::value, std::move(d));
}

// A commit that failed, as the bridge's health poll reads it (/readyz).
void count_failure(journal_stats& stats, const std::string& why) {
  ++stats.failed_batches;
  stats.last_error = why;
}

void flush(journal_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.cfg.log != nullptr)
    hand_direct(self);
  if (st.batch_entries == 0)
    return;
  auto started = std::chrono::steady_clock::now();
  auto result =
      st.cfg.log != nullptr ? append_to_log(self) : st.db->commit(st.batch);
  auto us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started)
          .count());
  st.stats.commit_us_total += us;
  st.stats.commit_us_max = std::max(st.stats.commit_us_max, us);
  if (st.cfg.metrics)
    self->send(st.cfg.metrics, batch_atom::value,
               static_cast<std::uint64_t>(st.batch_entries), us,
               result.is_ok());
  if (result.is_ok()) {
    ++st.stats.batches;
    st.stats.records += st.batch_entries;
    if (st.batch_entries > st.stats.largest_batch)
      st.stats.largest_batch = st.batch_entries;
    for (auto& [owner, mark] : st.owners)
      self->send(caf::actor_cast<caf::actor>(owner), committed_atom::value,
                 mark.seq);
  } else {
    count_failure(st.stats, result.to_string());
    spdlog::error("journal: commit of {} records for {} SKUs failed: {}",
                  st.batch_entries, st.owners.size(), result.to_string());
    for (auto& [owner, mark] : st.owners) {
      st.fenced.insert(mark.sku);
      self->send(caf::actor_cast<caf::actor>(owner), failed_atom::value,
                 mark.seq, result.to_string());
    }
  }
  st.batch.clear();
  st.batch_entries = 0;
  st.owners.clear();
}

// Hands a read of the store to the applier; without a log the store holds
// everything committed: answered at once.
template <class Atom>
void ask_applier(journal_actor* self, Atom a) {
  if (self->state.applier)
    self->delegate(self->state.applier, a);
  else
    self->make_response_promise().deliver(caf::unit);
}

void append(journal_actor* self, journal_entry& e) {
  auto& st = self->state;
  if (!st.apply_error.empty()) {
    self->send(caf::actor_cast<caf::actor>(e.owner), failed_atom::value, e.seq,
               store_refusal(st.apply_error));
    return;
  }
  if (st.fenced.count(e.sku) != 0) {
    self->send(caf::actor_cast<caf::actor>(e.owner), failed_atom::value, e.seq,
               std::string{"an earlier commit of this SKU failed: "} +
                   st.stats.last_error);
    return;
  }
  if (st.cfg.log != nullptr && !e.via_log)
    st.direct.append(std::move(e.writes));
  else
    st.batch.append(std::move(e.writes));
  st.batch_entries += e.ops;
  auto& mark = st.owners[e.owner];
  mark.seq = e.seq;
  mark.ops += e.ops;
  mark.via_log = mark.via_log || e.via_log;
  if (mark.sku.empty())
    mark.sku = e.sku;
  if (st.batch_entries >= st.cfg.batch_records_max) {
    flush(self);
  } else if (!st.flush_scheduled) {
    // Queued behind everything already in the mailbox: the batch grows
    // until the mailbox is drained, then commits.
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

void purge_step(journal_actor* self) {
  auto& st = self->state;
  purge_dedup_step(st.db, st.cfg, &st.purge_cursor, &st.stats.purged_dedup);
  self->delayed_send(self, st.cfg.purge_interval, purge_atom::value);
}

caf::behavior journal(journal_actor* self, store* db, journal_config cfg) {
  self->state.db = db;
  self->state.cfg = cfg;
  if (cfg.log != nullptr) {
    self->state.applier = self->spawn<caf::detached + caf::linked>(
        applier, db, cfg.log, cfg, caf::actor_cast<caf::actor>(self));
  }
  if (cfg.purge_interval.count() > 0 && cfg.log == nullptr)
    self->delayed_send(self, cfg.purge_interval, purge_atom::value);
  return {
      [=](journal_entry& e) { append(self, e); },
      [=](flush_atom) { flush(self); },
      [=](resume_atom, const std::string& sku) {
        self->state.fenced.erase(sku);
      },
      [=](purge_atom) { purge_step(self); },
      [=](stats_atom) { return self->state.stats; },
      [=](apply_state_atom, bool ok, const std::string& why) {
        auto& st = self->state;
        st.apply_error = ok ? std::string{} : why;
        if (!ok) {
          // Counted as one failed commit: /readyz turns 503 until a
          // commit succeeds again.
          count_failure(st.stats, why);
        }
      },
      [=](purged_atom, std::uint64_t n) {
        self->state.stats.purged_dedup += n;
      },
      [=](direct_failed_atom, const std::vector<std::string>& skus,
          const std::string& why) {
        auto& st = self->state;
        count_failure(st.stats, why);
        spdlog::error("journal: commit of {} owners' records failed: {}",
                      skus.size(), why);
        st.fenced.insert(skus.begin(), skus.end());
      },
      // Every acknowledged entry was handed to the applier before its
      // acknowledgement: the applier answers the reader.
      [=](catch_up_atom a) { ask_applier(self, a); },
      [=](await_store_atom a) { ask_applier(self, a); },
      [=](drain_atom) {
        flush(self);
        auto rp = self->make_response_promise();
        if (!self->state.applier) {
          rp.deliver(caf::unit);
          return;
        }
        // The applier answers with `unit`, which arrives as an empty
        // message.
        self->request(self->state.applier, caf::infinite, drain_atom::value)
            .then(
                [rp]() mutable { rp.deliver(caf::unit); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      },
  };
}

} // namespace

caf::actor spawn_journal(caf::actor_system& sys, store& db, journal_config cfg,
                         bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(journal, &db, cfg);
  return sys.spawn(journal, &db, cfg);
}

} // namespace stockwire
