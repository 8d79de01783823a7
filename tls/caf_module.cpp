#include "tls/caf_module.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include <cstdlib>

namespace stockwire::tls {

void load_module(caf::actor_system_config& cfg, const credentials& c) {
  if (!c.enabled())
    return;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = c.certificate;
  cfg.openssl_key = c.key;
  cfg.openssl_cafile = c.cafile;
  cfg.openssl_passphrase = c.passphrase;
}

bool active(caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

caf::io::middleman_actor connector(caf::actor_system& sys) {
  if (active(sys))
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

caf::expected<std::uint16_t> publish(caf::actor_system& sys,
                                     const caf::actor& whom,
                                     const std::string& host,
                                     std::uint16_t port) {
  constexpr bool reuse_address = true; // a restarted node gets its port back
  if (active(sys))
    return caf::openssl::publish(whom, port, host.c_str(), reuse_address);
  return sys.middleman().publish(whom, port, host.c_str(), reuse_address);
}

} // namespace stockwire::tls

// -- OpenSSL's error queue under CAF ------------------------------------------
//
// OpenSSL keeps one error queue per thread, and SSL_get_error() reads it:
// "the current thread's error queue must be empty before the TLS/SSL I/O
// operation is attempted, or SSL_get_error() will not work reliably"
// (SSL_get_error(3)). CAF 0.17's OpenSSL module runs every session of a
// node on its one multiplexer thread and never empties the queue. So the
// error one session leaves behind -- a peer that closed without
// close_notify (OpenSSL 3: "unexpected eof while reading"; stockctl does
// that on every exit), a client without a certificate, a port scan -- makes
// the next SSL_read() of another, healthy session that merely would block
// look like a fatal SSL_ERROR_SSL, and CAF closes it. Measured before this
// fix: any stockctl run or stray connection dropped every cluster link of
// every node at once (they reconnected ~100 ms later; requests in flight got
// 503).
//
// The fix: the process's definitions of the I/O calls CAF makes empty the
// queue, then call OpenSSL's. The dynamic linker binds libcaf_openssl's
// calls to these (the executable's definitions come first in the lookup
// scope); RTLD_NEXT finds libssl's. Boost.Asio's SSL engine (the channel
// HTTP client) empties the queue itself, so it is unaffected. This file is
// linked into every binary that calls load_module().

#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class Fn>
Fn next_symbol(const char* name) {
  void* sym = dlsym(RTLD_NEXT, name);
  if (sym == nullptr)
    std::abort(); // libssl is linked: cannot happen
  return reinterpret_cast<Fn>(sym);
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  using fn = int (*)(SSL*, void*, int);
  static const fn real = next_symbol<fn>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  using fn = int (*)(SSL*, const void*, int);
  static const fn real = next_symbol<fn>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  using fn = int (*)(SSL*);
  static const fn real = next_symbol<fn>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  using fn = int (*)(SSL*);
  static const fn real = next_symbol<fn>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"
