#include "keel/model/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

namespace keel {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

Status bad_time(std::string_view text) {
  return Status::InvalidInput("invalid time '" + std::string(text.substr(0, 40)) +
                              "': expected epoch milliseconds, an ISO 8601 UTC time (2026-11-21T18:35:00Z) or an "
                              "age such as 90s, 15m, 2h, 7d");
}

}  // namespace

void SystemClock::SleepMs(TimeMs ms) const {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

TimeMs SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_utc(TimeMs t) {
  std::int64_t secs = t / 1000;
  int ms = static_cast<int>(t % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

Result<TimeMs> parse_time_point(std::string_view text, TimeMs now) {
  if (text.empty()) return bad_time(text);
  if (all_digits(text)) {
    if (text.size() > 15) return bad_time(text);
    return static_cast<TimeMs>(std::stoll(std::string(text)));
  }
  const char unit = text.back();
  const std::string_view count = text.substr(0, text.size() - 1);
  if (all_digits(count) && count.size() <= 9) {
    const std::int64_t n = std::stoll(std::string(count));
    switch (unit) {
      case 's': return now - n * 1000;
      case 'm': return now - n * 60'000;
      case 'h': return now - n * 3'600'000;
      case 'd': return now - n * 86'400'000;
      default: return bad_time(text);
    }
  }
  // ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.mmm]]][Z]
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  std::string str(text);
  if (!str.empty() && str.back() == 'Z') str.pop_back();
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) return bad_time(text);
  std::string rest = str.substr(10);
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return bad_time(text);
    rest = rest.substr(1);
    int n = 0;
    if (std::sscanf(rest.c_str(), "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5) return bad_time(text);
    rest = rest.substr(5);
    if (!rest.empty()) {
      if (std::sscanf(rest.c_str(), ":%2d%n", &s, &n) != 1 || n != 3) return bad_time(text);
      rest = rest.substr(3);
      if (!rest.empty()) {
        if (rest.size() != 4 || rest[0] != '.' || !all_digits(rest.substr(1))) return bad_time(text);
        ms = std::stoi(rest.substr(1));
      }
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad_time(text);
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60'000 + s * 1000 + ms;
}

}  // namespace keel
