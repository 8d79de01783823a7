// Fake Amazon SP-API: Listings Items patchListingsItem/getListingsItem and
// the Feeds API (JSON_LISTINGS_FEED; POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA
// for order cancellations). See channels.hpp for the contract and
// docs/FAKECHANNEL.md for what is simplified.
#include <cstdio>
#include <deque>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/rate_limit.hpp"
#include "fakechannel/amazon_ack.hpp"
#include "fakechannel/channels.hpp"
#include "fakechannel/http_util.hpp"
#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

const std::string listings_prefix = "/listings/2021-08-01/items/";
const std::string feeds_prefix = "/feeds/2021-06-30/";
const std::string upload_prefix = "/_feed-documents/"; // the "pre-signed" URLs
const std::string availability_path = "/attributes/fulfillment_availability";

const std::string listings_feed = "JSON_LISTINGS_FEED";
const std::string ack_feed = "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA";

http_reply error(unsigned status, const std::string& code,
                 const std::string& message, const std::string& details = "") {
  return json_reply(status,
                    {{"errors", json::array({{{"code", code},
                                              {"message", message},
                                              {"details", details}}})}});
}

json issue(const std::string& message) {
  return {{"code", "4000003"},
          {"message", message},
          {"severity", "ERROR"},
          {"attributeNames", json::array({"fulfillment_availability"})},
          {"categories", json::array({"INVALID_ATTRIBUTE"})}};
}

// The outcome of checking one patch list: a shape error (-> 400), issues
// (-> INVALID), or the quantity to set (nullopt: nothing inventory-related).
struct patch_check {
  std::string shape_error;
  json issues = json::array();
  std::optional<std::int64_t> quantity;
};

patch_check check_patches(const json& patches) {
  patch_check out;
  if (!patches.is_array() || patches.empty()) {
    out.shape_error = "'patches' must be a non-empty array";
    return out;
  }
  for (const auto& p : patches) {
    if (!p.is_object() || !p.contains("op") || !p["op"].is_string() ||
        !p.contains("path") || !p["path"].is_string()) {
      out.shape_error = "each patch needs string 'op' and 'path'";
      return out;
    }
    auto op = p["op"].get<std::string>();
    if (op != "add" && op != "replace" && op != "merge" && op != "delete") {
      out.shape_error = "'op' must be add, replace, merge or delete";
      return out;
    }
    if (op != "delete" && (!p.contains("value") || !p["value"].is_array())) {
      out.shape_error = "'value' must be an array";
      return out;
    }
    if (p["path"] != availability_path)
      continue; // other attributes: accepted, not modelled
    if (op == "delete") {
      out.quantity = 0;
      continue;
    }
    const auto& v = p["value"];
    if (v.empty() || !v[0].is_object() || !v[0].contains("quantity") ||
        !v[0]["quantity"].is_number_integer() ||
        !v[0].contains("fulfillment_channel_code") ||
        !v[0]["fulfillment_channel_code"].is_string()) {
      out.issues.push_back(issue("fulfillment_availability needs "
                                 "fulfillment_channel_code and an integer "
                                 "quantity"));
      continue;
    }
    auto q = v[0]["quantity"].get<std::int64_t>();
    if (q < 0)
      out.issues.push_back(issue("quantity must be 0 or greater"));
    else
      out.quantity = q;
  }
  return out;
}

struct pending_change {
  std::int64_t due_ms;
  std::string sku;
  std::int64_t quantity;
};

// A feed document: what was uploaded to its URL, or a processing report.
struct document {
  std::string content;
  std::string content_type = "application/json";
};

struct feed {
  std::string id;
  std::string type;
  json marketplace_ids;
  std::int64_t created_wall_ms = 0;
  std::int64_t due_ms = 0;
  std::string input_document_id;
  std::string result_document_id; // set when DONE or FATAL
  std::string status = "IN_QUEUE";
};

class amazon final : public channel_handler {
public:
  amazon(const amazon_config& cfg, const clock_reading& now)
      : cfg_(cfg),
        state_(cfg.common.listings, cfg.common.strict_listings, now.mono_ms),
        bucket_(cfg.rate_per_s, cfg.burst, now.mono_ms),
        feed_bucket_(cfg.create_feed_rate_per_s, cfg.create_feed_burst,
                     now.mono_ms) {}

  const char* name() const override { return "amazon"; }
  channel_state& state() override { return state_; }

  void reset(const clock_reading& now) override {
    state_.reset(now.mono_ms);
    bucket_.reset(now.mono_ms);
    feed_bucket_.reset(now.mono_ms);
    pending_.clear();
    feeds_.clear();
    documents_.clear();
    seq_ = 0;
  }

  void settle(const clock_reading& now) override {
    while (!pending_.empty() && pending_.front().due_ms <= now.mono_ms) {
      auto& c = pending_.front();
      if (state_.accepts(c.sku))
        state_.apply(c.sku, c.quantity, now);
      pending_.pop_front();
    }
    for (auto& [id, f] : feeds_)
      if (f.result_document_id.empty() && f.due_ms <= now.mono_ms)
        process(f, now);
  }

  http_reply handle(const http_request& req, const clock_reading& now,
                    bool*) override {
    auto path = target_path(req.target);
    if (path.rfind(upload_prefix, 0) == 0)
      return document_transfer(req, path.substr(upload_prefix.size()));
    bool listings = path.rfind(listings_prefix, 0) == 0;
    bool feeds = path.rfind(feeds_prefix, 0) == 0;
    if (!listings && !feeds)
      return error(404, "NotFound", "Resource not found");
    if (!same_secret(req.header("x-amz-access-token"), cfg_.access_token))
      return error(403, "Unauthorized",
                   "Access to requested resource is denied.",
                   "The access token you provided is revoked, malformed or "
                   "invalid.");
    auto r = listings ? listing(req, path, now) : feed_api(req, path, now);
    r.headers.emplace_back("x-amzn-RequestId", next_id("req"));
    return r;
  }

private:
  std::string next_id(const char* prefix) {
    char buf[64];
    auto n = ++seq_;
    std::snprintf(buf, sizeof buf, "%s-%08llx-0000-4000-8000-%012llx", prefix,
                  static_cast<unsigned long long>(n),
                  static_cast<unsigned long long>(n * 2654435761u));
    return buf;
  }

  http_reply throttled() {
    auto r = error(429, "QuotaExceeded",
                   "You exceeded your quota for the requested resource.");
    return r;
  }

  // -- Listings Items --------------------------------------------------------

  http_reply listing(const http_request& req, const std::string& path,
                     const clock_reading& now) {
    auto rest = path.substr(listings_prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size())
      return error(404, "NotFound", "Resource not found");
    auto raw_sku = rest.substr(slash + 1);
    auto sku = percent_decode(raw_sku, false);
    if (!sku || raw_sku.find('/') != std::string::npos)
      return error(400, "InvalidInput", "Invalid input", "malformed sku");
    auto query = target_query(req.target);
    if (query["marketplaceIds"].empty())
      return error(400, "InvalidInput", "Invalid input",
                   "Missing required parameter marketplaceIds");
    if (req.method != "PATCH" && req.method != "GET")
      return error(405, "MethodNotAllowed", "Method not allowed");
    if (!bucket_.try_take(now.mono_ms))
      return throttled();
    http_reply r = req.method == "GET" ? get_item(*sku)
                                       : patch_item(req, *sku, query, now);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", cfg_.rate_per_s);
    r.headers.emplace_back("x-amzn-RateLimit-Limit", rate);
    return r;
  }

  http_reply get_item(const std::string& sku) {
    auto* l = state_.find(sku);
    if (l == nullptr)
      return error(404, "NOT_FOUND", "Requested item not found",
                   "SKU " + sku + " not found");
    return json_reply(200,
                      {{"sku", sku},
                       {"fulfillmentAvailability",
                        json::array({{{"fulfillmentChannelCode", "DEFAULT"},
                                      {"quantity", l->quantity}}})}});
  }

  http_reply patch_item(const http_request& req, const std::string& sku,
                        std::map<std::string, std::string>& query,
                        const clock_reading& now) {
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || !body->contains("productType") ||
        !(*body)["productType"].is_string() || !body->contains("patches"))
      return error(400, "InvalidInput", "Invalid input",
                   "body must be a ListingsItemPatchRequest "
                   "{productType, patches}");
    auto check = check_patches((*body)["patches"]);
    if (!check.shape_error.empty())
      return error(400, "InvalidInput", "Invalid input", check.shape_error);
    if (!state_.accepts(sku))
      return error(404, "NOT_FOUND", "Requested item not found",
                   "SKU " + sku + " not found");
    json out = {{"sku", sku}, {"submissionId", next_id("sub")}};
    if (!check.issues.empty()) {
      out["status"] = "INVALID";
      out["issues"] = check.issues;
      return json_reply(200, out);
    }
    out["issues"] = json::array();
    if (query["mode"] == "VALIDATION_PREVIEW") {
      out["status"] = "VALID";
      return json_reply(200, out);
    }
    out["status"] = "ACCEPTED";
    if (check.quantity)
      pending_.push_back(
          {now.mono_ms + cfg_.apply_delay_ms, sku, *check.quantity});
    return json_reply(200, out);
  }

  // -- Feeds -----------------------------------------------------------------

  http_reply feed_api(const http_request& req, const std::string& path,
                      const clock_reading& now) {
    auto rest = path.substr(feeds_prefix.size());
    if (rest == "documents" && req.method == "POST")
      return create_document(req);
    if (rest == "feeds" && req.method == "POST")
      return create_feed(req, now);
    if (rest.rfind("feeds/", 0) == 0 && req.method == "GET")
      return get_feed(rest.substr(6));
    if (rest.rfind("documents/", 0) == 0 && req.method == "GET") {
      auto id = rest.substr(10);
      if (documents_.count(id) == 0)
        return error(404, "NotFound", "Resource not found");
      return json_reply(200, {{"feedDocumentId", id}, {"url", url(req, id)}});
    }
    return error(404, "NotFound", "Resource not found");
  }

  static std::string url(const http_request& req, const std::string& id) {
    return "http://" + req.header("host") + upload_prefix + id;
  }

  http_reply create_document(const http_request& req) {
    auto body = parse_json(req.body);
    if (!body || !body->is_object() || !body->contains("contentType") ||
        !(*body)["contentType"].is_string())
      return error(400, "InvalidInput", "Invalid input",
                   "body must be {\"contentType\": \"...\"}");
    auto id = next_id("amzn1.tortuga.doc");
    documents_[id] = document{};
    return json_reply(201, {{"feedDocumentId", id}, {"url", url(req, id)}});
  }

  http_reply document_transfer(const http_request& req, const std::string& id) {
    auto i = documents_.find(id);
    if (i == documents_.end())
      return json_reply(404, {{"Error", {{"Code", "NoSuchKey"}}}});
    if (req.method == "PUT") {
      i->second.content = req.body;
      return json_reply(200, json::object());
    }
    http_reply r;
    r.body = i->second.content;
    r.content_type = i->second.content_type;
    return r;
  }

  http_reply create_feed(const http_request& req, const clock_reading& now) {
    if (!feed_bucket_.try_take(now.mono_ms))
      return throttled();
    auto body = parse_json(req.body);
    // (value() with a typed default throws on another type: checked first.)
    if (!body || !body->is_object() || !body->contains("feedType") ||
        !(*body)["feedType"].is_string() || !body->contains("marketplaceIds") ||
        !(*body)["marketplaceIds"].is_array() ||
        !body->contains("inputFeedDocumentId") ||
        !(*body)["inputFeedDocumentId"].is_string())
      return error(400, "InvalidInput", "Invalid input",
                   "body must be {feedType, marketplaceIds, "
                   "inputFeedDocumentId}");
    auto type = (*body)["feedType"].get<std::string>();
    if (type != listings_feed && type != ack_feed)
      return error(400, "InvalidInput", "Invalid input",
                   "fakechannel supports only " + listings_feed + " and " +
                       ack_feed);
    auto doc = (*body)["inputFeedDocumentId"].get<std::string>();
    if (documents_.count(doc) == 0)
      return error(400, "InvalidInput", "Invalid input",
                   "unknown inputFeedDocumentId");
    feed f;
    f.id = std::to_string(50000000000 + static_cast<long long>(++seq_));
    f.type = type;
    f.marketplace_ids = (*body)["marketplaceIds"];
    f.created_wall_ms = now.wall_ms;
    f.due_ms = now.mono_ms + cfg_.feed_processing_ms;
    f.input_document_id = doc;
    auto id = f.id;
    feeds_[id] = std::move(f);
    return json_reply(202, {{"feedId", id}});
  }

  http_reply get_feed(const std::string& id) {
    auto i = feeds_.find(id);
    if (i == feeds_.end())
      return error(404, "NotFound", "Resource not found");
    auto& f = i->second;
    json out = {{"feedId", f.id},
                {"feedType", f.type},
                {"marketplaceIds", f.marketplace_ids},
                {"createdTime", iso8601(f.created_wall_ms)},
                {"processingStatus", f.status}};
    if (!f.result_document_id.empty())
      out["resultFeedDocumentId"] = f.result_document_id;
    return json_reply(200, out);
  }

  // Applies a feed now and stores its processing report.
  void process(feed& f, const clock_reading& now) {
    if (f.type == ack_feed)
      return process_acknowledgements(f);
    auto doc = parse_json(documents_[f.input_document_id].content);
    json issues = json::array();
    std::int64_t processed = 0, accepted = 0, invalid = 0;
    if (!doc || !doc->is_object() || !doc->contains("messages") ||
        !(*doc)["messages"].is_array() ||
        (*doc)["messages"].size() > amazon_feed_messages_max) {
      f.status = "FATAL";
      issues.push_back({{"code", "4000003"},
                        {"severity", "ERROR"},
                        {"message", "feed document is not a valid "
                                    "JSON_LISTINGS_FEED (max 25000 "
                                    "messages)"}});
    } else {
      f.status = "DONE";
      for (const auto& m : (*doc)["messages"]) {
        ++processed;
        auto fail = [&](const std::string& why) {
          ++invalid;
          auto field = [&](const char* k) {
            return m.is_object() ? m.value(k, json(nullptr)) : json(nullptr);
          };
          issues.push_back({{"messageId", field("messageId")},
                            {"sku", field("sku")},
                            {"code", "4000003"},
                            {"severity", "ERROR"},
                            {"message", why}});
        };
        if (!m.is_object() || !m.contains("sku") || !m["sku"].is_string() ||
            !m.contains("operationType") || m["operationType"] != "PATCH" ||
            !m.contains("patches")) {
          fail("message needs messageId, sku, operationType PATCH and "
               "patches (the fake models PATCH only)");
          continue;
        }
        auto sku = m["sku"].get<std::string>();
        auto check = check_patches(m["patches"]);
        if (!check.shape_error.empty() || !check.issues.empty()) {
          fail(check.shape_error.empty() ? "invalid fulfillment_availability"
                                         : check.shape_error);
          continue;
        }
        if (!state_.accepts(sku)) {
          fail("SKU " + sku + " not found");
          continue;
        }
        if (check.quantity)
          state_.apply(sku, *check.quantity, now);
        ++accepted;
      }
    }
    json report = {
        {"header",
         {{"sellerId", doc && doc->is_object() && doc->contains("header") &&
                               (*doc)["header"].is_object()
                           ? (*doc)["header"].value("sellerId", json(""))
                           : json("")},
          {"version", "2.0"},
          {"feedId", f.id}}},
        {"issues", issues},
        {"summary",
         {{"errors", invalid + (f.status == "FATAL" ? 1 : 0)},
          {"warnings", 0},
          {"messagesProcessed", processed},
          {"messagesAccepted", accepted},
          {"messagesInvalid", invalid}}}};
    auto id = next_id("amzn1.tortuga.report");
    documents_[id] = document{report.dump(), "application/json"};
    f.result_document_id = id;
  }

  // An order acknowledgement feed (amazon_ack.hpp): cancels orders.
  void process_acknowledgements(feed& f) {
    auto out = apply_acknowledgements(documents_[f.input_document_id].content,
                                      state_.orders());
    f.status = out.fatal ? "FATAL" : "DONE";
    auto id = next_id("amzn1.tortuga.report");
    documents_[id] = document{out.report, "text/tab-separated-values"};
    f.result_document_id = id;
  }

  amazon_config cfg_;
  channel_state state_;
  token_bucket bucket_;
  token_bucket feed_bucket_;           // createFeed
  std::deque<pending_change> pending_; // due times ascending (one delay)
  std::map<std::string, feed> feeds_;
  std::map<std::string, document> documents_;
  std::uint64_t seq_ = 0;
};

} // namespace

std::unique_ptr<channel_handler> make_amazon(const amazon_config& cfg,
                                             const clock_reading& now) {
  return std::make_unique<amazon>(cfg, now);
}

} // namespace stockwire::fakechannel
