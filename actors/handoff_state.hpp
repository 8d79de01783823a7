// Private to the handoff actor (handoff.hpp), whose code is split by
// concept:
//   handoff.cpp         the behaviour (the message handlers), the journal,
//                       the gate of SKU commands while a move is incomplete,
//                       the sweep and the polls of previous owners,
//                       membership changes, the status and spawn_handoff
//   handoff_import.cpp  inbound: pulls of SKUs this node owns but does not
//                       hold yet, imports (checked, written in one journal
//                       transaction) and what this node's connectors are
//                       told about the SKUs that arrived
//   handoff_export.cpp  outbound: pushes of SKUs this node holds but does
//                       not own (release, export, import_skus, delete after
//                       the acknowledgement) and the pulls they answer
// This header holds the actor's state (the SKUs in flight either way, the
// commands waiting, the journal commits pending) and the functions the
// parts call across files.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/handoff.hpp"
#include "actors/messages.hpp"
#include "persistence/store.hpp"

namespace stockwire::handoff_detail {

using commit_done = std::function<void(bool ok, const std::string& why)>;

struct handoff_state {
  handoff_config cfg;
  cluster::membership m;
  caf::actor router;
  caf::actor region;
  caf::actor journal;
  const store* db = nullptr;
  channel_directory_ptr channels;

  // -- outbound: SKUs this node holds but does not own
  bool sweep_done = false;
  bool sweep_busy = false;  // a sweep push is in flight
  bool pass_clean = true;   // this pass found nothing to push
  std::string sweep_cursor; // last SKU of the previous page
  bool sweep_ticking = false;
  std::unordered_set<std::string> in_push; // released, not yet acked
  // Pulls waiting for a push in flight of their SKU.
  std::unordered_map<std::string, std::vector<caf::response_promise>> pulls;
  std::unordered_set<std::string> released; // released in the region

  // -- inbound: SKUs this node owns but may not hold yet
  bool inbound_complete = false;
  std::set<std::string> done_previous; // previous owners whose sweep is done
  std::set<std::string> polling;       // polls in flight
  std::unordered_set<std::string> confirmed; // owned SKUs known to be here
  std::unordered_set<std::string> importing; // import commit pending
  // Commands waiting for their SKU to be pulled.
  std::unordered_map<
      std::string, std::vector<std::pair<caf::response_promise, caf::message>>>
      waiting;

  // -- journal
  std::uint64_t next_seq = 1;
  std::map<std::uint64_t, commit_done> commits;

  cluster_status counters;
  static inline const char* name = "stockwire.handoff";
};

using handoff_actor = caf::stateful_actor<handoff_state>;

// -- handoff.cpp --------------------------------------------------------------

void crash_point(const char* name);
bool owns(const handoff_state& st, const std::string& sku);
caf::error epoch_refused(const handoff_state& st, const std::string& from,
                         std::uint64_t epoch);
void commit(handoff_actor* self, write_batch batch, commit_done done);

// -- handoff_import.cpp -------------------------------------------------------

void release_waiting(handoff_actor* self, const std::string& sku,
                     const caf::error& err = caf::error{});
void pull(handoff_actor* self, const std::string& sku, const std::string& from);
caf::result<import_ack> accept_import(handoff_actor* self, import_skus& x);

// -- handoff_export.cpp -------------------------------------------------------

void push(handoff_actor* self, std::string to, std::vector<std::string> skus,
          std::function<void(bool ok)> done);
caf::result<pull_result> accept_pull(handoff_actor* self, pull_sku& x);

} // namespace stockwire::handoff_detail
