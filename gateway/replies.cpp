#include "gateway/replies.hpp"

namespace stockwire::gateway {

unsigned status_of(errc code) {
  switch (code) {
  case errc::none:
    return 200;
  case errc::unknown_sku:
  case errc::unknown_order:
  case errc::unknown_channel:
  case errc::unknown_listing:
    return 404;
  case errc::id_conflict:
  case errc::negative_stock:
    return 409;
  case errc::invalid_argument:
    return 400;
  case errc::store_unavailable:
  case errc::owner_unavailable:
  case errc::shutting_down:
  case errc::overloaded:
    return 503;
  }
  return 500;
}

bool is_retryable(errc code) {
  return status_of(code) == 503;
}

void write_error(json_writer& w, std::string_view code,
                 std::string_view message) {
  w.key("error")
      .begin_object()
      .field("code", code)
      .field("message", message)
      .end_object();
}

http_reply error_reply(const settings& cfg, unsigned status,
                       std::string_view code, std::string_view message) {
  http_reply r;
  r.status = status;
  r.body = error_body(code, message);
  if (status == 503)
    r.retry_after_s = cfg.retry_after_s;
  return r;
}

http_reply error_reply(const settings& cfg, errc code,
                       std::string_view message) {
  return error_reply(cfg, status_of(code), errc_name(code), message);
}

http_reply json_reply(std::string body, unsigned status) {
  http_reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

} // namespace stockwire::gateway
