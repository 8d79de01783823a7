// eBay Sell Inventory API, up to 25 SKUs per job: POST {base}/sell/
// inventory/v1/bulk_update_price_quantity, Authorization: Bearer, body
// {"requests":[{"sku", "shipToLocationAvailability":{"quantity"},
// "offers":[{"offerId": item_id, "availableQuantity"}]}]} (no offers when
// the listing has no offer id). Both quantities are set because the
// listing shows the smaller one.
//
// Per-entry answers, matched by SKU: statusCode 2xx -> acked; errorId
// 25099 (the per-listing daily revision cap) -> retry, text names
// "revision cap" (pacing decides when; the cap resets at UTC midnight);
// other 4xx entries (25702 unknown SKU, 25709 bad quantity, ...) ->
// parked; anything else -> retry; a SKU missing from the answer -> retry.
// A refused request by the common status policy (401 -> parked, 429 daily
// call quota -> throttled, 400 -> parked, 5xx -> retry).
//
// Cancellations (cancel_wire.hpp): POST {base}/post-order/v2/cancellation
// {"legacyOrderId", "cancelReason"}, one order per job: 2xx -> acked,
// otherwise the common status policy (404 unknown order -> parked).
#include <map>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

const std::string bulk_path = "/sell/inventory/v1/bulk_update_price_quantity";
const std::string cancellation_path = "/post-order/v2/cancellation";

// eBay's error id for the 250-revisions-a-day cap (as the fake answers).
constexpr std::int64_t revision_cap_error_id = 25099;

// "errorId: message" of the first error of `errors`, and that id.
std::pair<std::int64_t, std::string> first_error(const json* errors) {
  if (errors == nullptr || !errors->is_array() || errors->empty())
    return {0, "no error given"};
  const auto& e = errors->at(0);
  auto* id = member(e, "errorId");
  auto n = id && id->is_number_integer() ? id->get<std::int64_t>() : 0;
  return {n, text_of(e.value("message", json("")))};
}

class ebay_job final : public job_base {
public:
  ebay_job(const channel_account& a, const std::vector<push_item>& items)
      : job_base(channel_kind::ebay, items.size()) {
    json requests = json::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i];
      json entry = {
          {"sku", item.sku},
          {"shipToLocationAvailability", {{"quantity", item.quantity}}}};
      if (!item.ids.item_id.empty())
        entry["offers"] = json::array({{{"offerId", item.ids.item_id},
                                        {"availableQuantity", item.quantity}}});
      requests.push_back(entry);
      index_of_sku_.emplace(item.sku, i);
    }
    auto req = api_request(a, "POST", bulk_path, {{"requests", requests}});
    req.headers.emplace_back("Authorization", "Bearer " + a.access_token);
    send(std::move(req));
  }

private:
  void read(const http_response& resp) override {
    auto body = parse_json(resp.body);
    if (!is_2xx(resp.status)) {
      auto [id, message] =
          first_error(body ? member(*body, "errors") : nullptr);
      return refuse(resp, error_text(id ? std::to_string(id)
                                        : std::to_string(resp.status),
                                     message));
    }
    auto* responses = body ? member(*body, "responses") : nullptr;
    if (responses == nullptr || !responses->is_array())
      return decide_rest(item_verdict::retry,
                         unreadable(resp, "no responses array"));
    for (const auto& r : *responses)
      read_entry(r);
    decide_rest(item_verdict::retry,
                error_text("missing", "no answer for this SKU"));
  }

  void read_entry(const json& r) {
    auto* sku = member(r, "sku");
    auto i = sku && sku->is_string()
                 ? index_of_sku_.find(sku->get<std::string>())
                 : index_of_sku_.end();
    if (i == index_of_sku_.end())
      return;
    auto* code = member(r, "statusCode");
    auto status = code && code->is_number_integer() ? code->get<int>() : 0;
    if (status >= 200 && status < 300)
      return decide(i->second, item_verdict::acked);
    auto [id, message] = first_error(member(r, "errors"));
    if (id == revision_cap_error_id)
      return decide(i->second, item_verdict::retry,
                    error_text(std::to_string(id), "revision cap: " + message));
    decide(i->second,
           status >= 400 && status < 500 ? item_verdict::parked
                                         : item_verdict::retry,
           error_text(std::to_string(id), message));
  }

  std::map<std::string, std::size_t> index_of_sku_;
};

// POST /post-order/v2/cancellation: the cancel contract in
// cancel_wire.hpp. A refusal by the common status policy (404 -> parked).
class cancel_job final : public job_base {
public:
  cancel_job(const channel_account& a, const cancel_item& item)
      : job_base(channel_kind::ebay, 1) {
    auto req =
        api_request(a, "POST", cancellation_path,
                    {{"legacyOrderId", item.order_id},
                     {"cancelReason", "OUT_OF_STOCK_OR_CANNOT_FULFILL"}});
    req.headers.emplace_back("Authorization", "Bearer " + a.access_token);
    send(std::move(req));
  }

private:
  void read(const http_response& resp) override {
    if (is_2xx(resp.status))
      return decide(0, item_verdict::acked);
    auto body = parse_json(resp.body);
    auto [id, message] = first_error(body ? member(*body, "errors") : nullptr);
    refuse(resp,
           error_text(id ? std::to_string(id) : std::to_string(resp.status),
                      message));
  }
};

} // namespace

std::unique_ptr<push_job> make_ebay_cancel_job(const channel_account& account,
                                               const cancel_item& item) {
  return std::make_unique<cancel_job>(account, item);
}

std::unique_ptr<push_job> make_ebay_job(const channel_account& account,
                                        std::vector<push_item> items) {
  return std::make_unique<ebay_job>(account, items);
}

} // namespace stockwire::wire_detail
