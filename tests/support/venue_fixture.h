#pragma once
// The exchanges' documented payloads the tests read (tests/fixtures/<venue>/, see SOURCES.md there).
#include <string>

#include "subprocess.h"
#include "temp_dir.h"

namespace keel::test {

inline std::string bybit_fixture(const std::string& name) { return read_file(source_path("tests/fixtures/bybit/" + name)); }
inline std::string binance_fixture(const std::string& name) {
  return read_file(source_path("tests/fixtures/binance/" + name));
}

}  // namespace keel::test
