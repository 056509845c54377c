#include "keel/sim/rate_limiter.h"

namespace keel::sim {

void RateLimiter::add(Window& w, TimeMs now, TimeMs length, int amount) {
  const TimeMs start = now / length * length;
  if (w.start != start) {
    w.start = start;
    w.used = 0;
  }
  w.used += amount;
}

LimitVerdict RateLimiter::ChargeWeight(const std::string& ip, int weight, TimeMs now) {
  Ip& s = ips_[ip];
  LimitVerdict v;
  if (limits_.enforce && s.banned_until > now) {
    v.allowed = false;
    v.http_status = 418;
    v.code = -1003;
    v.retry_after_s = (s.banned_until - now + 999) / 1000;
    v.message = "Way too many requests; IP(" + ip + ") banned until " + std::to_string(s.banned_until) +
                ". Please use the websocket for live updates to avoid bans.";
    return v;
  }
  add(s.minute, now, 60'000, weight);
  if (!limits_.enforce || s.minute.used <= limits_.request_weight_1m) return v;
  v.allowed = false;
  ++s.violations;
  if (s.violations > 3) {
    // Kept going after three 429s: a ban, as the exchange escalates (2 minutes for a first ban).
    s.banned_until = now + 120'000;
    v.http_status = 418;
    v.code = -1003;
    v.retry_after_s = 120;
    v.message = "Way too many requests; IP(" + ip + ") banned until " + std::to_string(s.banned_until) +
                ". Please use the websocket for live updates to avoid bans.";
    return v;
  }
  v.http_status = 429;
  v.code = -1003;
  v.retry_after_s = (60'000 - now % 60'000 + 999) / 1000;
  v.message = "Too many requests; current limit of IP(" + ip + ") is " + std::to_string(limits_.request_weight_1m) +
              " requests per minute. Please use the websocket for live updates to avoid polling the API.";
  return v;
}

int RateLimiter::used_weight(const std::string& ip, TimeMs now) const {
  auto it = ips_.find(ip);
  return it == ips_.end() ? 0 : current(it->second.minute, now, 60'000);
}

LimitVerdict RateLimiter::ChargeOrder(int account, TimeMs now) {
  auto& [ten, minute] = orders_[account];
  add(ten, now, 10'000, 1);
  add(minute, now, 60'000, 1);
  LimitVerdict v;
  if (!limits_.enforce) return v;
  if (ten.used > limits_.orders_10s || minute.used > limits_.orders_1m) {
    const bool short_window = ten.used > limits_.orders_10s;
    v.allowed = false;
    v.http_status = 429;
    v.code = -1015;
    v.retry_after_s = short_window ? (10'000 - now % 10'000 + 999) / 1000 : (60'000 - now % 60'000 + 999) / 1000;
    v.message = "Too many new orders; current limit is " +
                std::to_string(short_window ? limits_.orders_10s : limits_.orders_1m) + " orders per " +
                (short_window ? "10 SECOND." : "MINUTE.");
  }
  return v;
}

int RateLimiter::orders_10s(int account, TimeMs now) const {
  auto it = orders_.find(account);
  return it == orders_.end() ? 0 : current(it->second.first, now, 10'000);
}

int RateLimiter::orders_1m(int account, TimeMs now) const {
  auto it = orders_.find(account);
  return it == orders_.end() ? 0 : current(it->second.second, now, 60'000);
}

}  // namespace keel::sim
