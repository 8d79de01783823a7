// Pure unit tests of the HTTP gateway's building blocks: request targets,
// body parsing and validation, the JSON writer and the status rules. The
// routes end to end are covered by tests/http_api_test.py.
#define CAF_SUITE gateway
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "gateway/json_writer.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/url.hpp"

using namespace stockwire;
using namespace stockwire::gateway;

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(targets split into decoded segments and query pairs) {
  parsed_target t;
  CAF_REQUIRE(parse_target("/v1/stock/A%2FB%23c+d/audit?limit=5&x", &t));
  CAF_REQUIRE_EQUAL(t.segments.size(), 4u);
  CAF_CHECK_EQUAL(t.segments[2], "A/B#c+d");
  CAF_REQUIRE_EQUAL(t.query.size(), 2u);
  CAF_CHECK_EQUAL(t.query[0].first, "limit");
  CAF_CHECK_EQUAL(t.query[0].second, "5");
  CAF_CHECK_EQUAL(t.query[1].first, "x");
  CAF_CHECK_EQUAL(t.query[1].second, "");
  CAF_CHECK(parse_target("/v1/orders:batch", &t));
  CAF_CHECK_EQUAL(t.segments[1], "orders:batch");
  CAF_CHECK(!parse_target("v1/stock", &t));
  CAF_CHECK(!parse_target("/v1/stock/%4", &t));
  CAF_CHECK(!parse_target("/v1/stock?sku=%zz", &t));
}

CAF_TEST(the json writer escapes and separates) {
  json_writer w;
  w.begin_object()
      .field("s", "a\"b\\c\n\x01")
      .field("n", std::int64_t{-3})
      .key("a")
      .begin_array()
      .value(true)
      .null()
      .value(std::uint64_t{7})
      .end_array()
      .end_object();
  CAF_CHECK_EQUAL(w.str(),
                  R"({"s":"a\"b\\c\n\u0001","n":-3,"a":[true,null,7]})");
  CAF_CHECK_EQUAL(error_body("x", "y"),
                  R"({"error":{"code":"x","message":"y"}})");
  CAF_CHECK_EQUAL(rfc3339_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

CAF_TEST(depth is measured outside strings) {
  CAF_CHECK(!json_too_deep(R"([[["[[[[[[[["]]])", 3));
  CAF_CHECK(json_too_deep("[[[[]]]]", 3));
  CAF_CHECK(!json_too_deep(R"({"a":"\"{{{{"})", 1));
}

CAF_TEST(a valid order parses into lines) {
  settings cfg;
  order_input o;
  input_error err;
  CAF_REQUIRE(parse_order(
      R"({"order_id":"A-1","channel":"amazon","extra":{"x":1},
        "lines":[{"sku":"S-1","qty":2},{"sku":"S-2","qty":1}]})",
      cfg, &o, &err));
  CAF_CHECK_EQUAL(o.order_id, "A-1");
  CAF_CHECK_EQUAL(o.channel, "amazon");
  CAF_REQUIRE_EQUAL(o.lines.size(), 2u);
  CAF_CHECK_EQUAL(o.lines[1].sku, "S-2");
  CAF_CHECK_EQUAL(o.lines[0].qty, 2);
}

CAF_TEST(invalid orders name the offending field) {
  settings cfg;
  cfg.qty_max = 10;
  cfg.order_lines_max = 2;
  auto error_of = [&](const std::string& body) {
    order_input o;
    input_error err;
    CAF_CHECK(!parse_order(body, cfg, &o, &err));
    return err.code + ": " + err.message;
  };
  CAF_CHECK(mentions(error_of("{"), "malformed_json"));
  CAF_CHECK(mentions(error_of(R"({"lines":[]})"), "order_id: is required"));
  CAF_CHECK(
      mentions(error_of(R"({"order_id":"a","lines":[{"sku":"S","qty":11}]})"),
               "lines[0].qty: must be an integer between 1 and 10"));
  CAF_CHECK(
      mentions(error_of(R"({"order_id":"a","lines":[{"sku":"S","qty":1.0}]})"),
               "lines[0].qty"));
  CAF_CHECK(
      mentions(error_of(R"({"order_id":"a","lines":[{"sku":"a b","qty":1}]})"),
               "lines[0].sku"));
  CAF_CHECK(mentions(
      error_of(
          R"({"order_id":"a","lines":[{"sku":"S","qty":1},{"sku":"S","qty":1}]})"),
      "appears in more than one line"));
  CAF_CHECK(mentions(
      error_of(
          R"({"order_id":"a","lines":[{"sku":"A","qty":1},{"sku":"B","qty":1},
                 {"sku":"C","qty":1}]})"),
      "limits.order_lines_max"));
  CAF_CHECK(mentions(error_of(R"({"order_id":"a","channel":3,"lines":[]})"),
                     "channel: must be a string"));
}

CAF_TEST(the configured sku length limit applies on top of the core rules) {
  settings cfg;
  cfg.sku_bytes_max = 5;
  CAF_CHECK(!check_sku(cfg, "ABCDE"));
  auto long_sku = check_sku(cfg, "ABCDEF");
  CAF_REQUIRE(long_sku.has_value());
  CAF_CHECK(mentions(*long_sku, "limits.sku_bytes_max"));
  CAF_CHECK(check_sku(cfg, "a b").has_value()); // core characters still apply
  order_input o;
  input_error err;
  CAF_CHECK(!parse_order(R"({"order_id":"a","lines":[{"sku":"ABCDEF","qty":1}]})",
                         cfg, &o, &err));
  CAF_CHECK(mentions(err.message, "lines[0].sku"));
}

CAF_TEST(a batch keeps going past a bad order) {
  settings cfg;
  std::vector<batch_item> items;
  input_error err;
  CAF_REQUIRE(parse_batch(R"([{"order_id":"a","lines":[{"sku":"S","qty":1}]},
                              {"order_id":"b","lines":"x"}, 5])",
                          cfg, &items, &err));
  CAF_REQUIRE_EQUAL(items.size(), 3u);
  CAF_CHECK(items[0].error.code.empty());
  CAF_CHECK_EQUAL(items[1].order.order_id, "b");
  CAF_CHECK(mentions(items[1].error.message, "[1].lines"));
  CAF_CHECK(mentions(items[2].error.message, "[2] must be a JSON object"));
  cfg.batch_orders_max = 1;
  CAF_CHECK(!parse_batch("[{},{}]", cfg, &items, &err));
  CAF_CHECK(mentions(err.message, "limits.batch_orders_max"));
}

CAF_TEST(stock bodies are checked) {
  settings cfg;
  set_input s;
  adjust_input a;
  cancel_input c;
  input_error err;
  CAF_CHECK(parse_set(R"({"on_hand":0})", cfg, &s, &err));
  CAF_CHECK(s.idempotency_key.empty());
  CAF_CHECK(!parse_set(R"({"on_hand":-1})", cfg, &s, &err));
  CAF_CHECK(!parse_adjust(R"({"delta":1})", cfg, &a, &err));
  CAF_CHECK(mentions(err.message, "idempotency_key: is required"));
  CAF_CHECK(
      !parse_adjust(R"({"delta":1,"idempotency_key":""})", cfg, &a, &err));
  CAF_CHECK(
      parse_adjust(R"({"delta":-5,"idempotency_key":"k"})", cfg, &a, &err));
  CAF_CHECK_EQUAL(a.delta, -5);
  CAF_CHECK(parse_cancel("", cfg, &c, &err));
  CAF_CHECK(c.skus.empty());
  CAF_CHECK(parse_cancel(R"({"lines":[{"sku":"A","qty":2},{"sku":"B"}]})", cfg,
                         &c, &err));
  CAF_CHECK_EQUAL(c.skus.size(), 2u);
}

CAF_TEST(statuses follow the error codes and the order verdict) {
  CAF_CHECK_EQUAL(status_of(errc::unknown_sku), 404u);
  CAF_CHECK_EQUAL(status_of(errc::unknown_order), 404u);
  CAF_CHECK_EQUAL(status_of(errc::id_conflict), 409u);
  CAF_CHECK_EQUAL(status_of(errc::negative_stock), 409u);
  CAF_CHECK_EQUAL(status_of(errc::invalid_argument), 400u);
  CAF_CHECK_EQUAL(status_of(errc::store_unavailable), 503u);
  CAF_CHECK_EQUAL(status_of(errc::overloaded), 503u);
  outcomes<order_result> rs(3);
  CAF_CHECK_EQUAL(judge(rs).status, 200u);
  rs[1].code = errc::unknown_sku;
  CAF_CHECK_EQUAL(judge(rs).status, 200u); // some lines went through
  rs[0].code = errc::id_conflict;
  rs[2].code = errc::unknown_sku;
  CAF_CHECK_EQUAL(judge(rs).status, 409u); // all failed: the first decides
  rs[2].code = errc::store_unavailable;
  CAF_CHECK_EQUAL(judge(rs).status, 503u); // retryable anywhere wins
  CAF_CHECK_EQUAL(judge(rs).code, errc::store_unavailable);
}
