// Results of one benchmark scenario and how they are printed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stockwire::bench {

struct scenario_result {
  std::string scenario;
  std::string mode; // "core" (in-process) or "http"
  double seconds = 0;
  std::uint64_t orders = 0; // acknowledged requests
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t replayed = 0;
  std::uint64_t errors = 0;
  std::vector<std::uint32_t> latencies_us; // one per acknowledged request
  std::uint64_t rss_kb = 0;
  std::uint64_t peak_rss_kb = 0;
  std::uint64_t commit_batches = 0;
  std::uint64_t committed_records = 0;
  std::vector<std::pair<std::string, std::string>> extra; // printed as is
};

/// Latency percentile in milliseconds (q in [0,1]); sorts `latencies_us`.
double percentile_ms(std::vector<std::uint32_t>& latencies_us, double q);

/// Prints a human-readable block, or one JSON object on one line.
void print(scenario_result& r, bool json);

/// Resident set size and its peak of this process, in KiB.
std::uint64_t rss_kb();
std::uint64_t peak_rss_kb();
/// The anonymous part of the resident set (heap, stacks), in KiB: RSS also
/// counts the pages of the LMDB map the process has read, which are page
/// cache the kernel reclaims at will, not memory the process holds.
std::uint64_t anon_rss_kb();

} // namespace stockwire::bench
