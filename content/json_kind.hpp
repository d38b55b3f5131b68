// What kind of JSON value was found where another was expected, for error messages that must not
// repeat the value itself (it may be a secret, or megabytes long).
#pragma once

#include <string_view>

#include <boost/json/value.hpp>

namespace dwell::content {

inline std::string_view json_kind_name(const boost::json::value& value) {
    switch (value.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
    }
    return "an unknown JSON value";
}

}  // namespace dwell::content
