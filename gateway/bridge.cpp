#include "gateway/bridge.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"

namespace stockwire::gateway::detail {

class job_base;

// The only message the bridge actor receives from outside. Node-local: it
// carries a closure's worth of state and is never serialized.
struct bridge_task {
  std::shared_ptr<job_base> job;
};

} // namespace stockwire::gateway::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::gateway::detail::bridge_task)

namespace stockwire::gateway {

namespace detail {

using steady = std::chrono::steady_clock;
using tick_atom = caf::atom_constant<caf::atom("brtick")>;

// Sweeps for expired batches this often (at most): a timed-out batch is
// answered at most this much after its deadline.
constexpr std::chrono::milliseconds sweep_interval_max{100};

// Bridge actors, used round-robin. CAF 0.17 keeps the pending requests of
// an actor in a flat vector: every reply costs a scan and a shift over all
// of them. With thousands of commands in flight (batches of 100 on 32
// connections) one actor spent most of its time there; 16 divide it by 16.
constexpr std::size_t bridge_actors = 16;

// The actors the bridge actors send to. Fixed for the bridge's lifetime.
struct destinations {
  caf::actor region;
  caf::actor metrics;
  channel_directory_ptr channels;
  caf::actor cluster;
};

// Where one command goes: an actor of `destinations`, or why there is none.
struct route {
  const caf::actor* target = nullptr;
  errc code = errc::none;
  std::string detail;
};

route route_to(const caf::actor& target) {
  route r;
  r.target = &target;
  return r;
}

route no_route(errc code, std::string detail) {
  route r;
  r.code = code;
  r.detail = std::move(detail);
  return r;
}

template <class Cmd>
using router = route (*)(const destinations&, const Cmd&);

template <class Cmd>
route to_region(const destinations& to, const Cmd&) {
  return route_to(to.region);
}

template <class Cmd>
route to_connector(const destinations& to, const Cmd& cmd) {
  if (to.channels != nullptr) {
    auto i = to.channels->connectors.find(cmd.channel);
    if (i != to.channels->connectors.end())
      return route_to(i->second);
  }
  return no_route(errc::unknown_channel,
                  "no channel account '" + cmd.channel + "' is configured");
}

template <class Cmd>
route to_metrics(const destinations& to, const Cmd&) {
  if (to.metrics)
    return route_to(to.metrics);
  return no_route(errc::owner_unavailable,
                  "no metrics actor runs on this node");
}

template <class Cmd>
route to_cluster(const destinations& to, const Cmd&) {
  if (to.cluster)
    return route_to(to.cluster);
  return no_route(errc::owner_unavailable, "this node is not clustered");
}

// One batch of commands and the callback waiting for all of their outcomes.
class job_base {
public:
  // `answerer` names who answers, for the timeout message.
  job_base(steady::time_point deadline, const char* answerer)
      : deadline_(deadline), answerer_(answerer) {}
  virtual ~job_base() = default;

  steady::time_point deadline() const { return deadline_; }
  const char* answerer() const { return answerer_; }
  virtual bool finished() const = 0;
  // Issues one request per command to the actor its route names; a command
  // without one fails at once. Runs in the bridge actor.
  virtual void start(caf::event_based_actor* self, const destinations& to) = 0;
  // Fails every command still waiting and calls the callback.
  virtual void expire(errc code, const std::string& why) = 0;

private:
  steady::time_point deadline_;
  const char* answerer_;
};

template <class Cmd, class Reply>
class job final : public job_base,
                  public std::enable_shared_from_this<job<Cmd, Reply>> {
public:
  job(std::vector<Cmd> cmds, callback<Reply> done, router<Cmd> route_of,
      const char* answerer, steady::time_point deadline)
      : job_base(deadline, answerer), cmds_(std::move(cmds)),
        results_(cmds_.size()), filled_(cmds_.size(), 0),
        remaining_(cmds_.size()), route_of_(route_of), done_(std::move(done)) {
    // nothing
  }

  // A batch dropped unanswered (the bridge actor stopped with it in its
  // mailbox or waiting for replies) still answers its caller.
  ~job() override {
    if (done_)
      expire(errc::shutting_down, "the node is shutting down");
  }

  bool finished() const override { return !done_; }

  void start(caf::event_based_actor* self, const destinations& to) override {
    auto me = this->shared_from_this();
    if (remaining_ == 0) {
      finish();
      return;
    }
    for (std::size_t i = 0; i < cmds_.size(); ++i) {
      auto dest = route_of_(to, cmds_[i]);
      if (dest.target == nullptr) {
        fail(i, dest.code, std::move(dest.detail));
        continue;
      }
      // No CAF timeout per request: the batch's deadline covers them all.
      self->request(*dest.target, caf::infinite, std::move(cmds_[i]))
          .then([me, i](Reply& r) { me->fill(i, std::move(r)); },
                [me, i](caf::error& err) {
                  me->fail(i, error_code(err), error_detail(err));
                });
    }
    cmds_ = std::vector<Cmd>{};
  }

  void expire(errc code, const std::string& why) override {
    if (!done_)
      return;
    for (std::size_t i = 0; i < results_.size(); ++i) {
      if (filled_[i] == 0) {
        results_[i].code = code;
        results_[i].detail = why;
      }
    }
    finish();
  }

private:
  void fill(std::size_t i, Reply&& r) {
    if (!done_ || filled_[i] != 0)
      return;
    filled_[i] = 1;
    results_[i].reply = std::move(r);
    if (--remaining_ == 0)
      finish();
  }

  void fail(std::size_t i, errc code, std::string detail) {
    if (!done_ || filled_[i] != 0)
      return;
    filled_[i] = 1;
    results_[i].code = code;
    results_[i].detail = std::move(detail);
    if (--remaining_ == 0)
      finish();
  }

  void finish() {
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(results_));
    // The job lingers in the deadline queue until the sweep: keep it small.
    results_ = outcomes<Reply>{};
    filled_ = std::vector<char>{};
  }

  std::vector<Cmd> cmds_;
  outcomes<Reply> results_;
  std::vector<char> filled_;
  std::size_t remaining_;
  router<Cmd> route_of_;
  callback<Reply> done_;
};

// Written by the bridge actor, read by any thread through ready().
struct health {
  std::mutex mtx;
  readiness state;
};

struct bridge_state {
  destinations to;
  caf::actor journal;
  bridge_options opts;
  std::shared_ptr<health> status;
  // Batches in issue order, hence in deadline order (one timeout for all).
  std::deque<std::shared_ptr<job_base>> by_deadline;
  steady::time_point next_health_poll;
  std::uint64_t batches_seen = 0;
  std::uint64_t failures_seen = 0;
  std::uint64_t records_seen = 0;
  static inline const char* name = "stockwire.bridge";
};

using bridge_actor = caf::stateful_actor<bridge_state>;

void expire_due(bridge_actor* self, steady::time_point now) {
  auto& q = self->state.by_deadline;
  while (!q.empty() &&
         (q.front()->finished() || q.front()->deadline() <= now)) {
    if (!q.front()->finished())
      q.front()->expire(
          errc::owner_unavailable,
          std::string{"no answer from "} + q.front()->answerer() + " within " +
              std::to_string(self->state.opts.request_timeout.count()) + " ms");
    q.pop_front();
  }
}

// Not ready after a failed commit, ready again after a successful one;
// unchanged while nothing is written.
void poll_health(bridge_actor* self) {
  self->request(self->state.journal, std::chrono::seconds{1}, stats_atom::value)
      .then(
          [self](journal_stats& js) {
            auto& st = self->state;
            auto failed = js.failed_batches > st.failures_seen;
            auto wrote = js.batches > st.batches_seen;
            if (wrote)
              spdlog::debug("journal: {} commits, {} records since last poll",
                            js.batches - st.batches_seen,
                            js.records - st.records_seen);
            st.failures_seen = js.failed_batches;
            st.batches_seen = js.batches;
            st.records_seen = js.records;
            if (!failed && !wrote)
              return;
            std::lock_guard<std::mutex> guard{st.status->mtx};
            st.status->state.ready = !failed;
            st.status->state.reason =
                failed ? store_refusal(js.last_error) : std::string{};
          },
          [self](caf::error& err) {
            auto& st = self->state;
            std::lock_guard<std::mutex> guard{st.status->mtx};
            st.status->state.ready = false;
            st.status->state.reason =
                "the journal does not answer: " + caf::to_string(err);
          });
}

// `status` is null for all but one bridge actor: one health poll is enough.
caf::behavior bridge_behavior(bridge_actor* self, destinations to,
                              caf::actor journal, bridge_options opts,
                              std::shared_ptr<health> status) {
  auto& st = self->state;
  st.to = std::move(to);
  st.journal = std::move(journal);
  st.opts = opts;
  st.status = std::move(status);
  auto sweep =
      std::min(sweep_interval_max, std::max(std::chrono::milliseconds{1},
                                            opts.request_timeout / 4));
  self->send(self, tick_atom::value);
  return {
      [=](bridge_task& task) {
        auto& st = self->state;
        task.job->start(self, st.to);
        if (!task.job->finished())
          st.by_deadline.push_back(std::move(task.job));
        while (!st.by_deadline.empty() && st.by_deadline.front()->finished())
          st.by_deadline.pop_front();
      },
      [=](tick_atom) {
        auto now = steady::now();
        expire_due(self, now);
        auto& st = self->state;
        if (st.status != nullptr && now >= st.next_health_poll) {
          st.next_health_poll = now + st.opts.health_interval;
          poll_health(self);
        }
        self->delayed_send(self, sweep, tick_atom::value);
      },
  };
}

// Who answers, as the timeout message names them.
constexpr const char* sku_core = "the SKU core";
constexpr const char* channel_connector = "the channel's connector";
constexpr const char* metrics_actor = "the metrics actor";
constexpr const char* cluster_router = "the cluster router";

class actor_bridge final : public bridge {
public:
  actor_bridge(caf::actor_system& sys, bridge_targets targets,
               bridge_options opts)
      : opts_(opts), status_(std::make_shared<health>()) {
    if (targets.channels != nullptr)
      for (auto& entry : targets.channels->connectors)
        channels_.push_back(entry.first);
    std::sort(channels_.begin(), channels_.end());
    clustered_ = static_cast<bool>(targets.cluster);
    destinations to{std::move(targets.region), std::move(targets.metrics),
                    std::move(targets.channels), std::move(targets.cluster)};
    for (std::size_t i = 0; i < bridge_actors; ++i)
      actors_.push_back(sys.spawn(bridge_behavior, to, targets.journal, opts,
                                  i == 0 ? status_ : nullptr));
  }

  ~actor_bridge() override {
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  void call(std::vector<place_order> cmds,
            callback<order_result> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<cancel_order> cmds,
            callback<cancel_result> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<set_stock> cmds, callback<stock_result> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<adjust_stock> cmds,
            callback<stock_result> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<get_stock> cmds, callback<stock_view> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<get_audit> cmds, callback<audit_page> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<find_order> cmds, callback<order_lines> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<put_listing> cmds,
            callback<listing_result> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<delete_listing> cmds,
            callback<listing_result> done) override {
    ask_region(std::move(cmds), std::move(done));
  }
  void call(std::vector<get_listings> cmds,
            callback<listing_set> done) override {
    ask_region(std::move(cmds), std::move(done));
  }

  void call(std::vector<get_listing_status> cmds,
            callback<listing_status> done) override {
    submit(std::move(cmds), std::move(done), to_connector, channel_connector);
  }
  void call(std::vector<get_channel_status> cmds,
            callback<connector_status> done) override {
    submit(std::move(cmds), std::move(done), to_connector, channel_connector);
  }
  void call(std::vector<resync_channel> cmds,
            callback<resync_result> done) override {
    submit(std::move(cmds), std::move(done), to_connector, channel_connector);
  }
  void call(std::vector<get_oversells> cmds,
            callback<oversell_report> done) override {
    submit(std::move(cmds), std::move(done), to_connector, channel_connector);
  }

  void call(std::vector<get_lag> cmds, callback<lag_report> done) override {
    submit(std::move(cmds), std::move(done), to_metrics, metrics_actor);
  }
  void call(std::vector<get_metrics_text> cmds,
            callback<std::string> done) override {
    submit(std::move(cmds), std::move(done), to_metrics, metrics_actor);
  }

  void call(std::vector<get_cluster_status> cmds,
            callback<cluster_status> done) override {
    submit(std::move(cmds), std::move(done), to_cluster, cluster_router);
  }
  void call(std::vector<list_held_skus> cmds,
            callback<held_sku_page> done) override {
    submit(std::move(cmds), std::move(done), to_cluster, cluster_router);
  }

  bool clustered() const override { return clustered_; }

  const std::vector<std::string>& channels() const override {
    return channels_;
  }

  readiness ready() const override {
    std::lock_guard<std::mutex> guard{status_->mtx};
    return status_->state;
  }

private:
  template <class Cmd, class Reply>
  void ask_region(std::vector<Cmd> cmds, callback<Reply> done) {
    submit(std::move(cmds), std::move(done), to_region, sku_core);
  }

  template <class Cmd, class Reply>
  void submit(std::vector<Cmd> cmds, callback<Reply> done, router<Cmd> route_of,
              const char* answerer) {
    auto deadline = steady::now() + opts_.request_timeout;
    auto j = std::make_shared<job<Cmd, Reply>>(std::move(cmds), std::move(done),
                                               route_of, answerer, deadline);
    auto& target =
        actors_[next_.fetch_add(1, std::memory_order_relaxed) % actors_.size()];
    caf::anon_send(target, bridge_task{std::move(j)});
  }

  bridge_options opts_;
  std::shared_ptr<health> status_;
  std::vector<std::string> channels_;
  bool clustered_ = false;
  std::vector<caf::actor> actors_;
  std::atomic<std::size_t> next_{0};
};

} // namespace detail

std::unique_ptr<bridge> make_bridge(caf::actor_system& sys,
                                    bridge_targets targets,
                                    bridge_options opts) {
  return std::make_unique<detail::actor_bridge>(sys, std::move(targets), opts);
}

} // namespace stockwire::gateway
