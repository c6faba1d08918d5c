// bullion/exec/spill.h — batches written to and read back from temporary files.
//
// Operators that exceed their memory reservation write data to spill files
// (DESIGN: "input size is limited by disk, not RAM"). A SpillFile holds a
// sequence of batches of one schema, each serialized column by column and
// LZ4-compressed; it is deleted when the object is destroyed. Spill files live
// in BULLION_SPILL_DIR, else $TMPDIR, else /tmp. Not thread-safe; a SpillFile
// is written completely, then read (any number of times).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/buffer.h"
#include "bullion/core/fs.h"

namespace bullion::exec {

class SpillFile {
 public:
  explicit SpillFile(SchemaPtr schema);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  const SchemaPtr& schema() const { return schema_; }
  void append(const Batch& batch);
  // Flushes and closes the write side; further reads see every batch.
  void finish_writing();

  uint64_t num_rows() const { return num_rows_; }
  uint64_t num_batches() const { return num_batches_; }
  uint64_t bytes_on_disk() const { return bytes_written_; }

  class Reader {
   public:
    // Reads the next batch; false at the end.
    bool next(Batch& out);

   private:
    friend class SpillFile;
    explicit Reader(const SpillFile& file);
    const SpillFile& file_;
    std::unique_ptr<RandomAccessFile> in_;
    uint64_t offset_ = 0;
    Buffer compressed_;
    Buffer raw_;
  };
  Reader reader() const;

 private:
  SchemaPtr schema_;
  std::string path_;
  std::unique_ptr<WritableFile> out_;
  Buffer raw_;
  Buffer compressed_;
  uint64_t num_rows_ = 0;
  uint64_t num_batches_ = 0;
  uint64_t bytes_written_ = 0;
};

// The directory spill files go to (created on first use).
std::string spill_directory();

// Bytes written to spill files by this process so far (all threads; for
// tests and diagnostics that check an operator really spilled).
uint64_t total_spilled_bytes();

}  // namespace bullion::exec
