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
#include <map>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

const std::string inventory_path = "/listings/v3/update/inventory";

// "code: description" of the first of `errors` ([{severity, code,
// description, path}]), and that code.
std::pair<std::string, std::string> first_error(const json* errors) {
  if (errors == nullptr || !errors->is_array() || errors->empty())
    return {"", "no error given"};
  const auto& e = errors->at(0);
  return {text_of(e.value("code", json(""))),
          text_of(e.value("description", json("")))};
}

class flipkart_job final : public job_base {
public:
  flipkart_job(const channel_account& a, const std::vector<push_item>& items)
      : job_base(channel_kind::flipkart, items.size()), token_(a.access_token) {
    json body = json::object();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i];
      body[item.sku] = {
          {"product_id", item.ids.item_id},
          {"locations", json::array({{{"id", item.ids.location_id},
                                      {"inventory", item.quantity}}})}};
      index_of_sku_.emplace(item.sku, i);
    }
    auto req = api_request(a, "POST", inventory_path, body);
    req.headers.emplace_back("Authorization", "Bearer " + a.access_token);
    send(std::move(req));
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

  const std::string token_;
  std::map<std::string, std::size_t> index_of_sku_;
};

} // namespace

std::unique_ptr<push_job> make_flipkart_job(const channel_account& account,
                                            std::vector<push_item> items) {
  return std::make_unique<flipkart_job>(account, items);
}

} // namespace stockwire::wire_detail
