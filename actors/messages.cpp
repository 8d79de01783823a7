#include "actors/messages.hpp"

#include <caf/actor_system_config.hpp>

namespace stockwire {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<place_order>("stockwire.place_order");
  cfg.add_message_type<cancel_order>("stockwire.cancel_order");
  cfg.add_message_type<set_stock>("stockwire.set_stock");
  cfg.add_message_type<adjust_stock>("stockwire.adjust_stock");
  cfg.add_message_type<get_stock>("stockwire.get_stock");
  cfg.add_message_type<get_audit>("stockwire.get_audit");
  cfg.add_message_type<order_result>("stockwire.order_result");
  cfg.add_message_type<cancel_result>("stockwire.cancel_result");
  cfg.add_message_type<stock_result>("stockwire.stock_result");
  cfg.add_message_type<stock_view>("stockwire.stock_view");
  cfg.add_message_type<audit_record>("stockwire.audit_record");
  cfg.add_message_type<audit_page>("stockwire.audit_page");
  cfg.add_message_type<find_order>("stockwire.find_order");
  cfg.add_message_type<order_line_info>("stockwire.order_line_info");
  cfg.add_message_type<order_lines>("stockwire.order_lines");
  cfg.add_message_type<put_listing>("stockwire.put_listing");
  cfg.add_message_type<delete_listing>("stockwire.delete_listing");
  cfg.add_message_type<get_listings>("stockwire.get_listings");
  cfg.add_message_type<listing_result>("stockwire.listing_result");
  cfg.add_message_type<listing_set>("stockwire.listing_set");
  cfg.add_message_type<region_stats>("stockwire.region_stats");
  cfg.add_message_type<journal_stats>("stockwire.journal_stats");
  cfg.add_message_type<get_listing_status>("stockwire.get_listing_status");
  cfg.add_message_type<listing_status>("stockwire.listing_status");
  cfg.add_message_type<get_channel_status>("stockwire.get_channel_status");
  cfg.add_message_type<connector_status>("stockwire.connector_status");
  cfg.add_message_type<get_oversells>("stockwire.get_oversells");
  cfg.add_message_type<oversell_record>("stockwire.oversell_record");
  cfg.add_message_type<oversell_report>("stockwire.oversell_report");
  cfg.add_message_type<resync_channel>("stockwire.resync_channel");
  cfg.add_message_type<resync_result>("stockwire.resync_result");
  cfg.add_message_type<get_lag>("stockwire.get_lag");
  cfg.add_message_type<lag_summary>("stockwire.lag_summary");
  cfg.add_message_type<lag_report>("stockwire.lag_report");
  cfg.add_message_type<get_placement>("stockwire.get_placement");
  cfg.add_message_type<placement_info>("stockwire.placement_info");
}

} // namespace stockwire
