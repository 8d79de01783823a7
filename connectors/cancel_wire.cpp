// cancel_batch_max and make_cancel_job (cancel_wire.hpp); each kind's job
// lives in that kind's *_wire.cpp beside its pushes, sharing their answer
// readers.
#include "connectors/cancel_wire.hpp"

#include <cassert>

#include "connectors/wire_kinds.hpp"

namespace stockwire {

using namespace wire_detail;

std::size_t cancel_batch_max(const channel_account& account) {
  switch (account.kind) {
  case channel_kind::amazon:
    return amazon_cancel_feed_orders_max;
  case channel_kind::flipkart:
    return flipkart_cancel_items_per_call_max;
  case channel_kind::shopify:
  case channel_kind::woocommerce:
  case channel_kind::ebay:
    break;
  }
  return 1;
}

std::unique_ptr<push_job> make_cancel_job(const channel_account& account,
                                          std::vector<cancel_item> items) {
  assert(!items.empty() && items.size() <= cancel_batch_max(account));
  switch (account.kind) {
  case channel_kind::shopify:
    return make_shopify_cancel_job(account, items.front());
  case channel_kind::woocommerce:
    return make_woocommerce_cancel_job(account, items.front());
  case channel_kind::ebay:
    return make_ebay_cancel_job(account, items.front());
  case channel_kind::flipkart:
    return make_flipkart_cancel_job(account, std::move(items));
  case channel_kind::amazon:
    return make_amazon_cancel_job(account, std::move(items));
  }
  assert(false && "unknown channel_kind");
  return nullptr;
}

} // namespace stockwire
