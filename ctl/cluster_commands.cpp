// cluster status, cluster owner.
#include <cstdio>
#include <iostream>

#include "ctl/commands.hpp"
#include "ctl/coverage.hpp"
#include "ctl/output.hpp"

namespace stockwire::ctl {

namespace {

const node_report* report_of(const cluster_report& c, const std::string& id) {
  for (auto& r : c.reports)
    if (r.node == id)
      return &r;
  return nullptr;
}

std::string address_of(const member_status& m) {
  return m.host + ":" + std::to_string(m.port);
}

double share_of(const member_status& m, const cluster_report& c) {
  return c.shard_count == 0 ? 0.0
                            : static_cast<double>(m.shards) / c.shard_count;
}

// "member", "leaving" (in [cluster.previous] only, still asked) or "left"
// (leaving, and its move is complete as the answering node knows).
const char* role_of(const member_status& m) {
  return m.left ? "left" : m.leaving ? "leaving" : "member";
}

// Its move is settled: it holds no SKU another node owns and every SKU it
// owns is here.
bool settled(const stockwire::cluster_status& move) {
  return move.sweep_done && move.inbound_complete;
}

// Every member that answered is at the cluster's epoch with its move
// settled (a single node: always).
bool all_settled(const cluster_report& c) {
  for (auto& r : c.reports)
    if (r.move.clustered && (r.move.epoch != c.epoch || !settled(r.move)))
      return false;
  return true;
}

// How a member's move stands, for people: "settled", "handing off SKUs",
// "receiving SKUs (waiting for node1, node2)", "at epoch 3". The last
// error of a move that settled since is left to the JSON output.
std::string move_note(const cluster_report& c, const node_report& r) {
  auto& mv = r.move;
  if (!mv.clustered)
    return {};
  if (mv.epoch != c.epoch)
    return "at epoch " + std::to_string(mv.epoch);
  if (settled(mv))
    return "settled";
  std::string out;
  if (!mv.inbound_complete) {
    out = "receiving SKUs";
    if (!mv.waiting_for.empty()) {
      out += " (waiting for ";
      for (std::size_t i = 0; i < mv.waiting_for.size(); ++i)
        out += (i > 0 ? ", " : "") + mv.waiting_for[i];
      out += ")";
    }
  }
  if (!mv.sweep_done)
    out += (out.empty() ? "" : "; ") + std::string{"handing off SKUs"};
  if (!mv.last_error.empty())
    out += "; " + mv.last_error;
  return out;
}

void write_status(const cluster_report& c) {
  json_writer w;
  w.begin_object()
      .field("self", c.self)
      .field("epoch", c.epoch)
      .key("previous_epoch");
  number_or_null(w, c.previous_epoch == 0
                        ? std::int64_t{-1}
                        : static_cast<std::int64_t>(c.previous_epoch));
  w.field("shard_count", c.shard_count)
      .field("clustered", c.clustered)
      .field("settled", all_settled(c));
  write_coverage(w, c.members);
  w.key("members").begin_array();
  for (auto& m : c.members) {
    auto* r = report_of(c, m.id);
    w.begin_object()
        .field("id", m.id)
        .field("address", address_of(m))
        .field("self", m.self)
        .field("reachable", m.reachable)
        .key("error");
    text_or_null(w, m.error);
    w.field("shards", m.shards).field("shard_share", share_of(m, c));
    w.key("skus_owned");
    number_or_null(w, r ? r->skus_owned : -1);
    w.key("skus_foreign");
    number_or_null(w, r ? r->skus_foreign : -1);
    w.key("skus_active");
    number_or_null(w, r ? static_cast<std::int64_t>(r->skus_active) : -1);
    w.field("role", role_of(m));
    // The member's own view of the move (null when it did not answer).
    w.key("move");
    if (r && r->move.clustered) {
      w.begin_object()
          .field("epoch", r->move.epoch)
          .field("settled", settled(r->move))
          .field("sweep_done", r->move.sweep_done)
          .field("inbound_complete", r->move.inbound_complete)
          .key("waiting_for");
      string_array(w, r->move.waiting_for);
      w.field("moved_in", r->move.moved_in)
          .field("moved_out", r->move.moved_out)
          .key("last_error");
      text_or_null(w, r->move.last_error);
      w.end_object();
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array().end_object();
  std::cout << w.str() << '\n';
}

void print_status(const cluster_report& c) {
  std::size_t members = 0;
  std::string leaving;
  for (auto& m : c.members)
    if (m.leaving)
      leaving += (leaving.empty() ? "" : ", ") + m.id + " " + role_of(m);
    else
      ++members;
  std::cout << (c.clustered ? "cluster of " + std::to_string(members) +
                                  " nodes" +
                                  (leaving.empty() ? "" : " (" + leaving + ")")
                            : std::string{"single node"})
            << ", epoch " << c.epoch
            << (c.previous_epoch == 0 ? std::string{}
                : all_settled(c)
                    ? " (from epoch " + std::to_string(c.previous_epoch) +
                          ": SKUs moved)"
                    : " (moving SKUs from epoch " +
                          std::to_string(c.previous_epoch) + ")")
            << ", " << c.shard_count << " shards (answered by " << c.self
            << ")\n";
  table rows{{"NODE", "ADDRESS", "ROLE", "REACHABLE", "SHARDS", "SKUS_OWNED",
              "SKUS_ACTIVE", "MOVE", "NOTE"}};
  for (auto& m : c.members) {
    auto* r = report_of(c, m.id);
    char shards[48];
    std::snprintf(shards, sizeof shards, "%u (%.1f%%)", m.shards,
                  100.0 * share_of(m, c));
    std::string note = m.error;
    if (m.left)
      note = "handed off its SKUs; not asked";
    if (r && r->skus_foreign > 0)
      note = std::to_string(r->skus_foreign) +
             " stored SKUs belong to other nodes";
    std::string reachable = m.reachable ? "yes" : m.left ? "-" : "no";
    rows.push_back({m.id + (m.self ? "*" : ""), address_of(m), role_of(m),
                    reachable, shards,
                    r ? std::to_string(r->skus_owned) : "-",
                    r ? std::to_string(r->skus_active) : "-",
                    or_dash(r ? move_note(c, *r) : std::string{}),
                    or_dash(note)});
  }
  print_table(rows);
}

} // namespace

int cluster_status(session& s, const options& o) {
  failure f;
  auto c = s.ask<cluster_report>(get_cluster_report{true}, &f);
  if (!c)
    return report(f);
  if (o.json)
    write_status(*c);
  else
    print_status(*c);
  return coverage_exit(c->members);
}

int cluster_owner(session& s, const options& o, const std::string& sku) {
  failure f;
  auto p = s.ask<placement_info>(get_placement{sku}, &f);
  if (!p)
    return report(f);
  auto owner_addr = p->owner_host + ":" + std::to_string(p->owner_port);
  if (o.json) {
    json_writer w;
    w.begin_object()
        .field("sku", p->sku)
        .field("hash", p->hash)
        .field("shard", p->shard)
        .field("shards", p->shard_count)
        .field("owner", p->owner_id)
        .field("owner_address", owner_addr)
        .field("weight", p->owner_weight)
        .key("runner_up");
    text_or_null(w, p->runner_up_id);
    w.field("runner_up_weight", p->runner_up_weight)
        .field("epoch", p->epoch)
        .key("previous_owner");
    text_or_null(w, p->previous_owner_id);
    w.key("previous_epoch");
    number_or_null(w, p->previous_epoch == 0
                          ? std::int64_t{-1}
                          : static_cast<std::int64_t>(p->previous_epoch));
    w.field("clustered", p->clustered).end_object();
    std::cout << w.str() << '\n';
    return exit_ok;
  }
  char hash[24];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(p->hash));
  table rows{{"sku", p->sku},
             {"hash (xxh3)", hash},
             {"shard", std::to_string(p->shard) + " of " +
                           std::to_string(p->shard_count)},
             {"owner", p->owner_id + " (" + owner_addr + ")"},
             {"weight", std::to_string(p->owner_weight)},
             {"runner-up", p->runner_up_id.empty()
                               ? "-"
                               : p->runner_up_id + " (weight " +
                                     std::to_string(p->runner_up_weight) + ")"},
             {"epoch", std::to_string(p->epoch) +
                           (p->clustered ? "" : " (single node)")}};
  if (!p->previous_owner_id.empty())
    rows.push_back(
        {"previous owner", p->previous_owner_id + " (epoch " +
                               std::to_string(p->previous_epoch) +
                               (p->previous_owner_id == p->owner_id
                                    ? ": unchanged)"
                                    : ": moves to " + p->owner_id + ")")});
  print_table(rows);
  return exit_ok;
}

} // namespace stockwire::ctl
