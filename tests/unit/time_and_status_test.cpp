#include <doctest/doctest.h>

#include "keel/model/status.h"
#include "keel/model/time.h"
#include "keel/ops/exit_code.h"

using namespace keel;

TEST_CASE("times print as ISO 8601 UTC and parse the ways operators type them") {
  const TimeMs t = 1795165200000;  // 2026-11-20T09:00:00Z
  CHECK(format_utc(t) == "2026-11-20T09:00:00.000Z");
  CHECK(format_utc(t + 123) == "2026-11-20T09:00:00.123Z");
  CHECK(format_utc(0) == "1970-01-01T00:00:00.000Z");
  const TimeMs now = t + 3'600'000;
  CHECK(*parse_time_point("1795165200000", now) == t);
  CHECK(*parse_time_point("2026-11-20", now) == t - 9 * 3'600'000);
  CHECK(*parse_time_point("2026-11-20T09:00:00Z", now) == t);
  CHECK(*parse_time_point("2026-11-20T09:00", now) == t);
  CHECK(*parse_time_point("2026-11-20 09:00:00.250", now) == t + 250);
  CHECK(*parse_time_point("1h", now) == t);
  CHECK(*parse_time_point("60m", now) == t);
  CHECK(*parse_time_point("3600s", now) == t);
  CHECK(*parse_time_point("1d", now) == now - 86'400'000);
  for (const char* bad : {"", "yesterday", "1w", "2026-13-01", "2026-11-20T25:00", "2026-11-20X09:00", "h", "-5m",
                          "2026-11-20T09:00:00.5"}) {
    CHECK_MESSAGE(!parse_time_point(bad, now).ok(), bad);
  }
}

TEST_CASE("Status carries category, message and venue codes; exit codes follow docs/architecture.md") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.ToString() == "ok");
  Status e = Status::Exchange("Order does not exist.", -2013, 400);
  CHECK(e.IsExchange());
  CHECK(*e.venue_code() == -2013);
  CHECK(e.http_status() == 400);
  CHECK(e.ToString() == "exchange error: Order does not exist. [venue_code=-2013 http=400]");
  Status limited = Status::Exchange("Too many requests", -1003, 429, 2000);
  CHECK(limited.retry_after_ms() == 2000);
  Status ctx = e.WithContext("amending kdemo-1-e");
  CHECK(ctx.message() == "amending kdemo-1-e: Order does not exist.");
  CHECK(*ctx.venue_code() == -2013);
  Status copy = ctx;
  CHECK(copy.ToString() == ctx.ToString());

  Result<int> r = Status::NotFound("no such order");
  CHECK(!r.ok());
  CHECK(r.status().IsNotFound());
  Result<int> v = 7;
  CHECK(v.ok());
  CHECK(*v == 7);

  using namespace keel::ops;
  CHECK(exit_code_for(Status()) == kExitAllClear);
  CHECK(exit_code_for(Status::InvalidInput("x")) == kExitUsage);
  CHECK(exit_code_for(Status::NotFound("x")) == kExitUsage);
  CHECK(exit_code_for(Status::Storage("x")) == kExitUsage);
  CHECK(exit_code_for(Status::Conflict("x")) == kExitUsage);
  CHECK(exit_code_for(e) == kExitExchange);
  CHECK(exit_code_for(Status::Transport("x")) == kExitExchange);
  CHECK(exit_code_for(Status::UnknownOutcome("x")) == kExitExchange);
}
