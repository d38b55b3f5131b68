// Talking to systemd: READY when serving, WATCHDOG from the loop that must stay alive, STOPPING
// on the way out. Without systemd (or when built without libsystemd) every call does nothing.
#pragma once

#include <chrono>
#include <csignal>
#include <optional>
#include <string_view>

namespace dwell::config {

class ServiceNotifier {
  public:
    void ready() const;
    void stopping() const;
    void watchdog() const;
    void status(std::string_view text) const;

    // How often watchdog() must be called (half of WatchdogSec), when systemd asked for it.
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const;
};

// SIGTERM and SIGINT: the signals that stop a dwell service cleanly.
sigset_t stop_signals();

// Names the calling thread for top -H, ps and debuggers (at most 15 bytes are kept).
void name_this_thread(std::string_view name);

}  // namespace dwell::config
