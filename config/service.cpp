#include "config/service.hpp"

#include <pthread.h>

#include <string>

#if DWELL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace dwell::config {
namespace {

void notify([[maybe_unused]] const std::string& state) {
#if DWELL_HAVE_SYSTEMD
    // unset_environment = 0: child processes started later may notify too (they don't today).
    sd_notify(0, state.c_str());
#endif
}

}  // namespace

void ServiceNotifier::ready() const {
    notify("READY=1");
}
void ServiceNotifier::stopping() const {
    notify("STOPPING=1");
}
void ServiceNotifier::watchdog() const {
    notify("WATCHDOG=1");
}
void ServiceNotifier::status(std::string_view text) const {
    notify("STATUS=" + std::string{text});
}

std::optional<std::chrono::microseconds> ServiceNotifier::watchdog_interval() const {
#if DWELL_HAVE_SYSTEMD
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds{usec / 2};
#endif
    return std::nullopt;
}

sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    return signals;
}

void name_this_thread(std::string_view name) {
    const std::string shortened{name.substr(0, 15)};
    pthread_setname_np(pthread_self(), shortened.c_str());
}

}  // namespace dwell::config
