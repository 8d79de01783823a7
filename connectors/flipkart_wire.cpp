// Flipkart Marketplace Seller API v3, up to 10 SKUs per job: POST
// {base}/listings/v3/update/inventory (base_path "/sellers" for the real
// host), Authorization: Bearer, body keyed by seller SKU:
// {"<sku>": {"product_id": FSN (item_id), "locations": [{"id":
// location_id, "inventory": quantity}]}}.
//
// Per-SKU answers: SUCCESS or WARNING -> acked; FAILURE -> parked when its
// error code is 4xx (400 invalid entry, 404 unknown SKU), retry otherwise;
// a SKU missing from the answer -> retry. A refused request by the common
// status policy (401 -> parked, 429 -> throttled, 400 -> parked, 5xx ->
// retry). Flipkart's 401 echoes the token sent: error texts never carry
// the account's token.
//
// Cancellations (cancel_wire.hpp): POST {base}/v2/orders/cancel with up to
// flipkart_cancel_items_per_call_max order items; per item SUCCESS ->
// acked, FAILURE -> parked, missing -> retry; refusals as above.
#include <map>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

const std::string inventory_path = "/listings/v3/update/inventory";
const std::string cancel_path = "/v2/orders/cancel";

// "code: description" of the first of `errors` ([{severity, code,
// description, path}]), and that code.
std::pair<std::string, std::string> first_error(const json* errors) {
  if (errors == nullptr || !errors->is_array() || errors->empty())
    return {"", "no error given"};
  const auto& e = errors->at(0);
  return {text_of(e.value("code", json(""))),
          text_of(e.value("description", json("")))};
}

// What every Flipkart job shares: bearer auth and refusals read without
// ever echoing the token.
class flipkart_base : public job_base {
protected:
  flipkart_base(const channel_account& a, std::size_t items)
      : job_base(channel_kind::flipkart, items), token_(a.access_token) {}

  http_request with_token(http_request req) const {
    req.headers.emplace_back("Authorization", "Bearer " + token_);
    return req;
  }

  // {"error","error_description"} (OAuth), or {"errors":[...]}.
  std::string refusal_text(const http_response& resp,
                           const std::optional<json>& body) const {
    auto* error = body ? member(*body, "error") : nullptr;
    if (error != nullptr)
      return error_text(text_of(*error),
                        text_of(body->value("error_description", json(""))));
    auto [code, description] =
        first_error(body ? member(*body, "errors") : nullptr);
    return error_text(code.empty() ? std::to_string(resp.status) : code,
                      description);
  }

  std::string redacted(std::string text) const {
    if (token_.empty())
      return text;
    for (auto at = text.find(token_); at != std::string::npos;
         at = text.find(token_, at))
      text.replace(at, token_.size(), "<token>");
    return text;
  }

private:
  const std::string token_;
};

class flipkart_job final : public flipkart_base {
public:
  flipkart_job(const channel_account& a, const std::vector<push_item>& items)
      : flipkart_base(a, items.size()) {
    json body = json::object();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i];
      body[item.sku] = {
          {"product_id", item.ids.item_id},
          {"locations", json::array({{{"id", item.ids.location_id},
                                      {"inventory", item.quantity}}})}};
      index_of_sku_.emplace(item.sku, i);
    }
    send(with_token(api_request(a, "POST", inventory_path, body)));
  }

private:
  void read(const http_response& resp) override {
    auto body = parse_json(resp.body);
    if (!is_2xx(resp.status))
      return refuse(resp, redacted(refusal_text(resp, body)));
    if (!body || !body->is_object())
      return decide_rest(item_verdict::retry,
                         unreadable(resp, "not an object keyed by SKU"));
    for (auto& [sku, answer] : body->items()) {
      auto i = index_of_sku_.find(sku);
      if (i != index_of_sku_.end())
        read_sku(i->second, answer);
    }
    decide_rest(item_verdict::retry,
                error_text("missing", "no answer for this SKU"));
  }

  void read_sku(std::size_t item, const json& answer) {
    auto status = text_of(answer.value("status", json("")));
    if (status == "SUCCESS" || status == "WARNING")
      return decide(item, item_verdict::acked);
    auto [code, description] = first_error(member(answer, "errors"));
    bool is_4xx = code.size() == 3 && code[0] == '4';
    decide(item, is_4xx ? item_verdict::parked : item_verdict::retry,
           error_text(status + " " + code, description));
  }

  std::map<std::string, std::size_t> index_of_sku_;
};

// POST /v2/orders/cancel of order items: the cancel contract in
// cancel_wire.hpp.
class cancel_job final : public flipkart_base {
public:
  cancel_job(const channel_account& a, const std::vector<cancel_item>& items)
      : flipkart_base(a, items.size()) {
    json order_items = json::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      order_items.push_back({{"orderItemId", items[i].order_id},
                             {"reason", "not_enough_inventory"},
                             {"quantity", items[i].qty}});
      index_of_item_.emplace(items[i].order_id, i);
    }
    send(with_token(
        api_request(a, "POST", cancel_path, {{"orderItems", order_items}})));
  }

private:
  void read(const http_response& resp) override {
    auto body = parse_json(resp.body);
    if (!is_2xx(resp.status))
      return refuse(resp, redacted(refusal_text(resp, body)));
    auto* answers = body ? member(*body, "orderItems") : nullptr;
    if (answers == nullptr || !answers->is_array())
      return decide_rest(item_verdict::retry,
                         unreadable(resp, "no orderItems array"));
    for (const auto& a : *answers) {
      auto* id = member(a, "orderItemId");
      auto i = id ? index_of_item_.find(text_of(*id)) : index_of_item_.end();
      if (i == index_of_item_.end())
        continue;
      auto status = text_of(a.value("status", json("")));
      if (status == "SUCCESS")
        decide(i->second, item_verdict::acked);
      else
        decide(i->second, item_verdict::parked,
               error_text(status.empty() ? "FAILURE" : status,
                          text_of(a.value("errorMessage", json("")))));
    }
    decide_rest(item_verdict::retry,
                error_text("missing", "no answer for this order item"));
  }

  std::map<std::string, std::size_t> index_of_item_;
};

} // namespace

std::unique_ptr<push_job>
make_flipkart_cancel_job(const channel_account& account,
                         std::vector<cancel_item> items) {
  return std::make_unique<cancel_job>(account, items);
}

std::unique_ptr<push_job> make_flipkart_job(const channel_account& account,
                                            std::vector<push_item> items) {
  return std::make_unique<flipkart_job>(account, items);
}

} // namespace stockwire::wire_detail
