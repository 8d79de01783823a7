#include "gateway/webhook_ledger.hpp"

#include "actors/node_counters.hpp"

#include <cassert>

namespace stockwire::gateway {

webhook_ledger::webhook_ledger(std::size_t deliveries_max,
                               std::size_t recent_max)
    : deliveries_max_(deliveries_max), recent_max_(recent_max) {
  // nothing
}

// Length-prefixed, so no choice of topic (a channel's text) can make two
// deliveries share a key.
std::string webhook_ledger::key_of(const std::string& channel,
                                   const std::string& topic,
                                   const std::string& delivery_id) {
  return std::to_string(channel.size()) + ':' + channel +
         std::to_string(topic.size()) + ':' + topic + delivery_id;
}

bool webhook_ledger::handled(const std::string& channel,
                             const std::string& topic,
                             const std::string& delivery_id) {
  assert(!delivery_id.empty());
  auto key = key_of(channel, topic, delivery_id);
  std::lock_guard<std::mutex> guard{mu_};
  auto i = index_.find(key);
  if (i == index_.end())
    return false;
  lru_.splice(lru_.begin(), lru_, i->second);
  return true;
}

void webhook_ledger::remember(const std::string& channel,
                              const std::string& topic,
                              const std::string& delivery_id) {
  assert(!delivery_id.empty());
  auto key = key_of(channel, topic, delivery_id);
  std::lock_guard<std::mutex> guard{mu_};
  auto i = index_.find(key);
  if (i != index_.end()) {
    lru_.splice(lru_.begin(), lru_, i->second);
    return;
  }
  lru_.push_front(key);
  index_.emplace(std::move(key), lru_.begin());
  if (lru_.size() > deliveries_max_) {
    index_.erase(lru_.back());
    lru_.pop_back();
  }
}

void webhook_ledger::count_unknown_sku(unknown_sku u) {
  counters().webhook_unknown_skus.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> guard{mu_};
  auto& t = tallies_[u.channel];
  t.channel = u.channel;
  ++t.unknown_skus;
  recent_.push_back(std::move(u));
  if (recent_.size() > recent_max_)
    recent_.pop_front();
}

void webhook_ledger::count_conflict(const std::string& channel) {
  counters().webhook_conflicts.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> guard{mu_};
  auto& t = tallies_[channel];
  t.channel = channel;
  ++t.conflicts;
}

std::uint64_t webhook_ledger::unknown_skus(const std::string& channel) const {
  std::lock_guard<std::mutex> guard{mu_};
  auto i = tallies_.find(channel);
  return i == tallies_.end() ? 0 : i->second.unknown_skus;
}

webhook_ledger::report
webhook_ledger::snapshot(const std::vector<std::string>& channels) const {
  report r;
  std::lock_guard<std::mutex> guard{mu_};
  for (auto& channel : channels) {
    auto i = tallies_.find(channel);
    r.channels.push_back(i == tallies_.end() ? channel_tally{channel, 0, 0}
                                             : i->second);
  }
  r.recent.assign(recent_.rbegin(), recent_.rend());
  return r;
}

} // namespace stockwire::gateway
