#include "sync/ctl/hub_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dwell::sync::ctl {

Outcome<std::unique_ptr<net::HttpClient>> open_http_client(const GlobalOptions& global) {
    auto url = config::parse_url(global.hub);
    if (!url)
        return usage_error("--hub \"{}\": {}; give the hub's URL, e.g. https://hub.example.net", global.hub,
                           url.error().message);
    net::ClientOptions options;
    if (!global.ca_file.empty()) {
        if (url->scheme != "https")
            return usage_error("--ca-file is for https hubs but --hub is {}; use an https:// URL or drop it",
                               global.hub);
        options.ca_file = global.ca_file;
    }
    auto client = net::HttpClient::create(*url, options);
    if (!client) return usage_error("{}; check --hub and --ca-file", client.error().message);
    return std::move(*client);
}

std::string describe_refusal(const net::StringResponse& response) {
    const unsigned status = response.result_int();
    std::string reason{response.reason()};
    if (reason.empty()) reason = std::string{http::obsolete_reason(response.result())};
    std::string out = fmt::format("the hub answered {} {}: {}", status, reason, net::error_message(response));
    if (status == 401)
        out += "; check --token or DWELL_TOKEN (dwell-hub token create makes a token)";
    else if (status == 403)
        out += "; use a token with that role (dwell-hub token create --role operator)";
    else if (status >= 500)
        out += "; the hub's log says more";
    return out;
}

Failure unreachable(const net::HttpClient& client, const Error& error) {
    return Failure{Exit::unreachable,
                   fmt::format("cannot reach the hub at {}: {}; check --hub (or DWELL_HUB) and that "
                               "dwell-hub is running there",
                               client.authority(), error.message)};
}

Outcome<HubClient> HubClient::open(const GlobalOptions& global, Token token) {
    if (token == Token::required && global.token.empty())
        return usage_error(
            "no API token; give --token TOKEN or set DWELL_TOKEN (dwell-hub token create --role "
            "marketer|operator makes one)");
    auto client = open_http_client(global);
    if (!client) return std::unexpected(std::move(client.error()));
    return HubClient{std::move(*client), global.token};
}

net::Fields HubClient::with_token(net::Fields fields) const {
    if (!m_token.empty()) fields.emplace_back("Authorization", "Bearer " + m_token);
    return fields;
}

Outcome<net::StringResponse> HubClient::send(http::verb method, std::string_view target,
                                             std::string_view doing, std::string body,
                                             std::string_view content_type, net::Fields fields) {
    auto response =
        m_client->request(method, target, with_token(std::move(fields)), std::move(body), content_type);
    if (!response) {
        Failure failure = unreachable(*m_client, response.error());
        failure.message = fmt::format("{}: {}", doing, failure.message);
        return std::unexpected(std::move(failure));
    }
    m_answered = true;
    return std::move(*response);
}

Outcome<boost::json::value> HubClient::json_answer(const net::StringResponse& response,
                                                   std::string_view doing) const {
    const unsigned status = response.result_int();
    if (status < 200 || status >= 300) return refused_error("{}: {}", doing, describe_refusal(response));
    boost::system::error_code error;
    auto json = boost::json::parse(response.body(), error);
    if (error)
        return refused_error(
            "{}: the hub answered {} with something that is not JSON ({}); is {} a dwell hub?", doing, status,
            error.message(), m_client->authority());
    return json;
}

Outcome<boost::json::value> HubClient::call(http::verb method, std::string_view target,
                                            std::string_view doing, const boost::json::value* body) {
    auto response = send(method, target, doing, body ? boost::json::serialize(*body) : std::string{},
                         body ? net::json_type : std::string_view{});
    if (!response) return std::unexpected(std::move(response.error()));
    return json_answer(*response, doing);
}

Outcome<std::pair<unsigned, boost::json::value>> HubClient::upload(std::string_view target,
                                                                   const std::filesystem::path& file,
                                                                   std::string_view doing,
                                                                   const net::Progress& progress) {
    auto response = m_client->upload(http::verb::post, target, file, "application/octet-stream",
                                     with_token({}), progress);
    if (!response) {
        if (response.error().code == Errc::not_found)
            return usage_error("{}: {}; check the file", doing, response.error().message);
        // A hub that answered before and stops reading mid-file has refused the file, usually for
        // its size; the refusal itself is lost with the connection.
        if (m_answered)
            return refused_error(
                "{}: the hub closed the connection while the file was being sent ({}); "
                "it may refuse a file this large (limits.upload in hub.yaml), and its log "
                "says why",
                doing, response.error().message);
        Failure failure = unreachable(*m_client, response.error());
        failure.message = fmt::format("{}: {}", doing, failure.message);
        return std::unexpected(std::move(failure));
    }
    auto json = json_answer(*response, doing);
    m_answered = true;
    if (!json) return std::unexpected(std::move(json.error()));
    return std::pair{response->result_int(), std::move(*json)};
}

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xf]);
        }
    }
    return out;
}

}  // namespace dwell::sync::ctl
