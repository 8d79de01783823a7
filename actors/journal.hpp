// The journal writer: the one actor of a node that writes to LMDB.
//
// Accepts:
//   journal_entry            records of operations of one SKU
//   (resume_atom, sku)       lift the fence a failed commit put on `sku`
//   (stats_atom)             -> journal_stats
//   (drain_atom)             -> unit, once everything received before it
//                               is committed (used at shutdown)
//   (catch_up_atom)          -> unit, once the store holds every entry
//                               acknowledged before it (used by reads of
//                               the store). With a log it waits for the
//                               applier's next commit, shared by every
//                               read waiting, which a waiting read brings
//                               forward to at most
//                               journal_config::awaited_apply_interval
//                               away; while the applier fails: an error.
//   (await_store_atom)       -> unit, as catch_up_atom, but while the
//                               applier fails it waits for a commit that
//                               succeeds.
// Sends to `metrics` (when set), per group transaction:
//   (batch_atom, ops, commit_us, ok)
// and, with a log, per commit of the applier to the store (log records or
// a direct batch): (store_commit_atom, ops, commit_us, ok)
// Sends to the owner of each entry, once per group transaction:
//   (committed_atom, seq)    every entry of that owner up to seq is durable
//   (failed_atom, seq, why)  the transaction holding seq was not written
//
// Group commit: entries gather in a write_batch while the mailbox holds
// more; a flush message queued behind them commits the batch (one fsync),
// or the batch is committed early at limits::journal_batch_records_max.
//
// Invariant: after a failed commit the SKUs of that batch are fenced: their
// later entries are refused (failed_atom) until the owner, having reloaded
// its state from the store, sends resume. So no entry is ever committed on
// top of a change that was not.
//
// With a write-ahead log (journal_config::log), in each group:
// - entries via_log (SKU actors) are appended to the log as one record,
//   after room for them and for every record not applied yet was reserved
//   in the store (store::reserve; refused: failed_atom, as a failed
//   commit). committed_atom follows the log's sync; an applier thread
//   commits the records to the store behind it (after
//   journal_config::apply_interval, or awaited_apply_interval once a read
//   waits for them, or at once when they reach apply_ops_max operations)
//   and then releases them in the log
//   (wal::released_lsn(), which the owners read: nobody is told);
// - the other entries (connectors, the handoff actor: owners that read the
//   store without tracking what it lacks) skip the log: the applier commits
//   them after the records logged before them, in a transaction of their
//   own, and answers committed_atom or failed_atom (fencing them). Their
//   order relative to the logged entries of the same group is not kept:
//   those owners never write the keys of a live SKU actor, or write them
//   conditionally (an outbox clear keeps a newer version).
// A failed apply of logged records makes the journal refuse every entry
// until an apply succeeds (the records wait in the log).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "core/limits.hpp"
#include "persistence/status.hpp"

namespace stockwire {

class store;
class wal;

struct journal_config {
  // Dedup records older than this are purged (0: never).
  std::chrono::milliseconds dedup_retention{7ll * 24 * 3600 * 1000};
  // How often a purge step runs (0: no background purge).
  std::chrono::milliseconds purge_interval{1000};
  std::size_t batch_records_max = limits::journal_batch_records_max;
  caf::actor metrics; // receives one note per commit; may be invalid
  // The write-ahead log (null: none). With a log, a group commit is
  // acknowledged once its record is synced to the log, and an applier
  // thread commits the records to the store behind it.
  wal* log = nullptr;
  // With a log: how long the applier gathers records before it commits
  // them to the store while nobody waits for them...
  std::chrono::milliseconds apply_interval = limits::log_apply_interval;
  // ...and at most how long once a read waits (catch_up_atom,
  // await_store_atom): the lag of reads that wait for the store.
  std::chrono::milliseconds awaited_apply_interval =
      limits::log_apply_interval_awaited;
  // ...or as soon as it holds this many operations.
  std::size_t apply_ops_max = limits::log_apply_ops_max;
  // Tests only: with a log, called on the applier's thread before each of
  // its commits; a status that is not ok fails that commit instead (an I/O
  // error the API cannot provoke: the reservation refuses a full map or
  // disk before anything is acknowledged).
  std::function<status()> apply_fault;
};

/// Spawns the journal writer over `db`, which must outlive it. `detached`
/// gives it its own thread, so fsyncs never block the scheduler's workers;
/// deterministic tests spawn it attached.
caf::actor spawn_journal(caf::actor_system& sys, store& db, journal_config cfg,
                         bool detached);

} // namespace stockwire
