#include "persistence/log_recovery.hpp"

#include <charconv>

#include "persistence/store.hpp"

namespace stockwire {

std::string encode_wal_position(wal::position p) {
  return std::to_string(p.lsn) + ":" + std::to_string(p.offset);
}

bool decode_wal_position(const std::string& text, wal::position* out) {
  auto colon = text.find(':');
  if (colon == std::string::npos)
    return false;
  const char* first = text.data();
  const char* mid = first + colon;
  const char* last = first + text.size();
  auto a = std::from_chars(first, mid, out->lsn);
  auto b = std::from_chars(mid + 1, last, out->offset);
  return a.ec == std::errc{} && a.ptr == mid && b.ec == std::errc{} &&
         b.ptr == last && out->lsn >= 1;
}

wal::options data_dir_log(const std::string& data_dir,
                          std::uint64_t ring_bytes) {
  wal::options wo;
  wo.path = data_dir + "/wal.log";
  wo.ring_bytes = ring_bytes;
  return wo;
}

std::unique_ptr<wal> recover_from_log(store& db, const wal::options& opts,
                                      std::size_t* replayed, status* st) {
  *replayed = 0;
  wal::position from;
  std::string text;
  auto found = db.get_meta(wal_applied_meta_key, &text);
  if (found.is_ok()) {
    if (!decode_wal_position(text, &from)) {
      *st = status::corruption("meta " + std::string{wal_applied_meta_key} +
                               " holds '" + text + "', not lsn:offset");
      return nullptr;
    }
  } else if (!found.is_not_found()) {
    *st = found;
    return nullptr;
  }
  write_batch pending;
  auto log = wal::open(
      opts, from,
      [&](wal::position at, std::string_view payload) {
        write_batch b;
        auto decoded = write_batch::decode(payload, &b);
        if (!decoded.is_ok())
          return status::corruption("log record " + std::to_string(at.lsn) +
                                    " of " + opts.path + ": " +
                                    decoded.to_string());
        pending.append(std::move(b));
        ++*replayed;
        return status::ok();
      },
      st);
  if (log == nullptr || *replayed == 0)
    return log;
  pending.put_meta(wal_applied_meta_key, encode_wal_position(log->end()));
  *st = db.commit(pending);
  if (!st->is_ok())
    return nullptr;
  log->release(log->end());
  return log;
}

} // namespace stockwire
