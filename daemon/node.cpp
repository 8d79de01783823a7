#include "daemon/node.hpp"

#include <thread>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "actors/sku_region.hpp"
#include "persistence/store.hpp"

namespace stockwire {

namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const config::node_config& node_cfg) {
  configure_actor_system(cfg, node_cfg.threads);
  return cfg;
}

} // namespace

struct node::impl {
  impl(const config::node_config& c, std::unique_ptr<store> s)
      : db(std::move(s)), sys(configure(caf_cfg, c)) {
    // nothing
  }

  ~impl() {
    core_bridge.reset();
    caf::anon_send_exit(region, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }

  std::unique_ptr<store> db; // outlives the actor system (declared first)
  caf::actor_system_config caf_cfg;
  caf::actor_system sys;
  caf::actor journal;
  caf::actor region;
  std::unique_ptr<gateway::bridge> core_bridge;
};

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
  auto im = std::make_unique<impl>(cfg, std::move(db));
  journal_config jc;
  jc.dedup_retention = std::chrono::hours{cfg.dedup_retention_h};
  // Detached: fsyncs block its own thread, never a scheduler worker.
  im->journal = spawn_journal(im->sys, *im->db, jc, true);
  region_config rc;
  rc.idle_timeout = std::chrono::seconds{cfg.sku_idle_timeout_s};
  rc.active_skus_max = cfg.active_skus_max;
  im->region = spawn_region(im->sys, im->journal, im->db.get(), rc);
  gateway::bridge_options bo;
  bo.request_timeout = std::chrono::milliseconds{cfg.http.request_timeout_ms};
  im->core_bridge = gateway::make_bridge(im->sys, im->region, im->journal, bo);
  return std::unique_ptr<node>{new node(std::move(im))};
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
