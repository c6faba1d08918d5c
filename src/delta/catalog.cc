#include "bullion/delta/catalog.h"

#include <cctype>
#include <vector>

#include "bullion/core/error.h"

namespace bullion::delta {

TableLocation resolve_table(const std::string& lakehouse_root, const std::string& name) {
  if (name.find('/') != std::string::npos) return {name, name};
  std::vector<std::string> parts(1);
  for (char c : name) {
    if (c == '.')
      parts.emplace_back();
    else
      parts.back().push_back(c);
  }
  auto valid = [](const std::string& p) {
    if (p.empty()) return false;
    for (char c : p)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
    return true;
  };
  if (parts.size() != 3 || !valid(parts[0]) || !valid(parts[1]) || !valid(parts[2]))
    throw Error::invalid_input("'" + name + "' is not a table name",
                               "use catalog.schema.table (e.g. churn.gold.features) or a path to a table directory");
  std::string root = lakehouse_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return {name, root + "/" + parts[0] + "/" + parts[1] + "/" + parts[2]};
}

}  // namespace bullion::delta
