// verify_and_parse: the dispatch over formats, and the JSON readers every
// format shares (parse.hpp).
#include "webhooks/parse.hpp"

#include "core/limits.hpp"
#include "webhooks/limits.hpp"
#include "webhooks/timestamp.hpp"

namespace stockwire::webhooks {

namespace detail {

// -- verdicts -----------------------------------------------------------------

bool fail(verdict& v, unsigned status, std::string_view code,
          std::string message) {
  v.status = status;
  v.code = std::string{code};
  v.message = std::move(message);
  return false;
}

bool invalid(verdict& v, std::string_view path, std::string_view what) {
  std::string msg{path};
  msg += ": ";
  msg += what;
  return fail(v, 400, "invalid_argument", std::move(msg));
}

// -- JSON ---------------------------------------------------------------------

std::optional<std::size_t> invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t cp_min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, cp_min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, cp_min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, cp_min = 0x10000;
    } else {
      return i;
    }
    if (s.size() - i < len)
      return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80)
        return i;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < cp_min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return std::nullopt;
}


bool parse_object(verdict& v, std::string_view body, json& doc) {
  // nlohmann refuses invalid UTF-8 too (as a syntax error); checking first
  // names the byte. It has no depth limit: the pre-scan is the limit.
  if (auto at = invalid_utf8_at(body))
    return fail(v, 400, "malformed_json",
                "body: invalid UTF-8 at byte " + std::to_string(*at));
  if (json_too_deep(body, limits::json_depth_max))
    return fail(v, 400, "malformed_json",
                "body: nests deeper than " +
                    std::to_string(limits::json_depth_max) + " levels");
  doc = json::parse(body.begin(), body.end(), nullptr,
                    /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return fail(v, 400, "malformed_json", "body: not valid JSON");
  if (!doc.is_object())
    return fail(v, 400, "malformed_json", "body: must be a JSON object");
  return true;
}

const json* field(const json& obj, const char* key) {
  auto i = obj.find(key);
  if (i == obj.end() || i->is_null())
    return nullptr;
  return &*i;
}

bool read_object(verdict& v, const json& obj, const char* key,
                 const std::string& path, const json*& out) {
  out = field(obj, key);
  if (out == nullptr)
    return invalid(v, path, "required");
  if (!out->is_object())
    return invalid(v, path, "must be an object");
  return true;
}

bool read_string(verdict& v, const json& obj, const char* key,
                 const std::string& path, bool required, std::string& out) {
  out.clear();
  auto x = field(obj, key);
  if (x == nullptr)
    return !required || invalid(v, path, "required");
  if (!x->is_string())
    return invalid(v, path, "must be a string");
  out = x->get_ref<const std::string&>();
  return true;
}

bool read_id(verdict& v, const json& obj, const char* key,
             const std::string& path, bool numbers, std::string& out) {
  out.clear();
  auto x = field(obj, key);
  if (x == nullptr)
    return invalid(v, path, "required");
  if (x->is_string())
    out = x->get_ref<const std::string&>();
  else if (numbers && x->is_number_unsigned())
    out = std::to_string(x->get<std::uint64_t>());
  else if (numbers && x->is_number_integer())
    out = std::to_string(x->get<std::int64_t>());
  else
    return invalid(v, path,
                   numbers ? "must be a string or an integer"
                           : "must be a string");
  return check_id(v, out, path);
}

bool check_id(verdict& v, std::string_view id, std::string_view path) {
  if (id.empty())
    return invalid(v, path, "must not be empty");
  if (id.size() > stockwire::limits::op_id_bytes_max)
    return invalid(v, path,
                   "longer than " +
                       std::to_string(stockwire::limits::op_id_bytes_max) +
                       " bytes");
  for (char c : id) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F)
      return invalid(v, path, "contains a control character");
  }
  return true;
}

bool read_qty(verdict& v, const json& obj, const char* key,
              const std::string& path, std::int64_t qty_min,
              std::int64_t& out) {
  constexpr auto qty_max = stockwire::limits::quantity_max;
  auto x = field(obj, key);
  if (x == nullptr)
    return invalid(v, path, "required");
  bool ok = false;
  // Positive literals parse as unsigned, negative ones as signed; floats
  // (even 2.0) are not quantities.
  if (x->is_number_unsigned()) {
    auto q = x->get<std::uint64_t>();
    ok = q <= static_cast<std::uint64_t>(qty_max) &&
         static_cast<std::int64_t>(q) >= qty_min;
    out = ok ? static_cast<std::int64_t>(q) : 0;
  } else if (x->is_number_integer()) {
    auto q = x->get<std::int64_t>();
    ok = q >= qty_min && q <= qty_max;
    out = ok ? q : 0;
  }
  if (!ok)
    return invalid(v, path,
                   qty_min == 1
                       ? "must be a positive integer (at most " +
                             std::to_string(qty_max) + ")"
                       : "must be an integer from " + std::to_string(qty_min) +
                             " to " + std::to_string(qty_max));
  return true;
}

bool read_lines(verdict& v, const json& obj, const char* key,
                const std::string& path, const line_fields& f,
                std::vector<line>& out) {
  out.clear();
  auto arr = field(obj, key);
  if (arr == nullptr)
    return true;
  if (!arr->is_array())
    return invalid(v, path, "must be an array");
  out.reserve(arr->size());
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto& item = (*arr)[i];
    auto at = path + "[" + std::to_string(i) + "]";
    if (!item.is_object())
      return invalid(v, at, "must be an object");
    line l;
    auto sku_path = at + "." + f.sku;
    if (!read_string(v, item, f.sku, sku_path, f.sku_required, l.sku))
      return false;
    if (f.sku_required && l.sku.empty())
      return invalid(v, sku_path, "must not be empty");
    if (!read_qty(v, item, f.qty, at + "." + f.qty, f.qty_min, l.qty))
      return false;
    out.push_back(std::move(l));
  }
  return true;
}

// -- time ---------------------------------------------------------------------

bool read_time(verdict& v, const json& obj, const char* key,
               const std::string& path, bool offset_required,
               std::optional<std::int64_t>& out_ms) {
  out_ms.reset();
  std::string text;
  if (!read_string(v, obj, key, path, false, text))
    return false;
  if (text.empty())
    return true;
  out_ms = parse_rfc3339_ms(text, offset_required);
  return out_ms.has_value() || invalid(v, path, "not an RFC 3339 timestamp");
}

bool check_fresh(verdict& v, const clock_window& w,
                 std::optional<std::int64_t> event_ms, std::string_view what) {
  if (w.max_age_ms <= 0 || !event_ms || *event_ms >= w.now_ms)
    return true;
  // now_ms > event_ms: the difference fits in uint64 whatever the values.
  auto age_ms = static_cast<std::uint64_t>(w.now_ms) -
                static_cast<std::uint64_t>(*event_ms);
  if (age_ms <= static_cast<std::uint64_t>(w.max_age_ms))
    return true;
  return fail(v, 408, "stale",
              std::string{what} + " is " + std::to_string(age_ms) +
                  " ms old, more than the window of " +
                  std::to_string(w.max_age_ms) + " ms");
}

} // namespace detail

// -- dispatch -----------------------------------------------------------------

namespace {

std::string_view signature_header(format fmt) {
  switch (fmt) {
  case format::shopify:
    return "X-Shopify-Hmac-Sha256";
  case format::woocommerce:
    return "X-WC-Webhook-Signature";
  case format::amazon:
  case format::relay:
    break;
  }
  return "X-Stockwire-Signature";
}

} // namespace

verdict verify_and_parse(format fmt, std::string_view secret,
                         const request_view& req, std::int64_t now_ms,
                         std::int64_t max_age_ms) {
  request_view in{req.body, req.header};
  if (!in.header)
    in.header = [](std::string_view) { return std::string{}; };
  verdict v;
  // The ping is unsigned by design and changes nothing: answered before
  // any secret is needed.
  if (fmt == format::woocommerce && detail::is_woocommerce_ping(in)) {
    v.ping = true;
    v.topic = "ping";
    return v;
  }
  auto sig_name = signature_header(fmt);
  if (!detail::check_signature(v, secret, in.body, in.header(sig_name),
                               sig_name))
    return v;
  detail::clock_window w{now_ms, max_age_ms};
  switch (fmt) {
  case format::shopify:
    detail::parse_shopify(in, w, v);
    break;
  case format::woocommerce:
    detail::parse_woocommerce(in, w, v);
    break;
  case format::amazon:
    detail::parse_amazon(in, w, v);
    break;
  case format::relay:
    detail::parse_relay(in, w, v);
    break;
  default:
    detail::fail(v, 400, "invalid_argument", "unknown webhook format");
  }
  if (v.status != 200)
    v.events.clear(); // a refused delivery means nothing for stock
  return v;
}

} // namespace stockwire::webhooks
