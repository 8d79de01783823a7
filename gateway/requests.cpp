#include "gateway/requests.hpp"

#include <unordered_set>

#include <nlohmann/json.hpp>

#include "core/stock.hpp"
#include "gateway/listing_input.hpp"

namespace stockwire::gateway {

std::optional<std::string> check_sku(const settings& cfg,
                                     const std::string& sku) {
  if (sku.size() > cfg.sku_bytes_max)
    return "sku is longer than " + std::to_string(cfg.sku_bytes_max) +
           " bytes (limits.sku_bytes_max)";
  return validate_sku(sku);
}

namespace {

// check_sku as a validator for request_reader::check.
auto sku_rule(const settings& cfg) {
  return [&cfg](const std::string& sku) { return check_sku(cfg, sku); };
}

} // namespace

bool check_depth(std::string_view body, const settings& cfg, input_error* err) {
  if (!json_too_deep(body, cfg.json_depth_max))
    return true;
  return err->refuse(input_error::malformed,
                     "JSON nested deeper than " +
                         std::to_string(cfg.json_depth_max) + " levels");
}

namespace {

using json = nlohmann::json;

constexpr const char* malformed = input_error::malformed;
constexpr const char* invalid = input_error::invalid;

// Parses `body` into `doc`; syntax errors and excessive depth are
// "malformed_json". The parser's exceptions stay inside this function.
bool parse_json(std::string_view body, const settings& cfg, json* doc,
                input_error* err) {
  if (!check_depth(body, cfg, err))
    return false;
  try {
    *doc = json::parse(body.begin(), body.end());
  } catch (const json::exception& ex) {
    return err->refuse(malformed,
                       std::string{"body is not valid JSON: "} + ex.what());
  }
  return true;
}

// Typed access to the fields of one JSON object; every error names the
// field's path (prefix + key).
class object_reader {
public:
  object_reader(const json& obj, std::string prefix, input_error* err)
      : obj_(obj), prefix_(std::move(prefix)), err_(err) {
    // nothing
  }

  const json* find(const char* key) const {
    auto i = obj_.find(key);
    return i == obj_.end() || i->is_null() ? nullptr : &*i;
  }

  bool string(const char* key, bool required, std::string* out) {
    auto* v = find(key);
    if (v == nullptr)
      return !required || err_->refuse(invalid, path(key) + ": is required");
    if (!v->is_string())
      return err_->refuse(invalid, path(key) + ": must be a string");
    *out = v->get_ref<const std::string&>();
    return true;
  }

  bool integer(const char* key, bool required, std::int64_t min,
               std::int64_t max, std::int64_t* out) {
    auto* v = find(key);
    if (v == nullptr)
      return !required || err_->refuse(invalid, path(key) + ": is required");
    return integer_value(*v, path(key), min, max, out, err_);
  }

  // Applies a core validator (validate_sku, ...) to a string field.
  template <class Validator>
  bool check(const char* key, const std::string& value, Validator validate) {
    if (auto why = validate(value))
      return err_->refuse(invalid, path(key) + ": " + *why);
    return true;
  }

  std::string path(const char* key) const { return prefix_ + key; }

  static bool integer_value(const json& v, const std::string& where,
                            std::int64_t min, std::int64_t max,
                            std::int64_t* out, input_error* err) {
    auto range =
        " between " + std::to_string(min) + " and " + std::to_string(max);
    if (!v.is_number_integer())
      return err->refuse(invalid, where + ": must be an integer" + range);
    if (v.is_number_unsigned() &&
        v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
      return err->refuse(invalid, where + ": must be an integer" + range);
    auto x = v.get<std::int64_t>();
    if (x < min || x > max)
      return err->refuse(invalid, where + ": must be an integer" + range);
    *out = x;
    return true;
  }

private:
  const json& obj_;
  std::string prefix_;
  input_error* err_;
};

bool require_object(const json& doc, const std::string& what,
                    input_error* err) {
  if (!doc.is_object())
    return err->refuse(invalid, what + " must be a JSON object");
  return true;
}

bool read_key_and_source(object_reader& r, bool key_required, std::string* key,
                         std::string* source) {
  return r.string("idempotency_key", key_required, key) &&
         ((!key_required && key->empty()) ||
          r.check("idempotency_key", *key, validate_op_id)) &&
         r.string("source", false, source) &&
         r.check("source", *source, validate_channel);
}

// Refuses the first key of `obj` that `known` does not hold, naming it.
bool refuse_unknown(const json& obj, const std::string& prefix,
                    const std::vector<std::string_view>& known,
                    input_error* err) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (auto k : known)
      ok |= it.key() == k;
    if (!ok) {
      std::string list;
      for (auto k : known)
        list += (list.empty() ? "" : ", ") + std::string{k};
      return err->refuse(invalid, prefix + it.key() +
                                      ": unknown field (known: " + list + ")");
    }
  }
  return true;
}

// A listing identifier: a string, or an integer stored as its decimal text.
bool listing_id(const json& v, const std::string& where, std::string* out,
                input_error* err) {
  if (v.is_string())
    *out = v.get_ref<const std::string&>();
  else if (v.is_number_unsigned())
    *out = std::to_string(v.get<std::uint64_t>());
  else if (v.is_number_integer())
    *out = std::to_string(v.get<std::int64_t>());
  else
    return err->refuse(invalid, where + ": must be a string or an integer");
  if (auto why = check_listing_id(*out))
    return err->refuse(invalid, where + ": " + *why);
  return true;
}

bool read_allocation(const json& doc, const settings& cfg, allocation* out,
                     input_error* err) {
  if (!doc.is_object())
    return err->refuse(
        invalid, "allocation: must be an object {\"buffer\", \"percent\", "
                 "\"max\"}");
  if (!refuse_unknown(doc, "allocation.", {"buffer", "percent", "max"}, err))
    return false;
  object_reader r{doc, "allocation.", err};
  if (!r.integer("buffer", false, 0, cfg.qty_max, &out->buffer) ||
      !r.integer("max", false, -1, cfg.qty_max, &out->max))
    return false;
  if (auto* percent = r.find("percent")) {
    if (!percent->is_number())
      return err->refuse(
          invalid, "allocation.percent: must be a number between 0 and 100");
    out->percent = percent->get<double>();
  }
  if (auto why = check_allocation(*out, cfg))
    return err->refuse(invalid, "allocation." + *why);
  return true;
}

} // namespace

bool parse_cancel(std::string_view body, const settings& cfg, cancel_input* out,
                  input_error* err) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return true; // no body: cancel every line
  json doc;
  if (!parse_json(body, cfg, &doc, err) ||
      !require_object(doc, "the body", err))
    return false;
  object_reader r{doc, "", err};
  if (!r.string("channel", false, &out->channel) ||
      !r.check("channel", out->channel, validate_channel))
    return false;
  auto* lines = r.find("lines");
  if (lines == nullptr)
    return true;
  if (!lines->is_array())
    return err->refuse(invalid, "lines: must be an array");
  if (lines->size() > cfg.order_lines_max)
    return err->refuse(invalid, "lines: more than " +
                                    std::to_string(cfg.order_lines_max) +
                                    " lines (limits.order_lines_max)");
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    auto where = "lines[" + std::to_string(i) + "]";
    if (!require_object((*lines)[i], where, err))
      return false;
    object_reader lr{(*lines)[i], where + ".", err};
    std::string sku;
    std::int64_t qty = 0;
    if (!lr.string("sku", true, &sku) || !lr.check("sku", sku, sku_rule(cfg)) ||
        !lr.integer("qty", false, 1, cfg.qty_max, &qty))
      return false;
    if (!seen.insert(sku).second)
      return err->refuse(invalid, where + ".sku: " + sku +
                                      " appears in more than one line");
    out->skus.push_back(std::move(sku));
  }
  return true;
}

bool parse_set(std::string_view body, const settings& cfg, set_input* out,
               input_error* err) {
  json doc;
  if (!parse_json(body, cfg, &doc, err) ||
      !require_object(doc, "the body", err))
    return false;
  object_reader r{doc, "", err};
  return r.integer("on_hand", true, 0, cfg.qty_max, &out->on_hand) &&
         read_key_and_source(r, false, &out->idempotency_key, &out->source);
}

bool parse_adjust(std::string_view body, const settings& cfg, adjust_input* out,
                  input_error* err) {
  json doc;
  if (!parse_json(body, cfg, &doc, err) ||
      !require_object(doc, "the body", err))
    return false;
  object_reader r{doc, "", err};
  if (!r.integer("delta", true, -cfg.qty_max, cfg.qty_max, &out->delta) ||
      !read_key_and_source(r, true, &out->idempotency_key, &out->source))
    return false;
  if (out->delta == 0)
    return err->refuse(invalid, "delta: must not be zero");
  return true;
}

bool parse_listing(std::string_view body, const settings& cfg, listing* out,
                   input_error* err) {
  json doc;
  if (!parse_json(body, cfg, &doc, err) ||
      !require_object(doc, "the body", err))
    return false;
  std::vector<std::string_view> known;
  for (auto& f : listing_fields)
    known.emplace_back(f.name);
  known.emplace_back("allocation");
  if (!refuse_unknown(doc, "", known, err))
    return false;
  object_reader r{doc, "", err};
  for (auto& f : listing_fields)
    if (auto* v = r.find(f.name);
        v && !listing_id(*v, f.name, &(out->*f.member), err))
      return false;
  if (auto* a = r.find("allocation")) {
    allocation alloc;
    if (!read_allocation(*a, cfg, &alloc, err))
      return false;
    out->alloc = alloc;
  }
  return true;
}

bool parse_resync(std::string_view body, const settings& cfg,
                  std::vector<std::string>* skus, input_error* err) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return true; // no body: every SKU of the channel
  json doc;
  if (!parse_json(body, cfg, &doc, err) ||
      !require_object(doc, "the body", err) ||
      !refuse_unknown(doc, "", {"skus"}, err))
    return false;
  object_reader r{doc, "", err};
  auto* list = r.find("skus");
  if (list == nullptr)
    return true;
  if (!list->is_array() || list->empty())
    return err->refuse(
        invalid, "skus: must be a non-empty array (omit it to resync every "
                 "SKU of the channel)");
  if (list->size() > limits::resync_skus_max)
    return err->refuse(invalid, "skus: more than " +
                                    std::to_string(limits::resync_skus_max) +
                                    " SKUs (limits.resync_skus_max)");
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto where = "skus[" + std::to_string(i) + "]";
    auto& v = (*list)[i];
    if (!v.is_string())
      return err->refuse(invalid, where + ": must be a string");
    auto& sku = v.get_ref<const std::string&>();
    if (auto why = check_sku(cfg, sku))
      return err->refuse(invalid, where + ": " + *why);
    if (seen.insert(sku).second)
      skus->push_back(sku);
  }
  return true;
}

} // namespace stockwire::gateway
