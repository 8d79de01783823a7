#include "gateway/url.hpp"

namespace stockwire::gateway {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

bool percent_decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size())
      return false;
    auto hi = hex_value(in[i + 1]);
    auto lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0)
      return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool parse_target(std::string_view target, parsed_target* out) {
  out->segments.clear();
  out->query.clear();
  if (target.empty() || target.front() != '/')
    return false;
  auto qpos = target.find('?');
  auto path = target.substr(
      1, qpos == std::string_view::npos ? std::string_view::npos : qpos - 1);
  std::string decoded;
  while (true) {
    auto slash = path.find('/');
    if (!percent_decode(path.substr(0, slash), &decoded))
      return false;
    out->segments.push_back(decoded);
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  if (qpos == std::string_view::npos)
    return true;
  auto query = target.substr(qpos + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key;
      std::string value;
      if (!percent_decode(pair.substr(0, eq), &key))
        return false;
      if (eq != std::string_view::npos &&
          !percent_decode(pair.substr(eq + 1), &value))
        return false;
      out->query.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return true;
}

} // namespace stockwire::gateway
