// stockctl's exit codes: one per kind of failure, so that scripts can tell
// them apart (docs/STOCKCTL.md lists them; --help repeats them).
#pragma once

namespace stockwire::ctl {

enum exit_code : int {
  exit_ok = 0,
  exit_internal = 1,        // a bug or an answer stockctl cannot read
  exit_usage = 2,           // bad arguments
  exit_unreachable = 3,     // the node asked cannot be reached or is silent
  exit_unknown_sku = 4,     // the SKU has no stock record
  exit_owner_down = 5,      // the SKU's owner node is unavailable
  exit_unknown_order = 6,   // no line of the order exists
  exit_unknown_channel = 7, // no such channel account, or SKU not listed
  exit_refused = 8,         // refused by the node (negative stock, ...)
  exit_partial = 9,         // printed, but some cluster node did not answer
  exit_unfinished = 10,     // resync: pushes still pending after --wait-ms
  exit_handshake = 11,      // the node refused the connection's handshake:
                            // TLS required, or the certificate not trusted
};

constexpr const char* exit_codes_help =
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 node unreachable or "
    "not answering, 4 unknown SKU, 5 owner node down, 6 unknown order, "
    "7 unknown channel (or SKU not listed on it), 8 refused by the node "
    "(negative stock, key reused with another payload, ...), 9 printed but "
    "some cluster node did not answer (its figures are missing), 10 resync "
    "queued but pushes still pending when --wait-ms ran out, 11 the node "
    "refused the handshake (it requires TLS, or one side does not trust the "
    "other's certificate).";

} // namespace stockwire::ctl
