// libFuzzer target: bullion's Parquet reader on arbitrary bytes.
//
// Contract under test: any input either reads or throws bullion::Error of a
// data category (kCorrupt, kUnsupported) — never a crash, sanitizer report,
// hang, huge allocation or an internal error (a failed BULLION_ASSERT is a
// bug and aborts here). Scans run under a 64 MiB MemoryBudget, with small
// batches, and stop after a bounded number of rows (a valid file may
// legitimately hold billions of zero-width rows).
//
//   scripts/fuzz.sh [seconds]     builds build-fuzz/ with clang and runs this
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"
#include "bullion/formats/parquet/reader.h"

namespace {

class MemoryFile : public bullion::RandomAccessFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) : data_(reinterpret_cast<const char*>(data), size) {}
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return data_.size(); }
  void read_at(uint64_t offset, size_t n, char* out) const override {
    if (offset > data_.size() || n > data_.size() - offset) {
      throw bullion::Error::corrupt("'" + path_ + "': unexpected end of file");
    }
    std::memcpy(out, data_.data() + offset, n);
  }

 private:
  std::string data_;
  std::string path_ = "fuzz.parquet";
};

constexpr size_t kMaxRows = 200000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bullion::MemoryBudget budget(uint64_t{64} << 20);
  try {
    auto file = bullion::parquet::ParquetFile::open(std::make_shared<MemoryFile>(data, size));
    for (size_t g = 0; g < file->num_row_groups(); ++g) {
      for (size_t c = 0; c < file->schema()->size(); ++c) file->row_group_stats(g, c);
    }
    bullion::parquet::ScanOptions opts;
    opts.batch_rows = 512;
    opts.memory = &budget;
    auto scan = file->scan(opts);
    bullion::Batch batch;
    size_t rows = 0;
    while (rows < kMaxRows && scan->next(&batch)) {
      rows += batch.num_rows();
      // Touch every value, as a consumer would.
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        for (size_t r = 0; r < batch.num_rows(); r += 97) batch.column(c)->value(r);
      }
    }
  } catch (const bullion::Error& e) {
    if (e.category() == bullion::ErrorCategory::kInternal) {
      std::fprintf(stderr, "internal error: %s\n", e.message().c_str());
      std::abort();
    }
  }
  if (budget.used() != 0) {
    std::fprintf(stderr, "memory budget leaked %llu bytes\n", static_cast<unsigned long long>(budget.used()));
    std::abort();
  }
  return 0;
}
