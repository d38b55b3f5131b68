#include "tests/support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace dwell::test {
namespace {

// The test's own environment with `overrides` added or replacing, as NAME=value strings.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> entries;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text{*entry};
        const auto equals = text.find('=');
        const std::string name{text.substr(0, equals)};
        if (!overrides.contains(name)) entries.emplace_back(text);
    }
    for (const auto& [name, value] : overrides) entries.push_back(name + "=" + value);
    return entries;
}

// Pointers into `strings` ending with the null pointer execve and posix_spawn expect.
std::vector<char*> c_array(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (std::string& text : strings) pointers.push_back(text.data());
    pointers.push_back(nullptr);
    return pointers;
}

double seconds(const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
}

ProcessResult result_of(int status, const rusage& usage) {
    ProcessResult result;
    if (WIFEXITED(status)) {
        result.exited = true;
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    result.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    result.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
    return result;
}

class FileActions {
  public:
    FileActions() {
        if (posix_spawn_file_actions_init(&m_actions) != 0)
            throw std::runtime_error("posix_spawn_file_actions_init");
    }
    ~FileActions() { posix_spawn_file_actions_destroy(&m_actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;

    void open(int fd, const std::filesystem::path& file, int flags) {
        m_paths.push_back(file.string());
        check(posix_spawn_file_actions_addopen(&m_actions, fd, m_paths.back().c_str(), flags, 0644),
              "open " + file.string());
    }
    void chdir(const std::filesystem::path& folder) {
        m_paths.push_back(folder.string());
        check(posix_spawn_file_actions_addchdir_np(&m_actions, m_paths.back().c_str()),
              "chdir " + folder.string());
    }
    [[nodiscard]] const posix_spawn_file_actions_t* get() const { return &m_actions; }

  private:
    static void check(int error, const std::string& what) {
        if (error != 0) throw std::runtime_error("cannot prepare to " + what + ": " + std::strerror(error));
    }
    posix_spawn_file_actions_t m_actions{};
    std::vector<std::string> m_paths;  // the actions keep pointers to these until the spawn
};

}  // namespace

ChildProcess::ChildProcess(const std::filesystem::path& program, ProcessOptions options) {
    std::vector<std::string> argument_strings{program.string()};
    argument_strings.insert(argument_strings.end(), options.arguments.begin(), options.arguments.end());
    std::vector<std::string> environment_strings = merged_environment(options.environment);
    std::vector<char*> argv = c_array(argument_strings);
    std::vector<char*> envp = c_array(environment_strings);

    FileActions actions;
    // The list of file actions is applied in order, so the child's stdin is /dev/null before its
    // working directory changes, and relative output paths are the test's, not the child's.
    actions.open(STDIN_FILENO, "/dev/null", O_RDONLY);
    const auto output = [](const std::optional<std::filesystem::path>& file) {
        return file ? std::filesystem::absolute(*file) : std::filesystem::path{"/dev/null"};
    };
    actions.open(STDOUT_FILENO, output(options.stdout_file), O_WRONLY | O_CREAT | O_TRUNC);
    actions.open(STDERR_FILENO, output(options.stderr_file), O_WRONLY | O_CREAT | O_TRUNC);
    if (options.working_directory) actions.chdir(*options.working_directory);

    // The child gets default signal handling whatever the test program set (gtest, SIGPIPE).
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    const int error =
        posix_spawn(&m_pid, program.c_str(), actions.get(), &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
        m_pid = -1;
        throw std::runtime_error("cannot start " + program.string() + ": " + std::strerror(error));
    }
}

ChildProcess::~ChildProcess() {
    if (m_pid > 0 && !m_result) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

void ChildProcess::signal(int number) const {
    if (m_pid > 0 && !m_result) ::kill(m_pid, number);
}

bool ChildProcess::running() {
    if (m_result) return false;
    int status = 0;
    rusage usage{};
    const pid_t ended = ::wait4(m_pid, &status, WNOHANG, &usage);
    if (ended == m_pid) {
        m_result = result_of(status, usage);
        return false;
    }
    return true;
}

ProcessResult ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Polling keeps this free of signal handlers and works on every kernel; 5 ms is far below
    // anything the tests time.
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            rusage usage{};
            while (::wait4(m_pid, &status, 0, &usage) < 0 && errno == EINTR) {
            }
            m_result = result_of(status, usage);
            m_result->timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return *m_result;
}

ProcessResult run_process(const std::filesystem::path& program, ProcessOptions options,
                          std::chrono::milliseconds timeout) {
    ChildProcess child(program, std::move(options));
    return child.wait(timeout);
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace dwell::test
