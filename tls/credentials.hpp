// Mutual TLS between Stockwire processes: the files each side presents and
// trusts, and their check at start.
//
// One configuration for every CAF connection of a process: a node's cluster
// port and admin port (both accept only peers whose certificate is signed
// by `cafile`), its connections to other members, and stockctl's
// connection to a node. CAF's OpenSSL module does the handshake
// (tls/caf_module.hpp); this file only reads the files with OpenSSL, so a
// wrong path, a key that does not belong to its certificate or a
// certificate the CA did not sign is refused at start with a message that
// names the setting -- CAF itself would find out only at the first
// connection, inside its I/O thread.
#pragma once

#include <string>
#include <string_view>

namespace stockwire::tls {

/// PEM files. All three paths set: TLS on. All empty: TLS off.
struct credentials {
  std::string certificate; // this side's certificate (chain), PEM
  std::string key;         // its private key, PEM
  std::string cafile;      // the CA that signs every peer's certificate
  std::string passphrase;  // of an encrypted key; empty: key not encrypted

  bool enabled() const { return !certificate.empty(); }
};

/// The names of the three settings in messages: "tls.certificate" in a
/// node's file, "--tls-certificate" for stockctl.
struct setting_names {
  std::string_view certificate;
  std::string_view key;
  std::string_view cafile;
};

/// Empty when `c` is usable: all three paths set (or none), each file
/// readable PEM, the key belonging to the certificate and the certificate
/// signed by the CA in `cafile`. Otherwise one line that names the setting
/// at fault, e.g. "tls.key: does not belong to tls.certificate".
std::string check_credentials(const credentials& c, const setting_names& n);

/// "certificate CN=node1, valid until 2029-02-28": for the start-up log.
std::string describe_certificate(const std::string& path);

} // namespace stockwire::tls
