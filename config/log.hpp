// Logging: one named spdlog logger per module, all writing to stderr (journald on devices).
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "config/error.hpp"

namespace dwell::config {

enum class LogLevel { trace, debug, info, warn, error, off };

Result<LogLevel> parse_log_level(std::string_view text);
std::string_view to_string(LogLevel level);

// Sets the level of every module logger, present and future.
void set_log_level(LogLevel level);

// The logger of a module ("config", "content", "hub", ...), created on first use.
std::shared_ptr<spdlog::logger> logger(std::string_view module);

}  // namespace dwell::config
