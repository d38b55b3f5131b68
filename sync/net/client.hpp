// A blocking HTTP/1.1 client on Beast for command-line tools and tests: one kept-alive connection
// to one server (TLS when the URL is https), a timeout on every step, and streamed uploads with
// progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_file.hpp"
#include "config/error.hpp"
#include "sync/net/http.hpp"

namespace dwell::sync::net {

// Header fields to add to a request, in order.
using Fields = std::vector<std::pair<std::string, std::string>>;

struct ClientOptions {
    std::optional<std::filesystem::path> ca_file;  // https: trust this CA bundle instead of the system's
    std::chrono::milliseconds timeout{30'000};     // connecting, and each read or write
};

// Called as an upload goes: bytes sent so far, and the whole size.
using Progress = std::function<void(std::uint64_t sent, std::uint64_t total)>;

class HttpClient {
  public:
    // Nothing is connected yet; the first request connects.
    static Result<std::unique_ptr<HttpClient>> create(config::Url base, ClientOptions options = {});
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    ~HttpClient();

    // Sends one request and reads the whole response. A connection the server closed while idle
    // is reopened once. Errors (Errc::io) say which step failed: connecting, TLS, sending, reading.
    // Any HTTP status is a response, not an error.
    [[nodiscard]] Result<StringResponse> request(http::verb method, std::string_view target,
                                                 const Fields& fields = {}, std::string body = {},
                                                 std::string_view content_type = {});

    // Sends a file as the request body, in pieces, calling `progress` after each.
    [[nodiscard]] Result<StringResponse> upload(http::verb method, std::string_view target,
                                                const std::filesystem::path& file,
                                                std::string_view content_type, const Fields& fields = {},
                                                const Progress& progress = {});

    // The host:port the client talks to, for messages.
    [[nodiscard]] std::string authority() const;
    [[nodiscard]] const config::Url& base() const { return m_base; }

  private:
    struct Impl;
    HttpClient(config::Url base, ClientOptions options, std::unique_ptr<Impl> impl);

    config::Url m_base;
    ClientOptions m_options;
    std::unique_ptr<Impl> m_impl;
};

// The message of an error body ({"error": {"code","message"}}), else the body itself, shortened:
// what to tell a person about a failed request.
std::string error_message(const StringResponse& response);

}  // namespace dwell::sync::net
