// libFuzzer target: arbitrary bytes as an HTTP request to the simulator's REST API. Exercises the
// HTTP parser, form-parameter decoding, the signature and timestamp checks, routing and every
// endpoint's parameter parsing. A malformed request must get the exchange's own error, never a
// crash, a hang or an exception.
//
// Short run (CI):  scripts/fuzz 30
// Long run:        scripts/fuzz 3600   (or build-fuzz/bin/keel-rest-request-fuzzer -jobs=2 DIR)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "keel/net/hmac.h"
#include "keel/net/http_parser.h"
#include "keel/sim/sim_venue.h"

namespace {

keel::ManualClock& clock_() {
  static keel::ManualClock clock(1'795'165'200'000);
  return clock;
}

keel::sim::SimVenue& venue() {
  static std::unique_ptr<keel::sim::SimVenue> v = [] {
    auto created = keel::sim::SimVenue::Create(keel::sim::DefaultSimConfig(), clock_());
    if (!created.ok()) __builtin_trap();
    auto venue = std::move(created).value();
    venue->exchange().set_market_events(false);
    return venue;
  }();
  return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  keel::net::HttpParse parsed = keel::net::ParseHttpRequest(input);
  if (parsed.state != keel::net::HttpParse::State::kComplete) return 0;
  // Half of the inputs get a valid signature appended, so that the fuzzer reaches past the
  // signature check into the endpoints' parameter parsing.
  if (!parsed.request.body.empty() && (size & 1)) {
    std::string& body = parsed.request.body;
    body += "&timestamp=" + std::to_string(clock_().NowMs());
    body += "&signature=" + keel::net::hmac_sha256_hex("keel-demo-secret", parsed.request.raw_query() + body);
    parsed.request.headers.emplace_back("X-MBX-APIKEY", "keel-demo-key");
  }
  keel::net::HttpResponse response = venue().HandleHttp(parsed.request);
  if (response.delivery == keel::net::HttpResponse::Delivery::kRespond &&
      (response.status < 200 || response.status > 599))
    __builtin_trap();
  venue().TakeDueUserEvents();
  clock_().Advance(1);
  return 0;
}
