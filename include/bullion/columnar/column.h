// bullion/columnar/column.h — a column of values of one type, with validity.
//
// Layout per type: see type.h. Validity is one byte per row (1 = valid), and
// absent (nullptr) when every row is valid. Values under NULL rows are
// unspecified and must be ignored.
//
// Strings are std::string_view entries pointing into arenas that the column
// keeps alive: its own arena (for strings appended by copy) plus any owners
// added with keep_alive() (a source column's arenas, a decoded Parquet
// dictionary page). take() and slice() therefore never copy string bytes.
//
// Ownership and threading: columns are shared as ColumnPtr between batches;
// a column is mutated only by the code that created it, before it is
// shared. Concurrent reads are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "bullion/columnar/buffer.h"
#include "bullion/columnar/type.h"

namespace bullion {

class Value;
class Column;
using ColumnPtr = std::shared_ptr<Column>;

class Column {
 public:
  explicit Column(DataType type);
  static ColumnPtr make(DataType type) { return std::make_shared<Column>(std::move(type)); }
  // `n` copies of one value (partition values, constant metadata columns).
  static ColumnPtr constant(const Value& value, size_t n);

  const DataType& type() const { return type_; }
  size_t size() const { return size_; }

  // --- validity -----------------------------------------------------------
  bool may_have_nulls() const { return has_validity_ || type_.id() == TypeId::kNull; }
  const uint8_t* validity() const { return has_validity_ ? validity_.data() : nullptr; }
  uint8_t* mutable_validity();  // materializes "all valid" when absent
  bool is_null(size_t row) const {
    return type_.id() == TypeId::kNull || (has_validity_ && validity_.data()[row] == 0);
  }
  bool is_valid(size_t row) const { return !is_null(row); }
  void set_null(size_t row) { mutable_validity()[row] = 0; }
  void set_valid(size_t row) {
    if (has_validity_) validity_.data()[row] = 1;
  }
  size_t null_count() const;
  // Drops the validity buffer if it says every row is valid.
  void compact_validity();

  // --- values ---------------------------------------------------------------
  template <class T>
  const T* data() const {
    return values_.as<T>();
  }
  template <class T>
  T* mutable_data() {
    return values_.as<T>();
  }
  const std::string_view* strings() const { return values_.as<std::string_view>(); }
  std::string_view* mutable_strings() { return values_.as<std::string_view>(); }

  // --- sizing -----------------------------------------------------------------
  // New rows are valid with unspecified fixed-width values, empty strings,
  // empty lists/maps, and default struct children.
  void resize(size_t rows);
  void reserve(size_t rows);
  // Size 0, capacity kept, arenas released.
  void clear();

  // --- appending (builders) -------------------------------------------------
  void append_null();
  template <class T>
  void append(T value) {
    const size_t row = size_;
    resize(size_ + 1);
    values_.as<T>()[row] = value;
  }
  // Copies the bytes into this column's arena.
  void append_string(std::string_view s);
  // Stores the view without copying; the caller keeps the bytes alive via keep_alive().
  void append_string_view(std::string_view s) { append<std::string_view>(s); }
  // Appends rows [offset, offset+count) of `src` (same type); strings are shared.
  void append_from(const Column& src, size_t offset, size_t count);
  // Appends a scalar (its type must match, NULL allowed).
  void append_value(const Value& v);
  // LIST/MAP builders: append elements to the child column(s), then call
  // end_entry() to close one row at the children's current size.
  void end_entry();

  // --- strings ---------------------------------------------------------------
  StringArena& arena();
  void keep_alive(std::shared_ptr<const void> owner);
  // Keeps the string bytes of `src` (its arena and owners) alive for as long
  // as this column lives, so views into `src` may be stored here without
  // copying and without holding `src` itself.
  void share_owners_of(const Column& src);

  // --- nested ----------------------------------------------------------------
  size_t num_children() const { return children_.size(); }
  Column& child(size_t i) { return *children_[i]; }
  const Column& child(size_t i) const { return *children_[i]; }
  const ColumnPtr& child_ptr(size_t i) const { return children_[i]; }
  void set_child(size_t i, ColumnPtr c) { children_[i] = std::move(c); }
  // LIST/MAP: size()+1 offsets into the child column(s).
  const int64_t* offsets() const { return offsets_.as<int64_t>(); }
  int64_t* mutable_offsets() { return offsets_.as<int64_t>(); }

  // --- derived ---------------------------------------------------------------
  // Gathers rows[0..n) into a new column.
  ColumnPtr take(const uint32_t* rows, size_t n) const;
  ColumnPtr slice(size_t offset, size_t n) const;
  // The value of one row, as a scalar (slow; for tests, stats and printing).
  Value value(size_t row) const;
  // Bytes held by this column (buffers, arenas it owns, children).
  size_t memory_bytes() const;

 private:
  DataType type_;
  size_t size_ = 0;
  bool has_validity_ = false;
  Buffer validity_;
  Buffer values_;
  Buffer offsets_;
  std::vector<ColumnPtr> children_;
  std::shared_ptr<StringArena> arena_;
  std::vector<std::shared_ptr<const void>> owners_;
};

}  // namespace bullion
