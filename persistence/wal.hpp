// wal: the write-ahead log, a ring of records in one preallocated file.
//
// The journal appends one record per group commit (an encoded write_batch)
// and may acknowledge its operations as soon as append() returned ok; an
// applier commits the records to LMDB later and then release()s them, which
// lets the writer reuse their space. At start, open() replays the records
// not applied yet and positions the writer right after the last one. The
// file and record layouts are in persistence/FORMAT.md, "Write-ahead log".
//
// Positions. A record is named by its position: its lsn (log sequence
// number: 1, 2, 3, ... without gaps) and the ring offset of its header. The
// position right after record k (`next` of append(), `end` of replay()) is
// the position record k+1 gets or would get: that is what the applier
// stores with its applied lsn, what release() takes and what open() replays
// from. An offset after which no record header fits before the ring's end
// means offset 0 (records never straddle the ring's end).
//
// Threading: one writer thread calls append(), end() and replay(); the
// applier may call release() from another thread at any time. open() and
// the destructor run while no other call is in flight.
//
// Durability: append() returns ok only after the record is written and
// fdatasync'ed. A crash can leave the last record torn (partly written):
// its checksum fails and the replay ends before it, which is right since it
// was never acknowledged; the writer then continues at its place. A record
// whose append failed may still have reached the disk and be replayed (as
// with an LMDB commit whose sync failed); its lsn is reused by the next
// append, which overwrites it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/limits.hpp"
#include "persistence/status.hpp"

namespace stockwire {

class wal {
public:
  /// The file header block before the ring: magic, format version, ring
  /// size. A whole page, so that the ring starts page-aligned.
  static constexpr std::uint64_t file_header_bytes = 4096;
  /// A record header: magic, kind, payload length, lsn, checksum.
  static constexpr std::uint64_t record_header_bytes = 32;

  /// The largest payload a ring of `ring_bytes` takes: half the ring less a
  /// header, so that a log emptied by release() always has room for it,
  /// wherever the writer stands (a record that does not fit before the
  /// ring's end goes to its start, and must end before the writer's place).
  static constexpr std::uint64_t payload_bytes_max(std::uint64_t ring_bytes) {
    return ring_bytes / 2 - record_header_bytes;
  }

  struct options {
    std::string path; // the log file; its directory must exist
    /// A multiple of 4096 within limits::wal_ring_bytes_{min,max}. An
    /// existing file must have been created with the same size.
    std::uint64_t ring_bytes = limits::wal_ring_bytes_default;
  };

  struct position {
    std::uint64_t lsn = 1;    // the first record of a new log has lsn 1
    std::uint64_t offset = 0; // in the ring, from its start
    friend bool operator==(position a, position b) {
      return a.lsn == b.lsn && a.offset == b.offset;
    }
    friend bool operator!=(position a, position b) { return !(a == b); }
  };

  /// Opens the log at `opts.path`, creating it if missing (written whole
  /// with zeros, synced, its directory synced); replays the records from
  /// `from` as replay() does, calling fn(position at, std::string_view
  /// payload), which returns void or a status (one that is not ok stops the
  /// replay and open() returns it); then positions the writer right after
  /// the last record replayed. The records from `from` on are kept until
  /// released. `from` is the position after the last applied record, or
  /// position{} when nothing was ever applied. On failure returns nullptr
  /// with *st set: invalid names the file and what differs (magic, format
  /// version, size) or says it is open elsewhere (the file is locked while
  /// open), io_error carries errno's text.
  template <class F>
  static std::unique_ptr<wal> open(const options& opts, position from, F fn,
                                   status* st);

  ~wal();
  wal(const wal&) = delete;
  wal& operator=(const wal&) = delete;

  /// Writes `payload` as the record with the next lsn, syncs it, and only
  /// then returns ok; *at says where it went, *next (when given) where the
  /// record after it goes. Refuses, changing nothing:
  /// - invalid: the payload is larger than max_payload_bytes();
  /// - log_full: its bytes would overwrite a record not yet released (try
  ///   again after release(); an empty log always has room);
  /// - io_error (errno's text): the write or the sync failed. The writer
  ///   stays where it was, so the next append reuses the same lsn and place.
  /// REQUIRES: the writer thread.
  status append(std::string_view payload, position* at,
                position* next = nullptr);

  /// Records before `next` (lsn < next.lsn) have been applied and may be
  /// overwritten; `next` is the position after the last of them (append's
  /// *next, replay's *end). Releasing less than before does nothing.
  /// REQUIRES: `next` is a position append() or replay() gave, and
  /// next.lsn <= end().lsn. Any thread.
  void release(position next);

  /// The position after the last record released: records from its lsn
  /// on are still needed. Any thread.
  position released() const;

  /// released().lsn without a lock: record k is applied iff
  /// k < released_lsn(). Any thread (SKU actors ask it on every message).
  std::uint64_t released_lsn() const {
    return released_lsn_.load(std::memory_order_acquire);
  }

  /// The lsn of the last record append() returned ok for (or replayed at
  /// open; 0 for none): whatever was acknowledged from the log so far is at
  /// or below it. Any thread, without a lock.
  std::uint64_t last_synced_lsn() const {
    return synced_lsn_.load(std::memory_order_acquire);
  }

  /// Reads the records from `from` in order, following the wraps to the
  /// ring's start, and calls fn(position at, std::string_view payload) for
  /// each (fn returns void or a status; one that is not ok stops the
  /// replay and is returned). The log ends at the first place that does
  /// not hold the next record: zeros, another magic, another lsn (a record
  /// of an earlier lap), a length out of range or a checksum that fails (a
  /// torn write). *end is that place: where the next append goes. Returns
  /// io_error only when the file cannot be read. REQUIRES: the writer
  /// thread (or none running).
  template <class F>
  status replay(position from, F fn, position* end) const;

  /// Where the next append goes. REQUIRES: the writer thread.
  position end() const { return head_; }
  std::uint64_t ring_bytes() const { return ring_bytes_; }
  std::uint64_t max_payload_bytes() const {
    return payload_bytes_max(ring_bytes_);
  }
  const std::string& path() const { return path_; }

private:
  using record_fn = status (*)(void*, position, std::string_view);

  wal(std::string path, std::uint64_t ring_bytes, int fd);
  static std::unique_ptr<wal> open_file(const options& opts, status* st);
  status replay_records(position from, record_fn fn, void* ctx,
                        position* end) const;
  status read_record(position p, position* at, std::string* payload,
                     bool* found) const;
  status read_valid(std::uint64_t offset, std::uint64_t lsn, bool* wrap,
                    std::string* payload, bool* valid) const;
  bool has_room(bool wrap, std::uint64_t record_bytes) const;
  status write_at(std::uint64_t offset, std::string_view bytes);

  const std::string path_;
  const std::uint64_t ring_bytes_;
  const int fd_;
  std::string buf_; // a record being written, reused between appends
  mutable std::mutex mu_;
  position head_;     // the next record's place; changed under mu_
  position released_; // guarded by mu_: the first record still needed
  // Mirrors of released_.lsn and head_.lsn - 1, for readers without mu_.
  std::atomic<std::uint64_t> released_lsn_{1};
  std::atomic<std::uint64_t> synced_lsn_{0};
};

template <class F>
std::unique_ptr<wal> wal::open(const options& opts, position from, F fn,
                               status* st) {
  auto log = open_file(opts, st);
  if (log == nullptr)
    return nullptr;
  position end;
  *st = log->replay(from, std::move(fn), &end);
  if (!st->is_ok())
    return nullptr;
  log->head_ = end;
  log->released_ = from;
  log->released_lsn_.store(from.lsn, std::memory_order_release);
  log->synced_lsn_.store(end.lsn - 1, std::memory_order_release);
  return log;
}

template <class F>
status wal::replay(position from, F fn, position* end) const {
  return replay_records(
      from,
      [](void* ctx, position at, std::string_view payload) {
        auto& f = *static_cast<F*>(ctx);
        if constexpr (std::is_void_v<decltype(f(at, payload))>) {
          f(at, payload);
          return status::ok();
        } else {
          return status{f(at, payload)};
        }
      },
      &fn, end);
}

} // namespace stockwire
