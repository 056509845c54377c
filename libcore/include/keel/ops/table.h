#pragma once
// A plain-text table for the human output of tools: one header row, aligned columns, two spaces
// between them. Cells are printed as given.

#include <ostream>
#include <string>
#include <vector>

namespace keel::ops {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  // Prints "(none)" instead of a header when there are no rows.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace keel::ops
