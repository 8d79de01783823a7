// The outbound side of a move: a push releases SKUs this node holds but
// does not own in the region, exports their records, sends them to their
// owner (import_skus) and, once the import is acknowledged, deletes this
// node's copies in one journal transaction and tells its connectors they
// are gone; a pull from the SKU's new owner pushes it at once and is
// answered when that push ends.
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/handoff_state.hpp"
#include "actors/messages.hpp"
#include "persistence/codec.hpp"
#include "persistence/store.hpp"

namespace stockwire::handoff_detail {

namespace {

// A release waits this long for the SKUs' actors to finish their commits.
constexpr std::chrono::seconds release_timeout{10};

// Answers the pulls waiting for `sku`.
void answer_pulls(handoff_actor* self, const std::string& sku, bool found,
                  const caf::error& err = caf::error{}) {
  auto& st = self->state;
  auto i = st.pulls.find(sku);
  if (i == st.pulls.end())
    return;
  for (auto& rp : i->second)
    if (err)
      rp.deliver(err);
    else
      rp.deliver(pull_result{sku, found});
  st.pulls.erase(i);
}

struct push_job {
  std::string to;
  std::vector<std::string> skus;
  std::vector<sku_bundle> bundles; // the non-empty ones
  std::function<void(bool ok)> done;
};
using push_ptr = std::shared_ptr<push_job>;

void unrelease(handoff_actor* self, std::vector<std::string> skus) {
  auto& st = self->state;
  for (auto& sku : skus)
    st.released.erase(sku);
  if (!skus.empty())
    self->send(st.region, unrelease_atom::value, std::move(skus));
}

void end_push(handoff_actor* self, const push_ptr& p, bool ok,
              const std::string& why) {
  auto& st = self->state;
  for (auto& sku : p->skus)
    st.in_push.erase(sku);
  if (ok) {
    // Pulls that came after the acknowledgement: the SKU is there.
    for (auto& b : p->bundles)
      answer_pulls(self, b.sku, true);
  } else {
    ++st.counters.failed_pushes;
    st.counters.last_error = why;
    spdlog::warn("handoff: {} SKUs for {} not moved yet: {}", p->skus.size(),
                 p->to, why);
    auto err = make_error(errc::owner_unavailable,
                          "the move to " + p->to + " failed: " + why);
    for (auto& sku : p->skus)
      answer_pulls(self, sku, false, err);
  }
  if (p->done)
    p->done(ok);
}

// Tells this node's connectors to drop what they hold for a SKU that left:
// its listings, and the cancellations its new owner now sends.
void forget_moved(handoff_actor* self, const sku_bundle& b) {
  auto& st = self->state;
  if (!st.channels)
    return;
  for (auto& [key, value] : b.listings) {
    auto channel = std::string{codec::split_pair_key(key).second};
    if (auto c = st.channels->find(channel))
      self->send(c, listing_removed{b.sku});
  }
  std::set<std::string_view> cancelling;
  for (auto& [key, value] : b.cancels)
    cancelling.insert(codec::split_cancel_key(key).channel);
  for (auto channel : cancelling)
    if (auto c = st.channels->find(std::string{channel}))
      self->send(c, cancellations_moved{b.sku});
}

// The receiver holds the SKUs: delete this node's copies, forget them.
void delete_moved(handoff_actor* self, const push_ptr& p,
                  const import_ack& ack) {
  crash_point("handoff.acked");
  std::unordered_set<std::string> acked(ack.skus.begin(), ack.skus.end());
  write_batch batch;
  std::vector<std::string> gone;
  for (auto& b : p->bundles)
    if (acked.count(b.sku) != 0) {
      batch.erase_bundle(b);
      gone.push_back(b.sku);
      answer_pulls(self, b.sku, true);
    }
  commit(self, std::move(batch),
         [self, p, gone](bool ok, const std::string& why) {
           auto& st = self->state;
           if (!ok)
             return end_push(self, p, false, "delete after the move: " + why);
           st.counters.moved_out += gone.size();
           for (auto& b : p->bundles)
             forget_moved(self, b);
           unrelease(self, gone);
           spdlog::info("handoff: {} SKUs moved to {} (epoch {})", gone.size(),
                        p->to, st.m.epoch());
           end_push(self, p, true, {});
         });
}

void send_import(handoff_actor* self, const push_ptr& p) {
  crash_point("handoff.released");
  auto& st = self->state;
  std::vector<sku_bundle> bundles;
  auto found = st.db->export_skus(p->skus, &bundles);
  if (!found.is_ok())
    return end_push(self, p, false, "export: " + found.to_string());
  std::vector<std::string> absent;
  for (auto& b : bundles)
    if (b.empty()) {
      answer_pulls(self, b.sku, false); // nothing here: nothing to move
      absent.push_back(b.sku);
    } else {
      p->bundles.push_back(std::move(b));
    }
  unrelease(self, std::move(absent));
  if (p->bundles.empty())
    return end_push(self, p, true, {});
  import_skus msg{st.m.epoch(), st.cfg.self_id, p->to, p->bundles};
  self->request(st.router, st.cfg.request_timeout, std::move(msg))
      .then([self, p](import_ack& ack) { delete_moved(self, p, ack); },
            [self, p](caf::error& err) {
              end_push(self, p, false, error_detail(err));
            });
}

} // namespace

// Moves `skus` (none of them owned here, none in a push) to `to`.
void push(handoff_actor* self, std::string to, std::vector<std::string> skus,
          std::function<void(bool ok)> done) {
  auto& st = self->state;
  auto p = std::make_shared<push_job>();
  p->to = std::move(to);
  p->skus = std::move(skus);
  p->done = std::move(done);
  for (auto& sku : p->skus) {
    st.in_push.insert(sku);
    st.released.insert(sku);
  }
  self->request(st.region, release_timeout, release_atom::value, p->skus)
      .then([self, p]() { send_import(self, p); },
            [self, p](caf::error& err) {
              end_push(self, p, false, "release: " + error_detail(err));
            });
}

caf::result<pull_result> accept_pull(handoff_actor* self, pull_sku& x) {
  auto& st = self->state;
  if (x.epoch != st.m.epoch())
    return epoch_refused(st, x.from, x.epoch);
  auto owner = st.m.current->owner(x.sku).id;
  if (owner != x.from)
    return make_error(errc::owner_unavailable,
                      x.from + " asked for sku " + x.sku + ", which " + owner +
                          " owns at epoch " + std::to_string(st.m.epoch()) +
                          " (member lists differ); refused");
  auto rp = self->make_response_promise<pull_result>();
  st.pulls[x.sku].push_back(rp);
  if (st.in_push.count(x.sku) == 0)
    push(self, owner, {x.sku}, nullptr);
  return rp;
}

} // namespace stockwire::handoff_detail
