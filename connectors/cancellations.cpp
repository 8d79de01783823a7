#include "connectors/cancellations.hpp"

#include <algorithm>
#include <cassert>

namespace stockwire {

std::string_view cancel_state_name(cancel_state s) {
  switch (s) {
  case cancel_state::pending:
    break;
  case cancel_state::acknowledged:
    return "acknowledged";
  case cancel_state::parked:
    return "parked";
  case cancel_state::moved:
    return "moved";
  }
  return "pending";
}

bool cancellation_book::add(const oversold_line& line, bool recovered) {
  auto [i, fresh] = orders_.try_emplace(line.order_id);
  auto& e = i->second;
  if (!fresh)
    for (auto& [sku, qty] : e.lines)
      if (sku == line.sku)
        return false;
  e.lines.emplace_back(line.sku, line.qty);
  if (fresh) {
    e.seq = next_seq_++;
    enqueue(line.order_id, e);
  }
  if (!recovered) {
    ++totals_.oversells;
    totals_.oversold_units += static_cast<std::uint64_t>(line.qty);
  }
  recent_.push_back(oversell_entry{
      line, e.parked ? cancel_state::parked : cancel_state::pending, {}});
  while (recent_.size() > recent_max_)
    recent_.pop_front();
  return true;
}

void cancellation_book::enqueue(const std::string& order_id, order_entry& e) {
  if (e.queued || e.inflight || e.parked)
    return;
  due_.emplace(e.not_before_ms, e.seq, order_id);
  e.queued = true;
}

std::optional<std::int64_t> cancellation_book::next_due_ms() const {
  if (due_.empty())
    return std::nullopt;
  // The queue is ordered by time first: its head is the earliest.
  return std::get<0>(*due_.begin());
}

std::vector<std::string> cancellation_book::take_due(std::int64_t now_ms,
                                                     std::size_t n) {
  // Due ones in insertion order: collect every due key, then the oldest n.
  std::vector<const due_key*> ready;
  for (auto& k : due_) {
    if (std::get<0>(k) > now_ms)
      break;
    ready.push_back(&k);
  }
  std::sort(ready.begin(), ready.end(), [](const due_key* x, const due_key* y) {
    return std::get<1>(*x) < std::get<1>(*y);
  });
  if (ready.size() > n)
    ready.resize(n);
  std::vector<std::string> out;
  for (auto* k : ready)
    out.push_back(std::get<2>(*k));
  for (auto& id : out) {
    auto& e = orders_.at(id);
    due_.erase(due_key{e.not_before_ms, e.seq, id});
    e.queued = false;
    e.inflight = true;
    ++totals_.sent;
  }
  return out;
}

std::vector<std::pair<std::string, std::int64_t>>
cancellation_book::lines_of(const std::string& order_id) const {
  auto i = orders_.find(order_id);
  if (i == orders_.end())
    return {};
  return i->second.lines;
}

std::vector<std::string>
cancellation_book::acknowledge(const std::string& order_id) {
  auto i = orders_.find(order_id);
  assert(i != orders_.end() && i->second.inflight);
  std::vector<std::string> skus;
  for (auto& [sku, qty] : i->second.lines)
    skus.push_back(sku);
  orders_.erase(i);
  ++totals_.acknowledged;
  mark_recent(order_id, cancel_state::acknowledged, {});
  return skus;
}

unsigned cancellation_book::retry(const std::string& order_id,
                                  std::int64_t not_before_ms,
                                  const std::string& error) {
  auto& e = orders_.at(order_id);
  assert(e.inflight);
  e.inflight = false;
  e.not_before_ms = not_before_ms;
  auto attempts = ++e.attempts;
  if (e.lines.empty()) { // every line moved while it was in flight
    forget(order_id);
    return attempts;
  }
  ++totals_.retried;
  enqueue(order_id, e);
  mark_recent(order_id, cancel_state::pending, error);
  return e.attempts;
}

unsigned cancellation_book::attempts_of(const std::string& order_id) const {
  auto i = orders_.find(order_id);
  return i == orders_.end() ? 0 : i->second.attempts;
}

void cancellation_book::park(const std::string& order_id,
                             const std::string& error) {
  auto& e = orders_.at(order_id);
  assert(e.inflight);
  e.inflight = false;
  if (e.lines.empty()) // every line moved while it was in flight
    return forget(order_id);
  e.parked = true;
  ++parked_;
  ++totals_.parked;
  mark_recent(order_id, cancel_state::parked, error);
}

std::size_t cancellation_book::unpark_all(std::int64_t now_ms) {
  std::size_t n = 0;
  for (auto& [id, e] : orders_) {
    if (!e.parked)
      continue;
    e.parked = false;
    e.attempts = 0;
    e.not_before_ms = now_ms;
    enqueue(id, e);
    mark_recent(id, cancel_state::pending, "");
    ++n;
  }
  parked_ -= n;
  return n;
}

std::size_t cancellation_book::withdraw(const std::string& sku) {
  std::size_t n = 0;
  std::vector<std::string> emptied;
  for (auto& [id, e] : orders_) {
    auto moved = std::remove_if(e.lines.begin(), e.lines.end(),
                                [&](const auto& l) { return l.first == sku; });
    n += static_cast<std::size_t>(e.lines.end() - moved);
    e.lines.erase(moved, e.lines.end());
    if (e.lines.empty() && !e.inflight)
      emptied.push_back(id);
  }
  for (auto& id : emptied)
    forget(id);
  for (auto& r : recent_)
    if (r.line.sku == sku && r.state != cancel_state::acknowledged)
      r.state = cancel_state::moved;
  return n;
}

void cancellation_book::forget(const std::string& order_id) {
  auto i = orders_.find(order_id);
  if (i == orders_.end())
    return;
  auto& e = i->second;
  if (e.queued)
    due_.erase(due_key{e.not_before_ms, e.seq, order_id});
  if (e.parked)
    --parked_;
  orders_.erase(i);
}

void cancellation_book::mark_recent(const std::string& order_id, cancel_state s,
                                    const std::string& error) {
  for (auto& r : recent_)
    if (r.line.order_id == order_id && r.state != cancel_state::moved) {
      r.state = s;
      r.error = error;
    }
}

std::vector<oversell_entry> cancellation_book::recent() const {
  return {recent_.rbegin(), recent_.rend()};
}

} // namespace stockwire
