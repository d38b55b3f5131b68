// Errors as values: Result<T> = std::expected<T, Error>, used at every module edge.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace dwell {

// What kind of failure, so callers can branch without parsing the message.
enum class Errc {
    invalid_input,  // a value from outside (file, request, message) is malformed
    not_found,      // a file, row or key that should exist does not
    io,             // the operating system refused a read, write, rename, ...
    storage,        // SQLite reported a failure
    integrity,      // content does not match its declared hash or size
    unsupported,    // well-formed but not something dwell handles (codec, format)
    quota,          // a size or count limit would be exceeded
    conflict,       // the operation clashes with current state
    unauthorized,   // a request whose credentials (token, webhook signature) are missing or wrong
    internal,       // a library failed in a way the caller cannot fix
};

std::string_view to_string(Errc code);

struct Error {
    Errc code{Errc::internal};
    std::string message;

    // Prefixes the message with context, e.g. the file being read.
    [[nodiscard]] Error with_context(std::string_view context) const&;
    [[nodiscard]] Error with_context(std::string_view context) &&;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error: `return fail(Errc::io, "cannot open {}", path);`
template <class... Args>
[[nodiscard]] std::unexpected<Error> fail(Errc code, fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

[[nodiscard]] inline std::unexpected<Error> fail(Error error) {
    return std::unexpected(std::move(error));
}

}  // namespace dwell

template <>
struct fmt::formatter<dwell::Error> : fmt::formatter<std::string_view> {
    auto format(const dwell::Error& error, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(error.message, ctx);
    }
};
