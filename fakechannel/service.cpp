#include "fakechannel/service.hpp"

#include <cassert>

#include <nlohmann/json.hpp>

#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

const std::string fake_prefix = "/_fake/";

} // namespace

service::service(const fake_config& cfg, const clock_reading& now)
    : rng_(cfg.seed) {
  auto add = [&](const channel_common& c, std::unique_ptr<channel_handler> h) {
    if (c.enabled)
      channels_.push_back({c, std::move(h)});
  };
  add(cfg.shopify.common, make_shopify(cfg.shopify, now));
  add(cfg.amazon.common, make_amazon(cfg.amazon, now));
  add(cfg.woocommerce.common, make_woocommerce(cfg.woocommerce, now));
  add(cfg.ebay.common, make_ebay(cfg.ebay, now));
  add(cfg.flipkart.common, make_flipkart(cfg.flipkart, now));
  std::array<channel_state*, shop_channel_count> states{};
  for (auto& e : channels_)
    states[index_of(*channel_from_name(e.handler->name()))] =
        &e.handler->state();
  shop_ = std::make_unique<storefront>(cfg.storefront, states, now);
}

service::~service() = default;

void service::settle(const clock_reading& now) {
  for (auto& e : channels_)
    e.handler->settle(now);
}

void service::run_storefront(const clock_reading& now) {
  if (!shop_->running())
    return;
  settle(now);
  shop_->run_due(now);
}

const char* service::name(std::size_t channel) const {
  return channels_.at(channel).handler->name();
}

const channel_common& service::common(std::size_t channel) const {
  return channels_.at(channel).common;
}

http_outcome service::handle(std::size_t channel, const http_request& req,
                             const clock_reading& now) {
  assert(channel < channels_.size());
  settle(now);
  if (target_path(req.target).rfind(fake_prefix, 0) == 0)
    return test_endpoint(req, now);
  auto& e = channels_[channel];
  auto& c = e.common;
  auto& s = e.handler->state();
  http_outcome out;
  out.delay_ms = c.latency_ms;
  // One draw per request keeps a seeded run reproducible whatever the
  // configured rates are.
  auto u = std::uniform_real_distribution<double>{0, 1}(rng_);
  if (u < c.error_500_rate + c.error_503_rate + c.timeout_rate) {
    s.counters().requests += 1;
    s.counters().errors += 1;
    s.counters().injected += 1;
    if (u < c.error_500_rate) {
      out.reply = json_reply(
          500, {{"errors", json::array({{{"code", "InternalFailure"},
                                         {"message", "injected by "
                                                     "fakechannel"}}})}});
    } else if (u < c.error_500_rate + c.error_503_rate) {
      out.reply = json_reply(
          503, {{"errors", json::array({{{"code", "ServiceUnavailable"},
                                         {"message", "injected by "
                                                     "fakechannel"}}})}});
    } else {
      out.drop = true;
      out.delay_ms = c.timeout_ms;
    }
    return out;
  }
  bool throttled = false;
  out.reply = e.handler->handle(req, now, &throttled);
  count(s, out.reply, throttled);
  return out;
}

void service::count(channel_state& s, const http_reply& r, bool throttled) {
  auto& n = s.counters();
  n.requests += 1;
  if (throttled || r.status == 429)
    n.throttled += 1;
  else if (r.status >= 200 && r.status < 300)
    n.accepted += 1;
  else
    n.errors += 1;
}

http_outcome service::test_endpoint(const http_request& req,
                                    const clock_reading& now) {
  auto path = target_path(req.target);
  http_outcome out;
  json body = json::object();
  if (path == "/_fake/state" && req.method == "GET") {
    for (auto& e : channels_)
      body[e.handler->name()] = e.handler->state().to_json();
  } else if (path == "/_fake/requests" && req.method == "GET") {
    for (auto& e : channels_)
      body[e.handler->name()] = e.handler->state().counters_json();
  } else if (path == "/_fake/reset" && req.method == "POST") {
    for (auto& e : channels_)
      e.handler->reset(now);
    shop_->reset(now);
    body["reset"] = true;
  } else if (path.rfind("/_fake/storefront", 0) == 0 ||
             path == "/_fake/purchases" || path == "/_fake/history") {
    out.reply = storefront_endpoint(req, path, now);
    return out;
  } else {
    out.reply = json_reply(
        404, {{"error", "no such test endpoint"},
              {"endpoints",
               {"GET /_fake/state", "GET /_fake/requests", "POST /_fake/reset",
                "POST /_fake/storefront/start", "POST /_fake/storefront/stop",
                "GET /_fake/storefront", "GET /_fake/purchases[?channel=]",
                "GET /_fake/history?sku="}}});
    return out;
  }
  out.reply = json_reply(200, body);
  return out;
}

http_reply service::storefront_endpoint(const http_request& req,
                                        const std::string& path,
                                        const clock_reading& now) {
  auto bad = [](unsigned status, const std::string& why) {
    return json_reply(status, {{"error", why}});
  };
  auto query = target_query(req.target);
  if (path == "/_fake/storefront" && req.method == "GET")
    return json_reply(200, shop_->status_json(now));
  if (path == "/_fake/storefront/start" && req.method == "POST") {
    if (!shop_->config().enabled)
      return bad(409, "the storefront is disabled: set [storefront] enabled "
                      "= true and stockwire_url in the config");
    if (shop_->running())
      return bad(409, "the storefront is already running");
    json overrides;
    if (!req.body.empty()) {
      auto parsed = parse_json(req.body);
      if (!parsed)
        return bad(400, "body: not valid JSON");
      overrides = std::move(*parsed);
    }
    // Shoppers see what the channels show now.
    settle(now);
    if (auto why = shop_->start(overrides, now); !why.empty())
      return bad(400, why);
    return json_reply(200, shop_->status_json(now));
  }
  if (path == "/_fake/storefront/stop" && req.method == "POST") {
    shop_->stop();
    return json_reply(200, shop_->status_json(now));
  }
  if (path == "/_fake/purchases" && req.method == "GET") {
    std::optional<shop_channel> only;
    if (query.count("channel")) {
      only = channel_from_name(query["channel"]);
      if (!only)
        return bad(400, "channel: must be shopify, amazon, woocommerce, "
                        "ebay or flipkart");
    }
    return json_reply(200, shop_->purchases_json(only));
  }
  if (path == "/_fake/history" && req.method == "GET") {
    if (query["sku"].empty())
      return bad(400, "sku: required, e.g. /_fake/history?sku=DEMO-1");
    return json_reply(200, shop_->history_json(query["sku"]));
  }
  return bad(404, "no such test endpoint");
}

} // namespace stockwire::fakechannel
