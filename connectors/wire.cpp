// push_batch_max and make_push_job (wire.hpp), and what every kind's job
// shares (wire_kinds.hpp).
#include "connectors/wire.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>

#include <openssl/evp.h>

#include "connectors/wire_kinds.hpp"

namespace stockwire {

using namespace wire_detail;

namespace {

bool amazon_uses_feed(const channel_account& account, std::size_t pending) {
  return account.amazon_feed_min_skus > 0 &&
         pending >= account.amazon_feed_min_skus;
}

} // namespace

std::size_t push_batch_max(const channel_account& account,
                           std::size_t pending) {
  switch (account.kind) {
  case channel_kind::shopify:
    // GraphQL sets many quantities in one mutation; REST one per call.
    return account.shopify_api == "rest"
               ? 1
               : shopify_graphql_quantities_per_call_max;
  case channel_kind::amazon:
    return amazon_uses_feed(account, pending) ? amazon_feed_items_max : 1;
  case channel_kind::woocommerce:
    return woocommerce_batch_items_max;
  case channel_kind::ebay:
    return ebay_requests_per_call_max;
  case channel_kind::flipkart:
    return flipkart_skus_per_call_max;
  }
  return 1;
}

std::unique_ptr<push_job> make_push_job(const channel_account& account,
                                        std::vector<push_item> items) {
  assert(!items.empty());
  // The channel's bound whatever is pending: a caller may cut a batch
  // smaller than push_batch_max(account, pending) returned.
  assert(items.size() <=
         push_batch_max(account, std::numeric_limits<std::size_t>::max()));
  switch (account.kind) {
  case channel_kind::shopify:
    return make_shopify_job(account, std::move(items));
  case channel_kind::amazon:
    // patchListingsItem takes one SKU; a feed takes any number, and one
    // SKU goes by feed too when the account says so (feed_min_skus 1).
    if (items.size() > 1 || amazon_uses_feed(account, items.size()))
      return make_amazon_feed_job(account, std::move(items));
    return make_amazon_patch_job(account, std::move(items.front()));
  case channel_kind::woocommerce:
    return make_woocommerce_job(account, std::move(items));
  case channel_kind::ebay:
    return make_ebay_job(account, std::move(items));
  case channel_kind::flipkart:
    return make_flipkart_job(account, std::move(items));
  }
  assert(false && "unknown channel_kind");
  return nullptr;
}

namespace wire_detail {

// -- job_base
// ------------------------------------------------------------------

job_base::job_base(channel_kind kind, std::size_t items)
    : kind_(kind), decided_(items, false) {
  results_.resize(items);
}

std::optional<http_request> job_base::next() {
  if (!next_) {
    assert(std::all_of(decided_.begin(), decided_.end(),
                       [](bool d) { return d; }));
    return std::nullopt;
  }
  auto req = std::move(*next_);
  next_.reset();
  ++requests_sent_;
  return req;
}

void job_base::on_response(const http_response& resp) {
  delay_ = std::chrono::milliseconds{0};
  try {
    read(resp);
  } catch (const std::exception& e) {
    next_.reset();
    decide_rest(item_verdict::retry, unreadable(resp, e.what()));
  }
}

void job_base::on_transport_error(const std::string& why) {
  next_.reset();
  delay_ = std::chrono::milliseconds{0};
  decide_rest(item_verdict::retry, why);
}

void job_base::send(http_request req, std::chrono::milliseconds delay) {
  next_ = std::move(req);
  delay_ = delay;
}

void job_base::decide(std::size_t item, item_verdict verdict,
                      std::string error) {
  if (decided_[item])
    return;
  decided_[item] = true;
  results_[item] = {verdict, std::move(error)};
}

void job_base::decide_rest(item_verdict verdict, const std::string& error) {
  for (std::size_t i = 0; i < decided_.size(); ++i)
    decide(i, verdict, error);
}

void job_base::note_throttle(const http_response& resp) {
  if (resp.status != 429)
    return;
  throttled_ = true;
  if (auto after = retry_after_header(resp))
    retry_after_ = after;
}

void job_base::refuse(const http_response& resp, const std::string& error) {
  note_throttle(resp);
  decide_rest(verdict_of_status(resp.status), error);
}

std::string job_base::error_text(std::string_view code,
                                 std::string_view message) const {
  std::string out{channel_kind_name(kind_)};
  out += ' ';
  out += code;
  out += ": ";
  out += message;
  return out;
}

std::string job_base::unreadable(const http_response& resp,
                                 std::string_view why) const {
  return std::string{channel_kind_name(kind_)} + ": unreadable " +
         std::to_string(resp.status) + " response (" + std::string{why} + ")";
}

// -- helpers
// -------------------------------------------------------------------

item_verdict verdict_of_status(unsigned status) {
  if (status == 408 || status == 429)
    return item_verdict::retry;
  if (status >= 400 && status < 500)
    return item_verdict::parked;
  return item_verdict::retry;
}

std::optional<std::chrono::milliseconds>
retry_after_header(const http_response& resp) {
  auto v = resp.header("Retry-After");
  double seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  // A day bounds a value that is surely a typo or a date misread.
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size() ||
      !(seconds >= 0) || seconds > 86'400)
    return std::nullopt;
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(std::ceil(seconds * 1000))};
}

std::optional<json> parse_json(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

std::string to_body(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const json* member(const json& j, const std::string& key) {
  if (!j.is_object())
    return nullptr;
  auto i = j.find(key);
  return i == j.end() ? nullptr : &*i;
}

std::string text_of(const json& j) {
  return j.is_string() ? j.get<std::string>() : to_body(j);
}

http_request api_request(const channel_account& account, std::string method,
                         std::string_view path, const json& body) {
  http_request req;
  req.method = std::move(method);
  req.target = account.base_path;
  if (!req.target.empty() && req.target.back() == '/')
    req.target.pop_back();
  req.target += path;
  if (!body.is_null()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = to_body(body);
  }
  return req;
}

std::string url_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                      c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(bytes.data()),
                           static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  auto ok = EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(),
                       nullptr);
  assert(ok == 1); // SHA-256 is always available in libcrypto
  (void)ok;
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::optional<std::int64_t> numeric_id(std::string_view id) {
  if (id.rfind("gid://", 0) == 0)
    id.remove_prefix(id.rfind('/') + 1);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (id.empty() || ec != std::errc{} || end != id.data() + id.size() || n <= 0)
    return std::nullopt;
  return n;
}

} // namespace wire_detail

} // namespace stockwire
