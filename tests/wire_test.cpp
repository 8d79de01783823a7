// Unit tests of the channels' wire formats (connectors/wire.hpp) and the
// channel vocabulary (connectors/channel.hpp). Jobs are driven against the
// real fake channel logic in-process (fakechannel::service, a pure
// function of request and clock reading), so they meet exactly the
// contracts the fake enforces, with a clock the test advances by each
// job's delay().
#define CAF_SUITE wire
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <cctype>
#include <cmath>
#include <limits>
#include <regex>

#include <nlohmann/json.hpp>

#include "connectors/cancel_wire.hpp"
#include "connectors/wire.hpp"
#include "fakechannel/service.hpp"

using namespace stockwire;
using json = nlohmann::json;
using std::chrono::milliseconds;

namespace {

// One letter per item: a(cked), r(etry), p(arked).
std::string verdicts(const push_job& job) {
  std::string out;
  for (auto& r : job.results())
    out += r.verdict == item_verdict::acked   ? 'a'
           : r.verdict == item_verdict::retry ? 'r'
                                              : 'p';
  return out;
}

const std::string& error_of(const push_job& job, std::size_t i) {
  return job.results().at(i).error;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string header_of(const http_request& req, const std::string& name) {
  for (auto& [k, v] : req.headers)
    if (k == name)
      return v;
  return {};
}

push_item item(std::string sku, std::string item_id, std::int64_t quantity,
               std::uint64_t version = 1) {
  push_item x;
  x.sku = std::move(sku);
  x.ids.item_id = std::move(item_id);
  x.quantity = quantity;
  x.version = version;
  return x;
}

// The @idempotent key of a Shopify GraphQL request.
std::string key_of(const http_request& req) {
  std::smatch m;
  auto query = json::parse(req.body).at("query").get<std::string>();
  return std::regex_search(query, m, std::regex{R"re(key: "([^"]+)")re"})
             ? m[1].str()
             : "";
}

struct fixture {
  fakechannel::fake_config cfg;
  // 2026-01-01T00:00:00Z; monotonic time starts elsewhere on purpose.
  fakechannel::clock_reading now{5'000'000, 1'767'225'600'000};
  std::unique_ptr<fakechannel::service> svc;

  fakechannel::service& fake() {
    if (!svc)
      svc = std::make_unique<fakechannel::service>(cfg, now);
    return *svc;
  }

  // Ports only name the channel here: the service routes by index.
  static std::uint16_t port_of(channel_kind k) {
    return static_cast<std::uint16_t>(18300 + static_cast<int>(k));
  }

  channel_account account(channel_kind k) const {
    channel_account a;
    a.id = std::string{channel_kind_name(k)};
    a.kind = k;
    a.port = port_of(k);
    switch (k) {
    case channel_kind::shopify:
      a.access_token = cfg.shopify.access_token;
      a.shopify_location_id = "222";
      break;
    case channel_kind::amazon:
      a.access_token = cfg.amazon.access_token;
      a.seller_id = "A1SELLER";
      break;
    case channel_kind::woocommerce:
      a.consumer_key = cfg.woocommerce.consumer_key;
      a.consumer_secret = cfg.woocommerce.consumer_secret;
      break;
    case channel_kind::ebay:
      a.access_token = cfg.ebay.access_token;
      break;
    case channel_kind::flipkart:
      a.access_token = cfg.flipkart.access_token;
      break;
    }
    return a;
  }

  // Sends `req` to the fake channel of kind `k` as its server would.
  http_response call(channel_kind k, const http_request& req) {
    fakechannel::http_request f;
    f.method = req.method;
    f.target = req.target;
    f.body = req.body;
    for (auto& [name, value] : req.headers) {
      std::string lower;
      for (char c : name)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      f.headers[lower] = value;
    }
    auto port = req.port != 0 ? req.port : port_of(k);
    f.headers["host"] = (req.host.empty() ? "127.0.0.1" : req.host) + ":" +
                        std::to_string(port);
    // All five channels are enabled: index = kind - 1.
    auto out = fake().handle(static_cast<std::size_t>(k) - 1, f, now);
    http_response r;
    r.status = out.reply.status;
    r.body = out.reply.body;
    r.headers = out.reply.headers;
    r.headers.emplace_back("Content-Type", out.reply.content_type);
    return r;
  }

  void advance(milliseconds d) {
    now.mono_ms += d.count();
    now.wall_ms += d.count();
  }

  // Runs `job` to its end, waiting each delay() on the fake clock.
  void run(channel_kind k, push_job& job) {
    while (auto req = job.next()) {
      advance(job.delay());
      job.on_response(call(k, *req));
    }
  }

  std::unique_ptr<push_job> push(const channel_account& a,
                                 std::vector<push_item> items) {
    auto job = make_push_job(a, std::move(items));
    run(a.kind, *job);
    return job;
  }

  // What the fake shows for `key` of the channel, or null.
  json shown(channel_kind k, const std::string& key) {
    http_request get;
    get.method = "GET";
    get.target = "/_fake/state";
    auto state = json::parse(call(k, get).body);
    auto& ch = state.at(std::string{channel_kind_name(k)});
    return ch.contains(key) ? ch.at(key) : json(nullptr);
  }

  std::int64_t quantity(channel_kind k, const std::string& key) {
    auto l = shown(k, key);
    return l.is_null() ? -1 : l.at("quantity").get<std::int64_t>();
  }
};

} // namespace

// -- channel vocabulary
// --------------------------------------------------------

CAF_TEST(allocate holds back the buffer then takes the percent then caps) {
  CAF_CHECK_EQUAL(allocate(100, {10, 50, -1}), 45);
  CAF_CHECK_EQUAL(allocate(101, {0, 50, -1}), 50); // rounded down
  CAF_CHECK_EQUAL(allocate(100, {10, 50, 20}), 20);
  CAF_CHECK_EQUAL(allocate(100, {0, 100, 0}), 0);
  CAF_CHECK_EQUAL(allocate(100, {}), 100);
}

CAF_TEST(allocate never goes below zero) {
  CAF_CHECK_EQUAL(allocate(5, {10, 100, -1}), 0);
  CAF_CHECK_EQUAL(allocate(10, {10, 100, -1}), 0);
  CAF_CHECK_EQUAL(allocate(-3, {}), 0);
  CAF_CHECK_EQUAL(allocate(-3, {-10, 100, -1}), 0);
}

CAF_TEST(allocate clamps the percent and ignores a negative buffer) {
  CAF_CHECK_EQUAL(allocate(7, {0, 150, -1}), 7);
  CAF_CHECK_EQUAL(allocate(7, {0, -5, -1}), 0);
  CAF_CHECK_EQUAL(allocate(7, {0, std::nan(""), -1}), 0);
  CAF_CHECK_EQUAL(allocate(7, {-10, 100, -1}), 7);
  CAF_CHECK_EQUAL(allocate(3, {0, 33.4, -1}), 1);
  auto big = std::numeric_limits<std::int64_t>::max();
  CAF_CHECK_EQUAL(allocate(big, {1, 100, -1}), big - 1);
}

CAF_TEST(channel kinds have names that parse back) {
  for (auto k :
       {channel_kind::shopify, channel_kind::amazon, channel_kind::woocommerce,
        channel_kind::ebay, channel_kind::flipkart})
    CAF_CHECK(parse_channel_kind(channel_kind_name(k)) == k);
  CAF_CHECK_EQUAL(channel_kind_name(channel_kind::woocommerce), "woocommerce");
  CAF_CHECK(!parse_channel_kind("etsy"));
  CAF_CHECK(!parse_channel_kind(""));
}

CAF_TEST(response headers are found case insensitively) {
  http_response r;
  r.headers = {{"Retry-After", "2"}, {"retry-after", "9"}, {"X-A", "b"}};
  CAF_CHECK_EQUAL(r.header("retry-after"), "2");
  CAF_CHECK_EQUAL(r.header("RETRY-AFTER"), "2");
  CAF_CHECK_EQUAL(r.header("x-a"), "b");
  CAF_CHECK_EQUAL(r.header("x-missing"), "");
}

CAF_TEST_FIXTURE_SCOPE(wire_tests, fixture)

CAF_TEST(push_batch_max follows each channel limit) {
  auto shopify = account(channel_kind::shopify);
  CAF_CHECK_EQUAL(push_batch_max(shopify, 500), 100u);
  shopify.shopify_api = "rest";
  CAF_CHECK_EQUAL(push_batch_max(shopify, 500), 1u);
  auto amazon = account(channel_kind::amazon); // feed from 50 pending
  CAF_CHECK_EQUAL(push_batch_max(amazon, 49), 1u);
  CAF_CHECK_EQUAL(push_batch_max(amazon, 50), 10'000u);
  amazon.amazon_feed_min_skus = 0;
  CAF_CHECK_EQUAL(push_batch_max(amazon, 100'000), 1u);
  CAF_CHECK_EQUAL(push_batch_max(account(channel_kind::woocommerce), 500),
                  100u);
  CAF_CHECK_EQUAL(push_batch_max(account(channel_kind::ebay), 500), 25u);
  CAF_CHECK_EQUAL(push_batch_max(account(channel_kind::flipkart), 500), 10u);
}

// -- Shopify
// -------------------------------------------------------------------

CAF_TEST(shopify graphql sets the quantity and reports the budget) {
  auto a = account(channel_kind::shopify);
  auto job = make_push_job(a, {item("SKU-1", "111", 7)});
  auto req = job->next();
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->target, "/admin/api/2026-04/graphql.json");
  CAF_CHECK_EQUAL(header_of(*req, "X-Shopify-Access-Token"), a.access_token);
  auto input = json::parse(req->body).at("variables").at("input");
  CAF_CHECK_EQUAL(input.at("referenceDocumentUri"),
                  "gid://stockwire/Sku/SKU-1/1");
  auto q = input.at("quantities").at(0);
  CAF_CHECK_EQUAL(q.at("inventoryItemId"), "gid://shopify/InventoryItem/111");
  CAF_CHECK_EQUAL(q.at("locationId"), "gid://shopify/Location/222");
  CAF_CHECK(q.at("changeFromQuantity").is_null());
  job->on_response(call(channel_kind::shopify, *req));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  CAF_CHECK_EQUAL(error_of(*job, 0), "");
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 7);
  auto budget = job->budget();
  CAF_REQUIRE(budget);
  CAF_CHECK_EQUAL(budget->maximum, 1000.0);
  CAF_CHECK_EQUAL(budget->available, 990.0);
  CAF_CHECK_EQUAL(budget->restore_per_s, 100.0);
  CAF_CHECK(!job->throttled());
  CAF_CHECK_EQUAL(job->requests_sent(), 1u);
}

CAF_TEST(shopify with a wrong token parks the item) {
  auto a = account(channel_kind::shopify);
  a.access_token = "shpat_wrong";
  auto job = push(a, {item("SKU-1", "111", 7)});
  CAF_CHECK_EQUAL(verdicts(*job), "p");
  CAF_CHECK(contains(error_of(*job, 0), "shopify 401: [API] Invalid API key"));
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), -1);
}

CAF_TEST(shopify idempotency key is stable for one input and new for another) {
  auto a = account(channel_kind::shopify);
  auto key = [&](const channel_account& acc, push_item x) {
    return key_of(*make_push_job(acc, {std::move(x)})->next());
  };
  auto k1 = key(a, item("SKU-1", "111", 7, 3));
  CAF_CHECK(!k1.empty());
  CAF_CHECK_EQUAL(k1, key(a, item("SKU-1", "111", 7, 3)));
  CAF_CHECK_NOT_EQUAL(k1, key(a, item("SKU-1", "111", 7, 4)));
  CAF_CHECK_NOT_EQUAL(k1, key(a, item("SKU-1", "111", 8, 3)));
  auto cas = item("SKU-1", "111", 7, 3);
  cas.shown_before = 2;
  CAF_CHECK_NOT_EQUAL(k1, key(a, cas));
  auto other = a;
  other.id = "shopify-eu";
  CAF_CHECK_NOT_EQUAL(k1, key(other, item("SKU-1", "111", 7, 3)));
}

CAF_TEST(shopify network retry reuses the key and applies once) {
  auto a = account(channel_kind::shopify);
  auto lost = make_push_job(a, {item("SKU-1", "111", 7)});
  auto req = lost->next();
  call(channel_kind::shopify, *req); // applied, but the answer is lost
  lost->on_transport_error("read 127.0.0.1:18301: timeout after 10000 ms");
  CAF_CHECK(!lost->next());
  CAF_CHECK_EQUAL(verdicts(*lost), "r");
  CAF_CHECK_EQUAL(error_of(*lost, 0),
                  "read 127.0.0.1:18301: timeout after 10000 ms");
  auto again = push(a, {item("SKU-1", "111", 7)});
  CAF_CHECK_EQUAL(verdicts(*again), "a");
  auto version = shown(channel_kind::shopify, "111@222").at("version");
  CAF_CHECK_EQUAL(version, 1);
}

CAF_TEST(shopify stale changeFromQuantity gets one follow up without CAS) {
  auto a = account(channel_kind::shopify);
  push(a, {item("SKU-1", "111", 5)});
  auto x = item("SKU-1", "111", 8, 2);
  x.shown_before = 3; // the channel shows 5: someone else changed it
  auto job = make_push_job(a, {x});
  auto first = job->next();
  auto from = json::parse(first->body)
                  .at("variables")
                  .at("input")
                  .at("quantities")
                  .at(0)
                  .at("changeFromQuantity");
  CAF_CHECK_EQUAL(from, 3);
  job->on_response(call(channel_kind::shopify, *first));
  auto follow_up = job->next();
  CAF_REQUIRE(follow_up);
  CAF_CHECK(json::parse(follow_up->body)
                .at("variables")
                .at("input")
                .at("quantities")
                .at(0)
                .at("changeFromQuantity")
                .is_null());
  CAF_CHECK_NOT_EQUAL(key_of(*first), key_of(*follow_up));
  job->on_response(call(channel_kind::shopify, *follow_up));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  CAF_CHECK_EQUAL(job->requests_sent(), 2u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 8);
}

CAF_TEST(shopify before 2026 - 01 uses compareQuantity or
         ignoreCompareQuantity) {
  auto a = account(channel_kind::shopify);
  a.api_version = "2025-10";
  auto blind = push(a, {item("SKU-1", "111", 5)}); // ignoreCompareQuantity
  CAF_CHECK_EQUAL(verdicts(*blind), "a");
  auto x = item("SKU-1", "111", 6, 2);
  x.shown_before = 5;
  auto cas = push(a, {x});
  CAF_CHECK_EQUAL(verdicts(*cas), "a");
  CAF_CHECK_EQUAL(cas->requests_sent(), 1u);
  auto y = item("SKU-1", "111", 9, 3);
  y.shown_before = 1; // stale: COMPARE_QUANTITY_STALE, then a follow-up
  auto stale = push(a, {y});
  CAF_CHECK_EQUAL(verdicts(*stale), "a");
  CAF_CHECK_EQUAL(stale->requests_sent(), 2u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 9);
}

CAF_TEST(shopify THROTTLED in a 200 is retry with retry_after from the cost) {
  cfg.shopify.graphql_bucket_points = 10;
  cfg.shopify.graphql_restore_per_s = 5;
  auto a = account(channel_kind::shopify);
  CAF_CHECK_EQUAL(verdicts(*push(a, {item("SKU-1", "111", 1)})), "a");
  auto job = push(a, {item("SKU-2", "112", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
  CAF_CHECK_EQUAL(error_of(*job, 0), "shopify THROTTLED: Throttled");
  CAF_REQUIRE(job->retry_after());
  CAF_CHECK_EQUAL(job->retry_after()->count(), 2000); // 10 points at 5/s
  auto budget = job->budget();
  CAF_REQUIRE(budget);
  CAF_CHECK_EQUAL(budget->available, 0.0);
  CAF_CHECK_EQUAL(budget->maximum, 10.0);
}

CAF_TEST(shopify THROTTLED in a 429 is throttled too) {
  cfg.shopify.graphql_bucket_points = 10;
  cfg.shopify.graphql_restore_per_s = 5;
  cfg.shopify.throttled_http_status = 429;
  auto a = account(channel_kind::shopify);
  push(a, {item("SKU-1", "111", 1)});
  advance(milliseconds{1000}); // half the points are back
  auto job = push(a, {item("SKU-2", "112", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
  CAF_REQUIRE(job->retry_after());
  CAF_CHECK_EQUAL(job->retry_after()->count(), 1000);
}

CAF_TEST(shopify unknown item in strict mode is parked with the channel code) {
  cfg.shopify.common.strict_listings = true;
  cfg.shopify.common.listings = {"111@222"};
  auto a = account(channel_kind::shopify);
  auto job = push(a, {item("SKU-9", "999", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "p");
  CAF_CHECK_EQUAL(error_of(*job, 0),
                  "shopify INVALID_INVENTORY_ITEM: The specified inventory "
                  "item could not be found.");
  CAF_CHECK_EQUAL(verdicts(*push(a, {item("SKU-1", "111", 4)})), "a");
}

CAF_TEST(shopify rest sets the quantity and reads the call limit) {
  auto a = account(channel_kind::shopify);
  a.shopify_api = "rest";
  auto job =
      make_push_job(a, {item("SKU-1", "gid://shopify/InventoryItem/111", 6)});
  auto req = job->next();
  CAF_CHECK_EQUAL(req->target, "/admin/api/2026-04/inventory_levels/set.json");
  auto body = json::parse(req->body);
  CAF_CHECK_EQUAL(body,
                  json::parse(R"({"location_id":222,)"
                              R"("inventory_item_id":111,"available":6})"));
  job->on_response(call(channel_kind::shopify, *req));
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 6);
  auto budget = job->budget();
  CAF_REQUIRE(budget);
  CAF_CHECK_EQUAL(budget->available, 39.0);
  CAF_CHECK_EQUAL(budget->maximum, 40.0);
  CAF_CHECK_EQUAL(budget->restore_per_s, 2.0);
}

CAF_TEST(shopify rest 429 is throttled with Retry - After) {
  cfg.shopify.rest_bucket_size = 1;
  cfg.shopify.rest_leak_per_s = 0.5;
  auto a = account(channel_kind::shopify);
  a.shopify_api = "rest";
  push(a, {item("SKU-1", "111", 1)});
  auto job = push(a, {item("SKU-2", "112", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
  CAF_REQUIRE(job->retry_after());
  CAF_CHECK_EQUAL(job->retry_after()->count(), 2000);
  CAF_CHECK(contains(error_of(*job, 0), "shopify 429: Exceeded"));
}

CAF_TEST(shopify rest parks unknown items and non numeric ids) {
  cfg.shopify.common.strict_listings = true;
  auto a = account(channel_kind::shopify);
  a.shopify_api = "rest";
  auto unknown = push(a, {item("SKU-1", "111", 1)});
  CAF_CHECK_EQUAL(verdicts(*unknown), "p");
  CAF_CHECK_EQUAL(error_of(*unknown, 0), "shopify 404: Not Found");
  auto bad = make_push_job(a, {item("SKU-1", "abc", 1)});
  CAF_CHECK(!bad->next());
  CAF_CHECK_EQUAL(verdicts(*bad), "p");
  CAF_CHECK_EQUAL(bad->requests_sent(), 0u);
}

CAF_TEST(shopify graphql sets 100 quantities in one request) {
  auto a = account(channel_kind::shopify);
  std::vector<push_item> items;
  for (int i = 0; i < 100; ++i) {
    items.push_back(
        item("SKU-" + std::to_string(i), std::to_string(1000 + i), i, 2));
    items.back().push_id = 7000 + static_cast<std::uint64_t>(i);
  }
  auto job = make_push_job(a, items);
  auto req = job->next();
  CAF_REQUIRE(req);
  auto input = json::parse(req->body).at("variables").at("input");
  CAF_CHECK_EQUAL(input.at("quantities").size(), 100u);
  CAF_CHECK_EQUAL(input.at("referenceDocumentUri"),
                  "gid://stockwire/SkuBatch/SKU-0/2/100");
  job->on_response(call(channel_kind::shopify, *req));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), std::string(100, 'a'));
  CAF_CHECK_EQUAL(job->requests_sent(), 1u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "1000@222"), 0);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "1042@222"), 42);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "1099@222"), 99);
  http_request get;
  get.method = "GET";
  get.target = "/_fake/requests";
  auto counts = json::parse(call(channel_kind::shopify, get).body);
  CAF_CHECK_EQUAL(counts.at("shopify").at("requests"), 1);
  // The key covers every push_id of the request.
  auto same = key_of(*make_push_job(a, items)->next());
  CAF_CHECK_EQUAL(key_of(*req), same);
  items[57].push_id = 1;
  CAF_CHECK_NOT_EQUAL(key_of(*req), key_of(*make_push_job(a, items)->next()));
}

CAF_TEST(shopify batch parks the unknown item and resends the others once) {
  cfg.shopify.common.strict_listings = true;
  cfg.shopify.common.listings = {"111@222", "112@222", "113@222", "114@222"};
  auto a = account(channel_kind::shopify);
  auto job = make_push_job(a, {item("SKU-1", "111", 1), item("SKU-2", "112", 2),
                               item("SKU-9", "999", 9), item("SKU-3", "113", 3),
                               item("SKU-4", "114", 4)});
  auto first = job->next();
  CAF_REQUIRE(first);
  job->on_response(call(channel_kind::shopify, *first));
  // Atomic: nothing applied (listed items start at 0).
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 0);
  auto follow_up = job->next();
  CAF_REQUIRE(follow_up);
  auto qs =
      json::parse(follow_up->body).at("variables").at("input").at("quantities");
  CAF_CHECK_EQUAL(qs.size(), 4u);
  CAF_CHECK_EQUAL(qs.at(2).at("inventoryItemId"),
                  "gid://shopify/InventoryItem/113");
  CAF_CHECK_NOT_EQUAL(key_of(*first), key_of(*follow_up));
  job->on_response(call(channel_kind::shopify, *follow_up));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "aapaa");
  CAF_CHECK_EQUAL(error_of(*job, 2),
                  "shopify INVALID_INVENTORY_ITEM: The specified inventory "
                  "item could not be found.");
  CAF_CHECK_EQUAL(error_of(*job, 0), "");
  CAF_CHECK_EQUAL(job->requests_sent(), 2u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "113@222"), 3);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "114@222"), 4);
}

CAF_TEST(shopify batch with one stale CAS drops it for that item only) {
  auto a = account(channel_kind::shopify);
  push(a, {item("SKU-1", "111", 5), item("SKU-2", "112", 5),
           item("SKU-3", "113", 5)});
  std::vector<push_item> items = {item("SKU-1", "111", 6, 2),
                                  item("SKU-2", "112", 7, 2),
                                  item("SKU-3", "113", 8, 2)};
  items[0].shown_before = 5;
  items[1].shown_before = 3; // the channel shows 5
  items[2].shown_before = 5;
  auto job = make_push_job(a, items);
  auto first = job->next();
  job->on_response(call(channel_kind::shopify, *first));
  auto follow_up = job->next();
  CAF_REQUIRE(follow_up);
  auto qs =
      json::parse(follow_up->body).at("variables").at("input").at("quantities");
  CAF_REQUIRE_EQUAL(qs.size(), 3u);
  CAF_CHECK_EQUAL(qs.at(0).at("changeFromQuantity"), 5);
  CAF_CHECK(qs.at(1).at("changeFromQuantity").is_null());
  CAF_CHECK_EQUAL(qs.at(2).at("changeFromQuantity"), 5);
  job->on_response(call(channel_kind::shopify, *follow_up));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "aaa");
  CAF_CHECK_EQUAL(job->requests_sent(), 2u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 6);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "112@222"), 7);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "113@222"), 8);
}

CAF_TEST(shopify batch before 2026 - 01 drops CAS for the whole input) {
  auto a = account(channel_kind::shopify);
  a.api_version = "2025-10";
  push(a, {item("SKU-1", "111", 5), item("SKU-2", "112", 5)});
  std::vector<push_item> items = {item("SKU-1", "111", 6, 2),
                                  item("SKU-2", "112", 7, 2)};
  items[0].shown_before = 5;
  items[1].shown_before = 3; // stale: COMPARE_QUANTITY_STALE
  auto job = make_push_job(a, items);
  auto first = job->next();
  auto compare = json::parse(first->body)
                     .at("variables")
                     .at("input")
                     .at("quantities")
                     .at(1)
                     .at("compareQuantity");
  CAF_CHECK_EQUAL(compare, 3);
  job->on_response(call(channel_kind::shopify, *first));
  auto follow_up = job->next();
  CAF_REQUIRE(follow_up);
  auto input = json::parse(follow_up->body).at("variables").at("input");
  CAF_CHECK_EQUAL(input.at("ignoreCompareQuantity"), true);
  CAF_CHECK(!input.at("quantities").at(0).contains("compareQuantity"));
  job->on_response(call(channel_kind::shopify, *follow_up));
  CAF_CHECK_EQUAL(verdicts(*job), "aa");
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "112@222"), 7);
}

CAF_TEST(shopify batch parks a second SKU on the same item and location) {
  auto a = account(channel_kind::shopify);
  auto job =
      make_push_job(a, {item("SKU-1", "111", 4),
                        item("SKU-2", "gid://shopify/InventoryItem/111", 9),
                        item("SKU-3", "112", 5)});
  auto req = job->next();
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(json::parse(req->body)
                      .at("variables")
                      .at("input")
                      .at("quantities")
                      .size(),
                  2u);
  job->on_response(call(channel_kind::shopify, *req));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "apa");
  CAF_CHECK_EQUAL(error_of(*job, 1),
                  "shopify duplicate_listing: listing shares Shopify item "
                  "gid://shopify/InventoryItem/111 at location "
                  "gid://shopify/Location/222 with SKU SKU-1");
  CAF_CHECK_EQUAL(job->requests_sent(), 1u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "111@222"), 4);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "112@222"), 5);
}

CAF_TEST(shopify THROTTLED on a batch is retry for every item) {
  cfg.shopify.graphql_bucket_points = 10;
  cfg.shopify.graphql_restore_per_s = 5;
  auto a = account(channel_kind::shopify);
  push(a, {item("SKU-1", "111", 1)});
  auto job = push(a, {item("SKU-2", "112", 1), item("SKU-3", "113", 1),
                      item("SKU-4", "114", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "rrr");
  CAF_CHECK(job->throttled());
  CAF_CHECK_EQUAL(error_of(*job, 2), "shopify THROTTLED: Throttled");
  CAF_REQUIRE(job->retry_after());
  CAF_CHECK_EQUAL(job->retry_after()->count(), 2000);
  CAF_CHECK_EQUAL(job->requests_sent(), 1u);
  CAF_CHECK_EQUAL(quantity(channel_kind::shopify, "112@222"), -1);
}

CAF_TEST(shopify batch follow ups are bounded and read string indices) {
  auto a = account(channel_kind::shopify);
  auto answer = [](json user_errors) {
    http_response r;
    r.status = 200;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = json{{"data",
                   {{"inventorySetQuantities",
                     {{"inventoryAdjustmentGroup", nullptr},
                      {"userErrors", std::move(user_errors)}}}}}}
                 .dump();
    return r;
  };
  auto error = [](const std::string& code, json field) {
    return json{{"code", code}, {"field", std::move(field)}, {"message", "m"}};
  };
  auto count = [](const http_request& req) {
    return json::parse(req.body)
        .at("variables")
        .at("input")
        .at("quantities")
        .size();
  };
  auto job = make_push_job(a, {item("A", "1", 1), item("B", "2", 1),
                               item("C", "3", 1), item("D", "4", 1)});
  CAF_CHECK_EQUAL(count(*job->next()), 4u);
  job->on_response(answer(json::array(
      {error("INVALID_LOCATION",
             json::array({"input", "quantities", "1", "locationId"}))})));
  CAF_CHECK_EQUAL(count(*job->next()), 3u); // A C D
  job->on_response(
      answer(json::array({error("ITEM_NOT_STOCKED_AT_LOCATION",
                                json::array({"input", "quantities", 0}))})));
  CAF_CHECK_EQUAL(count(*job->next()), 2u); // C D
  job->on_response(answer(json::array(
      {error("INVALID_QUANTITY_TOO_HIGH",
             json::array({"input", "quantities", "0", "quantity"}))})));
  CAF_CHECK(!job->next()); // two follow-ups were the most
  CAF_CHECK_EQUAL(verdicts(*job), "pppr");
  CAF_CHECK_EQUAL(error_of(*job, 1), "shopify INVALID_LOCATION: m");
  CAF_CHECK_EQUAL(error_of(*job, 0), "shopify ITEM_NOT_STOCKED_AT_LOCATION: m");
  CAF_CHECK_EQUAL(error_of(*job, 2), "shopify INVALID_QUANTITY_TOO_HIGH: m");
  CAF_CHECK(contains(error_of(*job, 3), "shopify not_applied: "));
  CAF_CHECK_EQUAL(job->requests_sent(), 3u);
  // An error naming no quantity decides every item as for one.
  auto whole = make_push_job(a, {item("A", "1", 1), item("B", "2", 1)});
  whole->next();
  whole->on_response(
      answer(json::array({error("IDEMPOTENCY_CONCURRENT_REQUEST", nullptr)})));
  CAF_CHECK(!whole->next());
  CAF_CHECK_EQUAL(verdicts(*whole), "rr");
  auto reason = make_push_job(a, {item("A", "1", 1), item("B", "2", 1)});
  reason->next();
  reason->on_response(answer(json::array(
      {error("INVALID_REASON", json::array({"input", "reason"}))})));
  CAF_CHECK(!reason->next());
  CAF_CHECK_EQUAL(verdicts(*reason), "pp");
}

// -- Amazon
// --------------------------------------------------------------------

CAF_TEST(amazon patch is accepted and applied after the fake delay) {
  auto a = account(channel_kind::amazon);
  auto job = make_push_job(a, {item("SKU 1/x", "", 12)});
  auto req = job->next();
  CAF_CHECK_EQUAL(req->method, "PATCH");
  CAF_CHECK_EQUAL(req->target, "/listings/2021-08-01/items/A1SELLER/SKU%201%2Fx"
                               "?marketplaceIds=ATVPDKIKX0DER");
  CAF_CHECK_EQUAL(header_of(*req, "x-amz-access-token"), a.access_token);
  auto type = json::parse(req->body).at("productType");
  CAF_CHECK_EQUAL(type, "PRODUCT");
  job->on_response(call(channel_kind::amazon, *req));
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  auto budget = job->budget();
  CAF_REQUIRE(budget);
  CAF_CHECK_EQUAL(budget->restore_per_s, 5.0);
  CAF_CHECK_EQUAL(quantity(channel_kind::amazon, "SKU 1/x"), -1);
  advance(milliseconds{cfg.amazon.apply_delay_ms});
  CAF_CHECK_EQUAL(quantity(channel_kind::amazon, "SKU 1/x"), 12);
}

CAF_TEST(amazon wrong token and invalid values are parked) {
  auto a = account(channel_kind::amazon);
  a.access_token = "Atza|wrong";
  auto denied = push(a, {item("SKU-1", "", 1)});
  CAF_CHECK_EQUAL(verdicts(*denied), "p");
  CAF_CHECK(contains(error_of(*denied, 0),
                     "amazon Unauthorized: Access to requested resource is "
                     "denied."));
  auto invalid = push(account(channel_kind::amazon), {item("SKU-1", "", -1)});
  CAF_CHECK_EQUAL(verdicts(*invalid), "p");
  CAF_CHECK_EQUAL(error_of(*invalid, 0),
                  "amazon 4000003: quantity must be 0 or greater");
}

CAF_TEST(amazon QuotaExceeded is throttled) {
  cfg.amazon.rate_per_s = 1;
  cfg.amazon.burst = 1;
  auto a = account(channel_kind::amazon);
  CAF_CHECK_EQUAL(verdicts(*push(a, {item("SKU-1", "", 1)})), "a");
  auto job = push(a, {item("SKU-2", "", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
  CAF_CHECK(contains(error_of(*job, 0), "amazon QuotaExceeded: You exceeded"));
}

CAF_TEST(amazon feed uploads then polls then reads the report) {
  cfg.amazon.common.strict_listings = true;
  cfg.amazon.common.listings = {"A", "B"};
  auto a = account(channel_kind::amazon);
  a.amazon_feed_min_skus = 2;
  CAF_CHECK_EQUAL(push_batch_max(a, 3), 10'000u);
  auto job =
      make_push_job(a, {item("A", "", 3), item("C", "", 4), item("B", "", 5)});
  std::size_t polls = 0;
  while (auto req = job->next()) {
    advance(job->delay());
    if (req->method == "PUT") {
      CAF_CHECK_EQUAL(req->scheme, "http");
      CAF_CHECK_EQUAL(req->host, "127.0.0.1");
      CAF_CHECK_EQUAL(req->port, 18302);
      CAF_CHECK(contains(req->target, "/_feed-documents/"));
      CAF_CHECK_EQUAL(header_of(*req, "x-amz-access-token"), "");
      auto doc = json::parse(req->body);
      CAF_CHECK_EQUAL(doc.at("header").at("sellerId"), "A1SELLER");
      CAF_CHECK_EQUAL(doc.at("messages").at(1).at("messageId"), 2);
      CAF_CHECK_EQUAL(doc.at("messages").at(1).at("operationType"), "PATCH");
    }
    if (req->method == "GET" &&
        contains(req->target, "/feeds/2021-06-30/feeds/")) {
      ++polls;
      CAF_CHECK_GREATER(job->delay().count(), 0);
    }
    job->on_response(call(channel_kind::amazon, *req));
  }
  CAF_CHECK_GREATER(polls, 1u);
  CAF_CHECK_EQUAL(job->requests_sent(), 5u + polls);
  CAF_CHECK_EQUAL(verdicts(*job), "apa");
  CAF_CHECK_EQUAL(error_of(*job, 1), "amazon 4000003: SKU C not found");
  CAF_CHECK_EQUAL(quantity(channel_kind::amazon, "A"), 3);
  CAF_CHECK_EQUAL(quantity(channel_kind::amazon, "B"), 5);
}

CAF_TEST(amazon feed FATAL makes every item retry) {
  auto a = account(channel_kind::amazon);
  a.amazon_feed_min_skus = 2;
  auto job = make_push_job(a, {item("A", "", 3), item("B", "", 5)});
  while (auto req = job->next()) {
    advance(job->delay());
    if (req->method == "PUT")
      req->body = "not a feed"; // the fake ends such a feed FATAL
    job->on_response(call(channel_kind::amazon, *req));
  }
  CAF_CHECK_EQUAL(verdicts(*job), "rr");
  CAF_CHECK(contains(error_of(*job, 0), "amazon FATAL"));
}

CAF_TEST(amazon sends one SKU by feed when feed_min_skus is 1) {
  auto a = account(channel_kind::amazon);
  a.amazon_feed_min_skus = 1;
  auto job = make_push_job(a, {item("A", "", 3)});
  auto target = job->next()->target;
  CAF_CHECK_EQUAL(target, "/feeds/2021-06-30/documents");
}

// -- WooCommerce
// ---------------------------------------------------------------

CAF_TEST(woocommerce batch of 100 is accepted with Basic auth) {
  auto a = account(channel_kind::woocommerce);
  std::vector<push_item> items;
  for (int i = 1; i <= 100; ++i)
    items.push_back(item("SKU-" + std::to_string(i), std::to_string(i), i));
  auto job = make_push_job(a, items);
  auto req = job->next();
  CAF_CHECK_EQUAL(req->target, "/wp-json/wc/v3/products/batch");
  CAF_CHECK_EQUAL(header_of(*req, "Authorization"),
                  "Basic Y2tfZmFrZTpjc19mYWtl");
  auto first = json::parse(req->body).at("update").at(0);
  CAF_CHECK_EQUAL(first, json::parse(R"({"id":1,"stock_quantity":1,)"
                                     R"("manage_stock":true})"));
  job->on_response(call(channel_kind::woocommerce, *req));
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), std::string(100, 'a'));
  CAF_CHECK_EQUAL(quantity(channel_kind::woocommerce, "100"), 100);
}

CAF_TEST(woocommerce wrong secret parks every item) {
  auto a = account(channel_kind::woocommerce);
  a.consumer_secret = "cs_wrong";
  auto job = push(a, {item("SKU-1", "1", 1), item("SKU-2", "2", 2)});
  CAF_CHECK_EQUAL(verdicts(*job), "pp");
  CAF_CHECK_EQUAL(error_of(*job, 0),
                  "woocommerce woocommerce_rest_authentication_error: "
                  "Consumer secret is invalid.");
}

CAF_TEST(woocommerce partial failure parks unknown ids and acks the rest) {
  cfg.woocommerce.common.strict_listings = true;
  cfg.woocommerce.common.listings = {"1", "2"};
  auto job = push(
      account(channel_kind::woocommerce),
      {item("SKU-1", "1", 4), item("SKU-3", "3", 5), item("SKU-2", "2", 6)});
  CAF_CHECK_EQUAL(verdicts(*job), "apa");
  CAF_CHECK_EQUAL(error_of(*job, 1), "woocommerce "
                                     "woocommerce_rest_product_invalid_id: "
                                     "Invalid ID.");
  CAF_CHECK_EQUAL(quantity(channel_kind::woocommerce, "2"), 6);
}

CAF_TEST(woocommerce 429 is throttled with Retry - After) {
  cfg.woocommerce.rate_per_s = 1;
  cfg.woocommerce.burst = 1;
  auto a = account(channel_kind::woocommerce);
  push(a, {item("SKU-1", "1", 1)});
  auto job = push(a, {item("SKU-1", "1", 2)});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
  CAF_REQUIRE(job->retry_after());
  CAF_CHECK_EQUAL(job->retry_after()->count(), 1000);
}

CAF_TEST(woocommerce variations go to their parent batch) {
  auto variation = item("SKU-V", "7", 3);
  variation.ids.variation_id = "70";
  auto job = make_push_job(
      account(channel_kind::woocommerce),
      {item("SKU-1", "5", 1), variation, item("SKU-bad", "x", 1)});
  std::vector<std::string> targets;
  while (auto req = job->next()) {
    targets.push_back(req->target);
    job->on_response(call(channel_kind::woocommerce, *req));
  }
  CAF_REQUIRE_EQUAL(targets.size(), 2u);
  CAF_CHECK_EQUAL(targets[0], "/wp-json/wc/v3/products/batch");
  CAF_CHECK_EQUAL(targets[1], "/wp-json/wc/v3/products/7/variations/batch");
  // The fake models no variations: its 404 parks that group only.
  CAF_CHECK_EQUAL(verdicts(*job), "app");
  CAF_CHECK(contains(error_of(*job, 1), "woocommerce rest_no_route"));
  CAF_CHECK(contains(error_of(*job, 2), "must be numeric"));
}

// -- eBay
// ----------------------------------------------------------------------

CAF_TEST(ebay batch of 25 is accepted with a bearer token) {
  auto a = account(channel_kind::ebay);
  std::vector<push_item> items;
  for (int i = 0; i < 25; ++i)
    items.push_back(item("SKU-" + std::to_string(i),
                         i % 2 ? "offer-" + std::to_string(i) : "", i));
  auto job = make_push_job(a, items);
  auto req = job->next();
  CAF_CHECK_EQUAL(req->target, "/sell/inventory/v1/bulk_update_price_quantity");
  CAF_CHECK_EQUAL(header_of(*req, "Authorization"), "Bearer " + a.access_token);
  auto requests = json::parse(req->body).at("requests");
  CAF_CHECK(!requests.at(0).contains("offers"));
  CAF_CHECK_EQUAL(requests.at(1).at("offers").at(0).at("offerId"), "offer-1");
  job->on_response(call(channel_kind::ebay, *req));
  CAF_CHECK_EQUAL(verdicts(*job), std::string(25, 'a'));
  CAF_CHECK_EQUAL(quantity(channel_kind::ebay, "SKU-24"), 24);
}

CAF_TEST(ebay revision cap is retry) {
  cfg.ebay.revisions_per_listing_per_day = 1;
  auto a = account(channel_kind::ebay);
  push(a, {item("SKU-1", "", 1)});
  auto job = push(a, {item("SKU-1", "", 2), item("SKU-2", "", 2)});
  CAF_CHECK_EQUAL(verdicts(*job), "ra");
  CAF_CHECK(contains(error_of(*job, 0), "ebay 25099: revision cap"));
  CAF_CHECK(!job->throttled());
}

CAF_TEST(ebay unknown SKU in strict mode is parked) {
  cfg.ebay.common.strict_listings = true;
  cfg.ebay.common.listings = {"A"};
  auto job =
      push(account(channel_kind::ebay), {item("A", "", 1), item("B", "", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "ap");
  CAF_CHECK_EQUAL(error_of(*job, 1),
                  "ebay 25702: SKU B is not available in the system.");
}

CAF_TEST(ebay wrong token is parked and the daily quota throttled) {
  auto a = account(channel_kind::ebay);
  a.access_token = "v^1.1#wrong";
  auto denied = push(a, {item("A", "", 1)});
  CAF_CHECK_EQUAL(verdicts(*denied), "p");
  CAF_CHECK_EQUAL(error_of(*denied, 0), "ebay 1001: Invalid access token");
  cfg.ebay.daily_call_quota = 1;
  svc.reset();
  push(account(channel_kind::ebay), {item("A", "", 1)});
  auto over = push(account(channel_kind::ebay), {item("A", "", 2)});
  CAF_CHECK_EQUAL(verdicts(*over), "r");
  CAF_CHECK(over->throttled());
}

// -- Flipkart
// ------------------------------------------------------------------

CAF_TEST(flipkart update is keyed by SKU and accepted) {
  auto a = account(channel_kind::flipkart);
  std::vector<push_item> items;
  for (int i = 0; i < 10; ++i) {
    items.push_back(
        item("SKU-" + std::to_string(i), "FSN" + std::to_string(i), i));
    items.back().ids.location_id = "LOC1";
  }
  auto job = make_push_job(a, items);
  auto req = job->next();
  CAF_CHECK_EQUAL(req->target, "/listings/v3/update/inventory");
  CAF_CHECK_EQUAL(header_of(*req, "Authorization"), "Bearer " + a.access_token);
  auto entry = json::parse(req->body).at("SKU-3");
  CAF_CHECK_EQUAL(entry, json::parse(R"({"product_id":"FSN3","locations":)"
                                     R"([{"id":"LOC1","inventory":3}]})"));
  job->on_response(call(channel_kind::flipkart, *req));
  CAF_CHECK_EQUAL(verdicts(*job), std::string(10, 'a'));
  CAF_CHECK_EQUAL(quantity(channel_kind::flipkart, "SKU-9"), 9);
}

CAF_TEST(flipkart base_path prefixes the route) {
  auto a = account(channel_kind::flipkart);
  a.base_path = "/sellers";
  auto job = push(a, {item("SKU-1", "FSN1", 2)});
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  CAF_CHECK_EQUAL(quantity(channel_kind::flipkart, "SKU-1"), 2);
}

CAF_TEST(flipkart unknown SKU is parked and the others acked) {
  cfg.flipkart.common.strict_listings = true;
  cfg.flipkart.common.listings = {"A"};
  auto job = push(account(channel_kind::flipkart),
                  {item("B", "FSN", 1), item("A", "FSN", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "pa");
  CAF_CHECK_EQUAL(error_of(*job, 0),
                  "flipkart FAILURE 404: Listing not found for SKU B");
}

CAF_TEST(flipkart wrong token is parked without echoing the token) {
  auto a = account(channel_kind::flipkart);
  a.access_token = "secret-xyz";
  auto job = push(a, {item("A", "FSN", 1)});
  CAF_CHECK_EQUAL(verdicts(*job), "p");
  CAF_CHECK(contains(error_of(*job, 0), "flipkart invalid_token"));
  CAF_CHECK(!contains(error_of(*job, 0), "secret-xyz"));
}

CAF_TEST(flipkart 429 is throttled) {
  cfg.flipkart.rate_per_s = 1;
  cfg.flipkart.burst = 1;
  auto a = account(channel_kind::flipkart);
  push(a, {item("A", "FSN", 1)});
  auto job = push(a, {item("A", "FSN", 2)});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
}

// -- what every kind shares
// ----------------------------------------------------

CAF_TEST(a transport error makes every item retry with its text) {
  auto job = make_push_job(account(channel_kind::ebay),
                           {item("A", "", 1), item("B", "", 2)});
  CAF_REQUIRE(job->next());
  job->on_transport_error("connect 127.0.0.1:18304: Connection refused");
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "rr");
  CAF_CHECK_EQUAL(error_of(*job, 1),
                  "connect 127.0.0.1:18304: Connection refused");
}

CAF_TEST(an unreadable 2xx or a 5xx makes every item retry) {
  for (auto k :
       {channel_kind::shopify, channel_kind::amazon, channel_kind::woocommerce,
        channel_kind::ebay, channel_kind::flipkart}) {
    auto a = account(k);
    for (auto [status, body] : {std::pair<unsigned, std::string>{200, "<html>"},
                                {200, R"({"data":5,"update":7,"responses":1})"},
                                {503, "Service Unavailable"}}) {
      auto job = make_push_job(a, {item("A", "1", 1)});
      CAF_REQUIRE(job->next());
      job->on_response({status, {}, body});
      CAF_CHECK(!job->next());
      CAF_CHECK_EQUAL(verdicts(*job), "r");
      CAF_CHECK(contains(error_of(*job, 0), std::string{channel_kind_name(k)}));
    }
  }
}

// -- order cancellations (cancel_wire.hpp)
// --------------------------------------

namespace {

cancel_item order(std::string id, std::int64_t qty = 1) {
  return cancel_item{std::move(id), qty};
}

// The single request of a one-request cancel job, answered with `resp`.
std::unique_ptr<push_job> answered(const channel_account& a,
                                   std::vector<cancel_item> items,
                                   const http_response& resp) {
  auto job = make_cancel_job(a, std::move(items));
  if (job->next())
    job->on_response(resp);
  return job;
}

} // namespace

CAF_TEST(cancel batches are one order except amazon feeds and flipkart items) {
  CAF_CHECK_EQUAL(cancel_batch_max(account(channel_kind::shopify)), 1u);
  CAF_CHECK_EQUAL(cancel_batch_max(account(channel_kind::woocommerce)), 1u);
  CAF_CHECK_EQUAL(cancel_batch_max(account(channel_kind::ebay)), 1u);
  CAF_CHECK_EQUAL(cancel_batch_max(account(channel_kind::flipkart)), 10u);
  CAF_CHECK_EQUAL(cancel_batch_max(account(channel_kind::amazon)), 10000u);
  CAF_CHECK(cancels_whole_orders(channel_kind::shopify));
  CAF_CHECK(cancels_whole_orders(channel_kind::amazon));
  CAF_CHECK(!cancels_whole_orders(channel_kind::flipkart));
}

CAF_TEST(
    shopify cancel is an orderCancel mutation with the contract variables) {
  auto job = make_cancel_job(account(channel_kind::shopify), {order("1001")});
  auto req = job->next();
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->method, "POST");
  CAF_CHECK_EQUAL(req->target, "/admin/api/2026-04/graphql.json");
  CAF_CHECK_EQUAL(header_of(*req, "X-Shopify-Access-Token"),
                  cfg.shopify.access_token);
  auto body = json::parse(req->body);
  CAF_CHECK(contains(body.at("query").get<std::string>(),
                     "orderCancel(orderId: $orderId, reason: $reason"));
  CAF_CHECK_EQUAL(body.at("variables"),
                  json::parse(R"({"orderId":"gid://shopify/Order/1001",
                    "reason":"INVENTORY","refund":true,"restock":false,
                    "notifyCustomer":true})"));
  job->on_response({200, {}, R"({"data":{"orderCancel":{"job":{"id":
    "gid://shopify/Job/1","done":false},"orderCancelUserErrors":[]}}})"});
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "a");
}

CAF_TEST(shopify cancel of an unknown order is parked with NOT_FOUND) {
  auto job = make_cancel_job(account(channel_kind::shopify), {order("424242")});
  run(channel_kind::shopify, *job);
  CAF_CHECK_EQUAL(verdicts(*job), "p");
  CAF_CHECK(contains(error_of(*job, 0), "NOT_FOUND"));
}

CAF_TEST(shopify cancel THROTTLED is retry with the wait from the cost) {
  auto job = answered(account(channel_kind::shopify), {order("1")},
                      {200, {}, R"({"errors":[{"message":"Throttled",
    "extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{
    "requestedQueryCost":10,"actualQueryCost":null,"throttleStatus":{
    "maximumAvailable":1000.0,"currentlyAvailable":4,"restoreRate":100.0}}}})"});
  CAF_CHECK_EQUAL(verdicts(*job), "r");
  CAF_CHECK(job->throttled());
  CAF_REQUIRE(job->retry_after());
  CAF_CHECK_EQUAL(job->retry_after()->count(), 60);
  auto budget = job->budget();
  CAF_REQUIRE(budget);
  CAF_CHECK_EQUAL(budget->available, 4.0);
}

CAF_TEST(shopify cancel userErrors park except an already cancelled order) {
  auto parked = answered(account(channel_kind::shopify), {order("1")},
                         {200, {}, R"({"data":{"orderCancel":{"job":null,
    "orderCancelUserErrors":[{"field":["orderId"],"message":"Cannot cancel",
    "code":"INVALID"}]}}})"});
  CAF_CHECK_EQUAL(verdicts(*parked), "p");
  CAF_CHECK_EQUAL(error_of(*parked, 0), "shopify INVALID: Cannot cancel");
  auto done = answered(account(channel_kind::shopify), {order("1")},
                       {200, {}, R"({"data":{"orderCancel":{"job":null,
    "orderCancelUserErrors":[{"field":["orderId"],"message":"Already",
    "code":"ORDER_ALREADY_CANCELLED"}]}}})"});
  CAF_CHECK_EQUAL(verdicts(*done), "a");
  auto down = answered(account(channel_kind::shopify), {order("1")},
                       {503, {}, "unavailable"});
  CAF_CHECK_EQUAL(verdicts(*down), "r");
}

CAF_TEST(woocommerce cancel puts the status cancelled with basic auth) {
  auto a = account(channel_kind::woocommerce);
  auto job = make_cancel_job(a, {order("77")});
  auto req = job->next();
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->method, "PUT");
  CAF_CHECK_EQUAL(req->target, "/wp-json/wc/v3/orders/77");
  CAF_CHECK_EQUAL(json::parse(req->body),
                  json::parse(R"({"status":"cancelled"})"));
  CAF_CHECK(header_of(*req, "Authorization").rfind("Basic ", 0) == 0);
  job->on_response({200, {}, R"({"id":77,"status":"cancelled"})"});
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  auto unknown = make_cancel_job(a, {order("9999")});
  run(channel_kind::woocommerce, *unknown);
  CAF_CHECK_EQUAL(verdicts(*unknown), "p");
  CAF_CHECK(contains(error_of(*unknown, 0),
                     "woocommerce_rest_shop_order_invalid_id"));
  auto busy = answered(a, {order("77")}, {429, {{"Retry-After", "2"}}, "{}"});
  CAF_CHECK_EQUAL(verdicts(*busy), "r");
  CAF_CHECK(busy->throttled());
  auto bad = make_cancel_job(a, {order("not-a-number")});
  CAF_CHECK(!bad->next());
  CAF_CHECK_EQUAL(verdicts(*bad), "p");
}

CAF_TEST(ebay cancel posts a post - order cancellation with a bearer token) {
  auto a = account(channel_kind::ebay);
  auto job = make_cancel_job(a, {order("12-11437-83291")});
  auto req = job->next();
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->method, "POST");
  CAF_CHECK_EQUAL(req->target, "/post-order/v2/cancellation");
  CAF_CHECK_EQUAL(header_of(*req, "Authorization"),
                  "Bearer " + cfg.ebay.access_token);
  CAF_CHECK_EQUAL(json::parse(req->body), json::parse(R"({
    "legacyOrderId":"12-11437-83291",
    "cancelReason":"OUT_OF_STOCK_OR_CANNOT_FULFILL"})"));
  job->on_response({201, {}, R"({"cancelId":"5000000001"})"});
  CAF_CHECK_EQUAL(verdicts(*job), "a");
  auto unknown = make_cancel_job(a, {order("12-1-1")});
  run(channel_kind::ebay, *unknown);
  CAF_CHECK_EQUAL(verdicts(*unknown), "p");
  auto down = answered(a, {order("1")}, {500, {}, "{}"});
  CAF_CHECK_EQUAL(verdicts(*down), "r");
}

CAF_TEST(flipkart cancel sends order items under the account prefix) {
  auto a = account(channel_kind::flipkart);
  a.base_path = "/sellers";
  auto job =
      make_cancel_job(a, {order("OI-1", 2), order("OI-2"), order("OI-3")});
  auto req = job->next();
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->target, "/sellers/v2/orders/cancel");
  CAF_CHECK_EQUAL(header_of(*req, "Authorization"),
                  "Bearer " + cfg.flipkart.access_token);
  CAF_CHECK_EQUAL(json::parse(req->body), json::parse(R"({"orderItems":[
    {"orderItemId":"OI-1","reason":"not_enough_inventory","quantity":2},
    {"orderItemId":"OI-2","reason":"not_enough_inventory","quantity":1},
    {"orderItemId":"OI-3","reason":"not_enough_inventory","quantity":1}]})"));
  job->on_response({200, {}, R"({"orderItems":[
    {"orderItemId":"OI-2","status":"FAILURE","errorMessage":"not found"},
    {"orderItemId":"OI-1","status":"SUCCESS"}]})"});
  CAF_CHECK_EQUAL(verdicts(*job), "apr");
  CAF_CHECK_EQUAL(error_of(*job, 1), "flipkart FAILURE: not found");
  auto unknown = make_cancel_job(a, {order("OI-404")});
  run(channel_kind::flipkart, *unknown);
  CAF_CHECK_EQUAL(verdicts(*unknown), "p");
  auto refused = answered(a, {order("OI-1")},
                          {401,
                           {},
                           R"({"error":"invalid_token",
    "error_description":"token )" +
                               cfg.flipkart.access_token + R"("})"});
  CAF_CHECK_EQUAL(verdicts(*refused), "p");
  CAF_CHECK(!contains(error_of(*refused, 0), cfg.flipkart.access_token));
}

CAF_TEST(amazon cancels orders with one order acknowledgement feed) {
  auto a = account(channel_kind::amazon);
  auto job = make_cancel_job(a, {order("111-1"), order("111-2")});
  auto doc = job->next(); // createFeedDocument
  CAF_REQUIRE(doc);
  CAF_CHECK_EQUAL(doc->target, "/feeds/2021-06-30/documents");
  CAF_CHECK_EQUAL(json::parse(doc->body).at("contentType").get<std::string>(),
                  "text/tab-separated-values; charset=UTF-8");
  job->on_response({201, {}, R"({"feedDocumentId":"D1",
    "url":"http://127.0.0.1:9/upload/D1"})"});
  auto upload = job->next();
  CAF_REQUIRE(upload);
  CAF_CHECK_EQUAL(upload->method, "PUT");
  CAF_CHECK_EQUAL(upload->target, "/upload/D1");
  CAF_CHECK_EQUAL(upload->body,
                  "order-id\tamazon-order-item-code\tcancellation-reason-code\n"
                  "111-1\t\tNoInventory\n"
                  "111-2\t\tNoInventory\n");
  job->on_response({200, {}, ""});
  auto create = job->next();
  CAF_REQUIRE(create);
  CAF_CHECK_EQUAL(create->target, "/feeds/2021-06-30/feeds");
  CAF_CHECK_EQUAL(json::parse(create->body), json::parse(R"({
    "feedType":"POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA",
    "marketplaceIds":["ATVPDKIKX0DER"],"inputFeedDocumentId":"D1"})"));
  job->on_response({202, {}, R"({"feedId":"F1"})"});
  CAF_REQUIRE(job->next()); // poll
  job->on_response({200, {}, R"({"processingStatus":"IN_PROGRESS"})"});
  CAF_REQUIRE(job->next());
  CAF_CHECK(job->delay().count() > 0);
  job->on_response({200, {}, R"({"processingStatus":"DONE",
    "resultFeedDocumentId":"R1"})"});
  CAF_REQUIRE(job->next());
  job->on_response({200, {}, R"({"feedDocumentId":"R1",
    "url":"http://127.0.0.1:9/report/R1"})"});
  auto report = job->next();
  CAF_REQUIRE(report);
  CAF_CHECK_EQUAL(report->target, "/report/R1");
  job->on_response({200,
                    {},
                    "Feed Processing Summary:\n"
                    "\tNumber of records processed\t\t2\n"
                    "\tNumber of records successful\t\t1\n\n"
                    "original-record-number\torder-id\tamazon-order-item-code\t"
                    "error-code\terror-type\terror-message\n"
                    "2\t111-2\t\t18003\tError\tThe order id 111-2 was not "
                    "found in our records\n"});
  CAF_CHECK(!job->next());
  CAF_CHECK_EQUAL(verdicts(*job), "ap");
  CAF_CHECK(contains(error_of(*job, 1), "18003"));
}

CAF_TEST(amazon order acknowledgement feed runs against the fake) {
  auto job = make_cancel_job(account(channel_kind::amazon),
                             {order("902-1"), order("902-2")});
  run(channel_kind::amazon, *job);
  // The fake has taken no such orders: both rows are refused, for good.
  CAF_CHECK_EQUAL(verdicts(*job), "pp");
  CAF_CHECK(contains(error_of(*job, 0), "not found"));
}

CAF_TEST_FIXTURE_SCOPE_END()
