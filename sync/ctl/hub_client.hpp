// dwellctl's link to the hub: the global options, the exit codes every command shares, and requests
// whose failures are already worded for the person at the terminal.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/json/value.hpp>

#include "sync/net/client.hpp"

namespace dwell::sync::ctl {

namespace http = net::http;

// What the process exits with.
enum class Exit : int {
    ok = 0,
    refused = 1,      // the hub refused the request or failed
    usage = 2,        // a bad command line or bad local input (YAML, missing file)
    unreachable = 3,  // the hub cannot be reached
};

// Why a command stopped: printed as "dwellctl: <message>", so a message says what went wrong and
// then, after "; ", what to do about it.
struct Failure {
    Exit exit = Exit::refused;
    std::string message;
};

template <class T = void>
using Outcome = std::expected<T, Failure>;

template <class... Args>
[[nodiscard]] std::unexpected<Failure> usage_error(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Failure{Exit::usage, fmt::format(format, std::forward<Args>(args)...)});
}

template <class... Args>
[[nodiscard]] std::unexpected<Failure> refused_error(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Failure{Exit::refused, fmt::format(format, std::forward<Args>(args)...)});
}

// Options every command takes (flags, else the environment).
struct GlobalOptions {
    std::string hub = "http://127.0.0.1:8080";  // --hub, DWELL_HUB
    std::string token;                          // --token, DWELL_TOKEN
    std::string ca_file;                        // --ca-file: https with a private CA
};

// A plain HTTP client of the hub, for callers that run several connections (the crowd simulator).
Outcome<std::unique_ptr<net::HttpClient>> open_http_client(const GlobalOptions& global);

// "401 Unauthorized: the token is not known to this hub; check --token ...": a refusal as a person
// reads it, with a hint for the statuses that have an obvious remedy.
std::string describe_refusal(const net::StringResponse& response);

// The wording for a request that never got an answer.
Failure unreachable(const net::HttpClient& client, const Error& error);

class HubClient {
  public:
    enum class Token { required, none };

    // Checks the URL and the token (exit 2 when missing); nothing is connected yet.
    static Outcome<HubClient> open(const GlobalOptions& global, Token token = Token::required);

    // One request with the token; any HTTP status is an answer. `doing` names the action for
    // messages ("listing campaigns").
    Outcome<net::StringResponse> send(http::verb method, std::string_view target, std::string_view doing,
                                      std::string body = {}, std::string_view content_type = {},
                                      net::Fields fields = {});

    // A request with an optional JSON body whose answer must be 2xx JSON; anything else is a failure.
    Outcome<boost::json::value> call(http::verb method, std::string_view target, std::string_view doing,
                                     const boost::json::value* body = nullptr);

    // Streams a file as the body (application/octet-stream); the answer must be 2xx JSON.
    Outcome<std::pair<unsigned, boost::json::value>> upload(std::string_view target,
                                                            const std::filesystem::path& file,
                                                            std::string_view doing,
                                                            const net::Progress& progress);

    [[nodiscard]] net::HttpClient& http_client() { return *m_client; }

  private:
    HubClient(std::unique_ptr<net::HttpClient> client, std::string token)
        : m_client(std::move(client)), m_token(std::move(token)) {}

    [[nodiscard]] net::Fields with_token(net::Fields fields) const;
    Outcome<boost::json::value> json_answer(const net::StringResponse& response,
                                            std::string_view doing) const;

    std::unique_ptr<net::HttpClient> m_client;
    std::string m_token;
    bool m_answered = false;  // the hub has answered a request of this client
};

// Percent-encodes one query value or path segment (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view text);

}  // namespace dwell::sync::ctl
