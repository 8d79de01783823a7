// Opening a store and its write-ahead log in a test directory, as a node
// does (daemon/node.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "persistence/status.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"

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

/// The options of the write-ahead log `dir`/wal.log with a ring of
/// `ring_bytes`.
inline wal::options log_options_in(const std::string& dir,
                                   std::uint64_t ring_bytes) {
  wal::options wo;
  wo.path = dir + "/wal.log";
  wo.ring_bytes = ring_bytes;
  return wo;
}

} // namespace stockwire::test
