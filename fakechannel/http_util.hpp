// Small HTTP helpers shared by the channel handlers: target splitting,
// percent-decoding, Basic auth and bearer tokens, JSON replies.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fakechannel/http_types.hpp"

namespace stockwire::fakechannel {

/// The path of a target (before '?'), not decoded.
std::string target_path(const std::string& target);

/// Query parameters of a target, percent-decoded ('+' is a space).
std::map<std::string, std::string> target_query(const std::string& target);

/// Percent-decodes `s`; nullopt when an escape is malformed. '+' becomes a
/// space only in query strings (`plus_as_space`), not in paths.
std::optional<std::string> percent_decode(const std::string& s,
                                          bool plus_as_space = true);

/// The token of "Bearer <token>" (scheme case-insensitive), or nullopt.
std::optional<std::string> bearer_token(const std::string& authorization);

/// user and password of "Basic base64(user:password)", or nullopt.
std::optional<std::pair<std::string, std::string>>
basic_credentials(const std::string& authorization);

/// True when `a` equals `b`, in time independent of where they differ.
bool same_secret(const std::string& a, const std::string& b);

/// A reply with `body` serialized as JSON.
http_reply json_reply(unsigned status, const nlohmann::json& body);

/// Parses `body` as JSON; nullopt when it is not valid JSON.
std::optional<nlohmann::json> parse_json(const std::string& body);

/// Trailing decimal digits of a Shopify id ("gid://shopify/Location/12" or
/// "12" -> "12"); empty when there are none.
std::string trailing_digits(const std::string& id);

/// RFC 3339 UTC timestamp of a wall-clock time in milliseconds.
std::string iso8601(std::int64_t wall_ms);

} // namespace stockwire::fakechannel
