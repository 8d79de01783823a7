#include "daemon/node.hpp"

#include <thread>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin.hpp"
#include "actors/channel_directory.hpp"
#include "actors/connector.hpp"
#include "actors/errors.hpp"
#include "actors/inspector.hpp"
#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/metrics_actor.hpp"
#include "actors/router.hpp"
#include "actors/runtime.hpp"
#include "actors/sku_region.hpp"
#include "cluster/budget_share.hpp"
#include "connectors/http_client.hpp"
#include "persistence/log_recovery.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"
#include "tls/credentials.hpp"

namespace stockwire {

namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const config::node_config& node_cfg) {
  configure_actor_system(cfg, node_cfg.threads);
  if (node_cfg.cluster || node_cfg.admin_port != 0)
    configure_cluster_networking(cfg, node_cfg.tls);
  return cfg;
}

// How long a membership change may take to be accepted by the router.
constexpr std::chrono::seconds membership_change_timeout{10};

// How long start-up waits for one demo-catalogue write.
constexpr std::chrono::seconds demo_write_timeout{10};

// This node's share of every channel account's budget: 1 / the members of
// both rings (cluster/budget_share.hpp); a SIGHUP's change reaches the
// connectors through the router.
double budget_share_of(const config::cluster_settings& cc) {
  return cluster::budget_share(
      cluster::pushing_nodes(config::make_membership(cc)));
}

connector_config connector_settings(const config::channel_settings& c,
                                    double budget_share) {
  connector_config cc;
  cc.account = c.account;
  cc.requests_per_s = c.requests_per_s;
  cc.burst = c.burst;
  cc.request_cost = c.request_cost;
  cc.budget_share = budget_share;
  cc.concurrency = c.concurrency;
  cc.revisions_per_day = c.revisions_per_day;
  cc.revisions_reserve = c.revisions_reserve;
  cc.breaker_failures = static_cast<unsigned>(c.breaker_failures);
  cc.breaker_open = std::chrono::milliseconds{c.breaker_open_ms};
  cc.sync = c.sync;
  cc.poll_interval = std::chrono::seconds{c.poll_interval_s};
  return cc;
}

// The demo listing of DEMO-<n> on a channel account: identifiers made up
// per kind, in the shape the channel uses (numeric where it is numeric).
listing demo_listing(const channel_account& a, std::int64_t n) {
  listing l;
  switch (a.kind) {
  case channel_kind::shopify:
    l.item_id = std::to_string(40'000 + n);
    l.location_id = a.shopify_location_id.empty() ? "1" : a.shopify_location_id;
    break;
  case channel_kind::amazon:
    break; // the SKU is Amazon's seller SKU; seller etc. from the account
  case channel_kind::woocommerce:
    l.item_id = std::to_string(1'000 + n);
    break;
  case channel_kind::ebay:
    l.item_id = std::to_string(5'000'000 + n);
    break;
  case channel_kind::flipkart:
    l.item_id = "FSNDEMO" + std::to_string(n);
    l.location_id = "LOCDEMO";
    break;
  }
  return l;
}

} // namespace

struct node::impl {
  impl(const config::node_config& c, std::unique_ptr<store> s)
      : db(std::move(s)), sys(configure(caf_cfg, c)) {
    // nothing
  }

  ~impl() {
    core_bridge.reset();
    if (admin)
      caf::anon_send_exit(admin, caf::exit_reason::user_shutdown);
    if (router)
      caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    if (inspector)
      caf::anon_send_exit(inspector, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(region, caf::exit_reason::user_shutdown);
    for (auto& [id, c] : channels->connectors)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(metrics, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    client->stop();
  }

  std::unique_ptr<store> db; // outlives the actor system (declared first)
  std::unique_ptr<wal> log;  // the write-ahead log, if configured; as db
  caf::actor_system_config caf_cfg;
  caf::actor_system sys;
  caf::actor journal;
  caf::actor region;
  // Clustered only: the membership of the configuration the node started
  // with (a SIGHUP changes the router's, not this) and the router in front
  // of the region (the bridge's SKU commands go to it).
  cluster::membership membership;
  caf::actor router;
  caf::actor admin;     // stockctl's peer, when [admin] listen is set
  caf::actor inspector; // with a cluster or an admin port
  caf::actor metrics;
  std::shared_ptr<http_client> client;
  channel_directory_ptr channels = std::make_shared<channel_directory>();
  std::unique_ptr<gateway::bridge> core_bridge;
};

namespace {

// Logs what a recovery scan at start handed on (`what` has a {} for the
// count and one for the note on `orphaned`: records of channel accounts no
// longer configured, left alone); nothing when there was nothing.
void log_recovered(fmt::format_string<std::size_t, std::string> what,
                   std::size_t pending, std::size_t orphaned) {
  if (pending + orphaned == 0)
    return;
  spdlog::info(what, pending,
               orphaned > 0 ? fmt::format(" ({} for channels no longer "
                                          "configured, left alone)",
                                          orphaned)
                            : std::string{});
}

// Hands every pending outbox entry to its connector: what a channel had
// not acknowledged before the last stop is pushed again now.
bool recover_outbox(node::impl& im, std::string* error) {
  std::size_t pending = 0;
  std::size_t orphaned = 0;
  std::vector<std::pair<std::string, listing>> listings;
  auto st = im.db->for_each_outbox([&](const std::string& channel,
                                       const std::string& sku,
                                       const outbox_record& r) {
    auto c = im.channels->find(channel);
    if (!c) {
      ++orphaned; // the account is no longer configured
      return true;
    }
    if (!im.db->get_listings(sku, &listings).is_ok())
      return true;
    for (auto& [ch, ids] : listings)
      if (ch == channel) {
        caf::anon_send(c, sku_changed{sku,
                                      ids,
                                      r.available,
                                      r.version,
                                      {r.changed_at_ms * 1'000'000},
                                      false});
        ++pending;
      }
    return true;
  });
  if (!st.is_ok()) {
    *error = "cannot read the outbox: " + st.to_string();
    return false;
  }
  log_recovered("outbox: {} pushes pending from before the restart{}", pending,
                orphaned);
  return true;
}

// Hands every pending cancellation to its channel's connector: an oversold
// order whose cancellation was not acknowledged before the last stop is
// sent again now.
bool recover_cancellations(node::impl& im, std::string* error) {
  std::size_t pending = 0;
  std::size_t orphaned = 0;
  auto st = im.db->for_each_cancel(
      [&](const std::string& channel, const std::string& order_id,
          const std::string& sku, const cancel_record& r) {
        auto c = im.channels->find(channel);
        if (!c) {
          ++orphaned; // the account is no longer configured
          return true;
        }
        caf::anon_send(
            c, order_oversold{sku, order_id, r.qty, r.created_at_ms, true});
        ++pending;
        return true;
      });
  if (!st.is_ok()) {
    *error = "cannot read the pending cancellations: " + st.to_string();
    return false;
  }
  log_recovered("cancellations: {} oversold order lines still to cancel "
                "on their channel{}",
                pending, orphaned);
  return true;
}

// A connector in poll mode pushes every listed SKU on each tick, also those
// nothing changed since the start: hand it each listing with its stock.
bool recover_poll_listings(node::impl& im, std::string* error) {
  if (im.channels->polling.empty())
    return true;
  std::size_t known = 0;
  auto st = im.db->for_each_listing([&](const std::string& sku,
                                        const std::string& channel,
                                        const listing& ids) {
    if (!im.channels->polls(channel))
      return true;
    stock_state s;
    if (!im.db->get_stock(sku, &s).is_ok())
      return true; // no stock yet: nothing to show
    caf::anon_send(
        im.channels->find(channel),
        sku_changed{sku, ids, s.available(), s.version, {}, false, false});
    ++known;
    return true;
  });
  if (!st.is_ok()) {
    *error = "cannot read the listings: " + st.to_string();
    return false;
  }
  spdlog::info("poll mode: {} listings handed to polling connectors", known);
  return true;
}

// Creates DEMO-1..DEMO-n with stock and lists them on every channel, where
// not done before: a restart changes nothing. In a cluster each node seeds
// only the SKUs it owns (one owner per SKU, DESIGN.md 5).
bool seed_demo(node::impl& im, const config::node_config& cfg,
               std::string* error) {
  caf::scoped_actor self{im.sys};
  std::size_t created = 0;
  std::size_t listed = 0;
  std::vector<std::pair<std::string, listing>> listings;
  if (cfg.cluster && cfg.cluster->previous && cfg.demo.skus > 0) {
    // A demo SKU this node owns may still be on its previous owner:
    // creating it here would fork it.
    spdlog::info("demo catalogue: not seeded while [cluster.previous] is "
                 "set (SKUs may be moving)");
    return true;
  }
  for (std::int64_t n = 1; n <= cfg.demo.skus; ++n) {
    auto sku = "DEMO-" + std::to_string(n);
    if (cfg.cluster && im.membership.current->owner(sku).id != cfg.node_id)
      continue;
    bool ok = true;
    auto fail = [&](caf::error& err) {
      *error = "demo catalogue: " + sku + ": " + caf::to_string(err);
      ok = false;
    };
    stock_state s;
    if (im.db->get_stock(sku, &s).is_not_found()) {
      self->request(im.region, demo_write_timeout,
                    set_stock{sku, cfg.demo.on_hand, "demo-seed", "demo"})
          .receive([&](stock_result&) { ++created; }, fail);
    }
    if (!ok || !im.db->get_listings(sku, &listings).is_ok())
      return false;
    for (auto& c : cfg.channels) {
      bool present = false;
      for (auto& [ch, ids] : listings)
        present |= ch == c.account.id;
      if (present)
        continue;
      self->request(im.region, demo_write_timeout,
                    put_listing{sku, c.account.id, demo_listing(c.account, n)})
          .receive([&](listing_result&) { ++listed; }, fail);
      if (!ok)
        return false;
    }
  }
  if (created + listed > 0)
    spdlog::info("demo catalogue: {} SKUs created, {} listings added", created,
                 listed);
  return true;
}

// meta keys: the highest epoch this node applied, and the epoch whose move
// completed here (actors/handoff.hpp).
const std::string epoch_key = "epoch";
const std::string settled_epoch_key = "settled_epoch";

std::uint64_t meta_number(const store& db, const std::string& key) {
  std::string text;
  if (!db.get_meta(key, &text).is_ok())
    return 0;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return 0;
  }
}

// A node must never route by an older configuration than one it already
// applied (a stale file after a SIGHUP rollout): it would serve SKUs that
// moved away. Records the configuration's epoch otherwise. Runs before
// the journal exists, so it may write directly.
bool check_epoch(store& db, const config::cluster_settings& cc,
                 std::string* error) {
  auto seen = meta_number(db, epoch_key);
  if (cc.epoch < seen) {
    *error = "the configuration has cluster epoch " + std::to_string(cc.epoch) +
             " but this node already applied epoch " + std::to_string(seen) +
             " (a stale configuration file?); refusing to start";
    return false;
  }
  if (cc.epoch == seen)
    return true;
  write_batch b;
  b.put_meta(epoch_key, std::to_string(cc.epoch));
  auto st = db.commit(b);
  if (!st.is_ok()) {
    *error = "cannot record the cluster epoch: " + st.to_string();
    return false;
  }
  return true;
}

// Builds the rings of the configuration ([cluster] and
// [cluster.previous]) and checks that this node may start with them.
bool build_membership(node::impl& im, const config::node_config& cfg,
                      std::string* error) {
  im.membership = config::make_membership(*cfg.cluster);
  if (auto why = cluster::check_transition(nullptr, im.membership, cfg.node_id);
      !why.empty()) {
    *error = "cluster: " + why;
    return false;
  }
  return true;
}

// How the cluster and admin ports talk, for the start-up log.
std::string transport(const config::node_config& cfg) {
  if (!cfg.tls.enabled())
    return " (plain TCP)";
  return " (mutual TLS, " + tls::describe_certificate(cfg.tls.certificate) +
         ")";
}

// Spawns the router (and its handoff actor) in front of the region and
// publishes it on the cluster port; the router connects to the other
// members.
bool start_router(node::impl& im, const config::node_config& cfg,
                  std::string* error) {
  auto& cc = *cfg.cluster;
  auto& membership = im.membership;
  router_config rc;
  rc.membership = membership;
  rc.self_id = cfg.node_id;
  rc.forward_timeout = std::chrono::milliseconds{cc.forward_timeout_ms};
  rc.db = im.db.get();
  rc.journal = im.journal;
  rc.channels = im.channels;
  rc.settled_epoch = meta_number(*im.db, settled_epoch_key);
  rc.inspector = im.inspector;
  im.router = spawn_router(im.sys, im.region, rc);
  if (!publish_router(im.sys, im.router, cc.listen_host, cc.listen_port, error))
    return false;
  auto& ring = *membership.current;
  auto& members = ring.members();
  std::uint32_t owned = 0;
  for (std::size_t i = 0; i < members.size(); ++i)
    if (members[i].id == cfg.node_id)
      owned = ring.shards_per_member()[i];
  spdlog::info("cluster listening on {}:{}{} ({} of {} members{}, epoch {}, "
               "owns {} of {} shards{})",
               cc.listen_host, cc.listen_port, transport(cfg), cfg.node_id,
               members.size(),
               membership.is_member(cfg.node_id) ? "" : ", leaving", cc.epoch,
               owned, ring.shard_count(),
               cc.previous ? ", moving SKUs from epoch " +
                                 std::to_string(cc.previous->epoch)
                           : std::string{});
  return true;
}

// Spawns the inspector, which answers stockctl's questions about this
// node (asked by this node's admin actor or another node's router).
void start_inspector(node::impl& im, const config::node_config& cfg) {
  inspector_targets t;
  t.node_id = cfg.node_id;
  t.region = im.region;
  t.metrics = im.metrics;
  t.channels = im.channels;
  t.db = im.db.get();
  t.ring = cfg.cluster ? im.membership.current : nullptr;
  im.inspector = spawn_inspector(im.sys, std::move(t));
}

// Spawns the admin actor in front of the router (or region and
// inspector), and publishes it on [admin] listen.
bool start_admin(node::impl& im, const config::node_config& cfg,
                 std::string* error) {
  admin_targets t;
  t.router = im.router;
  t.region = im.region;
  t.inspector = im.inspector;
  t.channels = im.channels;
  if (!im.router)
    t.ring = std::make_shared<const cluster::ring>(
        std::vector<cluster::member>{
            {cfg.node_id, cfg.admin_host, cfg.admin_port}},
        cluster::shard_count_default, 1);
  im.admin = spawn_admin(im.sys, t);
  if (!publish_router(im.sys, im.admin, cfg.admin_host, cfg.admin_port, error))
    return false;
  spdlog::info("admin listening on {}:{}{} (stockctl)", cfg.admin_host,
               cfg.admin_port, transport(cfg));
  return true;
}

} // namespace

node::node(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  // nothing
}

node::~node() = default;

std::unique_ptr<node> node::start(const config::node_config& cfg,
                                  std::string* error) {
  store::options sopts;
  sopts.dir = cfg.data_dir;
  sopts.map_size_bytes = cfg.store_map_size_mb << 20;
  sopts.durable = cfg.store_durable;
  status st;
  auto db = store::open(sopts, &st);
  if (db == nullptr || !st.is_ok()) {
    *error = "cannot open the store in " + cfg.data_dir + ": " + st.to_string();
    return nullptr;
  }
  spdlog::info("store open in {} ({} operation records, map {} MiB{})",
               cfg.data_dir, db->count("dedup"), cfg.store_map_size_mb,
               cfg.store_durable ? "" : ", NOT durable: no fsync");
  if (cfg.cluster && !check_epoch(*db, *cfg.cluster, error))
    return nullptr;
  std::unique_ptr<wal> log;
  if (cfg.store_write_ahead_log) {
    auto wo = data_dir_log(
        cfg.data_dir, static_cast<std::uint64_t>(cfg.store_log_size_mb) << 20);
    std::size_t replayed = 0;
    log = recover_from_log(*db, wo, &replayed, &st);
    if (log == nullptr) {
      *error = "cannot recover from the write-ahead log " + wo.path + ": " +
               st.to_string();
      return nullptr;
    }
    spdlog::info("write-ahead log {} ({} MiB): {} records applied at start",
                 wo.path, cfg.store_log_size_mb, replayed);
  }
  auto im = std::make_unique<impl>(cfg, std::move(db));
  im->log = std::move(log);
  journal_config jc;
  jc.log = im->log.get();
  jc.dedup_retention = std::chrono::hours{cfg.dedup_retention_h};
  metrics_config mc;
  mc.node_id = cfg.node_id;
  mc.lag_alert = std::chrono::milliseconds{cfg.lag_alert_ms};
  for (auto& c : cfg.channels)
    mc.channels.push_back(c.account.id);
  im->metrics = spawn_metrics(im->sys, mc);
  jc.metrics = im->metrics;
  // Detached: fsyncs block its own thread, never a scheduler worker.
  im->journal = spawn_journal(im->sys, *im->db, jc, true);
  http_client_options ho;
  std::int64_t timeout_ms = 0;
  for (auto& c : cfg.channels)
    timeout_ms = std::max(timeout_ms, c.request_timeout_ms);
  if (timeout_ms > 0)
    ho.request_timeout = std::chrono::milliseconds{timeout_ms};
  im->client = std::make_shared<http_client>(ho);
  auto dir = std::make_shared<channel_directory>();
  auto share = cfg.cluster ? budget_share_of(*cfg.cluster) : 1.0;
  for (auto& c : cfg.channels) {
    dir->connectors.emplace(
        c.account.id, spawn_connector(im->sys, connector_settings(c, share),
                                      im->client, im->journal, im->metrics));
    if (c.sync == sync_mode::poll)
      dir->polling.insert(c.account.id);
    spdlog::info("channel {} ({}) at {}://{}:{}{}, sync {}{}", c.account.id,
                 channel_kind_name(c.account.kind), c.account.scheme,
                 c.account.host, c.account.port, c.account.base_path,
                 sync_mode_name(c.sync),
                 c.sync == sync_mode::poll
                     ? fmt::format(" every {} s", c.poll_interval_s)
                     : std::string{});
  }
  im->channels = dir;
  region_config rc;
  rc.idle_timeout = std::chrono::seconds{cfg.sku_idle_timeout_s};
  rc.active_skus_max = cfg.active_skus_max;
  rc.channels = im->channels;
  rc.log = im->log.get();
  im->region = spawn_region(im->sys, im->journal, im->db.get(), rc);
  // What the channels are owed from before the stop goes to the connectors
  // before the router exists: a SKU its handoff moves away afterwards is
  // then forgotten after it was recovered, never recovered after it left.
  if (!recover_outbox(*im, error) || !recover_poll_listings(*im, error) ||
      !recover_cancellations(*im, error))
    return nullptr;
  if (cfg.cluster && !build_membership(*im, cfg, error))
    return nullptr;
  if (cfg.cluster || cfg.admin_port != 0)
    start_inspector(*im, cfg);
  if (cfg.cluster && !start_router(*im, cfg, error))
    return nullptr;
  if (cfg.admin_port != 0 && !start_admin(*im, cfg, error))
    return nullptr;
  if (!seed_demo(*im, cfg, error))
    return nullptr;
  gateway::bridge_options bo;
  bo.request_timeout = std::chrono::milliseconds{cfg.http.request_timeout_ms};
  gateway::bridge_targets targets{im->router ? im->router : im->region,
                                  im->journal, im->metrics, im->channels,
                                  im->router};
  im->core_bridge = gateway::make_bridge(im->sys, targets, bo);
  return std::unique_ptr<node>{new node(std::move(im))};
}

bool node::change_cluster(const config::cluster_settings& next,
                          std::string* error) {
  if (!impl_->router) {
    *error = "this node was started without [cluster]; restart it to join "
             "a cluster";
    return false;
  }
  bool ok = false;
  caf::scoped_actor self{impl_->sys};
  self->request(impl_->router, membership_change_timeout,
                change_membership{config::make_membership(next)})
      .receive([&]() { ok = true; },
               [&](caf::error& err) { *error = error_detail(err); });
  return ok;
}

gateway::bridge& node::bridge() {
  return *impl_->core_bridge;
}

bool node::drain(std::chrono::milliseconds timeout, std::string* error) {
  bool ok = false;
  caf::scoped_actor self{impl_->sys};
  self->request(impl_->journal, timeout, drain_atom::value)
      // The journal answers with `unit`, which arrives as an empty message.
      .receive([&]() { ok = true; },
               [&](caf::error& err) { *error = caf::to_string(err); });
  if (!ok)
    return false;
  // drain_atom commits what is pending; a failed commit shows in the
  // counters, not in the reply.
  self->request(impl_->journal, timeout, stats_atom::value)
      .receive(
          [&](journal_stats& js) {
            spdlog::info("journal drained: {} batches, {} records, {} failed",
                         js.batches, js.records, js.failed_batches);
          },
          [&](caf::error&) {});
  return true;
}

} // namespace stockwire
