#include "persistence/store.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string_view>

#include <lmdb.h>

#include "core/limits.hpp"
#include "persistence/codec.hpp"
#include "persistence/lmdb_util.hpp"

namespace stockwire {

using lmdb::as_val;
using lmdb::as_view;
using lmdb::from_mdb;
using lmdb::read_txn;

namespace {

// Schema version stored in meta under "schema"; bumped with FORMAT.md.
constexpr char schema_key[] = "schema";
// 2: stock records moved into the `sku` database beside the audit trail.
constexpr char schema_version[] = "2";

// Named databases plus room for the outbox, listings and ownership tables.
constexpr unsigned max_named_dbs = 16;

// Every record of database `dbi` in key order, in one read transaction,
// as fn(key, value, &status) until fn returns false (with `status` set
// when it stopped for an error); `what` names the database in errors.
template <class F>
status scan_all(lmdb::reader_pool& pool, unsigned dbi, const char* what, F fn) {
  read_txn txn{pool};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  lmdb::cursor cur{txn.get(), dbi};
  if (cur.rc() != 0)
    return from_mdb(cur.rc(), std::string{what} + " cursor");
  MDB_val k;
  MDB_val v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    auto st = status::ok();
    if (!fn(as_view(k), as_view(v), &st))
      return st;
  }
  if (rc != MDB_NOTFOUND)
    return from_mdb(rc, std::string{what} + " scan");
  return status::ok();
}

} // namespace

std::string status::to_string() const {
  switch (code_) {
  case code::ok:
    return "ok";
  case code::not_found:
    return "not found: " + msg_;
  case code::map_full:
    return "store full: " + msg_;
  case code::io_error:
    return "I/O error: " + msg_;
  case code::corruption:
    return "corruption: " + msg_;
  case code::invalid:
    return "invalid: " + msg_;
  case code::log_full:
    return "log full: " + msg_;
  }
  return msg_;
}

void write_batch::put_stock(const std::string& sku, const stock_state& s) {
  stock_[sku] = codec::encode(s);
}

void write_batch::append(write_batch&& other) {
  if (records_.empty())
    records_ = std::move(other.records_);
  else
    for (auto& r : other.records_)
      records_.push_back(std::move(r));
  for (auto& [sku, value] : other.stock_)
    stock_[sku] = std::move(value);
  other.clear();
}

void write_batch::put_dedup(const std::string& sku, op_kind kind,
                            const std::string& id, const dedup_record& r) {
  records_.push_back(
      {db::dedup, codec::dedup_key(sku, kind, id), codec::encode(r)});
}

void write_batch::put_audit(const std::string& sku, const audit_record& r) {
  records_.push_back(
      {db::audit, codec::audit_key(sku, r.version), codec::encode(r)});
}

void write_batch::put_listing(const std::string& sku,
                              const std::string& channel, const listing& l) {
  records_.push_back(
      {db::listing, codec::listing_key(sku, channel), codec::encode(l)});
}

void write_batch::delete_listing(const std::string& sku,
                                 const std::string& channel) {
  records_.push_back(
      {db::listing, codec::listing_key(sku, channel), {}, op::del});
}

void write_batch::put_outbox(const std::string& channel, const std::string& sku,
                             const outbox_record& r) {
  records_.push_back(
      {db::outbox, codec::outbox_key(channel, sku), codec::encode(r)});
}

void write_batch::delete_outbox(const std::string& channel,
                                const std::string& sku) {
  records_.push_back({db::outbox, codec::outbox_key(channel, sku), {}, op::del});
}

void write_batch::clear_outbox(const std::string& channel,
                               const std::string& sku, std::uint64_t acked) {
  records_.push_back({db::outbox, codec::outbox_key(channel, sku),
                      std::to_string(acked), op::del_if_version_le});
}

void write_batch::put_cancel(const std::string& channel,
                             const std::string& order_id,
                             const std::string& sku, const cancel_record& r) {
  records_.push_back({db::cancel, codec::cancel_key(channel, order_id, sku),
                      codec::encode(r)});
}

void write_batch::delete_cancel(const std::string& channel,
                                const std::string& order_id,
                                const std::string& sku) {
  records_.push_back(
      {db::cancel, codec::cancel_key(channel, order_id, sku), {}, op::del});
}

void write_batch::put_bundle(const sku_bundle& b) {
  for (auto& [k, v] : b.sku_records)
    records_.push_back({db::audit, k, v});
  for (auto& [k, v] : b.dedup)
    records_.push_back({db::dedup, k, v});
  for (auto& [k, v] : b.listings)
    records_.push_back({db::listing, k, v});
  for (auto& [k, v] : b.outbox)
    records_.push_back({db::outbox, k, v});
  for (auto& [k, v] : b.cancels)
    records_.push_back({db::cancel, k, v});
}

void write_batch::erase_bundle(const sku_bundle& b) {
  auto erase = [this](db target, const std::vector<raw_record>& records) {
    for (auto& r : records)
      records_.push_back({target, r.first, {}, op::del});
  };
  erase(db::audit, b.sku_records);
  erase(db::dedup, b.dedup);
  erase(db::listing, b.listings);
  erase(db::outbox, b.outbox);
  erase(db::cancel, b.cancels);
}

void write_batch::put_meta(const std::string& name, const std::string& value) {
  records_.push_back({db::meta, name, value});
}

void write_batch::clear() {
  records_.clear();
  stock_.clear();
}

store::store(options opts) : opts_(std::move(opts)) {}

store::~store() {
  readers_.reset(); // its transactions end before the environment
  if (env_ != nullptr)
    mdb_env_close(env_);
}

std::unique_ptr<store> store::open(const options& opts, status* st) {
  std::error_code ec;
  std::filesystem::create_directories(opts.dir, ec);
  if (ec) {
    *st = status::io_error("cannot create data directory " + opts.dir + ": " +
                           ec.message());
    return nullptr;
  }
  std::unique_ptr<store> s{new store(opts)};
  int rc = mdb_env_create(&s->env_);
  if (rc != 0) {
    *st = from_mdb(rc, "mdb_env_create");
    return nullptr;
  }
  mdb_env_set_maxdbs(s->env_, max_named_dbs);
  mdb_env_set_mapsize(s->env_, opts.map_size_bytes);
  // MDB_NOTLS: read transactions are not tied to a thread, because CAF may
  // run an actor's handlers on different workers.
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
  if (!opts.durable)
    flags |= MDB_NOSYNC;
  rc = mdb_env_open(s->env_, opts.dir.c_str(), flags, 0644);
  if (rc != 0) {
    *st = from_mdb(rc, "mdb_env_open " + opts.dir);
    return nullptr;
  }
  s->readers_ = std::make_unique<lmdb::reader_pool>(s->env_);
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(s->env_, nullptr, 0, &txn);
  if (rc != 0) {
    *st = from_mdb(rc, "mdb_txn_begin (open)");
    return nullptr;
  }
  struct {
    const char* name;
    unsigned* dbi;
  } dbs[] = {{"dedup", &s->dedup_dbi_},   {"sku", &s->audit_dbi_},
             {"meta", &s->meta_dbi_},     {"listing", &s->listing_dbi_},
             {"outbox", &s->outbox_dbi_}, {"cancel", &s->cancel_dbi_}};
  for (auto& d : dbs) {
    MDB_dbi dbi = 0;
    rc = mdb_dbi_open(txn, d.name, MDB_CREATE, &dbi);
    if (rc != 0) {
      mdb_txn_abort(txn);
      *st = from_mdb(rc, std::string{"mdb_dbi_open "} + d.name);
      return nullptr;
    }
    *d.dbi = dbi;
  }
  std::string key = schema_key;
  MDB_val k = as_val(key);
  MDB_val v;
  rc = mdb_get(txn, s->meta_dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) {
    std::string ver = schema_version;
    MDB_val nv = as_val(ver);
    rc = mdb_put(txn, s->meta_dbi_, &k, &nv, 0);
  } else if (rc == 0 && as_view(v) != schema_version) {
    mdb_txn_abort(txn);
    *st = status::invalid("data directory " + opts.dir +
                          " has schema version " + std::string{as_view(v)} +
                          ", this build reads " + schema_version);
    return nullptr;
  }
  if (rc == 0)
    rc = mdb_txn_commit(txn);
  else
    mdb_txn_abort(txn);
  if (rc != 0) {
    *st = from_mdb(rc, "initialising " + opts.dir);
    return nullptr;
  }
  MDB_stat ms;
  if (mdb_env_stat(s->env_, &ms) == 0)
    s->page_bytes_ = ms.ms_psize;
  *st = status::ok();
  return s;
}

status store::get_stock(const std::string& sku, stock_state* out) const {
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  std::string key = codec::stock_key(sku);
  MDB_val k = as_val(key);
  MDB_val v;
  int rc = mdb_get(txn.get(), audit_dbi_, &k, &v);
  if (rc != 0)
    return from_mdb(rc, "stock of " + sku);
  auto decoded = codec::decode_stock(as_view(v));
  if (!decoded)
    return status::corruption("undecodable stock record of " + sku);
  *out = *decoded;
  return status::ok();
}

status store::get_dedup(const std::string& sku, op_kind kind,
                        const std::string& id, dedup_record* out) const {
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  std::string key = codec::dedup_key(sku, kind, id);
  MDB_val k = as_val(key);
  MDB_val v;
  int rc = mdb_get(txn.get(), dedup_dbi_, &k, &v);
  if (rc != 0)
    return from_mdb(rc, "dedup record " + id + " of " + sku);
  auto decoded = codec::decode_dedup(as_view(v));
  if (!decoded)
    return status::corruption("undecodable dedup record " + id + " of " + sku);
  *out = *decoded;
  return status::ok();
}

status store::get_audit(const std::string& sku, std::uint64_t from_version,
                        std::size_t limit,
                        std::vector<audit_record>* out) const {
  out->clear();
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  MDB_cursor* cur = nullptr;
  int rc = mdb_cursor_open(txn.get(), audit_dbi_, &cur);
  if (rc != 0)
    return from_mdb(rc, "audit cursor");
  // Position at the first key after the wanted range, then walk backwards.
  std::string start =
      codec::audit_key(sku, from_version == 0 || from_version > codec::audit_version_max
                                ? codec::audit_version_max
                                : from_version);
  MDB_val k = as_val(start);
  MDB_val v;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && as_view(k) == start)
    ; // exact match: include it
  else if (rc == 0)
    rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
  else if (rc == MDB_NOTFOUND)
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
  status st = status::ok();
  while (rc == 0 && out->size() < limit) {
    auto key = as_view(k);
    if (key.size() != sku.size() + 9 || codec::sku_of_audit_key(key) != sku)
      break;
    auto rec = codec::decode_audit(as_view(v));
    if (!rec) {
      st = status::corruption("undecodable audit record of " + sku);
      break;
    }
    out->push_back(std::move(*rec));
    rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
  }
  mdb_cursor_close(cur);
  if (st.is_ok() && rc != 0 && rc != MDB_NOTFOUND)
    st = from_mdb(rc, "audit scan of " + sku);
  return st;
}

status store::get_order_skus(const std::string& order_id,
                             std::vector<std::string>* out) const {
  out->clear();
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  MDB_cursor* cur = nullptr;
  int rc = mdb_cursor_open(txn.get(), dedup_dbi_, &cur);
  if (rc != 0)
    return from_mdb(rc, "dedup cursor");
  // Dedup keys start with the operation id: an order's lines are adjacent.
  auto prefix = codec::dedup_key("", op_kind::order, order_id);
  MDB_val k = as_val(prefix);
  MDB_val v;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    auto key = as_view(k);
    if (key.compare(0, prefix.size(), prefix) != 0)
      break;
    out->emplace_back(key.substr(prefix.size()));
  }
  mdb_cursor_close(cur);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return from_mdb(rc, "order scan of " + order_id);
  return status::ok();
}

status store::get_listings(
    const std::string& sku,
    std::vector<std::pair<std::string, listing>>* out) const {
  out->clear();
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  MDB_cursor* cur = nullptr;
  int rc = mdb_cursor_open(txn.get(), listing_dbi_, &cur);
  if (rc != 0)
    return from_mdb(rc, "listing cursor");
  auto prefix = codec::listing_key(sku, "");
  MDB_val k = as_val(prefix);
  MDB_val v;
  status st = status::ok();
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    auto key = as_view(k);
    if (key.compare(0, prefix.size(), prefix) != 0)
      break;
    auto rec = codec::decode_listing(as_view(v));
    if (!rec) {
      st = status::corruption("undecodable listing of " + sku);
      break;
    }
    out->emplace_back(std::string{key.substr(prefix.size())}, std::move(*rec));
  }
  mdb_cursor_close(cur);
  if (st.is_ok() && rc != 0 && rc != MDB_NOTFOUND)
    st = from_mdb(rc, "listing scan of " + sku);
  return st;
}

status store::scan_outbox(bool (*fn)(void*, const std::string&,
                                     const std::string&, const outbox_record&),
                          void* ctx) const {
  return scan_all(*readers_, outbox_dbi_, "outbox",
                  [&](std::string_view key, std::string_view value,
                      status* st) {
                    auto [channel, sku] = codec::split_pair_key(key);
                    auto rec = codec::decode_outbox(value);
                    if (!rec) {
                      *st = status::corruption("undecodable outbox entry of " +
                                               std::string{sku});
                      return false;
                    }
                    return fn(ctx, std::string{channel}, std::string{sku},
                              *rec);
                  });
}

status store::scan_cancel(bool (*fn)(void*, const std::string&,
                                     const std::string&, const std::string&,
                                     const cancel_record&),
                          void* ctx) const {
  return scan_all(*readers_, cancel_dbi_, "cancel",
                  [&](std::string_view key, std::string_view value,
                      status* st) {
                    auto f = codec::split_cancel_key(key);
                    auto rec = codec::decode_cancel(value);
                    if (!rec) {
                      *st = status::corruption(
                          "undecodable cancellation of order " +
                          std::string{f.order_id});
                      return false;
                    }
                    return fn(ctx, std::string{f.channel},
                              std::string{f.order_id}, std::string{f.sku},
                              *rec);
                  });
}

status store::scan_listing(bool (*fn)(void*, const std::string&,
                                      const std::string&, const listing&),
                           void* ctx) const {
  return scan_all(*readers_, listing_dbi_, "listing",
                  [&](std::string_view key, std::string_view value,
                      status* st) {
                    auto [sku, channel] = codec::split_pair_key(key);
                    auto rec = codec::decode_listing(value);
                    if (!rec) {
                      *st = status::corruption("undecodable listing of " +
                                               std::string{sku});
                      return false;
                    }
                    return fn(ctx, std::string{sku}, std::string{channel},
                              *rec);
                  });
}

status store::scan_stock(bool (*fn)(void*, const std::string&,
                                    const stock_state&),
                         void* ctx) const {
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  MDB_cursor* cur = nullptr;
  int rc = mdb_cursor_open(txn.get(), audit_dbi_, &cur);
  if (rc != 0)
    return from_mdb(rc, "sku cursor");
  MDB_val k;
  MDB_val v;
  status st = status::ok();
  // One seek per SKU: to its stock record (the last key of its range), then
  // past it to the first key of the next SKU.
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;) {
    std::string sku{codec::sku_of_audit_key(as_view(k))};
    auto key = codec::stock_key(sku);
    MDB_val sk = as_val(key);
    rc = mdb_cursor_get(cur, &sk, &v, MDB_SET_KEY);
    if (rc == 0) {
      auto rec = codec::decode_stock(as_view(v));
      if (!rec) {
        st = status::corruption("undecodable stock record of " + sku);
        break;
      }
      if (!fn(ctx, sku, *rec))
        break;
    }
    auto next = sku + '\x01';
    MDB_val nk = as_val(next);
    rc = mdb_cursor_get(cur, &nk, &v, MDB_SET_RANGE);
    k = nk;
  }
  mdb_cursor_close(cur);
  if (st.is_ok() && rc != 0 && rc != MDB_NOTFOUND)
    st = from_mdb(rc, "sku scan");
  return st;
}

unsigned store::dbi_of(write_batch::db target) const {
  switch (target) {
  case write_batch::db::dedup:
    return dedup_dbi_;
  case write_batch::db::audit:
    return audit_dbi_;
  case write_batch::db::listing:
    return listing_dbi_;
  case write_batch::db::outbox:
    return outbox_dbi_;
  case write_batch::db::cancel:
    return cancel_dbi_;
  case write_batch::db::meta:
    return meta_dbi_;
  }
  return audit_dbi_;
}

// What a failed write was, for the error message.
std::string store::record_name(const write_batch::record& r) {
  switch (r.target) {
  case write_batch::db::dedup:
    return "put dedup of " + std::string{codec::sku_of_dedup_key(r.key)};
  case write_batch::db::audit:
    return "put audit of " + std::string{codec::sku_of_audit_key(r.key)};
  case write_batch::db::listing: {
    auto [sku, channel] = codec::split_pair_key(r.key);
    return "write listing of " + std::string{sku} + " on " +
           std::string{channel};
  }
  case write_batch::db::outbox: {
    auto [channel, sku] = codec::split_pair_key(r.key);
    return "write outbox of " + std::string{sku} + " for " +
           std::string{channel};
  }
  case write_batch::db::cancel: {
    auto f = codec::split_cancel_key(r.key);
    return "write cancellation of order " + std::string{f.order_id} + " (" +
           std::string{f.sku} + ") for " + std::string{f.channel};
  }
  case write_batch::db::meta:
    return "write meta " + r.key;
  }
  return "write";
}

std::uint64_t store::last_txn_id() const {
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) != 0)
    return 0;
  return static_cast<std::uint64_t>(info.me_last_txnid);
}

status store::reserve(std::uint64_t pages) {
  MDB_envinfo info;
  int rc = mdb_env_info(env_, &info);
  if (rc != 0)
    return from_mdb(rc, "mdb_env_info");
  const std::uint64_t used = (info.me_last_pgno + 1) * page_bytes_;
  const std::uint64_t needed = used + pages * page_bytes_;
  if (needed > info.me_mapsize) {
    auto mib = [](std::uint64_t b) { return std::to_string(b >> 20); };
    return status::map_full(
        "the map of " + mib(info.me_mapsize) + " MiB has " +
        std::to_string((info.me_mapsize - std::min(used, info.me_mapsize)) /
                       page_bytes_) +
        " pages free, fewer than the " + std::to_string(pages) +
        " that writes acknowledged but not yet applied may take: raise "
        "[store] map_size_mb");
  }
  if (needed <= reserved_bytes_ || !allocates_ahead_)
    return status::ok();
  int fd = -1;
  if ((rc = mdb_env_get_fd(env_, &fd)) != 0)
    return from_mdb(rc, "mdb_env_get_fd");
  // Ahead by a step, so that most calls need no system call; on a disk
  // without room for the step, exactly what is needed.
  auto target = std::min<std::uint64_t>(
      needed + limits::store_reserve_step_bytes, info.me_mapsize);
  for (;;) {
    rc = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(target));
    if (rc == 0 || errno != ENOSPC || target == needed)
      break;
    target = needed;
  }
  if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
    allocates_ahead_ = false; // this file system cannot: the map only
    return status::ok();
  }
  if (rc != 0)
    return status::io_error(
        "cannot allocate " + std::to_string(needed) + " bytes for " +
        opts_.dir + "/data.mdb (" + std::to_string(pages) +
        " pages past its last used page): " + std::strerror(errno));
  reserved_bytes_ = target;
  return status::ok();
}

status store::commit(const write_batch& batch) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0)
    return from_mdb(rc, "begin write txn");
  auto fail = [&](int code, const std::string& what) {
    mdb_txn_abort(txn);
    return from_mdb(code, what);
  };
  for (auto& r : batch.records_) {
    MDB_val k = as_val(r.key);
    auto dbi = dbi_of(r.target);
    if (r.action == write_batch::op::put) {
      MDB_val v = as_val(r.value);
      rc = mdb_put(txn, dbi, &k, &v, 0);
    } else {
      rc = 0;
      if (r.action == write_batch::op::del_if_version_le) {
        MDB_val v;
        rc = mdb_get(txn, dbi, &k, &v);
        if (rc == 0) {
          auto cur = codec::decode_outbox(as_view(v));
          if (cur && cur->version > std::stoull(r.value))
            continue; // a newer change is pending: keep it
        }
      }
      if (rc == 0)
        rc = mdb_del(txn, dbi, &k, nullptr);
      if (rc == MDB_NOTFOUND)
        rc = 0; // deleting what is not there is done
    }
    if (rc != 0)
      return fail(rc, record_name(r));
  }
  for (auto& [sku, value] : batch.stock_) {
    auto key = codec::stock_key(sku);
    MDB_val k = as_val(key);
    MDB_val v = as_val(value);
    rc = mdb_put(txn, audit_dbi_, &k, &v, 0);
    if (rc != 0)
      return fail(rc, "put stock of " + sku);
  }
  rc = mdb_txn_commit(txn); // frees txn on success and on failure
  if (rc != 0)
    return from_mdb(rc, "commit");
  return status::ok();
}

status store::purge_dedup(std::int64_t cutoff_ms, std::size_t step,
                          std::string* cursor_key, std::size_t* purged) {
  *purged = 0;
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0)
    return from_mdb(rc, "begin purge txn");
  MDB_cursor* cur = nullptr;
  rc = mdb_cursor_open(txn, dedup_dbi_, &cur);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return from_mdb(rc, "purge cursor");
  }
  MDB_val k;
  MDB_val v;
  if (cursor_key->empty()) {
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  } else {
    k = as_val(*cursor_key);
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  }
  std::size_t seen = 0;
  while (rc == 0 && seen < step) {
    ++seen;
    auto rec = codec::decode_dedup(as_view(v));
    if (rec && rec->created_at_ms < cutoff_ms) {
      rc = mdb_cursor_del(cur, 0);
      if (rc != 0)
        break;
      ++*purged;
      // After a delete the cursor sits on the next item.
      // At the end of the database there is no current item: wrap.
      if (mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT) != 0)
        rc = MDB_NOTFOUND;
      continue;
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  if (rc == 0)
    cursor_key->assign(static_cast<const char*>(k.mv_data), k.mv_size);
  else
    cursor_key->clear();
  mdb_cursor_close(cur);
  if (rc != 0 && rc != MDB_NOTFOUND && rc != MDB_SUCCESS) {
    mdb_txn_abort(txn);
    return from_mdb(rc, "purge");
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0)
    return from_mdb(rc, "purge commit");
  return status::ok();
}

std::size_t store::count(const std::string& db_name) const {
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return 0;
  unsigned dbi = db_name == "dedup"     ? dedup_dbi_
                 : db_name == "sku"     ? audit_dbi_
                 : db_name == "listing" ? listing_dbi_
                 : db_name == "outbox"  ? outbox_dbi_
                 : db_name == "cancel"  ? cancel_dbi_
                                        : meta_dbi_;
  MDB_stat stat;
  if (mdb_stat(txn.get(), dbi, &stat) != 0)
    return 0;
  return stat.ms_entries;
}

} // namespace stockwire
