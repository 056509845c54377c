#include "keel/ops/table.h"

#include <algorithm>

#include "keel/model/utf8.h"

namespace keel::ops {

void Table::Print(std::ostream& out) const {
  if (rows_.empty()) {
    out << "  (none)\n";
    return;
  }
  std::vector<std::size_t> width(headers_.size(), 0);
  // Columns are measured in terminal cells, not bytes: "币安人生USDT" is 16 bytes and 12 cells.
  for (std::size_t c = 0; c < headers_.size(); ++c) width[c] = display_width(headers_[c]);
  for (const auto& row : rows_)
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], display_width(row[c]));
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      line += cell;
      if (c + 1 < width.size()) line += std::string(width[c] - display_width(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

}  // namespace keel::ops
