// HTTP Range requests (RFC 9110 §14) as asset downloads need them: one byte range of a file.
#pragma once

#include <cstdint>
#include <string_view>

namespace dwell::sync::net {

struct ByteRange {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

enum class RangeKind {
    whole,          // no Range, or one the server may ignore (other units, several ranges, malformed)
    partial,        // 206 with `range`
    unsatisfiable,  // 416: the range starts at or past the end
};

struct RangeRequest {
    RangeKind kind = RangeKind::whole;
    ByteRange range;  // for partial
};

// Reads "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX" against a representation of `size`
// bytes; LAST past the end is cut to the end. Anything else is answered with the whole file, as
// RFC 9110 allows, rather than refused.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

}  // namespace dwell::sync::net
