// The sync agent's logger, shared by its parts.
#pragma once

#include <memory>

#include "config/log.hpp"

namespace dwell::sync::agent {

inline std::shared_ptr<spdlog::logger> log() {
    static const auto logger = config::logger("agent");
    return logger;
}

}  // namespace dwell::sync::agent
