// Wall and monotonic time behind an interface, so tests can drive time and devices can correct it.
#pragma once

#include <atomic>
#include <chrono>

namespace dwell::config {

using WallTime = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
  public:
    virtual ~Clock() = default;
    // Wall-clock time: what schedules and join codes are computed on.
    [[nodiscard]] virtual WallTime now() const = 0;
    // Monotonic time: what timeouts and frame pacing are measured on.
    [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
  public:
    [[nodiscard]] WallTime now() const override;
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
};

// A clock that moves only when told to; both times advance together. Thread-safe.
class FakeClock final : public Clock {
  public:
    explicit FakeClock(WallTime start);
    [[nodiscard]] WallTime now() const override;
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
    void set(WallTime time);  // moves wall time only; monotonic time never goes back
    void advance(std::chrono::milliseconds step);

  private:
    std::atomic<std::int64_t> m_wall_ms;
    std::atomic<std::int64_t> m_steady_ms{0};
};

// A device's view of hub time: the base clock plus an offset the sync agent measures.
// Devices often lack a battery-backed clock, so schedules and codes run on this. Thread-safe.
class OffsetClock final : public Clock {
  public:
    explicit OffsetClock(const Clock& base, std::chrono::milliseconds offset = {});
    [[nodiscard]] WallTime now() const override;
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
    void set_offset(std::chrono::milliseconds offset);
    [[nodiscard]] std::chrono::milliseconds offset() const;

  private:
    const Clock& m_base;
    std::atomic<std::int64_t> m_offset_ms;
};

}  // namespace dwell::config
