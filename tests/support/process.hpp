// Child processes for end-to-end tests and benchmarks: start a real program, wait for it with a
// deadline, stop it, read what it printed, and measure the CPU time it used.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace dwell::test {

struct ProcessOptions {
    std::vector<std::string> arguments;              // without the program itself
    std::map<std::string, std::string> environment;  // added to (or replacing in) the test's own
    std::optional<std::filesystem::path> working_directory;
    // stdout and stderr go to these files (created or truncated); /dev/null when absent.
    std::optional<std::filesystem::path> stdout_file;
    std::optional<std::filesystem::path> stderr_file;
};

struct ProcessResult {
    bool exited = false;     // ended by exit(); else killed by a signal (or still running at the deadline)
    int exit_code = -1;      // when exited
    int signal = 0;          // when killed by a signal
    bool timed_out = false;  // the deadline passed and the process was killed with SIGKILL
    double cpu_seconds = 0;  // user + system time of the process and its waited-for children
    double max_rss_mb = 0;   // peak resident set size
};

class ChildProcess {
  public:
    // Starts `program`; throws std::runtime_error naming the program when it cannot be started.
    ChildProcess(const std::filesystem::path& program, ProcessOptions options);
    // Kills (SIGKILL) and reaps the process when it is still running.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    [[nodiscard]] pid_t pid() const { return m_pid; }
    void signal(int number) const;
    // Waits until the process ends or `timeout` passes; then it is killed and timed_out is set.
    ProcessResult wait(std::chrono::milliseconds timeout);
    // Whether it is still running (reaps it if it just ended; wait() still returns its result).
    bool running();

  private:
    pid_t m_pid = -1;
    std::optional<ProcessResult> m_result;
};

// Runs a program to completion (or the deadline) and returns how it ended.
ProcessResult run_process(const std::filesystem::path& program, ProcessOptions options,
                          std::chrono::milliseconds timeout);

std::string read_text(const std::filesystem::path& file);

}  // namespace dwell::test
