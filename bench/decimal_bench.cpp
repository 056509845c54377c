// Decimal parse and format cost, ns/op, over a mix of real exchange strings.
//   keel-decimal-bench [iterations]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_clock.h"
#include "keel/model/decimal.h"

int main(int argc, char** argv) {
  using namespace keel;
  const long iterations = argc > 1 ? std::atol(argv[1]) : 5'000'000;
  const std::vector<std::string> inputs = {"0.00100000", "25000.1", "1E-8",     "96250.50",    "0.5121",
                                           "-0.086",     "3120.25", "100000.0", "0.00001234", "42"};
  std::vector<Decimal> values;
  for (const auto& s : inputs) values.push_back(Decimal::Parse(s).value());

  std::int64_t sum = 0;
  double t0 = bench::now_seconds();
  for (long i = 0; i < iterations; ++i) {
    auto d = Decimal::Parse(inputs[static_cast<std::size_t>(i) % inputs.size()]);
    sum += d->units();
  }
  const double parse_ns = (bench::now_seconds() - t0) * 1e9 / static_cast<double>(iterations);
  bench::keep(sum);

  std::size_t chars = 0;
  t0 = bench::now_seconds();
  for (long i = 0; i < iterations; ++i) chars += values[static_cast<std::size_t>(i) % values.size()].ToString().size();
  const double format_ns = (bench::now_seconds() - t0) * 1e9 / static_cast<double>(iterations);
  bench::keep(chars);

  t0 = bench::now_seconds();
  for (long i = 0; i < iterations; ++i) {
    auto r = values[static_cast<std::size_t>(i) % values.size()].RoundTo(values[0], Rounding::kNearest);
    sum += r->units();
  }
  const double round_ns = (bench::now_seconds() - t0) * 1e9 / static_cast<double>(iterations);
  bench::keep(sum);

  std::printf("decimal parse:  %6.1f ns/op  (target <= 50)\n", parse_ns);
  std::printf("decimal format: %6.1f ns/op\n", format_ns);
  std::printf("decimal round:  %6.1f ns/op\n", round_ns);
  return 0;
}
