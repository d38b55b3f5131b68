#include "config/clock.hpp"

namespace dwell::config {

using std::chrono::milliseconds;

WallTime SystemClock::now() const {
    return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point SystemClock::steady_now() const {
    return std::chrono::steady_clock::now();
}

FakeClock::FakeClock(WallTime start) : m_wall_ms(start.time_since_epoch().count()) {}

WallTime FakeClock::now() const {
    return WallTime{milliseconds{m_wall_ms.load()}};
}

std::chrono::steady_clock::time_point FakeClock::steady_now() const {
    return std::chrono::steady_clock::time_point{milliseconds{m_steady_ms.load()}};
}

void FakeClock::set(WallTime time) {
    m_wall_ms.store(time.time_since_epoch().count());
}

void FakeClock::advance(milliseconds step) {
    m_wall_ms.fetch_add(step.count());
    if (step.count() > 0) m_steady_ms.fetch_add(step.count());
}

OffsetClock::OffsetClock(const Clock& base, milliseconds offset)
    : m_base(base), m_offset_ms(offset.count()) {}

WallTime OffsetClock::now() const {
    return m_base.now() + milliseconds{m_offset_ms.load()};
}

std::chrono::steady_clock::time_point OffsetClock::steady_now() const {
    return m_base.steady_now();
}

void OffsetClock::set_offset(milliseconds offset) {
    m_offset_ms.store(offset.count());
}

milliseconds OffsetClock::offset() const {
    return milliseconds{m_offset_ms.load()};
}

}  // namespace dwell::config
