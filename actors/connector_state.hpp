// Private to the connector actor (connector.hpp), whose code is split by
// concept:
//   connector.cpp         the behaviour (the message handlers), the queues
//                         and pacing (pump), reports, journal writes and
//                         spawn_connector
//   connector_jobs.cpp    running jobs: requests, answers, the results of
//                         push jobs
//   connector_cancel.cpp  cancellations of oversold orders
// This header holds the actor's state (what it knows and owes about each
// SKU, the jobs in flight) and the functions the parts call across files.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/connector.hpp"
#include "actors/messages.hpp"
#include "connectors/cancellations.hpp"
#include "connectors/http_client.hpp"
#include "connectors/pacing.hpp"
#include "connectors/wire.hpp"
#include "core/limits.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::http_result)

namespace stockwire::connector_detail {

inline std::int64_t mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t wall_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
      .count();
}

// Changes received at `at_ns` (when the cap of marks was reached, later
// changes join the newest mark: their lag is then over-, never
// under-counted).
struct change_mark {
  std::int64_t at_ns = 0;
  std::uint32_t count = 1;
};

// SKUs held back until a time (monotonic ms): pacing, backoff.
using delay_queue = std::multimap<std::int64_t, std::string>;

// What this connector knows and owes about one SKU.
struct sku_entry {
  listing ids;
  std::uint64_t version = 0;       // newest durable version known
  std::int64_t available = 0;      // at that version
  std::deque<change_mark> waiting; // changes not covered by a push yet
  std::uint64_t acked_version = 0;
  std::optional<std::int64_t> shown; // quantity of the last acked push
  bool force = false;                // push even at an acknowledged version
  bool pushed_force = false;         // the push in flight was forced
  bool inflight = false;
  std::uint64_t pushed_version = 0;
  std::uint64_t pushed_job = 0; // the job carrying the push in flight
  std::int64_t pushed_quantity = 0;
  std::vector<change_mark> pushed; // changes the push in flight covers
  bool queued = false;             // in the ready or delay queue
  bool urgent_queued = false;      // in the sell-out queue
  std::optional<delay_queue::iterator> delayed; // where, if delayed
  unsigned attempts = 0;                        // consecutive failed pushes
  std::int64_t not_before_ms = 0;               // backoff (monotonic)
  bool parked = false;
  std::string last_error;
  std::int64_t last_lag_us = -1;
  std::int64_t last_ack_ms = 0;
};

struct running_job {
  std::unique_ptr<push_job> job;
  std::vector<std::string> skus; // same order as the job's items
  std::vector<push_item> items;
  bool cancel = false;             // a cancel job: its items are orders
  std::vector<std::string> orders; // cancel job: core order ids, in order
  bool failed_transport = false;
  std::optional<http_request> delayed; // sent when its delay has passed
};

struct connector_state {
  connector_config cfg;
  std::shared_ptr<http_client> client;
  caf::actor journal;
  caf::actor metrics;
  std::unordered_map<std::string, sku_entry> skus;
  std::deque<std::string> ready; // may be pushed now
  // Sell-outs and back-in-stock transitions (is_critical): pushed before
  // anything in `ready`, one request each. In a flash sale the channel's
  // budget is spent on a queue of ordinary decrements; a SKU whose last
  // unit just sold must not wait behind them, each second it waits is a
  // second other channels' buyers can buy what is gone (an oversell).
  std::deque<std::string> urgent;
  delay_queue delayed;
  std::unordered_map<std::uint64_t, running_job> jobs;
  std::uint64_t next_job = 1;
  // Random start: push ids (Shopify idempotency keys) never repeat across
  // restarts.
  std::uint64_t next_push_id = std::random_device{}() * 0x9E3779B97F4A7C15ull;
  std::uint64_t journal_seq = 0;
  std::optional<token_pacer> pacer;
  std::optional<token_pacer> feed_pacer; // Amazon createFeed
  double share = 1; // of the account's budget (both pacers are scaled)
  std::int64_t throttled_until_ms = 0;
  circuit_breaker breaker;
  backoff retry_backoff;
  std::optional<revision_budget> revisions;
  std::mt19937_64 rng{std::random_device{}()};
  bool wakeup_scheduled = false;
  std::int64_t wakeup_at_ms = 0;
  channel_metrics report; // accumulates until sent
  connector_status totals;
  std::uint64_t parked_listings = 0;
  std::uint64_t last_backlog = 0;
  cancellation_book cancels{limits::oversells_recent_max};
  static inline const char* name = "stockwire.connector";
};

using connector_actor = caf::stateful_actor<connector_state>;

// -- connector.cpp -----------------------------------------------------------

void enqueue(connector_actor* self, const std::string& sku, sku_entry& e);
void schedule_wakeup(connector_actor* self, std::int64_t at_ms);
void send_report(connector_actor* self, bool recount = false);
void write_through_journal(connector_actor* self, write_batch writes,
                           std::size_t ops);
void clear_outbox(
    connector_actor* self,
    const std::vector<std::pair<std::string, std::uint64_t>>& acked);
void pump(connector_actor* self);

// -- connector_jobs.cpp ------------------------------------------------------

void on_acked(connector_actor* self, const std::string& sku, sku_entry& e,
              std::uint64_t version, std::int64_t quantity,
              const std::vector<change_mark>& covered, std::int64_t acked_ns);
void send_request(connector_actor* self, std::uint64_t id, http_request req);
void on_answer(connector_actor* self, std::uint64_t id, http_result& res);
void send_next(connector_actor* self, std::uint64_t id);

// -- connector_cancel.cpp ----------------------------------------------------

void finish_cancel_job(connector_actor* self, running_job& run,
                       std::int64_t now);
bool cancel_is_due(const connector_state& st, std::int64_t now);
bool start_cancel_job(connector_actor* self, std::int64_t now);
void on_oversold(connector_actor* self, order_oversold& m);
oversell_report oversells_of(const connector_state& st);

} // namespace stockwire::connector_detail
