// Pure unit tests of membership changes (cluster/membership.hpp): which
// SKUs move between two rings and to whom, the previous owner a new owner
// pulls from, and which configuration changes a node accepts.
#define CAF_SUITE move_plan
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/membership.hpp"

using namespace stockwire::cluster;

namespace {

constexpr std::uint32_t shards = shard_count_default;
constexpr std::size_t sku_count = 100'000;

std::shared_ptr<const ring> make_ring(std::vector<std::string> ids,
                                      std::uint64_t epoch,
                                      std::uint32_t shard_count = shards) {
  std::vector<member> members;
  std::uint16_t port = 4100;
  for (auto& id : ids)
    members.push_back({id, "127.0.0.1", ++port});
  return std::make_shared<const ring>(members, shard_count, epoch);
}

std::vector<std::string> catalogue() {
  std::vector<std::string> skus;
  for (std::size_t n = 0; n < sku_count; ++n)
    skus.push_back("SKU-" + std::to_string(n));
  return skus;
}

// SKUs each node holds by ring `r` (what a settled node stores).
std::map<std::string, std::vector<std::string>>
held_by(const ring& r, const std::vector<std::string>& skus) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& sku : skus)
    out[r.owner(sku).id].push_back(sku);
  return out;
}

} // namespace

CAF_TEST(adding a fourth node moves about a quarter and only to it) {
  auto before = make_ring({"node1", "node2", "node3"}, 1);
  auto after = make_ring({"node1", "node2", "node3", "node4"}, 2);
  auto skus = catalogue();
  std::size_t moved = 0;
  for (auto& [node, held] : held_by(*before, skus)) {
    for (auto& [to, batch] : foreign_skus(*after, node, held)) {
      CAF_CHECK_EQUAL(to, "node4"); // never between two old members
      moved += batch.size();
    }
  }
  auto share = static_cast<double>(moved) / sku_count;
  CAF_MESSAGE("3 -> 4 nodes: " << moved << " of " << sku_count << " SKUs move ("
                               << share << ")");
  CAF_CHECK_GREATER(share, 0.23);
  CAF_CHECK_LESS(share, 0.27);
}

CAF_TEST(removing a node moves exactly what it held to the others) {
  auto before = make_ring({"node1", "node2", "node3", "node4"}, 2);
  auto after = make_ring({"node1", "node3", "node4"}, 3);
  auto skus = catalogue();
  auto held = held_by(*before, skus);
  for (auto& [node, mine] : held) {
    auto foreign = foreign_skus(*after, node, mine);
    if (node != "node2") {
      CAF_CHECK(foreign.empty()); // the others keep everything
      continue;
    }
    std::size_t total = 0;
    for (auto& [to, batch] : foreign) {
      CAF_CHECK_NOT_EQUAL(to, "node2");
      total += batch.size();
    }
    CAF_CHECK_EQUAL(total, mine.size());
    auto share = static_cast<double>(total) / sku_count;
    CAF_MESSAGE("4 -> 3 nodes: " << total << " SKUs move (" << share << ")");
    CAF_CHECK_GREATER(share, 0.23);
    CAF_CHECK_LESS(share, 0.27);
  }
}

CAF_TEST(foreign skus keep their order and group by new owner) {
  auto r = make_ring({"a", "b"}, 1);
  std::vector<std::string> held{"x1", "x2", "x3", "x4", "x5", "x6", "x7"};
  auto foreign = foreign_skus(*r, "a", held);
  for (auto& [to, batch] : foreign) {
    CAF_CHECK_EQUAL(to, "b");
    for (std::size_t i = 1; i < batch.size(); ++i)
      CAF_CHECK_LESS(batch[i - 1], batch[i]);
    for (auto& sku : batch)
      CAF_CHECK_EQUAL(r->owner(sku).id, "b");
  }
  for (auto& sku : held)
    if (r->owner(sku).id == "a")
      CAF_CHECK(foreign.empty() ||
                std::find(foreign["b"].begin(), foreign["b"].end(), sku) ==
                    foreign["b"].end());
}

CAF_TEST(the previous owner is the owner by the previous ring) {
  membership m;
  m.current = make_ring({"node1", "node2", "node3", "node4"}, 2);
  m.previous = make_ring({"node1", "node2", "node3"}, 1);
  for (std::string sku : {"A", "B", "C", "SKU-17", "DEMO-3"}) {
    auto* prev = m.previous_owner(sku);
    CAF_REQUIRE(prev != nullptr);
    CAF_CHECK_EQUAL(prev->id, m.previous->owner(sku).id);
  }
  CAF_CHECK(m.leaving().empty());
  membership none;
  none.current = m.current;
  CAF_CHECK(none.previous_owner("A") == nullptr);
  membership shrink;
  shrink.current = make_ring({"node1", "node3"}, 3);
  shrink.previous = make_ring({"node1", "node2", "node3"}, 2);
  auto leaving = shrink.leaving();
  CAF_REQUIRE_EQUAL(leaving.size(), 1u);
  CAF_CHECK_EQUAL(leaving[0].id, "node2");
}

CAF_TEST(a change needs a higher epoch the same shards and this node) {
  membership from;
  from.current = make_ring({"node1", "node2", "node3"}, 1);
  membership to;
  to.current = make_ring({"node1", "node2", "node3", "node4"}, 2);
  to.previous = from.current;
  CAF_CHECK_EQUAL(check_transition(&from, to, "node1"), "");
  CAF_CHECK_EQUAL(check_transition(nullptr, to, "node4"), ""); // a new node
  // A node that is leaving: a previous member only.
  membership leave;
  leave.current = make_ring({"node1", "node3"}, 2);
  leave.previous = from.current;
  CAF_CHECK_EQUAL(check_transition(&from, leave, "node2"), "");
  CAF_CHECK_NOT_EQUAL(check_transition(&from, leave, "node9"), "");
  // The same or a lower epoch: refused.
  membership same = to;
  same.current = make_ring({"node1", "node2", "node3", "node4"}, 1);
  same.previous = nullptr;
  CAF_CHECK_NOT_EQUAL(check_transition(&from, same, "node1"), "");
  // Another shard count would move almost every SKU.
  membership reshard;
  reshard.current = make_ring({"node1", "node2", "node3"}, 2, 1024);
  CAF_CHECK_NOT_EQUAL(check_transition(&from, reshard, "node1"), "");
  // A previous ring must be older than the current one.
  membership backwards;
  backwards.current = make_ring({"node1", "node2"}, 2);
  backwards.previous = make_ring({"node1", "node2", "node3"}, 2);
  CAF_CHECK_NOT_EQUAL(check_transition(&from, backwards, "node1"), "");
}
