// bullion/exec/spill.h — batches written to and read back from temporary files.
//
// Operators that exceed their memory reservation write data to spill files
// (DESIGN: "input size is limited by disk, not RAM"). A SpillFile holds a
// sequence of batches of one schema, each serialized column by column and
// LZ4-compressed; it is deleted when the object is destroyed. Spill files live
// in BULLION_SPILL_DIR, else $TMPDIR, else /tmp. Not thread-safe; a SpillFile
// is written completely, then read (any number of times).
//
// A SpillFile may start in memory: its compressed blocks stay in RAM (the
// owner accounts memory_bytes() against its reservation) until
// move_to_disk(). Operators that partition all of their input before
// resolving it (dedupe) keep it compactly this way — LZ4 blocks of
// serialized rows take a fraction of the columnar form — and spill only when
// the budget refuses.
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
  enum class Start { kOnDisk, kInMemory };
  explicit SpillFile(SchemaPtr schema, Start start = Start::kOnDisk);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  const SchemaPtr& schema() const { return schema_; }
  void append(const Batch& batch);
  // Appends rows[0..n) of `batch`, in that order.
  void append(const Batch& batch, const uint32_t* rows, size_t n);
  // Writes the in-memory blocks to a file and frees them; later appends go to the file.
  void move_to_disk();
  // Flushes and closes the write side; further reads see every batch.
  void finish_writing();

  uint64_t num_rows() const { return num_rows_; }
  uint64_t num_batches() const { return num_batches_; }
  uint64_t bytes_on_disk() const { return in_memory_ ? 0 : bytes_written_; }
  // Compressed bytes held in memory (0 once on disk).
  size_t memory_bytes() const { return in_memory_ ? memory_bytes_ : 0; }

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
    size_t block_ = 0;  // next in-memory block
    Buffer compressed_;
    Buffer raw_;
  };
  Reader reader() const;

 private:
  SchemaPtr schema_;
  std::string path_;
  void add_block();  // compresses raw_ into a block

  std::unique_ptr<WritableFile> out_;
  bool in_memory_ = false;
  bool finished_ = false;
  std::vector<Buffer> blocks_;  // in memory: [raw size, compressed size, LZ4 bytes]
  size_t memory_bytes_ = 0;
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
