#pragma once
// Binance's request-weight (per IP, per minute) and order-count (per account, per 10 s and per
// minute) limits: 429 with -1003 or -1015 past a limit, and 418 (an IP ban with Retry-After) for a
// client that keeps going after its 429s.

#include <map>
#include <string>

#include "keel/model/time.h"
#include "keel/sim/sim_config.h"

namespace keel::sim {

struct LimitVerdict {
  bool allowed = true;
  int http_status = 200;
  int code = 0;
  std::string message;
  std::int64_t retry_after_s = 0;
};

class RateLimiter {
 public:
  explicit RateLimiter(const SimLimits& limits) : limits_(limits) {}

  LimitVerdict ChargeWeight(const std::string& ip, int weight, TimeMs now);
  int used_weight(const std::string& ip, TimeMs now) const;
  LimitVerdict ChargeOrder(int account, TimeMs now);
  int orders_10s(int account, TimeMs now) const;
  int orders_1m(int account, TimeMs now) const;

 private:
  struct Window {
    TimeMs start = -1;
    int used = 0;
  };
  struct Ip {
    Window minute;
    int violations = 0;
    TimeMs banned_until = 0;
  };
  static int current(const Window& w, TimeMs now, TimeMs length) {
    return w.start == now / length * length ? w.used : 0;
  }
  static void add(Window& w, TimeMs now, TimeMs length, int amount);

  SimLimits limits_;
  std::map<std::string, Ip> ips_;
  std::map<int, std::pair<Window, Window>> orders_;  // 10 s, 1 min
};

}  // namespace keel::sim
