#pragma once
// Errors as values. A Status is cheap when OK (one null pointer) and carries, when not OK, what an
// operator needs at 3 a.m.: the category, a message, and for exchange errors the venue's own code,
// the HTTP status and the Retry-After the exchange asked for.
//
// No exceptions cross a module border: functions that can fail return Status or Result<T>.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace keel {

enum class ErrorCategory {
  kOk = 0,
  kInvalidInput,    // bad flag, bad config, malformed payload, illegal transition request
  kNotFound,        // the thing asked for does not exist (order, store file, symbol)
  kExchange,        // the exchange answered with an error (venue code + HTTP status kept)
  kTransport,       // no usable answer: connection refused, TLS failure, malformed HTTP
  kUnknownOutcome,  // a request may or may not have taken effect (timeout, 5xx after send)
  kConflict,        // the request contradicts current state (illegal transition, lock held)
  kStorage,         // the state store failed (I/O, corruption, schema)
  kInternal,        // a bug in keel: an invariant of our own code broke
};

const char* to_string(ErrorCategory category);

// What an exchange's refusal (kExchange) means, whatever venue said it in its own code: each adapter
// maps its codes to one of these, and nothing above the adapters reads a venue's code.
enum class Refusal {
  kOther,              // refused for a reason of its own (a parameter, the balance, a limit)
  kRate,               // too many requests: wait (retry_after_ms when the venue said how long), send again
  kClock,              // keel's timestamp is outside the venue's window
  kKey,                // the API key, its signature, permissions or bound IP were refused
  kPostOnlyWouldTake,  // a post-only order would have taken liquidity
  kUnchanged,          // an amend that would change nothing: the order is as asked already
  kTriggerPassed,      // a trigger the price has already passed: the order would fire at once
};
const char* to_string(Refusal refusal);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string message);
  static Status NotFound(std::string message);
  static Status Transport(std::string message);
  static Status UnknownOutcome(std::string message);
  static Status Conflict(std::string message);
  static Status Storage(std::string message);
  static Status Internal(std::string message);
  // venue_code: the exchange's own error code (e.g. -2013); http_status: 0 when not over HTTP;
  // retry_after_ms: what the exchange asked us to wait, 0 when it did not say; refusal: what it
  // means, venue-neutral.
  static Status Exchange(std::string message, int venue_code, int http_status,
                         std::int64_t retry_after_ms = 0, Refusal refusal = Refusal::kOther);

  bool ok() const { return rep_ == nullptr; }
  ErrorCategory category() const { return rep_ ? rep_->category : ErrorCategory::kOk; }
  bool IsInvalidInput() const { return category() == ErrorCategory::kInvalidInput; }
  bool IsNotFound() const { return category() == ErrorCategory::kNotFound; }
  bool IsExchange() const { return category() == ErrorCategory::kExchange; }
  bool IsTransport() const { return category() == ErrorCategory::kTransport; }
  bool IsUnknownOutcome() const { return category() == ErrorCategory::kUnknownOutcome; }
  bool IsConflict() const { return category() == ErrorCategory::kConflict; }
  bool IsStorage() const { return category() == ErrorCategory::kStorage; }

  const std::string& message() const;
  std::optional<int> venue_code() const;
  int http_status() const { return rep_ ? rep_->http_status : 0; }
  std::int64_t retry_after_ms() const { return rep_ ? rep_->retry_after_ms : 0; }
  // kOther for anything that is not a kExchange refusal.
  Refusal refusal() const { return rep_ ? rep_->refusal : Refusal::kOther; }

  // Adds context in front of the message ("opening demo.db: ..."), keeping category and codes.
  Status WithContext(const std::string& context) const;

  // "category: message [venue_code=-2013 http=400 retry_after_ms=...]"
  std::string ToString() const;

 private:
  struct Rep {
    ErrorCategory category;
    std::string message;
    std::optional<int> venue_code;
    int http_status = 0;
    std::int64_t retry_after_ms = 0;
    Refusal refusal = Refusal::kOther;
  };
  Status(ErrorCategory category, std::string message);
  std::unique_ptr<Rep> rep_;
};

// Either a value or a non-OK Status. Reading value() of an error is a bug in the caller and aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::Internal("Result constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  // On a temporary Result the value is moved out, so `for (auto& x : *f())` cannot dangle.
  T value() && { check(); return std::move(*value_); }
  T* operator->() { check(); return &*value_; }
  const T* operator->() const { check(); return &*value_; }
  T& operator*() & { check(); return *value_; }
  const T& operator*() const& { check(); return *value_; }
  T operator*() && { check(); return std::move(*value_); }

 private:
  void check() const;
  std::optional<T> value_;
  Status status_;
};

[[noreturn]] void abort_on_bad_result_access(const Status& status);

template <typename T>
void Result<T>::check() const {
  if (!value_) abort_on_bad_result_access(status_);
}

}  // namespace keel

// Propagates a non-OK Status from an expression returning Status.
#define KEEL_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::keel::Status keel_status_ = (expr);     \
    if (!keel_status_.ok()) return keel_status_; \
  } while (0)
