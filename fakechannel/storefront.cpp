#include "fakechannel/storefront.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

constexpr std::int64_t ms_per_s = 1000;

json plan_json(const shopper_plan& p) {
  json rates = json::object();
  for (auto c : all_shop_channels)
    rates[channel_name(c)] = p.rate_of(c);
  return {{"seed", p.seed},
          {"skus", p.skus},
          {"rate_per_s", rates},
          {"zipf_exponent", p.zipf_exponent},
          {"quantity", p.quantity},
          {"burst_multiplier", p.burst_multiplier},
          {"burst_start_s", p.burst_start_s},
          {"burst_duration_s", p.burst_duration_s},
          {"duration_s", p.duration_s}};
}

} // namespace

struct storefront::run {
  shopper_plan plan;
  std::int64_t start_mono_ms = 0;
  std::uint64_t run_base = 0; // order ids of this run (webhook_format.hpp)
  std::unique_ptr<popularity> pop;
  std::vector<std::pair<shop_channel, shopper_stream>> streams;
  std::array<std::uint64_t, shop_channel_count> seq{};
};

storefront::storefront(const storefront_config& cfg,
                       std::array<channel_state*, shop_channel_count> states,
                       const clock_reading& now)
    : cfg_(cfg), states_(states), epoch_mono_ms_(now.mono_ms),
      outbox_(cfg.retry_delay_ms_min, cfg.retry_delay_ms_max) {}

storefront::~storefront() = default;

std::string storefront::start(const json& overrides, const clock_reading& now) {
  if (!cfg_.enabled)
    return "the storefront is disabled: set [storefront] enabled = true and "
           "stockwire_url in the config";
  if (running_)
    return "the storefront is already running (POST /_fake/storefront/stop "
           "first)";
  auto r = std::make_unique<run>();
  r->plan = cfg_.plan;
  if (auto why = apply_overrides(overrides, &r->plan); !why.empty())
    return why;
  r->start_mono_ms = now.mono_ms;
  // Seconds of the start, strictly increasing within the process: ids of
  // two runs never collide, nor (barring a restart within the same
  // second) those of two processes.
  auto secs = static_cast<std::uint64_t>(
      std::max<std::int64_t>(now.wall_ms / ms_per_s, 0));
  r->run_base = std::max(secs, last_run_base_ + 1);
  last_run_base_ = r->run_base;
  r->pop = std::make_unique<popularity>(r->plan.skus, r->plan.zipf_exponent);
  for (auto c : all_shop_channels)
    if (serves(c))
      r->streams.emplace_back(c, shopper_stream{r->plan, c, *r->pop});
  run_ = std::move(r);
  running_ = true;
  stop_reason_ = nullptr;
  epoch_mono_ms_ = now.mono_ms;
  return {};
}

void storefront::stop() {
  if (running_)
    finish("stopped");
}

void storefront::finish(const char* reason) {
  running_ = false;
  stop_reason_ = reason;
}

void storefront::reset(const clock_reading& now) {
  run_.reset();
  running_ = false;
  stop_reason_ = nullptr;
  epoch_mono_ms_ = now.mono_ms;
  purchases_.clear();
  counters_ = {};
  outbox_.clear();
}

std::optional<std::int64_t> storefront::next_arrival_ms() const {
  if (!running_)
    return std::nullopt;
  double next = std::numeric_limits<double>::infinity();
  for (auto& [c, s] : run_->streams)
    next = std::min(next, s.next_ms());
  if (!std::isfinite(next))
    return run_->start_mono_ms; // due now: run_due() notices the end
  return run_->start_mono_ms + static_cast<std::int64_t>(std::ceil(next));
}

void storefront::run_due(const clock_reading& now) {
  for (std::size_t done = 0; running_; ++done) {
    if (done >= storefront_arrivals_per_pump_max)
      return;
    shopper_stream* next = nullptr;
    shop_channel channel = shop_channel::shopify;
    for (auto& [c, s] : run_->streams)
      if (next == nullptr || s.next_ms() < next->next_ms()) {
        next = &s;
        channel = c;
      }
    if (next == nullptr || !std::isfinite(next->next_ms()))
      return finish("duration");
    auto due = run_->start_mono_ms +
               static_cast<std::int64_t>(std::floor(next->next_ms()));
    if (due > now.mono_ms)
      return;
    shop(channel, next->next_sku(), due, now);
    next->advance();
  }
}

void storefront::shop(shop_channel c, std::int64_t sku,
                      std::int64_t arrival_mono_ms, const clock_reading& now) {
  auto& st = *states_[index_of(c)];
  auto& n = counters_[index_of(c)];
  auto key = listing_key(c, sku, cfg_.shopify_location_id);
  auto shown = st.shown(key);
  n.arrivals += 1;
  if (shown <= 0) {
    n.sold_out += 1;
    return;
  }
  if (purchases_.size() >= storefront_purchases_max)
    return finish("purchases_max");
  auto units = std::min(run_->plan.quantity, shown);
  auto seq = ++run_->seq[index_of(c)];
  auto ids = make_order_ids(c, run_->run_base, seq);
  st.sell(key, units, now);
  order o;
  o.id = ids.order_id;
  o.item_id = ids.item_id;
  o.listing_key = key;
  o.sku = demo_sku(sku);
  o.qty = units;
  o.wall_ms = now.wall_ms;
  const auto& ch = cfg_.channels[index_of(c)];
  auto hook = make_webhook(c, o, ch.webhook_secret,
                           cfg_.stockwire.base_path + ch.webhook_path);
  st.orders().add(std::move(o));
  purchases_.push_back(
      {arrival_mono_ms, c, ids.order_id, sku, units, shown, false});
  outbox_.add(c, purchases_.size() - 1, std::move(hook));
  n.purchases += 1;
  n.units += static_cast<std::uint64_t>(units);
}

std::optional<outgoing> storefront::take_delivery(shop_channel c,
                                                  std::int64_t now_ms) {
  return outbox_.take(c, now_ms);
}

void storefront::delivery_done(std::uint64_t id, bool ok, std::int64_t now_ms,
                               const std::string& why) {
  if (!ok)
    return outbox_.failed(id, now_ms, why);
  if (auto p = outbox_.succeeded(id))
    purchases_.at(*p).delivered = true;
}

std::optional<std::int64_t>
storefront::next_delivery_due_ms(shop_channel c) const {
  return outbox_.next_due_ms(c);
}

// What GET /_fake/storefront reports of one channel, or of all together.
struct storefront::tally {
  channel_counters shoppers;
  delivery_counters webhooks;
  std::uint64_t pending = 0;
  std::uint64_t cancelled_orders = 0;
  std::uint64_t cancelled_units = 0;

  void add(const tally& t) {
    shoppers.arrivals += t.shoppers.arrivals;
    shoppers.sold_out += t.shoppers.sold_out;
    shoppers.purchases += t.shoppers.purchases;
    shoppers.units += t.shoppers.units;
    webhooks.attempts += t.webhooks.attempts;
    webhooks.failures += t.webhooks.failures;
    webhooks.delivered += t.webhooks.delivered;
    webhooks.retried += t.webhooks.retried;
    if (!t.webhooks.last_failure.empty())
      webhooks.last_failure = t.webhooks.last_failure;
    pending += t.pending;
    cancelled_orders += t.cancelled_orders;
    cancelled_units += t.cancelled_units;
  }

  json to_json() const {
    return {{"arrivals", shoppers.arrivals},
            {"sold_out", shoppers.sold_out},
            {"purchases", shoppers.purchases},
            {"units", shoppers.units},
            {"webhooks",
             {{"delivered", webhooks.delivered},
              {"pending", pending},
              {"attempts", webhooks.attempts},
              {"failures", webhooks.failures},
              {"retried", webhooks.retried},
              {"last_failure", webhooks.last_failure.empty()
                                   ? json(nullptr)
                                   : json(webhooks.last_failure)}}},
            {"cancellations",
             {{"orders", cancelled_orders}, {"units", cancelled_units}}}};
  }
};

storefront::tally storefront::tally_of(shop_channel c) const {
  const auto& orders = states_[index_of(c)]->orders();
  tally t;
  t.shoppers = counters_[index_of(c)];
  t.webhooks = outbox_.counters(c);
  t.pending = outbox_.pending(c);
  t.cancelled_orders = orders.cancelled_orders();
  t.cancelled_units = orders.cancelled_units();
  return t;
}

json storefront::status_json(const clock_reading& now) const {
  json channels = json::object();
  tally totals;
  for (auto c : all_shop_channels) {
    if (!serves(c))
      continue;
    auto t = tally_of(c);
    channels[channel_name(c)] = t.to_json();
    totals.add(t);
  }
  return {{"enabled", cfg_.enabled},
          {"running", running_},
          {"stop_reason", stop_reason_ ? json(stop_reason_) : json(nullptr)},
          {"t_ms", now.mono_ms - epoch_mono_ms_},
          {"stockwire_url", cfg_.stockwire_url},
          {"plan", plan_json(run_ ? run_->plan : cfg_.plan)},
          {"channels", channels},
          {"totals", totals.to_json()}};
}

json storefront::purchases_json(std::optional<shop_channel> only) const {
  auto list = json::array();
  for (const auto& p : purchases_) {
    if (only && *only != p.channel)
      continue;
    const auto* o = states_[index_of(p.channel)]->orders().find(p.order_id);
    list.push_back({{"t_ms", p.mono_ms - epoch_mono_ms_},
                    {"channel", channel_name(p.channel)},
                    {"order_id", p.order_id},
                    {"sku", demo_sku(p.sku)},
                    {"qty", p.qty},
                    {"shown_before", p.shown_before},
                    {"delivered", p.delivered},
                    {"cancelled", o != nullptr && o->cancelled}});
  }
  return {{"count", list.size()}, {"purchases", std::move(list)}};
}

json storefront::history_json(const std::string& sku) const {
  auto n = demo_index(sku);
  json channels = json::object();
  for (auto c : all_shop_channels) {
    if (!serves(c))
      continue;
    bool keyed_by_sku =
        c != shop_channel::shopify && c != shop_channel::woocommerce;
    if (!n && !keyed_by_sku)
      continue; // no listing rule for a SKU outside the catalogue
    auto key = n ? listing_key(c, *n, cfg_.shopify_location_id) : sku;
    channels[channel_name(c)] =
        states_[index_of(c)]->history().to_json(key, epoch_mono_ms_);
  }
  return {{"sku", sku}, {"channels", channels}};
}

} // namespace stockwire::fakechannel
