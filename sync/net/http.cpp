#include "sync/net/http.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace dwell::sync::net {

StringResponse json_reply(http::status status, const boost::json::value& body) {
    StringResponse response{status, 11};
    response.set(http::field::content_type, json_type);
    response.body() = boost::json::serialize(body);
    response.prepare_payload();
    return response;
}

StringResponse text_reply(http::status status, std::string body, std::string_view content_type) {
    StringResponse response{status, 11};
    response.set(http::field::content_type, content_type);
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

StringResponse error_reply(http::status status, std::string_view code, std::string_view message) {
    return json_reply(
        status, boost::json::object{{"error", boost::json::object{{"code", code}, {"message", message}}}});
}

http::status status_of(Errc code) {
    switch (code) {
    case Errc::invalid_input: return http::status::bad_request;
    case Errc::not_found: return http::status::not_found;
    case Errc::unauthorized: return http::status::unauthorized;
    case Errc::conflict: return http::status::conflict;
    case Errc::quota: return http::status::payload_too_large;
    case Errc::unsupported: return http::status::unsupported_media_type;
    case Errc::integrity: return http::status::unprocessable_entity;
    case Errc::storage: return http::status::service_unavailable;
    case Errc::io:
    case Errc::internal: return http::status::internal_server_error;
    }
    return http::status::internal_server_error;
}

StringResponse error_reply(const Error& error) {
    const http::status status = status_of(error.code);
    std::string code{to_string(error.code)};
    for (char& c : code)
        if (c == ' ') c = '_';
    switch (error.code) {
    case Errc::storage:
        return error_reply(status, "unavailable", "the hub cannot store data right now; try again shortly");
    case Errc::io:
    case Errc::internal: return error_reply(status, "internal", "the hub failed; the details are in its log");
    default: return error_reply(status, code, error.message);
    }
}

std::string media_type(std::string_view content_type) {
    const auto end = std::min(content_type.find(';'), content_type.size());
    std::string_view type = content_type.substr(0, end);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    std::string lower{type};
    for (char& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return lower;
}

}  // namespace dwell::sync::net
