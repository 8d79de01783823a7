// CAF's networking with or without TLS: loading CAF's OpenSSL module with a
// process's credentials, and the two calls that differ between plain and
// TLS (publish, connect). Which one a process uses is decided once, by
// whether load_module() loaded the module.
#pragma once

#include <cstdint>
#include <string>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "tls/credentials.hpp"

namespace stockwire::tls {

/// With `c.enabled()`: loads caf::openssl::manager into `cfg` and gives it
/// the files, so that everything published or connected through this file
/// requires a certificate signed by the CA on both sides. Otherwise
/// nothing. REQUIRES: the middleman is loaded into `cfg`, and
/// check_credentials(c) passed.
void load_module(caf::actor_system_config& cfg, const credentials& c);

/// True when `sys` was configured by load_module() with credentials.
bool active(caf::actor_system& sys);

/// The middleman actor to send `connect_atom` to: CAF's OpenSSL one when
/// TLS is active, else the plain middleman's.
caf::io::middleman_actor connector(caf::actor_system& sys);

/// Publishes `whom` on host:port (address reuse on), through TLS when
/// active. The bound port, or the error.
caf::expected<std::uint16_t> publish(caf::actor_system& sys,
                                     const caf::actor& whom,
                                     const std::string& host,
                                     std::uint16_t port);

} // namespace stockwire::tls
