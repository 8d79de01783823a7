// ring_owner: which member owns each SKU, by the same ring as stockwired
// (cluster/ring.hpp). For process-level tests and operators.
//
//   ring_owner --members node1,node2,node3 [--shards N] < skus.txt
//
// Reads one SKU per line from stdin and prints "SKU OWNER" per line.
// Exit codes: 0 done, 2 bad arguments.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cluster/ring.hpp"

namespace {

constexpr int exit_usage = 2;

int usage(const char* why) {
  std::fprintf(stderr,
               "ring_owner: %s\nusage: ring_owner --members ID,ID,... "
               "[--shards N] < skus\n",
               why);
  return exit_usage;
}

std::vector<stockwire::cluster::member> split_ids(const std::string& list) {
  std::vector<stockwire::cluster::member> members;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos)
      comma = list.size();
    members.push_back({list.substr(start, comma - start), {}, 0});
    start = comma + 1;
  }
  return members;
}

} // namespace

int main(int argc, char** argv) {
  using namespace stockwire::cluster;
  std::vector<member> members;
  unsigned long shards = shard_count_default;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return usage("every flag needs a value");
    std::string value = argv[++i];
    if (arg == "--members")
      members = split_ids(value);
    else if (arg == "--shards")
      shards = std::strtoul(value.c_str(), nullptr, 10);
    else
      return usage(("unknown flag " + arg).c_str());
  }
  auto shard_count = static_cast<std::uint32_t>(shards);
  if (shards > shard_count_max)
    return usage("--shards is too large");
  if (auto why = check_ring(members, shard_count); !why.empty())
    return usage(why.c_str());
  ring r{members, shard_count, 1};
  std::string sku;
  while (std::getline(std::cin, sku))
    std::cout << sku << ' ' << r.owner(sku).id << '\n';
  return 0;
}
