// Recovery from the write-ahead log: at start, before anything is served,
// the records the store does not hold yet are committed to it.
//
// The applier stores, in the same transaction as the records it applies,
// the log position after the last of them (meta "wal.applied"). Recovery
// reads it, replays the log from there (wal::open), commits every record
// found in one transaction together with the new position, and releases
// them. A record is thus applied exactly once: the position and the
// records it covers are committed together.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "persistence/status.hpp"
#include "persistence/wal.hpp"

namespace stockwire {

class store;
class write_batch;

/// The meta key of the position after the last applied log record.
constexpr char wal_applied_meta_key[] = "wal.applied";

/// "lsn:offset", as stored under wal_applied_meta_key.
std::string encode_wal_position(wal::position p);
/// Parses encode_wal_position's text; false when it is not one.
bool decode_wal_position(const std::string& text, wal::position* out);

/// The log of the data directory `data_dir` (its file `wal.log`), with a
/// ring of `ring_bytes`.
wal::options data_dir_log(const std::string& data_dir,
                          std::uint64_t ring_bytes);

/// Opens the log `opts` for `db`, applies what `db` lacks, and returns the
/// log positioned for the journal's appends; `*replayed` counts the
/// records applied. On failure returns nullptr with *st set (the log or the
/// store unreadable, a record that does not decode: corruption).
std::unique_ptr<wal> recover_from_log(store& db, const wal::options& opts,
                                      std::size_t* replayed, status* st);

} // namespace stockwire
