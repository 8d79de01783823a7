// Shopify Admin API, one SKU per job.
//
// GraphQL (shopify_api "graphql"): POST {base}/admin/api/{v}/graphql.json,
// inventorySetQuantities of "available" with reason "correction" and
// referenceDocumentUri gid://stockwire/Sku/<url-encoded sku>/<version>.
//   Compare-and-set: from 2026-01 every quantity carries changeFromQuantity
//   (what we showed before, or null when unknown); older versions send
//   compareQuantity when known, else ignoreCompareQuantity: true. Stockwire
//   is the source of truth, so a *_STALE answer gets one follow-up without
//   CAS, and that answer decides.
//   Idempotency: @idempotent(key:) = "sw-" + the first 128 bits of
//   SHA-256(account id, '\n', push_id, '\n', the serialized input). A
//   resend within one push reuses the key and gets Shopify's stored answer;
//   another push (even of the same input: a forced correction must apply)
//   or another input (the follow-up) gets a new key.
//   Answers: THROTTLED (in a 200 or a 429) -> retry, throttled, retry_after
//   = (requestedQueryCost - currentlyAvailable) / restoreRate; budget from
//   extensions.cost.throttleStatus on every answer. userErrors -> parked
//   (they name what is wrong with our input: INVALID_INVENTORY_ITEM,
//   INVALID_LOCATION, ITEM_NOT_STOCKED_AT_LOCATION, INVALID_QUANTITY_*,
//   ...), except IDEMPOTENCY_CONCURRENT_REQUEST and a stale follow-up ->
//   retry. Top-level errors -> parked when they are about the request
//   (variable problems, validation, access scopes, missing idempotency
//   key: the same document fails again), retry otherwise (internal errors).
//
// REST (shopify_api "rest"): POST {base}/admin/api/{v}/inventory_levels/
// set.json {location_id, inventory_item_id, available}; ids must be
// numeric (or gids ending in digits), else parked without a request.
// Budget from X-Shopify-Shop-Api-Call-Limit "n/size" (restore rate: the
// Standard plan's 2/s). 429 -> throttled with Retry-After; other answers
// by the common status policy (404, 400, 422 -> parked).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

// Shopify REST leak rate on the Standard plan (Plus: 20/s); the call-limit
// header gives the bucket, not the rate.
constexpr double shopify_rest_restore_per_s = 2;

// Characters of SHA-256 hex kept in an idempotency key: 128 bits.
constexpr std::size_t idempotency_key_hex_chars = 32;

const std::set<std::string> top_errors_about_request = {
    "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED",
    "ACCESS_DENIED", "IDEMPOTENCY_KEY_REQUIRED"};

std::string location_of(const channel_account& a, const push_item& item) {
  return item.ids.location_id.empty() ? a.shopify_location_id
                                      : item.ids.location_id;
}

http_request with_token(const channel_account& a, http_request req) {
  req.headers.emplace_back("X-Shopify-Access-Token", a.access_token);
  return req;
}

// The `errors` of a REST answer (a string, or an object of field ->
// message) as one line.
std::string rest_errors(const http_response& resp) {
  auto body = parse_json(resp.body);
  const json* errors = body ? member(*body, "errors") : nullptr;
  if (errors == nullptr)
    return resp.body.substr(0, 200);
  if (!errors->is_object())
    return text_of(*errors);
  std::string out;
  for (auto& [field, why] : errors->items())
    out += (out.empty() ? "" : "; ") + field + " " + text_of(why);
  return out;
}

class graphql_job final : public job_base {
public:
  graphql_job(const channel_account& a, push_item item)
      : job_base(channel_kind::shopify, 1), account_(a),
        item_(std::move(item)) {
    send(request(input(true)));
  }

private:
  // The API version has changeFromQuantity ("unstable" sorts last: newest).
  bool change_from() const { return account_.api_version >= "2026-01"; }

  static std::string gid(const char* type, const std::string& id) {
    if (id.rfind("gid://", 0) == 0)
      return id;
    return std::string{"gid://shopify/"} + type + "/" + id;
  }

  json input(bool compare) const {
    json q = {{"inventoryItemId", gid("InventoryItem", item_.ids.item_id)},
              {"locationId", gid("Location", location_of(account_, item_))},
              {"quantity", item_.quantity}};
    json in = {{"name", "available"},
               {"reason", "correction"},
               {"referenceDocumentUri", "gid://stockwire/Sku/" +
                                            url_encode(item_.sku) + "/" +
                                            std::to_string(item_.version)}};
    bool cas = compare && item_.shown_before.has_value();
    if (change_from())
      q["changeFromQuantity"] = cas ? json(*item_.shown_before) : json(nullptr);
    else if (cas)
      q["compareQuantity"] = *item_.shown_before;
    else
      in["ignoreCompareQuantity"] = true;
    in["quantities"] = json::array({q});
    return in;
  }

  http_request request(const json& in) const {
    auto key = "sw-" + sha256_hex(account_.id + '\n' +
                                  std::to_string(item_.push_id) + '\n' +
                                  to_body(in))
                           .substr(0, idempotency_key_hex_chars);
    json body = {
        {"query", "mutation ($input: InventorySetQuantitiesInput!) { "
                  "inventorySetQuantities(input: $input) @idempotent(key: \"" +
                      key +
                      "\") { inventoryAdjustmentGroup { id } userErrors { "
                      "code field message } } }"},
        {"variables", {{"input", in}}}};
    return with_token(
        account_,
        api_request(account_, "POST",
                    "/admin/api/" + account_.api_version + "/graphql.json",
                    body));
  }

  void read(const http_response& resp) override {
    auto body = parse_json(resp.body);
    const json* cost = nullptr;
    if (body)
      if (auto* ext = member(*body, "extensions"))
        cost = member(*ext, "cost");
    read_budget(cost);
    const json* errors = body ? member(*body, "errors") : nullptr;
    if (resp.status == 429 || (errors && is_throttled(*errors)))
      return throttle(resp, cost);
    if (!is_2xx(resp.status))
      return refuse(resp,
                    error_text(std::to_string(resp.status), rest_errors(resp)));
    if (!body)
      return decide_rest(item_verdict::retry, unreadable(resp, "not JSON"));
    if (errors && errors->is_array() && !errors->empty())
      return top_error(errors->at(0));
    const auto& payload = body->at("data").at("inventorySetQuantities");
    const auto& user_errors = payload.at("userErrors");
    if (user_errors.empty())
      return decide(0, item_verdict::acked);
    const auto& e = user_errors.at(0);
    auto code = e.value("code", json(nullptr));
    auto code_text = code.is_string() ? code.get<std::string>() : "USER_ERROR";
    auto text = error_text(code_text, text_of(e.value("message", json(""))));
    bool stale = code_text == "CHANGE_FROM_QUANTITY_STALE" ||
                 code_text == "COMPARE_QUANTITY_STALE";
    if (stale && !followed_up_) {
      followed_up_ = true;
      return send(request(input(false)));
    }
    bool transient = stale || code_text == "IDEMPOTENCY_CONCURRENT_REQUEST";
    decide(0, transient ? item_verdict::retry : item_verdict::parked, text);
  }

  static bool is_throttled(const json& errors) {
    if (!errors.is_array())
      return false;
    for (const auto& e : errors)
      if (auto* ext = member(e, "extensions"))
        if (auto* code = member(*ext, "code"); code && *code == "THROTTLED")
          return true;
    return false;
  }

  void read_budget(const json* cost) {
    auto* s = cost ? member(*cost, "throttleStatus") : nullptr;
    auto* max = s ? member(*s, "maximumAvailable") : nullptr;
    auto* now = s ? member(*s, "currentlyAvailable") : nullptr;
    auto* rate = s ? member(*s, "restoreRate") : nullptr;
    if (max && now && rate && max->is_number() && now->is_number() &&
        rate->is_number())
      budget_ = budget_report{now->get<double>(), max->get<double>(),
                              rate->get<double>()};
  }

  void throttle(const http_response& resp, const json* cost) {
    note_throttle(resp); // Retry-After, when the 429 or 200 carries one
    throttled_ = true;
    auto* requested = cost ? member(*cost, "requestedQueryCost") : nullptr;
    if (budget_ && budget_->restore_per_s > 0 && requested &&
        requested->is_number()) {
      auto missing = requested->get<double>() - budget_->available;
      retry_after_ = std::chrono::milliseconds{static_cast<std::int64_t>(
          std::ceil(std::max(missing, 0.0) / budget_->restore_per_s * 1000))};
    } else if (!retry_after_) {
      retry_after_ = retry_after_header(resp);
    }
    decide_rest(item_verdict::retry, error_text("THROTTLED", "Throttled"));
  }

  void top_error(const json& e) {
    auto message = text_of(e.value("message", json("")));
    std::string code = "GRAPHQL_ERROR";
    bool about_request = message.rfind("Variable $", 0) == 0;
    if (auto* ext = member(e, "extensions")) {
      if (auto* c = member(*ext, "code"); c && c->is_string())
        code = c->get<std::string>();
      about_request = about_request || member(*ext, "problems") != nullptr;
    }
    about_request = about_request || top_errors_about_request.count(code) > 0;
    decide(0, about_request ? item_verdict::parked : item_verdict::retry,
           error_text(code, message));
  }

  const channel_account account_;
  const push_item item_;
  bool followed_up_ = false;
};

class rest_job final : public job_base {
public:
  rest_job(const channel_account& a, const push_item& item)
      : job_base(channel_kind::shopify, 1) {
    auto location = location_of(a, item);
    auto item_id = numeric_id(item.ids.item_id);
    auto location_id = numeric_id(location);
    if (!item_id || !location_id) {
      decide(0, item_verdict::parked,
             error_text("invalid_id", "inventory item \"" + item.ids.item_id +
                                          "\" and location \"" + location +
                                          "\" must be numeric ids"));
      return;
    }
    json body = {{"location_id", *location_id},
                 {"inventory_item_id", *item_id},
                 {"available", item.quantity}};
    send(with_token(a, api_request(a, "POST",
                                   "/admin/api/" + a.api_version +
                                       "/inventory_levels/set.json",
                                   body)));
  }

private:
  void read(const http_response& resp) override {
    read_call_limit(resp.header("X-Shopify-Shop-Api-Call-Limit"));
    if (!is_2xx(resp.status))
      return refuse(resp,
                    error_text(std::to_string(resp.status), rest_errors(resp)));
    auto body = parse_json(resp.body);
    if (!body || member(*body, "inventory_level") == nullptr)
      return decide(0, item_verdict::retry,
                    unreadable(resp, "no inventory_level"));
    decide(0, item_verdict::acked);
  }

  // "n/size": n calls in the leaky bucket of `size`.
  void read_call_limit(const std::string& v) {
    auto slash = v.find('/');
    if (slash == std::string::npos)
      return;
    char* end = nullptr;
    auto used = std::strtod(v.c_str(), &end);
    auto size = std::strtod(v.c_str() + slash + 1, nullptr);
    if (end != v.c_str() + slash || !(size > 0))
      return;
    budget_ = budget_report{std::max(size - used, 0.0), size,
                            shopify_rest_restore_per_s};
  }
};

} // namespace

std::unique_ptr<push_job> make_shopify_job(const channel_account& account,
                                           push_item item) {
  if (account.shopify_api == "rest")
    return std::make_unique<rest_job>(account, item);
  return std::make_unique<graphql_job>(account, std::move(item));
}

} // namespace stockwire::wire_detail
