#include <filesystem>
#include <iostream>
#include "bullion/delta/log.h"
#include "bullion/delta/deletion_vector.h"
#include "bullion/core/error.h"
using namespace bullion;
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    try {
      auto t = delta::DeltaTable::open(argv[i]);
      auto s = t.latest();
      size_t dv_rows = 0;
      for (const auto& f : s.files())
        if (f.deletion_vector) dv_rows += delta::load_deletion_vector(FileSystem::local(), s.table_path(), *f.deletion_vector).size();
      std::cout << "OK " << argv[i] << " v" << s.version() << " files=" << s.files().size() << " dv_rows=" << dv_rows << " schema=" << s.schema().to_string().substr(0, 80) << "\n";
    } catch (const Error& e) {
      std::cout << "ERR " << argv[i] << " [" << category_name(e.category()) << "] " << e.message().substr(0, 200) << "\n";
    }
  }
}
