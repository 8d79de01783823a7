// Channel vocabulary: kind names, allocation and response headers. See
// channel.hpp for the contract.
#include "connectors/channel.hpp"

#include <algorithm>
#include <cmath>
#include <strings.h>

namespace stockwire {

namespace {

constexpr std::pair<channel_kind, std::string_view> kind_names[] = {
    {channel_kind::shopify, "shopify"},
    {channel_kind::amazon, "amazon"},
    {channel_kind::woocommerce, "woocommerce"},
    {channel_kind::ebay, "ebay"},
    {channel_kind::flipkart, "flipkart"},
};

bool iequals(std::string_view x, std::string_view y) {
  return x.size() == y.size() && strncasecmp(x.data(), y.data(), x.size()) == 0;
}

} // namespace

std::string_view channel_kind_name(channel_kind kind) {
  for (auto& [k, name] : kind_names)
    if (k == kind)
      return name;
  return "unknown";
}

std::optional<channel_kind> parse_channel_kind(std::string_view name) {
  for (auto& [k, n] : kind_names)
    if (n == name)
      return k;
  return std::nullopt;
}

bool cancels_whole_orders(channel_kind kind) {
  return kind != channel_kind::flipkart;
}

std::string_view sync_mode_name(sync_mode mode) {
  return mode == sync_mode::poll ? "poll" : "event";
}

std::optional<sync_mode> parse_sync_mode(std::string_view name) {
  if (name == "event")
    return sync_mode::event;
  if (name == "poll")
    return sync_mode::poll;
  return std::nullopt;
}

std::int64_t allocate(std::int64_t available, const allocation& a) {
  // A negative buffer would show more than there is: it holds back nothing.
  auto rest = available - std::max<std::int64_t>(a.buffer, 0);
  if (rest <= 0)
    return 0;
  // NaN compares false everywhere: it falls to 0 like a negative percent.
  auto percent = a.percent >= 100 ? 100.0 : a.percent > 0 ? a.percent : 0.0;
  // 100% is exact even where a double cannot hold `rest`.
  auto shown = percent == 100.0
                   ? rest
                   : static_cast<std::int64_t>(std::floor(
                         static_cast<long double>(rest) * percent / 100));
  if (a.max >= 0)
    shown = std::min(shown, a.max);
  return shown;
}

std::string http_response::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (iequals(k, name))
      return v;
  return {};
}

} // namespace stockwire
