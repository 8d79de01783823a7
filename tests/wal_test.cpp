// The write-ahead log: append and replay, wraps at the ring's end,
// back-pressure before unreleased records, torn and stale records ending
// the replay, reopening, refused files and payloads; and the encoding of a
// write_batch (its payload).
#define CAF_SUITE wal
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <deque>
#include <fstream>
#include <random>
#include <vector>

#include "persistence/codec.hpp"
#include "persistence/log_recovery.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"
#include "tests/store_util.hpp"
#include "tests/test_util.hpp"

using namespace stockwire;
using position = wal::position;

namespace {

constexpr std::uint64_t small_ring = 4096; // max payload 2016

struct entry {
  position at;
  std::string payload;
};

std::unique_ptr<wal> open_log(const std::string& path, std::uint64_t ring,
                              position from = {},
                              std::vector<entry>* replayed = nullptr) {
  status st;
  wal::options opts;
  opts.path = path;
  opts.ring_bytes = ring;
  auto log = wal::open(
      opts, from,
      [&](position at, std::string_view payload) {
        if (replayed != nullptr)
          replayed->push_back({at, std::string{payload}});
      },
      &st);
  CAF_REQUIRE(st.is_ok());
  return log;
}

status open_status(const std::string& path, std::uint64_t ring) {
  status st;
  wal::options opts;
  opts.path = path;
  opts.ring_bytes = ring;
  auto log = wal::open(
      opts, {}, [](position, std::string_view) {}, &st);
  CAF_CHECK_EQUAL(log == nullptr, !st.is_ok());
  return st;
}

std::vector<entry> replay_all(const wal& log, position from,
                              position* end = nullptr) {
  std::vector<entry> out;
  position e;
  auto st = log.replay(
      from,
      [&](position at, std::string_view payload) {
        out.push_back({at, std::string{payload}});
      },
      &e);
  CAF_REQUIRE(st.is_ok());
  if (end != nullptr)
    *end = e;
  return out;
}

// A payload of `n` bytes that differs with `seed`.
std::string payload_of(std::size_t n, std::uint64_t seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + (seed * 7 + i) % 26);
  return s;
}

position append_ok(wal& log, std::string_view payload,
                   position* next = nullptr) {
  position at;
  auto st = log.append(payload, &at, next);
  CAF_REQUIRE(st.is_ok());
  return at;
}

// Overwrites bytes of the file at `file_offset` (a torn or rotten write).
void poke(const std::string& path, std::uint64_t file_offset,
          const std::string& bytes) {
  std::fstream f{path, std::ios::in | std::ios::out | std::ios::binary};
  f.seekp(static_cast<std::streamoff>(file_offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  CAF_REQUIRE(f.good());
}

std::uint64_t payload_file_offset(position at) {
  return wal::file_header_bytes + at.offset + wal::record_header_bytes;
}

} // namespace

CAF_TEST(appended records replay in order with their positions) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  auto log = open_log(path, 64 << 10);
  CAF_CHECK(log->end() == (position{1, 0}));
  std::vector<std::string> payloads{"first", "", payload_of(5000, 3)};
  std::vector<position> ats;
  for (auto& p : payloads) {
    position next;
    ats.push_back(append_ok(*log, p, &next));
    CAF_CHECK(next == log->end());
  }
  CAF_CHECK(ats[0] == (position{1, 0}));
  CAF_CHECK(ats[1] == (position{2, 32 + 5}));
  CAF_CHECK(ats[2] == (position{3, 32 + 5 + 32}));
  position end;
  auto got = replay_all(*log, {}, &end);
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAF_CHECK(got[i].at == ats[i]);
    CAF_CHECK(got[i].payload == payloads[i]);
  }
  CAF_CHECK(end == log->end());
  // From the middle: only what follows.
  got = replay_all(*log, ats[1]);
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[0].at.lsn, 2u);
}

CAF_TEST(a record that does not fit before the ring end goes to its start) {
  test::temp_dir dir;
  auto log = open_log(dir.path() + "/log", small_ring);
  // Three records of 1032 bytes leave 1000: the fourth wraps, with a
  // marker at 3096.
  position next;
  for (int i = 0; i < 3; ++i) {
    append_ok(*log, payload_of(1000, i), &next);
    log->release(next);
  }
  auto fourth = append_ok(*log, payload_of(1000, 3), &next);
  CAF_CHECK(fourth == (position{4, 0}));
  auto got = replay_all(*log, {3, 2 * 1032});
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(got[1].at == fourth);
  CAF_CHECK(got[1].payload == payload_of(1000, 3));
  // A record ending 16 bytes before the ring's end leaves too few for a
  // marker: the next record goes to the start without one.
  log->release(next);
  append_ok(*log, payload_of(2008, 4), &next); // 1032 to 3072
  log->release(next);
  auto sixth = append_ok(*log, payload_of(8, 5), &next); // to 3112
  CAF_CHECK(sixth == (position{6, 3072}));
  append_ok(*log, payload_of(4080 - 3112 - 32, 6), &next);
  CAF_CHECK(next == (position{8, 4096 - 16}));
  auto eighth = append_ok(*log, "after sixteen bytes");
  CAF_CHECK(eighth == (position{8, 0}));
  got = replay_all(*log, sixth);
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK(got[2].at == eighth);
  CAF_CHECK(got[2].payload == "after sixteen bytes");
}

CAF_TEST(many appends wrap around the ring and replay in lsn order) {
  test::temp_dir dir;
  auto log = open_log(dir.path() + "/log", small_ring);
  std::deque<entry> kept; // appended, not released: what a replay must see
  std::mt19937_64 rng{42};
  int wraps = 0;
  for (std::uint64_t lsn = 1; lsn <= 300; ++lsn) {
    auto payload = payload_of(rng() % 700, lsn);
    position at;
    position next;
    auto st = log->append(payload, &at, &next);
    while (st.status_code() == status::code::log_full) {
      // The applier catches up by one record.
      CAF_REQUIRE(!kept.empty());
      kept.pop_front();
      log->release(kept.empty() ? log->end() : kept.front().at);
      st = log->append(payload, &at, &next);
    }
    CAF_REQUIRE(st.is_ok());
    CAF_REQUIRE_EQUAL(at.lsn, lsn);
    wraps += at.offset == 0 ? 1 : 0;
    kept.push_back({at, payload});
    position end;
    auto got = replay_all(*log, kept.front().at, &end);
    CAF_REQUIRE_EQUAL(got.size(), kept.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAF_CHECK(got[i].at == kept[i].at);
      CAF_CHECK(got[i].payload == kept[i].payload);
    }
    CAF_CHECK(end == next);
  }
  CAF_CHECK_GREATER(wraps, 20);
}

CAF_TEST(an append that would overwrite unreleased records is refused) {
  test::temp_dir dir;
  auto log = open_log(dir.path() + "/log", small_ring);
  std::vector<position> nexts;
  for (int i = 0; i < 3; ++i) {
    position next;
    append_ok(*log, payload_of(1000, i), &next);
    nexts.push_back(next);
  }
  auto before = log->end();
  position at;
  auto st = log->append(payload_of(1000, 3), &at);
  CAF_CHECK(st.status_code() == status::code::log_full);
  CAF_CHECK(log->end() == before);
  log->release(nexts[0]); // 1032 bytes free at the start: not quite enough
  CAF_CHECK(log->append(payload_of(1000, 3), &at).status_code() ==
            status::code::log_full);
  log->release(nexts[1]);
  CAF_CHECK(log->append(payload_of(1000, 3), &at).is_ok());
  CAF_CHECK(at == (position{4, 0}));
  // Releasing less than before changes nothing.
  log->release(nexts[0]);
  auto got = replay_all(*log, nexts[1]);
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[1].at.lsn, 4u);
}

CAF_TEST(an emptied log takes the largest payload wherever the writer is) {
  test::temp_dir dir;
  auto log = open_log(dir.path() + "/log", small_ring);
  auto largest = payload_of(log->max_payload_bytes(), 0);
  std::mt19937_64 rng{7};
  for (int i = 0; i < 200; ++i) {
    position at;
    position next;
    auto st = log->append(payload_of(rng() % 300, i), &at, &next);
    if (st.status_code() == status::code::log_full) {
      log->release(log->end());
      continue;
    }
    CAF_REQUIRE(st.is_ok());
    log->release(next);
    CAF_REQUIRE(log->append(largest, &at, &next).is_ok());
    log->release(next);
  }
}

CAF_TEST(an oversize payload is refused) {
  test::temp_dir dir;
  auto log = open_log(dir.path() + "/log", small_ring);
  CAF_CHECK_EQUAL(log->max_payload_bytes(), 2016u);
  position at;
  auto st = log->append(std::string(2017, 'x'), &at);
  CAF_CHECK(st.status_code() == status::code::invalid);
  CAF_CHECK(st.message().find("2017") != std::string::npos);
  CAF_CHECK(log->end() == (position{1, 0}));
  CAF_CHECK(log->append(std::string(2016, 'x'), &at).is_ok());
}

CAF_TEST(a torn last record ends the replay and the writer continues there) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  position third;
  {
    auto log = open_log(path, 64 << 10);
    append_ok(*log, payload_of(300, 1));
    append_ok(*log, payload_of(300, 2));
    third = append_ok(*log, payload_of(300, 3));
  }
  // The payload's second half never reached the disk.
  poke(path, payload_file_offset(third) + 150, std::string(150, '\0'));
  std::vector<entry> got;
  auto log = open_log(path, 64 << 10, {}, &got);
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(log->end() == third);
  CAF_CHECK(append_ok(*log, "third again") == third);
  append_ok(*log, "fourth");
  log.reset();
  got.clear();
  log = open_log(path, 64 << 10, {}, &got);
  CAF_REQUIRE_EQUAL(got.size(), 4u);
  CAF_CHECK(got[2].payload == "third again");
  CAF_CHECK(got[3].payload == "fourth");
  // One flipped bit in the header or the payload fails the checksum too.
  log.reset();
  poke(path, payload_file_offset(third) + 2, "X");
  got.clear();
  log = open_log(path, 64 << 10, {}, &got);
  CAF_CHECK_EQUAL(got.size(), 2u);
  CAF_CHECK(log->end() == third);
}

CAF_TEST(records of the previous lap are not replayed) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  position next;
  position fifth;
  {
    auto log = open_log(path, small_ring);
    for (int i = 1; i <= 4; ++i) { // 932 bytes each, at 0 ... 2796
      append_ok(*log, payload_of(900, i), &next);
      log->release(next);
    }
    fifth = append_ok(*log, payload_of(900, 5)); // wraps to 0
    CAF_CHECK(fifth.offset == 0);
  }
  // Record 2 (intact, checksum fine) follows record 5 at 932: it ends the
  // log by its lsn.
  std::vector<entry> got;
  auto log = open_log(path, small_ring, next, &got);
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].at == fifth);
  CAF_CHECK(log->end() == (position{6, 932}));
  // Whatever the checksum says, a record whose lsn is not the one asked
  // for is not the log's.
  got = replay_all(*log, {7, 932});
  CAF_CHECK_EQUAL(got.size(), 0u);
}

CAF_TEST(reopening a log continues its lsn sequence) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  position second;
  {
    auto log = open_log(path, 64 << 10);
    append_ok(*log, "one");
    second = append_ok(*log, "two");
    append_ok(*log, "three");
  }
  std::vector<entry> got;
  auto log = open_log(path, 64 << 10, second, &got);
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(got[0].payload == "two");
  CAF_CHECK_EQUAL(log->end().lsn, 4u);
  CAF_CHECK_EQUAL(append_ok(*log, "four").lsn, 4u);
  // Records from `from` on are kept until released.
  auto& w = *log;
  position at;
  status st;
  for (int i = 0; st.is_ok() && i < 100; ++i)
    st = w.append(payload_of(2000, i), &at);
  CAF_CHECK(st.status_code() == status::code::log_full);
  got = replay_all(w, second);
  CAF_CHECK(got.front().payload == "two");
}

CAF_TEST(the lock - free lsn mirrors follow appends releases and reopening) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  position second;
  {
    auto log = open_log(path, 64 << 10);
    CAF_CHECK_EQUAL(log->last_synced_lsn(), 0u);
    CAF_CHECK_EQUAL(log->released_lsn(), 1u);
    append_ok(*log, "one");
    CAF_CHECK_EQUAL(log->last_synced_lsn(), 1u);
    second = append_ok(*log, "two");
    append_ok(*log, "three");
    CAF_CHECK_EQUAL(log->last_synced_lsn(), 3u);
    CAF_CHECK_EQUAL(log->released_lsn(), 1u);
  }
  // Reopened from record 2: records 2 and 3 replayed, record 1 applied.
  std::vector<entry> got;
  auto log = open_log(path, 64 << 10, second, &got);
  CAF_CHECK_EQUAL(log->last_synced_lsn(), 3u);
  CAF_CHECK_EQUAL(log->released_lsn(), 2u);
  position after_four;
  append_ok(*log, "four", &after_four);
  CAF_CHECK_EQUAL(log->last_synced_lsn(), 4u);
  log->release(after_four);
  CAF_CHECK_EQUAL(log->released_lsn(), 5u);
  CAF_CHECK(log->released() == after_four);
  // Releasing less than before changes nothing.
  log->release(second);
  CAF_CHECK_EQUAL(log->released_lsn(), 5u);
}

CAF_TEST(a replay stops at the first status its callback returns) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  {
    auto log = open_log(path, small_ring);
    append_ok(*log, "applied");
    append_ok(*log, "fails to apply");
    append_ok(*log, "never reached");
  }
  status st;
  wal::options opts;
  opts.path = path;
  opts.ring_bytes = small_ring;
  int calls = 0;
  auto log = wal::open(
      opts, {},
      [&](position at, std::string_view) {
        ++calls;
        return at.lsn == 2 ? status::map_full("applying 2") : status::ok();
      },
      &st);
  CAF_CHECK(log == nullptr);
  CAF_CHECK(st.status_code() == status::code::map_full);
  CAF_CHECK_EQUAL(calls, 2);
}

CAF_TEST(a log file of another size or no log file is refused by name) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  open_log(path, 8192);
  auto st = open_status(path, 4096);
  CAF_CHECK(st.status_code() == status::code::invalid);
  CAF_CHECK(st.message().find(path) != std::string::npos);
  CAF_CHECK(st.message().find("ring of 8192 bytes, configured 4096") !=
            std::string::npos);
  // A file cut short (its header says otherwise).
  std::filesystem::resize_file(path, wal::file_header_bytes + 4096);
  st = open_status(path, 8192);
  CAF_CHECK(st.status_code() == status::code::invalid);
  CAF_CHECK(st.message().find("its header says") != std::string::npos);
  // Not a log at all.
  auto other = dir.path() + "/other";
  std::ofstream{other} << std::string(8192, 'x');
  st = open_status(other, 4096);
  CAF_CHECK(st.status_code() == status::code::invalid);
  CAF_CHECK(st.message().find(other) != std::string::npos);
  CAF_CHECK(st.message().find("bad magic") != std::string::npos);
  // Open twice: the second is refused while the first holds it.
  {
    auto log = open_log(dir.path() + "/busy", 4096);
    st = open_status(dir.path() + "/busy", 4096);
    CAF_CHECK(st.status_code() == status::code::invalid);
    CAF_CHECK(st.message().find("open elsewhere") != std::string::npos);
  }
  CAF_CHECK(open_status(dir.path() + "/busy", 4096).is_ok());
  // Ring sizes the log does not take.
  CAF_CHECK(open_status(dir.path() + "/odd", 5000).status_code() ==
            status::code::invalid);
  CAF_CHECK(open_status(dir.path() + "/tiny", 0).status_code() ==
            status::code::invalid);
  CAF_CHECK(!std::filesystem::exists(dir.path() + "/odd"));
}

CAF_TEST(a new log file is written whole and holds no record) {
  test::temp_dir dir;
  auto path = dir.path() + "/log";
  auto log = open_log(path, small_ring);
  CAF_CHECK_EQUAL(std::filesystem::file_size(path),
                  wal::file_header_bytes + small_ring);
  CAF_CHECK(!std::filesystem::exists(path + ".new"));
  position end;
  CAF_CHECK(replay_all(*log, {}, &end).empty());
  CAF_CHECK(end == (position{1, 0}));
}

namespace {

// A batch with every database and every operation in it.
write_batch every_kind_of_write() {
  write_batch b;
  b.put_stock("S1", {10, 1, 3, 1700000000000});
  b.put_stock("S0", {5, 0, 1, 1700000000001});
  dedup_record d;
  d.kind = op_kind::order;
  d.amount = 2;
  d.channel = "shopify";
  d.created_at_ms = 77;
  b.put_dedup("S1", op_kind::order, "o-1", d);
  audit_record a;
  a.version = 3;
  a.op_id = "o-1";
  a.kind = op_kind::order;
  a.source = "shopify";
  a.delta = -2;
  b.put_audit("S1", a);
  listing l;
  l.item_id = "item-9";
  b.put_listing("S1", "shop-a", l);
  b.delete_listing("S1", "shop-b");
  b.put_outbox("shop-a", "S1", {3, 9, 123});
  b.delete_outbox("shop-b", "S1");
  b.clear_outbox("shop-a", "S0", 7);
  b.put_cancel("shop-a", "shop-a:55", "S1", {2, 99});
  b.delete_cancel("shop-a", "shop-a:54", "S1");
  b.put_meta("epoch", "4");
  std::string binary{"\0\xff\x01 key", 7};
  b.put_meta(binary, binary);
  return b;
}

} // namespace

CAF_TEST(a write batch survives an encode decode round trip) {
  auto b = every_kind_of_write();
  auto bytes = b.encode();
  write_batch back;
  back.put_meta("stale", "replaced by decode");
  CAF_REQUIRE(write_batch::decode(bytes, &back).is_ok());
  CAF_CHECK(back == b);
  CAF_CHECK_EQUAL(back.size(), b.size());
  CAF_CHECK(back.encode() == bytes);
  write_batch longer = b;
  longer.put_meta("epoch", "5");
  CAF_CHECK(!(longer == b));
  write_batch empty;
  CAF_REQUIRE(write_batch::decode(empty.encode(), &back).is_ok());
  CAF_CHECK(back.empty());
  // What the decoded batch writes is what the original writes.
  test::temp_dir dir;
  status st;
  auto db = test::open_store_in(dir.path(), 16 << 20, &st);
  CAF_REQUIRE(st.is_ok());
  CAF_REQUIRE(write_batch::decode(bytes, &back).is_ok());
  CAF_REQUIRE(db->commit(back).is_ok());
  stock_state s;
  CAF_REQUIRE(db->get_stock("S1", &s).is_ok());
  CAF_CHECK_EQUAL(s.on_hand, 10);
  dedup_record d;
  CAF_CHECK(db->get_dedup("S1", op_kind::order, "o-1", &d).is_ok());
  std::string value;
  CAF_CHECK(db->get_meta(std::string{"\0\xff\x01 key", 7}, &value).is_ok());
  CAF_CHECK_EQUAL(db->count("outbox"), 1u);
  CAF_CHECK_EQUAL(db->count("cancel"), 1u);
}

CAF_TEST(truncated or garbage batch bytes decode as corruption) {
  auto bytes = every_kind_of_write().encode();
  write_batch out;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto st = write_batch::decode(std::string_view{bytes}.substr(0, n), &out);
    CAF_CHECK(st.status_code() == status::code::corruption);
    CAF_CHECK(out.empty());
  }
  CAF_CHECK(write_batch::decode(bytes + '\0', &out).status_code() ==
            status::code::corruption);
  auto other_format = bytes;
  other_format[0] = 2;
  CAF_CHECK(write_batch::decode(other_format, &out).status_code() ==
            status::code::corruption);
  // A record count, then a key length, far beyond the bytes: refused
  // before anything is allocated.
  auto huge = bytes;
  std::fill_n(huge.begin() + 2, 8, '\xff');
  CAF_CHECK(write_batch::decode(huge, &out).status_code() ==
            status::code::corruption);
  huge = bytes;
  std::fill_n(huge.begin() + 12, 8, '\x7f');
  CAF_CHECK(write_batch::decode(huge, &out).status_code() ==
            status::code::corruption);
  // An unknown database byte.
  auto bad_db = bytes;
  bad_db[10] = 6;
  CAF_CHECK(write_batch::decode(bad_db, &out).status_code() ==
            status::code::corruption);
  // Random bytes: refused or decoded, never thrown out of or crashed on.
  std::mt19937_64 rng{1};
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    if (!junk.empty() && i % 2 == 0)
      junk[0] = 1;
    auto st = write_batch::decode(junk, &out);
    CAF_CHECK(st.is_ok() || st.status_code() == status::code::corruption);
  }
}

CAF_TEST(a log position is read back only from lsn colon offset text) {
  wal::position p;
  CAF_CHECK(decode_wal_position(encode_wal_position({7, 4096}), &p));
  CAF_CHECK(p == (wal::position{7, 4096}));
  for (const char* bad :
       {"", "7", "7:", ":4096", "a:1", "7:1x", "0:0", "-1:0", "7:4096:1"}) {
    CAF_CHECK(!decode_wal_position(bad, &p));
  }
}

CAF_TEST(recovery applies what the store lacks and refuses a bad position) {
  test::temp_dir dir;
  status st;
  auto db = test::open_store_in(dir.path(), 16 << 20, &st);
  CAF_REQUIRE(st.is_ok());
  auto wo = data_dir_log(dir.path(), 1 << 20);
  std::size_t replayed = 0;
  {
    // Acknowledged from the log, never applied: the store lacks it.
    auto log = recover_from_log(*db, wo, &replayed, &st);
    CAF_REQUIRE(log != nullptr);
    CAF_CHECK_EQUAL(replayed, 0u);
    write_batch b;
    b.put_stock("R1", stock_state{5, 0, 1, 1});
    wal::position at;
    CAF_REQUIRE(log->append(b.encode(), &at).is_ok());
  }
  stock_state s;
  CAF_CHECK(db->get_stock("R1", &s).is_not_found());
  {
    auto log = recover_from_log(*db, wo, &replayed, &st);
    CAF_REQUIRE(log != nullptr);
    CAF_CHECK_EQUAL(replayed, 1u);
  }
  CAF_REQUIRE(db->get_stock("R1", &s).is_ok());
  CAF_CHECK_EQUAL(s.on_hand, 5);
  {
    // Applied once: a second start replays nothing.
    auto log = recover_from_log(*db, wo, &replayed, &st);
    CAF_REQUIRE(log != nullptr);
    CAF_CHECK_EQUAL(replayed, 0u);
  }
  // A position that is not lsn:offset is refused, naming the key, and
  // nothing is written.
  write_batch bad;
  bad.put_meta(wal_applied_meta_key, "garbage");
  CAF_REQUIRE(db->commit(bad).is_ok());
  auto log = recover_from_log(*db, wo, &replayed, &st);
  CAF_CHECK(log == nullptr);
  CAF_CHECK_EQUAL(st.status_code(), status::code::corruption);
  CAF_CHECK(st.to_string().find("wal.applied") != std::string::npos);
  std::string value;
  CAF_REQUIRE(db->get_meta(wal_applied_meta_key, &value).is_ok());
  CAF_CHECK_EQUAL(value, "garbage");
}
