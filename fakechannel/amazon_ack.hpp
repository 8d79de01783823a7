// Amazon's order acknowledgement flat file (Feeds API feedType
// POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA), as the fake applies it: how a
// merchant cancels orders on Amazon. The document is tab-separated text,
// a header naming the columns (order-id and cancellation-reason-code
// required, amazon-order-item-code optional: empty = the whole order), then
// one row per order:
//
//   order-id	amazon-order-item-code	cancellation-reason-code
//   902-3159896-1390916		NoInventory
//
// A row with one of Amazon's reason codes cancels its order (counted once
// by the order book); a row without a reason acknowledges it (nothing
// changes). The report is a flat-file processing report: a summary, then
// one line per refused row (error codes are the fake's, see
// docs/FAKECHANNEL.md). A header without the two columns, or more than
// limits.hpp amazon_ack_rows_max rows, is fatal and applies nothing. Pure.
#pragma once

#include <string>

#include "fakechannel/order_book.hpp"

namespace stockwire::fakechannel {

struct ack_outcome {
  bool fatal = false; // the feed ends FATAL instead of DONE
  std::string report; // text/tab-separated-values
};

/// Applies the acknowledgement `document` to `orders`.
ack_outcome apply_acknowledgements(const std::string& document,
                                   order_book& orders);

} // namespace stockwire::fakechannel
