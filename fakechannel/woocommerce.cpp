// Fake WooCommerce REST API v3: POST /wp-json/wc/v3/products/batch and
// /wp-json/wc/v3/orders/{id} (GET; PUT/PATCH/POST {"status":"cancelled"}).
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/rate_limit.hpp"
#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"
#include "fakechannel/order_json.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

const std::string batch_path = "/wp-json/wc/v3/products/batch";
const std::string orders_prefix = "/wp-json/wc/v3/orders/";

// An order id in a path: digits, as WordPress's route pattern [\d]+ (at
// most 18, so it fits an int64).
constexpr std::size_t order_id_digits_max = 18;

// WooCommerce's order statuses (the REST schema's enum).
const std::set<std::string> order_statuses = {
    "pending",   "processing", "on-hold", "completed",
    "cancelled", "refunded",   "failed",  "checkout-draft"};

// WP_Error as the REST API serializes it.
json wp_error(const std::string& code, const std::string& message,
              unsigned status) {
  return {{"code", code}, {"message", message}, {"data", {{"status", status}}}};
}

http_reply error(unsigned status, const std::string& code,
                 const std::string& message) {
  return json_reply(status, wp_error(code, message, status));
}

std::optional<std::int64_t> product_id(const json& item) {
  if (!item.is_object() || !item.contains("id"))
    return std::nullopt;
  const auto& id = item["id"];
  if (id.is_number_integer() && id.get<std::int64_t>() > 0)
    return id.get<std::int64_t>();
  if (id.is_string()) {
    auto s = id.get<std::string>();
    if (!s.empty() && s.size() < 19 &&
        s.find_first_not_of("0123456789") == std::string::npos &&
        std::stoll(s) > 0)
      return std::stoll(s);
  }
  return std::nullopt;
}

class woocommerce final : public channel_handler {
public:
  woocommerce(const woocommerce_config& cfg, const clock_reading& now)
      : cfg_(cfg),
        state_(cfg.common.listings, cfg.common.strict_listings, now.mono_ms) {
    if (cfg.rate_per_s > 0)
      bucket_.emplace(cfg.rate_per_s, cfg.burst, now.mono_ms);
  }

  const char* name() const override { return "woocommerce"; }
  channel_state& state() override { return state_; }

  void reset(const clock_reading& now) override {
    state_.reset(now.mono_ms);
    if (bucket_)
      bucket_->reset(now.mono_ms);
  }

  http_reply handle(const http_request& req, const clock_reading& now,
                    bool*) override {
    auto path = target_path(req.target);
    auto order_id = order_route(path, req.method);
    if ((path != batch_path || req.method != "POST") && !order_id)
      return error(404, "rest_no_route",
                   "No route was found matching the URL and request method.");
    if (auto denied = authenticate(req, !order_id ? "batch manipulate"
                                        : req.method == "GET" ? "view"
                                                              : "edit"))
      return *denied;
    if (bucket_ && !bucket_->try_take(now.mono_ms)) {
      auto r = error(429, "fakechannel_rate_limited",
                     "Too many requests. Please wait and try again.");
      r.headers.emplace_back(
          "Retry-After",
          std::to_string((bucket_->wait_ms(now.mono_ms) + 999) / 1000));
      return r;
    }
    if (order_id)
      return order_request(req, *order_id, now);
    auto body = parse_json(req.body);
    if (!body) {
      auto out =
          wp_error("rest_invalid_json", "Invalid JSON body passed.", 400);
      out["data"]["json_error_code"] = 4;
      out["data"]["json_error_message"] = "Syntax error";
      return json_reply(400, out);
    }
    std::size_t total = 0;
    for (const char* part : {"create", "update", "delete"}) {
      if (!body->is_object())
        break;
      if (body->contains(part) && !(*body)[part].is_array()) {
        json out = wp_error("rest_invalid_param",
                            std::string{"Invalid parameter(s): "} + part, 400);
        out["data"]["params"] = {
            {part, std::string{part} + " is not of type array."}};
        return json_reply(400, out);
      }
      total += body->contains(part) ? (*body)[part].size() : 0;
    }
    if (!body->is_object())
      return error(400, "rest_invalid_param", "Invalid parameter(s): body");
    if (total > static_cast<std::size_t>(cfg_.batch_items_max))
      return error(413, "woocommerce_rest_request_entity_too_large",
                   "Unable to accept more than " +
                       std::to_string(cfg_.batch_items_max) +
                       " items for this request.");
    json out = json::object();
    for (const char* part : {"create", "delete"})
      if (body->contains(part))
        for (const auto& item : (*body)[part]) {
          auto id = product_id(item);
          out[part].push_back(
              {{"id", id ? *id : 0},
               {"error",
                wp_error("fakechannel_unsupported",
                         "The fake serves stock updates only.", 400)}});
        }
    if (body->contains("update")) {
      out["update"] = json::array();
      for (const auto& item : (*body)["update"])
        out["update"].push_back(update(item, now));
    }
    return json_reply(200, out);
  }

private:
  // The order id of /orders/{id} with a method the route serves, or
  // nullopt.
  static std::optional<std::string> order_route(const std::string& path,
                                                const std::string& method) {
    if (path.rfind(orders_prefix, 0) != 0)
      return std::nullopt;
    auto id = path.substr(orders_prefix.size());
    if (id.empty() || id.size() > order_id_digits_max ||
        id.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    if (method != "GET" && method != "PUT" && method != "PATCH" &&
        method != "POST")
      return std::nullopt;
    return std::to_string(std::stoll(id)); // "007" is order 7
  }

  // GET an order, or change its status; only "cancelled" is modelled.
  http_reply order_request(const http_request& req, const std::string& id,
                           const clock_reading& now) {
    if (state_.orders().find(id) == nullptr)
      return error(404, "woocommerce_rest_shop_order_invalid_id",
                   "Invalid ID.");
    if (req.method != "GET") {
      auto body = parse_json(req.body);
      if (!body || !body->is_object())
        return error(400, "rest_invalid_json", "Invalid JSON body passed.");
      if (body->contains("status")) {
        const auto& st = (*body)["status"];
        if (!st.is_string() ||
            order_statuses.count(st.get<std::string>()) == 0) {
          json out = wp_error("rest_invalid_param",
                              "Invalid parameter(s): status", 400);
          out["data"]["params"] = {
              {"status", "status is not one of pending, processing, on-hold, "
                         "completed, cancelled, refunded, failed, and "
                         "checkout-draft."}};
          return json_reply(400, out);
        }
        if (st != "cancelled")
          return error(400, "fakechannel_unsupported",
                       "The fake changes an order's status to cancelled "
                       "only.");
        state_.orders().cancel(id);
      }
    }
    const auto* o = state_.orders().find(id);
    return json_reply(
        200, woocommerce_order_json(
                 *o, o->cancelled ? "cancelled" : "processing", now.wall_ms));
  }

  // The 401 of a request that is not authenticated, or nullopt. `action`
  // names what was refused ("batch manipulate", "view", "edit").
  std::optional<http_reply> authenticate(const http_request& req,
                                         const std::string& action) {
    std::string key, secret;
    if (auto basic = basic_credentials(req.header("authorization"))) {
      key = basic->first;
      secret = basic->second;
    } else {
      auto q = target_query(req.target);
      key = q["consumer_key"];
      secret = q["consumer_secret"];
    }
    if (key.empty()) {
      auto code = action == "batch manipulate" ? "woocommerce_rest_cannot_batch"
                  : action == "view"           ? "woocommerce_rest_cannot_view"
                                               : "woocommerce_rest_cannot_edit";
      return error(401, code,
                   "Sorry, you are not allowed to " + action +
                       " this resource.");
    }
    if (!same_secret(key, cfg_.consumer_key))
      return error(401, "woocommerce_rest_authentication_error",
                   "Consumer key is invalid.");
    if (!same_secret(secret, cfg_.consumer_secret))
      return error(401, "woocommerce_rest_authentication_error",
                   "Consumer secret is invalid.");
    return std::nullopt;
  }

  json update(const json& item, const clock_reading& now) {
    auto id = product_id(item);
    if (!id || !state_.accepts(std::to_string(*id)))
      return {{"id", id ? *id : 0},
              {"error", wp_error("woocommerce_rest_product_invalid_id",
                                 "Invalid ID.", 400)}};
    auto key = std::to_string(*id);
    if (item.contains("stock_quantity")) {
      const auto& q = item["stock_quantity"];
      if (!q.is_number_integer())
        return {
            {"id", *id},
            {"error", wp_error("rest_invalid_param",
                               "Invalid parameter(s): stock_quantity", 400)}};
      state_.apply(key, q.get<std::int64_t>(), now);
    }
    auto* l = state_.find(key);
    std::int64_t shown = l ? l->quantity : 0;
    return {{"id", *id},
            {"manage_stock", true},
            {"stock_quantity", shown},
            {"stock_status", shown > 0 ? "instock" : "outofstock"},
            {"date_modified_gmt", iso8601(now.wall_ms)}};
  }

  woocommerce_config cfg_;
  channel_state state_;
  std::optional<token_bucket> bucket_;
};

} // namespace

std::unique_ptr<channel_handler> make_woocommerce(const woocommerce_config& cfg,
                                                  const clock_reading& now) {
  return std::make_unique<woocommerce>(cfg, now);
}

} // namespace stockwire::fakechannel
