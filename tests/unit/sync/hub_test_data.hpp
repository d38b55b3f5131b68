// Records the hub's unit tests build their catalogs from.
#pragma once

#include <string>

#include "content/screen.hpp"

namespace dwell::sync::hub {

// A screen at a Seoul station on the given line.
inline content::Screen seoul_screen(std::string id, std::string line = "1") {
    content::Screen out;
    out.id = std::move(id);
    out.station = "seoul";
    out.line = std::move(line);
    out.timezone = "Asia/Seoul";
    return out;
}

}  // namespace dwell::sync::hub
