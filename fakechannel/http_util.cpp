#include "fakechannel/http_util.hpp"

#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

namespace stockwire::fakechannel {

const std::string& http_request::header(const std::string& name) const {
  static const std::string none;
  auto i = headers.find(name);
  return i == headers.end() ? none : i->second;
}

std::string target_path(const std::string& target) {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> percent_decode(const std::string& s,
                                          bool plus_as_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_as_space) {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
        return std::nullopt;
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> target_query(const std::string& target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos)
    return out;
  auto rest = target.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    auto part = rest.substr(pos, amp == std::string::npos ? std::string::npos
                                                          : amp - pos);
    auto eq = part.find('=');
    auto k = percent_decode(part.substr(0, eq));
    auto v = percent_decode(eq == std::string::npos ? "" : part.substr(eq + 1));
    if (k && v && !k->empty())
      out[*k] = *v;
    if (amp == std::string::npos)
      break;
    pos = amp + 1;
  }
  return out;
}

std::optional<std::string> bearer_token(const std::string& authorization) {
  if (authorization.size() < 7)
    return std::nullopt;
  auto scheme = authorization.substr(0, 7);
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ")
    return std::nullopt;
  return authorization.substr(7);
}

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

std::optional<std::string> base64_decode(const std::string& in) {
  std::string out;
  int bits = 0;
  unsigned buffer = 0;
  for (char c : in) {
    if (c == '=')
      break;
    auto v = base64_value(c);
    if (v < 0)
      return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

} // namespace

std::optional<std::pair<std::string, std::string>>
basic_credentials(const std::string& authorization) {
  if (authorization.size() < 6)
    return std::nullopt;
  auto scheme = authorization.substr(0, 6);
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "basic ")
    return std::nullopt;
  auto decoded = base64_decode(authorization.substr(6));
  if (!decoded)
    return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos)
    return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

bool same_secret(const std::string& a, const std::string& b) {
  unsigned diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

http_reply json_reply(unsigned status, const nlohmann::json& body) {
  http_reply r;
  r.status = status;
  // Bytes from a request (a percent-decoded SKU) may not be UTF-8: they
  // are replaced rather than thrown on.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::optional<nlohmann::json> parse_json(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

std::string trailing_digits(const std::string& id) {
  auto end = id.size();
  auto begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(id[begin - 1])))
    --begin;
  return id.substr(begin, end - begin);
}

std::string iso8601(std::int64_t wall_ms) {
  std::time_t secs = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace stockwire::fakechannel
