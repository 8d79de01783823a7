// sku_crash_driver: the process that tests/crash_test.py kills.
//
//   sku_crash_driver seed   --data-dir D --skus N --stock S
//   sku_crash_driver load   --data-dir D --skus N --senders M --log FILE
//                           [--seconds T]
//   sku_crash_driver verify --data-dir D --skus N --stock S --log FILE
//
// `load` hammers N SKUs (30% of orders on SKU "HOT") from M concurrent
// sender actors with orders, cancels and retries, and appends to FILE what
// it sent ("S") and what was acknowledged ("A", "X") — one write() per
// line, so a SIGKILL never leaves a torn line. On start it first re-sends
// every order that was sent but never acknowledged, as a client would.
// `verify` checks the invariants of DESIGN.md 1-3 against the store.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "actors/sku_region.hpp"
#include "persistence/log_recovery.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"

using namespace stockwire;
using namespace std::chrono_literals;

namespace {

struct options {
  std::string mode;
  std::string data_dir;
  std::string log;
  std::size_t skus = 50;
  std::int64_t stock = 100000;
  int senders = 32;
  double seconds = 0; // 0: until killed
  bool wal = false;   // acknowledge after a write-ahead log append
};

std::string sku_name(std::size_t i) {
  return i == 0 ? "HOT" : "SKU-" + std::to_string(i);
}

// The hot SKU starts with little stock so that it sells out under load and
// orders are rejected (oversell prevention under contention).
std::int64_t initial_stock(const options& opts, std::size_t i) {
  return i == 0 ? opts.stock / 50 : opts.stock;
}

// -- the acknowledgement log --------------------------------------------------

class ack_log {
public:
  explicit ack_log(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  ~ack_log() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void line(const std::string& text) {
    auto s = text + "\n";
    auto n = ::write(fd_, s.data(), s.size());
    (void)n;
  }

private:
  int fd_ = -1;
};

struct logged_order {
  std::string sku;
  std::int64_t qty = 0;
  bool acked = false;
  bool accepted = false;
};

struct log_view {
  std::map<std::string, logged_order> orders; // by order id
  std::set<std::string> acked_cancels;        // order ids, restored > 0
};

log_view read_log(const std::string& path) {
  log_view v;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls{line};
    std::string tag, id, sku, status;
    std::int64_t qty = 0;
    ls >> tag >> id >> sku;
    if (tag == "S") {
      ls >> qty;
      auto& o = v.orders[id];
      o.sku = sku;
      o.qty = qty;
    } else if (tag == "A") {
      ls >> qty >> status;
      auto& o = v.orders[id];
      o.sku = sku;
      o.qty = qty;
      o.acked = true;
      o.accepted = status == "accepted";
    } else if (tag == "X") {
      v.acked_cancels.insert(id);
    }
  }
  return v;
}

// -- the node under test
// --------------------------------------------------------

struct node {
  std::unique_ptr<store> db;
  std::unique_ptr<wal> log; // outlives the actor system (declared first)
  std::unique_ptr<caf::actor_system> sys;
  caf::actor journal;
  caf::actor region;
};

// Opens the write-ahead log under the data directory, applying to `db`
// what it lacks.
std::unique_ptr<wal> open_log(store& db, const options& opts) {
  auto wo = data_dir_log(opts.data_dir, 16u << 20);
  std::size_t replayed = 0;
  status st;
  auto log = recover_from_log(db, wo, &replayed, &st);
  if (!log)
    std::fprintf(stderr, "cannot open the log: %s\n", st.to_string().c_str());
  else if (replayed > 0)
    std::fprintf(stderr, "applied %zu log records\n", replayed);
  return log;
}

bool start(node& n, const options& opts, caf::actor_system_config& cfg) {
  status st;
  store::options so;
  so.dir = opts.data_dir;
  n.db = store::open(so, &st);
  if (!n.db) {
    std::fprintf(stderr, "cannot open store: %s\n", st.to_string().c_str());
    return false;
  }
  if (opts.wal && !(n.log = open_log(*n.db, opts)))
    return false;
  configure_actor_system(cfg, 0);
  n.sys = std::make_unique<caf::actor_system>(cfg);
  journal_config jc;
  jc.log = n.log.get();
  n.journal = spawn_journal(*n.sys, *n.db, jc, true);
  region_config rc;
  rc.log = n.log.get();
  rc.idle_timeout = 200ms; // passivate and reactivate often under load
  rc.active_skus_max = opts.skus / 2 + 1;
  n.region = spawn_region(*n.sys, n.journal, n.db.get(), rc);
  return true;
}

int seed(const options& opts) {
  caf::actor_system_config cfg;
  node n;
  if (!start(n, opts, cfg))
    return 1;
  caf::scoped_actor self{*n.sys};
  int failures = 0;
  for (std::size_t i = 0; i < opts.skus; ++i) {
    auto sku = sku_name(i);
    self->request(n.region, 10s,
                  set_stock{sku, initial_stock(opts, i), "seed-" + sku, "seed"})
        .receive([](stock_result&) {},
                 [&](caf::error& e) {
                   std::fprintf(stderr, "seed %s: %s\n", sku.c_str(),
                                caf::to_string(e).c_str());
                   ++failures;
                 });
  }
  caf::anon_send_exit(n.region, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(n.journal, caf::exit_reason::user_shutdown);
  return failures == 0 ? 0 : 1;
}

// -- load
// ------------------------------------------------------------------------

struct load_env {
  caf::actor region;
  ack_log* log = nullptr;
  std::size_t skus = 0;
  std::string run;
  std::atomic<bool> stop{false};
  std::vector<place_order> resend; // sent before a crash, never acknowledged
  std::mutex resend_mtx;
};

struct sender_state {
  load_env* env = nullptr;
  int id = 0;
  std::uint64_t n = 0;
  std::mt19937_64 rng;
  std::vector<place_order> accepted; // candidates for cancel and retry
};

using sender_actor = caf::stateful_actor<sender_state>;

void next(sender_actor* self);

void send_order(sender_actor* self, place_order o, bool fresh) {
  auto* env = self->state.env;
  if (fresh)
    env->log->line("S " + o.order_id + " " + o.sku + " " +
                   std::to_string(o.qty));
  self->request(env->region, 10s, o)
      .then(
          [=](order_result& r) {
            bool ok = r.status == order_status::accepted;
            self->state.env->log->line("A " + o.order_id + " " + o.sku + " " +
                                       std::to_string(o.qty) + " " +
                                       (ok ? "accepted" : "rejected"));
            if (ok && self->state.accepted.size() < 1000)
              self->state.accepted.push_back(o);
            next(self);
          },
          [=](caf::error&) { next(self); });
}

void next(sender_actor* self) {
  auto& st = self->state;
  if (st.env->stop) {
    self->quit();
    return;
  }
  {
    std::lock_guard<std::mutex> guard{st.env->resend_mtx};
    if (!st.env->resend.empty()) {
      auto o = std::move(st.env->resend.back());
      st.env->resend.pop_back();
      send_order(self, std::move(o), false);
      return;
    }
  }
  auto dice = st.rng() % 100;
  if (dice < 8 && !st.accepted.empty()) { // cancel an accepted order
    auto i = st.rng() % st.accepted.size();
    auto o = st.accepted[i];
    st.accepted.erase(st.accepted.begin() + static_cast<std::ptrdiff_t>(i));
    self->request(st.env->region, 10s, cancel_order{o.order_id, o.sku, "test"})
        .then(
            [=](cancel_result& r) {
              if (r.restored > 0)
                self->state.env->log->line("X " + o.order_id + " " + o.sku);
              next(self);
            },
            [=](caf::error&) { next(self); });
    return;
  }
  if (dice < 14 && !st.accepted.empty()) { // retry an acknowledged order
    send_order(self, st.accepted[st.rng() % st.accepted.size()], false);
    return;
  }
  place_order o;
  o.order_id =
      st.env->run + "-" + std::to_string(st.id) + "-" + std::to_string(st.n++);
  o.sku = st.rng() % 10 < 3 ? sku_name(0)
                            : sku_name(1 + st.rng() % (st.env->skus - 1));
  o.qty = 1 + static_cast<std::int64_t>(st.rng() % 3);
  o.channel = "test";
  send_order(self, std::move(o), true);
}

caf::behavior sender(sender_actor* self, load_env* env, int id) {
  self->state.env = env;
  self->state.id = id;
  self->state.rng.seed(std::random_device{}() + static_cast<unsigned>(id));
  next(self);
  return {[](caf::unit_t) {}};
}

int load(const options& opts) {
  auto before = read_log(opts.log);
  ack_log log{opts.log};
  if (!log.ok()) {
    std::fprintf(stderr, "cannot open log %s\n", opts.log.c_str());
    return 1;
  }
  caf::actor_system_config cfg;
  node n;
  if (!start(n, opts, cfg))
    return 1;
  load_env env;
  env.region = n.region;
  env.log = &log;
  env.skus = opts.skus;
  env.run = "r" + std::to_string(std::random_device{}());
  for (auto& [id, o] : before.orders)
    if (!o.acked)
      env.resend.push_back(place_order{id, o.sku, o.qty, "test"});
  std::fprintf(stderr, "load: run %s, re-sending %zu unacknowledged orders\n",
               env.run.c_str(), env.resend.size());
  for (int i = 0; i < opts.senders; ++i)
    n.sys->spawn(sender, &env, i);
  if (opts.seconds > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(opts.seconds));
    env.stop = true;
    std::this_thread::sleep_for(2s); // let requests in flight finish
    caf::anon_send_exit(n.region, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(n.journal, caf::exit_reason::user_shutdown);
    n.sys->await_all_actors_done();
    return 0;
  }
  for (;;)
    std::this_thread::sleep_for(1s); // until SIGKILL
}

// -- verify
// ----------------------------------------------------------------------

int verify(const options& opts) {
  status st;
  store::options so;
  so.dir = opts.data_dir;
  auto db = store::open(so, &st);
  if (!db) {
    std::fprintf(stderr, "cannot open store: %s\n", st.to_string().c_str());
    return 1;
  }
  // What was acknowledged from the log only is applied first, as a node
  // does at start.
  if (opts.wal && open_log(*db, opts) == nullptr)
    return 1;
  auto log = read_log(opts.log);
  int violations = 0;
  auto violation = [&](const std::string& what) {
    if (++violations <= 20)
      std::fprintf(stderr, "VIOLATION: %s\n", what.c_str());
  };
  std::size_t audited_orders = 0;
  std::size_t audited_cancels = 0;
  // Per SKU: the audit log replays to the stored stock, exactly.
  std::unordered_map<std::string, std::set<std::string>> ordered, cancelled;
  for (std::size_t i = 0; i < opts.skus; ++i) {
    auto sku = sku_name(i);
    stock_state s;
    if (!db->get_stock(sku, &s).is_ok()) {
      violation("no stock record for " + sku);
      continue;
    }
    std::vector<audit_record> all;
    std::vector<audit_record> page;
    std::uint64_t from = 0;
    do {
      db->get_audit(sku, from, 1000, &page);
      all.insert(all.end(), page.begin(), page.end());
      if (!page.empty())
        from = page.back().version - 1;
    } while (page.size() == 1000 && from > 0);
    std::reverse(all.begin(), all.end());
    std::int64_t on_hand = 0;
    std::int64_t sum_accepted = 0;
    std::int64_t sum_cancelled = 0;
    for (std::size_t v = 0; v < all.size(); ++v) {
      auto& a = all[v];
      if (a.version != v + 1)
        violation(sku + ": audit version gap at " + std::to_string(v + 1));
      if (a.on_hand_after != on_hand + a.delta)
        violation(sku + ": audit does not replay at version " +
                  std::to_string(a.version));
      on_hand = a.on_hand_after;
      if (on_hand < 0)
        violation(sku + ": stock went negative at version " +
                  std::to_string(a.version));
      if (a.kind == op_kind::order) {
        ++audited_orders;
        sum_accepted += -a.delta;
        if (!ordered[sku].insert(a.op_id).second)
          violation(sku + ": order " + a.op_id + " applied twice");
        dedup_record d;
        if (!db->get_dedup(sku, op_kind::order, a.op_id, &d).is_ok() ||
            d.status != order_status::accepted || d.amount != -a.delta)
          violation(sku + ": audited order " + a.op_id +
                    " has no matching dedup record");
      } else if (a.kind == op_kind::cancel) {
        ++audited_cancels;
        sum_cancelled += a.delta;
        if (!cancelled[sku].insert(a.op_id).second)
          violation(sku + ": order " + a.op_id + " cancelled twice");
        if (ordered[sku].count(a.op_id) == 0)
          violation(sku + ": cancel of " + a.op_id + " before its order");
      }
    }
    auto initial = initial_stock(opts, i);
    if (all.empty() || all[0].kind != op_kind::set || all[0].delta != initial)
      violation(sku + ": audit does not start with the seed");
    if (s.on_hand != on_hand || s.version != all.size())
      violation(sku + ": stored stock " + std::to_string(s.on_hand) +
                " differs from the audit replay " + std::to_string(on_hand));
    if (s.on_hand != initial - sum_accepted + sum_cancelled)
      violation(sku + ": on_hand != initial - accepted + cancelled");
  }
  // Every acknowledged result is on disk, as acknowledged.
  std::size_t acked = 0;
  std::size_t acked_rejected = 0;
  for (auto& [id, o] : log.orders) {
    if (!o.acked)
      continue;
    ++acked;
    if (!o.accepted)
      ++acked_rejected;
    dedup_record d;
    if (!db->get_dedup(o.sku, op_kind::order, id, &d).is_ok()) {
      violation("acknowledged order " + id + " is missing");
      continue;
    }
    bool accepted = d.status == order_status::accepted;
    if (accepted != o.accepted)
      violation("order " + id + " was acknowledged as " +
                (o.accepted ? "accepted" : "rejected") +
                " but is stored otherwise");
    if (accepted && ordered[o.sku].count(id) == 0)
      violation("accepted order " + id + " has no audit record");
  }
  for (auto& id : log.acked_cancels) {
    auto& o = log.orders[id];
    if (cancelled[o.sku].count(id) == 0)
      violation("acknowledged cancel of " + id + " is missing");
  }
  std::printf("verify: %zu SKUs, %zu acknowledged orders (%zu rejected), "
              "%zu audited orders, %zu audited cancels, %zu acknowledged "
              "cancels, %d violations\n",
              opts.skus, acked, acked_rejected, audited_orders, audited_cancels,
              log.acked_cancels.size(), violations);
  return violations == 0 && acked > 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (argc < 2) {
    std::fprintf(stderr, "usage: sku_crash_driver seed|load|verify ...\n");
    return 2;
  }
  opts.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--data-dir")
      opts.data_dir = v;
    else if (k == "--wal") {
      if (v != "0" && v != "1") {
        std::fprintf(stderr, "--wal takes 0 or 1, not '%s'\n", v.c_str());
        return 2;
      }
      opts.wal = v == "1";
    } else if (k == "--log")
      opts.log = v;
    else if (k == "--skus")
      opts.skus = std::stoul(v);
    else if (k == "--stock")
      opts.stock = std::stoll(v);
    else if (k == "--senders")
      opts.senders = std::stoi(v);
    else if (k == "--seconds")
      opts.seconds = std::stod(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (opts.data_dir.empty() || opts.skus < 2) {
    std::fprintf(stderr, "--data-dir and --skus >= 2 are required\n");
    return 2;
  }
  if (opts.mode == "seed")
    return seed(opts);
  if (opts.mode == "load")
    return load(opts);
  if (opts.mode == "verify")
    return verify(opts);
  std::fprintf(stderr, "unknown mode %s\n", opts.mode.c_str());
  return 2;
}
