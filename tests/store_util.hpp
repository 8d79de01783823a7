// Opening a store in a test directory, as a node does (daemon/node.cpp);
// its write-ahead log: data_dir_log (persistence/log_recovery.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "persistence/status.hpp"
#include "persistence/store.hpp"

namespace stockwire::test {

/// The durable store under `dir` with a map of `map_bytes`; null with *st
/// set when it cannot be opened.
inline std::unique_ptr<store> open_store_in(const std::string& dir,
                                            std::size_t map_bytes,
                                            status* st) {
  store::options opts;
  opts.dir = dir;
  opts.map_size_bytes = map_bytes;
  return store::open(opts, st);
}

} // namespace stockwire::test
