#include <filesystem>
#include <iostream>
#include "bullion/delta/log.h"
#include "bullion/delta/scan.h"
#include "bullion/core/error.h"
using namespace bullion;
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    try {
      auto t = delta::DeltaTable::open(argv[i]);
      auto s = t.latest();
      delta::DeltaScan scan(s, {});
      Batch b = scan.read_all();
      std::cout << "OK " << argv[i] << " v" << s.version() << " files=" << s.files().size() << " rows=" << b.num_rows() << "\n";
    } catch (const Error& e) {
      std::cout << "ERR " << argv[i] << " [" << category_name(e.category()) << "] " << e.message().substr(0, 200) << "\n";
    }
  }
}
