#include "config/error.hpp"

namespace dwell {

std::string_view to_string(Errc code) {
    switch (code) {
    case Errc::invalid_input: return "invalid input";
    case Errc::not_found: return "not found";
    case Errc::io: return "i/o error";
    case Errc::storage: return "storage error";
    case Errc::integrity: return "integrity error";
    case Errc::unsupported: return "unsupported";
    case Errc::quota: return "quota exceeded";
    case Errc::conflict: return "conflict";
    case Errc::unauthorized: return "unauthorized";
    case Errc::internal: return "internal error";
    }
    return "unknown error";
}

Error Error::with_context(std::string_view context) const& {
    return Error{code, fmt::format("{}: {}", context, message)};
}

Error Error::with_context(std::string_view context) && {
    message = fmt::format("{}: {}", context, message);
    return std::move(*this);
}

}  // namespace dwell
