// RFC 3339 timestamps (the channels' event times) as milliseconds since the
// Unix epoch. The standard library parses none of this in C++17, and the
// channels differ in what they send:
//   Shopify X-Shopify-Triggered-At  2024-03-29T18:00:27.877041743Z
//   Amazon EventTime                2020-01-11T00:09:53.109Z
//   WooCommerce date_modified_gmt   2024-03-29T18:00:27   (no offset: UTC)
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace stockwire::webhooks {

/// Milliseconds since 1970-01-01T00:00:00Z of `text`, or nullopt when it is
/// not a date-time `YYYY-MM-DD(T|t| )hh:mm:ss[.frac](Z|z|+hh:mm|-hh:mm)`
/// with every field in range (day within its month, leap years included;
/// second 60 is accepted for leap seconds). Fractions longer than ms are
/// truncated. With `offset_required` false a missing offset means UTC.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text,
                                             bool offset_required = true);

} // namespace stockwire::webhooks
