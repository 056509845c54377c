#pragma once
// A batch of REST calls sent together (one round trip at exchange distance) by either venue's
// client. While the client has not measured its clock against the exchange, the exchange's time is
// read in the same batch, in front; the calls beside it are signed with the host's clock, so one
// refused for the clock (not executed) is sent once more, alone, after the measurement.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keel/model/time.h"
#include "keel/model/status.h"
#include "keel/net/http_transport.h"

namespace keel::venue_rest {

struct TimedBatch {
  net::HttpTransport& transport;
  const Clock& clock;
  TimeMs timeout_ms = 0;
  // The time request, when the clock offset is not measured yet; its answer goes to on_time with
  // the local times around the round trip (a failed one leaves the client unsynced: its next signed
  // call measures alone and reports the failure there).
  std::optional<net::HttpRequest> time_request;
  std::function<void(Result<net::HttpResponse>, TimeMs before, TimeMs after)> on_time;
  // Reads the answer to call i.
  std::function<Result<std::string>(std::size_t i, Result<net::HttpResponse>)> interpret;
  std::function<bool(const Status&)> refused_for_clock;
  // Sends call i once more, alone, with the measured offset.
  std::function<Result<std::string>(std::size_t i)> again;
};

// One result per call, in order. The batch sends calls.size() requests, one more with time_request.
std::vector<Result<std::string>> SendTimedBatch(const TimedBatch& batch, std::vector<net::HttpRequest> calls);

}  // namespace keel::venue_rest
