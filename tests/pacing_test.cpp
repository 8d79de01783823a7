// Pure unit tests of the connectors' client-side pacing
// (connectors/pacing.hpp), driven by fake clocks in milliseconds.
#define CAF_SUITE pacing
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <cstdint>
#include <limits>
#include <random>

#include "connectors/pacing.hpp"

using namespace stockwire;

namespace {

constexpr std::int64_t day_ms = revision_budget::day_ms;
// 2026-11-27T00:00:00Z.
constexpr std::int64_t midnight_ms = 20'784 * day_ms;
constexpr std::int64_t hour_ms = 3'600'000;

} // namespace

// -- backoff ------------------------------------------------------------------

CAF_TEST(backoff draws up to base times two to the attempt minus one) {
  backoff b;
  constexpr auto all_ones = std::numeric_limits<std::uint64_t>::max();
  CAF_CHECK_EQUAL(b.delay_ms(1, 0), 0);
  CAF_CHECK_EQUAL(b.delay_ms(1, 250), 250);
  CAF_CHECK_EQUAL(b.delay_ms(1, 251), 0); // 251 % 251
  CAF_CHECK_EQUAL(b.delay_ms(2, 500), 500);
  CAF_CHECK_EQUAL(b.delay_ms(3, 1000), 1000);
  CAF_CHECK_LESS_OR_EQUAL(b.delay_ms(1, all_ones), 250);
}

CAF_TEST(backoff never exceeds its cap even after many attempts) {
  backoff b;
  std::mt19937_64 rng{7};
  for (unsigned attempt : {8u, 9u, 20u, 64u, 1000u, 4'000'000'000u}) {
    for (int i = 0; i < 100; ++i) {
      auto d = b.delay_ms(attempt, rng());
      CAF_CHECK_GREATER_OR_EQUAL(d, 0);
      CAF_CHECK_LESS_OR_EQUAL(d, backoff::cap_ms_default);
    }
  }
  CAF_CHECK_EQUAL(b.delay_ms(1000, 30'000), 30'000);
}

CAF_TEST(backoff is deterministic given the random draw) {
  backoff b{100, 3, 10'000};
  CAF_CHECK_EQUAL(b.delay_ms(3, 12'345), b.delay_ms(3, 12'345));
  CAF_CHECK_EQUAL(b.delay_ms(3, 900), 900); // ceiling 100 * 3^2
  CAF_CHECK_EQUAL(b.delay_ms(3, 901), 0);
}

CAF_TEST(full jitter spreads retries over the whole range) {
  backoff b;
  std::mt19937_64 rng{42};
  std::int64_t low = 0;
  std::int64_t high = 0;
  for (int i = 0; i < 1000; ++i) {
    auto d = b.delay_ms(4, rng()); // ceiling 2000
    low += d < 500 ? 1 : 0;
    high += d > 1500 ? 1 : 0;
  }
  CAF_CHECK_GREATER(low, 150);
  CAF_CHECK_GREATER(high, 150);
}

CAF_TEST(a longer retry after from the channel wins) {
  backoff b;
  CAF_CHECK_EQUAL(b.retry_delay_ms(1, 60'000, 100), 60'000);
  CAF_CHECK_EQUAL(b.retry_delay_ms(1, 10, 100), 100);
  CAF_CHECK_EQUAL(b.retry_delay_ms(1, std::nullopt, 100), 100);
  CAF_CHECK_EQUAL(b.retry_delay_ms(1, -5, 100), 100);
}

// -- circuit_breaker ----------------------------------------------------------

CAF_TEST(a breaker opens after five consecutive failures) {
  circuit_breaker cb;
  for (int i = 0; i < 4; ++i) {
    CAF_CHECK(cb.allow(0));
    cb.on_failure(0);
  }
  CAF_CHECK_EQUAL(cb.state(), breaker_state::closed);
  CAF_CHECK_EQUAL(cb.consecutive_failures(), 4u);
  cb.on_failure(1000);
  CAF_CHECK_EQUAL(cb.state(), breaker_state::open);
  CAF_CHECK_EQUAL(breaker_state_name(cb.state()), "open");
  CAF_CHECK(!cb.allow(1000));
  CAF_CHECK_EQUAL(cb.reopen_at_ms(), 31'000);
}

CAF_TEST(a success resets the consecutive failure count) {
  circuit_breaker cb;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i)
      cb.on_failure(0);
    cb.on_success(0);
  }
  CAF_CHECK_EQUAL(cb.state(), breaker_state::closed);
  CAF_CHECK_EQUAL(cb.consecutive_failures(), 0u);
}

CAF_TEST(an open breaker lets one probe through after the open period) {
  circuit_breaker cb{1, 30'000};
  cb.on_failure(0);
  CAF_CHECK(!cb.allow(29'999));
  CAF_CHECK(cb.allow(30'000));
  CAF_CHECK_EQUAL(cb.state(), breaker_state::half_open);
  CAF_CHECK_EQUAL(breaker_state_name(cb.state()), "half_open");
  CAF_CHECK(!cb.allow(30'001)); // the probe is still out
  cb.on_success(30'500);
  CAF_CHECK_EQUAL(cb.state(), breaker_state::closed);
  CAF_CHECK_EQUAL(breaker_state_name(cb.state()), "closed");
  CAF_CHECK(cb.allow(30'500));
  CAF_CHECK(cb.allow(30'500));
}

CAF_TEST(failed probes double the open period up to five minutes) {
  circuit_breaker cb{1, 30'000, 300'000};
  std::int64_t now = 0;
  cb.on_failure(now);
  for (std::int64_t expected : {60'000, 120'000, 240'000, 300'000, 300'000}) {
    now = cb.reopen_at_ms();
    CAF_CHECK(cb.allow(now));
    cb.on_failure(now);
    CAF_CHECK_EQUAL(cb.state(), breaker_state::open);
    CAF_CHECK_EQUAL(cb.reopen_at_ms() - now, expected);
  }
  now = cb.reopen_at_ms();
  CAF_CHECK(cb.allow(now));
  cb.on_success(now);
  cb.on_failure(now + 1); // one failure opens this breaker again
  CAF_CHECK_EQUAL(cb.reopen_at_ms(), now + 1 + 30'000);
}

CAF_TEST(outcomes arriving while open change nothing) {
  circuit_breaker cb{2, 1000};
  cb.on_failure(0);
  cb.on_failure(0);
  cb.on_success(10); // a request sent before the breaker opened
  cb.on_failure(20);
  CAF_CHECK_EQUAL(cb.state(), breaker_state::open);
  CAF_CHECK_EQUAL(cb.reopen_at_ms(), 1000);
}

// -- revision_budget ----------------------------------------------------------

CAF_TEST(the first revisions of a day are unpaced up to the burst) {
  revision_budget b;
  for (int i = 0; i < 10; ++i) {
    CAF_CHECK(b.allow("SKU-1", false, midnight_ms));
    b.spend("SKU-1", midnight_ms);
  }
  CAF_CHECK(!b.allow("SKU-1", false, midnight_ms));
  CAF_CHECK_EQUAL(b.used("SKU-1", midnight_ms), 10);
  CAF_CHECK(b.allow("SKU-2", false, midnight_ms)); // per listing
}

CAF_TEST(paced revisions are spread over the rest of the day) {
  revision_budget b;
  auto now = midnight_ms + 12 * hour_ms;
  for (int i = 0; i < 10; ++i)
    b.spend("SKU-1", now);
  // 12 h left, 220 non-reserved revisions left: allowed once the time
  // since the last one reaches what is left of the day over 220, i.e.
  // after d with 220 d >= 43'200'000 - d: d >= 195'475.1 ms.
  auto next = b.next_allowed_ms("SKU-1", false, now);
  CAF_CHECK_EQUAL(next, now + 195'476);
  CAF_CHECK(!b.allow("SKU-1", false, next - 1));
  CAF_CHECK(b.allow("SKU-1", false, next));
  CAF_CHECK_EQUAL(b.next_allowed_ms("SKU-1", false, next + 5), next + 5);
}

CAF_TEST(a listing pushing constantly keeps its reserve until midnight) {
  revision_budget b;
  std::int64_t now = midnight_ms;
  std::int64_t sent = 0;
  while (true) {
    auto next = b.next_allowed_ms("SKU-1", false, now);
    CAF_REQUIRE_GREATER_OR_EQUAL(next, now);
    if (next >= midnight_ms + day_ms)
      break;
    CAF_CHECK(b.allow("SKU-1", false, next));
    b.spend("SKU-1", next);
    ++sent;
    now = next;
  }
  CAF_CHECK_EQUAL(sent, 230);
  // The last non-critical revision went out in the last hour of the day.
  CAF_CHECK_GREATER(now, midnight_ms + 23 * hour_ms);
  CAF_CHECK(b.allow("SKU-1", true, now));
  for (int i = 0; i < 20; ++i)
    b.spend("SKU-1", now);
  CAF_CHECK(!b.allow("SKU-1", true, now));
  CAF_CHECK_EQUAL(b.next_allowed_ms("SKU-1", true, now), midnight_ms + day_ms);
}

CAF_TEST(critical pushes use the reserve when the paced budget is spent) {
  revision_budget b;
  auto now = midnight_ms + hour_ms;
  for (int i = 0; i < 230; ++i)
    b.spend("SKU-1", now);
  CAF_CHECK(!b.allow("SKU-1", false, now + 20 * hour_ms));
  for (int i = 0; i < 20; ++i) {
    CAF_CHECK(b.allow("SKU-1", true, now));
    b.spend("SKU-1", now);
  }
  CAF_CHECK(!b.allow("SKU-1", true, now));
  CAF_CHECK_EQUAL(b.used("SKU-1", now), 250);
}

CAF_TEST(critical pushes are not paced) {
  revision_budget b;
  for (int i = 0; i < 100; ++i)
    b.spend("SKU-1", midnight_ms);
  CAF_CHECK(!b.allow("SKU-1", false, midnight_ms));
  CAF_CHECK(b.allow("SKU-1", true, midnight_ms));
}

CAF_TEST(the count starts over on the next utc day) {
  revision_budget b;
  auto late = midnight_ms + day_ms - 1;
  for (int i = 0; i < 250; ++i)
    b.spend("SKU-1", late);
  CAF_CHECK(!b.allow("SKU-1", true, late));
  CAF_CHECK(b.allow("SKU-1", false, late + 1));
  CAF_CHECK_EQUAL(b.used("SKU-1", late + 1), 0);
  b.spend("SKU-1", late + 1);
  CAF_CHECK_EQUAL(b.used("SKU-1", late + 1), 1);
}

CAF_TEST(a wall clock stepping back does not reopen yesterday) {
  revision_budget b;
  auto t = midnight_ms + day_ms + 10;
  for (int i = 0; i < 250; ++i)
    b.spend("SKU-1", t);
  // The clock steps back across midnight: still today's exhausted count.
  CAF_CHECK(!b.allow("SKU-1", true, t - 20));
  CAF_CHECK_EQUAL(b.used("SKU-1", t - 20), 250);
}

CAF_TEST(prune forgets listings idle for a day and changes no decision) {
  revision_budget b;
  b.spend("old", midnight_ms);
  b.spend("recent", midnight_ms + 23 * hour_ms);
  CAF_CHECK_EQUAL(b.listings(), 2u);
  auto now = midnight_ms + day_ms;
  auto before = b.next_allowed_ms("old", false, now);
  b.prune(now - 1);
  CAF_CHECK_EQUAL(b.listings(), 2u);
  b.prune(now);
  CAF_CHECK_EQUAL(b.listings(), 1u);
  CAF_CHECK_EQUAL(b.next_allowed_ms("old", false, now), before);
  CAF_CHECK_EQUAL(b.used("recent", now - 1), 1);
}

CAF_TEST(pruning stays exact without a burst) {
  revision_budget b{250, 20, 0};
  for (int i = 0; i < 200; ++i)
    b.spend("SKU-1", midnight_ms + day_ms - 1);
  auto now = midnight_ms + 2 * day_ms - 1;
  CAF_CHECK(b.allow("SKU-1", false, now));
  b.prune(now);
  CAF_CHECK_EQUAL(b.listings(), 0u);
  CAF_CHECK(b.allow("SKU-1", false, now));
}

// -- token_pacer --------------------------------------------------------------

CAF_TEST(a pacer says how long until a request fits) {
  token_pacer p{50, 1000, 0}; // Shopify GraphQL: 50 points/s, 1000 max
  CAF_CHECK_EQUAL(p.wait_ms(100, 0), 0);
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(p.try_take(100, 0));
  CAF_CHECK(!p.try_take(100, 0));
  CAF_CHECK_EQUAL(p.wait_ms(100, 0), 2000);
  CAF_CHECK(p.try_take(100, 2000));
}

CAF_TEST(a pacer adopts the channel throttle status) {
  token_pacer p{50, 1000, 0};
  CAF_CHECK(p.try_take(10, 0));
  // The real cost was higher and other apps share the bucket.
  p.observe(300, 2000, 100, 0);
  CAF_CHECK_EQUAL(p.maximum(), 2000.0);
  CAF_CHECK_EQUAL(p.restore_per_s(), 100.0);
  CAF_CHECK_EQUAL(p.available(0), 300.0);
  CAF_CHECK_EQUAL(p.wait_ms(500, 0), 2000);
  CAF_CHECK_EQUAL(p.available(1000), 400.0);
}

CAF_TEST(a pacer ignores malformed reports and clamps available) {
  token_pacer p{5, 10, 0};
  p.observe(3, 0, 5, 0);
  p.observe(3, 10, 0, 0);
  p.observe(3, 10, std::numeric_limits<double>::quiet_NaN(), 0);
  CAF_CHECK_EQUAL(p.available(0), 10.0);
  p.observe(50, 10, 5, 0);
  CAF_CHECK_EQUAL(p.available(0), 10.0);
  p.observe(-4, 10, 5, 0);
  CAF_CHECK_EQUAL(p.available(0), 0.0);
}

CAF_TEST(a request costing more than the bucket waits for a full bucket) {
  token_pacer p{10, 100, 0};
  CAF_CHECK(p.try_take(50, 0));
  CAF_CHECK_EQUAL(p.wait_ms(500, 0), 5000);
  CAF_CHECK(p.try_take(500, 5000));
  CAF_CHECK_EQUAL(p.available(5000), 0.0);
}

CAF_TEST(a resized pacer keeps its tokens up to the new maximum) {
  token_pacer p{5, 5, 0}; // Amazon, the whole account
  CAF_CHECK(p.try_take(2, 0));
  // A third node joins: a third of the budget; 3 tokens held, 5/3 kept.
  p.resize(5.0 / 3, 5.0 / 3, 0);
  CAF_CHECK_EQUAL(p.maximum(), 5.0 / 3);
  CAF_CHECK_EQUAL(p.restore_per_s(), 5.0 / 3);
  CAF_CHECK_EQUAL(p.available(0), 5.0 / 3);
  CAF_CHECK(p.try_take(1, 0));
  // Back to half: the larger share is earned by refilling, not granted.
  p.resize(2.5, 2.5, 0);
  CAF_CHECK_EQUAL(p.available(0), 2.0 / 3);
  CAF_CHECK_EQUAL(p.available(400), 2.0 / 3 + 1);
  CAF_CHECK_EQUAL(p.available(10'000), 2.5);
  // Malformed sizes are refused like malformed reports.
  p.resize(0, 2.5, 10'000);
  p.resize(2.5, 0.5, 10'000);
  CAF_CHECK_EQUAL(p.maximum(), 2.5);
  CAF_CHECK_EQUAL(p.restore_per_s(), 2.5);
}
