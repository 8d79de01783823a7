// The inbound side of a move: a SKU this node owns but does not hold yet
// is pulled from its previous owner (for the commands waiting for it, which
// are then handed to the region or failed), and an import from another
// node is checked (epoch, ownership, every key), written in one journal
// transaction and acknowledged; this node's connectors are then told what
// the SKUs that arrived still owe their channels.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// Hands the commands waiting for `sku` to the region (it is here now), or
// fails them with `err`.
void release_waiting(handoff_actor* self, const std::string& sku,
                     const caf::error& err) {
  auto& st = self->state;
  auto i = st.waiting.find(sku);
  if (i == st.waiting.end())
    return;
  auto cmds = std::move(i->second);
  st.waiting.erase(i);
  for (auto& [rp, msg] : cmds)
    if (err)
      rp.deliver(err);
    else
      rp.delegate(st.region, std::move(msg));
}

void pull(handoff_actor* self, const std::string& sku,
          const std::string& from) {
  auto& st = self->state;
  ++st.counters.pulls;
  auto epoch = st.m.epoch();
  self->request(st.router, st.cfg.request_timeout,
                pull_sku{epoch, st.cfg.self_id, from, sku})
      .then(
          [self, sku, epoch](pull_result&) {
            auto& st = self->state;
            if (st.m.epoch() != epoch)
              return; // the commands were failed by the change
            st.confirmed.insert(sku);
            release_waiting(self, sku);
          },
          [self, sku, from, epoch](caf::error& err) {
            auto& st = self->state;
            if (st.m.epoch() != epoch)
              return;
            release_waiting(self, sku,
                            make_error(errc::owner_unavailable,
                                       "sku " + sku + " is moving here from " +
                                           from +
                                           " and could not be fetched yet (" +
                                           error_detail(err) + "); retry"));
          });
}

namespace {

// The listing of `b` on `channel`, if it has one.
std::optional<listing> listing_on(const sku_bundle& b,
                                  std::string_view channel) {
  for (auto& [key, value] : b.listings)
    if (codec::split_pair_key(key).second == channel)
      return codec::decode_listing(value);
  return std::nullopt;
}

// Tells this node's connectors what a SKU that arrived still owes its
// channels, as a restart does (daemon/node.cpp): the pushes of its outbox
// entries, its listings with their stock to connectors in poll mode, and
// the cancellations of its oversold order lines.
void notify_connectors(handoff_actor* self, const sku_bundle& b) {
  auto& st = self->state;
  if (!st.channels)
    return;
  for (auto& [key, value] : b.outbox) {
    auto channel = codec::split_pair_key(key).first;
    auto rec = codec::decode_outbox(value);
    auto ids = listing_on(b, channel);
    auto c = st.channels->find(std::string{channel});
    if (rec && ids && c)
      self->send(c, sku_changed{b.sku,
                                *ids,
                                rec->available,
                                rec->version,
                                {rec->changed_at_ms * 1'000'000},
                                false});
  }
  std::optional<stock_state> stock;
  for (auto& [key, value] : b.sku_records)
    if (key == codec::stock_key(b.sku))
      stock = codec::decode_stock(value);
  for (auto& [key, value] : b.listings) {
    auto channel = std::string{codec::split_pair_key(key).second};
    auto ids = codec::decode_listing(value);
    if (stock && ids && st.channels->polls(channel))
      self->send(st.channels->find(channel), sku_changed{b.sku,
                                                         *ids,
                                                         stock->available(),
                                                         stock->version,
                                                         {},
                                                         false,
                                                         false});
  }
  for (auto& [key, value] : b.cancels) {
    auto f = codec::split_cancel_key(key);
    auto rec = codec::decode_cancel(value);
    if (auto c = st.channels->find(std::string{f.channel}); rec && c)
      self->send(c, order_oversold{b.sku, std::string{f.order_id}, rec->qty,
                                   rec->created_at_ms, true});
  }
}

} // namespace

caf::result<import_ack> accept_import(handoff_actor* self, import_skus& x) {
  auto& st = self->state;
  if (x.epoch != st.m.epoch())
    return epoch_refused(st, x.from, x.epoch);
  for (auto& b : x.bundles) {
    if (!owns(st, b.sku))
      return make_error(errc::owner_unavailable,
                        st.cfg.self_id + " does not own sku " + b.sku +
                            " at epoch " + std::to_string(st.m.epoch()) +
                            "; import from " + x.from + " refused");
    if (st.importing.count(b.sku) != 0)
      return make_error(errc::owner_unavailable,
                        "an import of sku " + b.sku +
                            " is still being written; retry");
    if (auto why = check_bundle(b); !why.empty())
      return make_error(errc::invalid_argument,
                        "import from " + x.from + " refused: " + why);
  }
  write_batch batch;
  auto written = std::make_shared<std::vector<sku_bundle>>();
  import_ack ack{st.m.epoch(), {}};
  for (auto& b : x.bundles) {
    bool held = false;
    auto found = st.db->holds(b.sku, &held);
    if (!found.is_ok())
      return make_error(errc::store_unavailable, found.to_string());
    ack.skus.push_back(b.sku);
    if (held)
      continue; // written before; its acknowledgement was lost
    batch.put_bundle(b);
    st.importing.insert(b.sku);
    written->push_back(std::move(b));
  }
  auto rp = self->make_response_promise<import_ack>();
  commit(self, std::move(batch),
         [self, rp, ack, written,
          from = x.from](bool ok, const std::string& why) mutable {
           auto& st = self->state;
           for (auto& b : *written)
             st.importing.erase(b.sku);
           if (!ok) {
             rp.deliver(
                 make_error(errc::store_unavailable,
                            "import from " + from + " not stored: " + why));
             return;
           }
           crash_point("handoff.imported");
           st.counters.moved_in += written->size();
           for (auto& b : *written)
             notify_connectors(self, b);
           for (auto& sku : ack.skus) {
             st.confirmed.insert(sku);
             release_waiting(self, sku);
           }
           if (!written->empty())
             spdlog::info("handoff: {} SKUs received from {} (epoch {})",
                          written->size(), from, ack.epoch);
           rp.deliver(std::move(ack));
         });
  return rp;
}

} // namespace stockwire::handoff_detail
