// HTTP dates (RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"): the Date field the server
// sends and the agent sets its clock offset by.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/clock.hpp"

namespace dwell::sync::net {

std::string http_date(config::WallTime time);
// nullopt when the text is not an IMF-fixdate.
std::optional<config::WallTime> parse_http_date(std::string_view text);

}  // namespace dwell::sync::net
