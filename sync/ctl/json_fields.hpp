// Reading fields of the hub's JSON answers leniently: a missing or odd field reads as empty, so a
// listing still prints when a newer hub adds or drops a column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace dwell::sync::ctl {

inline const boost::json::value* field_of(const boost::json::value& object, std::string_view key) {
    return object.is_object() ? object.as_object().if_contains(key) : nullptr;
}

inline std::string text_of(const boost::json::value& object, std::string_view key) {
    const auto* value = field_of(object, key);
    return value && value->is_string() ? std::string{value->as_string()} : std::string{};
}

inline std::uint64_t count_of(const boost::json::value& object, std::string_view key) {
    const auto* value = field_of(object, key);
    if (!value) return 0;
    if (value->is_uint64()) return value->as_uint64();
    if (value->is_int64() && value->as_int64() >= 0) return static_cast<std::uint64_t>(value->as_int64());
    return 0;
}

// A number as the hub wrote it ("12", "35.29"); "-" for null or none.
inline std::string number_text(const boost::json::value& object, std::string_view key) {
    const auto* value = field_of(object, key);
    if (!value) return "-";
    if (value->is_int64()) return std::to_string(value->as_int64());
    if (value->is_uint64()) return std::to_string(value->as_uint64());
    if (value->is_double()) {
        std::string text = std::to_string(value->as_double());  // 6 decimals; trim the zeros
        while (text.back() == '0') text.pop_back();
        if (text.back() == '.') text.pop_back();
        return text;
    }
    return "-";
}

inline const boost::json::array* array_of(const boost::json::value& object, std::string_view key) {
    const auto* value = field_of(object, key);
    return value && value->is_array() ? &value->as_array() : nullptr;
}

}  // namespace dwell::sync::ctl
