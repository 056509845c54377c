// libFuzzer target: arbitrary bytes as a trading signal (keel/engine/signal.h), as a bot sends it
// to keel-traderd. A bad signal is refused naming the field; a good one survives its own round
// trip: SignalJson(ParseSignal(x)) parses again to the same text (no field lost or invented).
//
// Corpus: fuzz/corpus-signal. Short run (CI): scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keel/engine/signal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto signal = keel::ParseSignal(input);
  if (!signal.ok()) {
    if (signal.status().message().empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  const std::string once = keel::SignalJson(*signal);
  auto again = keel::ParseSignal(once);
  if (!again.ok() || keel::SignalJson(*again) != once) __builtin_trap();
  return 0;
}
