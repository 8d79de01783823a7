// Fake eBay Sell Inventory API: POST
// /sell/inventory/v1/bulk_update_price_quantity; and the Post-Order API's
// POST /post-order/v2/cancellation (the shape is modelled, not confirmed
// against live docs; see docs/FAKECHANNEL.md).
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/rate_limit.hpp"
#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"
#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

const std::string bulk_path = "/sell/inventory/v1/bulk_update_price_quantity";
const std::string cancel_path = "/post-order/v2/cancellation";

// Post-Order cancellation: cancelIds are numbers from here on; the error
// ids are the fake's (eBay's are not confirmed).
constexpr std::uint64_t cancel_id_base = 5'000'000'000;
constexpr int order_not_found_id = 1002;
constexpr int invalid_cancel_request_id = 1001;

// CancelReasonEnum of the Post-Order API.
const char* const cancel_reasons[] = {
    "BUYER_ASKED_CANCEL", "OUT_OF_STOCK_OR_CANNOT_FULFILL", "ADDRESS_ISSUES"};

// eBay error ids. 1001, 2001, 2004 are eBay's generic ids; the per-entry
// ids are best guesses (see docs/FAKECHANNEL.md).
constexpr int invalid_token_id = 1001;
constexpr int too_many_requests_id = 2001;
constexpr int invalid_request_id = 2004;
constexpr int sku_not_found_id = 25702;
constexpr int invalid_quantity_id = 25709;
constexpr int revision_cap_id = 25099;

json ebay_error(int id, const std::string& domain, const std::string& message,
                const std::string& long_message) {
  return {{"errorId", id},
          {"domain", domain},
          {"category", "REQUEST"},
          {"message", message},
          {"longMessage", long_message},
          {"parameters", json::array()}};
}

http_reply error(unsigned status, int id, const std::string& domain,
                 const std::string& message, const std::string& long_message) {
  return json_reply(
      status, {{"errors",
                json::array({ebay_error(id, domain, message, long_message)})}});
}

http_reply invalid_request(const std::string& why) {
  return error(400, invalid_request_id, "API_INVENTORY", "Invalid request",
               "The request has errors. " + why);
}

bool is_quantity(const json& j) {
  return j.is_number_integer() && j.get<std::int64_t>() >= 0;
}

class ebay final : public channel_handler {
public:
  ebay(const ebay_config& cfg, const clock_reading& now)
      : cfg_(cfg),
        state_(cfg.common.listings, cfg.common.strict_listings, now.mono_ms),
        calls_(cfg.daily_call_quota) {}

  const char* name() const override { return "ebay"; }
  channel_state& state() override { return state_; }

  void reset(const clock_reading& now) override {
    state_.reset(now.mono_ms);
    calls_.reset();
    revisions_.clear();
  }

  http_reply handle(const http_request& req, const clock_reading& now,
                    bool*) override {
    auto path = target_path(req.target);
    if ((path != bulk_path && path != cancel_path) || req.method != "POST")
      return error(404, 2002, "ACCESS", "Resource not found",
                   "The requested resource does not exist.");
    auto token = bearer_token(req.header("authorization"));
    if (!token || !same_secret(*token, cfg_.access_token))
      return error(401, invalid_token_id, "OAuth", "Invalid access token",
                   "Invalid access token. Check the value of the "
                   "Authorization HTTP request header.");
    auto day = now.wall_ms / day_ms;
    if (!calls_.try_take(day))
      return error(429, too_many_requests_id, "ACCESS",
                   "Too many requests. The request limit has been reached "
                   "for the resource.",
                   "The daily call quota of " + std::to_string(calls_.limit()) +
                       " calls has been reached.");
    if (path == cancel_path)
      return cancel(req);
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || !body->contains("requests") ||
        !(*body)["requests"].is_array() || (*body)["requests"].empty())
      return invalid_request("'requests' must be a non-empty array.");
    const auto& entries = (*body)["requests"];
    if (entries.size() > static_cast<std::size_t>(cfg_.requests_per_call_max))
      return invalid_request("At most " +
                             std::to_string(cfg_.requests_per_call_max) +
                             " entries are allowed in 'requests'.");
    json responses = json::array();
    for (const auto& e : entries)
      responses.push_back(entry(e, day, now));
    return json_reply(200, {{"responses", responses}});
  }

private:
  // Post-Order API errors: {"error": [{errorId, domain, severity,
  // category, message}]} (singular "error", as the Post-Order API names it).
  static http_reply post_order_error(unsigned status, int id,
                                     const std::string& message) {
    return json_reply(status,
                      {{"error", json::array({{{"errorId", id},
                                               {"domain", "returnErrorDomain"},
                                               {"severity", "ERROR"},
                                               {"category", "REQUEST"},
                                               {"message", message}}})}});
  }

  // A seller's cancellation of an order (legacyOrderId): 201 with its
  // cancelId; a repeat answers the same cancelId and counts once.
  http_reply cancel(const http_request& req) {
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || !body->contains("legacyOrderId") ||
        !(*body)["legacyOrderId"].is_string() ||
        !body->contains("cancelReason") || !(*body)["cancelReason"].is_string())
      return post_order_error(400, invalid_cancel_request_id,
                              "Invalid request: needs legacyOrderId and "
                              "cancelReason (strings)");
    auto reason = (*body)["cancelReason"].get<std::string>();
    bool known_reason = false;
    for (const char* r : cancel_reasons)
      known_reason = known_reason || reason == r;
    if (!known_reason)
      return post_order_error(400, invalid_cancel_request_id,
                              "Invalid cancelReason '" + reason +
                                  "': BUYER_ASKED_CANCEL, "
                                  "OUT_OF_STOCK_OR_CANNOT_FULFILL or "
                                  "ADDRESS_ISSUES");
    const order* o = nullptr;
    auto id = (*body)["legacyOrderId"].get<std::string>();
    if (state_.orders().cancel(id, &o) == cancel_result::unknown)
      return post_order_error(404, order_not_found_id, "Order not found");
    return json_reply(
        201, {{"cancelId", std::to_string(cancel_id_base + o->cancel_seq)}});
  }

  // The quantity an entry sets (what the listing shows: the smaller of the
  // ship-to-home quantity and the offers' allocations), or nullopt.
  static std::optional<std::int64_t> entry_quantity(const json& e) {
    std::optional<std::int64_t> q;
    if (e.contains("shipToLocationAvailability")) {
      const auto& s = e["shipToLocationAvailability"];
      if (!s.is_object() || !is_quantity(s.value("quantity", json(-1))))
        return std::nullopt;
      q = s["quantity"].get<std::int64_t>();
    }
    if (e.contains("offers")) {
      if (!e["offers"].is_array())
        return std::nullopt;
      for (const auto& o : e["offers"]) {
        if (!o.is_object() || !o.contains("offerId") ||
            !o["offerId"].is_string())
          return std::nullopt;
        if (!o.contains("availableQuantity"))
          continue; // price-only offer update
        if (!is_quantity(o["availableQuantity"]))
          return std::nullopt;
        auto a = o["availableQuantity"].get<std::int64_t>();
        q = q ? std::min(*q, a) : a;
      }
    }
    return q;
  }

  json entry(const json& e, std::int64_t day, const clock_reading& now) {
    json r = {{"statusCode", 200}};
    if (e.is_object() && e.contains("sku") && e["sku"].is_string())
      r["sku"] = e["sku"];
    if (e.is_object() && e.contains("offers") && e["offers"].is_array() &&
        !e["offers"].empty() && e["offers"][0].is_object() &&
        e["offers"][0].contains("offerId"))
      r["offerId"] = e["offers"][0]["offerId"];
    auto fail = [&](int id, const std::string& msg) {
      r["statusCode"] = 400;
      r["errors"] = json::array({ebay_error(id, "API_INVENTORY", msg, msg)});
      return r;
    };
    if (!r.contains("sku"))
      return fail(invalid_request_id, "Each entry needs a 'sku'.");
    auto sku = r["sku"].get<std::string>();
    auto q = entry_quantity(e);
    if (!q)
      return fail(invalid_quantity_id,
                  "Invalid value for quantity: needs "
                  "shipToLocationAvailability.quantity or "
                  "offers[].availableQuantity, integers >= 0.");
    if (!state_.accepts(sku))
      return fail(sku_not_found_id,
                  "SKU " + sku + " is not available in the system.");
    auto& cap = revisions_.try_emplace(sku, cfg_.revisions_per_listing_per_day)
                    .first->second;
    if (!cap.try_take(day))
      return fail(revision_cap_id,
                  "This listing has been revised " +
                      std::to_string(cap.limit()) +
                      " times today, the most allowed per calendar day.");
    state_.apply(sku, *q, now);
    return r;
  }

  ebay_config cfg_;
  channel_state state_;
  daily_quota calls_;
  std::map<std::string, daily_quota> revisions_;
};

} // namespace

std::unique_ptr<channel_handler> make_ebay(const ebay_config& cfg,
                                           const clock_reading& now) {
  return std::make_unique<ebay>(cfg, now);
}

} // namespace stockwire::fakechannel
