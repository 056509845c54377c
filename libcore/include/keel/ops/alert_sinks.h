#pragma once
// Where keel-traderd's alerts go besides its log: the [[alert]] sinks of the account config.
//   webhook  an HTTP POST of one JSON body: keel's own (format "json"), Slack's incoming-webhook
//            body {"text":…} ("slack"), or Telegram's sendMessage body {"chat_id":…,"text":…}
//            ("telegram");
//   exec     a command run with the alert's JSON on its stdin (a pager, a script), and nothing of
//            the daemon's: no environment variable of its, no descriptor past stderr.
// Each sink sends one alert key (kind + subject) at most once per min_interval_s, and at most
// kMaxPerMinute alerts a minute in all; what it holds back is counted and named in the next one it
// sends, never silently lost. Deliveries run on a thread of their own: a slow webhook never holds
// up the engine.

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "keel/config/daemon_config.h"
#include "keel/engine/alert.h"
#include "keel/net/worker_threads.h"

namespace keel::ops {

// The body a sink sends for an alert. held_back: alerts this sink suppressed since its last one.
std::string AlertJson(const Alert& alert, const std::string& account, std::int64_t held_back);
std::string AlertBody(const AlertSinkConfig& sink, const Alert& alert, const std::string& account,
                      std::int64_t held_back);

// The dedup and rate rule of one sink.
class AlertThrottle {
 public:
  static constexpr int kMaxPerMinute = 20;
  explicit AlertThrottle(TimeMs min_interval_ms) : min_interval_ms_(min_interval_ms) {}
  // True when the alert goes out now; otherwise it is counted as held back.
  bool Admit(const std::string& key, TimeMs now);
  // Held back since the last admitted alert (reset by reading it).
  std::int64_t TakeHeldBack();

 private:
  TimeMs min_interval_ms_;
  std::map<std::string, TimeMs> last_sent_;  // by key
  std::vector<TimeMs> sent_;                 // within the last minute
  std::int64_t held_back_ = 0;
};

// One delivery, as the dispatcher performs it (on its thread). Ok, or why not.
Status DeliverWebhook(const std::string& url, const std::string& body, const std::optional<std::string>& ca_path);
// The command runs with PATH=/usr/bin:/bin and LANG=C only, in a process group of its own, with
// descriptors 0-2 alone; past timeout_ms the whole group is killed.
constexpr TimeMs kExecTimeoutMs = 10'000;
Status DeliverExec(const std::vector<std::string>& command, const std::string& stdin_text,
                   TimeMs timeout_ms = kExecTimeoutMs);

class AlertDispatcher final : public AlertSink {
 public:
  AlertDispatcher(std::string account, std::vector<AlertSinkConfig> sinks, std::optional<std::string> ca_path);
  ~AlertDispatcher() override;
  void Raise(const Alert& alert) override;
  // Delivers what is queued, then stops (daemon exit).
  void Stop();
  std::int64_t delivered() const { return delivered_; }
  std::int64_t failed() const { return failed_; }
  std::int64_t held_back() const { return held_back_total_; }

 private:
  std::string account_;
  std::vector<AlertSinkConfig> sinks_;
  std::vector<AlertThrottle> throttles_;
  std::optional<std::string> ca_path_;
  std::atomic<std::int64_t> delivered_{0};
  std::atomic<std::int64_t> failed_{0};
  std::int64_t held_back_total_ = 0;
  net::WorkerThreads worker_;  // last: stopped first
};

}  // namespace keel::ops
