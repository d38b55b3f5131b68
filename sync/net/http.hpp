// The HTTP vocabulary of dwell's servers and clients: Beast message types, the replies a route
// returns, and the JSON error body every error carries (DESIGN §5: {"error": {"code","message"}}).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include "config/error.hpp"
#include "sync/net/file_range_body.hpp"

namespace dwell::sync::net {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using RequestHeader = http::request_header<>;
using StringResponse = http::response<http::string_body>;
using FileResponse = http::response<FileRangeBody>;

// What a route answers with. The server sets the HTTP version, keep-alive and the Server field.
using Reply = std::variant<StringResponse, FileResponse>;

inline constexpr std::string_view json_type = "application/json";
inline constexpr std::string_view csv_type = "text/csv; charset=utf-8";
inline constexpr std::string_view text_type = "text/plain; charset=utf-8";

StringResponse json_reply(http::status status, const boost::json::value& body);
StringResponse text_reply(http::status status, std::string body, std::string_view content_type = text_type);
// {"error": {"code": code, "message": message}}
StringResponse error_reply(http::status status, std::string_view code, std::string_view message);

// The status and error code an Error stands for: invalid_input → 400 "invalid_input",
// not_found → 404, unauthorized → 401, conflict → 409, quota → 413, unsupported → 415, storage,
// io and internal → 500 (with a generic message: their details are for the log, not the client).
StringResponse error_reply(const Error& error);
http::status status_of(Errc code);

// The media type of a Content-Type value without parameters, lower-cased: "application/json".
std::string media_type(std::string_view content_type);

}  // namespace dwell::sync::net
