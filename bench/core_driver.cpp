#include "bench/core_driver.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "actors/sku_region.hpp"
#include "persistence/log_recovery.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"

namespace stockwire::bench {

namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Orders in the sellout scenario and the stock they compete for.
constexpr std::int64_t sellout_orders = 20'000;
constexpr std::int64_t sellout_stock = 1'000;
// Stock of every other SKU: never runs out during a benchmark.
constexpr std::int64_t ample_stock = 1'000'000'000;
// Defaults of the catalog and passivation scenarios.
constexpr std::size_t catalog_skus_default = 100'000;
constexpr std::size_t passivation_skus_default = 1'000'000;
constexpr std::size_t passivation_active_default = 50'000;
// A request not answered within this is counted as an error.
// In-process requests cannot be lost; a timeout would cost a clock entry per
// request (a global ordered map in CAF 0.17), so none is set.
constexpr auto request_timeout = caf::infinite;

struct sender_tally {
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t replayed = 0;
  std::uint64_t errors = 0;
};

// State shared by all senders of one run.
struct run_env {
  std::string scenario;
  caf::actor region;
  steady::time_point deadline;
  std::atomic<std::int64_t> orders_left{-1}; // sellout: orders still to issue
  std::atomic<std::size_t> next_index{0};    // passivation: next SKU to touch
  std::atomic<std::uint64_t> next_id{0};     // order ids, increasing
  bool random_ids = false;
  std::size_t skus = 1;
  int window = 1;
  bool retry = false;
  std::mutex mtx;
  std::condition_variable cv;
  int running = 0;

  void finished() {
    std::lock_guard<std::mutex> guard{mtx};
    --running;
    cv.notify_all();
  }
};

std::string sku_name(const std::string& scenario, std::size_t i) {
  if (scenario == "hot")
    return "HOT-1";
  if (scenario == "sellout")
    return "SELLOUT-1";
  return "C-" + std::to_string(i);
}

struct sender_state {
  run_env* env = nullptr;
  sender_tally* tally = nullptr;
  int id = 0;
  std::uint64_t n = 0;
  std::uint64_t rng = 0;
  int in_flight = 0;
  bool stopped = false;
};

using sender_actor = caf::stateful_actor<sender_state>;

std::uint64_t next_random(std::uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Channels number their orders increasingly (Shopify, WooCommerce, eBay);
// such ids append to the dedup tree. --random-ids models ids without order
// (Amazon), each of which costs a B-tree page write of its own.
std::string order_id(std::uint64_t n, bool random) {
  char buf[32];
  if (random)
    std::snprintf(buf, sizeof(buf), "R%016llx",
                  static_cast<unsigned long long>(splitmix64(n)));
  else
    std::snprintf(buf, sizeof(buf), "B%012llu",
                  static_cast<unsigned long long>(n));
  return buf;
}

// Picks the next order, or returns false when this sender is done.
bool make_order(sender_actor* self, place_order& out) {
  auto& st = self->state;
  auto* env = st.env;
  std::size_t index = 0;
  if (env->scenario == "sellout") {
    if (env->orders_left.fetch_sub(1) <= 0)
      return false;
  } else if (env->scenario == "passivation") {
    index = env->next_index.fetch_add(1);
    if (index >= env->skus)
      return false;
  } else {
    if (steady::now() >= env->deadline)
      return false;
    index = next_random(st.rng) % env->skus;
  }
  out.order_id = order_id(env->next_id.fetch_add(1), env->random_ids);
  out.sku = sku_name(env->scenario, index);
  out.qty = 1;
  out.channel = "bench";
  return true;
}

void issue(sender_actor* self, place_order order, bool is_retry);

void next(sender_actor* self) {
  auto& st = self->state;
  place_order order;
  if (st.stopped || !make_order(self, order)) {
    st.stopped = true;
    if (st.in_flight == 0) {
      st.env->finished();
      self->quit();
    }
    return;
  }
  issue(self, std::move(order), false);
}

void issue(sender_actor* self, place_order order, bool is_retry) {
  auto& st = self->state;
  ++st.in_flight;
  auto start = steady::now();
  auto resend = st.env->retry && !is_retry ? order : place_order{};
  self->request(st.env->region, request_timeout, std::move(order))
      .then(
          [=](order_result& r) {
            auto& st = self->state;
            --st.in_flight;
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          steady::now() - start)
                          .count();
            st.tally->latencies_us.push_back(static_cast<std::uint32_t>(us));
            if (r.replayed)
              ++st.tally->replayed;
            if (r.status == order_status::accepted)
              ++st.tally->accepted;
            else
              ++st.tally->rejected;
            if (!resend.order_id.empty())
              issue(self, resend, true);
            else
              next(self);
          },
          [=](caf::error&) {
            auto& st = self->state;
            --st.in_flight;
            ++st.tally->errors;
            next(self);
          });
}

caf::behavior sender(sender_actor* self, run_env* env, sender_tally* tally,
                     int id) {
  self->state.env = env;
  self->state.tally = tally;
  self->state.id = id;
  self->state.rng = 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(id + 1);
  for (int i = 0; i < env->window; ++i)
    next(self);
  return {[](caf::unit_t) {}};
}

status seed(store& db, const std::string& scenario, std::size_t skus) {
  auto stock = scenario == "sellout" ? sellout_stock : ample_stock;
  auto count = (scenario == "hot" || scenario == "sellout") ? 1 : skus;
  constexpr std::size_t per_batch = 10'000;
  write_batch batch;
  for (std::size_t i = 0; i < count; ++i) {
    auto sku = sku_name(scenario, i);
    stock_state s{stock, 0, 1, 0};
    batch.put_stock(sku, s);
    batch.put_audit(sku, audit_record{1, "seed", op_kind::set, "bench", stock,
                                      stock, stock, 0});
    if (batch.size() >= per_batch) {
      auto st = db.commit(batch);
      if (!st.is_ok())
        return st;
      batch.clear();
    }
  }
  return batch.empty() ? status::ok() : db.commit(batch);
}

std::string fresh_dir(const core_options& opts) {
  if (!opts.data_dir.empty())
    return opts.data_dir + "/" + opts.scenario;
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "stockbench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return "/tmp/stockbench-" + opts.scenario;
  return tmpl;
}

} // namespace

scenario_result run_core(const core_options& opts) {
  scenario_result result;
  result.scenario = opts.scenario;
  result.mode = "core";
  auto dir = fresh_dir(opts);
  std::filesystem::remove_all(dir);
  bool passivation = opts.scenario == "passivation";
  std::size_t skus = opts.skus != 0 ? opts.skus
                     : passivation  ? passivation_skus_default
                                    : catalog_skus_default;
  status st;
  store::options sopts;
  sopts.dir = dir;
  sopts.durable = opts.durable;
  auto db = store::open(sopts, &st);
  if (!db || !(st = seed(*db, opts.scenario, skus)).is_ok()) {
    result.extra.emplace_back("error", "\"" + st.to_string() + "\"");
    return result;
  }
  std::unique_ptr<wal> log;
  if (opts.log) {
    std::size_t replayed = 0;
    log = recover_from_log(
        *db, data_dir_log(dir, limits::wal_ring_bytes_default), &replayed, &st);
    if (!log) {
      result.extra.emplace_back("error", "\"" + st.to_string() + "\"");
      return result;
    }
  }
  caf::actor_system_config cfg;
  configure_actor_system(cfg, opts.threads);
  caf::actor_system sys{cfg};
  journal_config jc;
  jc.purge_interval = 0ms;
  jc.log = log.get();
  auto journal = spawn_journal(sys, *db, jc, true);
  region_config rc;
  rc.log = log.get();
  rc.idle_timeout = passivation ? 0ms : 60'000ms;
  rc.active_skus_max = opts.active_max != 0 ? opts.active_max
                       : passivation        ? passivation_active_default
                                            : 2 * skus;
  auto region = spawn_region(sys, journal, db.get(), rc);

  run_env env;
  env.scenario = opts.scenario;
  env.region = region;
  env.skus = skus;
  env.window = std::max(1, opts.window);
  env.retry = opts.scenario == "retry";
  env.random_ids = opts.random_ids;
  if (opts.scenario == "sellout")
    env.orders_left = sellout_orders;
  env.running = opts.senders;
  std::vector<sender_tally> tallies(static_cast<std::size_t>(opts.senders));
  auto start = steady::now();
  env.deadline = start + std::chrono::duration_cast<steady::duration>(
                             std::chrono::duration<double>(opts.duration_s));
  for (int i = 0; i < opts.senders; ++i)
    sys.spawn(sender, &env, &tallies[static_cast<std::size_t>(i)], i);
  std::uint64_t rss_max_during = 0;
  std::uint64_t anon_max_during = 0;
  std::string samples = "[";
  {
    std::unique_lock<std::mutex> guard{env.mtx};
    while (env.running > 0) {
      env.cv.wait_for(guard, 1s);
      auto rss = rss_kb();
      auto anon = anon_rss_kb();
      rss_max_during = std::max(rss_max_during, rss);
      anon_max_during = std::max(anon_max_during, anon);
      if (passivation) {
        if (samples.size() > 1)
          samples += ",";
        samples += "{\"touched\":" +
                   std::to_string(std::min(env.next_index.load(), skus)) +
                   ",\"rss_mb\":" + std::to_string(rss / 1024) +
                   ",\"anon_mb\":" + std::to_string(anon / 1024) + "}";
      }
    }
  }
  result.seconds = std::chrono::duration<double>(steady::now() - start).count();
  for (auto& t : tallies) {
    result.accepted += t.accepted;
    result.rejected += t.rejected;
    result.replayed += t.replayed;
    result.errors += t.errors;
    result.latencies_us.insert(result.latencies_us.end(),
                               t.latencies_us.begin(), t.latencies_us.end());
  }
  result.orders = result.latencies_us.size();
  {
    caf::scoped_actor self{sys};
    self->request(journal, 10s, stats_atom::value)
        .receive(
            [&](journal_stats& js) {
              result.commit_batches = js.batches;
              result.committed_records = js.records;
              auto batches = std::max<std::uint64_t>(1, js.batches);
              result.extra.emplace_back(
                  "commit_ms_avg",
                  std::to_string(js.commit_us_total / batches / 1000.0));
              result.extra.emplace_back(
                  "commit_ms_max", std::to_string(js.commit_us_max / 1000.0));
            },
            [](caf::error&) {});
    self->request(region, 10s, stats_atom::value)
        .receive(
            [&](region_stats& rs) {
              result.extra.emplace_back("active_skus",
                                        std::to_string(rs.active));
              result.extra.emplace_back("activations",
                                        std::to_string(rs.activated));
              result.extra.emplace_back("passivations",
                                        std::to_string(rs.passivated));
            },
            [](caf::error&) {});
  }
  result.rss_kb = rss_kb();
  result.peak_rss_kb = peak_rss_kb();
  if (passivation) {
    result.extra.emplace_back("skus_touched", std::to_string(skus));
    result.extra.emplace_back("active_skus_max",
                              std::to_string(rc.active_skus_max));
    result.extra.emplace_back("rss_max_during_mb",
                              std::to_string(rss_max_during / 1024));
    result.extra.emplace_back("anon_rss_max_during_mb",
                              std::to_string(anon_max_during / 1024));
    result.extra.emplace_back("rss_samples", samples + "]");
  }
  result.extra.emplace_back("durable", opts.durable ? "true" : "false");
  result.extra.emplace_back("write_ahead_log", opts.log ? "true" : "false");
  result.extra.emplace_back("window", std::to_string(env.window));
  result.extra.emplace_back("random_ids", opts.random_ids ? "true" : "false");
  caf::anon_send_exit(region, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  db.reset();
  if (opts.data_dir.empty())
    std::filesystem::remove_all(dir);
  return result;
}

} // namespace stockwire::bench
