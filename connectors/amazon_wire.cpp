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
//
// Cancellations (cancel_wire.hpp): the same feed steps with feedType
// POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA, content type
// text/tab-separated-values, marketplaceIds [the account's], the document
// "order-id\tamazon-order-item-code\tcancellation-reason-code" then
// "<order id>\t\tNoInventory" per order. DONE: the flat-file processing
// report is read; an error row parks its order (unknown order, refused
// row), an error naming no order of the feed makes every order retry, the
// others are acked. Everything else as above.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "connectors/wire_kinds.hpp"

namespace stockwire::wire_detail {

namespace {

const std::string listings_prefix = "/listings/2021-08-01/items/";
const std::string feeds_prefix = "/feeds/2021-06-30/";
const std::string feed_content_type = "application/json; charset=UTF-8";
const std::string cancel_feed_content_type =
    "text/tab-separated-values; charset=UTF-8";

// A TSV field: tabs and line breaks (which an order id never holds) become
// spaces rather than break the row.
std::string tsv_field(std::string text) {
  for (auto& c : text)
    if (c == '\t' || c == '\n' || c == '\r')
      c = ' ';
  return text;
}

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

// What a feed carries, and how its end is read.
struct feed_spec {
  std::string feed_type;
  std::string content_type;
  std::string document;
  std::vector<std::string> marketplaces;
  // The processing report: JSON issues per message (listings), or the
  // flat-file report of error rows per order (order acknowledgements).
  bool flat_file_report = false;
  // Report issues by sku (listings) or rows by order id (acknowledgements).
  std::map<std::string, std::size_t> index_of_sku;
};

feed_spec listings_feed(const channel_account& a,
                        const std::vector<push_item>& items) {
  feed_spec spec;
  spec.feed_type = "JSON_LISTINGS_FEED";
  spec.content_type = feed_content_type;
  auto seller = a.seller_id.empty() ? items.front().ids.seller_id : a.seller_id;
  json messages = json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    messages.push_back({{"messageId", i + 1},
                        {"sku", item.sku},
                        {"operationType", "PATCH"},
                        {"productType", product_type(a, item)},
                        {"patches", patches(item)}});
    spec.index_of_sku.emplace(item.sku, i);
    auto m = marketplace(a, item);
    if (std::find(spec.marketplaces.begin(), spec.marketplaces.end(), m) ==
        spec.marketplaces.end())
      spec.marketplaces.push_back(m);
  }
  spec.document = to_body(
      {{"header",
        {{"sellerId", seller}, {"version", "2.0"}, {"issueLocale", "en_US"}}},
       {"messages", messages}});
  return spec;
}

// The order acknowledgement flat file: one row per order, an empty item
// code (the whole order), reason NoInventory.
feed_spec cancel_feed(const channel_account& a,
                      const std::vector<cancel_item>& items) {
  feed_spec spec;
  spec.feed_type = "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA";
  spec.content_type = cancel_feed_content_type;
  spec.marketplaces.push_back(a.marketplace_id);
  spec.flat_file_report = true;
  spec.document =
      "order-id\tamazon-order-item-code\tcancellation-reason-code\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    spec.document += tsv_field(items[i].order_id) + "\t\tNoInventory\n";
    spec.index_of_sku.emplace(tsv_field(items[i].order_id), i);
  }
  return spec;
}

class feed_job final : public job_base {
public:
  feed_job(const channel_account& a, std::size_t items, feed_spec spec)
      : job_base(channel_kind::amazon, items), account_(a),
        spec_(std::move(spec)) {
    send(api(feeds_prefix + "documents", "POST",
             {{"contentType", spec_.content_type}}));
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
    if (step_ == step::report && spec_.flat_file_report)
      return read_flat_file_report(resp.body);
    if (step_ == step::upload) { // S3 answers an empty body
      step_ = step::create_feed;
      return send(api(feeds_prefix + "feeds", "POST",
                      {{"feedType", spec_.feed_type},
                       {"marketplaceIds", spec_.marketplaces},
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
      req->headers.emplace_back("Content-Type", spec_.content_type);
      req->body = std::move(spec_.document);
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

  // Amazon's flat-file processing report: a summary, then a header line
  // "original-record-number\torder-id\tamazon-order-item-code\terror-code\t
  // error-type\terror-message" and one line per failed row. An Error or
  // Fatal row parks its order (the order is unknown or the row refused);
  // a Fatal line naming no order fails the whole feed (retry); the other
  // orders are acked.
  void read_flat_file_report(const std::string& body) {
    std::istringstream in{body};
    std::string line;
    bool in_rows = false;
    std::string feed_error;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (!in_rows) {
        in_rows = line.rfind("original-record-number", 0) == 0;
        continue;
      }
      auto cols = split_tabs(line);
      if (cols.size() < 6)
        continue;
      auto text = error_text(cols[3], cols[5]);
      auto i = spec_.index_of_sku.find(cols[1]);
      if (i != spec_.index_of_sku.end())
        decide(i->second, item_verdict::parked, text);
      else if (feed_error.empty())
        feed_error = text;
    }
    if (!feed_error.empty())
      decide_rest(item_verdict::retry, feed_error);
    decide_rest(item_verdict::acked, {});
  }

  static std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out(1);
    for (char c : line)
      if (c == '\t')
        out.emplace_back();
      else
        out.back() += c;
    return out;
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
      auto i = spec_.index_of_sku.find(sku->get<std::string>());
      if (i != spec_.index_of_sku.end())
        return i->second;
    }
    return std::nullopt;
  }

  const channel_account account_;
  feed_spec spec_; // its document is moved out when uploaded
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
  return std::make_unique<feed_job>(account, items.size(),
                                    listings_feed(account, items));
}

std::unique_ptr<push_job>
make_amazon_cancel_job(const channel_account& account,
                       std::vector<cancel_item> items) {
  return std::make_unique<feed_job>(account, items.size(),
                                    cancel_feed(account, items));
}

} // namespace stockwire::wire_detail
