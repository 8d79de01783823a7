// store: the node's LMDB environment (one per node, under the data
// directory) with the named databases `sku` (each SKU's audit trail followed
// by its stock record), `dedup`, `listing` (a SKU's identifiers per channel),
// `outbox` (changes a channel has not acknowledged yet), `cancel` (channel
// orders to cancel after an oversell) and `meta`.
//
// Threading: reads may be called from any thread at any time (each uses its
// own MDB_NOTLS read transaction, taken from a small pool of reset ones).
// commit() and purge_dedup() are called by exactly one thread at a time: the
// journal writer. LMDB allows one writer per environment; making that explicit
// keeps the store lock-free for us.
//
// Durability: commit() returns ok only after the transaction is fsync'ed
// (unless options::durable is false, which only tests of unrelated parts
// and the non-durable benchmark baseline may use).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connectors/channel.hpp"
#include "core/records.hpp"
#include "core/types.hpp"
#include "persistence/bundle.hpp"
#include "persistence/status.hpp"

struct MDB_env;

namespace stockwire {

namespace lmdb {
class reader_pool; // persistence/lmdb_util.hpp
}

/// Writes that become durable together, in one LMDB transaction. Records
/// are encoded when put (by the caller's thread), so the single writer
/// thread only copies bytes into LMDB.
class write_batch {
public:
  void put_stock(const std::string& sku, const stock_state& s);
  void put_dedup(const std::string& sku, op_kind kind, const std::string& id,
                 const dedup_record& r);
  void put_audit(const std::string& sku, const audit_record& r);
  void put_listing(const std::string& sku, const std::string& channel,
                   const listing& l);
  void delete_listing(const std::string& sku, const std::string& channel);
  void put_outbox(const std::string& channel, const std::string& sku,
                  const outbox_record& r);
  void delete_outbox(const std::string& channel, const std::string& sku);
  /// Deletes the outbox entry of (channel, sku) if its version is
  /// <= `acked` (a newer change written meanwhile stays pending).
  void clear_outbox(const std::string& channel, const std::string& sku,
                    std::uint64_t acked);
  /// Writes every record of `b` as it is. REQUIRES: check_bundle(b) is
  /// empty (the receiver of a move checks before it writes).
  void put_bundle(const sku_bundle& b);
  /// Deletes every record of `b` (a SKU's records as they were exported).
  void erase_bundle(const sku_bundle& b);
  /// Writes `value` under `name` in the meta database.
  void put_meta(const std::string& name, const std::string& value);
  /// Records that `channel` must cancel order `order_id` (its line of
  /// `sku` was oversold).
  void put_cancel(const std::string& channel, const std::string& order_id,
                  const std::string& sku, const cancel_record& r);
  /// The channel acknowledged that cancellation: forget it.
  void delete_cancel(const std::string& channel, const std::string& order_id,
                     const std::string& sku);
  /// Moves every write of `other` into this batch (newest stock wins).
  void append(write_batch&& other);

  std::size_t size() const { return records_.size() + stock_.size(); }
  bool empty() const { return records_.empty() && stock_.empty(); }
  void clear();

  /// The batch as bytes, every write in order (the payload of a
  /// write-ahead log record; FORMAT.md, "Batch encoding"). Implemented in
  /// batch_codec.cpp.
  std::string encode() const;
  /// Replaces *out with the batch `bytes` encode()d. corruption (and *out
  /// cleared) when they are not such an encoding: truncated, trailing
  /// bytes, an unknown format, database or operation. Never throws.
  static status decode(std::string_view bytes, write_batch* out);
  /// The same writes in the same order, and the same stock records.
  friend bool operator==(const write_batch& a, const write_batch& b);

private:
  friend class store;
  enum class db : std::uint8_t { dedup, audit, listing, outbox, cancel, meta };
  enum class op : std::uint8_t { put, del, del_if_version_le };
  struct record {
    db target;
    std::string key;
    std::string value; // put: encoded value; del_if_version_le: u64 version
    op action = op::put;
  };
  std::vector<record> records_;
  // Only the newest state of a SKU is written per batch: sku -> encoded.
  std::unordered_map<std::string, std::string> stock_;
};

class store {
public:
  struct options {
    std::string dir;                         // created if missing
    std::size_t map_size_bytes = 4ull << 30; // LMDB map size (sparse)
    bool durable = true;                     // fsync on commit
  };

  /// Opens (creating if needed) the environment under `opts.dir`.
  static std::unique_ptr<store> open(const options& opts, status* st);

  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Reads the stock of `sku`; not_found when the SKU has no record.
  status get_stock(const std::string& sku, stock_state* out) const;

  /// Reads the dedup record of an operation; not_found when absent.
  status get_dedup(const std::string& sku, op_kind kind, const std::string& id,
                   dedup_record* out) const;

  /// Audit records of `sku` with version <= from_version (0: newest),
  /// newest first, at most `limit`.
  status get_audit(const std::string& sku, std::uint64_t from_version,
                   std::size_t limit, std::vector<audit_record>* out) const;

  /// The SKUs that have a line of order `order_id`, in key order.
  status get_order_skus(const std::string& order_id,
                        std::vector<std::string>* out) const;

  /// The listings of `sku`, as (channel id, listing) in channel order.
  status get_listings(const std::string& sku,
                      std::vector<std::pair<std::string, listing>>* out) const;

  /// Every outbox entry, as fn(channel, sku, record), channel by channel.
  /// Stops early when fn returns false.
  template <class F>
  status for_each_outbox(F fn) const;

  /// Every pending cancellation, as fn(channel, order_id, sku, record),
  /// channel by channel. Stops early when fn returns false.
  template <class F>
  status for_each_cancel(F fn) const;

  /// Every listing, as fn(sku, channel, listing), SKU by SKU. Stops early
  /// when fn returns false.
  template <class F>
  status for_each_listing(F fn) const;

  /// Calls fn(sku, state) for every SKU with a stock record, in key order.
  /// Stops early when fn returns false.
  template <class F>
  status for_each_stock(F fn) const;

  /// Everything stored about each of `skus`, read in one transaction (the
  /// dedup, outbox and cancel databases are scanned once for all of them,
  /// since their keys do not lead with the SKU). out[i] belongs to
  /// skus[i]; it is empty when nothing is stored about it.
  status export_skus(const std::vector<std::string>& skus,
                     std::vector<sku_bundle>* out) const;

  /// Whether this store defines `sku`: a stock or audit record, or a
  /// listing (listings may precede stock). Dedup records, outbox entries
  /// and cancellations never exist without one of those.
  status holds(const std::string& sku, bool* held) const;

  /// Up to `limit` SKUs this store holds (as holds()) that sort after
  /// `after` (empty: from the first), ascending.
  status held_skus(const std::string& after, std::size_t limit,
                   std::vector<std::string>* out) const;

  /// Reads meta `name`; not_found when absent.
  status get_meta(const std::string& name, std::string* value) const;

  /// Commits `batch` in one transaction. On failure nothing of it is
  /// written. REQUIRES: called by the single writer thread.
  status commit(const write_batch& batch);

  /// Makes sure `pages` more pages can be committed later: the map has
  /// them free after its last used page, and the data file has them
  /// allocated on disk (reserved ahead of LMDB's writes with fallocate,
  /// beyond the file's end, so that the writes that use them cannot fail
  /// for lack of space). For writes acknowledged before they are committed
  /// (the write-ahead log). map_full when the map lacks them (the message
  /// names [store] map_size_mb), io_error naming errno (e.g. "No space
  /// left on device") when the disk does. On a file system without
  /// fallocate only the map is checked (allocates_ahead() turns false).
  /// REQUIRES: one caller thread.
  status reserve(std::uint64_t pages);
  bool allocates_ahead() const { return allocates_ahead_; }

  /// The size of a page of the store.
  std::uint64_t page_bytes() const { return page_bytes_; }

  /// The id of the last committed write transaction (0: none, or the
  /// environment could not be read): tells how many commits happened.
  std::uint64_t last_txn_id() const;

  /// Deletes up to `step` dedup records created before `cutoff_ms`, starting
  /// at `*cursor_key` (empty: the beginning); stores where to resume in
  /// `*cursor_key` (empty: wrapped around). REQUIRES: the writer thread.
  status purge_dedup(std::int64_t cutoff_ms, std::size_t step,
                     std::string* cursor_key, std::size_t* purged);

  /// Number of entries in a database ("dedup", "sku", "listing", "outbox",
  /// "cancel").
  std::size_t count(const std::string& db_name) const;

  const options& opts() const { return opts_; }

private:
  explicit store(options opts);
  status scan_stock(bool (*fn)(void*, const std::string&, const stock_state&),
                    void* ctx) const;
  status scan_outbox(bool (*fn)(void*, const std::string&, const std::string&,
                                const outbox_record&),
                     void* ctx) const;
  status scan_cancel(bool (*fn)(void*, const std::string&, const std::string&,
                                const std::string&, const cancel_record&),
                     void* ctx) const;
  status scan_listing(bool (*fn)(void*, const std::string&, const std::string&,
                                 const listing&),
                      void* ctx) const;
  unsigned dbi_of(write_batch::db target) const;
  static std::string record_name(const write_batch::record& r);

  options opts_;
  MDB_env* env_ = nullptr;
  std::unique_ptr<lmdb::reader_pool> readers_; // ends before env_ closes
  unsigned dedup_dbi_ = 0;
  unsigned audit_dbi_ = 0;
  unsigned meta_dbi_ = 0;
  unsigned listing_dbi_ = 0;
  unsigned outbox_dbi_ = 0;
  unsigned cancel_dbi_ = 0;
  std::uint64_t page_bytes_ = 4096;
  std::uint64_t reserved_bytes_ = 0; // the data file allocated up to here
  bool allocates_ahead_ = true;      // false: fallocate is not supported
};

template <class F>
status store::for_each_stock(F fn) const {
  return scan_stock(
      [](void* ctx, const std::string& sku, const stock_state& s) {
        return (*static_cast<F*>(ctx))(sku, s);
      },
      &fn);
}

template <class F>
status store::for_each_outbox(F fn) const {
  return scan_outbox(
      [](void* ctx, const std::string& channel, const std::string& sku,
         const outbox_record& r) {
        return (*static_cast<F*>(ctx))(channel, sku, r);
      },
      &fn);
}

template <class F>
status store::for_each_cancel(F fn) const {
  return scan_cancel(
      [](void* ctx, const std::string& channel, const std::string& order_id,
         const std::string& sku, const cancel_record& r) {
        return (*static_cast<F*>(ctx))(channel, order_id, sku, r);
      },
      &fn);
}

template <class F>
status store::for_each_listing(F fn) const {
  return scan_listing(
      [](void* ctx, const std::string& sku, const std::string& channel,
         const listing& l) { return (*static_cast<F*>(ctx))(sku, channel, l); },
      &fn);
}

} // namespace stockwire
