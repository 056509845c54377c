#pragma once
#include <chrono>

namespace keel::bench {

// Seconds since an arbitrary start, monotonic.
inline double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Keeps the optimizer from discarding a computed value.
template <typename T>
inline void keep(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace keel::bench
