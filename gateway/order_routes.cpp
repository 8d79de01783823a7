// POST /v1/orders, POST /v1/orders:batch, POST /v1/orders/{id}/cancel.
//
// An order becomes one place_order per line (lines are independent SKUs;
// the core's dedup key of a line is order id + SKU), so a retried order
// replays each line's original result.
#include <string>
#include <vector>

#include "core/stock.hpp"
#include "gateway/json_writer.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/routes.hpp"

namespace stockwire::gateway {

namespace {

void write_order_line(json_writer& w, const std::string& sku,
                      const outcome<order_result>& r) {
  w.begin_object().field("sku", sku);
  if (r.ok()) {
    w.field("status", order_status_name(r.reply.status))
        .field("available", r.reply.available)
        .field("version", r.reply.version)
        .field("replayed", r.reply.replayed);
  } else {
    w.field("status", "error");
    write_error(w, errc_name(r.code), r.detail);
  }
  w.end_object();
}

// Writes the fields of one order's result into the current object and
// returns its verdict; a failed order also gets the "error" field.
verdict write_order(json_writer& w, const order_input& order,
                    const outcome<order_result>* results) {
  auto v = judge(results, order.lines.size());
  if (!v.ok())
    write_error(w, errc_name(v.code), v.message);
  w.field("order_id", order.order_id).key("lines").begin_array();
  for (std::size_t i = 0; i < order.lines.size(); ++i)
    write_order_line(w, order.lines[i].sku, results[i]);
  w.end_array();
  return v;
}

void append_commands(const order_input& order, std::vector<place_order>& cmds) {
  for (auto& line : order.lines)
    cmds.push_back(
        place_order{order.order_id, line.sku, line.qty, order.channel});
}

http_reply overloaded(const settings& cfg) {
  return error_reply(cfg, errc::overloaded,
                     "too many commands in flight; retry later");
}

// Line-level tallies of a batch, so that clients (and stockbench) need not
// walk every result to know how it went.
struct batch_tally {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t replayed = 0;
  std::uint64_t errors = 0;

  void count(const outcome<order_result>& r) {
    if (!r.ok())
      ++errors;
    else if (r.reply.status == order_status::accepted)
      ++accepted;
    else
      ++rejected;
    if (r.ok() && r.reply.replayed)
      ++replayed;
  }
};

std::string render_batch(const std::vector<batch_item>& items,
                         const outcomes<order_result>& results) {
  batch_tally tally;
  for (auto& r : results)
    tally.count(r);
  json_writer w;
  w.begin_object().key("orders").begin_array();
  std::size_t next = 0;
  for (auto& item : items) {
    w.begin_object();
    if (!item.error.code.empty()) {
      ++tally.errors;
      write_error(w, item.error.code, item.error.message);
      if (item.order.order_id.empty())
        w.key("order_id").null();
      else
        w.field("order_id", item.order.order_id);
    } else {
      write_order(w, item.order, results.data() + next);
      next += item.order.lines.size();
    }
    w.end_object();
  }
  w.end_array()
      .field("accepted", tally.accepted)
      .field("rejected", tally.rejected)
      .field("replayed", tally.replayed)
      .field("errors", tally.errors)
      .end_object();
  return w.take();
}

void write_cancel_line(json_writer& w, const std::string& sku,
                       const outcome<cancel_result>& r) {
  w.begin_object().field("sku", sku);
  if (r.ok()) {
    w.field("status", "cancelled")
        .field("restored", r.reply.restored)
        .field("available", r.reply.available)
        .field("version", r.reply.version)
        .field("replayed", r.reply.replayed);
  } else {
    w.field("status", "error");
    write_error(w, errc_name(r.code), r.detail);
  }
  w.end_object();
}

// Cancels the lines of `order_id` that name `skus`, one command each.
void cancel_lines(const context_ptr& ctx, const std::string& order_id,
                  std::vector<std::string> skus, std::string channel,
                  respond_fn respond) {
  std::vector<cancel_order> cmds;
  for (auto& sku : skus)
    cmds.push_back(cancel_order{order_id, sku, channel});
  auto n = cmds.size();
  auto render = [ctx, order_id, skus = std::move(skus),
                 respond =
                     std::move(respond)](outcomes<cancel_result> results) {
    auto v = judge(results);
    json_writer w;
    w.begin_object();
    if (!v.ok())
      write_error(w, errc_name(v.code), v.message);
    w.field("order_id", order_id).key("lines").begin_array();
    for (std::size_t i = 0; i < skus.size(); ++i)
      write_cancel_line(w, skus[i], results[i]);
    w.end_array().end_object();
    auto reply = json_reply(w.take(), v.status);
    if (v.status == 503)
      reply.retry_after_s = ctx->cfg().retry_after_s;
    respond(std::move(reply));
  };
  if (n == 0) // an order whose lines were all rejected: nothing to give back
    return render({});
  if (!ctx->acquire(n))
    return render(outcomes<cancel_result>(
        n, outcome<cancel_result>{{},
                                  errc::overloaded,
                                  "too many commands in flight; retry later"}));
  ctx->core().call(std::move(cmds),
                   [ctx, n, render = std::move(render)](
                       outcomes<cancel_result> results) mutable {
                     ctx->release(n);
                     render(std::move(results));
                   });
}

} // namespace

void post_order(const context_ptr& ctx, http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  order_input order;
  input_error err;
  if (!parse_order(req.body, cfg, &order, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  std::vector<place_order> cmds;
  cmds.reserve(order.lines.size());
  append_commands(order, cmds);
  auto n = cmds.size();
  if (!ctx->acquire(n))
    return respond(overloaded(cfg));
  ctx->core().call(std::move(cmds), [ctx, n, order = std::move(order),
                                     respond = std::move(respond)](
                                        outcomes<order_result> results) {
    ctx->release(n);
    json_writer w;
    w.begin_object();
    auto v = write_order(w, order, results.data());
    w.end_object();
    auto reply = json_reply(w.take(), v.status);
    if (v.status == 503)
      reply.retry_after_s = ctx->cfg().retry_after_s;
    respond(std::move(reply));
  });
}

void post_batch(const context_ptr& ctx, http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  std::vector<batch_item> items;
  input_error err;
  if (!parse_batch(req.body, cfg, &items, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  std::vector<place_order> cmds;
  for (auto& item : items)
    if (item.error.code.empty())
      append_commands(item.order, cmds);
  auto n = cmds.size();
  if (n == 0) {
    respond(json_reply(render_batch(items, {})));
    return;
  }
  if (!ctx->acquire(n))
    return respond(overloaded(cfg));
  ctx->core().call(std::move(cmds), [ctx, n, items = std::move(items),
                                     respond = std::move(respond)](
                                        outcomes<order_result> results) {
    ctx->release(n);
    respond(json_reply(render_batch(items, results)));
  });
}

void post_cancel(const context_ptr& ctx, const std::string& order_id,
                 http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (auto why = validate_op_id(order_id))
    return respond(error_reply(cfg, 400, "invalid_argument",
                               "order id in the path: " + *why));
  cancel_input input;
  input_error err;
  if (!parse_cancel(req.body, cfg, &input, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  if (!input.skus.empty())
    return cancel_lines(ctx, order_id, std::move(input.skus),
                        std::move(input.channel), std::move(respond));
  // No lines: cancel every accepted line the core knows of this order.
  if (!ctx->acquire(1))
    return respond(overloaded(cfg));
  ctx->core().call(
      std::vector<find_order>{find_order{order_id}},
      [ctx, order_id, channel = std::move(input.channel),
       respond = std::move(respond)](outcomes<order_lines> results) mutable {
        ctx->release(1);
        auto& r = results.front();
        if (!r.ok())
          return respond(error_reply(ctx->cfg(), r.code, r.detail));
        if (r.reply.lines.empty())
          return respond(error_reply(ctx->cfg(), errc::unknown_order,
                                     "order " + order_id + " is unknown"));
        std::vector<std::string> skus;
        for (auto& line : r.reply.lines)
          if (line.status == order_status::accepted)
            skus.push_back(line.sku);
        cancel_lines(ctx, order_id, std::move(skus), std::move(channel),
                     std::move(respond));
      });
}

void get_order(const context_ptr& ctx, const std::string& order_id,
               respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (auto why = validate_op_id(order_id))
    return respond(error_reply(cfg, 400, "invalid_argument",
                               "order id in the path: " + *why));
  if (!ctx->acquire(1))
    return respond(overloaded(cfg));
  ctx->core().call(
      std::vector<find_order>{find_order{order_id}},
      [ctx, order_id,
       respond = std::move(respond)](outcomes<order_lines> results) {
        ctx->release(1);
        auto& r = results.front();
        if (!r.ok())
          return respond(error_reply(ctx->cfg(), r.code, r.detail));
        if (r.reply.lines.empty())
          return respond(error_reply(ctx->cfg(), errc::unknown_order,
                                     "order " + order_id + " is unknown"));
        json_writer w;
        w.begin_object().field("order_id", order_id).key("lines").begin_array();
        for (auto& line : r.reply.lines)
          w.begin_object()
              .field("sku", line.sku)
              .field("qty", line.qty)
              .field("status", order_status_name(line.status))
              .field("cancelled", line.cancelled)
              .field("channel", line.channel)
              .field("created_at", rfc3339_ms(line.created_at_ms))
              .end_object();
        w.end_array().end_object();
        respond(json_reply(w.take()));
      });
}

} // namespace stockwire::gateway
