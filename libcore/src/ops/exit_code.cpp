#include "keel/ops/exit_code.h"

namespace keel::ops {

ExitCode exit_code_for(const Status& status) {
  switch (status.category()) {
    case ErrorCategory::kOk: return kExitAllClear;
    case ErrorCategory::kExchange:
    case ErrorCategory::kTransport:
    case ErrorCategory::kUnknownOutcome: return kExitExchange;
    case ErrorCategory::kInvalidInput:
    case ErrorCategory::kNotFound:
    case ErrorCategory::kConflict:
    case ErrorCategory::kStorage:
    case ErrorCategory::kInternal: return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace keel::ops
