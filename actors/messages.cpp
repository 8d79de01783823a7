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
  cfg.add_message_type<sku_bundle>("stockwire.sku_bundle");
  cfg.add_message_type<import_skus>("stockwire.import_skus");
  cfg.add_message_type<import_ack>("stockwire.import_ack");
  cfg.add_message_type<pull_sku>("stockwire.pull_sku");
  cfg.add_message_type<pull_result>("stockwire.pull_result");
  cfg.add_message_type<handoff_poll>("stockwire.handoff_poll");
  cfg.add_message_type<handoff_progress>("stockwire.handoff_progress");
  cfg.add_message_type<get_cluster_status>("stockwire.get_cluster_status");
  cfg.add_message_type<cluster_status>("stockwire.cluster_status");
  cfg.add_message_type<list_held_skus>("stockwire.list_held_skus");
  cfg.add_message_type<held_sku_page>("stockwire.held_sku_page");
  cfg.add_message_type<get_sku_activity>("stockwire.get_sku_activity");
  cfg.add_message_type<sku_activity>("stockwire.sku_activity");
  cfg.add_message_type<histogram_data>("stockwire.histogram_data");
  cfg.add_message_type<channel_lag>("stockwire.channel_lag");
  cfg.add_message_type<get_lag_histograms>("stockwire.get_lag_histograms");
  cfg.add_message_type<lag_histograms>("stockwire.lag_histograms");
  cfg.add_message_type<get_node_report>("stockwire.get_node_report");
  cfg.add_message_type<node_report>("stockwire.node_report");
  cfg.add_message_type<member_status>("stockwire.member_status");
  cfg.add_message_type<get_cluster_report>("stockwire.get_cluster_report");
  cfg.add_message_type<cluster_report>("stockwire.cluster_report");
  cfg.add_message_type<resync_cluster>("stockwire.resync_cluster");
  cfg.add_message_type<node_resync>("stockwire.node_resync");
  cfg.add_message_type<resync_report>("stockwire.resync_report");
}

} // namespace stockwire
