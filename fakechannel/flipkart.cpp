// Fake Flipkart Marketplace Seller API v3: POST
// /listings/v3/update/inventory and POST /v2/orders/cancel (both also
// under /sellers). The cancel shape is modelled, not confirmed against
// live docs (see docs/FAKECHANNEL.md).
#include <optional>

#include <nlohmann/json.hpp>

#include "core/rate_limit.hpp"
#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"
#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

// Flipkart's per-SKU error codes are undocumented; these are the fake's.
constexpr int invalid_payload_code = 400;
constexpr int unknown_sku_code = 404;

json flipkart_error(int code, const std::string& description,
                    const std::string& path) {
  return {{"severity", "ERROR"},
          {"code", code},
          {"description", description},
          {"path", path}};
}

http_reply bad_request(const std::string& description) {
  return json_reply(
      400,
      {{"errors",
        json::array({flipkart_error(invalid_payload_code, description, "")})}});
}

class flipkart final : public channel_handler {
public:
  flipkart(const flipkart_config& cfg, const clock_reading& now)
      : cfg_(cfg),
        state_(cfg.common.listings, cfg.common.strict_listings, now.mono_ms) {
    if (cfg.rate_per_s > 0)
      bucket_.emplace(cfg.rate_per_s, cfg.burst, now.mono_ms);
  }

  const char* name() const override { return "flipkart"; }
  channel_state& state() override { return state_; }

  void reset(const clock_reading& now) override {
    state_.reset(now.mono_ms);
    if (bucket_)
      bucket_->reset(now.mono_ms);
  }

  http_reply handle(const http_request& req, const clock_reading& now,
                    bool*) override {
    auto path = target_path(req.target);
    bool cancel =
        path == "/v2/orders/cancel" || path == "/sellers/v2/orders/cancel";
    if ((path != "/listings/v3/update/inventory" &&
         path != "/sellers/listings/v3/update/inventory" && !cancel) ||
        req.method != "POST")
      return json_reply(
          404,
          {{"errors",
            json::array({flipkart_error(404, "Resource not found", path)})}});
    auto token = bearer_token(req.header("authorization"));
    if (!token || !same_secret(*token, cfg_.access_token))
      return json_reply(
          401, {{"error", "invalid_token"},
                {"error_description",
                 "Invalid access token: " + (token ? *token : std::string{})}});
    if (bucket_ && !bucket_->try_take(now.mono_ms))
      return json_reply(
          429, {{"errors",
                 json::array({flipkart_error(429, "Too many requests", "")})}});
    if (cancel)
      return cancel_items(req);
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || body->empty())
      return bad_request("Request body must be a non-empty JSON object keyed "
                         "by seller SKU");
    if (cfg_.skus_per_call_max > 0 &&
        body->size() > static_cast<std::size_t>(cfg_.skus_per_call_max))
      return bad_request("At most " + std::to_string(cfg_.skus_per_call_max) +
                         " SKUs per request");
    json out = json::object();
    for (auto& [sku, item] : body->items())
      out[sku] = update(sku, item, now);
    return json_reply(200, out);
  }

private:
  // {"orderItems": [{orderItemId, reason, quantity}]}: each item is
  // cancelled whole (a smaller quantity is not modelled); per item
  // SUCCESS (also for a repeat, counted once) or FAILURE with errorMessage.
  http_reply cancel_items(const http_request& req) {
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || !body->contains("orderItems") ||
        !(*body)["orderItems"].is_array() || (*body)["orderItems"].empty())
      return bad_request("Request body must be {\"orderItems\": [{orderItemId, "
                         "reason, quantity}, ...]} with at least one item");
    const auto& items = (*body)["orderItems"];
    if (items.size() > flipkart_cancel_items_max)
      return bad_request("At most " +
                         std::to_string(flipkart_cancel_items_max) +
                         " order items per request");
    json out = json::array();
    for (const auto& item : items) {
      json r = {{"orderItemId", item.is_object()
                                    ? item.value("orderItemId", json(nullptr))
                                    : json(nullptr)}};
      auto fail = [&](const std::string& why) {
        r["status"] = "FAILURE";
        r["errorMessage"] = why;
        out.push_back(r);
      };
      if (!item.is_object() || !r["orderItemId"].is_string()) {
        fail("orderItemId must be a string");
        continue;
      }
      if (item.contains("quantity") &&
          (!item["quantity"].is_number_integer() ||
           item["quantity"].get<std::int64_t>() < 1)) {
        fail("quantity must be a positive integer");
        continue;
      }
      if (item.contains("reason") && !item["reason"].is_string()) {
        fail("reason must be a string");
        continue;
      }
      auto id = r["orderItemId"].get<std::string>();
      if (state_.orders().cancel(id) == cancel_result::unknown) {
        fail("Order item " + id + " not found");
        continue;
      }
      r["status"] = "SUCCESS";
      out.push_back(r);
    }
    return json_reply(200, {{"orderItems", out}});
  }

  // Total inventory over the locations of a valid entry, or nullopt.
  static std::optional<std::int64_t> inventory(const json& item) {
    if (!item.is_object() || !item.contains("product_id") ||
        !item["product_id"].is_string() || !item.contains("locations") ||
        !item["locations"].is_array() || item["locations"].empty())
      return std::nullopt;
    std::int64_t total = 0;
    for (const auto& loc : item["locations"]) {
      if (!loc.is_object() || !loc.contains("id") || !loc["id"].is_string() ||
          !loc.contains("inventory") || !loc["inventory"].is_number_integer() ||
          loc["inventory"].get<std::int64_t>() < 0)
        return std::nullopt;
      total += loc["inventory"].get<std::int64_t>();
    }
    return total;
  }

  json update(const std::string& sku, const json& item,
              const clock_reading& now) {
    auto failure = [](int code, const std::string& why, const std::string& at) {
      return json{{"status", "FAILURE"},
                  {"errors", json::array({flipkart_error(code, why, at)})},
                  {"attributeErrors", json::array()}};
    };
    auto q = inventory(item);
    if (!q)
      return failure(invalid_payload_code,
                     "needs product_id and locations [{id, inventory >= 0}]",
                     "locations");
    if (!state_.accepts(sku))
      return failure(unknown_sku_code, "Listing not found for SKU " + sku,
                     "sku");
    state_.apply(sku, *q, now);
    return {{"status", "SUCCESS"},
            {"errors", json::array()},
            {"attributeErrors", json::array()}};
  }

  flipkart_config cfg_;
  channel_state state_;
  std::optional<token_bucket> bucket_;
};

} // namespace

std::unique_ptr<channel_handler> make_flipkart(const flipkart_config& cfg,
                                               const clock_reading& now) {
  return std::make_unique<flipkart>(cfg, now);
}

} // namespace stockwire::fakechannel
