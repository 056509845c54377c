// libFuzzer target: arbitrary bytes as a trading signal (keel/engine/signal.h), as a bot sends it
// to keel-traderd: a spool file's whole text, or the control socket's "signal" object. A bad
// signal is refused naming the field, and what Engine::SubmitSignal then reads of it to record the
// refusal (its id, symbol and action) is read without a crash; a good one survives its own round
// trip: SignalJson(ParseSignal(x)) parses again to the same text (no field lost or invented).
//
// Corpus: fuzz/corpus-signal (deep and duplicate-key signals among them); scripts/fuzz first runs
// fuzz/corpus-hostile (400 KB of nesting, a 1 MB signal) once through it.
// Short run (CI): scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keel/engine/signal.h"
#include "keel/model/json_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto signal = keel::ParseSignal(input);
  if (!signal.ok()) {
    if (signal.status().message().empty()) __builtin_trap();  // a refusal always says why
    if (auto fields = keel::JsonFields::Parse(input, "signal"); fields.ok()) {
      for (const char* name : {"id", "symbol", "action"}) (void)fields->String(name);
    }
    return 0;
  }
  const std::string once = keel::SignalJson(*signal);
  auto again = keel::ParseSignal(once);
  if (!again.ok() || keel::SignalJson(*again) != once) __builtin_trap();
  return 0;
}
