#include "sync/messenger/reply.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dwell::sync::messenger {
namespace {

// The longest prefix of text within max_units UTF-16 code units, never splitting a code point.
// Reply texts come from validated campaigns, so they are valid UTF-8.
std::string_view truncate_utf16_units(std::string_view text, std::size_t max_units) {
    std::size_t units = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        const std::size_t cost = length == 4 ? 2 : 1;  // outside the BMP: a surrogate pair
        if (units + cost > max_units || i + length > text.size()) break;
        units += cost;
        i += length;
    }
    return text.substr(0, i);
}

}  // namespace

std::string kakao_skill_reply(std::string_view text) {
    const boost::json::object simple_text{{"text", truncate_utf16_units(text, max_kakao_text_units)}};
    const boost::json::object reply{
        {"version", "2.0"},
        {"template", boost::json::object{{"outputs",
                                          boost::json::array{
                                              boost::json::object{{"simpleText", simple_text}},
                                          }}}},
    };
    return boost::json::serialize(reply);
}

std::string telegram_reply(std::int64_t chat_id, std::string_view text) {
    const boost::json::object reply{
        {"method", "sendMessage"},
        {"chat_id", chat_id},
        {"text", truncate_utf16_units(text, max_telegram_text_units)},
    };
    return boost::json::serialize(reply);
}

}  // namespace dwell::sync::messenger
