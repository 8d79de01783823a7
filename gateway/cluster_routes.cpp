// GET /v1/cluster and GET /v1/cluster/skus: this node's own view of cluster
// membership and what its store holds, answered by its router and handoff
// actor (never forwarded). An operator watches them during a membership
// change (docs/ARCHITECTURE.md, "Membership changes"); tests use them to
// check that every SKU has exactly one owner.
#include <charconv>
#include <string>
#include <vector>

#include "gateway/json_writer.hpp"
#include "gateway/replies.hpp"
#include "gateway/routes.hpp"

namespace stockwire::gateway {

namespace {

// SKUs one page of GET /v1/cluster/skus lists at most (and by default).
constexpr std::uint32_t held_skus_page_max = 10000;

void write_strings(json_writer& w, const std::vector<std::string>& xs) {
  w.begin_array();
  for (auto& x : xs)
    w.value(x);
  w.end_array();
}

std::string render_status(const cluster_status& s) {
  json_writer w;
  w.begin_object()
      .field("node", s.node)
      .field("clustered", s.clustered)
      .field("epoch", s.epoch)
      .key("previous_epoch");
  if (s.previous_epoch == 0)
    w.null();
  else
    w.value(s.previous_epoch);
  w.field("member", s.member).key("members");
  write_strings(w, s.members);
  w.field("sweep_done", s.sweep_done)
      .field("inbound_complete", s.inbound_complete)
      .field("settled", s.sweep_done && s.inbound_complete)
      .key("waiting_for");
  write_strings(w, s.waiting_for);
  w.field("moved_out", s.moved_out)
      .field("moved_in", s.moved_in)
      .field("pulls", s.pulls)
      .field("failed_pushes", s.failed_pushes)
      .key("last_error");
  if (s.last_error.empty())
    w.null();
  else
    w.value(s.last_error);
  w.end_object();
  return w.take();
}

std::string render_page(const held_sku_page& p) {
  json_writer w;
  w.begin_object().key("skus");
  write_strings(w, p.skus);
  w.key("next_after");
  if (p.more && !p.skus.empty())
    w.value(p.skus.back());
  else
    w.null();
  w.end_object();
  return w.take();
}

// Reads after= and limit=; returns an error message or empty.
std::string read_page_query(const query_params& query, list_held_skus* q) {
  q->limit = held_skus_page_max;
  for (auto& [k, v] : query) {
    if (k == "after") {
      q->after = v;
    } else if (k == "limit") {
      std::uint32_t n = 0;
      auto* end = v.data() + v.size();
      auto res = std::from_chars(v.data(), end, n);
      if (v.empty() || res.ec != std::errc{} || res.ptr != end || n < 1 ||
          n > held_skus_page_max)
        return "limit must be between 1 and " +
               std::to_string(held_skus_page_max);
      q->limit = n;
    } else {
      return "unknown query parameter '" + k + "' (use after and limit)";
    }
  }
  return {};
}

} // namespace

void get_cluster_view(const context_ptr& ctx, respond_fn respond) {
  if (!ctx->core().clustered())
    return respond(json_reply("{\"clustered\":false}"));
  answer_one<cluster_status>(ctx, get_cluster_status{}, std::move(respond),
                             render_status);
}

void get_cluster_skus(const context_ptr& ctx, const query_params& query,
                      respond_fn respond) {
  auto& cfg = ctx->cfg();
  list_held_skus q;
  if (auto why = read_page_query(query, &q); !why.empty())
    return respond(error_reply(cfg, 400, "invalid_argument", why));
  if (!ctx->core().clustered())
    return respond(
        error_reply(cfg, 404, "not_found", "this node is not clustered"));
  answer_one<held_sku_page>(ctx, std::move(q), std::move(respond), render_page);
}

} // namespace stockwire::gateway
