// bareserver: the reference issue 3 names ("a bare Beast server that only
// echoes reaches ~45,000 req/s here"), so that HTTP `hot` can be compared
// with what the same machine gives on the same day.
//
//   bareserver [--listen HOST:PORT]     (default 127.0.0.1:18099)
//
// One Asio thread, HTTP/1.1 keep-alive, Beast's parser and serializer, and
// nothing behind them: every request is read whole and answered 200 with one
// fixed accepted order line, so `stockbench --target` counts it as an order
// (its seeding and /metrics reads get the same 200). No actor, no store, no
// sync: the cost of the wire and the parser alone. Runs until SIGINT/SIGTERM.
// A benchmark aid, not part of the product.

// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "config/node_config.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* default_listen = "127.0.0.1:18099";

// What every request gets: the shape of a one-line order reply.
constexpr const char* fixed_body =
    R"({"order_id":"bare","lines":[{"sku":"BARE","status":"accepted","available":1}]})";

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket s) : socket_(std::move(s)) {}

  void read() {
    req_ = {};
    http::async_read(
        socket_, buffer_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec)
            self->answer();
        });
  }

private:
  void answer() {
    res_ = {};
    res_.result(http::status::ok);
    res_.version(req_.version());
    res_.set(http::field::content_type, "application/json");
    res_.keep_alive(req_.keep_alive());
    res_.body() = fixed_body;
    res_.prepare_payload();
    http::async_write(
        socket_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec && self->res_.keep_alive())
            self->read();
        });
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<session>(std::move(s))->read();
    }
    accept(acceptor);
  });
}

int usage(const std::string& why) {
  std::cerr << "bareserver: " << why
            << "\nusage: bareserver [--listen HOST:PORT]\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::string listen = default_listen;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg != "--listen")
      return usage("unknown argument " + arg);
    if (i + 1 == argc)
      return usage("--listen wants HOST:PORT");
    listen = argv[++i];
  }
  // The node's own reading of HOST:PORT (stockwired --http-listen).
  std::string host;
  std::uint16_t port = 0;
  std::string why;
  if (!stockwire::config::parse_listen(listen, &host, &port, &why))
    return usage("--listen " + listen + ": " + why);
  try {
    asio::io_context io{1};
    tcp::acceptor acceptor{io, {asio::ip::make_address(host), port}};
    accept(acceptor);
    asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&io](beast::error_code, int) { io.stop(); });
    std::cout << "bareserver listening on " << listen << std::endl;
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "bareserver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
