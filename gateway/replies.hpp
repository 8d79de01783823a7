// How the API answers: the HTTP status of each domain error, the error
// envelope {"error":{"code","message"}}, and the verdict over the outcomes
// of a multi-command request (an order with several lines).
//
// Status codes (docs/HTTP-API.md):
//   unknown_sku, unknown_order, unknown_channel,
//   unknown_listing                                    404
//   id_conflict, negative_stock                        409
//   invalid_argument (and malformed_json)              400
//   store_unavailable, owner_unavailable, overloaded,
//   shutting_down                                      503 + Retry-After
#pragma once

#include <string>
#include <string_view>

#include "core/errc.hpp"
#include "gateway/bridge.hpp"
#include "gateway/http_types.hpp"
#include "gateway/json_writer.hpp"
#include "gateway/settings.hpp"

namespace stockwire::gateway {

/// The HTTP status of a domain error.
unsigned status_of(errc code);

/// True for errors that go away by themselves: retry the same request.
bool is_retryable(errc code);

/// Writes `"error":{"code":...,"message":...}` into the current object.
void write_error(json_writer& w, std::string_view code,
                 std::string_view message);

/// A reply whose body is the error envelope; a 503 carries Retry-After.
http_reply error_reply(const settings& cfg, unsigned status,
                       std::string_view code, std::string_view message);
http_reply error_reply(const settings& cfg, errc code,
                       std::string_view message);

/// A 200 (or `status`) reply with a JSON body.
http_reply json_reply(std::string body, unsigned status = 200);

/// The verdict over the outcomes of one request's commands, which are
/// independent: a retryable error anywhere makes the whole request 503 (a
/// retry replays the parts that succeeded); otherwise, when every command
/// failed, the first failure decides; otherwise 200, and failed parts are
/// reported where they occur.
struct verdict {
  unsigned status = 200;
  errc code = errc::none;
  std::string message;

  bool ok() const { return status == 200; }
};

template <class Reply>
verdict judge(const outcome<Reply>* results, std::size_t n) {
  const outcome<Reply>* first_error = nullptr;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = results[i];
    if (r.ok())
      continue;
    ++failed;
    if (first_error == nullptr)
      first_error = &r;
    if (is_retryable(r.code))
      return verdict{status_of(r.code), r.code, r.detail};
  }
  if (first_error != nullptr && failed == n)
    return verdict{status_of(first_error->code), first_error->code,
                   first_error->detail};
  return verdict{};
}

template <class Reply>
verdict judge(const outcomes<Reply>& results) {
  return judge(results.data(), results.size());
}

} // namespace stockwire::gateway
