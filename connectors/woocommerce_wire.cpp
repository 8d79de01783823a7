// WooCommerce REST API v3, up to 100 SKUs per job.
//
// Authorization: Basic base64(consumer_key:consumer_secret). Each item is
// {"id", "stock_quantity", "manage_stock": true}. Products go to
// POST {base}/wp-json/wc/v3/products/batch; variations (listing
// variation_id set) to POST {base}/wp-json/wc/v3/products/{item_id}/
// variations/batch with the variation's id, since Woo batches variations
// per parent. So a job sends one request per group (the products; each
// parent's variations) in order of first appearance; the job carries
// <= 100 items in all, so every request is within Woo's limit.
// Non-numeric ids are parked without a request. (The fake models products only:
// variation requests get its 404 rest_no_route and are parked.)
//
// Answers: per-item {"id","error":{code,message,data.status}} inside the
// 200 -> parked for a 4xx status (invalid id or value), retry otherwise;
// an item missing from the answer -> retry. A refused request: 401, 403
// (credentials), 429 (throttled, Retry-After) and 5xx decide every item
// left and end the job; any other status only decides its group (a 404
// for one parent says nothing of the others): 413 -> retry (cannot happen
// within the limit), other 4xx -> parked.
//
// Cancellations (cancel_wire.hpp): PUT {base}/wp-json/wc/v3/orders/{id}
// {"status": "cancelled"}, one order per job, by the common status policy.
#include <map>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

const std::string api_prefix = "/wp-json/wc/v3/products/";
const std::string orders_prefix = "/wp-json/wc/v3/orders/";

// WP_Error {"code","message","data":{"status"}} as "woocommerce code:
// message" (through the job's error_text).
template <class ErrorText>
std::string wp_error(const http_response& resp, ErrorText error_text) {
  auto body = parse_json(resp.body);
  auto* code = body ? member(*body, "code") : nullptr;
  auto* message = body ? member(*body, "message") : nullptr;
  if (code == nullptr || message == nullptr)
    return error_text(std::to_string(resp.status), resp.body.substr(0, 200));
  return error_text(text_of(*code), text_of(*message));
}

http_request with_basic_auth(const channel_account& a, http_request req) {
  req.headers.emplace_back(
      "Authorization",
      "Basic " + base64(a.consumer_key + ":" + a.consumer_secret));
  return req;
}

class woocommerce_job final : public job_base {
public:
  woocommerce_job(const channel_account& a, const std::vector<push_item>& items)
      : job_base(channel_kind::woocommerce, items.size()), account_(a) {
    std::map<std::string, std::size_t> group_of_path;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& ids = items[i].ids;
      bool variation = !ids.variation_id.empty();
      auto parent = numeric_id(ids.item_id);
      auto id = variation ? numeric_id(ids.variation_id) : parent;
      if (!parent || !id) {
        decide(i, item_verdict::parked,
               error_text("invalid_id",
                          "product \"" + ids.item_id + "\" / variation \"" +
                              ids.variation_id + "\" must be numeric ids"));
        continue;
      }
      auto path = variation ? std::to_string(*parent) + "/variations/batch"
                            : std::string{"batch"};
      auto [at, added] = group_of_path.try_emplace(path, groups_.size());
      if (added)
        groups_.push_back({path, {}, json::array()});
      groups_[at->second].items.push_back(i);
      groups_[at->second].updates.push_back(
          {{"id", *id},
           {"stock_quantity", items[i].quantity},
           {"manage_stock", true}});
    }
    send_group();
  }

private:
  struct group {
    std::string path; // after /products/
    std::vector<std::size_t> items;
    json updates = json::array();
  };

  void send_group() {
    if (current_ >= groups_.size())
      return;
    send(with_basic_auth(account_,
                         api_request(account_, "POST",
                                     api_prefix + groups_[current_].path,
                                     {{"update", groups_[current_].updates}})));
  }

  void read(const http_response& resp) override {
    const auto& g = groups_[current_];
    if (!is_2xx(resp.status)) {
      auto text = wp_error_text(resp);
      auto s = resp.status;
      if (s == 401 || s == 403 || s == 429 || s >= 500 || s < 400)
        return refuse(resp, text);
      auto verdict = s == 413 ? item_verdict::retry : item_verdict::parked;
      for (auto i : g.items)
        decide(i, verdict, text);
    } else {
      read_updates(resp, g);
    }
    ++current_;
    send_group();
  }

  void read_updates(const http_response& resp, const group& g) {
    auto body = parse_json(resp.body);
    const json* updates = body ? member(*body, "update") : nullptr;
    if (updates == nullptr || !updates->is_array()) {
      for (auto i : g.items)
        decide(i, item_verdict::retry, unreadable(resp, "no update array"));
      return;
    }
    // Woo answers in request order; matching by id also survives a
    // reordered answer. Items sharing an id are matched in order.
    std::multimap<std::int64_t, std::size_t> by_id;
    for (std::size_t k = 0; k < g.items.size(); ++k)
      by_id.emplace(g.updates.at(k).at("id").get<std::int64_t>(), g.items[k]);
    for (const auto& u : *updates) {
      auto* id = member(u, "id");
      auto n = id ? numeric_id(text_of(*id)) : std::nullopt;
      auto hit = n ? by_id.find(*n) : by_id.end();
      if (hit == by_id.end())
        continue;
      auto item = hit->second;
      by_id.erase(hit);
      if (auto* e = member(u, "error"))
        decide(item, item_error_verdict(*e),
               error_text(text_of(e->value("code", json(""))),
                          text_of(e->value("message", json("")))));
      else
        decide(item, item_verdict::acked);
    }
    for (auto& [id, item] : by_id)
      decide(item, item_verdict::retry,
             error_text("missing", "no answer for id " + std::to_string(id)));
  }

  static item_verdict item_error_verdict(const json& e) {
    auto* data = member(e, "data");
    auto* status = data ? member(*data, "status") : nullptr;
    bool is_4xx = status && status->is_number_integer() &&
                  status->get<int>() >= 400 && status->get<int>() < 500;
    return is_4xx ? item_verdict::parked : item_verdict::retry;
  }

  std::string wp_error_text(const http_response& resp) const {
    return wp_error(resp, [this](std::string_view c, std::string_view m) {
      return error_text(c, m);
    });
  }

  const channel_account account_;
  std::vector<group> groups_;
  std::size_t current_ = 0;
};

// PUT orders/{id} {"status": "cancelled"}: the cancel contract in
// cancel_wire.hpp. Answers by the common status policy (404
// woocommerce_rest_shop_order_invalid_id -> parked).
class cancel_job final : public job_base {
public:
  cancel_job(const channel_account& a, const cancel_item& item)
      : job_base(channel_kind::woocommerce, 1) {
    auto id = numeric_id(item.order_id);
    if (!id) {
      decide(0, item_verdict::parked,
             error_text("invalid_id", "order \"" + item.order_id +
                                          "\" must be a numeric id"));
      return;
    }
    send(with_basic_auth(a, api_request(a, "PUT",
                                        orders_prefix + std::to_string(*id),
                                        {{"status", "cancelled"}})));
  }

private:
  void read(const http_response& resp) override {
    if (!is_2xx(resp.status))
      return refuse(
          resp, wp_error(resp, [this](std::string_view c, std::string_view m) {
            return error_text(c, m);
          }));
    decide(0, item_verdict::acked);
  }
};

} // namespace

std::unique_ptr<push_job>
make_woocommerce_cancel_job(const channel_account& account,
                            const cancel_item& item) {
  return std::make_unique<cancel_job>(account, item);
}

std::unique_ptr<push_job> make_woocommerce_job(const channel_account& account,
                                               std::vector<push_item> items) {
  return std::make_unique<woocommerce_job>(account, items);
}

} // namespace stockwire::wire_detail
