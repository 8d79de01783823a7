#include "fakechannel/state.hpp"

#include <cassert>

#include <nlohmann/json.hpp>

#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

channel_state::channel_state(std::vector<std::string> seeded, bool strict,
                             std::int64_t now_mono_ms)
    : seeded_(std::move(seeded)), strict_(strict),
      history_(history_points_per_channel_max) {
  reset(now_mono_ms);
}

const listing* channel_state::find(const std::string& key) const {
  auto i = listings_.find(key);
  return i == listings_.end() ? nullptr : &i->second;
}

std::int64_t channel_state::shown(const std::string& key) const {
  auto* l = find(key);
  return l == nullptr ? 0 : l->quantity;
}

bool channel_state::accepts(const std::string& key) const {
  return !strict_ || listings_.count(key) > 0;
}

const listing& channel_state::apply(const std::string& key,
                                    std::int64_t quantity,
                                    const clock_reading& now) {
  assert(accepts(key));
  auto& l = listings_[key];
  l.quantity = quantity;
  l.version += 1;
  l.revisions += 1;
  l.updated_at_ms = now.wall_ms;
  history_.record(key, now.mono_ms, quantity, change_cause::push);
  return l;
}

void channel_state::sell(const std::string& key, std::int64_t units,
                         const clock_reading& now) {
  auto i = listings_.find(key);
  assert(i != listings_.end() && units >= 1 && units <= i->second.quantity);
  i->second.quantity -= units;
  assert(i->second.quantity >= 0);
  history_.record(key, now.mono_ms, i->second.quantity, change_cause::sale);
}

void channel_state::restock(const std::string& key, std::int64_t units,
                            const clock_reading& now) {
  auto& l = listings_[key];
  l.quantity += units;
  history_.record(key, now.mono_ms, l.quantity, change_cause::restock);
}

void channel_state::reset(std::int64_t now_mono_ms) {
  listings_.clear();
  history_.clear();
  orders_.clear();
  for (auto& k : seeded_) {
    listings_[k] = listing{};
    history_.record(k, now_mono_ms, 0, change_cause::reset);
  }
  counters_ = request_counters{};
}

nlohmann::json channel_state::counters_json() const {
  return {{"requests", counters_.requests},
          {"accepted", counters_.accepted},
          {"throttled", counters_.throttled},
          {"errors", counters_.errors},
          {"injected", counters_.injected}};
}

nlohmann::json channel_state::to_json() const {
  auto out = nlohmann::json::object();
  for (auto& [k, l] : listings_)
    out[k] = {{"quantity", l.quantity},
              {"version", l.version},
              {"updated_at_ms", l.updated_at_ms},
              {"revisions", l.revisions}};
  return out;
}

} // namespace stockwire::fakechannel
