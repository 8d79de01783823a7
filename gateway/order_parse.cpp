// parse_order and parse_batch (contract in requests.hpp): the bodies of
// POST /v1/orders and POST /v1/orders:batch, the API's hot input.
//
// They are read with simdjson's DOM parser, not nlohmann's as the other
// bodies (requests.cpp): on a batch of 100 one-line orders simdjson takes
// 0.08 µs per order against nlohmann's 1.2, and that parse was ~11% of the
// node's CPU on the batch route. The rules and messages are those of the
// other bodies: a key given twice counts with its last value, a null field
// is absent, every error names the field's path.
#include "gateway/requests.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/stock.hpp"

namespace stockwire::gateway {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr const char* malformed = input_error::malformed;
constexpr const char* invalid = input_error::invalid;

// A parser keeps the buffers of the largest body it has read; one that has
// grown beyond this is dropped after use (a batch of 1,000 orders is
// ~100 KiB).
constexpr std::size_t parser_keep_bytes = 256 * 1024;

// simdjson refuses an integer beyond 64 bits (NUMBER_ERROR), where JSON and
// nlohmann read a number. Returns `body` with every such integer literal
// (outside strings) written as a decimal (`.0` appended): it then parses,
// and its field is refused as "must be an integer", as with nlohmann. A
// malformed number ("01", "1.") stays malformed. The rare path: only after
// a NUMBER_ERROR.
std::string widen_big_integers(std::string_view body) {
  constexpr std::size_t int64_digits = 19; // fewer always fit
  std::string out;
  out.reserve(body.size() + 16);
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < body.size();) {
    char c = body[i];
    if (in_string) {
      in_string = escaped || c != '"';
      escaped = !escaped && c == '\\';
      out += c;
      ++i;
      continue;
    }
    if (c == '"')
      in_string = true;
    if (c != '-' && (c < '0' || c > '9')) {
      out += c;
      ++i;
      continue;
    }
    auto end = body.find_first_not_of("0123456789+-.eE", i);
    auto token = body.substr(i, end == std::string_view::npos ? end : end - i);
    auto digits = token.substr(token.front() == '-' ? 1 : 0);
    out += token;
    if (digits.size() >= int64_digits &&
        digits.find_first_not_of("0123456789") == std::string_view::npos)
      out += ".0";
    i += token.size();
  }
  return out;
}

// One parser per thread, reused across requests. The elements of a parse
// live in its buffers: they are valid until the lease ends.
class parser_lease {
public:
  parser_lease() {
    if (!slot())
      slot() = std::make_unique<simdjson::dom::parser>();
  }

  ~parser_lease() {
    if (slot()->capacity() > parser_keep_bytes)
      slot().reset();
  }

  parser_lease(const parser_lease&) = delete;
  parser_lease& operator=(const parser_lease&) = delete;

  // Parses `body` (after the depth check); syntax errors and excessive
  // depth are "malformed_json".
  bool parse(std::string_view body, const settings& cfg, element* doc,
             input_error* err) {
    if (!check_depth(body, cfg, err))
      return false;
    auto code = slot()->parse(body.data(), body.size()).get(*doc);
    if (code == simdjson::NUMBER_ERROR) {
      auto widened = widen_big_integers(body);
      code = slot()->parse(widened.data(), widened.size()).get(*doc);
    }
    if (code == simdjson::SUCCESS)
      return true;
    std::string message = "body is not valid JSON: ";
    message += simdjson::error_message(code);
    if (code == simdjson::NUMBER_ERROR)
      message += " (a malformed number)";
    return err->refuse(malformed, std::move(message));
  }

private:
  static std::unique_ptr<simdjson::dom::parser>& slot() {
    thread_local std::unique_ptr<simdjson::dom::parser> parser;
    return parser;
  }
};

// The fields of an order object, read in one pass.
struct order_fields {
  std::optional<element> order_id;
  std::optional<element> channel;
  std::optional<element> lines;
};

// The fields of a line object.
struct line_fields {
  std::optional<element> sku;
  std::optional<element> qty;
};

// Sets `slot` to `value`, or clears it for a null: a later key replaces an
// earlier one, and a null field counts as absent.
void take(std::optional<element>& slot, element value) {
  if (value.is_null())
    slot.reset();
  else
    slot = value;
}

order_fields order_fields_of(simdjson::dom::object obj) {
  order_fields f;
  for (auto field : obj) {
    if (field.key == "order_id")
      take(f.order_id, field.value);
    else if (field.key == "channel")
      take(f.channel, field.value);
    else if (field.key == "lines")
      take(f.lines, field.value);
  }
  return f;
}

line_fields line_fields_of(simdjson::dom::object obj) {
  line_fields f;
  for (auto field : obj) {
    if (field.key == "sku")
      take(f.sku, field.value);
    else if (field.key == "qty")
      take(f.qty, field.value);
  }
  return f;
}

// The path of a field for error messages: `prefix` (e.g. "[3].") + key.
// Built only when a message needs it.
std::string path(std::string_view prefix, std::string_view key) {
  std::string p{prefix};
  p += key;
  return p;
}

bool read_string(const std::optional<element>& v, std::string_view prefix,
                 std::string_view key, bool required, std::string* out,
                 input_error* err) {
  if (!v)
    return !required ||
           err->refuse(invalid, path(prefix, key) + ": is required");
  std::string_view s;
  if (v->get(s) != simdjson::SUCCESS)
    return err->refuse(invalid, path(prefix, key) + ": must be a string");
  out->assign(s);
  return true;
}

bool read_integer(const std::optional<element>& v, std::string_view prefix,
                  std::string_view key, std::int64_t min, std::int64_t max,
                  std::int64_t* out, input_error* err) {
  if (!v)
    return err->refuse(invalid, path(prefix, key) + ": is required");
  std::int64_t x = 0;
  // An unsigned integer beyond int64 is above every max; a double, even
  // 2.0, is not an integer.
  if (v->type() != element_type::INT64 || v->get(x) != simdjson::SUCCESS ||
      x < min || x > max)
    return err->refuse(invalid,
                       path(prefix, key) + ": must be an integer between " +
                           std::to_string(min) + " and " + std::to_string(max));
  *out = x;
  return true;
}

// Applies a core validator (validate_sku, ...) to a string field.
template <class Validator>
bool check(std::string_view prefix, std::string_view key,
           const std::string& value, Validator validate, input_error* err) {
  if (auto why = validate(value))
    return err->refuse(invalid, path(prefix, key) + ": " + *why);
  return true;
}

std::string line_prefix(std::string_view prefix, std::size_t i) {
  return path(prefix, "lines[") + std::to_string(i) + "]";
}

// `prefix` is "" for a single order, "[i]." in a batch.
bool read_lines(const element& lines, std::string_view prefix,
                const settings& cfg, order_input* out, input_error* err) {
  simdjson::dom::array array;
  if (lines.get(array) != simdjson::SUCCESS || array.size() == 0)
    return err->refuse(invalid,
                       path(prefix, "lines: must be a non-empty array"));
  if (array.size() > cfg.order_lines_max)
    return err->refuse(invalid, path(prefix, "lines: more than ") +
                                    std::to_string(cfg.order_lines_max) +
                                    " lines (limits.order_lines_max)");
  out->lines.reserve(array.size());
  std::size_t i = 0;
  for (element item : array) {
    simdjson::dom::object obj;
    if (item.get(obj) != simdjson::SUCCESS)
      return err->refuse(invalid,
                         line_prefix(prefix, i) + " must be a JSON object");
    auto f = line_fields_of(obj);
    order_line_input line;
    // The line's prefix for messages, e.g. "[3].lines[0]." (only on error).
    auto where = [&] { return line_prefix(prefix, i) + "."; };
    if (!read_string(f.sku, {}, "sku", true, &line.sku, err) ||
        !check(
            {}, "sku", line.sku,
            [&cfg](const std::string& s) { return check_sku(cfg, s); }, err) ||
        !read_integer(f.qty, {}, "qty", 1, cfg.qty_max, &line.qty, err)) {
      err->message.insert(0, where());
      return false;
    }
    for (auto& earlier : out->lines)
      if (earlier.sku == line.sku)
        return err->refuse(invalid,
                           where() + "sku: " + line.sku +
                               " appears in more than one line of the order");
    out->lines.push_back(std::move(line));
    ++i;
  }
  return true;
}

// `what` names the order for a message about its type: "the body" or "[i]".
bool read_order(const element& doc, std::string_view what,
                std::string_view prefix, const settings& cfg, order_input* out,
                input_error* err) {
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS)
    return err->refuse(invalid, std::string{what} + " must be a JSON object");
  auto f = order_fields_of(obj);
  if (!read_string(f.order_id, prefix, "order_id", true, &out->order_id, err) ||
      !check(prefix, "order_id", out->order_id, validate_op_id, err) ||
      !read_string(f.channel, prefix, "channel", false, &out->channel, err) ||
      !check(prefix, "channel", out->channel, validate_channel, err))
    return false;
  if (!f.lines)
    return err->refuse(invalid, path(prefix, "lines: is required"));
  return read_lines(*f.lines, prefix, cfg, out, err);
}

} // namespace

bool parse_order(std::string_view body, const settings& cfg, order_input* out,
                 input_error* err) {
  parser_lease parser;
  element doc;
  return parser.parse(body, cfg, &doc, err) &&
         read_order(doc, "the body", {}, cfg, out, err);
}

bool parse_batch(std::string_view body, const settings& cfg,
                 std::vector<batch_item>* out, input_error* err) {
  parser_lease parser;
  element doc;
  if (!parser.parse(body, cfg, &doc, err))
    return false;
  simdjson::dom::array orders;
  if (doc.get(orders) != simdjson::SUCCESS || orders.size() == 0)
    return err->refuse(invalid, "the body must be a non-empty array of orders");
  if (orders.size() > cfg.batch_orders_max)
    return err->refuse(invalid,
                       "more than " + std::to_string(cfg.batch_orders_max) +
                           " orders in one batch (limits.batch_orders_max)");
  out->clear();
  out->resize(orders.size());
  std::size_t i = 0;
  for (element order : orders) {
    auto& item = (*out)[i];
    auto what = "[" + std::to_string(i) + "]";
    if (!read_order(order, what, what + ".", cfg, &item.order, &item.error)) {
      // Keep the id when there is one: the caller matches results by it.
      simdjson::dom::object obj;
      std::string_view id;
      if (order.get(obj) == simdjson::SUCCESS) {
        auto f = order_fields_of(obj);
        if (f.order_id && f.order_id->get(id) == simdjson::SUCCESS)
          item.order.order_id.assign(id);
      }
    }
    ++i;
  }
  return true;
}

} // namespace stockwire::gateway
