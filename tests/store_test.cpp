// Record encoding and the LMDB store: keys, round trips, audit order,
// atomic batches, the dedup purge, a full map and reservations.
#define CAF_SUITE store
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <filesystem>
#include <thread>
#include <tuple>

#include <sys/stat.h>

#include "persistence/codec.hpp"
#include "persistence/store.hpp"
#include "tests/store_util.hpp"
#include "tests/test_util.hpp"

using namespace stockwire;

namespace {

std::unique_ptr<store> open_store(const std::string& dir,
                                  std::size_t map = 64ull << 20) {
  status st;
  auto db = test::open_store_in(dir, map, &st);
  CAF_REQUIRE(st.is_ok());
  return db;
}

audit_record audit_at(std::uint64_t version) {
  audit_record r;
  r.version = version;
  r.op_id = "op-" + std::to_string(version);
  r.kind = op_kind::order;
  r.source = "amazon";
  r.delta = -1;
  r.on_hand_after = 100 - static_cast<std::int64_t>(version);
  r.available_after = r.on_hand_after;
  r.at_ms = 1000 + static_cast<std::int64_t>(version);
  return r;
}

} // namespace

CAF_TEST(records survive an encode decode round trip) {
  stock_state s{42, 2, 9, 123456789};
  CAF_CHECK(codec::decode_stock(codec::encode(s)) == s);
  dedup_record d;
  d.kind = op_kind::order;
  d.status = order_status::rejected;
  d.amount = 5;
  d.channel = "shopify";
  d.on_hand_after = 1;
  d.available_after = 1;
  d.version_after = 3;
  d.cancelled = true;
  d.cancel_version = 4;
  d.cancel_available_after = 6;
  d.created_at_ms = 77;
  CAF_CHECK(codec::decode_dedup(codec::encode(d)) == d);
  auto a = audit_at(5);
  CAF_CHECK(codec::decode_audit(codec::encode(a)) == a);
}

// The bytes FORMAT.md specifies, pinned: a change of the encoder that
// changes them breaks every store already written.
CAF_TEST(a stock record encodes to the bytes FORMAT.md specifies) {
  stock_state s{100, 3, 7, 1700000000000};
  auto enc = codec::encode(s);
  std::string hex;
  for (unsigned char c : enc) {
    static const char digits[] = "0123456789abcdef";
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
  }
  // value format 1, cereal's endianness byte (1: little), then on_hand,
  // reserved, version and updated_at_ms as 8-byte little-endian integers.
  CAF_CHECK_EQUAL(hex, "0101"
                       "6400000000000000"
                       "0300000000000000"
                       "0700000000000000"
                       "0068e5cf8b010000");
  auto again = codec::encode(s); // the encoder's reused stream starts clean
  CAF_CHECK_EQUAL(again, enc);
}

CAF_TEST(malformed values are refused not misread) {
  CAF_CHECK(!codec::decode_stock(""));
  CAF_CHECK(!codec::decode_stock(std::string("\x02garbage", 8)));
  auto enc = codec::encode(audit_at(1));
  CAF_CHECK(!codec::decode_audit(enc.substr(0, enc.size() / 2)));
}

CAF_TEST(audit keys sort by sku then version) {
  CAF_CHECK(codec::audit_key("A", 2) < codec::audit_key("A", 10));
  CAF_CHECK(codec::audit_key("A", 255) < codec::audit_key("A", 256));
  CAF_CHECK(codec::audit_key("A", UINT64_MAX) < codec::audit_key("A-", 0));
  CAF_CHECK_EQUAL(codec::sku_of_audit_key(codec::audit_key("SKU-1", 3)),
                  "SKU-1");
  CAF_CHECK_EQUAL(
      codec::sku_of_dedup_key(codec::dedup_key("S", op_kind::set, "k")), "S");
  // The lines of one order are adjacent, whatever their SKUs.
  auto a = codec::dedup_key("A", op_kind::order, "O-1");
  auto z = codec::dedup_key("Z", op_kind::order, "O-1");
  auto next = codec::dedup_key("B", op_kind::order, "O-10");
  CAF_CHECK(a < z && z < next);
}

CAF_TEST(a committed batch is readable and survives reopening) {
  test::temp_dir dir;
  {
    auto db = open_store(dir.path());
    write_batch b;
    b.put_stock("S1", stock_state{10, 0, 1, 5});
    b.put_stock("S1", stock_state{9, 0, 2, 6}); // newest wins
    dedup_record d;
    d.amount = 1;
    b.put_dedup("S1", op_kind::order, "o-1", d);
    b.put_audit("S1", audit_at(2));
    CAF_REQUIRE(db->commit(b).is_ok());
  }
  auto db = open_store(dir.path());
  stock_state s;
  CAF_REQUIRE(db->get_stock("S1", &s).is_ok());
  CAF_CHECK_EQUAL(s.on_hand, 9);
  CAF_CHECK_EQUAL(s.version, 2u);
  dedup_record d;
  CAF_CHECK(db->get_dedup("S1", op_kind::order, "o-1", &d).is_ok());
  CAF_CHECK(db->get_dedup("S1", op_kind::set, "o-1", &d).is_not_found());
  CAF_CHECK(db->get_stock("S2", &s).is_not_found());
}

// Reads reuse reset read transactions: each must see the newest commit,
// from any thread, not the snapshot it saw when it was last used.
CAF_TEST(a read after a commit sees it through a reused read transaction) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  for (std::int64_t i = 1; i <= 20; ++i) {
    write_batch b;
    b.put_stock("S1", stock_state{i, 0, static_cast<std::uint64_t>(i), i});
    CAF_REQUIRE(db->commit(b).is_ok());
    stock_state s;
    CAF_REQUIRE(db->get_stock("S1", &s).is_ok());
    CAF_CHECK_EQUAL(s.on_hand, i);
    std::thread other{[&] {
      stock_state t;
      CAF_CHECK(db->get_stock("S1", &t).is_ok());
      CAF_CHECK_EQUAL(t.on_hand, i);
    }};
    other.join();
  }
}

CAF_TEST(audit pages come newest first and stay within the sku) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  write_batch b;
  for (std::uint64_t v = 1; v <= 300; ++v)
    b.put_audit("S1", audit_at(v));
  b.put_audit("S0", audit_at(1));
  b.put_audit("S10", audit_at(1));
  CAF_REQUIRE(db->commit(b).is_ok());
  std::vector<audit_record> page;
  CAF_REQUIRE(db->get_audit("S1", 0, 5, &page).is_ok());
  CAF_REQUIRE_EQUAL(page.size(), 5u);
  CAF_CHECK_EQUAL(page[0].version, 300u);
  CAF_CHECK_EQUAL(page[4].version, 296u);
  CAF_REQUIRE(db->get_audit("S1", 257, 3, &page).is_ok());
  CAF_REQUIRE_EQUAL(page.size(), 3u);
  CAF_CHECK_EQUAL(page[0].version, 257u);
  CAF_REQUIRE(db->get_audit("S1", 2, 10, &page).is_ok());
  CAF_CHECK_EQUAL(page.size(), 2u);
  CAF_REQUIRE(db->get_audit("S0", 0, 10, &page).is_ok());
  CAF_CHECK_EQUAL(page.size(), 1u);
  CAF_REQUIRE(db->get_audit("S9", 0, 10, &page).is_ok());
  CAF_CHECK_EQUAL(page.size(), 0u);
}

CAF_TEST(purge removes only dedup records older than the cutoff) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  write_batch b;
  for (int i = 0; i < 100; ++i) {
    dedup_record d;
    d.created_at_ms = i; // 0..99
    b.put_dedup("S" + std::to_string(i % 7), op_kind::order,
                "o-" + std::to_string(i), d);
  }
  CAF_REQUIRE(db->commit(b).is_ok());
  std::string cursor;
  std::size_t total = 0;
  int steps = 0;
  do {
    std::size_t purged = 0;
    CAF_REQUIRE(db->purge_dedup(50, 8, &cursor, &purged).is_ok());
    total += purged;
    ++steps;
  } while (!cursor.empty() && steps < 100);
  CAF_CHECK_EQUAL(total, 50u);
  CAF_CHECK_EQUAL(db->count("dedup"), 50u);
  dedup_record d;
  CAF_CHECK(db->get_dedup("S0", op_kind::order, "o-0", &d).is_not_found());
  CAF_CHECK(db->get_dedup("S1", op_kind::order, "o-99", &d).is_ok());
}

CAF_TEST(a full map refuses the batch whole and keeps what was committed) {
  test::temp_dir dir;
  auto db = open_store(dir.path(), 256 * 1024);
  status last;
  int committed = 0;
  for (int i = 0; i < 10000; ++i) {
    write_batch b;
    auto sku = "SKU-" + std::to_string(i);
    b.put_stock(sku, stock_state{i, 0, 1, 1});
    b.put_audit(sku, audit_at(1));
    last = db->commit(b);
    if (!last.is_ok())
      break;
    ++committed;
  }
  CAF_REQUIRE(!last.is_ok());
  CAF_CHECK(last.status_code() == status::code::map_full);
  CAF_MESSAGE("map full after " << committed
                                << " batches: " << last.to_string());
  // Everything committed before is intact and readable; the failed batch
  // left nothing behind.
  std::size_t skus = 0;
  CAF_CHECK(db->for_each_stock([&](const std::string&, const stock_state&) {
                ++skus;
                return true;
              }).is_ok());
  CAF_CHECK_EQUAL(skus, static_cast<std::size_t>(committed));
  stock_state s;
  CAF_CHECK(db->get_stock("SKU-0", &s).is_ok());
  CAF_CHECK(
      db->get_stock("SKU-" + std::to_string(committed), &s).is_not_found());
}

CAF_TEST(a reservation is refused by a map without the room) {
  test::temp_dir dir;
  auto db = open_store(dir.path(), 1 << 20); // 256 pages of 4 KiB
  CAF_CHECK(db->reserve(16).is_ok());
  auto full = db->reserve(1000);
  CAF_CHECK(full.status_code() == status::code::map_full);
  CAF_CHECK(full.to_string().find("map_size_mb") != std::string::npos);
  // The refusal changed nothing: the store commits as before.
  write_batch b;
  b.put_stock("SKU-1", stock_state{1, 0, 1, 1});
  CAF_CHECK(db->commit(b).is_ok());
  CAF_CHECK(db->reserve(16).is_ok());
}

CAF_TEST(a reservation allocates the data file ahead of its last page) {
  test::temp_dir dir;
  auto db = open_store(dir.path(), 256ull << 20);
  auto file = std::filesystem::path{dir.path()} / "data.mdb";
  struct stat before;
  CAF_REQUIRE(::stat(file.c_str(), &before) == 0);
  const std::uint64_t pages = 4096; // 16 MiB
  CAF_REQUIRE(db->reserve(pages).is_ok());
  struct stat after;
  CAF_REQUIRE(::stat(file.c_str(), &after) == 0);
  // Allocated on disk beyond the file's end, which LMDB's writes extend:
  // the size is unchanged.
  CAF_CHECK_EQUAL(after.st_size, before.st_size);
  auto allocated = static_cast<std::uint64_t>(after.st_blocks) * 512;
  CAF_CHECK_GREATER_OR_EQUAL(allocated, pages * db->page_bytes());
  // Commits use the allocation: the store works as before.
  write_batch b;
  b.put_stock("SKU-1", stock_state{7, 0, 1, 1});
  CAF_CHECK(db->commit(b).is_ok());
  stock_state s;
  CAF_CHECK(db->get_stock("SKU-1", &s).is_ok() && s.on_hand == 7);
}

CAF_TEST(listings and outbox entries round trip and list per sku) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  listing shop;
  shop.item_id = "808950810";
  shop.location_id = "655441491";
  listing ebay;
  ebay.item_id = "1234567890";
  ebay.alloc = allocation{2, 50.0, 10};
  CAF_CHECK(codec::decode_listing(codec::encode(ebay)) == ebay);
  write_batch b;
  b.put_listing("SKU-1", "shopify", shop);
  b.put_listing("SKU-1", "ebay", ebay);
  b.put_listing("SKU-10", "shopify", shop); // shares the prefix "SKU-1"
  b.put_outbox("shopify", "SKU-1", outbox_record{3, 7, 1000});
  b.put_outbox("ebay", "SKU-1", outbox_record{3, 7, 1000});
  CAF_REQUIRE(db->commit(b).is_ok());
  std::vector<std::pair<std::string, listing>> got;
  CAF_REQUIRE(db->get_listings("SKU-1", &got).is_ok());
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[0].first, "ebay");
  CAF_CHECK(got[0].second == ebay);
  CAF_CHECK_EQUAL(got[1].first, "shopify");
  CAF_CHECK(got[1].second == shop);
  std::vector<std::string> seen;
  CAF_CHECK(db->for_each_outbox([&](const std::string& channel,
                                    const std::string& sku,
                                    const outbox_record& r) {
                seen.push_back(channel + "/" + sku + "@" +
                               std::to_string(r.version));
                return true;
              }).is_ok());
  CAF_CHECK_EQUAL(seen.size(), 2u);
  CAF_CHECK_EQUAL(seen[0], "ebay/SKU-1@3");
  CAF_CHECK_EQUAL(seen[1], "shopify/SKU-1@3");
  write_batch del;
  del.delete_listing("SKU-1", "ebay");
  del.delete_outbox("ebay", "SKU-1");
  del.delete_listing("SKU-1", "flipkart"); // absent: fine
  CAF_REQUIRE(db->commit(del).is_ok());
  CAF_REQUIRE(db->get_listings("SKU-1", &got).is_ok());
  CAF_CHECK_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(db->count("outbox"), 1u);
}

CAF_TEST(an outbox clear removes only what the acknowledged version covers) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  write_batch b;
  b.put_outbox("shopify", "SKU-1", outbox_record{5, 1, 1});
  b.put_outbox("shopify", "SKU-2", outbox_record{5, 1, 1});
  CAF_REQUIRE(db->commit(b).is_ok());
  write_batch acks;
  acks.clear_outbox("shopify", "SKU-1", 4); // older than pending: stays
  acks.clear_outbox("shopify", "SKU-2", 5); // covers it: removed
  acks.clear_outbox("shopify", "SKU-3", 9); // nothing there: fine
  CAF_REQUIRE(db->commit(acks).is_ok());
  std::vector<std::string> left;
  CAF_CHECK(db->for_each_outbox([&](const std::string&, const std::string& sku,
                                    const outbox_record&) {
                left.push_back(sku);
                return true;
              }).is_ok());
  CAF_REQUIRE_EQUAL(left.size(), 1u);
  CAF_CHECK_EQUAL(left[0], "SKU-1");
  // A newer change written in the same batch as a clear of the older one
  // survives: order within a batch is kept.
  write_batch mixed;
  mixed.clear_outbox("shopify", "SKU-1", 5);
  mixed.put_outbox("shopify", "SKU-1", outbox_record{6, 0, 2});
  CAF_REQUIRE(db->commit(mixed).is_ok());
  std::vector<std::uint64_t> versions;
  CAF_CHECK(db->for_each_outbox([&](const std::string&, const std::string&,
                                    const outbox_record& r) {
                versions.push_back(r.version);
                return true;
              }).is_ok());
  CAF_REQUIRE_EQUAL(versions.size(), 1u);
  CAF_CHECK_EQUAL(versions[0], 6u);
}

namespace {

// Everything a SKU can have: stock, audit trail, dedup records of two
// kinds, two listings, an outbox entry, pending cancellations of two
// oversold orders (one of them on two channels' keys); plus a neighbour
// whose SKU shares the prefix, which an export must leave alone.
void write_full_sku(store& db, const std::string& sku) {
  write_batch b;
  for (std::uint64_t v = 1; v <= 3; ++v)
    b.put_audit(sku, audit_at(v));
  b.put_stock(sku, stock_state{97, 0, 3, 1003});
  dedup_record d;
  d.kind = op_kind::order;
  d.amount = 1;
  d.channel = "web";
  d.version_after = 2;
  d.created_at_ms = 5;
  b.put_dedup(sku, op_kind::order, "ORDER-1", d);
  d.kind = op_kind::set;
  b.put_dedup(sku, op_kind::set, "init-" + sku, d);
  listing shop;
  shop.item_id = "4001";
  shop.location_id = "1";
  listing ebay;
  ebay.item_id = "900";
  ebay.alloc = allocation{1, 50.0, 5};
  b.put_listing(sku, "shopify", shop);
  b.put_listing(sku, "ebay", ebay);
  b.put_outbox("shopify", sku, outbox_record{3, 97, 1003});
  b.put_cancel("shopify", "shopify:77", sku, cancel_record{2, 1004});
  b.put_cancel("ebay", "ebay:12-3", sku, cancel_record{1, 1005});
  CAF_REQUIRE(db.commit(b).is_ok());
}

} // namespace

CAF_TEST(an exported sku imports whole into another store and nothing else) {
  test::temp_dir from_dir;
  test::temp_dir to_dir;
  auto from = open_store(from_dir.path());
  auto to = open_store(to_dir.path());
  write_full_sku(*from, "SKU-1");
  write_full_sku(*from, "SKU-10"); // "SKU-1" is a prefix of it
  std::vector<sku_bundle> out;
  CAF_REQUIRE(from->export_skus({"SKU-1", "NOPE"}, &out).is_ok());
  CAF_REQUIRE_EQUAL(out.size(), 2u);
  auto& b = out[0];
  CAF_CHECK_EQUAL(b.sku, "SKU-1");
  CAF_CHECK_EQUAL(b.sku_records.size(), 4u); // 3 audit records, stock slot
  CAF_CHECK_EQUAL(b.dedup.size(), 2u);
  CAF_CHECK_EQUAL(b.listings.size(), 2u);
  CAF_CHECK_EQUAL(b.outbox.size(), 1u);
  CAF_CHECK_EQUAL(b.cancels.size(), 2u);
  CAF_CHECK_EQUAL(b.records(), 11u);
  CAF_CHECK_EQUAL(check_bundle(b), "");
  CAF_CHECK(out[1].empty());
  write_batch w;
  w.put_bundle(b);
  CAF_REQUIRE(to->commit(w).is_ok());
  // What the new owner reads is what the old one had.
  stock_state s;
  CAF_REQUIRE(to->get_stock("SKU-1", &s).is_ok());
  CAF_CHECK(s == (stock_state{97, 0, 3, 1003}));
  std::vector<audit_record> trail;
  CAF_REQUIRE(to->get_audit("SKU-1", 0, 10, &trail).is_ok());
  CAF_REQUIRE_EQUAL(trail.size(), 3u);
  CAF_CHECK(trail[0] == audit_at(3));
  dedup_record d;
  CAF_CHECK(to->get_dedup("SKU-1", op_kind::order, "ORDER-1", &d).is_ok());
  CAF_CHECK_EQUAL(d.version_after, 2u);
  std::vector<std::string> order_skus;
  CAF_REQUIRE(to->get_order_skus("ORDER-1", &order_skus).is_ok());
  CAF_CHECK_EQUAL(order_skus, std::vector<std::string>{"SKU-1"});
  std::vector<std::pair<std::string, listing>> listings;
  CAF_REQUIRE(to->get_listings("SKU-1", &listings).is_ok());
  CAF_REQUIRE_EQUAL(listings.size(), 2u);
  CAF_CHECK(listings[0].second.alloc.has_value());
  CAF_CHECK_EQUAL(to->count("outbox"), 1u);
  // The pending cancellations arrive whole, to be sent by the new owner.
  std::vector<std::tuple<std::string, std::string, std::string, cancel_record>>
      cancels;
  CAF_REQUIRE(to->for_each_cancel([&](const std::string& channel,
                                      const std::string& order_id,
                                      const std::string& sku,
                                      const cancel_record& r) {
                    cancels.emplace_back(channel, order_id, sku, r);
                    return true;
                  })
                  .is_ok());
  CAF_REQUIRE_EQUAL(cancels.size(), 2u);
  CAF_CHECK(cancels[0] == std::make_tuple(std::string{"ebay"},
                                          std::string{"ebay:12-3"},
                                          std::string{"SKU-1"},
                                          cancel_record{1, 1005}));
  CAF_CHECK(cancels[1] == std::make_tuple(std::string{"shopify"},
                                          std::string{"shopify:77"},
                                          std::string{"SKU-1"},
                                          cancel_record{2, 1004}));
  CAF_CHECK(to->get_stock("SKU-10", &s).is_not_found());
  // The old owner deletes what it exported; the neighbour stays whole.
  write_batch erase;
  erase.erase_bundle(b);
  CAF_REQUIRE(from->commit(erase).is_ok());
  bool held = true;
  CAF_REQUIRE(from->holds("SKU-1", &held).is_ok());
  CAF_CHECK(!held);
  CAF_REQUIRE(from->holds("SKU-10", &held).is_ok());
  CAF_CHECK(held);
  CAF_CHECK_EQUAL(from->count("dedup"), 2u);
  CAF_CHECK_EQUAL(from->count("listing"), 2u);
  CAF_CHECK_EQUAL(from->count("outbox"), 1u);
  CAF_CHECK_EQUAL(from->count("cancel"), 2u); // SKU-10's
}

CAF_TEST(a bundle with a key of another sku or a bad value is refused) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  write_full_sku(*db, "SKU-1");
  std::vector<sku_bundle> out;
  CAF_REQUIRE(db->export_skus({"SKU-1"}, &out).is_ok());
  auto good = out[0];
  CAF_CHECK_EQUAL(check_bundle(good), "");
  auto other = good;
  other.sku = "SKU-2"; // every key still names SKU-1
  CAF_CHECK_NOT_EQUAL(check_bundle(other), "");
  auto foreign_dedup = good;
  foreign_dedup.dedup[0].first =
      codec::dedup_key("SKU-2", op_kind::order, "ORDER-9");
  CAF_CHECK_NOT_EQUAL(check_bundle(foreign_dedup), "");
  auto foreign_outbox = good;
  foreign_outbox.outbox[0].first = codec::outbox_key("shopify", "SKU-2");
  CAF_CHECK_NOT_EQUAL(check_bundle(foreign_outbox), "");
  auto foreign_cancel = good;
  foreign_cancel.cancels[0].first =
      codec::cancel_key("shopify", "shopify:77", "SKU-2");
  CAF_CHECK_NOT_EQUAL(check_bundle(foreign_cancel), "");
  auto short_cancel = good; // channel ‖ 0x00 ‖ sku: no order id
  short_cancel.cancels[0].first = codec::outbox_key("shopify", "SKU-1");
  CAF_CHECK_NOT_EQUAL(check_bundle(short_cancel), "");
  auto bad_cancel = good;
  bad_cancel.cancels[0].second = "\x01";
  CAF_CHECK_NOT_EQUAL(check_bundle(bad_cancel), "");
  auto garbage = good;
  garbage.sku_records[0].second = "\x07junk";
  CAF_CHECK_NOT_EQUAL(check_bundle(garbage), "");
  auto bad_sku = good;
  bad_sku.sku = "bad sku";
  CAF_CHECK_NOT_EQUAL(check_bundle(bad_sku), "");
}

CAF_TEST(held skus list stock and listing-only skus once in order) {
  test::temp_dir dir;
  auto db = open_store(dir.path());
  write_batch b;
  b.put_stock("B", stock_state{1, 0, 1, 1});
  b.put_audit("B", audit_at(1));
  b.put_stock("A", stock_state{1, 0, 1, 1});
  listing l;
  l.item_id = "1";
  b.put_listing("A", "shopify", l);  // A: stock and a listing
  b.put_listing("A0", "shopify", l); // listing only
  b.put_listing("C", "ebay", l);
  b.put_meta("settled_epoch", "7");
  CAF_REQUIRE(db->commit(b).is_ok());
  std::vector<std::string> skus;
  CAF_REQUIRE(db->held_skus("", 10, &skus).is_ok());
  CAF_CHECK_EQUAL(skus, (std::vector<std::string>{"A", "A0", "B", "C"}));
  CAF_REQUIRE(db->held_skus("A", 2, &skus).is_ok());
  CAF_CHECK_EQUAL(skus, (std::vector<std::string>{"A0", "B"}));
  CAF_REQUIRE(db->held_skus("C", 10, &skus).is_ok());
  CAF_CHECK(skus.empty());
  std::string value;
  CAF_REQUIRE(db->get_meta("settled_epoch", &value).is_ok());
  CAF_CHECK_EQUAL(value, "7");
  CAF_CHECK(db->get_meta("nope", &value).is_not_found());
}
