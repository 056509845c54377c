// libFuzzer target: arbitrary bytes as the TOML files keel reads: an account config (with its
// [daemon] and [[alert]] tables, keel-traderd's settings) and a simulator config. A bad file gets
// one error naming the key, never a crash, a hang or an exception escaping toml++.
//
// Corpus: examples/*.toml. Short run (CI): scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keel/config/config.h"
#include "keel/sim/sim_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto account = keel::ParseAccountConfig(input, "fuzz.toml", "");
  // A config that parsed is whole: an account name keel can put in file names and client ids.
  if (account.ok() && !keel::is_valid_account_name(account->account_name)) __builtin_trap();
  (void)keel::sim::ParseSimConfig(input, "fuzz-sim.toml", "");
  return 0;
}
