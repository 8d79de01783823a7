#include "fakechannel/state.hpp"

#include <cassert>

#include <nlohmann/json.hpp>

namespace stockwire::fakechannel {

channel_state::channel_state(std::vector<std::string> seeded, bool strict)
    : seeded_(std::move(seeded)), strict_(strict) {
  reset();
}

const listing* channel_state::find(const std::string& key) const {
  auto i = listings_.find(key);
  return i == listings_.end() ? nullptr : &i->second;
}

bool channel_state::accepts(const std::string& key) const {
  return !strict_ || listings_.count(key) > 0;
}

const listing& channel_state::apply(const std::string& key,
                                    std::int64_t quantity,
                                    std::int64_t wall_ms) {
  assert(accepts(key));
  auto& l = listings_[key];
  l.quantity = quantity;
  l.version += 1;
  l.revisions += 1;
  l.updated_at_ms = wall_ms;
  return l;
}

void channel_state::reset() {
  listings_.clear();
  for (auto& k : seeded_)
    listings_[k] = listing{};
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
