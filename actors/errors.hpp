// Domain errors as CAF errors: category "stockwire", code = errc, context =
// one string naming what failed. System errors (timeouts, dead receivers)
// map to the errc a caller should act on.
#pragma once

#include <string>

#include <caf/error.hpp>

#include "core/errc.hpp"

namespace stockwire {

/// The CAF error category of Stockwire's domain errors.
caf::atom_value error_category();

/// A CAF error carrying `code` and `detail`.
caf::error make_error(errc code, std::string detail);

/// The domain code of any CAF error; CAF's own errors become
/// owner_unavailable (timeouts, unreachable or dead receivers).
errc error_code(const caf::error& err);

/// The detail string of `err` (the context of a domain error, or CAF's
/// rendering of a system error).
std::string error_detail(const caf::error& err);

/// The message of a write (or a read that waits for the store) refused
/// while the store does not take writes: "the store refuses writes: why".
std::string store_refusal(const std::string& why);

} // namespace stockwire
