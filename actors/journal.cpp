#include "actors/journal.hpp"

#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "persistence/store.hpp"

namespace stockwire {

namespace {

struct owner_mark {
  std::string sku;
  std::uint64_t seq = 0;
};

struct journal_state {
  store* db = nullptr;
  journal_config cfg;
  write_batch batch;
  std::size_t batch_entries = 0;
  std::unordered_map<caf::strong_actor_ptr, owner_mark> owners;
  std::unordered_set<std::string> fenced;
  bool flush_scheduled = false;
  journal_stats stats;
  std::string purge_cursor;
  static inline const char* name = "stockwire.journal";
};

using journal_actor = caf::stateful_actor<journal_state>;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

void flush(journal_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.batch_entries == 0)
    return;
  auto started = std::chrono::steady_clock::now();
  auto result = st.db->commit(st.batch);
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
    ++st.stats.failed_batches;
    st.stats.last_error = result.to_string();
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

void append(journal_actor* self, journal_entry& e) {
  auto& st = self->state;
  if (st.fenced.count(e.sku) != 0) {
    self->send(caf::actor_cast<caf::actor>(e.owner), failed_atom::value, e.seq,
               std::string{"an earlier commit of this SKU failed: "} +
                   st.stats.last_error);
    return;
  }
  st.batch.append(std::move(e.writes));
  st.batch_entries += e.ops;
  auto& mark = st.owners[e.owner];
  mark.seq = e.seq;
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
  if (st.cfg.dedup_retention.count() > 0) {
    auto cutoff = now_ms() - st.cfg.dedup_retention.count();
    std::size_t purged = 0;
    auto result =
        st.db->purge_dedup(cutoff, limits::dedup_purge_step_records_max,
                           &st.purge_cursor, &purged);
    if (!result.is_ok())
      spdlog::warn("journal: dedup purge failed: {}", result.to_string());
    st.stats.purged_dedup += purged;
  }
  self->delayed_send(self, st.cfg.purge_interval, purge_atom::value);
}

caf::behavior journal(journal_actor* self, store* db, journal_config cfg) {
  self->state.db = db;
  self->state.cfg = cfg;
  if (cfg.purge_interval.count() > 0)
    self->delayed_send(self, cfg.purge_interval, purge_atom::value);
  return {
      [=](journal_entry& e) { append(self, e); },
      [=](flush_atom) { flush(self); },
      [=](resume_atom, const std::string& sku) {
        self->state.fenced.erase(sku);
      },
      [=](purge_atom) { purge_step(self); },
      [=](stats_atom) { return self->state.stats; },
      [=](drain_atom) {
        flush(self);
        return caf::unit;
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
