#include "keel/model/status.h"

#include <cstdio>
#include <cstdlib>

namespace keel {

const char* to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kOk: return "ok";
    case ErrorCategory::kInvalidInput: return "invalid input";
    case ErrorCategory::kNotFound: return "not found";
    case ErrorCategory::kExchange: return "exchange error";
    case ErrorCategory::kTransport: return "transport error";
    case ErrorCategory::kUnknownOutcome: return "unknown outcome";
    case ErrorCategory::kConflict: return "conflict";
    case ErrorCategory::kStorage: return "storage error";
    case ErrorCategory::kInternal: return "internal error";
  }
  return "unknown category";
}

const char* to_string(Refusal refusal) {
  switch (refusal) {
    case Refusal::kOther: return "other";
    case Refusal::kRate: return "rate";
    case Refusal::kClock: return "clock";
    case Refusal::kKey: return "key";
    case Refusal::kPostOnlyWouldTake: return "post-only would take";
    case Refusal::kUnchanged: return "unchanged";
    case Refusal::kTriggerPassed: return "trigger passed";
  }
  return "unknown refusal";
}

Status::Status(ErrorCategory category, std::string message)
    : rep_(std::make_unique<Rep>(Rep{category, std::move(message), std::nullopt, 0, 0, Refusal::kOther})) {}

Status::Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

Status Status::InvalidInput(std::string m) { return Status(ErrorCategory::kInvalidInput, std::move(m)); }
Status Status::NotFound(std::string m) { return Status(ErrorCategory::kNotFound, std::move(m)); }
Status Status::Transport(std::string m) { return Status(ErrorCategory::kTransport, std::move(m)); }
Status Status::UnknownOutcome(std::string m) { return Status(ErrorCategory::kUnknownOutcome, std::move(m)); }
Status Status::Conflict(std::string m) { return Status(ErrorCategory::kConflict, std::move(m)); }
Status Status::Storage(std::string m) { return Status(ErrorCategory::kStorage, std::move(m)); }
Status Status::Internal(std::string m) { return Status(ErrorCategory::kInternal, std::move(m)); }

Status Status::Exchange(std::string message, int venue_code, int http_status, std::int64_t retry_after_ms,
                        Refusal refusal) {
  Status s(ErrorCategory::kExchange, std::move(message));
  s.rep_->venue_code = venue_code;
  s.rep_->http_status = http_status;
  s.rep_->retry_after_ms = retry_after_ms;
  s.rep_->refusal = refusal;
  return s;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::optional<int> Status::venue_code() const { return rep_ ? rep_->venue_code : std::nullopt; }

Status Status::WithContext(const std::string& context) const {
  if (ok()) return Status();
  Status s(*this);
  s.rep_->message = context + ": " + rep_->message;
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = std::string(to_string(rep_->category)) + ": " + rep_->message;
  if (rep_->venue_code || rep_->http_status || rep_->retry_after_ms) {
    out += " [";
    bool first = true;
    auto field = [&](const std::string& f) {
      if (!first) out += ' ';
      out += f;
      first = false;
    };
    if (rep_->venue_code) field("venue_code=" + std::to_string(*rep_->venue_code));
    if (rep_->http_status) field("http=" + std::to_string(rep_->http_status));
    if (rep_->retry_after_ms) field("retry_after_ms=" + std::to_string(rep_->retry_after_ms));
    out += ']';
  }
  return out;
}

void abort_on_bad_result_access(const Status& status) {
  std::fprintf(stderr, "keel: value() read from a failed Result: %s\n", status.ToString().c_str());
  std::abort();
}

}  // namespace keel
