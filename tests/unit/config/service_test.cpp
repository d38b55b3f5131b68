#include "config/service.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/notify_socket.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::config {
namespace {

// The notification socket named in this process's own NOTIFY_SOCKET, for the notifier under test.
class NotifySocket : public test::NotifySocket {
  public:
    explicit NotifySocket(const std::filesystem::path& path) : test::NotifySocket(path) {
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    }
    ~NotifySocket() { ::unsetenv("NOTIFY_SOCKET"); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
};

#if DWELL_TEST_HAVE_SYSTEMD
TEST(ServiceNotifier, SendsReadyWatchdogStatusAndStoppingToSystemd) {
    test::TempDir dir;
    NotifySocket socket{dir / "notify"};
    ServiceNotifier notifier;
    notifier.ready();
    EXPECT_EQ(socket.receive(), "READY=1");
    notifier.watchdog();
    EXPECT_EQ(socket.receive(), "WATCHDOG=1");
    notifier.status("playing clip.mp4");
    EXPECT_EQ(socket.receive(), "STATUS=playing clip.mp4");
    notifier.stopping();
    EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST(ServiceNotifier, WatchdogIntervalIsHalfOfWhatSystemdAsksFor) {
    ServiceNotifier notifier;
    ::unsetenv("WATCHDOG_USEC");
    EXPECT_FALSE(notifier.watchdog_interval());
    ::setenv("WATCHDOG_USEC", "10000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    EXPECT_EQ(notifier.watchdog_interval(), std::chrono::microseconds{5'000'000});
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);  // meant for another process
    EXPECT_FALSE(notifier.watchdog_interval());
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
}
#endif

TEST(ServiceNotifier, DoesNothingOutsideSystemd) {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ServiceNotifier notifier;
    notifier.ready();
    notifier.watchdog();
    notifier.stopping();
    EXPECT_FALSE(notifier.watchdog_interval());
}

}  // namespace
}  // namespace dwell::config
