// order get.
#include <iostream>

#include "ctl/commands.hpp"
#include "ctl/output.hpp"

namespace stockwire::ctl {

int order_get(session& s, const options& o, const std::string& order_id) {
  failure f;
  auto lines = s.ask<order_lines>(find_order{order_id}, &f);
  if (!lines)
    return report(f);
  if (lines->lines.empty())
    return report({exit_unknown_order, "unknown order " + order_id});
  if (!o.json) {
    table rows{{"SKU", "QTY", "STATUS", "CANCELLED", "CHANNEL", "CREATED"}};
    for (auto& l : lines->lines)
      rows.push_back({l.sku, std::to_string(l.qty),
                      std::string{order_status_name(l.status)},
                      l.cancelled ? "yes" : "no", or_dash(l.channel),
                      human_time_ms(l.created_at_ms)});
    print_table(rows);
    return exit_ok;
  }
  json_writer w;
  w.begin_object()
      .field("order_id", lines->order_id)
      .key("lines")
      .begin_array();
  for (auto& l : lines->lines)
    w.begin_object()
        .field("sku", l.sku)
        .field("qty", l.qty)
        .field("status", order_status_name(l.status))
        .field("cancelled", l.cancelled)
        .field("channel", l.channel)
        .field("created_at_ms", l.created_at_ms)
        .end_object();
  w.end_array().end_object();
  std::cout << w.str() << '\n';
  return exit_ok;
}

} // namespace stockwire::ctl
