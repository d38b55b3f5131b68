#include "sync/net/http.hpp"
#include "sync/net/http_date.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <date/date.h>
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

std::string http_date(config::WallTime time) {
    return date::format("%a, %d %b %Y %H:%M:%S GMT", std::chrono::floor<std::chrono::seconds>(time));
}

std::optional<config::WallTime> parse_http_date(std::string_view text) {
    // "Sun, 06 Nov 1994 08:49:37 GMT": fixed columns.
    constexpr std::array<std::string_view, 7> weekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
        return std::nullopt;
    auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
        int value = 0;
        const char* first = text.data() + at;
        const auto [end, error] = std::from_chars(first, first + length, value);
        if (error != std::errc{} || end != first + length) return std::nullopt;
        return value;
    };
    const auto weekday = std::ranges::find(weekdays, text.substr(0, 3));
    const auto month = std::ranges::find(months, text.substr(8, 3));
    const auto day = number(5, 2);
    const auto year = number(12, 4);
    const auto hours = number(17, 2);
    const auto minutes = number(20, 2);
    const auto seconds = number(23, 2);
    if (weekday == weekdays.end() || month == months.end() || !day || !year || !hours || !minutes ||
        !seconds || *hours > 23 || *minutes > 59 || *seconds > 59)
        return std::nullopt;
    const date::year_month_day calendar{date::year{*year},
                                        date::month{static_cast<unsigned>(month - months.begin() + 1)},
                                        date::day{static_cast<unsigned>(*day)}};
    if (!calendar.ok()) return std::nullopt;
    const date::sys_days midnight{calendar};
    if (date::weekday{midnight}.c_encoding() != static_cast<unsigned>(weekday - weekdays.begin()))
        return std::nullopt;
    return config::WallTime{midnight} + std::chrono::hours{*hours} + std::chrono::minutes{*minutes} +
           std::chrono::seconds{*seconds};
}

}  // namespace dwell::sync::net
