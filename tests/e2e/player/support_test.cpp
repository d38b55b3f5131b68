// The tools the end-to-end tests stand on: the process runner, the event server and the media set.
#include <csignal>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/e2e/player/player_harness.hpp"
#include "tests/support/event_server.hpp"

namespace dwell::test::e2e {
namespace {

using ::testing::HasSubstr;

TEST(ProcessRunner, ReportsTheExitCodeAndWhatWasPrinted) {
    TempDir dir;
    const auto result = run_process("/bin/sh",
                                    {.arguments = {"-c", "echo out; echo err >&2; exit 3"},
                                     .environment = {},
                                     .working_directory = std::nullopt,
                                     .stdout_file = dir / "out",
                                     .stderr_file = dir / "err"},
                                    10s);
    EXPECT_TRUE(result.exited);
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(read_text(dir / "out"), "out\n");
    EXPECT_EQ(read_text(dir / "err"), "err\n");
}

TEST(ProcessRunner, MergesTheEnvironmentAndChangesFolder) {
    TempDir dir;
    const auto result = run_process("/bin/sh",
                                    {.arguments = {"-c", "echo \"$DWELL_E2E_X $HOME\"; pwd"},
                                     .environment = {{"DWELL_E2E_X", "from-test"}},
                                     .working_directory = dir.path(),
                                     .stdout_file = dir / "out",
                                     .stderr_file = std::nullopt},
                                    10s);
    ASSERT_TRUE(result.exited);
    const std::string home = std::getenv("HOME") != nullptr ? std::getenv("HOME") : "";
    EXPECT_EQ(read_text(dir / "out"), "from-test " + home + "\n" + fs::canonical(dir.path()).string() + "\n");
}

TEST(ProcessRunner, KillsAProcessThatOutlivesItsDeadline) {
    const auto result = run_process("/bin/sleep", process_options({"30"}), 200ms);
    EXPECT_TRUE(result.timed_out);
    EXPECT_FALSE(result.exited);
    EXPECT_EQ(result.signal, SIGKILL);
}

TEST(ProcessRunner, DeliversSignalsAndReportsHowTheProcessEnded) {
    ChildProcess child("/bin/sleep", process_options({"30"}));
    EXPECT_TRUE(child.running());
    child.signal(SIGTERM);
    const auto result = child.wait(10s);
    EXPECT_FALSE(result.exited);
    EXPECT_EQ(result.signal, SIGTERM);
    EXPECT_FALSE(child.running());
}

TEST(ProcessRunner, MeasuresCpuTimeAndMemoryOfTheChild) {
    // Busy for a while and touching 64 MiB: both must show in the rusage figures.
    const auto result = run_process(
        "/usr/bin/perl",
        process_options({"-e", "my $s = 'x' x (64 * 1024 * 1024); my $n = 0; $n++ while $n < 3e7;"}), 60s);
    ASSERT_TRUE(result.exited);
    EXPECT_GT(result.cpu_seconds, 0.05);
    EXPECT_GT(result.max_rss_mb, 60.0);
}

TEST(ProcessRunner, RefusesAProgramThatDoesNotExist) {
    EXPECT_THROW(ChildProcess("/no/such/program", {}), std::runtime_error);
}

TEST(EventServerTest, AcceptsAClientAndWritesEventLines) {
    TempDir dir;
    EventServer server(dir / "events.sock");
    EXPECT_FALSE(server.accept(50ms));  // nobody connects

    const int client = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(client, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = server.path().string();
    std::copy(path.begin(), path.end(), address.sun_path);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API takes sockaddr*
    ASSERT_EQ(::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_TRUE(server.accept(5s));

    const content::LiveEvent event{
        .seq = 3, .at = config::WallTime{1'764'568'800'000ms}, .body = content::TakeoverEndEvent{.id = "t1"}};
    ASSERT_TRUE(server.send(event));
    std::string received;
    while (received.find('\n') == std::string::npos) {
        pollfd readable{client, POLLIN, 0};
        ASSERT_EQ(::poll(&readable, 1, 5000), 1);
        char buffer[256];
        const auto count = ::read(client, buffer, sizeof(buffer));
        ASSERT_GT(count, 0);
        received.append(buffer, static_cast<std::size_t>(count));
    }
    const auto parsed = content::parse_live_event(received);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, event);

    ::close(client);
    // Writes to a closed peer fail (and never raise SIGPIPE) until the next client connects.
    bool failed = false;
    for (int i = 0; i < 100 && !failed; ++i) failed = !server.send_raw(std::string(4096, 'x'));
    EXPECT_TRUE(failed);
    EXPECT_FALSE(server.send(event));
}

TEST(MediaSet, HoldsEveryFileTheTestsPlay) {
    for (const char* name :
         {"clip_a.mp4", "clip_b.mp4", "clip_wide.mp4", "clip_magenta.mp4", "backdrop.png", "poster_wide.png",
          "poster_tall.jpg", "poster.webp", "anim.gif", "bad/truncated.mp4", "bad/corrupt_header.mp4",
          "bad/corrupt_middle.mp4", "bad/not_media.mp4", "bad/huge.png", "bad/unsupported.mp4",
          "bad/audio_only.mp4", "odd/vfr.mp4", "odd/rotated.mp4"}) {
        EXPECT_GT(fs::file_size(media(name)), 0U) << name;
    }
    EXPECT_EQ(fs::file_size(media("bad/empty.mp4")), 0U);
    // The PNG header holds the 16000x16000 size (IHDR width and height, big-endian, at byte 16).
    const std::string huge = read_text(media("bad/huge.png"));
    ASSERT_GT(huge.size(), 24U);
    EXPECT_EQ(huge.substr(12, 12), std::string("IHDR\0\0\x3e\x80\0\0\x3e\x80", 12));
    EXPECT_NE(read_text(media("bad/unsupported.mp4")).find("dwlX"), std::string::npos);
    const RgbaImage backdrop = load_png(media("backdrop.png"));
    EXPECT_EQ(backdrop.width(), 640);
    EXPECT_GT(fraction_near(backdrop, {0, 0, 640, 360}, {0x3c, 0x78, 0x50, 255}, 4), 0.99);
}

}  // namespace
}  // namespace dwell::test::e2e
