// `--since TIME` of `stockctl sku audit`: a point in time, given either as
// an ISO-8601 / RFC 3339 time or as an age before now. Pure: the caller
// passes the current time.
//
//   2026-05-01T12:00:00Z   2026-05-01T12:00:00.250Z   2026-05-01T14:00:00+02:00
//   2026-05-01T12:00:00    (no offset: UTC)           2026-05-01 (midnight UTC)
//   10m   90s   1h30m   2d   500ms      (units: ms, s, m, h, d)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stockwire::ctl {

// The longest age accepted: ten years, far beyond any audit retention.
constexpr std::int64_t since_age_ms_max = 10LL * 366 * 24 * 3600 * 1000;

/// Milliseconds since the epoch that `text` means, `now_ms` being now;
/// nothing, with the reason in `*error`, when it means nothing.
std::optional<std::int64_t>
parse_since(std::string_view text, std::int64_t now_ms, std::string* error);

/// The wall clock in milliseconds since the epoch (what audit records and
/// the nodes' clocks use).
std::int64_t wall_ms();

} // namespace stockwire::ctl
