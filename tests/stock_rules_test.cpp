// Pure unit tests of the stock rules and dedup decisions (core/stock.hpp).
#define CAF_SUITE stock_rules
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "core/limits.hpp"
#include "core/stock.hpp"

using namespace stockwire;

namespace {

stock_state with(std::int64_t on_hand, std::int64_t reserved = 0,
                 std::uint64_t version = 7) {
  stock_state s;
  s.on_hand = on_hand;
  s.reserved = reserved;
  s.version = version;
  s.updated_at_ms = 1;
  return s;
}

} // namespace

CAF_TEST(an order within available stock is accepted and bumps the version) {
  auto d = decide_order(with(10), 3, 99);
  CAF_CHECK_EQUAL(d.error, errc::none);
  CAF_CHECK_EQUAL(d.status, order_status::accepted);
  CAF_CHECK(d.changed);
  CAF_CHECK_EQUAL(d.next.on_hand, 7);
  CAF_CHECK_EQUAL(d.next.version, 8u);
  CAF_CHECK_EQUAL(d.next.updated_at_ms, 99);
  CAF_CHECK_EQUAL(d.delta, -3);
}

CAF_TEST(an order for exactly the available stock empties it) {
  auto d = decide_order(with(3), 3, 1);
  CAF_CHECK_EQUAL(d.status, order_status::accepted);
  CAF_CHECK_EQUAL(d.next.available(), 0);
}

CAF_TEST(an order beyond available stock is rejected and changes nothing) {
  auto s = with(2);
  auto d = decide_order(s, 3, 99);
  CAF_CHECK_EQUAL(d.status, order_status::rejected);
  CAF_CHECK(!d.changed);
  CAF_CHECK(d.next == s);
  auto z = decide_order(with(0), 1, 99);
  CAF_CHECK_EQUAL(z.status, order_status::rejected);
}

CAF_TEST(reserved units are not sold) {
  auto d = decide_order(with(10, 8), 3, 1);
  CAF_CHECK_EQUAL(d.status, order_status::rejected);
  auto ok = decide_order(with(10, 8), 2, 1);
  CAF_CHECK_EQUAL(ok.status, order_status::accepted);
  CAF_CHECK_EQUAL(ok.next.available(), 0);
}

CAF_TEST(cancel gives units back) {
  auto d = decide_cancel(with(4), 3, 5);
  CAF_CHECK(d.changed);
  CAF_CHECK_EQUAL(d.next.on_hand, 7);
  CAF_CHECK_EQUAL(d.delta, 3);
  CAF_CHECK_EQUAL(d.next.version, 8u);
}

CAF_TEST(set refuses negative and below reserved) {
  CAF_CHECK_EQUAL(decide_set(with(4), -1, 1).error, errc::negative_stock);
  CAF_CHECK_EQUAL(decide_set(with(4, 3), 2, 1).error, errc::negative_stock);
  CAF_CHECK_EQUAL(decide_set(with(4), limits::quantity_max + 1, 1).error,
                  errc::invalid_argument);
  auto d = decide_set(with(4), 100, 1);
  CAF_CHECK_EQUAL(d.error, errc::none);
  CAF_CHECK_EQUAL(d.delta, 96);
  CAF_CHECK_EQUAL(d.next.on_hand, 100);
}

CAF_TEST(adjust refuses a result below zero) {
  CAF_CHECK_EQUAL(decide_adjust(with(4), -5, 1).error, errc::negative_stock);
  CAF_CHECK_EQUAL(decide_adjust(with(4), -4, 1).next.on_hand, 0);
  CAF_CHECK_EQUAL(decide_adjust(with(4), 6, 1).next.on_hand, 10);
  CAF_CHECK_EQUAL(decide_adjust(with(4), limits::quantity_max, 1).error,
                  errc::invalid_argument);
}

CAF_TEST(a refused command leaves the state untouched) {
  auto s = with(4);
  auto d = decide_adjust(s, -5, 1);
  CAF_CHECK(!d.changed);
  CAF_CHECK(d.next == s);
}

CAF_TEST(retry with the same payload replays and a different one conflicts) {
  dedup_record r;
  r.kind = op_kind::order;
  r.amount = 2;
  r.channel = "amazon";
  CAF_CHECK(judge_retry(r, op_kind::order, 2, "amazon") ==
            replay_verdict::replay);
  CAF_CHECK(judge_retry(r, op_kind::order, 3, "amazon") ==
            replay_verdict::conflict);
  CAF_CHECK(judge_retry(r, op_kind::order, 2, "shopify") ==
            replay_verdict::conflict);
  CAF_CHECK(judge_retry(r, op_kind::adjust, 2, "amazon") ==
            replay_verdict::conflict);
}

CAF_TEST(validation names what is wrong) {
  CAF_CHECK(!validate_sku("SKU-1"));
  CAF_CHECK(validate_sku("").has_value());
  CAF_CHECK(validate_sku(std::string(limits::sku_bytes_max + 1, 'a')));
  CAF_CHECK(validate_sku(std::string("a\0b", 3)));
  CAF_CHECK(validate_sku("sku with space"));
  CAF_CHECK(!validate_op_id("A-1001"));
  CAF_CHECK(validate_op_id(""));
  CAF_CHECK(validate_op_id("a\nb"));
  CAF_CHECK(!validate_qty(1));
  CAF_CHECK(validate_qty(0));
  CAF_CHECK(validate_qty(-1));
  CAF_CHECK(validate_qty(limits::quantity_max + 1));
}
