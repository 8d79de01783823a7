// Pure unit tests of the hash ring (cluster/ring.hpp): balance over a
// million SKUs, movement on membership change, pinned hash values, order
// independence, the explain helper and configuration checks.
#define CAF_SUITE ring
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cluster/ring.hpp"

using namespace stockwire::cluster;

namespace {

// Issue 6: "with 3 and with 10 nodes and 1,000,000 SKUs".
constexpr std::size_t sku_count = 1'000'000;
constexpr double busiest_over_mean_max = 1.10;

enum class sku_set {
  sequential, // SKU-1 .. SKU-1000000, the shape of most catalogues
  random,     // random-looking codes like K7Q2-M9XD-41, lengths 6 to 20
};

const char* name_of(sku_set set) {
  return set == sku_set::sequential ? "SKU-<n>" : "random-looking";
}

// Calls f(sku) for every SKU of `set`. The random set comes from a fixed
// seed: mt19937_64's sequence is specified by the standard, so every
// machine sees the same SKUs.
template <class F>
void for_each_sku(sku_set set, F f) {
  std::string sku;
  if (set == sku_set::sequential) {
    for (std::size_t n = 1; n <= sku_count; ++n) {
      sku = "SKU-";
      sku += std::to_string(n);
      f(sku);
    }
    return;
  }
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937_64 rng{20260406};
  for (std::size_t n = 0; n < sku_count; ++n) {
    auto bits = rng();
    auto length = 6 + static_cast<std::size_t>(bits % 15);
    bits = rng();
    sku.clear();
    for (std::size_t i = 0; i < length; ++i) {
      if (i > 0 && i % 4 == 0)
        sku += '-';
      sku += alphabet[bits % 36];
      bits /= 36;
      if (bits == 0)
        bits = rng();
    }
    f(sku);
  }
}

// SKUs of `set` per shard of the default shard count; hashed once per set.
const std::vector<std::uint32_t>& skus_per_shard(sku_set set) {
  static std::vector<std::uint32_t> cache[2];
  auto& counts = cache[set == sku_set::sequential ? 0 : 1];
  if (counts.empty()) {
    counts.assign(shard_count_default, 0);
    for_each_sku(set, [&](const std::string& sku) {
      ++counts[sku_hash(sku) % shard_count_default];
    });
  }
  return counts;
}

std::vector<member> nodes(int count) {
  std::vector<member> result;
  for (int i = 1; i <= count; ++i)
    result.push_back(member{"node" + std::to_string(i),
                            "10.0.0." + std::to_string(i), 4242});
  return result;
}

// Checks and prints the SKUs per member of a default ring over `members`.
void check_balance(const std::vector<member>& members, sku_set set) {
  ring r{members, shard_count_default, 1};
  const auto& counts = skus_per_shard(set);
  std::vector<std::uint64_t> load(members.size(), 0);
  for (std::uint32_t shard = 0; shard < r.shard_count(); ++shard)
    load[r.owner_index(shard)] += counts[shard];
  auto [least, most] = std::minmax_element(load.begin(), load.end());
  double mean = static_cast<double>(sku_count) / members.size();
  char line[160];
  std::snprintf(line, sizeof line,
                "%zu nodes, %zu %s SKUs: mean %.0f, busiest %llu (%.4f x "
                "mean), least %llu (%.4f x mean)",
                members.size(), sku_count, name_of(set), mean,
                static_cast<unsigned long long>(*most), *most / mean,
                static_cast<unsigned long long>(*least), *least / mean);
  CAF_MESSAGE(line);
  CAF_CHECK_LESS_OR_EQUAL(*most / mean, busiest_over_mean_max);
}

// Owners before and after a membership change, SKU by SKU.
struct movement {
  std::size_t moved = 0;         // owner id differs
  std::size_t moved_wrongly = 0; // moved but against the rule under test
  std::size_t stayed_wrongly = 0;
};

} // namespace

CAF_TEST(known answers are stable) {
  // A change here remaps the SKUs of every running cluster: it needs a
  // migration, never a library bump. The empty-input value is xxHash's own
  // published XXH3-64 test vector.
  CAF_CHECK_EQUAL(sku_hash(""), 0x2d06800538d394c2ull);
  CAF_CHECK_EQUAL(sku_hash("SKU-1"), 0x7ddbb753cff6c220ull);
  CAF_CHECK_EQUAL(sku_hash("SKU-42"), 0x39c9549afafcceddull);
  CAF_CHECK_EQUAL(sku_hash("DEMO-1"), 0x18300a10ae8c1c16ull);
  CAF_CHECK_EQUAL(sku_hash("TSHIRT-RED-XL"), 0x49ac34c6c2c7f7c1ull);
  CAF_CHECK_EQUAL(sku_hash("9780262033848"), 0x8f3d7bc5e28864d6ull);
  CAF_CHECK_EQUAL(rendezvous_weight(0, "node1"), 0x2b00ea6ebbb0d65full);
  CAF_CHECK_EQUAL(rendezvous_weight(12345, "node2"), 0xedf4c65aeb0b031dull);
  ring r{nodes(3), shard_count_default, 1};
  CAF_CHECK_EQUAL(r.shard_of("SKU-1"), 49696u);
  CAF_CHECK_EQUAL(r.shard_of("DEMO-1"), 7190u);
  CAF_CHECK_EQUAL(r.shard_of("TSHIRT-RED-XL"), 63425u);
  CAF_CHECK_EQUAL(r.owner("SKU-1").id, "node3");
  CAF_CHECK_EQUAL(r.owner("SKU-2").id, "node1");
  CAF_CHECK_EQUAL(r.owner("SKU-3").id, "node2");
  CAF_CHECK_EQUAL(r.owner("TSHIRT-RED-XL").id, "node1");
  CAF_CHECK_EQUAL(r.shards_per_member()[0], 21753u);
  CAF_CHECK_EQUAL(r.shards_per_member()[1], 21807u);
  CAF_CHECK_EQUAL(r.shards_per_member()[2], 21976u);
  ring small{nodes(3), 4096, 1};
  CAF_CHECK_EQUAL(small.shard_of("SKU-1"), 544u);
  CAF_CHECK_EQUAL(small.shard_of("DEMO-1"), 3094u);
}

CAF_TEST(balance of 3 nodes over a million SKUs) {
  for (auto set : {sku_set::sequential, sku_set::random})
    check_balance(nodes(3), set);
}

CAF_TEST(balance of 10 nodes over a million SKUs) {
  for (auto set : {sku_set::sequential, sku_set::random})
    check_balance(nodes(10), set);
}

CAF_TEST(balance holds for any node names) {
  // Not only for node1..node10: 20 clusters of 10 random ids, by shards.
  std::mt19937_64 rng{7};
  double worst = 0;
  for (int cluster = 0; cluster < 20; ++cluster) {
    std::vector<member> members;
    for (int i = 0; i < 10; ++i)
      members.push_back(member{"n-" + std::to_string(rng()), "h", 1});
    ring r{members, shard_count_default, 1};
    const auto& shards = r.shards_per_member();
    double busiest = *std::max_element(shards.begin(), shards.end());
    worst = std::max(worst, busiest / (shard_count_default / 10.0));
  }
  CAF_MESSAGE("busiest of 20 random 10-node clusters: " << worst
                                                        << " x mean shards");
  CAF_CHECK_LESS_OR_EQUAL(worst, busiest_over_mean_max);
}

CAF_TEST(adding a fourth node moves a quarter of the SKUs to it only) {
  ring before{nodes(3), shard_count_default, 1};
  ring after{nodes(4), shard_count_default, 2};
  movement m;
  for_each_sku(sku_set::sequential, [&](const std::string& sku) {
    const auto& old_owner = before.owner(sku);
    const auto& new_owner = after.owner(sku);
    if (old_owner.id != new_owner.id) {
      ++m.moved;
      if (new_owner.id != "node4")
        ++m.moved_wrongly;
    } else if (new_owner.id == "node4") {
      ++m.stayed_wrongly; // cannot happen: node4 owned nothing before
    }
  });
  double share = static_cast<double>(m.moved) / sku_count;
  CAF_MESSAGE("3 -> 4 nodes: " << m.moved << " of " << sku_count
                               << " SKUs moved (" << share << ")");
  CAF_CHECK_GREATER_OR_EQUAL(share, 0.2);
  CAF_CHECK_LESS_OR_EQUAL(share, 0.3);
  CAF_CHECK_EQUAL(m.moved_wrongly, 0u);
  CAF_CHECK_EQUAL(m.stayed_wrongly, 0u);
  // By shard: exactly node4's shards moved, and removing node4 again
  // restores the three-node ring shard for shard.
  auto moved = moved_shards(before, after);
  CAF_CHECK_EQUAL(moved.size(), after.shards_per_member()[3]);
  CAF_CHECK(std::all_of(moved.begin(), moved.end(), [&](std::uint32_t s) {
    return after.owner_of_shard(s).id == "node4";
  }));
  CAF_CHECK(moved_shards(after, before) == moved);
  ring back{nodes(3), shard_count_default, 3};
  CAF_CHECK(moved_shards(before, back).empty());
}

CAF_TEST(removing a node moves only its SKUs) {
  auto members = nodes(4);
  ring before{members, shard_count_default, 1};
  members.erase(members.begin() + 1); // node2
  ring after{members, shard_count_default, 2};
  movement m;
  std::size_t held = 0; // SKUs node2 held
  for_each_sku(sku_set::sequential, [&](const std::string& sku) {
    const auto& old_owner = before.owner(sku);
    const auto& new_owner = after.owner(sku);
    bool was_node2 = old_owner.id == "node2";
    held += was_node2;
    if (old_owner.id != new_owner.id) {
      ++m.moved;
      m.moved_wrongly += !was_node2;
    } else {
      m.stayed_wrongly += was_node2;
    }
  });
  CAF_MESSAGE("4 -> 3 nodes (node2 leaves): " << m.moved << " SKUs moved ("
                                              << double(m.moved) / sku_count
                                              << "), node2 held " << held);
  CAF_CHECK_EQUAL(m.moved, held);
  CAF_CHECK_EQUAL(m.moved_wrongly, 0u);
  CAF_CHECK_EQUAL(m.stayed_wrongly, 0u);
  auto moved = moved_shards(before, after);
  CAF_CHECK_EQUAL(moved.size(), before.shards_per_member()[1]);
  CAF_CHECK(std::all_of(moved.begin(), moved.end(), [&](std::uint32_t s) {
    return before.owner_of_shard(s).id == "node2";
  }));
}

CAF_TEST(member order and addresses do not matter) {
  auto members = nodes(5);
  ring reference{members, shard_count_default, 1};
  std::mt19937_64 rng{11};
  for (int i = 0; i < 5; ++i) {
    std::shuffle(members.begin(), members.end(), rng);
    ring shuffled{members, shard_count_default, 1};
    CAF_CHECK(moved_shards(reference, shuffled).empty());
    CAF_CHECK(shuffled.members() == reference.members());
  }
  // A node that moves to another host and port keeps its shards.
  members = nodes(5);
  members[2].host = "192.168.7.7";
  members[2].port = 9999;
  ring moved_host{members, shard_count_default, 2};
  CAF_CHECK(moved_shards(reference, moved_host).empty());
  CAF_CHECK_EQUAL(moved_host.owner_of_shard(0).id,
                  reference.owner_of_shard(0).id);
}

CAF_TEST(a single node owns everything) {
  ring r{{member{"solo", "127.0.0.1", 4242}}, shard_count_default, 7};
  CAF_CHECK_EQUAL(r.shards_per_member()[0], shard_count_default);
  for (std::uint32_t shard = 0; shard < r.shard_count(); ++shard)
    if (r.owner_of_shard(shard).id != "solo")
      CAF_FAIL("shard " << shard << " not owned by the only node");
  auto why = r.explain("SKU-1");
  CAF_CHECK_EQUAL(why.owner.id, "solo");
  CAF_CHECK(!why.runner_up);
  CAF_CHECK_EQUAL(why.epoch, 7u);
}

CAF_TEST(explain names hash shard owner weight and runner up) {
  auto members = nodes(3);
  ring r{members, shard_count_default, 5};
  for (const char* sku : {"SKU-1", "DEMO-1", "TSHIRT-RED-XL"}) {
    auto why = r.explain(sku);
    CAF_CHECK_EQUAL(why.hash, sku_hash(sku));
    CAF_CHECK_EQUAL(why.shard, r.shard_of(sku));
    CAF_CHECK_EQUAL(why.owner, r.owner(sku));
    CAF_CHECK_EQUAL(why.owner_weight,
                    rendezvous_weight(why.shard, why.owner.id));
    CAF_CHECK_EQUAL(why.epoch, 5u);
    CAF_REQUIRE(why.runner_up);
    CAF_CHECK_GREATER(why.owner_weight, why.runner_up_weight);
    // The runner-up is who takes the SKU when its owner leaves.
    auto rest = members;
    rest.erase(std::find(rest.begin(), rest.end(), why.owner));
    ring without{rest, shard_count_default, 6};
    CAF_CHECK_EQUAL(without.owner(sku), *why.runner_up);
  }
}

CAF_TEST(the shard count is configuration) {
  ring r{nodes(3), 4096, 1};
  CAF_CHECK_EQUAL(r.shard_count(), 4096u);
  const auto& shards = r.shards_per_member();
  CAF_CHECK_EQUAL(shards[0] + shards[1] + shards[2], 4096u);
  CAF_CHECK_LESS(r.shard_of("SKU-123456"), 4096u);
  CAF_CHECK_EQUAL(r.shard_of("SKU-123456"), sku_hash("SKU-123456") % 4096);
}

CAF_TEST(bad configurations are refused with a reason) {
  CAF_CHECK_EQUAL(check_ring(nodes(3), shard_count_default), "");
  CAF_CHECK_EQUAL(check_ring({}, shard_count_default),
                  "a cluster needs at least one member");
  auto twice = nodes(3);
  twice[2].id = "node1";
  CAF_CHECK_EQUAL(check_ring(twice, shard_count_default),
                  "member id 'node1' appears twice");
  auto unnamed = nodes(2);
  unnamed[1].id.clear();
  CAF_CHECK_EQUAL(check_ring(unnamed, shard_count_default),
                  "a member has an empty id");
  CAF_CHECK_NOT_EQUAL(check_ring(nodes(3), 0), "");
  CAF_CHECK_NOT_EQUAL(check_ring(nodes(3), shard_count_max + 1), "");
  CAF_CHECK_EQUAL(check_ring(nodes(3), shard_count_max), "");
  std::vector<member> crowd;
  for (std::size_t i = 0; i <= members_max; ++i)
    crowd.push_back(member{"n" + std::to_string(i), "h", 1});
  CAF_CHECK_NOT_EQUAL(check_ring(crowd, shard_count_default), "");
}
