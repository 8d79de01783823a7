// Small LMDB helpers shared by the store's translation units (internal to
// persistence/: never included from outside it).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb.h>

#include "core/limits.hpp"
#include "persistence/status.hpp"

namespace stockwire::lmdb {

/// A status from an LMDB return code; `what` names the operation.
inline status from_mdb(int rc, const std::string& what) {
  std::string msg = what + ": " + mdb_strerror(rc);
  switch (rc) {
  case MDB_SUCCESS:
    return status::ok();
  case MDB_NOTFOUND:
    return status::not_found(msg);
  case MDB_MAP_FULL:
    return status::map_full(msg);
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INVALID:
    return status::corruption(msg);
  default:
    return status::io_error(msg);
  }
}

inline MDB_val as_val(const std::string& s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

inline std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Read transactions, reset and kept for reuse: mdb_txn_renew takes no
// lock, where mdb_txn_begin takes the reader table's mutex and allocates (a
// lookup of an unseen order id was ~3% of the CPU of the batch route). At
// most limits::store_idle_readers_max are kept; the rest are aborted. The
// pool must be destroyed before its environment is closed.
class reader_pool {
public:
  explicit reader_pool(MDB_env* env) : env_(env) {}
  ~reader_pool() {
    for (auto* txn : idle_)
      mdb_txn_abort(txn);
  }
  reader_pool(const reader_pool&) = delete;
  reader_pool& operator=(const reader_pool&) = delete;

  /// A read transaction on the newest snapshot, or null with *rc set to
  /// LMDB's error.
  MDB_txn* take(int* rc) {
    MDB_txn* txn = nullptr;
    {
      std::lock_guard<std::mutex> guard{mu_};
      if (!idle_.empty()) {
        txn = idle_.back();
        idle_.pop_back();
      }
    }
    if (txn != nullptr) {
      if (*rc = mdb_txn_renew(txn); *rc == 0)
        return txn;
      mdb_txn_abort(txn);
      txn = nullptr;
    }
    *rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    return *rc == 0 ? txn : nullptr;
  }

  /// Takes back a transaction take() gave.
  void give(MDB_txn* txn) {
    mdb_txn_reset(txn);
    {
      std::lock_guard<std::mutex> guard{mu_};
      if (idle_.size() < limits::store_idle_readers_max) {
        idle_.push_back(txn);
        return;
      }
    }
    mdb_txn_abort(txn);
  }

private:
  MDB_env* env_;
  std::mutex mu_;
  std::vector<MDB_txn*> idle_;
};

// A read transaction that never commits, taken from the store's pool and
// given back with its scope.
class read_txn {
public:
  explicit read_txn(reader_pool& pool) : pool_(pool) { txn_ = pool.take(&rc_); }
  ~read_txn() {
    if (txn_ != nullptr)
      pool_.give(txn_);
  }
  read_txn(const read_txn&) = delete;
  read_txn& operator=(const read_txn&) = delete;
  int rc() const { return rc_; }
  MDB_txn* get() const { return txn_; }

private:
  reader_pool& pool_;
  MDB_txn* txn_ = nullptr;
  int rc_ = 0;
};

// A cursor closed with its scope (before its transaction ends).
class cursor {
public:
  cursor(MDB_txn* txn, unsigned dbi) { rc_ = mdb_cursor_open(txn, dbi, &c_); }
  ~cursor() {
    if (c_ != nullptr)
      mdb_cursor_close(c_);
  }
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  int rc() const { return rc_; }
  MDB_cursor* get() const { return c_; }

private:
  MDB_cursor* c_ = nullptr;
  int rc_ = 0;
};

} // namespace stockwire::lmdb
