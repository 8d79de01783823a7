// Pure unit tests of the division of a channel account's budget among the
// nodes of a cluster (cluster/budget_share.hpp): the share counts the
// members of both rings, the slice keeps a request's cost as its least
// burst, and nodes pacing by their slices stay within the account's bucket
// where nodes pacing by the whole budget do not.
#define CAF_SUITE budget_share
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/budget_share.hpp"
#include "connectors/pacing.hpp"
#include "core/rate_limit.hpp"

using namespace stockwire;
using namespace stockwire::cluster;

namespace {

std::vector<member> members_of(std::vector<std::string> ids) {
  std::vector<member> out;
  std::uint16_t port = 4100;
  for (auto& id : ids)
    out.push_back({id, "127.0.0.1", ++port});
  return out;
}

std::shared_ptr<const ring> ring_of(std::vector<std::string> ids,
                                    std::uint64_t epoch) {
  // Few shards: the ring's placement plays no part here.
  return std::make_shared<const ring>(members_of(std::move(ids)), 64, epoch);
}

// Requests the account's bucket (Amazon patchListingsItem: 5/s, burst 5)
// refuses when `nodes` connectors each pace by `share` of it and send as
// fast as their bucket lets them for `seconds`, stepping 1 ms.
int refused_by_account(std::size_t nodes, double share, int seconds) {
  constexpr double rate = 5;
  constexpr double burst = 5;
  token_bucket account{rate, burst, 0};
  auto s = slice_of(rate, burst, 1, share);
  std::vector<token_pacer> pacers(nodes, token_pacer{s.rate_per_s, s.burst, 0});
  int refused = 0;
  for (std::int64_t now = 0; now <= seconds * 1000; ++now)
    for (auto& p : pacers)
      if (p.try_take(1, now) && !account.try_take(now, 1))
        ++refused;
  return refused;
}

} // namespace

CAF_TEST(a single ring of n members gives each one an nth) {
  CAF_CHECK_EQUAL(pushing_nodes(members_of({"node1"}), {}), 1u);
  CAF_CHECK_EQUAL(budget_share(1), 1.0);
  CAF_CHECK_EQUAL(pushing_nodes(members_of({"node1", "node2", "node3"}), {}),
                  3u);
  CAF_CHECK_EQUAL(budget_share(3), 1.0 / 3);
  CAF_CHECK_EQUAL(budget_share(0), 1.0); // never more than the whole
}

CAF_TEST(the previous ring counts: a leaving node pushes until handed off) {
  auto three = members_of({"node1", "node2", "node3"});
  auto four = members_of({"node1", "node2", "node3", "node4"});
  // A node joins: 4 (the union), the same as the new ring alone.
  CAF_CHECK_EQUAL(pushing_nodes(four, three), 4u);
  // node3 leaves: it still holds SKUs until handed off, so 3, not 2.
  CAF_CHECK_EQUAL(pushing_nodes(members_of({"node1", "node2"}), three), 3u);
  // Replaced by other nodes: every one of them may push.
  CAF_CHECK_EQUAL(pushing_nodes(members_of({"node4", "node5"}),
                                members_of({"node1", "node2"})),
                  4u);
  // Ids count once, whatever their order or address.
  CAF_CHECK_EQUAL(pushing_nodes(members_of({"node2", "node1"}),
                                members_of({"node1", "node2"})),
                  2u);
}

CAF_TEST(a membership counts both of its rings) {
  membership m;
  m.current = ring_of({"node1", "node2"}, 3);
  CAF_CHECK_EQUAL(pushing_nodes(m), 2u);
  m.previous = ring_of({"node1", "node2", "node3"}, 2);
  CAF_CHECK_EQUAL(pushing_nodes(m), 3u);
  CAF_CHECK_EQUAL(budget_share(pushing_nodes(m)), 1.0 / 3);
  m.previous = nullptr; // the previous table dropped once the move is done
  CAF_CHECK_EQUAL(budget_share(pushing_nodes(m)), 0.5);
}

CAF_TEST(a slice scales rate and burst) {
  // A single node: exactly the configured bucket.
  auto one = slice_of(5, 5, 1, 1);
  CAF_CHECK_EQUAL(one.rate_per_s, 5.0);
  CAF_CHECK_EQUAL(one.burst, 5.0);
  // Amazon on three nodes.
  auto amazon = slice_of(5, 5, 1, 1.0 / 3);
  CAF_CHECK_EQUAL(amazon.rate_per_s, 5.0 / 3);
  CAF_CHECK_EQUAL(amazon.burst, 5.0 / 3);
  // Shopify GraphQL (1000 points, 100/s, 10 a call) on four nodes.
  auto shopify = slice_of(100, 1000, 10, 0.25);
  CAF_CHECK_EQUAL(shopify.rate_per_s, 25.0);
  CAF_CHECK_EQUAL(shopify.burst, 250.0);
  // No client-side limit stays none.
  CAF_CHECK_EQUAL(slice_of(0, 1, 1, 0.5).rate_per_s, 0.0);
}

CAF_TEST(a slice never holds less than one request) {
  // Amazon on ten nodes: half a request of burst would never send one.
  auto amazon = slice_of(5, 5, 1, 0.1);
  CAF_CHECK_EQUAL(amazon.rate_per_s, 0.5);
  CAF_CHECK_EQUAL(amazon.burst, 1.0);
  // Shopify on 200 nodes: 5 points < 10 a call -> 10. The nodes' bursts
  // then sum to 2000 > 1000; the rate (100/s in all) still holds.
  auto shopify = slice_of(100, 1000, 10, 1.0 / 200);
  CAF_CHECK_EQUAL(shopify.rate_per_s, 0.5);
  CAF_CHECK_EQUAL(shopify.burst, 10.0);
  // A cost below one token: the token bucket's own floor of 1.
  CAF_CHECK_EQUAL(slice_of(5, 5, 0.5, 0.1).burst, 1.0);
  // A burst configured below a request's cost is left as configured (the
  // division never raises a bucket above the account's).
  CAF_CHECK_EQUAL(slice_of(10, 4, 10, 1).burst, 4.0);
  CAF_CHECK_EQUAL(slice_of(10, 4, 10, 0.5).burst, 4.0);
}

CAF_TEST(nodes pacing by their slices stay within the account bucket) {
  CAF_CHECK_EQUAL(refused_by_account(1, 1, 10), 0);
  CAF_CHECK_EQUAL(refused_by_account(3, 1.0 / 3, 10), 0);
  CAF_CHECK_EQUAL(refused_by_account(5, 1.0 / 5, 10), 0);
  // Without the division three nodes send three times what it allows.
  CAF_CHECK_GREATER(refused_by_account(3, 1, 10), 50);
}
