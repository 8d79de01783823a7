// Pure unit tests of the channels' rate limiters (core/rate_limit.hpp),
// driven by a fake clock in milliseconds.
#define CAF_SUITE rate_limit
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "core/rate_limit.hpp"

using namespace stockwire;

CAF_TEST(a token bucket starts full and refuses once the burst is spent) {
  token_bucket b{5, 5, 0}; // Amazon patchListingsItem: 5/s, burst 5
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(b.try_take(0));
  CAF_CHECK(!b.try_take(0));
  CAF_CHECK_EQUAL(b.wait_ms(0), 200);
}

CAF_TEST(a token bucket refills at its rate and never above the burst) {
  token_bucket b{5, 5, 0};
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(b.try_take(0));
  CAF_CHECK(!b.try_take(199));
  CAF_CHECK(b.try_take(200));
  CAF_CHECK(!b.try_take(200));
  CAF_CHECK_EQUAL(b.available(100'000), 5.0);
}

CAF_TEST(a refused take takes nothing) {
  token_bucket b{1, 2, 0};
  CAF_CHECK(b.try_take(0, 2));
  CAF_CHECK(!b.try_take(500, 1)); // 0.5 tokens
  CAF_CHECK(b.try_take(1000, 1)); // 1.0: the refusal did not spend
}

CAF_TEST(a token bucket charges a cost like Shopify GraphQL points) {
  token_bucket b{100, 1000, 0}; // restore 100 points/s, bucket 1000
  for (int i = 0; i < 100; ++i)
    CAF_CHECK(b.try_take(0, 10));
  CAF_CHECK(!b.try_take(0, 10));
  CAF_CHECK_EQUAL(b.wait_ms(0, 10), 100);
  CAF_CHECK(b.try_take(100, 10));
}

CAF_TEST(time going backwards adds no tokens) {
  token_bucket b{1, 1, 1000};
  CAF_CHECK(b.try_take(1000));
  CAF_CHECK(!b.try_take(500));
  CAF_CHECK(!b.try_take(1999));
  CAF_CHECK(b.try_take(2000));
}

CAF_TEST(a leaky bucket holds 40 calls and leaks 2 per second) {
  leaky_bucket b{40, 2, 0}; // Shopify REST, Standard plan
  for (int i = 0; i < 40; ++i)
    CAF_CHECK(b.try_add(0));
  CAF_CHECK(!b.try_add(0));
  CAF_CHECK_EQUAL(b.level(0), 40.0);
  CAF_CHECK_EQUAL(b.wait_ms(0), 500);
  CAF_CHECK(!b.try_add(499));
  CAF_CHECK(b.try_add(500));
  CAF_CHECK(!b.try_add(500));
  CAF_CHECK_EQUAL(b.level(20'500), 0.0);
}

CAF_TEST(a leaky bucket sustains its leak rate) {
  leaky_bucket b{2, 2, 0};
  int accepted = 0;
  for (std::int64_t t = 0; t < 10'000; t += 100)
    accepted += b.try_add(t) ? 1 : 0;
  // 2 to fill the bucket, then 2 per second for the remaining 9.9 s.
  CAF_CHECK_GREATER_OR_EQUAL(accepted, 20);
  CAF_CHECK_LESS_OR_EQUAL(accepted, 22);
}

CAF_TEST(a daily quota counts per day and resets when the day changes) {
  daily_quota q{250}; // eBay: 250 revisions per listing per calendar day
  for (int i = 0; i < 250; ++i)
    CAF_CHECK(q.try_take(20'000));
  CAF_CHECK(!q.try_take(20'000));
  CAF_CHECK_EQUAL(q.remaining(20'000), 0);
  CAF_CHECK_EQUAL(q.remaining(20'001), 250);
  CAF_CHECK(q.try_take(20'001));
  CAF_CHECK_EQUAL(q.remaining(20'001), 249);
}

CAF_TEST(a zero quota refuses everything) {
  daily_quota q{0};
  CAF_CHECK(!q.try_take(1));
}

CAF_TEST(reset refills a token bucket and empties a leaky bucket) {
  token_bucket t{1, 3, 0};
  leaky_bucket l{3, 1, 0};
  for (int i = 0; i < 3; ++i) {
    CAF_CHECK(t.try_take(0));
    CAF_CHECK(l.try_add(0));
  }
  t.reset(0);
  l.reset(0);
  CAF_CHECK_EQUAL(t.available(0), 3.0);
  CAF_CHECK_EQUAL(l.level(0), 0.0);
}
