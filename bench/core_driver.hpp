// The in-process benchmark driver: builds a node's SKU core (store, journal,
// region) and drives it with N concurrent sender actors.
#pragma once

#include <cstddef>
#include <string>

#include "bench/report.hpp"

namespace stockwire::bench {

struct core_options {
  std::string scenario = "hot"; // hot, catalog, sellout, retry, passivation
  int senders = 64;
  int window = 1;             // requests in flight per sender
  double duration_s = 10;     // hot, catalog, retry
  std::string data_dir;       // empty: a fresh temporary directory
  bool durable = true;        // fsync on commit
  std::size_t skus = 0;       // 0: the scenario's default
  std::size_t active_max = 0; // 0: the scenario's default
  int threads = 0;            // CAF scheduler threads; 0: cores - 1 (min 1)
  bool random_ids = false;    // order ids without order (see core_driver.cpp)
  bool log = true; // acknowledge after a write-ahead log append (--no-wal)
};

/// Runs one scenario and returns its figures.
scenario_result run_core(const core_options& opts);

} // namespace stockwire::bench
