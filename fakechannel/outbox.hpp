// The storefront's webhook deliveries to Stockwire, per channel: waiting,
// in flight or delivered. A failed attempt (non-2xx, connection error,
// timeout) is retried after a backoff that doubles from retry_delay_ms_min
// up to retry_delay_ms_max, as real channels retry webhooks; nothing is
// ever dropped (only /_fake/reset forgets deliveries). While one delivery
// waits for its retry, later ones of the channel go ahead, so deliveries
// can arrive out of order, as they do from real channels.
// Pure (time injected as monotonic milliseconds), single-threaded.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fakechannel/catalogue.hpp"
#include "fakechannel/webhook_format.hpp"

namespace stockwire::fakechannel {

struct delivery_counters {
  std::uint64_t attempts = 0;  // HTTP attempts started
  std::uint64_t failures = 0;  // attempts that failed (each is retried)
  std::uint64_t delivered = 0; // deliveries answered 2xx
  std::uint64_t retried = 0;   // delivered or pending ones that failed once
  std::string last_failure;    // why the latest failed attempt failed
};

/// One attempt to hand to the HTTP client.
struct outgoing {
  std::uint64_t id = 0;
  webhook_request request;
};

class outbox {
public:
  outbox(std::int64_t retry_delay_ms_min, std::int64_t retry_delay_ms_max);

  /// Queues a delivery for `purchase` (the storefront's index), due now.
  /// Returns its id (unique for the life of the process).
  std::uint64_t add(shop_channel c, std::size_t purchase, webhook_request r);

  /// The next delivery of `c` due at `now_ms` (retries first, oldest
  /// first), marked in flight; nullopt when none is due.
  std::optional<outgoing> take(shop_channel c, std::int64_t now_ms);

  /// The purchase index of an in-flight delivery that succeeded; nullopt
  /// for an unknown id (forgotten by clear()).
  std::optional<std::size_t> succeeded(std::uint64_t id);

  /// An in-flight delivery failed at `now_ms` (`why`: e.g. "HTTP 503"):
  /// retried after the backoff.
  void failed(std::uint64_t id, std::int64_t now_ms, const std::string& why);

  /// When the next waiting delivery of `c` is due (a time in the past when
  /// one is due now); nullopt when none waits.
  std::optional<std::int64_t> next_due_ms(shop_channel c) const;

  /// Deliveries of `c` not yet answered 2xx (waiting or in flight).
  std::size_t pending(shop_channel c) const;
  const delivery_counters& counters(shop_channel c) const;

  /// Forgets every delivery (in-flight ones are ignored when they end).
  void clear();

private:
  struct delivery {
    shop_channel channel;
    std::size_t purchase;
    webhook_request request;
    std::uint32_t attempts = 0;
  };
  using due = std::pair<std::int64_t, std::uint64_t>; // (due_ms, id)

  struct lane {
    std::deque<std::uint64_t> fresh; // never attempted, in order
    std::set<due> retries;           // ordered by due time
    std::size_t pending = 0;
    delivery_counters counters;
  };

  std::int64_t backoff_ms(std::uint32_t attempts) const;

  std::int64_t retry_delay_ms_min_;
  std::int64_t retry_delay_ms_max_;
  std::uint64_t next_id_ = 0;
  std::uint64_t attempt_seq_ = 0;
  std::map<std::uint64_t, delivery> deliveries_; // not yet delivered
  std::array<lane, shop_channel_count> lanes_;
};

} // namespace stockwire::fakechannel
