// Pure unit tests of the channels' order webhooks (webhooks/event.hpp):
// signature first, then each format's payload into stock events, with
// every refusal (401 not authentic, 400 malformed, 408 stale) naming what
// is wrong. Fixtures (tests/fixtures/webhooks/) have the shape of the
// channels' real payloads.
#define CAF_SUITE webhook_parse
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhooks/event.hpp"
#include "webhooks/limits.hpp"
#include "webhooks/timestamp.hpp"

using namespace stockwire::webhooks;
using json = nlohmann::json;

namespace {

constexpr std::string_view secret = "hush";
// 2024-06-01T12:00:00Z: just after the fixtures' event times.
constexpr std::int64_t now_ms = 1'717'243'200'000;
constexpr std::int64_t minute_ms = 60'000;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string{STOCKWIRE_SOURCE_DIR} +
                   "/tests/fixtures/webhooks/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().empty())
    CAF_FAIL("fixture missing or empty: " << name);
  return out.str();
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string signature_header(format fmt) {
  switch (fmt) {
  case format::shopify:
    return "X-Shopify-Hmac-Sha256";
  case format::woocommerce:
    return "X-WC-Webhook-Signature";
  default:
    return "X-Stockwire-Signature";
  }
}

// A delivery as the gateway would hand it over: body and headers, looked
// up case-insensitively.
struct delivery {
  format fmt = format::relay;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int64_t max_age_ms = 0;

  delivery& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  delivery& signed_with(std::string_view key) {
    return header(signature_header(fmt), sign(key, body));
  }

  delivery& signed_right() { return signed_with(secret); }

  verdict run(std::string_view key = secret) const {
    request_view req;
    req.body = body;
    req.header = [this](std::string_view name) {
      for (auto& [k, v] : headers) {
        if (k.size() != name.size())
          continue;
        bool same = true;
        for (std::size_t i = 0; i < k.size() && same; ++i)
          same = std::tolower(static_cast<unsigned char>(k[i])) ==
                 std::tolower(static_cast<unsigned char>(name[i]));
        if (same)
          return v;
      }
      return std::string{};
    };
    return verify_and_parse(fmt, key, req, now_ms, max_age_ms);
  }
};

delivery shopify(std::string topic, std::string body) {
  delivery d{format::shopify, std::move(body), {}, 0};
  d.header("X-Shopify-Topic", std::move(topic))
      .header("X-Shopify-Event-Id", "3d2c8a51-0b6e-4f1a-9a7c-5e2b9c0d1f44")
      .header("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
  return d.signed_right();
}

delivery woo(std::string topic, std::string body) {
  delivery d{format::woocommerce, std::move(body), {}, 0};
  d.header("X-WC-Webhook-Topic", std::move(topic));
  return d.signed_right();
}

delivery amazon(std::string body) {
  delivery d{format::amazon, std::move(body), {}, 0};
  return d.signed_right();
}

delivery relay(std::string body) {
  delivery d{format::relay, std::move(body), {}, 0};
  return d.signed_right();
}

// "created 727: DEMO-1x3 DEMO-12x1", events joined by " | "; refusals as
// "<status> <code>".
std::string events_of(const verdict& v) {
  if (v.status != 200)
    return std::to_string(v.status) + " " + v.code;
  std::string out;
  for (auto& e : v.events) {
    if (!out.empty())
      out += " | ";
    out += e.kind == event_kind::order_created ? "created "
           : e.kind == event_kind::order_cancelled
               ? "cancelled "
               : "restock " + e.refund_id + " of ";
    out += e.order_id + ":";
    for (auto& l : e.lines)
      out += " " + l.sku + "x" + std::to_string(l.qty);
  }
  return out;
}

std::string shopify_order(const std::string& lines) {
  return R"({"id":1001,"line_items":)" + lines + "}";
}

std::string relay_order(const std::string& lines) {
  return R"({"event":"order.created","order_id":"R-1","lines":)" + lines + "}";
}

std::string
amazon_change(const std::string& status, const std::string& items,
              const std::string& event_time = "2024-06-01T11:59:03.417Z") {
  return R"({"NotificationType":"ORDER_CHANGE","EventTime":")" + event_time +
         R"(","Payload":{"OrderChangeNotification":{)"
         R"("AmazonOrderId":"111-2222222-3333333","Summary":{"OrderStatus":")" +
         status + R"(","OrderItems":)" + items +
         R"(}}},"NotificationMetadata":{"NotificationId":"n-1"}})";
}

} // namespace

// -- signature ----------------------------------------------------------------

CAF_TEST(sign is base64 of HMAC - SHA256 like the channels compute it) {
  // Expected values computed independently:
  //   python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(
  //     hmac.new(KEY, MSG, hashlib.sha256).digest()).decode())'
  CAF_CHECK_EQUAL(sign("key", "The quick brown fox jumps over the lazy dog"),
                  "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
  CAF_CHECK_EQUAL(
      sign("hush", R"({"id":820982911946154508,"line_items":[{"sku":"DEMO-1",)"
                   R"("quantity":2}]})"),
      "YMDbmD8W7vblCkpztYvrNP8ON83JO/Wn3rTip51z1/w=");
  CAF_CHECK_EQUAL(sign("hush", "").size(), 44u);
}

CAF_TEST(a missing signature is 401 and nothing is parsed) {
  for (auto fmt :
       {format::shopify, format::woocommerce, format::amazon, format::relay}) {
    // The body is not even JSON: a 401 proves it was never looked at.
    delivery d{fmt, "{not json", {}, 0};
    d.header("X-Shopify-Topic", "orders/create")
        .header("X-WC-Webhook-Topic", "order.created");
    auto v = d.run();
    CAF_CHECK_EQUAL(v.status, 401u);
    CAF_CHECK_EQUAL(v.code, "unauthenticated");
    CAF_CHECK_EQUAL(v.message, "missing " + signature_header(fmt));
    CAF_CHECK(v.events.empty());
    CAF_CHECK(v.topic.empty());
  }
}

CAF_TEST(a forged signature is 401 and nothing is parsed) {
  auto body = fixture("shopify_orders_create.json");
  // Signed with another secret.
  auto d = delivery{format::shopify, body, {}, 0};
  d.header("X-Shopify-Topic", "orders/create").signed_with("not-the-secret");
  auto v = d.run();
  CAF_CHECK_EQUAL(v.status, 401u);
  CAF_CHECK_EQUAL(v.message, "signature does not match");
  CAF_CHECK(v.events.empty());
  // The body changed after signing (one quantity).
  auto tampered = shopify("orders/create", body);
  tampered.body.replace(tampered.body.find("\"quantity\": 2"), 13,
                        "\"quantity\": 9");
  CAF_CHECK_EQUAL(events_of(tampered.run()), "401 unauthenticated");
  // Truncated, padded, garbage, and the right one for another format.
  auto sig = sign(secret, body);
  for (auto bad : {sig.substr(0, 43), sig + "=", std::string(44, 'A'),
                   std::string{"not base64"}}) {
    delivery x{format::amazon, body, {}, 0};
    x.header("X-Stockwire-Signature", bad);
    CAF_CHECK_EQUAL(events_of(x.run()), "401 unauthenticated");
  }
  // Surrounding whitespace in the header is tolerated.
  delivery spaced{format::relay, fixture("relay_order.json"), {}, 0};
  spaced.header("X-Stockwire-Signature", " " + sign(secret, spaced.body) + " ");
  CAF_CHECK_EQUAL(spaced.run().status, 200u);
}

CAF_TEST(an account without a secret accepts nothing) {
  auto d = relay(fixture("relay_order.json"));
  auto v = d.run("");
  CAF_CHECK_EQUAL(v.status, 401u);
  CAF_CHECK(mentions(v.message, "webhook_secret"));
  // Signed with the empty secret by someone who guessed it: still refused.
  delivery e{format::relay, fixture("relay_order.json"), {}, 0};
  e.signed_with("");
  CAF_CHECK_EQUAL(e.run("").status, 401u);
}

CAF_TEST(a request without a header accessor is unauthenticated) {
  request_view req;
  req.body = fixture("relay_order.json");
  auto v = verify_and_parse(format::relay, secret, req, now_ms, 0);
  CAF_CHECK_EQUAL(v.status, 401u);
  CAF_CHECK_EQUAL(v.message, "missing X-Stockwire-Signature");
}

// -- Shopify ------------------------------------------------------------------

CAF_TEST(shopify orders create yields the order with its lines) {
  auto v =
      shopify("orders/create", fixture("shopify_orders_create.json")).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "orders/create");
  CAF_CHECK_EQUAL(v.delivery_id, "3d2c8a51-0b6e-4f1a-9a7c-5e2b9c0d1f44");
  CAF_CHECK(!v.ping);
  // The custom line (sku null) is kept with an empty SKU for the caller.
  CAF_CHECK_EQUAL(events_of(v), "created 5734851346594: DEMO-1x2 DEMO-7x1 x1");
}

CAF_TEST(shopify delivery id falls back to the webhook id) {
  delivery d{format::shopify, fixture("shopify_orders_create.json"), {}, 0};
  d.header("x-shopify-topic", "orders/create") // HTTP/2: lower case
      .header("x-shopify-webhook-id", "b54557e4")
      .signed_right();
  auto v = d.run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.delivery_id, "b54557e4");
  delivery none{format::shopify, fixture("shopify_orders_create.json"), {}, 0};
  none.header("X-Shopify-Topic", "orders/create").signed_right();
  CAF_CHECK_EQUAL(none.run().delivery_id, "");
}

CAF_TEST(shopify orders cancelled yields a cancellation) {
  auto v = shopify("orders/cancelled", fixture("shopify_orders_cancelled.json"))
               .run();
  CAF_CHECK_EQUAL(events_of(v),
                  "cancelled 5734851346594: DEMO-1x2 DEMO-7x1 x1");
  // No line items: the whole order.
  v = shopify("orders/cancelled",
              R"({"id":"5734851346594","cancelled_at":"2024-05-31T16:40:05Z"})")
          .run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled 5734851346594:");
}

CAF_TEST(shopify orders cancelled needs a cancelled order in the signed body) {
  // The topic header is not signed: an order that is not cancelled, sent
  // as orders/cancelled, is refused.
  auto v =
      shopify("orders/cancelled", fixture("shopify_orders_create.json")).run();
  CAF_CHECK_EQUAL(v.status, 400u);
  CAF_CHECK_EQUAL(v.message, "cancelled_at: required");
  CAF_CHECK(v.events.empty());
}

CAF_TEST(shopify refunds create restocks returned lines and cancels cancelled ones) {
  auto v =
      shopify("refunds/create", fixture("shopify_refunds_create.json")).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  // The mug was returned (restock_type return), the stove was not.
  CAF_CHECK_EQUAL(events_of(v),
                  "restock 929361462626 of 5734851346594: DEMO-1x1");
  CAF_REQUIRE_EQUAL(v.events.size(), 1u);
  CAF_CHECK_EQUAL(v.events[0].refund_id, "929361462626");
  // legacy_restock restocks too; "cancel" cancels those lines (idempotent
  // with the orders/cancelled Shopify sends with it: stock comes back
  // once); a money-only refund: nothing.
  v = shopify("refunds/create", R"({"id":5,"order_id":6,"refund_line_items":[
        {"quantity":1,"restock_type":"cancel","line_item":{"sku":"A"}},
        {"quantity":2,"restock_type":"legacy_restock","line_item":{"sku":"B"}},
        {"quantity":3,"restock_type":"no_restock","line_item":{"sku":"C"}}]})")
          .run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled 6: Ax1 | restock 5 of 6: Bx2");
  v = shopify("refunds/create", R"({"id":5,"order_id":6,"refund_line_items":[
        {"quantity":3,"restock_type":"no_restock","line_item":{"sku":"C"}}]})")
          .run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK(v.events.empty());
  // A restocked line must say what it restocks.
  v = shopify("refunds/create", R"({"id":5,"order_id":6,"refund_line_items":[
        {"quantity":1,"restock_type":"return"}]})")
          .run();
  CAF_CHECK_EQUAL(v.status, 400u);
  CAF_CHECK_EQUAL(v.message, "refund_line_items[0].line_item: required");
  v = shopify("refunds/create", R"({"id":5,"refund_line_items":[]})").run();
  CAF_CHECK_EQUAL(v.message, "order_id: required");
}

CAF_TEST(shopify topics without stock meaning are 200 with no events) {
  auto v = shopify("products/update", "not even json").run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "products/update");
  CAF_CHECK(v.events.empty());
  v = shopify("", fixture("shopify_orders_create.json")).run();
  CAF_CHECK_EQUAL(v.status, 400u);
  CAF_CHECK_EQUAL(v.message, "X-Shopify-Topic: required");
}

// -- WooCommerce --------------------------------------------------------------

CAF_TEST(woocommerce order created yields the order) {
  auto v =
      woo("order.created", fixture("woocommerce_order_created.json")).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "order.created");
  CAF_CHECK_EQUAL(v.delivery_id, ""); // Woo has no stable one
  CAF_CHECK_EQUAL(events_of(v), "created 727: DEMO-1x3 DEMO-12x1");
}

CAF_TEST(woocommerce order updated to cancelled yields a cancellation) {
  auto body = fixture("woocommerce_order_cancelled.json");
  auto v = woo("order.updated", body).run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled 727: DEMO-1x3 DEMO-12x1");
  // Created already cancelled: it never took stock.
  v = woo("order.created", body).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK(v.events.empty());
}

CAF_TEST(woocommerce statuses decide the event) {
  auto order = [](const std::string& status) {
    return R"({"id":9,"status":")" + status +
           R"(","line_items":[{"sku":"S","quantity":1}]})";
  };
  struct {
    const char* topic;
    const char* status;
    const char* expected;
  } cases[] = {
      {"order.updated", "processing", "created 9: Sx1"},
      {"order.updated", "pending", "created 9: Sx1"},
      {"order.updated", "on-hold", "created 9: Sx1"},
      {"order.updated", "completed", "created 9: Sx1"},
      {"order.updated", "refunded", "cancelled 9: Sx1"},
      {"order.updated", "failed", "cancelled 9: Sx1"},
      {"order.updated", "shipped-custom", ""},
      {"order.updated", "checkout-draft", ""},
      {"order.created", "pending", "created 9: Sx1"},
      {"order.created", "failed", ""},
      {"order.created", "refunded", ""},
      {"order.created", "checkout-draft", ""},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.topic << " " << c.status);
    CAF_CHECK_EQUAL(events_of(woo(c.topic, order(c.status)).run()), c.expected);
  }
  auto v = woo("order.updated", R"({"id":9,"line_items":[]})").run();
  CAF_CHECK_EQUAL(v.message, "status: required");
}

CAF_TEST(woocommerce ping is answered without a signature) {
  delivery d{format::woocommerce, "webhook_id=42", {}, 0};
  auto v = d.run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK(v.ping);
  CAF_CHECK(v.events.empty());
  CAF_CHECK(d.run("").ping); // before any secret is configured
  // Not a ping: other formats, or a form body that is not just the id.
  auto unsigned_status = [](format fmt, std::string body) {
    return delivery{fmt, std::move(body), {}, 0}.run().status;
  };
  CAF_CHECK_EQUAL(unsigned_status(format::shopify, "webhook_id=42"), 401u);
  CAF_CHECK_EQUAL(unsigned_status(format::woocommerce, "webhook_id=42&x=1"),
                  401u);
  CAF_CHECK_EQUAL(unsigned_status(format::woocommerce, "webhook_id="), 401u);
}

CAF_TEST(woocommerce topics without stock meaning are 200 with no events) {
  auto v = woo("product.updated", R"({"id":93})").run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "product.updated");
  CAF_CHECK(v.events.empty());
  v = woo("order.deleted", R"({"id":727})").run();
  CAF_CHECK(v.events.empty());
  v = woo("", fixture("woocommerce_order_created.json")).run();
  CAF_CHECK_EQUAL(v.message, "X-WC-Webhook-Topic: required");
}

// -- Amazon -------------------------------------------------------------------

CAF_TEST(amazon order change yields the order) {
  auto v = amazon(fixture("amazon_order_change.json")).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "ORDER_CHANGE/Unshipped");
  CAF_CHECK_EQUAL(v.delivery_id, "2f0c9b7e-4d31-4a8f-b6e2-91c5d7a3e048");
  CAF_CHECK_EQUAL(events_of(v),
                  "created 113-4627185-9937050: DEMO-1x2 DEMO-42x1");
}

CAF_TEST(amazon canceled yields a cancellation) {
  auto v = amazon(fixture("amazon_order_canceled.json")).run();
  CAF_CHECK_EQUAL(v.delivery_id, "c71e5a08-3b9f-4f12-8d6a-0e4b2c9f7a61");
  CAF_CHECK_EQUAL(events_of(v),
                  "cancelled 113-4627185-9937050: DEMO-1x2 DEMO-42x1");
  // A canceled item may report Quantity 0; an order may not.
  v = amazon(amazon_change("Canceled", R"([{"SellerSKU":"A","Quantity":0}])"))
          .run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled 111-2222222-3333333: Ax0");
  v = amazon(amazon_change("Unshipped", R"([{"SellerSKU":"A","Quantity":0}])"))
          .run();
  CAF_CHECK_EQUAL(v.status, 400u);
  CAF_CHECK(mentions(v.message, "Summary.OrderItems[0].Quantity: must be a "
                                "positive integer"));
  v = amazon(amazon_change("Canceled", "[]")).run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled 111-2222222-3333333:");
}

CAF_TEST(amazon statuses and types without stock meaning yield nothing) {
  auto items = R"([{"SellerSKU":"A","Quantity":1}])";
  for (auto status : {"Pending", "PartiallyShipped", "Shipped",
                      "InvoiceUnconfirmed", "PendingAvailability"})
    CAF_CHECK_EQUAL(events_of(amazon(amazon_change(status, items)).run()),
                    "created 111-2222222-3333333: Ax1");
  auto v = amazon(amazon_change("Unfulfillable", items)).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK(v.events.empty());
  v = amazon(R"({"NotificationType":"ANY_OFFER_CHANGED","Payload":{}})").run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "ANY_OFFER_CHANGED");
  CAF_CHECK(v.events.empty());
  v = amazon(R"({"Payload":{}})").run();
  CAF_CHECK_EQUAL(v.message, "NotificationType: required");
  v = amazon(amazon_change("Unshipped", R"([{"Quantity":1}])")).run();
  CAF_CHECK_EQUAL(v.message, "Payload.OrderChangeNotification.Summary."
                             "OrderItems[0].SellerSKU: required");
}

// -- relay (eBay, Flipkart) ---------------------------------------------------

CAF_TEST(relay order yields the order with its delivery id) {
  auto v = relay(fixture("relay_order.json")).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(v.topic, "order.created");
  CAF_CHECK_EQUAL(v.delivery_id, "ebay-relay-7f3a91c2-0001");
  CAF_CHECK_EQUAL(events_of(v), "created 12-11437-83291: DEMO-3x1 DEMO-9x4");
  v = relay(R"({"event":"order.cancelled","order_id":"F-9"})").run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled F-9:");
  CAF_CHECK_EQUAL(v.delivery_id, "");
}

CAF_TEST(relay is strict about its own format) {
  auto v = relay(R"({"event":"order.shipped","order_id":"F-9"})").run();
  CAF_CHECK_EQUAL(v.status, 400u);
  CAF_CHECK(mentions(v.message, "event: must be"));
  v = relay(relay_order(R"([{"qty":1}])")).run();
  CAF_CHECK_EQUAL(v.message, "lines[0].sku: required");
  v = relay(relay_order(R"([{"sku":"","qty":1}])")).run();
  CAF_CHECK_EQUAL(v.message, "lines[0].sku: must not be empty");
  v = relay(R"({"event":"order.created","order_id":7,"lines":[]})").run();
  CAF_CHECK_EQUAL(v.message, "order_id: must be a string");
}

// -- staleness ----------------------------------------------------------------

CAF_TEST(shopify deliveries older than the window are 408 stale) {
  auto d = shopify("orders/create", fixture("shopify_orders_create.json"));
  d.header("X-Shopify-Triggered-At", "2024-06-01T11:50:00.123456789Z");
  d.max_age_ms = 5 * minute_ms;
  auto v = d.run();
  CAF_CHECK_EQUAL(v.status, 408u);
  CAF_CHECK_EQUAL(v.code, "stale");
  CAF_CHECK(mentions(v.message, "X-Shopify-Triggered-At"));
  CAF_CHECK(v.events.empty());
  CAF_CHECK_EQUAL(v.delivery_id, "3d2c8a51-0b6e-4f1a-9a7c-5e2b9c0d1f44");
  d.max_age_ms = 15 * minute_ms; // within the window
  CAF_CHECK_EQUAL(d.run().status, 200u);
  d.max_age_ms = 0; // no window
  CAF_CHECK_EQUAL(d.run().status, 200u);
  // The same instant with an offset; a future time (skew) is not stale.
  auto e = shopify("orders/create", fixture("shopify_orders_create.json"));
  e.header("X-Shopify-Triggered-At", "2024-06-01T07:50:00-04:00");
  e.max_age_ms = 5 * minute_ms;
  CAF_CHECK_EQUAL(e.run().status, 408u);
  auto f = shopify("orders/create", fixture("shopify_orders_create.json"));
  f.header("X-Shopify-Triggered-At", "2024-06-01T12:30:00Z");
  f.max_age_ms = 5 * minute_ms;
  CAF_CHECK_EQUAL(f.run().status, 200u);
  // No timestamp: never stale. A malformed one: 400.
  auto g = shopify("orders/create", fixture("shopify_orders_create.json"));
  g.max_age_ms = 1;
  CAF_CHECK_EQUAL(g.run().status, 200u);
  g.header("X-Shopify-Triggered-At", "yesterday");
  CAF_CHECK_EQUAL(g.run().message,
                  "X-Shopify-Triggered-At: not an RFC 3339 timestamp");
}

CAF_TEST(body timestamps decide staleness for the other formats) {
  // Amazon EventTime 11:59:03.417Z, an hour-long window: fresh.
  auto a = amazon(fixture("amazon_order_change.json"));
  a.max_age_ms = 60 * minute_ms;
  CAF_CHECK_EQUAL(a.run().status, 200u);
  a.max_age_ms = 30'000;
  auto v = a.run();
  CAF_CHECK_EQUAL(v.status, 408u);
  CAF_CHECK(mentions(v.message, "EventTime is 56583 ms old"));
  // WooCommerce date_modified_gmt 11:58:44, no offset: UTC.
  auto w = woo("order.created", fixture("woocommerce_order_created.json"));
  w.max_age_ms = 76'000;
  CAF_CHECK_EQUAL(w.run().status, 200u);
  w.max_age_ms = 75'000;
  CAF_CHECK_EQUAL(w.run().status, 408u);
  // Relay occurred_at 11:59:30+05:30 = 06:29:30Z: five and a half hours.
  auto r = relay(fixture("relay_order.json"));
  r.max_age_ms = 6 * 60 * minute_ms;
  CAF_CHECK_EQUAL(r.run().status, 200u);
  r.max_age_ms = 5 * 60 * minute_ms;
  CAF_CHECK_EQUAL(r.run().status, 408u);
  // Without an offset a relay timestamp is malformed.
  auto bad = relay(R"({"event":"order.cancelled","order_id":"F",)"
                   R"("occurred_at":"2024-06-01T11:59:30"})");
  CAF_CHECK_EQUAL(bad.run().message, "occurred_at: not an RFC 3339 timestamp");
}

CAF_TEST(rfc 3339 timestamps parse to epoch milliseconds) {
  // By value: CAF_CHECK_EQUAL keeps references to its arguments.
  auto ms = [](std::string_view text, bool offset_required = true) {
    return parse_rfc3339_ms(text, offset_required).value_or(-42);
  };
  CAF_CHECK_EQUAL(ms("1970-01-01T00:00:00Z"), 0);
  CAF_CHECK_EQUAL(ms("2024-06-01T12:00:00Z"), now_ms);
  CAF_CHECK_EQUAL(ms("2024-06-01T12:00:00.5Z"), now_ms + 500);
  CAF_CHECK_EQUAL(ms("2024-06-01t12:00:00.123987654z"), now_ms + 123);
  CAF_CHECK_EQUAL(ms("2024-06-01 17:30:00+05:30"), now_ms);
  CAF_CHECK_EQUAL(ms("2024-06-01T08:00:00.000-04:00"), now_ms);
  CAF_CHECK_EQUAL(ms("1969-12-31T23:59:59Z"), -1000);
  CAF_CHECK_EQUAL(ms("2000-02-29T00:00:00Z"), 951782400000);
  CAF_CHECK_EQUAL(ms("2024-06-01T12:00:00", false), now_ms);
  for (auto bad :
       {"", "2024-06-01", "2024-06-01T12:00:00", "2024-06-01T12:00Z",
        "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2024-06-31T00:00:00Z", "2024-06-01T24:00:00Z", "2024-06-01T12:60:00Z",
        "2024-06-01T12:00:61Z", "2024-06-01T12:00:00.Z",
        "2024-06-01T12:00:00+0530", "2024-06-01T12:00:00+24:00",
        "2024-06-01T12:00:00Zjunk", "24-06-01T12:00:00Z", "2024-6-01T12:00:00Z",
        "2024-06-01X12:00:00Z", "+024-06-01T12:00:00Z"})
    CAF_CHECK(!parse_rfc3339_ms(bad).has_value());
}

// -- malformed input ----------------------------------------------------------

CAF_TEST(malformed json is 400 malformed_json) {
  for (auto body : {"", "{", R"({"id":1,})", R"({"id":1} trailing)", "nul",
                    R"({'id':1})", "{\"id\":1,\"s\":\"a\x01\"}"}) {
    auto v = shopify("orders/create", body).run();
    CAF_CHECK_EQUAL(v.status, 400u);
    CAF_CHECK_EQUAL(v.code, "malformed_json");
    CAF_CHECK_EQUAL(v.message, "body: not valid JSON");
  }
  for (auto body : {"[]", "42", R"("text")", "null"}) {
    auto v = relay(body).run();
    CAF_CHECK_EQUAL(v.message, "body: must be a JSON object");
  }
}

CAF_TEST(deep nesting is refused before parsing) {
  auto v = relay(std::string(10'000, '[')).run();
  CAF_CHECK_EQUAL(v.status, 400u);
  CAF_CHECK_EQUAL(v.code, "malformed_json");
  CAF_CHECK_EQUAL(v.message, "body: nests deeper than 64 levels");
  // Exactly the limit parses; one more does not.
  auto nested = [](std::size_t depth) {
    // The body object is level 1, "x" holds the remaining levels.
    return R"({"event":"order.cancelled","order_id":"F","x":)" +
           std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  CAF_CHECK_EQUAL(relay(nested(limits::json_depth_max)).run().status, 200u);
  CAF_CHECK_EQUAL(relay(nested(limits::json_depth_max + 1)).run().message,
                  "body: nests deeper than 64 levels");
  // Brackets inside strings do not count.
  auto in_string = R"({"event":"order.cancelled","order_id":"F","x":")" +
                   std::string(1000, '[') + "\\\"" + std::string(1000, '{') +
                   "\"}";
  CAF_CHECK_EQUAL(relay(in_string).run().status, 200u);
}

CAF_TEST(invalid utf8 is 400 malformed_json) {
  auto with_sku = [](const std::string& sku) {
    return relay_order(R"([{"sku":")" + sku + R"(","qty":1}])");
  };
  // nlohmann refuses these too; the pre-check only names the byte.
  for (std::string bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82",
                          "\xf4\x90\x80\x80", "\x80"}) {
    auto body = with_sku("A" + bad);
    CAF_CHECK(!json::accept(body));
    auto v = relay(body).run();
    CAF_CHECK_EQUAL(v.status, 400u);
    CAF_CHECK_EQUAL(v.code, "malformed_json");
    CAF_CHECK_EQUAL(v.message, "body: invalid UTF-8 at byte " +
                                   std::to_string(body.find('A' + bad) + 1));
  }
  // Valid multi-byte SKUs pass: 2, 3 and 4 byte sequences.
  auto v = relay(with_sku("T\xc3\xa4sse-\xe2\x82\xac-\xf0\x9f\x98\x80")).run();
  CAF_CHECK_EQUAL(v.status, 200u);
  CAF_CHECK_EQUAL(events_of(v),
                  "created R-1: T\xc3\xa4sse-\xe2\x82\xac-\xf0\x9f\x98\x80x1");
  // A lone surrogate escape is invalid JSON text.
  CAF_CHECK_EQUAL(relay(with_sku("\\ud800")).run().message,
                  "body: not valid JSON");
}

CAF_TEST(wrong types are 400 naming the field) {
  struct {
    std::string body;
    std::string message;
  } cases[] = {
      {R"({"id":1.5,"line_items":[{"sku":"A","quantity":1}]})",
       "id: must be a string or an integer"},
      {R"({"id":true,"line_items":[]})", "id: must be a string or an integer"},
      {R"({"line_items":[{"sku":"A","quantity":1}]})", "id: required"},
      {shopify_order(R"({"sku":"A","quantity":1})"),
       "line_items: must be an array"},
      {shopify_order(R"([{"sku":"A","quantity":1},"B"])"),
       "line_items[1]: must be an object"},
      {shopify_order(R"([{"sku":42,"quantity":1}])"),
       "line_items[0].sku: must be a string"},
      {shopify_order(R"([{"sku":"A","quantity":"1"}])"),
       "line_items[0].quantity: must be a positive integer (at most "
       "1000000000)"},
      {shopify_order(R"([{"sku":"A"}])"), "line_items[0].quantity: required"},
  };
  for (auto& c : cases) {
    auto v = shopify("orders/create", c.body).run();
    CAF_CHECK_EQUAL(v.status, 400u);
    CAF_CHECK_EQUAL(v.code, "invalid_argument");
    CAF_CHECK_EQUAL(v.message, c.message);
    CAF_CHECK(v.events.empty());
  }
  auto v = woo("order.created", R"({"id":9,"status":1})").run();
  CAF_CHECK_EQUAL(v.message, "status: must be a string");
  v = amazon(R"({"NotificationType":"ORDER_CHANGE","Payload":[]})").run();
  CAF_CHECK_EQUAL(v.message, "Payload: must be an object");
  v = amazon(amazon_change("Unshipped", "[]", "2024-06-01")).run();
  CAF_CHECK_EQUAL(v.message, "EventTime: not an RFC 3339 timestamp");
}

CAF_TEST(quantities must be integers from 1 to 1e9) {
  for (auto qty : {"0", "-1", "1000000001", "18446744073709551615",
                   "-9223372036854775808", "2.0", "1e3", "null", "[1]"}) {
    auto v =
        shopify("orders/create",
                shopify_order(std::string{R"([{"sku":"A","quantity":1},)"} +
                              R"({"sku":"B","quantity":)" + qty + "}]"))
            .run();
    CAF_MESSAGE("quantity " << qty);
    CAF_CHECK_EQUAL(v.status, 400u);
    CAF_CHECK(mentions(v.message, "line_items[1].quantity: "));
  }
  auto v = relay(relay_order(R"([{"sku":"A","qty":1000000000}])")).run();
  CAF_CHECK_EQUAL(events_of(v), "created R-1: Ax1000000000");
  v = relay(relay_order(R"([{"sku":"A","qty":-3}])")).run();
  CAF_CHECK_EQUAL(v.message,
                  "lines[0].qty: must be a positive integer (at most "
                  "1000000000)");
}

CAF_TEST(missing sku is kept for shopify and woo and refused for relays) {
  auto v = shopify("orders/create",
                   shopify_order(R"([{"quantity":1},{"sku":"","quantity":2}])"))
               .run();
  CAF_CHECK_EQUAL(events_of(v), "created 1001: x1 x2");
  v = woo("order.created",
          R"({"id":1,"status":"processing","line_items":[{"quantity":1}]})")
          .run();
  CAF_CHECK_EQUAL(events_of(v), "created 1: x1");
  v = relay(relay_order(R"([{"sku":null,"qty":1}])")).run();
  CAF_CHECK_EQUAL(v.message, "lines[0].sku: required");
  v = amazon(amazon_change("Unshipped", R"([{"SellerSKU":"","Quantity":1}])"))
          .run();
  CAF_CHECK_EQUAL(v.status, 400u);
}

CAF_TEST(an order without line items is 400) {
  for (auto body : {shopify_order("[]"), std::string{R"({"id":1001})"},
                    shopify_order("null")}) {
    auto v = shopify("orders/create", body).run();
    CAF_CHECK_EQUAL(v.status, 400u);
    CAF_CHECK_EQUAL(v.message, "line_items: no line items");
  }
  auto v = woo("order.created", R"({"id":1,"status":"processing"})").run();
  CAF_CHECK_EQUAL(v.message, "line_items: no line items");
  v = relay(relay_order("[]")).run();
  CAF_CHECK_EQUAL(v.message, "lines: no line items");
  v = amazon(amazon_change("Unshipped", "[]")).run();
  CAF_CHECK(mentions(v.message, "OrderItems: no line items"));
}

CAF_TEST(order ids are non - empty and short and without control characters) {
  auto body = [](const std::string& id) {
    return R"({"event":"order.cancelled","order_id":")" + id + R"("})";
  };
  CAF_CHECK_EQUAL(relay(body(std::string(200, 'x'))).run().status, 200u);
  CAF_CHECK_EQUAL(relay(body(std::string(201, 'x'))).run().message,
                  "order_id: longer than 200 bytes");
  CAF_CHECK_EQUAL(relay(body("")).run().message, "order_id: must not be empty");
  CAF_CHECK_EQUAL(relay(body("A\\u0007B")).run().message,
                  "order_id: contains a control character");
  CAF_CHECK_EQUAL(relay(body("A\\u007fB")).run().message,
                  "order_id: contains a control character");
  // Shopify's numeric ids become their decimal text, up to uint64.
  auto v = shopify("orders/cancelled",
                   R"({"id":18446744073709551615,"cancelled_at":"x"})")
               .run();
  CAF_CHECK_EQUAL(events_of(v), "cancelled 18446744073709551615:");
  // Delivery ids follow the same rule.
  auto d = relay(R"({"event":"order.cancelled","order_id":"F",)"
                 R"("delivery_id":")" +
                 std::string(201, 'd') + R"("})");
  CAF_CHECK_EQUAL(d.run().message, "delivery_id: longer than 200 bytes");
}
