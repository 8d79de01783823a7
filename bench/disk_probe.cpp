// diskprobe: what the disk under a data directory allows a durable,
// closed-loop order path to reach, measured without Stockwire in between.
//
//   diskprobe --data-dir DIR [--commits N] [--records K] [--senders S]
//             [--json]
//
// Measures, in a scratch directory under DIR (removed afterwards):
//   append   4 KiB appended to a preallocated, zero-filled log file, then
//            fdatasync: the cheapest durable write this disk offers (what
//            a write-ahead log would pay per group commit);
//   lmdb     an LMDB write transaction of K records (120-byte values,
//            ascending keys: the shape of one group commit of `hot`),
//            committed as Stockwire commits (default flags: data pages,
//            fdatasync, then the meta page through an O_DSYNC descriptor);
//   nometa   the same with MDB_NOMETASYNC (one sync per commit; shown to
//            tell the data-page sync from the meta-page sync);
//   nosync   the same with MDB_NOSYNC (not durable: the CPU and page-cache
//            cost alone).
// and prints each one's p50/p99 latency and rate, and the bound they put on
// S senders with one order each in flight: a sender's next order cannot be
// acknowledged before the commit holding it is durable, so S senders reach
// at most S / (commit latency) orders/s, and that only if every sender's
// order makes every commit. A writer that commits one batch at a time
// settles into two groups of senders that alternate (a sender acknowledged
// at the end of a commit cannot make the next one, which starts at once):
// S / (2 x commit latency). Nothing here is a test: it prints what it saw.
#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using steady = std::chrono::steady_clock;

// Size of the preallocated log file; appends wrap around inside it.
constexpr std::size_t log_file_bytes = 64u << 20;
constexpr std::size_t log_append_bytes = 4096;
constexpr std::size_t lmdb_value_bytes = 120;
constexpr std::size_t lmdb_map_bytes = 4ull << 30;
// Untimed commits first: the LMDB file and the page cache settle.
constexpr int warmup_commits = 50;

struct options {
  std::string data_dir;
  int commits = 2000;
  int records = 32;
  int senders = 64;
  bool json = false;
};

struct figures {
  std::string name;
  std::string what;
  double p50_us = 0;
  double p99_us = 0;
  double per_s = 0;
  bool durable = true;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "diskprobe: %s\nusage: diskprobe --data-dir DIR [--commits N] "
               "[--records K] [--senders S] [--json]\n",
               why);
  std::exit(2);
}

int positive(const char* flag, const char* value) {
  char* end = nullptr;
  long v = std::strtol(value, &end, 10);
  if (end == value || *end != '\0' || v <= 0 || v > 1'000'000)
    usage((std::string{flag} + " must be an integer in [1, 1000000]").c_str());
  return static_cast<int>(v);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc)
        usage((arg + " needs a value").c_str());
      return argv[++i];
    };
    if (arg == "--data-dir")
      o.data_dir = value();
    else if (arg == "--commits")
      o.commits = positive("--commits", value());
    else if (arg == "--records")
      o.records = positive("--records", value());
    else if (arg == "--senders")
      o.senders = positive("--senders", value());
    else if (arg == "--json")
      o.json = true;
    else
      usage(("unknown argument " + arg).c_str());
  }
  if (o.data_dir.empty())
    usage("--data-dir is required (the probe measures that directory's disk)");
  return o;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "diskprobe: %s\n", what.c_str());
  std::exit(1);
}

// Times `n` calls of `step` and summarizes them.
figures time_steps(std::string name, std::string what, int n,
                   const std::function<void(int)>& step) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  auto start = steady::now();
  for (int i = 0; i < n; ++i) {
    auto t0 = steady::now();
    step(i);
    us.push_back(
        std::chrono::duration<double, std::micro>(steady::now() - t0).count());
  }
  double seconds = std::chrono::duration<double>(steady::now() - start).count();
  std::sort(us.begin(), us.end());
  figures f;
  f.name = std::move(name);
  f.what = std::move(what);
  f.p50_us = us[us.size() / 2];
  f.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  f.per_s = static_cast<double>(n) / seconds;
  return f;
}

figures probe_append(const std::filesystem::path& dir, int n) {
  auto path = (dir / "log").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    fail("cannot create " + path + ": " + std::strerror(errno));
  // Written with zeros, not just fallocate'd: appends into unwritten extents
  // would make every fdatasync also commit file-system metadata.
  std::vector<char> zeros(1u << 20, 0);
  for (std::size_t off = 0; off < log_file_bytes; off += zeros.size())
    if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(off)) !=
        static_cast<ssize_t>(zeros.size()))
      fail("cannot fill " + path + ": " + std::strerror(errno));
  if (::fdatasync(fd) != 0)
    fail("fdatasync " + path + ": " + std::strerror(errno));
  std::vector<char> block(log_append_bytes, 'w');
  auto f = time_steps(
      "append", "4 KiB append + fdatasync to a preallocated log", n,
      [&](int i) {
        auto off =
            (static_cast<std::size_t>(i) * log_append_bytes) % log_file_bytes;
        if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(off)) !=
                static_cast<ssize_t>(block.size()) ||
            ::fdatasync(fd) != 0)
          fail("append to " + path + ": " + std::strerror(errno));
      });
  ::close(fd);
  return f;
}

figures probe_lmdb(const std::filesystem::path& dir, const std::string& name,
                   const std::string& what, unsigned flags, int n,
                   int records) {
  auto env_dir = dir / name;
  std::filesystem::create_directories(env_dir);
  MDB_env* env = nullptr;
  auto check = [&](int rc, const char* call) {
    if (rc != 0)
      fail(std::string{call} + " (" + name + "): " + mdb_strerror(rc));
  };
  check(mdb_env_create(&env), "mdb_env_create");
  check(mdb_env_set_mapsize(env, lmdb_map_bytes), "mdb_env_set_mapsize");
  check(mdb_env_open(env, env_dir.c_str(), MDB_NOTLS | flags, 0600),
        "mdb_env_open");
  MDB_dbi dbi = 0;
  {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
    check(mdb_dbi_open(txn, nullptr, 0, &dbi), "mdb_dbi_open");
    check(mdb_txn_commit(txn), "mdb_txn_commit");
  }
  std::string value(lmdb_value_bytes, 'v');
  std::uint64_t next_key = 0;
  auto commit = [&](int) {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
    for (int r = 0; r < records; ++r) {
      char key[24];
      auto len = std::snprintf(key, sizeof key, "k%016llu",
                               static_cast<unsigned long long>(next_key++));
      MDB_val k{static_cast<std::size_t>(len), key};
      MDB_val v{value.size(), value.data()};
      check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
    }
    check(mdb_txn_commit(txn), "mdb_txn_commit");
  };
  for (int i = 0; i < warmup_commits; ++i)
    commit(i);
  auto f = time_steps(name, what, n, commit);
  f.durable = (flags & MDB_NOSYNC) == 0;
  mdb_env_close(env);
  return f;
}

void print_text(const options& o, const std::vector<figures>& all) {
  std::printf("disk probe under %s (%d timed writes each, %d records per "
              "LMDB commit)\n",
              o.data_dir.c_str(), o.commits, o.records);
  for (auto& f : all)
    std::printf("  %-7s p50 %7.0f us  p99 %7.0f us  %8.0f/s  %s%s\n",
                f.name.c_str(), f.p50_us, f.p99_us, f.per_s, f.what.c_str(),
                f.durable ? "" : " (not durable)");
  std::printf("bound for %d senders with one order each in flight:\n"
              "  (a) every sender's order in every commit: senders / p50\n"
              "  (b) one commit at a time, senders alternating between two "
              "commits\n      (a sender acknowledged at a commit's end "
              "misses the next one): senders / (2 p50)\n",
              o.senders);
  for (auto& f : all)
    if (f.durable)
      std::printf("  %-7s (a) <= %9.0f orders/s   (b) <= %9.0f orders/s\n",
                  f.name.c_str(), o.senders * 1e6 / f.p50_us,
                  o.senders * 1e6 / (2 * f.p50_us));
}

void print_json(const options& o, const std::vector<figures>& all) {
  nlohmann::json doc;
  doc["data_dir"] = o.data_dir;
  doc["commits"] = o.commits;
  doc["records_per_commit"] = o.records;
  doc["senders"] = o.senders;
  for (auto& f : all) {
    auto& j = doc[f.name];
    j["p50_us"] = f.p50_us;
    j["p99_us"] = f.p99_us;
    j["per_s"] = f.per_s;
    j["durable"] = f.durable;
    if (f.durable) {
      j["bound_every_sender_per_commit"] = o.senders * 1e6 / f.p50_us;
      j["bound_alternating_commits"] = o.senders * 1e6 / (2 * f.p50_us);
    }
  }
  std::printf("%s\n", doc.dump().c_str());
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec)
    fail("cannot create " + o.data_dir + ": " + ec.message());
  auto scratch = std::filesystem::path{o.data_dir} /
                 ("diskprobe-" + std::to_string(::getpid()));
  std::filesystem::create_directories(scratch, ec);
  if (ec)
    fail("cannot create " + scratch.string() + ": " + ec.message());
  std::vector<figures> all;
  all.push_back(probe_append(scratch, o.commits));
  all.push_back(probe_lmdb(scratch, "lmdb",
                           "LMDB commit as Stockwire commits (two syncs)", 0,
                           o.commits, o.records));
  all.push_back(probe_lmdb(scratch, "nometa",
                           "LMDB commit, MDB_NOMETASYNC (one sync)",
                           MDB_NOMETASYNC, o.commits, o.records));
  all.push_back(probe_lmdb(scratch, "nosync", "LMDB commit, MDB_NOSYNC",
                           MDB_NOSYNC, o.commits, o.records));
  std::filesystem::remove_all(scratch, ec);
  if (o.json)
    print_json(o, all);
  else
    print_text(o, all);
  return 0;
}
