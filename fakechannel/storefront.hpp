// The storefront: simulated shoppers buying on the fake channels, exactly
// like real buyers. A shopper arriving on channel C (shoppers.hpp: seeded
// Poisson arrivals, Zipf popularity) wants `quantity` units of one SKU and
// buys only if C currently *shows* that listing with quantity > 0 (the
// channel's own state, which Stockwire's pushes set); then takes
// min(quantity, shown), and C counts its shown quantity down at once, as a
// real channel does on a sale. Each purchase becomes an order in C's order
// book (which C's cancel endpoint finds) and one webhook in the outbox,
// delivered to Stockwire by the HTTP client (webhook_client.hpp) until it
// is answered 2xx.
//
// Time: every stored time is monotonic; reported times are t_ms =
// milliseconds since the epoch, which is the start of the last run (before
// the first start: since the fake started or was last reset). Purchases
// report their scheduled arrival time; history points the time the change
// was applied (the arrivals are executed when the io thread gets to them,
// usually within a millisecond, against what the channel shows then).
//
// Pure and single-threaded: the service calls it on the io thread with
// clock readings; it never blocks and does no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fakechannel/http_types.hpp"
#include "fakechannel/outbox.hpp"
#include "fakechannel/shoppers.hpp"
#include "fakechannel/state.hpp"
#include "fakechannel/storefront_config.hpp"

namespace stockwire::fakechannel {

class storefront {
public:
  /// `states[index_of(c)]`: channel c's state, or nullptr when c is not
  /// served. The states must outlive the storefront.
  storefront(const storefront_config& cfg,
             std::array<channel_state*, shop_channel_count> states,
             const clock_reading& now);
  ~storefront();

  const storefront_config& config() const { return cfg_; }
  bool running() const { return running_; }

  /// True when channel `c` is served (its shoppers may run, its
  /// deliveries exist).
  bool serves(shop_channel c) const { return states_[index_of(c)] != nullptr; }

  /// Starts a run at `now` (t = 0): the configured plan with `overrides`
  /// (null or an object, see storefront_config.hpp) applied. Empty when
  /// started; otherwise why, and nothing changed (disabled, already
  /// running, bad override).
  std::string start(const nlohmann::json& overrides, const clock_reading& now);

  /// The shoppers leave; deliveries go on until answered.
  void stop();

  /// No run, no purchases, no deliveries; the epoch restarts at `now`.
  /// (The channels' orders are their own state, reset by the channels.)
  void reset(const clock_reading& now);

  /// Monotonic milliseconds of the next arrival; nullopt when not running.
  std::optional<std::int64_t> next_arrival_ms() const;

  /// Executes the arrivals due at `now`, in time order (ties: channel
  /// order), at most limits.hpp storefront_arrivals_per_pump_max.
  /// REQUIRES: the channels settled at `now` (Amazon's delayed changes).
  void run_due(const clock_reading& now);

  /// Deliveries, for the HTTP client (outbox.hpp).
  std::optional<outgoing> take_delivery(shop_channel c, std::int64_t now_ms);
  /// `why`: what failed ("HTTP 503", "connect: Connection refused", ...)
  /// when not `ok`.
  void delivery_done(std::uint64_t id, bool ok, std::int64_t now_ms,
                     const std::string& why = {});
  std::optional<std::int64_t> next_delivery_due_ms(shop_channel c) const;

  /// GET /_fake/storefront (see docs/FAKECHANNEL.md).
  nlohmann::json status_json(const clock_reading& now) const;

  /// GET /_fake/purchases: every purchase (of `only` when given).
  nlohmann::json purchases_json(std::optional<shop_channel> only) const;

  /// GET /_fake/history?sku=: the shown-quantity timeline of `sku` per
  /// channel (channels without a listing rule for `sku` are left out).
  nlohmann::json history_json(const std::string& sku) const;

private:
  struct purchase {
    std::int64_t mono_ms; // scheduled arrival
    shop_channel channel;
    std::string order_id;
    std::int64_t sku; // n of DEMO-n
    std::int64_t qty;
    std::int64_t shown_before;
    bool delivered = false;
  };

  struct channel_counters {
    std::uint64_t arrivals = 0; // shoppers who came
    std::uint64_t sold_out = 0; // ... and left: the listing showed <= 0
    std::uint64_t purchases = 0;
    std::uint64_t units = 0;
  };

  struct run;   // the plan, streams and order sequences of one run
  struct tally; // one channel's numbers, or all channels' summed

  tally tally_of(shop_channel c) const;

  void shop(shop_channel c, std::int64_t sku, std::int64_t arrival_mono_ms,
            const clock_reading& now);
  void finish(const char* reason);

  storefront_config cfg_;
  std::array<channel_state*, shop_channel_count> states_;
  std::unique_ptr<run> run_;
  bool running_ = false;
  const char* stop_reason_ = nullptr; // why the last run ended
  std::int64_t epoch_mono_ms_;
  std::uint64_t last_run_base_ = 0;
  std::vector<purchase> purchases_;
  std::array<channel_counters, shop_channel_count> counters_;
  outbox outbox_;
};

} // namespace stockwire::fakechannel
