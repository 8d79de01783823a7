// Small LMDB helpers shared by the store's translation units (internal to
// persistence/: never included from outside it).
#pragma once

#include <string>
#include <string_view>

#include <lmdb.h>

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

// A read transaction that is always aborted (reads never commit).
class read_txn {
public:
  explicit read_txn(MDB_env* env) {
    rc_ = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn_);
  }
  ~read_txn() {
    if (txn_ != nullptr)
      mdb_txn_abort(txn_);
  }
  read_txn(const read_txn&) = delete;
  read_txn& operator=(const read_txn&) = delete;
  int rc() const { return rc_; }
  MDB_txn* get() const { return txn_; }

private:
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
