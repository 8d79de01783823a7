// Fake Shopify Admin API. See channels.hpp for the contract and
// docs/FAKECHANNEL.md for what is enforced and what is simplified.
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/rate_limit.hpp"
#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"
#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

const char* const invalid_token_message =
    "[API] Invalid API key or access token (unrecognized login or wrong "
    "password)";

// Shopify's reason list for inventory changes.
const std::set<std::string> valid_reasons = {"correction",
                                             "cycle_count_available",
                                             "damaged",
                                             "movement_canceled",
                                             "movement_created",
                                             "movement_received",
                                             "movement_updated",
                                             "other",
                                             "promotion",
                                             "quality_control",
                                             "received",
                                             "reservation_created",
                                             "reservation_deleted",
                                             "reservation_updated",
                                             "restock",
                                             "safety_stock",
                                             "shrinkage"};

json user_error(const std::string& code, json field,
                const std::string& message) {
  return {{"code", code}, {"field", std::move(field)}, {"message", message}};
}

// A GraphQL-level error for a variable that does not match its type.
json variable_error(const std::string& path, const std::string& why) {
  return {
      {"errors",
       json::array(
           {{{"message", "Variable $input of type "
                         "InventorySetQuantitiesInput! was provided invalid "
                         "value for " +
                             path + " (" + why + ")"},
             {"extensions",
              {{"problems",
                json::array({{{"path", path}, {"explanation", why}}})}}}}})}};
}

// A GraphQL-level error for a variable of another mutation (orderCancel).
json argument_error(const std::string& variable, const std::string& type,
                    const std::string& why) {
  return {{"errors",
           json::array(
               {{{"message", "Variable $" + variable + " of type " + type +
                                 " was provided invalid value (" + why + ")"},
                 {"extensions",
                  {{"problems", json::array({{{"path", json::array({variable})},
                                              {"explanation", why}}})}}}}})}};
}

// OrderCancelReason.
const std::set<std::string> cancel_reasons = {"CUSTOMER",  "DECLINED", "FRAUD",
                                              "INVENTORY", "OTHER",    "STAFF"};

const std::string order_gid_prefix = "gid://shopify/Order/";

json top_error(const std::string& message, const std::string& code) {
  return {{"errors", json::array({{{"message", message},
                                   {"extensions", {{"code", code}}}}})}};
}

// The API version of a path "/admin/api/{version}/...", or empty.
std::string api_version(const std::string& path, const std::string& suffix) {
  static const std::string prefix = "/admin/api/";
  if (path.rfind(prefix, 0) != 0 ||
      path.size() <= prefix.size() + suffix.size())
    return {};
  auto end = path.size() - suffix.size();
  if (path.compare(end, suffix.size(), suffix) != 0)
    return {};
  auto v = path.substr(prefix.size(), end - prefix.size());
  return std::regex_match(v, std::regex{R"(\d{4}-\d{2}|unstable)"}) ? v : "";
}

bool is_int(const json& j) {
  return j.is_number_integer();
}

class shopify final : public channel_handler {
public:
  shopify(const shopify_config& cfg, const clock_reading& now)
      : cfg_(cfg),
        state_(cfg.common.listings, cfg.common.strict_listings, now.mono_ms),
        rest_(cfg.rest_bucket_size, cfg.rest_leak_per_s, now.mono_ms),
        graphql_(cfg.graphql_restore_per_s, cfg.graphql_bucket_points,
                 now.mono_ms) {}

  const char* name() const override { return "shopify"; }
  channel_state& state() override { return state_; }

  void reset(const clock_reading& now) override {
    state_.reset(now.mono_ms);
    rest_.reset(now.mono_ms);
    graphql_.reset(now.mono_ms);
    idempotency_.clear();
    idempotency_order_.clear();
    group_seq_ = 0;
    job_seq_ = 0;
  }

  http_reply handle(const http_request& req, const clock_reading& now,
                    bool* throttled) override {
    auto path = target_path(req.target);
    auto rest_version = api_version(path, "/inventory_levels/set.json");
    auto gql_version = api_version(path, "/graphql.json");
    if (rest_version.empty() && gql_version.empty())
      return json_reply(404, {{"errors", "Not Found"}});
    if (req.method != "POST")
      return json_reply(406, {{"errors", "Not Acceptable"}});
    if (!same_secret(req.header("x-shopify-access-token"), cfg_.access_token))
      return json_reply(401, {{"errors", invalid_token_message}});
    if (!rest_version.empty())
      return rest_set(req, now);
    return graphql(req, gql_version, now, throttled);
  }

private:
  // -- REST inventory_levels/set.json ----------------------------------------

  http_reply rest_set(const http_request& req, const clock_reading& now) {
    if (!rest_.try_add(now.mono_ms)) {
      char msg[160];
      std::snprintf(msg, sizeof msg,
                    "Exceeded %g calls per second for api client. Reduce "
                    "request rates to resume uninterrupted service.",
                    cfg_.rest_leak_per_s);
      auto r = json_reply(429, {{"errors", msg}});
      auto wait_s = static_cast<double>(rest_.wait_ms(now.mono_ms)) / 1000.0;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f", wait_s < 1 ? 1.0 : wait_s);
      r.headers.emplace_back("Retry-After", buf);
      r.headers.emplace_back("X-Shopify-Shop-Api-Call-Limit", call_limit(now));
      return r;
    }
    auto body = parse_json(req.body);
    for (const char* field : {"location_id", "inventory_item_id", "available"})
      if (!body || !body->is_object() || !body->contains(field) ||
          !is_int((*body)[field]))
        return with_call_limit(
            json_reply(400, {{"errors",
                              {{field, "Required parameter missing or "
                                       "invalid"}}}}),
            now);
    auto item = (*body)["inventory_item_id"].get<std::int64_t>();
    auto location = (*body)["location_id"].get<std::int64_t>();
    auto key = std::to_string(item) + "@" + std::to_string(location);
    if (!state_.accepts(key))
      return with_call_limit(json_reply(404, {{"errors", "Not Found"}}), now);
    auto quantity = (*body)["available"].get<std::int64_t>();
    state_.apply(key, quantity, now);
    json level = {{"inventory_item_id", item},
                  {"location_id", location},
                  {"available", quantity},
                  {"updated_at", iso8601(now.wall_ms)},
                  {"admin_graphql_api_id",
                   "gid://shopify/InventoryLevel/" + std::to_string(location) +
                       "?inventory_item_id=" + std::to_string(item)}};
    return with_call_limit(json_reply(200, {{"inventory_level", level}}), now);
  }

  std::string call_limit(const clock_reading& now) {
    auto used = static_cast<long long>(std::ceil(rest_.level(now.mono_ms)));
    return std::to_string(used) + "/" +
           std::to_string(static_cast<long long>(rest_.capacity()));
  }

  http_reply with_call_limit(http_reply r, const clock_reading& now) {
    r.headers.emplace_back("X-Shopify-Shop-Api-Call-Limit", call_limit(now));
    return r;
  }

  // -- GraphQL inventorySetQuantities ----------------------------------------

  json cost(const clock_reading& now, bool charged) {
    return {
        {"requestedQueryCost", cfg_.mutation_cost},
        {"actualQueryCost", charged ? json(cfg_.mutation_cost) : json(nullptr)},
        {"throttleStatus",
         {{"maximumAvailable", graphql_.burst()},
          {"currentlyAvailable", std::floor(graphql_.available(now.mono_ms))},
          {"restoreRate", graphql_.rate_per_s()}}}};
  }

  http_reply graphql(const http_request& req, const std::string& version,
                     const clock_reading& now, bool* throttled) {
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || !body->contains("query") ||
        !(*body)["query"].is_string())
      return json_reply(400, {{"errors",
                               {{"query", "Required parameter missing or "
                                          "invalid"}}}});
    auto query = (*body)["query"].get<std::string>();
    // No GraphQL parser: the mutation is told by its name.
    bool cancel = query.find("orderCancel(") != std::string::npos;
    if (!cancel && query.find("inventorySetQuantities") == std::string::npos)
      return json_reply(200, top_error("fakechannel serves only the "
                                       "inventorySetQuantities and "
                                       "orderCancel mutations",
                                       "UNSUPPORTED_BY_FAKE"));
    auto mc = static_cast<double>(cfg_.mutation_cost);
    if (!graphql_.try_take(now.mono_ms, mc)) {
      *throttled = true;
      json out = top_error("Throttled", "THROTTLED");
      out["errors"][0]["extensions"]["documentation"] =
          "https://shopify.dev/api/usage/rate-limits";
      out["extensions"] = {{"cost", cost(now, false)}};
      auto r =
          json_reply(static_cast<unsigned>(cfg_.throttled_http_status), out);
      auto wait_s = (graphql_.wait_ms(now.mono_ms, mc) + 999) / 1000;
      r.headers.emplace_back("Retry-After", std::to_string(wait_s));
      return r;
    }
    json variables = body->value("variables", json::object());
    if (cancel)
      return finish(order_cancel(variables, now), now);
    if (!variables.is_object() || !variables.contains("input") ||
        !variables["input"].is_object())
      return finish(variable_error("input", "Expected value to not be null"),
                    now);
    auto key = idempotency_key(query, variables);
    bool mandatory = version >= "2026-04"; // "unstable" sorts last: newest
    if (!key && mandatory && cfg_.enforce_idempotency)
      return finish(top_error("The @idempotent directive with a key is "
                              "required for inventorySetQuantities",
                              "IDEMPOTENCY_KEY_REQUIRED"),
                    now);
    const json& input = variables["input"];
    if (key) {
      auto i = idempotency_.find(*key);
      if (i != idempotency_.end()) {
        if (i->second.first == input.dump())
          return finish(i->second.second, now);
        return finish(
            payload(nullptr,
                    {user_error("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", nullptr,
                                "The same idempotency key cannot be "
                                "used with different operation "
                                "parameters.")}),
            now);
      }
    }
    auto result = set_quantities(input, version, now);
    if (key)
      remember(*key, input.dump(), result);
    return finish(result, now);
  }

  http_reply finish(json out, const clock_reading& now) {
    out["extensions"] = {{"cost", cost(now, true)}};
    return json_reply(200, out);
  }

  static json payload(json group, json user_errors) {
    return {{"data",
             {{"inventorySetQuantities",
               {{"inventoryAdjustmentGroup", std::move(group)},
                {"userErrors", std::move(user_errors)}}}}}};
  }

  // -- GraphQL orderCancel ---------------------------------------------------

  // orderCancel(orderId: ID!, reason: OrderCancelReason!, refund, restock,
  // notifyCustomer), arguments from `variables`. A known order is
  // cancelled (a repeat answers the same, counted once); restock: true
  // puts its units back on the listing.
  json order_cancel(const json& variables, const clock_reading& now) {
    if (!variables.is_object() || !variables.contains("orderId") ||
        !variables["orderId"].is_string())
      return argument_error("orderId", "ID!", "Expected value to not be null");
    auto gid = variables["orderId"].get<std::string>();
    bool is_gid = gid.rfind(order_gid_prefix, 0) == 0;
    auto id = is_gid ? gid.substr(order_gid_prefix.size()) : std::string{};
    if (id.empty() || trailing_digits(id) != id)
      return argument_error("orderId", "ID!",
                            "Invalid global id '" + gid + "'");
    if (!variables.contains("reason") || !variables["reason"].is_string() ||
        cancel_reasons.count(variables["reason"].get<std::string>()) == 0)
      return argument_error("reason", "OrderCancelReason!",
                            "Expected one of CUSTOMER, DECLINED, FRAUD, "
                            "INVENTORY, OTHER, STAFF");
    for (const char* flag : {"refund", "restock", "notifyCustomer"})
      if (variables.contains(flag) && !variables[flag].is_boolean())
        return argument_error(flag, "Boolean",
                              "Could not coerce value to "
                              "Boolean");
    const order* o = nullptr;
    auto result = state_.orders().cancel(id, &o);
    if (result == cancel_result::unknown)
      return cancel_payload(nullptr,
                            json::array({{{"field", json::array({"orderId"})},
                                          {"message", "Order does not exist"},
                                          {"code", "NOT_FOUND"}}}));
    if (result == cancel_result::cancelled && variables.value("restock", false))
      state_.restock(o->listing_key, o->qty, now);
    json job = {{"id", "gid://shopify/Job/" + std::to_string(++job_seq_)},
                {"done", false}};
    return cancel_payload(job, json::array());
  }

  static json cancel_payload(json job, json user_errors) {
    return {{"data",
             {{"orderCancel",
               {{"job", std::move(job)},
                {"orderCancelUserErrors", std::move(user_errors)}}}}}};
  }

  // The key of `@idempotent(key: "...")` or `@idempotent(key: $var)`.
  static std::optional<std::string> idempotency_key(const std::string& query,
                                                    const json& variables) {
    static const std::regex re{
        R"re(@idempotent\s*\(\s*key\s*:\s*(?:"([^"]*)"|\$(\w+))\s*\))re"};
    std::smatch m;
    if (!std::regex_search(query, m, re))
      return std::nullopt;
    if (m[1].matched)
      return m[1].str();
    auto var = m[2].str();
    if (variables.contains(var) && variables[var].is_string())
      return variables[var].get<std::string>();
    return std::nullopt;
  }

  void remember(const std::string& key, std::string params, json result) {
    if (idempotency_order_.size() >= shopify_idempotency_keys_max) {
      idempotency_.erase(idempotency_order_.front());
      idempotency_order_.pop_front();
    }
    idempotency_order_.push_back(key);
    idempotency_[key] = {std::move(params), std::move(result)};
  }

  // Validates the whole input; applies nothing unless everything is valid
  // (Shopify applies a mutation atomically).
  json set_quantities(const json& input, const std::string& version,
                      const clock_reading& now) {
    for (const char* f : {"name", "reason"})
      if (!input.contains(f) || !input[f].is_string())
        return variable_error(f, "Expected value to not be null");
    if (!input.contains("quantities") || !input["quantities"].is_array())
      return variable_error("quantities", "Expected value to not be null");
    auto name = input["name"].get<std::string>();
    auto reason = input["reason"].get<std::string>();
    json errors = json::array();
    if (name != "available" && name != "on_hand")
      errors.push_back(user_error("INVALID_NAME", {"input", "name"},
                                  "The quantity name must be either "
                                  "'available' or 'on_hand'."));
    if (valid_reasons.count(reason) == 0)
      errors.push_back(user_error("INVALID_REASON", {"input", "reason"},
                                  "The reason is not valid."));
    bool ignore_compare = input.contains("ignoreCompareQuantity") &&
                          input["ignoreCompareQuantity"] == true;
    bool change_from_mandatory =
        version >= "2026-04"; // "unstable" sorts last: newest
    std::set<std::string> seen;
    std::vector<std::pair<std::string, std::int64_t>> changes;
    const auto& qs = input["quantities"];
    for (std::size_t i = 0; i < qs.size(); ++i) {
      const auto& q = qs[i];
      auto at = "quantities." + std::to_string(i);
      if (!q.is_object() || !q.contains("inventoryItemId") ||
          !q["inventoryItemId"].is_string() || !q.contains("locationId") ||
          !q["locationId"].is_string() || !q.contains("quantity") ||
          !is_int(q["quantity"]))
        return variable_error(at, "Expected inventoryItemId: ID!, "
                                  "locationId: ID!, quantity: Int!");
      if (change_from_mandatory && !q.contains("changeFromQuantity"))
        return variable_error(at + ".changeFromQuantity",
                              "Expected value to be present (null opts out)");
      json field = {"input", "quantities", i};
      auto item = trailing_digits(q["inventoryItemId"].get<std::string>());
      auto location = trailing_digits(q["locationId"].get<std::string>());
      auto quantity = q["quantity"].get<std::int64_t>();
      auto key = item + "@" + location;
      if (item.empty()) {
        errors.push_back(user_error("INVALID_INVENTORY_ITEM", field,
                                    "The specified inventory item could not "
                                    "be found."));
        continue;
      }
      if (location.empty()) {
        errors.push_back(user_error("INVALID_LOCATION", field,
                                    "The specified location could not be "
                                    "found."));
        continue;
      }
      if (!seen.insert(key).second) {
        errors.push_back(user_error("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_"
                                    "PAIR",
                                    field,
                                    "The combination of inventoryItemId and "
                                    "locationId must be unique."));
        continue;
      }
      if (quantity > shopify_quantity_abs_max) {
        errors.push_back(user_error("INVALID_QUANTITY_TOO_HIGH", field,
                                    "The quantity can't be higher than "
                                    "1,000,000,000."));
        continue;
      }
      if (quantity < -shopify_quantity_abs_max) {
        errors.push_back(user_error("INVALID_QUANTITY_TOO_LOW", field,
                                    "The quantity can't be lower than "
                                    "-1,000,000,000."));
        continue;
      }
      if (name == "on_hand" && quantity < 0) {
        errors.push_back(user_error("INVALID_QUANTITY_NEGATIVE", field,
                                    "The quantity can't be negative."));
        continue;
      }
      if (!state_.accepts(key)) {
        errors.push_back(user_error("INVALID_INVENTORY_ITEM", field,
                                    "The specified inventory item could not "
                                    "be found."));
        continue;
      }
      auto* current = state_.find(key);
      std::int64_t shown = current ? current->quantity : 0;
      if (auto e = compare(q, shown, ignore_compare, field))
        errors.push_back(*e);
      else
        changes.emplace_back(key, quantity);
    }
    if (!errors.empty())
      return payload(nullptr, errors);
    json applied = json::array();
    for (auto& [key, quantity] : changes) {
      auto* before = state_.find(key);
      std::int64_t old = before ? before->quantity : 0;
      state_.apply(key, quantity, now);
      applied.push_back({{"name", name},
                         {"delta", quantity - old},
                         {"quantityAfterChange", quantity}});
    }
    json group = {{"id", "gid://shopify/InventoryAdjustmentGroup/" +
                             std::to_string(++group_seq_)},
                  {"reason", reason},
                  {"referenceDocumentUri",
                   input.value("referenceDocumentUri", json(nullptr))},
                  {"changes", applied}};
    return payload(group, json::array());
  }

  // The compare-and-set check of one quantity; nullopt when it passes.
  static std::optional<json> compare(const json& q, std::int64_t shown,
                                     bool ignore_compare, const json& field) {
    if (q.contains("changeFromQuantity")) {
      const auto& from = q["changeFromQuantity"];
      if (from.is_null() || (is_int(from) && from.get<std::int64_t>() == shown))
        return std::nullopt;
      return user_error("CHANGE_FROM_QUANTITY_STALE", field,
                        "The changeFromQuantity (" + from.dump() +
                            ") does not match the current quantity (" +
                            std::to_string(shown) + ").");
    }
    if (ignore_compare)
      return std::nullopt;
    if (q.contains("compareQuantity") && is_int(q["compareQuantity"])) {
      if (q["compareQuantity"].get<std::int64_t>() == shown)
        return std::nullopt;
      return user_error("COMPARE_QUANTITY_STALE", field,
                        "The compareQuantity argument no longer matches the "
                        "persisted quantity.");
    }
    // Without changeFromQuantity (always the case up to 2025-10) CAS is
    // required unless explicitly ignored.
    return user_error("COMPARE_QUANTITY_REQUIRED", field,
                      "The compareQuantity value is required unless "
                      "ignoreCompareQuantity is true.");
  }

  shopify_config cfg_;
  channel_state state_;
  leaky_bucket rest_;
  token_bucket graphql_;
  std::unordered_map<std::string, std::pair<std::string, json>> idempotency_;
  std::deque<std::string> idempotency_order_;
  std::uint64_t group_seq_ = 0;
  std::uint64_t job_seq_ = 0;
};

} // namespace

std::unique_ptr<channel_handler> make_shopify(const shopify_config& cfg,
                                              const clock_reading& now) {
  return std::make_unique<shopify>(cfg, now);
}

} // namespace stockwire::fakechannel
