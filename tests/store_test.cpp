// Record encoding and the LMDB store: keys, round trips, audit order,
// atomic batches, the dedup purge and a full map.
#define CAF_SUITE store
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "persistence/codec.hpp"
#include "persistence/store.hpp"
#include "tests/test_util.hpp"

using namespace stockwire;

namespace {

std::unique_ptr<store> open_store(const std::string& dir,
                                  std::size_t map = 64ull << 20) {
  status st;
  store::options opts;
  opts.dir = dir;
  opts.map_size_bytes = map;
  auto db = store::open(opts, &st);
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
