// bullion/delta/catalog.h — table names in a lakehouse.
//
// The lakehouse is a directory (DESIGN): table `catalog.schema.table` lives at
// `<root>/<catalog>/<schema>/<table>/`. Anything containing a '/' is taken as
// a path to a table directory instead (so peers' tables can be read too).
#pragma once

#include <string>

namespace bullion::delta {

struct TableLocation {
  std::string name;  // as given
  std::string path;  // the table directory
};

// Throws kInvalidInput for a name that is neither a path nor three
// identifiers separated by dots.
TableLocation resolve_table(const std::string& lakehouse_root, const std::string& name_or_path);

}  // namespace bullion::delta
