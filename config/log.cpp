#include "config/log.hpp"

#include <array>
#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>

namespace dwell::config {
namespace {

constexpr std::array<std::string_view, 6> level_names{"trace", "debug", "info", "warn", "error", "off"};

spdlog::level::level_enum to_spdlog(LogLevel level) {
    switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
    case LogLevel::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

}  // namespace

Result<LogLevel> parse_log_level(std::string_view text) {
    for (std::size_t i = 0; i < level_names.size(); ++i)
        if (level_names[i] == text) return static_cast<LogLevel>(i);
    return fail(Errc::invalid_input,
                "\"{}\" is not a log level; expected trace, debug, info, warn, error or off", text);
}

std::string_view to_string(LogLevel level) {
    return level_names.at(static_cast<std::size_t>(level));
}

void set_log_level(LogLevel level) {
    spdlog::set_level(to_spdlog(level));
}

std::shared_ptr<spdlog::logger> logger(std::string_view module) {
    // spdlog's registry is shared by all threads; creation is serialized so two threads asking
    // for a new module logger at once get the same one.
    static std::mutex creation;
    const std::string name{module};
    std::lock_guard lock(creation);
    if (auto existing = spdlog::get(name)) return existing;
    auto created = spdlog::stderr_logger_mt(name);
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
    return created;
}

}  // namespace dwell::config
