// A loopback TCP proxy for tests of what networks do to connections: it relays 127.0.0.1:port()
// to a target port, and can cut a connection after some bytes or stall all traffic.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace dwell::test {

class TcpProxy {
  public:
    explicit TcpProxy(std::uint16_t target_port);
    ~TcpProxy();
    TcpProxy(const TcpProxy&) = delete;
    TcpProxy& operator=(const TcpProxy&) = delete;

    [[nodiscard]] std::uint16_t port() const { return m_port; }
    // The next connections are closed (both ways) once the target sent them this many bytes.
    void cut_after(std::uint64_t bytes, int connections = 1);
    // New connections go to this port from now on (a restarted server has a new one).
    void retarget(std::uint16_t target_port) { m_target = target_port; }
    // While stalled, nothing is relayed either way; bytes wait in the sockets.
    void stall(bool stalled) { m_stalled = stalled; }
    // Connections the proxy cut so far.
    [[nodiscard]] int cuts() const { return m_cuts; }
    [[nodiscard]] int connections() const { return m_connections; }

  private:
    void accept_loop();
    void relay(int client, std::uint64_t cut_at);

    std::atomic<std::uint16_t> m_target;
    int m_listener = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<bool> m_stalled{false};
    std::atomic<int> m_cuts{0};
    std::atomic<int> m_connections{0};
    std::mutex m_mutex;  // guards the fields below
    std::uint64_t m_cut_bytes = 0;
    int m_cuts_left = 0;
    std::vector<std::thread> m_threads;
    std::thread m_acceptor;
};

}  // namespace dwell::test
