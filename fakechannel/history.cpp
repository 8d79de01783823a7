#include "fakechannel/history.hpp"

#include <cassert>

#include <nlohmann/json.hpp>

namespace stockwire::fakechannel {

const char* cause_name(change_cause c) {
  switch (c) {
  case change_cause::push:
    return "push";
  case change_cause::sale:
    return "sale";
  case change_cause::reset:
    return "reset";
  case change_cause::restock:
    return "restock";
  }
  return "?";
}

listing_history::listing_history(std::size_t points_max)
    : points_max_(points_max) {
  assert(points_max >= 1);
}

std::uint32_t listing_history::intern(const std::string& key) {
  auto [i, added] =
      keys_.try_emplace(key, static_cast<std::uint32_t>(dropped_.size()));
  if (added)
    dropped_.push_back(0);
  return i->second;
}

void listing_history::record(const std::string& key, std::int64_t mono_ms,
                             std::int64_t quantity, change_cause cause) {
  if (points_.size() >= points_max_) {
    dropped_[points_.front().key] += 1;
    points_.pop_front();
  }
  points_.push_back({mono_ms, quantity, intern(key), cause});
}

void listing_history::clear() {
  points_.clear();
  keys_.clear();
  dropped_.clear();
}

nlohmann::json listing_history::to_json(const std::string& key,
                                        std::int64_t epoch_mono_ms) const {
  auto out = nlohmann::json::object();
  out["listing"] = key;
  auto points = nlohmann::json::array();
  std::uint64_t dropped = 0;
  auto i = keys_.find(key);
  if (i != keys_.end()) {
    dropped = dropped_[i->second];
    for (const auto& p : points_)
      if (p.key == i->second)
        points.push_back(
            {p.mono_ms - epoch_mono_ms, p.quantity, cause_name(p.cause)});
  }
  out["points"] = std::move(points);
  out["dropped"] = dropped;
  return out;
}

} // namespace stockwire::fakechannel
