// Shopify Admin API: GraphQL up to shopify_graphql_quantities_per_call_max
// (100) SKUs per job, REST one SKU per job.
//
// GraphQL (shopify_api "graphql"): POST {base}/admin/api/{v}/graphql.json,
// one inventorySetQuantities of "available" with reason "correction" per
// request, one entry of `quantities` per SKU (Shopify charges a mutation,
// not its entries). referenceDocumentUri gid://stockwire/Sku/<url-encoded
// sku>/<version> for one SKU; for n > 1 gid://stockwire/SkuBatch/<first
// sku>/<its version>/<n>.
//   Duplicates: two SKUs of a job on the same inventory item and location
//   would get the whole call refused (NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_
//   ID_PAIR), and two SKUs sharing one Shopify level is a misconfiguration
//   (each overwrites the other). The first is sent; later ones are parked
//   without a request: "shopify duplicate_listing: listing shares Shopify
//   item <gid> at location <gid> with SKU <first>". (A job sees only its
//   own SKUs: such SKUs pushed by different jobs still overwrite each
//   other.)
//   Compare-and-set: from 2026-01 every quantity carries changeFromQuantity
//   (what we showed before, or null when unknown); older versions send
//   compareQuantity when every SKU of the request has one, else
//   ignoreCompareQuantity: true (it is per input, not per quantity), which
//   drops CAS for all of them. Stockwire is the source of truth, so a
//   *_STALE answer gets a follow-up without CAS for the stale SKUs.
//   Idempotency: @idempotent(key:) = "sw-" + the first 128 bits of
//   SHA-256(account id, '\n', the push_ids of the request's SKUs joined by
//   ',', '\n', the serialized input). A resend within one push reuses the
//   key and gets Shopify's stored answer; another push (even of the same
//   input: a forced correction must apply) or another input (a follow-up)
//   gets a new key.
//   Answers: THROTTLED (in a 200 or a 429) -> every SKU retry, throttled,
//   retry_after = (requestedQueryCost - currentlyAvailable) / restoreRate;
//   budget from extensions.cost.throttleStatus on every answer. Top-level
//   errors -> every SKU parked when they are about the request (variable
//   problems, validation, access scopes, missing idempotency key: the same
//   document fails again), retry otherwise (internal errors).
//   userErrors: the mutation is atomic, so any userError means nothing was
//   applied. One whose `field` names a quantity (["input", "quantities",
//   i, ...], i a number or a decimal string) decides that SKU: parked (it
//   names what is wrong with our input: INVALID_INVENTORY_ITEM,
//   INVALID_LOCATION, ITEM_NOT_STOCKED_AT_LOCATION, INVALID_QUANTITY_*,
//   ...), except IDEMPOTENCY_CONCURRENT_REQUEST -> retry and *_STALE ->
//   CAS dropped for that SKU. One naming no quantity (INVALID_REASON,
//   IDEMPOTENCY_*, ...) decides every SKU of the call as for one SKU:
//   parked, IDEMPOTENCY_CONCURRENT_REQUEST retry; a stale one naming no
//   quantity drops CAS for all. The SKUs not decided (not applied, though
//   nothing is wrong with them, or now without CAS) go again in a
//   follow-up whose answer is read the same way; at most
//   graphql_follow_ups_max (2) follow-ups per job, then what is left is
//   retry. A SKU stale though sent without CAS is retry at once.
//
// Cancellations (cancel_wire.hpp): orderCancel over GraphQL whatever
// shopify_api says, one order per job; answers read as above (THROTTLED,
// budget, top-level errors); any orderCancelUserError parks the order
// (NOT_FOUND, INVALID: asking again cannot help) except a code containing
// ALREADY (already cancelled: acked).
//
// REST (shopify_api "rest"): POST {base}/admin/api/{v}/inventory_levels/
// set.json {location_id, inventory_item_id, available}; ids must be
// numeric (or gids ending in digits), else parked without a request.
// Budget from X-Shopify-Shop-Api-Call-Limit "n/size" (restore rate: the
// Standard plan's 2/s). 429 -> throttled with Retry-After; other answers
// by the common status policy (404, 400, 422 -> parked).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

// Shopify REST leak rate on the Standard plan (Plus: 20/s); the call-limit
// header gives the bucket, not the rate.
constexpr double shopify_rest_restore_per_s = 2;

// Characters of SHA-256 hex kept in an idempotency key: 128 bits.
constexpr std::size_t idempotency_key_hex_chars = 32;

// Follow-ups of one GraphQL job after a refused call (atomic: nothing of
// it applied): stale CAS values dropped, or the items a userError named
// left out. Then what is left is retry.
constexpr unsigned graphql_follow_ups_max = 2;

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

// What every GraphQL job of Shopify reads the same way: the cost report
// (budget), THROTTLED, and top-level errors.
class graphql_base : public job_base {
protected:
  explicit graphql_base(std::size_t items)
      : job_base(channel_kind::shopify, items) {}

  // extensions.cost of an answer, or nullptr.
  static const json* cost_of(const std::optional<json>& body) {
    if (!body)
      return nullptr;
    auto* ext = member(*body, "extensions");
    return ext ? member(*ext, "cost") : nullptr;
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

  static std::string code_of(const json& e) {
    auto* code = member(e, "code");
    return code && code->is_string() ? code->get<std::string>() : "USER_ERROR";
  }

  // The answer's `data` when it is a readable 2xx without top-level
  // errors; otherwise every item is decided (throttled, refused,
  // unreadable, a top-level error) and the result is nullptr. `body` keeps
  // the parsed answer alive.
  const json* read_data(const http_response& resp,
                        std::optional<json>& body) {
    body = parse_json(resp.body);
    const json* cost = cost_of(body);
    read_budget(cost);
    const json* errors = body ? member(*body, "errors") : nullptr;
    if (resp.status == 429 || (errors && is_throttled(*errors))) {
      throttle(resp, cost);
    } else if (!is_2xx(resp.status)) {
      refuse(resp, error_text(std::to_string(resp.status), rest_errors(resp)));
    } else if (!body) {
      decide_rest(item_verdict::retry, unreadable(resp, "not JSON"));
    } else if (errors && errors->is_array() && !errors->empty()) {
      top_error(errors->at(0));
    } else {
      return &body->at("data");
    }
    return nullptr;
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
    decide_rest(about_request ? item_verdict::parked : item_verdict::retry,
                error_text(code, message));
  }
};

class graphql_job final : public graphql_base {
public:
  graphql_job(const channel_account& a, std::vector<push_item> items)
      : graphql_base(items.size()), account_(a), items_(std::move(items)),
        cas_dropped_(items_.size(), false) {
    // The first SKU of an item+location goes; later ones are parked (a
    // call naming a pair twice is refused whole, and two SKUs sharing one
    // Shopify level is a misconfiguration: they overwrite each other).
    std::map<std::pair<std::string, std::string>, std::size_t> first_of;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      auto item_gid = gid("InventoryItem", items_[i].ids.item_id);
      auto location_gid = gid("Location", location_of(account_, items_[i]));
      auto [at, fresh] = first_of.emplace(std::pair{item_gid, location_gid}, i);
      if (fresh)
        sent_.push_back(i);
      else
        decide(i, item_verdict::parked,
               error_text("duplicate_listing", "listing shares Shopify item " +
                                                   item_gid + " at location " +
                                                   location_gid + " with SKU " +
                                                   items_[at->second].sku));
    }
    send(request(input()));
  }

private:
  // The API version has changeFromQuantity ("unstable" sorts last: newest).
  bool change_from() const { return account_.api_version >= "2026-01"; }

  static std::string gid(const char* type, const std::string& id) {
    if (id.rfind("gid://", 0) == 0)
      return id;
    return std::string{"gid://shopify/"} + type + "/" + id;
  }

  // Whether item i is sent with its compare-and-set value.
  bool cas(std::size_t i) const {
    return !cas_dropped_[i] && items_[i].shown_before.has_value();
  }

  // The input of the request for the items in sent_.
  json input() const {
    const auto& first = items_[sent_.front()];
    auto reference = "gid://stockwire/Sku/" + url_encode(first.sku) + "/" +
                     std::to_string(first.version);
    if (sent_.size() > 1)
      reference = "gid://stockwire/SkuBatch/" + url_encode(first.sku) + "/" +
                  std::to_string(first.version) + "/" +
                  std::to_string(sent_.size());
    json in = {{"name", "available"},
               {"reason", "correction"},
               {"referenceDocumentUri", reference}};
    // Before 2026-01 only the whole input can opt out of CAS.
    bool ignore =
        !change_from() && std::any_of(sent_.begin(), sent_.end(),
                                      [&](std::size_t i) { return !cas(i); });
    json quantities = json::array();
    for (auto i : sent_) {
      const auto& item = items_[i];
      json q = {{"inventoryItemId", gid("InventoryItem", item.ids.item_id)},
                {"locationId", gid("Location", location_of(account_, item))},
                {"quantity", item.quantity}};
      if (change_from())
        q["changeFromQuantity"] =
            cas(i) ? json(*item.shown_before) : json(nullptr);
      else if (!ignore)
        q["compareQuantity"] = *item.shown_before;
      quantities.push_back(std::move(q));
    }
    if (ignore)
      in["ignoreCompareQuantity"] = true;
    in["quantities"] = std::move(quantities);
    return in;
  }

  http_request request(const json& in) const {
    std::string push_ids;
    for (auto i : sent_)
      push_ids +=
          (push_ids.empty() ? "" : ",") + std::to_string(items_[i].push_id);
    auto key =
        "sw-" + sha256_hex(account_.id + '\n' + push_ids + '\n' + to_body(in))
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
    std::optional<json> body;
    const json* data = read_data(resp, body);
    if (data == nullptr)
      return;
    const auto& payload = data->at("inventorySetQuantities");
    const auto& user_errors = payload.at("userErrors");
    if (user_errors.empty()) {
      for (auto i : sent_)
        decide(i, item_verdict::acked);
      return;
    }
    if (!user_errors.is_array())
      return decide_rest(item_verdict::retry,
                         unreadable(resp, "userErrors is not a list"));
    read_user_errors(user_errors);
  }

  static bool is_stale(const std::string& code) {
    return code == "CHANGE_FROM_QUANTITY_STALE" ||
           code == "COMPARE_QUANTITY_STALE";
  }

  std::string text_of_error(const json& e) const {
    auto* message = member(e, "message");
    return error_text(code_of(e), message ? text_of(*message) : "");
  }

  // The verdict of a userError that is not stale.
  static item_verdict verdict_of(const json& e) {
    return code_of(e) == "IDEMPOTENCY_CONCURRENT_REQUEST"
               ? item_verdict::retry
               : item_verdict::parked;
  }

  // The position in sent_ of the quantity a userError's field names
  // (["input", "quantities", i, ...], i a number or a decimal string), or
  // nullopt when it names none of them.
  std::optional<std::size_t> position_of(const json& e) const {
    auto* field = member(e, "field");
    if (field == nullptr || !field->is_array())
      return std::nullopt;
    for (std::size_t k = 0; k + 1 < field->size(); ++k) {
      if ((*field)[k] != "quantities")
        continue;
      const auto& at = (*field)[k + 1];
      std::size_t n = 0;
      if (at.is_number_integer() && at.get<std::int64_t>() >= 0) {
        n = static_cast<std::size_t>(at.get<std::int64_t>());
      } else if (at.is_string()) {
        const auto& s = at.get_ref<const std::string&>();
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
          return std::nullopt;
      } else {
        return std::nullopt;
      }
      if (n < sent_.size())
        return n;
      return std::nullopt;
    }
    return std::nullopt;
  }

  // The call was refused (atomic: nothing applied). Items a userError
  // names are decided by it, unless stale; a userError naming no quantity
  // decides every item as for a one-item call; what is left goes again in
  // a follow-up (stale ones without CAS) while follow-ups remain.
  void read_user_errors(const json& user_errors) {
    std::vector<const json*> own(sent_.size(), nullptr);
    std::vector<const json*> stale(sent_.size(), nullptr);
    const json* whole = nullptr;     // the first naming no quantity
    const json* all_stale = nullptr; // a stale one naming no quantity
    for (const auto& e : user_errors) {
      bool s = is_stale(code_of(e));
      auto at = position_of(e);
      auto& slot = !at ? (s ? all_stale : whole) : (s ? stale[*at] : own[*at]);
      if (slot == nullptr)
        slot = &e;
    }
    for (std::size_t k = 0; k < sent_.size(); ++k)
      if (own[k] != nullptr)
        decide(sent_[k], verdict_of(*own[k]), text_of_error(*own[k]));
    if (whole != nullptr) {
      for (auto i : sent_)
        decide(i, verdict_of(*whole), text_of_error(*whole));
      return;
    }
    bool any_cas = std::any_of(sent_.begin(), sent_.end(), [&](std::size_t i) {
      return !decided(i) && cas(i);
    });
    std::vector<std::size_t> again;
    std::vector<std::string> why; // the retry text should no follow-up remain
    auto not_applied = error_text(
        "not_applied", "the call was refused for another quantity (" +
                           text_of_error(user_errors.at(0)) + ")");
    for (std::size_t k = 0; k < sent_.size(); ++k) {
      auto i = sent_[k];
      if (decided(i))
        continue;
      const json* stale_error = stale[k] ? stale[k] : all_stale;
      if (stale_error != nullptr && cas(i)) {
        cas_dropped_[i] = true;
        why.push_back(text_of_error(*stale_error));
      } else if (stale[k] != nullptr || (all_stale != nullptr && !any_cas)) {
        // Stale though sent without CAS: a follow-up cannot fare better.
        decide(i, item_verdict::retry, text_of_error(*stale_error));
        continue;
      } else {
        why.push_back(not_applied);
      }
      again.push_back(i);
    }
    if (again.empty())
      return;
    if (follow_ups_ == graphql_follow_ups_max) {
      for (std::size_t j = 0; j < again.size(); ++j)
        decide(again[j], item_verdict::retry, why[j]);
      return;
    }
    ++follow_ups_;
    sent_ = std::move(again);
    send(request(input()));
  }

  const channel_account account_;
  const std::vector<push_item> items_;
  // The items of the request in flight, in the order of its quantities.
  std::vector<std::size_t> sent_;
  std::vector<bool> cas_dropped_; // after a stale answer
  unsigned follow_ups_ = 0;
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

// orderCancel of one order: the cancel contract in cancel_wire.hpp.
class cancel_job final : public graphql_base {
public:
  cancel_job(const channel_account& a, const cancel_item& item)
      : graphql_base(1) {
    auto order = item.order_id.rfind("gid://", 0) == 0
                     ? item.order_id
                     : "gid://shopify/Order/" + item.order_id;
    json body = {{"query", order_cancel_query},
                 {"variables",
                  {{"orderId", order},
                   {"reason", "INVENTORY"},
                   {"refund", true},
                   {"restock", false},
                   {"notifyCustomer", true}}}};
    send(with_token(
        a, api_request(a, "POST",
                       "/admin/api/" + a.api_version + "/graphql.json", body)));
  }

private:
  static constexpr const char* order_cancel_query =
      "mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!, "
      "$refund: Boolean!, $restock: Boolean!, $notifyCustomer: Boolean) { "
      "orderCancel(orderId: $orderId, reason: $reason, refund: $refund, "
      "restock: $restock, notifyCustomer: $notifyCustomer) { job { id done } "
      "orderCancelUserErrors { field message code } } }";

  void read(const http_response& resp) override {
    std::optional<json> body;
    const json* data = read_data(resp, body);
    if (data == nullptr)
      return;
    const auto& user_errors =
        data->at("orderCancel").at("orderCancelUserErrors");
    if (!user_errors.is_array())
      return decide(0, item_verdict::retry,
                    unreadable(resp, "orderCancelUserErrors is not a list"));
    if (user_errors.empty())
      return decide(0, item_verdict::acked);
    // Every userError names something wrong with this order (NOT_FOUND,
    // INVALID, ...): asking again cannot help. An order that is already
    // cancelled is what we wanted.
    const auto& e = user_errors.at(0);
    auto code = code_of(e);
    auto* m = member(e, "message");
    auto message = m ? text_of(*m) : std::string{};
    if (code.find("ALREADY") != std::string::npos)
      return decide(0, item_verdict::acked);
    decide(0, item_verdict::parked, error_text(code, message));
  }
};

} // namespace

std::unique_ptr<push_job>
make_shopify_cancel_job(const channel_account& account,
                        const cancel_item& item) {
  return std::make_unique<cancel_job>(account, item);
}

std::unique_ptr<push_job> make_shopify_job(const channel_account& account,
                                           std::vector<push_item> items) {
  if (account.shopify_api == "rest") // push_batch_max: one item
    return std::make_unique<rest_job>(account, items.front());
  return std::make_unique<graphql_job>(account, std::move(items));
}

} // namespace stockwire::wire_detail
