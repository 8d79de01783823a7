// Unit tests of the cancellations a connector owes its channel
// (connectors/cancellations.hpp): pure bookkeeping, clock passed in.
#define CAF_SUITE cancellations
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "connectors/cancellations.hpp"

using namespace stockwire;

namespace {

oversold_line line(std::string order, std::string sku, std::int64_t qty = 1,
                   std::int64_t at_ms = 1000) {
  return oversold_line{std::move(order), std::move(sku), qty, at_ms};
}

} // namespace

CAF_TEST(a line is added once and counted unless recovered) {
  cancellation_book b{10};
  CAF_CHECK(b.add(line("shopify:1", "A", 2), false));
  CAF_CHECK(!b.add(line("shopify:1", "A", 2), false)); // notice + recovery
  CAF_CHECK(b.add(line("shopify:1", "B", 3), false));  // another line
  CAF_CHECK(b.add(line("shopify:2", "A", 5), true));   // from before a restart
  CAF_CHECK_EQUAL(b.pending(), 2u);
  CAF_CHECK_EQUAL(b.totals().oversells, 2u);
  CAF_CHECK_EQUAL(b.totals().oversold_units, 5u);
  CAF_CHECK_EQUAL(b.lines_of("shopify:1").size(), 2u);
  CAF_CHECK(b.lines_of("shopify:404").empty());
}

CAF_TEST(due orders are taken oldest first and once until an outcome) {
  cancellation_book b{10};
  b.add(line("o:1", "A"), false);
  b.add(line("o:2", "A"), false);
  b.add(line("o:3", "A"), false);
  CAF_CHECK_EQUAL(b.next_due_ms(), std::optional<std::int64_t>{0});
  auto first = b.take_due(50, 2);
  CAF_REQUIRE_EQUAL(first.size(), 2u);
  CAF_CHECK_EQUAL(first[0], "o:1");
  CAF_CHECK_EQUAL(first[1], "o:2");
  auto rest = b.take_due(50, 10);
  CAF_REQUIRE_EQUAL(rest.size(), 1u);
  CAF_CHECK_EQUAL(rest[0], "o:3");
  CAF_CHECK(b.take_due(50, 10).empty()); // all in flight
  CAF_CHECK(!b.next_due_ms());
  CAF_CHECK_EQUAL(b.totals().sent, 3u);
}

CAF_TEST(a retry waits for its time and an acknowledgement forgets) {
  cancellation_book b{10};
  b.add(line("o:1", "A"), false);
  b.add(line("o:1", "B"), false);
  CAF_REQUIRE_EQUAL(b.take_due(0, 1).size(), 1u);
  CAF_CHECK_EQUAL(b.retry("o:1", 500, "ebay 500: down"), 1u);
  CAF_CHECK_EQUAL(b.attempts_of("o:1"), 1u);
  CAF_CHECK_EQUAL(b.next_due_ms(), std::optional<std::int64_t>{500});
  CAF_CHECK(b.take_due(499, 1).empty());
  CAF_REQUIRE_EQUAL(b.take_due(500, 1).size(), 1u);
  auto skus = b.acknowledge("o:1");
  CAF_CHECK_EQUAL(skus, (std::vector<std::string>{"A", "B"}));
  CAF_CHECK_EQUAL(b.pending(), 0u);
  CAF_CHECK_EQUAL(b.totals().acknowledged, 1u);
  CAF_CHECK_EQUAL(b.totals().retried, 1u);
  CAF_CHECK_EQUAL(b.totals().sent, 2u);
}

CAF_TEST(a parked order is never due again and stays pending) {
  cancellation_book b{10};
  b.add(line("o:1", "A"), false);
  CAF_REQUIRE_EQUAL(b.take_due(0, 1).size(), 1u);
  b.park("o:1", "woocommerce woocommerce_rest_shop_order_invalid_id: no");
  CAF_CHECK(!b.next_due_ms());
  CAF_CHECK(b.take_due(1'000'000, 10).empty());
  CAF_CHECK_EQUAL(b.pending(), 1u);
  CAF_CHECK_EQUAL(b.parked(), 1u);
  // Another line of that order joins it, parked too.
  CAF_CHECK(b.add(line("o:1", "B"), false));
  CAF_CHECK(!b.next_due_ms());
  auto recent = b.recent();
  CAF_REQUIRE_EQUAL(recent.size(), 2u);
  CAF_CHECK(recent[0].state == cancel_state::parked);
  CAF_CHECK(recent[1].state == cancel_state::parked);
  CAF_CHECK(recent[1].error.find("invalid_id") != std::string::npos);
}

CAF_TEST(unparking makes every parked order due again from its first attempt) {
  cancellation_book b{10};
  b.add(line("o:1", "A"), false);
  b.add(line("o:2", "B"), false);
  b.add(line("o:3", "C"), false);
  CAF_REQUIRE_EQUAL(b.take_due(0, 3).size(), 3u);
  b.retry("o:1", 500, "HTTP 503"); // still in the retry cycle: untouched
  b.park("o:2", "refused");
  b.park("o:3", "refused");
  CAF_CHECK_EQUAL(b.parked(), 2u);
  CAF_CHECK_EQUAL(b.attempts_of("o:1"), 1u);
  CAF_CHECK_EQUAL(b.unpark_all(100), 2u);
  CAF_CHECK_EQUAL(b.parked(), 0u);
  CAF_CHECK_EQUAL(b.pending(), 3u);
  CAF_CHECK_EQUAL(b.attempts_of("o:2"), 0u);
  auto next = b.next_due_ms();
  CAF_CHECK(next && *next == 100);
  std::vector<std::string> unparked{"o:2", "o:3"};
  CAF_CHECK(b.take_due(100, 10) == unparked);
  for (auto& r : b.recent())
    if (r.line.order_id != "o:1")
      CAF_CHECK(r.state == cancel_state::pending && r.error.empty());
  std::vector<std::string> retried{"o:1"};
  CAF_CHECK(b.take_due(500, 10) == retried);
  CAF_CHECK_EQUAL(b.unpark_all(600), 0u); // nothing parked: nothing changes
}

CAF_TEST(recent lines are the newest with the state of their order) {
  cancellation_book b{2};
  b.add(line("o:1", "A", 1, 1), false);
  b.add(line("o:2", "A", 1, 2), false);
  b.add(line("o:3", "A", 1, 3), false);
  auto taken = b.take_due(0, 1);
  CAF_REQUIRE_EQUAL(taken.size(), 1u);
  CAF_CHECK_EQUAL(taken[0], "o:1");
  b.acknowledge("o:1"); // no longer among the recent two: only counted
  auto more = b.take_due(0, 1);
  b.acknowledge(more.at(0));
  auto recent = b.recent();
  CAF_REQUIRE_EQUAL(recent.size(), 2u);
  CAF_CHECK_EQUAL(recent[0].line.order_id, "o:3");
  CAF_CHECK(recent[0].state == cancel_state::pending);
  CAF_CHECK_EQUAL(recent[1].line.order_id, "o:2");
  CAF_CHECK(recent[1].state == cancel_state::acknowledged);
  CAF_CHECK_EQUAL(cancel_state_name(recent[1].state), "acknowledged");
}

CAF_TEST(lines of a sku that moved away are withdrawn from every order) {
  cancellation_book b{10};
  b.add(line("o:1", "A"), false);      // only A: forgotten
  b.add(line("o:2", "A"), false);      // A and B: B stays
  b.add(line("o:2", "B", 2), false);
  b.add(line("o:3", "A"), false);      // parked, only A: forgotten
  b.add(line("o:4", "A"), false);      // in flight, only A
  auto first = b.take_due(0, 3);
  CAF_REQUIRE_EQUAL(first.size(), 3u); // o:1, o:2, o:3
  b.retry("o:1", 1000, "503");
  b.retry("o:2", 1000, "503");
  b.park("o:3", "unknown order");
  CAF_REQUIRE_EQUAL(b.take_due(0, 1), std::vector<std::string>{"o:4"});
  CAF_CHECK_EQUAL(b.parked(), 1u);
  CAF_CHECK_EQUAL(b.withdraw("A"), 4u);
  CAF_CHECK_EQUAL(b.withdraw("A"), 0u);
  CAF_CHECK_EQUAL(b.parked(), 0u);
  CAF_CHECK_EQUAL(b.pending(), 2u); // o:2 (B), o:4 until its outcome
  CAF_CHECK(b.lines_of("o:1").empty());
  CAF_CHECK_EQUAL(b.lines_of("o:2").size(), 1u);
  CAF_CHECK_EQUAL(b.take_due(1000, 10), std::vector<std::string>{"o:2"});
  // The outcome of the attempt in flight: nothing of it is left here.
  b.retry("o:4", 0, "503");
  CAF_CHECK_EQUAL(b.pending(), 1u);
  CAF_CHECK(b.take_due(1000, 10).empty()); // o:2 in flight
  CAF_CHECK_EQUAL(b.acknowledge("o:2"), std::vector<std::string>{"B"});
  CAF_CHECK_EQUAL(b.pending(), 0u);
  CAF_CHECK(!b.next_due_ms());
  for (auto& r : b.recent())
    CAF_CHECK_EQUAL(cancel_state_name(r.state),
                    r.line.sku == "A" ? "moved" : "acknowledged");
  // The SKU comes back (moved here again): its lines are owed here again.
  CAF_CHECK(b.add(line("o:1", "A"), true));
  CAF_CHECK_EQUAL(b.pending(), 1u);
}
