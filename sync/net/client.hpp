// HTTP/1.1 clients on Beast: one kept-alive connection to one server (TLS when the URL is https), a
// timeout on every step, streamed uploads with progress and streamed downloads.
//
// HttpConnection is the client for coroutines on an executor the caller runs (the sync agent's one
// io_context thread); HttpClient runs the same code to completion on a private io_context, for
// command-line tools and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

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

// What a streamed download got: the status and head of the response. The body went to the sink,
// except for a status other than 200 and 206, whose (short) body is kept here to explain it.
struct Download {
    http::response_header<> head;
    std::string error_body;
    std::uint64_t received = 0;  // body bytes given to the sink
};

// Sees the head of a 200 or 206 response before its body; an error stops the download with it.
using DownloadHead = std::function<Result<void>(const http::response_header<>& head)>;
// Takes each piece of a downloaded body as it arrives; an error stops the download with it.
using DownloadSink = std::function<Result<void>(std::span<const std::byte> piece)>;

class HttpConnection {
  public:
    // Nothing is connected yet; the first request connects.
    static Result<std::unique_ptr<HttpConnection>> create(boost::asio::any_io_executor executor,
                                                          config::Url base, ClientOptions options = {});
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;
    ~HttpConnection();

    // As HttpClient::request.
    [[nodiscard]] boost::asio::awaitable<Result<StringResponse>> request(http::verb method,
                                                                         std::string target,
                                                                         Fields fields = {},
                                                                         std::string body = {},
                                                                         std::string content_type = {});
    // As HttpClient::upload.
    [[nodiscard]] boost::asio::awaitable<Result<StringResponse>> upload(http::verb method, std::string target,
                                                                        std::filesystem::path file,
                                                                        std::string content_type,
                                                                        Fields fields, Progress progress);
    // GET whose body goes to `sink` piece by piece (for files larger than memory should hold).
    // Errors say which step failed (Errc::io) or are the sink's own.
    [[nodiscard]] boost::asio::awaitable<Result<Download>> download(std::string target, Fields fields,
                                                                    DownloadHead on_head, DownloadSink sink);
    // Drops the connection; the next request opens a new one.
    void close();

    [[nodiscard]] std::string authority() const;
    [[nodiscard]] const config::Url& base() const { return m_base; }

  private:
    struct Impl;
    HttpConnection(config::Url base, ClientOptions options, std::unique_ptr<Impl> impl);
    config::Url m_base;
    ClientOptions m_options;
    std::unique_ptr<Impl> m_impl;
};

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
    [[nodiscard]] const config::Url& base() const;

  private:
    struct Impl;
    explicit HttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The message of an error body ({"error": {"code","message"}}), else the body itself, shortened:
// what to tell a person about a failed request.
std::string error_message(const StringResponse& response);

}  // namespace dwell::sync::net
