// A plain-text table for human output: columns padded to width, right-aligned numbers.
#pragma once

#include <string>
#include <vector>

namespace llmctl::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header, std::vector<bool> right_align = {});
  void add_row(std::vector<std::string> row);
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace llmctl::cli
