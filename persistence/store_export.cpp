// The store's reads for membership changes (store.hpp): export of a SKU's
// records, which SKUs this store holds, and meta values.
#include <algorithm>
#include <unordered_map>

#include "persistence/codec.hpp"
#include "persistence/lmdb_util.hpp"
#include "persistence/store.hpp"

namespace stockwire {

using lmdb::as_val;
using lmdb::as_view;
using lmdb::cursor;
using lmdb::from_mdb;
using lmdb::read_txn;

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Every record whose key starts with `prefix`, appended to `out`.
int scan_prefix(MDB_txn* txn, unsigned dbi, const std::string& prefix,
                std::vector<raw_record>* out) {
  cursor cur{txn, dbi};
  if (cur.rc() != 0)
    return cur.rc();
  MDB_val k = as_val(prefix);
  MDB_val v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    if (!starts_with(as_view(k), prefix))
      break;
    out->emplace_back(std::string{as_view(k)}, std::string{as_view(v)});
  }
  return rc == MDB_NOTFOUND ? 0 : rc;
}

// Every record of a database whose SKU (as `sku_of` finds it in the key) is
// one of `index`, appended to that SKU's bundle through `field`.
template <class SkuOf>
int scan_filtered(
    MDB_txn* txn, unsigned dbi,
    const std::unordered_map<std::string_view, sku_bundle*>& index,
    std::vector<raw_record> sku_bundle::*field, SkuOf sku_of) {
  cursor cur{txn, dbi};
  if (cur.rc() != 0)
    return cur.rc();
  MDB_val k;
  MDB_val v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    auto i = index.find(sku_of(as_view(k)));
    if (i != index.end())
      (i->second->*field)
          .emplace_back(std::string{as_view(k)}, std::string{as_view(v)});
  }
  return rc == MDB_NOTFOUND ? 0 : rc;
}

// The first SKU of a database keyed `sku ‖ 0x00 ‖ …` that sorts after
// `after` (empty: the first); empty when there is none.
int next_sku(MDB_txn* txn, unsigned dbi, const std::string& after,
             std::string* out) {
  out->clear();
  cursor cur{txn, dbi};
  if (cur.rc() != 0)
    return cur.rc();
  MDB_val v;
  MDB_val k;
  int rc = 0;
  // Keys of `after` are after ‖ 0x00 ‖ …; after ‖ 0x01 sorts past them all
  // and before any longer SKU (SKU characters are printable).
  auto seek = after + '\x01';
  if (after.empty()) {
    rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  } else {
    k = as_val(seek);
    rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  }
  if (rc == 0)
    *out = std::string{codec::sku_of_audit_key(as_view(k))};
  return rc == MDB_NOTFOUND ? 0 : rc;
}

} // namespace

status store::export_skus(const std::vector<std::string>& skus,
                          std::vector<sku_bundle>* out) const {
  out->assign(skus.size(), sku_bundle{});
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  std::unordered_map<std::string_view, sku_bundle*> index;
  for (std::size_t i = 0; i < skus.size(); ++i) {
    auto& b = (*out)[i];
    b.sku = skus[i];
    index.emplace(b.sku, &b);
    auto prefix = b.sku + '\0';
    if (int rc = scan_prefix(txn.get(), audit_dbi_, prefix, &b.sku_records))
      return from_mdb(rc, "export of " + b.sku);
    if (int rc = scan_prefix(txn.get(), listing_dbi_, prefix, &b.listings))
      return from_mdb(rc, "export of the listings of " + b.sku);
  }
  if (int rc = scan_filtered(txn.get(), dedup_dbi_, index, &sku_bundle::dedup,
                             codec::sku_of_dedup_key))
    return from_mdb(rc, "export of dedup records");
  auto sku_of_outbox = [](std::string_view key) {
    return codec::split_pair_key(key).second;
  };
  if (int rc = scan_filtered(txn.get(), outbox_dbi_, index, &sku_bundle::outbox,
                             sku_of_outbox))
    return from_mdb(rc, "export of outbox entries");
  auto sku_of_cancel = [](std::string_view key) {
    return codec::split_cancel_key(key).sku;
  };
  if (int rc = scan_filtered(txn.get(), cancel_dbi_, index,
                             &sku_bundle::cancels, sku_of_cancel))
    return from_mdb(rc, "export of pending cancellations");
  return status::ok();
}

status store::holds(const std::string& sku, bool* held) const {
  *held = false;
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  auto prefix = sku + '\0';
  for (unsigned dbi : {audit_dbi_, listing_dbi_}) {
    cursor cur{txn.get(), dbi};
    if (cur.rc() != 0)
      return from_mdb(cur.rc(), "cursor");
    MDB_val k = as_val(prefix);
    MDB_val v;
    int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
    if (rc == 0 && starts_with(as_view(k), prefix)) {
      *held = true;
      return status::ok();
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
      return from_mdb(rc, "lookup of " + sku);
  }
  return status::ok();
}

status store::held_skus(const std::string& after, std::size_t limit,
                        std::vector<std::string>* out) const {
  out->clear();
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  // Two sorted streams of SKUs (stock/audit, listings), merged.
  std::string a;
  std::string b;
  if (int rc = next_sku(txn.get(), audit_dbi_, after, &a))
    return from_mdb(rc, "sku scan");
  if (int rc = next_sku(txn.get(), listing_dbi_, after, &b))
    return from_mdb(rc, "listing scan");
  while (out->size() < limit && !(a.empty() && b.empty())) {
    auto next = a.empty() ? b : b.empty() ? a : std::min(a, b);
    out->push_back(next);
    if (a == next)
      if (int rc = next_sku(txn.get(), audit_dbi_, next, &a))
        return from_mdb(rc, "sku scan");
    if (b == next)
      if (int rc = next_sku(txn.get(), listing_dbi_, next, &b))
        return from_mdb(rc, "listing scan");
  }
  return status::ok();
}

status store::get_meta(const std::string& name, std::string* value) const {
  read_txn txn{*readers_};
  if (txn.rc() != 0)
    return from_mdb(txn.rc(), "read txn");
  MDB_val k = as_val(name);
  MDB_val v;
  int rc = mdb_get(txn.get(), meta_dbi_, &k, &v);
  if (rc != 0)
    return from_mdb(rc, "meta " + name);
  *value = std::string{as_view(v)};
  return status::ok();
}

} // namespace stockwire
