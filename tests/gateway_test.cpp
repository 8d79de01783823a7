// Unit tests of the HTTP gateway's building blocks: request targets, body
// parsing and validation (JSON and CSV), the JSON writer, the status rules,
// and the bridge's routing of commands to the actors that answer them. The
// routes end to end are covered by tests/http_api_test.py.
#define CAF_SUITE gateway
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <chrono>
#include <cmath>
#include <future>

#include <caf/all.hpp>

#include "gateway/bridge.hpp"
#include "gateway/csv.hpp"
#include "gateway/json_writer.hpp"
#include "gateway/listing_input.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/url.hpp"

using namespace stockwire;
using namespace stockwire::gateway;

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every record of `text`, or the error that stopped the reader.
std::vector<csv_record> read_csv(std::string_view text, csv_error* err) {
  csv_reader reader{text};
  std::vector<csv_record> out;
  csv_record rec;
  while (reader.next(&rec, err))
    out.push_back(rec);
  return out;
}

using fields = std::vector<std::string>;

// Hands `cmds` to `b` and waits (on the test's thread) for the outcomes.
template <class Reply, class Cmd>
outcomes<Reply> ask(bridge& b, std::vector<Cmd> cmds) {
  auto done = std::make_shared<std::promise<outcomes<Reply>>>();
  auto answered = done->get_future();
  b.call(std::move(cmds),
         [done](outcomes<Reply> r) { done->set_value(std::move(r)); });
  CAF_REQUIRE(answered.wait_for(std::chrono::seconds{10}) ==
              std::future_status::ready);
  return answered.get();
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
  json_writer all;
  all.value(std::string_view{"\r\t\x1f\x7f \xc3\xa9/"});
  CAF_CHECK_EQUAL(all.str(), "\"\\r\\t\\u001f\\u007f \xc3\xa9/\"");
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
  CAF_CHECK(!parse_order(
      R"({"order_id":"a","lines":[{"sku":"ABCDEF","qty":1}]})", cfg, &o, &err));
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

// Orders are parsed with simdjson, the other bodies with nlohmann: the same
// rules hold for both.
CAF_TEST(order bodies follow the rules of every body) {
  settings cfg;
  cfg.qty_max = 10;
  order_input o;
  input_error err;
  // A key given twice counts with its last value; a null field is absent.
  CAF_REQUIRE(parse_order(
      R"({"order_id":"x","order_id":"A-2","channel":"amazon","channel":null,
          "lines":[{"sku":"S","qty":9,"qty":3,"sku":"T"}]})",
      cfg, &o, &err));
  CAF_CHECK_EQUAL(o.order_id, "A-2");
  CAF_CHECK_EQUAL(o.channel, "");
  CAF_REQUIRE_EQUAL(o.lines.size(), 1u);
  CAF_CHECK_EQUAL(o.lines[0].sku, "T");
  CAF_CHECK_EQUAL(o.lines[0].qty, 3);
  auto error_of = [&](const std::string& body) {
    order_input out;
    input_error e;
    CAF_CHECK(!parse_order(body, cfg, &out, &e));
    return e.code + ": " + e.message;
  };
  auto qty = [](const std::string& q) {
    return R"({"order_id":"a","lines":[{"sku":"S","qty":)" + q + "}]}";
  };
  auto not_integer = "invalid_argument: lines[0].qty: must be an integer "
                     "between 1 and 10";
  CAF_CHECK_EQUAL(error_of(qty("2.0")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("1e1")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("0")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("-1")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("\"1\"")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("18446744073709551615")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("null")),
                  "invalid_argument: lines[0].qty: is required");
  // Beyond 64 bits (simdjson refuses them, JSON does not): not an integer
  // here either, as with nlohmann; a malformed number stays malformed.
  CAF_CHECK_EQUAL(error_of(qty("18446744073709551616")), not_integer);
  CAF_CHECK_EQUAL(error_of(qty("-92233720368547758090")), not_integer);
  CAF_CHECK_EQUAL(
      error_of(
          R"({"order_id":"a","n":1180591620717411303424,"x":"-1e5 99999999999999999999\"",
                  "lines":[{"sku":"S","qty":11}]})"),
      "invalid_argument: lines[0].qty: must be an integer between 1 and 10");
  CAF_CHECK(
      mentions(error_of(qty("01")), "malformed_json: body is not valid JSON"));
  CAF_CHECK(
      mentions(error_of(qty("1180591620717411303424.")), "a malformed number"));
  CAF_CHECK(mentions(error_of(qty("1e400")), "malformed_json"));
  CAF_CHECK(mentions(error_of(R"({"order_id":"\xff","lines":[]})"),
                     "malformed_json: body is not valid JSON"));
  CAF_CHECK(mentions(error_of(""), "malformed_json"));
  CAF_CHECK(mentions(error_of("{} x"), "malformed_json"));
  CAF_CHECK_EQUAL(error_of("[]"),
                  "invalid_argument: the body must be a JSON object");
  CAF_CHECK_EQUAL(error_of(R"({"order_id":"a","lines":[7]})"),
                  "invalid_argument: lines[0] must be a JSON object");
  CAF_CHECK_EQUAL(error_of(R"({"order_id":"a"})"),
                  "invalid_argument: lines: is required");
  CAF_CHECK_EQUAL(error_of(R"({"order_id":"a","lines":{}})"),
                  "invalid_argument: lines: must be a non-empty array");
  CAF_CHECK_EQUAL(error_of(R"({"order_id":"a","lines":[{"qty":1}]})"),
                  "invalid_argument: lines[0].sku: is required");
  cfg.json_depth_max = 3;
  CAF_CHECK_EQUAL(
      error_of(R"({"order_id":"a","lines":[{"sku":"S","qty":{"a":1}}]})"),
      "malformed_json: JSON nested deeper than 3 levels");
}

CAF_TEST(a batch names each bad order by its index) {
  settings cfg;
  cfg.qty_max = 10;
  std::vector<batch_item> items;
  input_error err;
  CAF_REQUIRE(parse_batch(
      R"([{"order_id":"a","lines":[{"sku":"S","qty":1}]},
          {"order_id":"b","order_id":"c","lines":[{"sku":"S","qty":11}]},
          null,
          {"order_id":"d","lines":[{"sku":"S","qty":1},{"sku":"S","qty":2}]},
          {"order_id":7},
          {"order_id":"12345678901234567890123",
           "lines":[{"sku":"S","qty":1180591620717411303424}]}])",
      cfg, &items, &err));
  CAF_REQUIRE_EQUAL(items.size(), 6u);
  CAF_CHECK(items[0].error.code.empty());
  CAF_CHECK_EQUAL(items[0].order.lines.size(), 1u);
  CAF_CHECK_EQUAL(items[1].order.order_id, "c"); // kept to match the result
  CAF_CHECK_EQUAL(items[1].error.message,
                  "[1].lines[0].qty: must be an integer between 1 and 10");
  CAF_CHECK_EQUAL(items[2].error.message, "[2] must be a JSON object");
  CAF_CHECK_EQUAL(items[3].error.message,
                  "[3].lines[1].sku: S appears in more than one line of the "
                  "order");
  CAF_CHECK_EQUAL(items[4].error.message, "[4].order_id: must be a string");
  CAF_CHECK(items[4].order.order_id.empty());
  // An integer beyond 64 bits is widened outside strings only.
  CAF_CHECK_EQUAL(items[5].order.order_id, "12345678901234567890123");
  CAF_CHECK_EQUAL(items[5].error.message,
                  "[5].lines[0].qty: must be an integer between 1 and 10");
  CAF_CHECK(!parse_batch("{}", cfg, &items, &err));
  CAF_CHECK_EQUAL(err.message, "the body must be a non-empty array of orders");
  CAF_CHECK(!parse_batch("[", cfg, &items, &err));
  CAF_CHECK_EQUAL(err.code, "malformed_json");
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

CAF_TEST(csv fields may be quoted across commas quotes and line ends) {
  csv_error err;
  auto recs = read_csv("a,\"b,1\",\"say \"\"hi\"\"\"\r\n"
                       "\n"
                       "\"two\nlines\",,x\n"
                       "last,\"\"",
                       &err);
  CAF_CHECK(err.message.empty());
  CAF_REQUIRE_EQUAL(recs.size(), 3u);
  CAF_CHECK_EQUAL(recs[0].line, 1u);
  CAF_CHECK_EQUAL(recs[0].fields, (fields{"a", "b,1", "say \"hi\""}));
  CAF_CHECK_EQUAL(recs[1].line, 3u); // the empty line 2 is skipped
  CAF_CHECK_EQUAL(recs[1].fields, (fields{"two\nlines", "", "x"}));
  CAF_CHECK_EQUAL(recs[2].line, 5u); // the quoted line end counts
  CAF_CHECK_EQUAL(recs[2].fields, (fields{"last", ""}));
  recs = read_csv("a,\nb,c,\n", &err);
  CAF_REQUIRE_EQUAL(recs.size(), 2u);
  CAF_CHECK_EQUAL(recs[0].fields, (fields{"a", ""}));
  CAF_CHECK_EQUAL(recs[1].fields, (fields{"b", "c", ""}));
}

CAF_TEST(malformed csv names the line) {
  csv_error err;
  auto recs = read_csv("h1,h2\nok,1\n\"never\nclosed,2\n", &err);
  CAF_CHECK_EQUAL(recs.size(), 2u);
  CAF_CHECK_EQUAL(err.line, 3u); // where the quoted field starts
  CAF_CHECK(mentions(err.message, "never closed"));
  err = csv_error{};
  read_csv("a,b\nx\"y,z\n", &err);
  CAF_CHECK_EQUAL(err.line, 2u);
  CAF_CHECK(mentions(err.message, "quote inside an unquoted field"));
  err = csv_error{};
  read_csv("\"a\"b,c\n", &err);
  CAF_CHECK_EQUAL(err.line, 1u);
  CAF_CHECK(mentions(err.message, "after the closing quote"));
}

CAF_TEST(listing bodies of every channel kind parse) {
  settings cfg;
  input_error err;
  listing shopify;
  CAF_REQUIRE(
      parse_listing(R"({"item_id":"808950810","location_id":655441491})", cfg,
                    &shopify, &err));
  CAF_CHECK_EQUAL(shopify.item_id, "808950810");
  CAF_CHECK_EQUAL(shopify.location_id, "655441491"); // integer: decimal text
  CAF_CHECK(!shopify.alloc);
  listing amazon;
  CAF_REQUIRE(parse_listing(R"({"seller_id":"A1","marketplace_id":
      "ATVPDKIKX0DER","product_type":"LUGGAGE","allocation":null})",
                            cfg, &amazon, &err));
  CAF_CHECK_EQUAL(amazon.product_type, "LUGGAGE");
  CAF_CHECK(!amazon.alloc);
  listing woo;
  CAF_REQUIRE(parse_listing(
      R"({"item_id":799,"variation_id":"",
          "allocation":{"buffer":2,"percent":50,"max":10}})",
      cfg, &woo, &err));
  CAF_CHECK_EQUAL(woo.item_id, "799");
  CAF_REQUIRE(woo.alloc.has_value());
  CAF_CHECK_EQUAL(woo.alloc->buffer, 2);
  CAF_CHECK_EQUAL(woo.alloc->percent, 50.0);
  CAF_CHECK_EQUAL(woo.alloc->max, 10);
  listing partial;
  CAF_REQUIRE(
      parse_listing(R"({"allocation":{"percent":12.5}})", cfg, &partial, &err));
  CAF_REQUIRE(partial.alloc.has_value());
  CAF_CHECK_EQUAL(partial.alloc->buffer, 0); // defaults for the others
  CAF_CHECK_EQUAL(partial.alloc->max, -1);
  listing amazon_defaults;
  CAF_CHECK(parse_listing("{}", cfg, &amazon_defaults, &err));
}

CAF_TEST(bad listing bodies name the field) {
  settings cfg;
  cfg.qty_max = 100;
  auto error_of = [&](const std::string& body) {
    listing ids;
    input_error err;
    CAF_CHECK(!parse_listing(body, cfg, &ids, &err));
    return err.code + ": " + err.message;
  };
  CAF_CHECK(mentions(error_of(R"({"item_id":"1","itemid":"2"})"),
                     "invalid_argument: itemid: unknown field"));
  CAF_CHECK(mentions(error_of(R"({"item_id":1.5})"),
                     "item_id: must be a string or an integer"));
  CAF_CHECK(mentions(error_of(R"({"location_id":true})"), "location_id"));
  CAF_CHECK(
      mentions(error_of(R"({"item_id":")" + std::string(129, '7') + "\"}"),
               "limits.listing_id_bytes_max"));
  CAF_CHECK(mentions(error_of(R"({"allocation":5})"),
                     "allocation: must be an object"));
  CAF_CHECK(mentions(error_of(R"({"allocation":{"percent":101}})"),
                     "allocation.percent"));
  CAF_CHECK(mentions(error_of(R"({"allocation":{"percent":"50"}})"),
                     "allocation.percent"));
  CAF_CHECK(mentions(error_of(R"({"allocation":{"buffer":-1}})"),
                     "allocation.buffer"));
  CAF_CHECK(
      mentions(error_of(R"({"allocation":{"max":-2}})"), "allocation.max"));
  CAF_CHECK(
      mentions(error_of(R"({"allocation":{"max":101}})"), "allocation.max"));
  CAF_CHECK(mentions(error_of(R"({"allocation":{"cap":1}})"),
                     "allocation.cap: unknown field"));
  CAF_CHECK(mentions(error_of("[]"), "must be a JSON object"));
  CAF_CHECK(mentions(error_of(""), "malformed_json"));
}

CAF_TEST(an import keeps going past bad rows) {
  settings cfg;
  std::vector<import_row> rows;
  input_error err;
  CAF_REQUIRE(parse_listing_csv(
      "\xEF\xBB\xBFsku,channel,item_id,location_id,buffer,percent,max\r\n"
      "S-1,shopify,808950810,655441491,,,\r\n"
      "S-2,shopify,\"80,9\",1,2,50,10\r\n"
      "S-3,shopify,1,2,x,,\r\n"
      "S-4,shopify,1\r\n"
      "bad sku,shopify,1,2,,,\r\n"
      "S-1,shopify,9,9,,,\r\n"
      "S-1,ebay,9,,,,\r\n"
      "S-5,,1,2,,,\r\n"
      "S-6,shopify,1,2,,101,\r\n",
      cfg, &rows, &err));
  CAF_REQUIRE_EQUAL(rows.size(), 9u);
  CAF_CHECK(rows[0].error.code.empty());
  CAF_CHECK_EQUAL(rows[0].line, 2u);
  CAF_CHECK_EQUAL(rows[0].sku, "S-1");
  CAF_CHECK_EQUAL(rows[0].channel, "shopify");
  CAF_CHECK_EQUAL(rows[0].ids.location_id, "655441491");
  CAF_CHECK(!rows[0].ids.alloc);
  CAF_CHECK(rows[1].error.code.empty());
  CAF_CHECK_EQUAL(rows[1].ids.item_id, "80,9");
  CAF_REQUIRE(rows[1].ids.alloc.has_value());
  CAF_CHECK_EQUAL(rows[1].ids.alloc->buffer, 2);
  CAF_CHECK_EQUAL(rows[1].ids.alloc->percent, 50.0);
  CAF_CHECK_EQUAL(rows[1].ids.alloc->max, 10);
  CAF_CHECK(mentions(rows[2].error.message, "buffer: 'x' is not an integer"));
  CAF_CHECK(mentions(rows[3].error.message, "the row has 3 fields"));
  CAF_CHECK(mentions(rows[4].error.message, "sku:"));
  CAF_CHECK(mentions(rows[5].error.message, "already listed on line 2"));
  CAF_CHECK(rows[6].error.code.empty()); // same SKU, other channel
  CAF_CHECK(mentions(rows[7].error.message, "channel: channel is empty"));
  CAF_CHECK(mentions(rows[8].error.message, "percent"));
  CAF_CHECK_EQUAL(rows[8].line, 10u);
  for (std::size_t i : {2, 3, 4, 5, 7, 8})
    CAF_CHECK_EQUAL(rows[i].error.code, "invalid_argument");
}

CAF_TEST(an unusable import is refused as a whole) {
  settings cfg;
  std::vector<import_row> rows;
  auto error_of = [&](const std::string& body) {
    input_error err;
    CAF_CHECK(!parse_listing_csv(body, cfg, &rows, &err));
    return err.code + ": " + err.message;
  };
  CAF_CHECK(mentions(error_of(""), "no CSV header"));
  CAF_CHECK(mentions(error_of("channel,sku,colour\n"),
                     "invalid_argument: line 1: unknown column 'colour'"));
  CAF_CHECK(mentions(error_of("channel,item_id\n"), "channel and sku"));
  CAF_CHECK(mentions(error_of("channel,sku,sku\n"), "appears twice"));
  CAF_CHECK(mentions(error_of("channel,sku\nshopify,A\nshopify,\"B\n"),
                     "malformed_csv: line 3:"));
  std::string many = "channel,sku\n";
  for (std::size_t i = 0; i <= gateway::limits::import_rows_max; ++i)
    many += "shopify,S-" + std::to_string(i) + "\n";
  CAF_CHECK(mentions(error_of(many), "limits.import_rows_max"));
  input_error err;
  CAF_CHECK(parse_listing_csv("channel,sku\r\n", cfg, &rows, &err));
  CAF_CHECK(rows.empty());
}

CAF_TEST(resync bodies name skus or nothing) {
  settings cfg;
  std::vector<std::string> skus;
  input_error err;
  CAF_CHECK(parse_resync("", cfg, &skus, &err));
  CAF_CHECK(parse_resync("{}", cfg, &skus, &err));
  CAF_CHECK(skus.empty());
  CAF_CHECK(parse_resync(R"({"skus":["A","B","A"]})", cfg, &skus, &err));
  CAF_CHECK_EQUAL(skus, (fields{"A", "B"}));
  CAF_CHECK(!parse_resync(R"({"sku":["A"]})", cfg, &skus, &err));
  CAF_CHECK(mentions(err.message, "sku: unknown field"));
  CAF_CHECK(!parse_resync(R"({"skus":[]})", cfg, &skus, &err));
  CAF_CHECK(mentions(err.message, "omit it"));
  CAF_CHECK(!parse_resync(R"({"skus":["A",1]})", cfg, &skus, &err));
  CAF_CHECK(mentions(err.message, "skus[1]"));
}

CAF_TEST(the json writer writes doubles shortest and non finite as null) {
  json_writer w;
  w.begin_array()
      .value(1.5)
      .value(12.345)
      .value(100.0)
      .value(std::nan(""))
      .end_array();
  CAF_CHECK_EQUAL(w.str(), "[1.5,12.345,100,null]");
}

CAF_TEST(channel and listing errors are not found) {
  CAF_CHECK_EQUAL(status_of(errc::unknown_channel), 404u);
  CAF_CHECK_EQUAL(status_of(errc::unknown_listing), 404u);
}

CAF_TEST(the bridge sends channel commands to the connector of their channel) {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto journal = sys.spawn([]() -> caf::behavior {
    return {[](stats_atom) { return journal_stats{}; }};
  });
  auto connector = sys.spawn([]() -> caf::behavior {
    return {[](get_channel_status& q) {
      connector_status s;
      s.channel = q.channel;
      return s;
    }};
  });
  auto dir = std::make_shared<channel_directory>();
  dir->connectors.emplace("zeta", connector);
  dir->connectors.emplace("alpha", connector);
  {
    auto b = make_bridge(sys, bridge_targets{journal, journal, {}, dir, {}},
                         bridge_options{});
    CAF_CHECK_EQUAL(b->channels(), (fields{"alpha", "zeta"}));
    auto st = ask<connector_status>(
        *b, std::vector<get_channel_status>{{"zeta"}, {"nope"}, {"alpha"}});
    CAF_REQUIRE_EQUAL(st.size(), 3u);
    CAF_CHECK(st[0].ok());
    CAF_CHECK_EQUAL(st[0].reply.channel, "zeta");
    CAF_CHECK_EQUAL(st[1].code, errc::unknown_channel);
    CAF_CHECK_EQUAL(st[1].detail, "no channel account 'nope' is configured");
    CAF_CHECK_EQUAL(st[2].reply.channel, "alpha");
    auto lag = ask<lag_report>(*b, std::vector<get_lag>(1));
    CAF_CHECK_EQUAL(lag.front().code, errc::owner_unavailable);
    CAF_CHECK(mentions(lag.front().detail, "metrics"));
  }
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(connector, caf::exit_reason::user_shutdown);
}
