#include "fakechannel/outbox.hpp"

#include <algorithm>
#include <cassert>

namespace stockwire::fakechannel {

outbox::outbox(std::int64_t retry_delay_ms_min, std::int64_t retry_delay_ms_max)
    : retry_delay_ms_min_(retry_delay_ms_min),
      retry_delay_ms_max_(retry_delay_ms_max) {
  assert(retry_delay_ms_min >= 1 && retry_delay_ms_max >= retry_delay_ms_min);
}

std::uint64_t outbox::add(shop_channel c, std::size_t purchase,
                          webhook_request r) {
  auto id = ++next_id_;
  deliveries_.emplace(id, delivery{c, purchase, std::move(r)});
  auto& l = lanes_[index_of(c)];
  l.fresh.push_back(id);
  l.pending += 1;
  return id;
}

std::optional<outgoing> outbox::take(shop_channel c, std::int64_t now_ms) {
  auto& l = lanes_[index_of(c)];
  std::uint64_t id = 0;
  if (!l.retries.empty() && l.retries.begin()->first <= now_ms) {
    id = l.retries.begin()->second;
    l.retries.erase(l.retries.begin());
  } else if (!l.fresh.empty()) {
    id = l.fresh.front();
    l.fresh.pop_front();
  } else {
    return std::nullopt;
  }
  auto& d = deliveries_.at(id);
  d.attempts += 1;
  l.counters.attempts += 1;
  outgoing out{id, d.request};
  stamp_attempt(c, ++attempt_seq_, &out.request);
  return out;
}

std::optional<std::size_t> outbox::succeeded(std::uint64_t id) {
  auto i = deliveries_.find(id);
  if (i == deliveries_.end())
    return std::nullopt;
  auto purchase = i->second.purchase;
  auto& l = lanes_[index_of(i->second.channel)];
  l.pending -= 1;
  l.counters.delivered += 1;
  deliveries_.erase(i);
  return purchase;
}

void outbox::failed(std::uint64_t id, std::int64_t now_ms,
                    const std::string& why) {
  auto i = deliveries_.find(id);
  if (i == deliveries_.end())
    return;
  auto& d = i->second;
  auto& l = lanes_[index_of(d.channel)];
  l.counters.failures += 1;
  l.counters.last_failure = why;
  if (d.attempts == 1)
    l.counters.retried += 1;
  l.retries.insert({now_ms + backoff_ms(d.attempts), id});
}

std::int64_t outbox::backoff_ms(std::uint32_t attempts) const {
  auto delay = retry_delay_ms_min_;
  for (std::uint32_t i = 1; i < attempts && delay < retry_delay_ms_max_; ++i)
    delay *= 2;
  return std::min(delay, retry_delay_ms_max_);
}

std::optional<std::int64_t> outbox::next_due_ms(shop_channel c) const {
  auto& l = lanes_[index_of(c)];
  if (!l.fresh.empty())
    return std::int64_t{0}; // due now (any time in the past will do)
  if (!l.retries.empty())
    return l.retries.begin()->first;
  return std::nullopt;
}

std::size_t outbox::pending(shop_channel c) const {
  return lanes_[index_of(c)].pending;
}

const delivery_counters& outbox::counters(shop_channel c) const {
  return lanes_[index_of(c)].counters;
}

void outbox::clear() {
  deliveries_.clear();
  for (auto& l : lanes_)
    l = lane{};
}

} // namespace stockwire::fakechannel
