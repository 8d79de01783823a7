// Amazon SP-API: fulfillment_availability of seller SKUs.
//
// One SKU: PATCH {base}/listings/2021-08-01/items/{sellerId}/{sku}
// ?marketplaceIds={id} (both url-encoded; listing fields override the
// account's), header x-amz-access-token, body {productType, patches:
// [replace /attributes/fulfillment_availability [{DEFAULT, quantity}]]}.
// 200 ACCEPTED -> acked (Amazon applies it later); INVALID -> parked with
// its issues; anything else in a 200 -> retry. Refusals by the common
// status policy (403 Unauthorized, 404 unknown SKU, 400 -> parked; 429
// QuotaExceeded -> throttled; 5xx -> retry). Budget: x-amzn-RateLimit-Limit
// is the only figure Amazon sends, so budget() has restore_per_s set and
// available = maximum = 0 (unknown).
//
// Many SKUs: a JSON_LISTINGS_FEED (docs/FAKECHANNEL.md):
//   1 POST {base}/feeds/2021-06-30/documents {contentType}
//   2 PUT the document to the returned absolute url (no auth header)
//   3 POST {base}/feeds/2021-06-30/feeds {JSON_LISTINGS_FEED,
//     marketplaceIds (those of the items), inputFeedDocumentId}
//   4 GET {base}/feeds/2021-06-30/feeds/{id} until DONE, FATAL or
//     CANCELLED; delay() 250 ms, doubling up to 15 s (getFeed allows
//     2/s), at most 1 h in all; a 429 or 5xx while polling polls again
//   5 GET {base}/feeds/2021-06-30/documents/{resultFeedDocumentId}
//   6 GET its url: the processing report.
// Messages: messageId = index + 1, operationType PATCH, the patch above;
// header sellerId = the account's (else the first item's). Report: an
// ERROR issue of a message parks that item (issues describe the message's
// content; Amazon documents no transient issue codes), other items are
// acked; an ERROR issue of no message (feed-level) makes every item retry.
// FATAL/CANCELLED, a poll timeout, or a step refused -> every item retry,
// except 401/403 -> parked (credentials).
#include <algorithm>
#include <cstdlib>
#include <map>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

const std::string listings_prefix = "/listings/2021-08-01/items/";
const std::string feeds_prefix = "/feeds/2021-06-30/";
const std::string feed_content_type = "application/json; charset=UTF-8";

// getFeed is limited to 2 requests/s (burst 15): the first polls are
// quick, later ones back off.
constexpr std::chrono::milliseconds feed_poll_first{250};
constexpr std::chrono::milliseconds feed_poll_max{15'000};
// Real feeds take minutes; one that is not done in an hour is resent.
constexpr std::chrono::milliseconds feed_wait_max{3'600'000};

std::string product_type(const channel_account& a, const push_item& item) {
  return item.ids.product_type.empty() ? a.product_type : item.ids.product_type;
}

std::string marketplace(const channel_account& a, const push_item& item) {
  return item.ids.marketplace_id.empty() ? a.marketplace_id
                                         : item.ids.marketplace_id;
}

json patches(const push_item& item) {
  return json::array(
      {{{"op", "replace"},
        {"path", "/attributes/fulfillment_availability"},
        {"value", json::array({{{"fulfillment_channel_code", "DEFAULT"},
                                {"quantity", item.quantity}}})}}});
}

http_request with_token(const channel_account& a, http_request req) {
  req.headers.emplace_back("x-amz-access-token", a.access_token);
  return req;
}

// "code" and "message (details)" of an SP-API error answer.
std::pair<std::string, std::string> amazon_error(const http_response& resp) {
  auto body = parse_json(resp.body);
  const json* errors = body ? member(*body, "errors") : nullptr;
  if (errors == nullptr || !errors->is_array() || errors->empty())
    return {std::to_string(resp.status), resp.body.substr(0, 200)};
  const auto& e = errors->at(0);
  auto message = text_of(e.value("message", json("")));
  auto details = text_of(e.value("details", json("")));
  if (!details.empty())
    message += " (" + details + ")";
  return {text_of(e.value("code", json(resp.status))), message};
}

// An absolute http(s) URL as a request to it (pre-signed document URLs).
std::optional<http_request> absolute_request(std::string method,
                                             const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos)
    return std::nullopt;
  http_request req;
  req.method = std::move(method);
  req.scheme = url.substr(0, sep);
  if (req.scheme != "http" && req.scheme != "https")
    return std::nullopt;
  auto rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  req.target = slash == std::string::npos ? "/" : rest.substr(slash);
  req.port = req.scheme == "https" ? 443 : 80;
  auto colon = authority.rfind(':');
  if (colon != std::string::npos &&
      authority.find(']', colon) == std::string::npos) {
    char* end = nullptr;
    auto port = std::strtol(authority.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535)
      return std::nullopt;
    req.port = static_cast<std::uint16_t>(port);
    authority.resize(colon);
  }
  if (authority.size() > 2 && authority.front() == '[' &&
      authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty())
    return std::nullopt;
  req.host = authority;
  return req;
}

class patch_job final : public job_base {
public:
  patch_job(const channel_account& a, const push_item& item)
      : job_base(channel_kind::amazon, 1) {
    auto seller = item.ids.seller_id.empty() ? a.seller_id : item.ids.seller_id;
    json body = {{"productType", product_type(a, item)},
                 {"patches", patches(item)}};
    send(with_token(a,
                    api_request(a, "PATCH",
                                listings_prefix + url_encode(seller) + "/" +
                                    url_encode(item.sku) + "?marketplaceIds=" +
                                    url_encode(marketplace(a, item)),
                                body)));
  }

private:
  void read(const http_response& resp) override {
    auto limit = resp.header("x-amzn-RateLimit-Limit");
    char* end = nullptr;
    auto rate = std::strtod(limit.c_str(), &end);
    if (!limit.empty() && *end == '\0' && rate > 0)
      budget_ = budget_report{0, 0, rate};
    if (!is_2xx(resp.status)) {
      auto [code, message] = amazon_error(resp);
      return refuse(resp, error_text(code, message));
    }
    auto body = parse_json(resp.body);
    if (!body)
      return decide(0, item_verdict::retry, unreadable(resp, "not JSON"));
    auto status = body->at("status").get<std::string>();
    if (status == "ACCEPTED")
      return decide(0, item_verdict::acked);
    if (status == "INVALID")
      return decide(0, item_verdict::parked, issues_text(body->at("issues")));
    decide(0, item_verdict::retry, unreadable(resp, "status " + status));
  }

  std::string issues_text(const json& issues) const {
    std::string out;
    for (const auto& i : issues) {
      if (i.value("severity", "ERROR") != "ERROR")
        continue;
      auto one = error_text(text_of(i.value("code", json(""))),
                            text_of(i.value("message", json(""))));
      out += out.empty() ? one : "; " + one;
    }
    return out.empty() ? error_text("INVALID", "no issue given") : out;
  }
};

class feed_job final : public job_base {
public:
  feed_job(const channel_account& a, const std::vector<push_item>& items)
      : job_base(channel_kind::amazon, items.size()), account_(a) {
    auto seller =
        a.seller_id.empty() ? items.front().ids.seller_id : a.seller_id;
    json messages = json::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i];
      messages.push_back({{"messageId", i + 1},
                          {"sku", item.sku},
                          {"operationType", "PATCH"},
                          {"productType", product_type(a, item)},
                          {"patches", patches(item)}});
      index_of_sku_.emplace(item.sku, i);
      auto m = marketplace(a, item);
      if (std::find(marketplaces_.begin(), marketplaces_.end(), m) ==
          marketplaces_.end())
        marketplaces_.push_back(m);
    }
    document_ = to_body(
        {{"header",
          {{"sellerId", seller}, {"version", "2.0"}, {"issueLocale", "en_US"}}},
         {"messages", messages}});
    send(api(feeds_prefix + "documents", "POST",
             {{"contentType", feed_content_type}}));
  }

private:
  enum class step {
    create_document,
    upload,
    create_feed,
    poll,
    result,
    report
  };

  http_request api(const std::string& path, const char* method,
                   const json& body = nullptr) const {
    return with_token(account_, api_request(account_, method, path, body));
  }

  void read(const http_response& resp) override {
    if (step_ == step::poll && (resp.status == 429 || resp.status >= 500))
      return poll_again(retry_after_header(resp));
    if (!is_2xx(resp.status))
      return fail(resp);
    if (step_ == step::upload) { // S3 answers an empty body
      step_ = step::create_feed;
      return send(api(feeds_prefix + "feeds", "POST",
                      {{"feedType", "JSON_LISTINGS_FEED"},
                       {"marketplaceIds", marketplaces_},
                       {"inputFeedDocumentId", document_id_}}));
    }
    auto body = parse_json(resp.body);
    if (!body)
      return decide_rest(item_verdict::retry, unreadable(resp, "not JSON"));
    switch (step_) {
    case step::create_document:
      document_id_ = body->at("feedDocumentId").get<std::string>();
      return fetch(step::upload, "PUT", body->at("url").get<std::string>());
    case step::create_feed:
      feed_id_ = text_of(body->at("feedId"));
      step_ = step::poll;
      return send(api(feeds_prefix + "feeds/" + feed_id_, "GET"), poll_delay_);
    case step::poll:
      return read_feed(*body);
    case step::result:
      return fetch(step::report, "GET", body->at("url").get<std::string>());
    case step::report:
      return read_report(*body);
    case step::upload:
      break; // handled above
    }
  }

  // The next step goes to an absolute URL Amazon handed out: no auth.
  void fetch(step next, const char* method, const std::string& url) {
    auto req = absolute_request(method, url);
    if (!req)
      return decide_rest(item_verdict::retry,
                         error_text("InvalidUrl", "cannot use url " + url));
    if (next == step::upload) {
      req->headers.emplace_back("Content-Type", feed_content_type);
      req->body = std::move(document_);
    }
    step_ = next;
    send(std::move(*req));
  }

  void fail(const http_response& resp) {
    auto [code, message] = amazon_error(resp);
    auto text = error_text(code, message);
    if (resp.status == 401 || resp.status == 403)
      return refuse(resp, text);
    note_throttle(resp);
    decide_rest(item_verdict::retry, text);
  }

  void read_feed(const json& feed) {
    auto status = feed.at("processingStatus").get<std::string>();
    if (status == "DONE") {
      step_ = step::result;
      auto id = text_of(feed.at("resultFeedDocumentId"));
      return send(api(feeds_prefix + "documents/" + id, "GET"));
    }
    if (status == "FATAL" || status == "CANCELLED")
      return decide_rest(item_verdict::retry,
                         error_text(status, "feed " + feed_id_ + " ended " +
                                                status + ", resent whole"));
    poll_again(std::nullopt);
  }

  void poll_again(std::optional<std::chrono::milliseconds> at_least) {
    waited_ += poll_delay_;
    poll_delay_ = std::min(poll_delay_ * 2, feed_poll_max);
    if (at_least)
      poll_delay_ = std::max(poll_delay_, *at_least);
    if (waited_ >= feed_wait_max)
      return decide_rest(
          item_verdict::retry,
          error_text("FEED_TIMEOUT",
                     "feed " + feed_id_ + " not done after " + "an hour"));
    send(api(feeds_prefix + "feeds/" + feed_id_, "GET"), poll_delay_);
  }

  void read_report(const json& report) {
    std::string feed_error;
    for (const auto& issue : report.at("issues")) {
      if (issue.value("severity", "") != "ERROR")
        continue;
      auto text = error_text(text_of(issue.value("code", json("ERROR"))),
                             text_of(issue.value("message", json(""))));
      if (auto i = message_index(issue))
        decide(*i, item_verdict::parked, text);
      else if (feed_error.empty())
        feed_error = text;
    }
    if (!feed_error.empty())
      decide_rest(item_verdict::retry, feed_error);
    decide_rest(item_verdict::acked, {});
  }

  // The item an issue is about: by messageId, else by sku.
  std::optional<std::size_t> message_index(const json& issue) const {
    auto* id = member(issue, "messageId");
    if (id && id->is_number_integer()) {
      auto n = id->get<std::int64_t>();
      if (n >= 1 && static_cast<std::size_t>(n) <= results_.size())
        return static_cast<std::size_t>(n - 1);
    }
    auto* sku = member(issue, "sku");
    if (sku && sku->is_string()) {
      auto i = index_of_sku_.find(sku->get<std::string>());
      if (i != index_of_sku_.end())
        return i->second;
    }
    return std::nullopt;
  }

  const channel_account account_;
  std::string document_; // the feed, until uploaded
  std::vector<std::string> marketplaces_;
  std::map<std::string, std::size_t> index_of_sku_;
  step step_ = step::create_document;
  std::string document_id_;
  std::string feed_id_;
  std::chrono::milliseconds poll_delay_ = feed_poll_first;
  std::chrono::milliseconds waited_{0};
};

} // namespace

std::unique_ptr<push_job> make_amazon_patch_job(const channel_account& account,
                                                push_item item) {
  return std::make_unique<patch_job>(account, item);
}

std::unique_ptr<push_job> make_amazon_feed_job(const channel_account& account,
                                               std::vector<push_item> items) {
  return std::make_unique<feed_job>(account, items);
}

} // namespace stockwire::wire_detail
