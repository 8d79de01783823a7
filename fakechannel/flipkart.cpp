// Fake Flipkart Marketplace Seller API v3: POST
// /listings/v3/update/inventory (also under /sellers).
#include <optional>

#include <nlohmann/json.hpp>

#include "core/rate_limit.hpp"
#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"

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
      : cfg_(cfg), state_(cfg.common.listings, cfg.common.strict_listings) {
    if (cfg.rate_per_s > 0)
      bucket_.emplace(cfg.rate_per_s, cfg.burst, now.mono_ms);
  }

  const char* name() const override { return "flipkart"; }
  channel_state& state() override { return state_; }

  void reset(const clock_reading& now) override {
    state_.reset();
    if (bucket_)
      bucket_->reset(now.mono_ms);
  }

  http_reply handle(const http_request& req, const clock_reading& now,
                    bool*) override {
    auto path = target_path(req.target);
    if ((path != "/listings/v3/update/inventory" &&
         path != "/sellers/listings/v3/update/inventory") ||
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
    state_.apply(sku, *q, now.wall_ms);
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
