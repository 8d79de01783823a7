#include "core/errc.hpp"
#include "core/types.hpp"

namespace stockwire {

std::string_view errc_name(errc code) {
  switch (code) {
  case errc::none:
    return "none";
  case errc::unknown_sku:
    return "unknown_sku";
  case errc::unknown_order:
    return "unknown_order";
  case errc::id_conflict:
    return "id_conflict";
  case errc::negative_stock:
    return "negative_stock";
  case errc::invalid_argument:
    return "invalid_argument";
  case errc::store_unavailable:
    return "store_unavailable";
  case errc::owner_unavailable:
    return "owner_unavailable";
  case errc::shutting_down:
    return "shutting_down";
  case errc::overloaded:
    return "overloaded";
  case errc::unknown_channel:
    return "unknown_channel";
  case errc::unknown_listing:
    return "unknown_listing";
  }
  return "unknown_error";
}

std::string_view op_kind_name(op_kind kind) {
  switch (kind) {
  case op_kind::order:
    return "order";
  case op_kind::cancel:
    return "cancel";
  case op_kind::set:
    return "set";
  case op_kind::adjust:
    return "adjust";
  }
  return "unknown";
}

std::string_view order_status_name(order_status status) {
  switch (status) {
  case order_status::accepted:
    return "accepted";
  case order_status::rejected:
    return "rejected";
  case order_status::voided:
    return "voided";
  }
  return "unknown";
}

} // namespace stockwire
