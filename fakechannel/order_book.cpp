#include "fakechannel/order_book.hpp"

#include <cassert>

namespace stockwire::fakechannel {

void order_book::add(order o) {
  auto id = o.id;
  [[maybe_unused]] auto added = orders_.emplace(id, std::move(o)).second;
  assert(added);
}

const order* order_book::find(const std::string& id) const {
  auto i = orders_.find(id);
  return i == orders_.end() ? nullptr : &i->second;
}

cancel_result order_book::cancel(const std::string& id, const order** out) {
  auto i = orders_.find(id);
  if (i == orders_.end())
    return cancel_result::unknown;
  auto& o = i->second;
  if (out != nullptr)
    *out = &o;
  if (o.cancelled)
    return cancel_result::already_cancelled;
  o.cancelled = true;
  o.cancel_seq = ++cancelled_orders_;
  cancelled_units_ += static_cast<std::uint64_t>(o.qty);
  return cancel_result::cancelled;
}

void order_book::clear() {
  orders_.clear();
  cancelled_orders_ = 0;
  cancelled_units_ = 0;
}

} // namespace stockwire::fakechannel
