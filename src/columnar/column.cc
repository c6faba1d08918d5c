#include "bullion/columnar/column.h"

#include <algorithm>
#include <cstring>

#include "bullion/columnar/value.h"
#include "bullion/core/error.h"

namespace bullion {

Column::Column(DataType type) : type_(std::move(type)) {
  switch (type_.id()) {
    case TypeId::kStruct:
      for (const Field& f : type_.children()) children_.push_back(Column::make(f.type));
      break;
    case TypeId::kList:
    case TypeId::kMap:
      for (const Field& f : type_.children()) children_.push_back(Column::make(f.type));
      offsets_.resize(sizeof(int64_t));
      offsets_.as<int64_t>()[0] = 0;
      break;
    default:
      break;
  }
}

ColumnPtr Column::constant(const Value& value, size_t n) {
  auto c = Column::make(value.type());
  if (value.is_null()) {
    c->resize(n);
    if (n > 0 && value.type().id() != TypeId::kNull) std::memset(c->mutable_validity(), 0, n);
    return c;
  }
  if (value.type().is_nested()) {
    c->reserve(n);
    for (size_t i = 0; i < n; ++i) c->append_value(value);
    return c;
  }
  c->append_value(value);
  c->resize(n);
  const size_t width = value.type().value_width();
  for (size_t i = 1; i < n; ++i) std::memcpy(c->values_.data() + i * width, c->values_.data(), width);
  return c;
}

uint8_t* Column::mutable_validity() {
  if (!has_validity_) {
    has_validity_ = true;
    validity_.resize(size_);
    if (size_ > 0) std::memset(validity_.data(), 1, size_);
  }
  return validity_.data();
}

size_t Column::null_count() const {
  if (type_.id() == TypeId::kNull) return size_;
  if (!has_validity_) return 0;
  size_t valid = 0;
  const uint8_t* v = validity_.data();
  for (size_t i = 0; i < size_; ++i) valid += v[i];
  return size_ - valid;
}

void Column::compact_validity() {
  if (has_validity_ && null_count() == 0) {
    has_validity_ = false;
    validity_.clear();
  }
}

void Column::reserve(size_t rows) {
  const size_t width = type_.value_width();
  if (width != 0) values_.reserve(rows * width);
  if (type_.id() == TypeId::kList || type_.id() == TypeId::kMap) offsets_.reserve((rows + 1) * sizeof(int64_t));
}

void Column::resize(size_t rows) {
  const size_t old = size_;
  const size_t width = type_.value_width();
  if (width != 0) {
    values_.resize(rows * width);
    if (type_.is_string_like() && rows > old) {
      std::string_view* s = values_.as<std::string_view>();
      for (size_t i = old; i < rows; ++i) s[i] = std::string_view();
    }
  }
  // Validity: keep "absent" while absent; otherwise new rows are valid.
  if (has_validity_) {
    validity_.resize(rows);
    if (rows > old) std::memset(validity_.data() + old, 1, rows - old);
  }
  switch (type_.id()) {
    case TypeId::kList:
    case TypeId::kMap: {
      offsets_.resize((rows + 1) * sizeof(int64_t));
      int64_t* o = offsets_.as<int64_t>();
      for (size_t i = old + 1; i <= rows; ++i) o[i] = o[old];
      break;
    }
    case TypeId::kStruct:
      for (auto& c : children_) c->resize(rows);
      break;
    default:
      break;
  }
  size_ = rows;
}

void Column::clear() {
  size_ = 0;
  has_validity_ = false;
  validity_.clear();
  values_.clear();
  if (type_.id() == TypeId::kList || type_.id() == TypeId::kMap) {
    offsets_.resize(sizeof(int64_t));
    offsets_.as<int64_t>()[0] = 0;
  }
  for (auto& c : children_) c->clear();
  arena_.reset();
  owners_.clear();
}

void Column::append_null() {
  const size_t row = size_;
  if (type_.id() == TypeId::kStruct) {
    for (auto& c : children_) c->append_null();
  } else if (type_.id() == TypeId::kList || type_.id() == TypeId::kMap) {
    end_entry();
  } else {
    const size_t width = type_.value_width();
    values_.resize((row + 1) * width);
    if (width != 0) std::memset(values_.data() + row * width, 0, width);
  }
  mutable_validity();
  validity_.resize(row + 1);
  validity_.data()[row] = 0;
  size_ = row + 1;
}

void Column::append_string(std::string_view s) { append<std::string_view>(arena().add(s)); }

StringArena& Column::arena() {
  if (!arena_) arena_ = std::make_shared<StringArena>();
  return *arena_;
}

void Column::keep_alive(std::shared_ptr<const void> owner) {
  if (!owner) return;
  for (const auto& o : owners_)
    if (o == owner) return;
  owners_.push_back(std::move(owner));
}

void Column::share_owners_of(const Column& src) {
  if (src.arena_ && src.arena_ != arena_) keep_alive(src.arena_);
  for (const auto& o : src.owners_) keep_alive(o);
}

void Column::end_entry() {
  BULLION_ASSERT(type_.id() == TypeId::kList || type_.id() == TypeId::kMap, "end_entry on a non-nested column");
  const size_t row = size_;
  resize(row + 1);
  offsets_.as<int64_t>()[row + 1] = static_cast<int64_t>(children_[0]->size());
}

void Column::append_from(const Column& src, size_t offset, size_t count) {
  BULLION_ASSERT(src.type_.id() == type_.id(), "append_from with a different type");
  BULLION_ASSERT(offset + count <= src.size_, "append_from range out of bounds");
  if (count == 0) return;
  const size_t old = size_;
  if (type_.id() == TypeId::kStruct) {
    for (size_t i = 0; i < children_.size(); ++i) children_[i]->append_from(*src.children_[i], offset, count);
    if (has_validity_) {
      validity_.resize(old + count);
      std::memset(validity_.data() + old, 1, count);
    }
    size_ = old + count;
  } else if (type_.id() == TypeId::kList || type_.id() == TypeId::kMap) {
    const int64_t* so = src.offsets();
    const int64_t begin = so[offset];
    const int64_t end = so[offset + count];
    const int64_t base = static_cast<int64_t>(children_[0]->size());
    for (size_t i = 0; i < children_.size(); ++i)
      children_[i]->append_from(*src.children_[i], static_cast<size_t>(begin), static_cast<size_t>(end - begin));
    resize(old + count);
    int64_t* o = offsets_.as<int64_t>();
    for (size_t i = 0; i < count; ++i) o[old + i + 1] = base + (so[offset + i + 1] - begin);
  } else {
    resize(old + count);
    const size_t width = type_.value_width();
    if (width != 0) std::memcpy(values_.data() + old * width, src.values_.data() + offset * width, count * width);
    if (type_.is_string_like()) share_owners_of(src);
  }
  if (src.may_have_nulls() && type_.id() != TypeId::kNull) {
    uint8_t* v = mutable_validity();
    if (!src.has_validity_)
      std::memset(v + old, 1, count);
    else
      std::memcpy(v + old, src.validity_.data() + offset, count);
  }
}

ColumnPtr Column::take(const uint32_t* rows, size_t n) const {
  auto out = Column::make(type_);
  switch (type_.id()) {
    case TypeId::kNull:
      out->size_ = n;
      break;
    case TypeId::kStruct:
      for (size_t i = 0; i < children_.size(); ++i) out->children_[i] = children_[i]->take(rows, n);
      out->size_ = n;
      break;
    case TypeId::kList:
    case TypeId::kMap: {
      const int64_t* so = offsets();
      std::vector<uint32_t> child_rows;
      out->offsets_.resize((n + 1) * sizeof(int64_t));
      int64_t* o = out->offsets_.as<int64_t>();
      o[0] = 0;
      for (size_t i = 0; i < n; ++i) {
        for (int64_t j = so[rows[i]]; j < so[rows[i] + 1]; ++j) child_rows.push_back(static_cast<uint32_t>(j));
        o[i + 1] = static_cast<int64_t>(child_rows.size());
      }
      for (size_t i = 0; i < children_.size(); ++i)
        out->children_[i] = children_[i]->take(child_rows.data(), child_rows.size());
      out->size_ = n;
      break;
    }
    default: {
      out->values_.resize(n * type_.value_width());
      switch (type_.value_width()) {
        case 1: {
          const uint8_t* s = values_.data();
          uint8_t* d = out->values_.data();
          for (size_t i = 0; i < n; ++i) d[i] = s[rows[i]];
          break;
        }
        case 2: {
          const uint16_t* s = values_.as<uint16_t>();
          uint16_t* d = out->values_.as<uint16_t>();
          for (size_t i = 0; i < n; ++i) d[i] = s[rows[i]];
          break;
        }
        case 4: {
          const uint32_t* s = values_.as<uint32_t>();
          uint32_t* d = out->values_.as<uint32_t>();
          for (size_t i = 0; i < n; ++i) d[i] = s[rows[i]];
          break;
        }
        case 8: {
          const uint64_t* s = values_.as<uint64_t>();
          uint64_t* d = out->values_.as<uint64_t>();
          for (size_t i = 0; i < n; ++i) d[i] = s[rows[i]];
          break;
        }
        case 16: {
          const int128* s = values_.as<int128>();
          int128* d = out->values_.as<int128>();
          for (size_t i = 0; i < n; ++i) d[i] = s[rows[i]];
          break;
        }
        default:
          BULLION_ASSERT(false, "unexpected value width");
      }
      if (type_.is_string_like()) out->share_owners_of(*this);
      out->size_ = n;
      break;
    }
  }
  if (has_validity_) {
    out->has_validity_ = true;
    out->validity_.resize(n);
    const uint8_t* s = validity_.data();
    uint8_t* d = out->validity_.data();
    for (size_t i = 0; i < n; ++i) d[i] = s[rows[i]];
  }
  return out;
}

ColumnPtr Column::slice(size_t offset, size_t n) const {
  auto out = Column::make(type_);
  out->append_from(*this, offset, n);
  return out;
}

Value Column::value(size_t row) const {
  BULLION_ASSERT(row < size_, "row out of range");
  if (is_null(row)) return Value::null(type_);
  switch (type_.id()) {
    case TypeId::kNull:
      return Value::null(type_);
    case TypeId::kBoolean:
      return Value::boolean(data<uint8_t>()[row] != 0);
    case TypeId::kInt8:
      return Value::int8(data<int8_t>()[row]);
    case TypeId::kInt16:
      return Value::int16(data<int16_t>()[row]);
    case TypeId::kInt32:
      return Value::int32(data<int32_t>()[row]);
    case TypeId::kInt64:
      return Value::int64(data<int64_t>()[row]);
    case TypeId::kFloat:
      return Value::float32(data<float>()[row]);
    case TypeId::kDouble:
      return Value::float64(data<double>()[row]);
    case TypeId::kDecimal:
      return Value::decimal(data<int128>()[row], type_.precision(), type_.scale());
    case TypeId::kDate:
      return Value::date(data<int32_t>()[row]);
    case TypeId::kTimestamp:
      return Value::timestamp(data<int64_t>()[row]);
    case TypeId::kTimestampNtz:
      return Value::timestamp_ntz(data<int64_t>()[row]);
    case TypeId::kString:
      return Value::string(strings()[row]);
    case TypeId::kBinary:
      return Value::binary(strings()[row]);
    case TypeId::kStruct: {
      std::vector<Value> fields;
      for (const auto& c : children_) fields.push_back(c->value(row));
      return Value::nested(type_, std::move(fields));
    }
    case TypeId::kList:
    case TypeId::kMap: {
      std::vector<Value> items;
      for (int64_t j = offsets()[row]; j < offsets()[row + 1]; ++j)
        for (const auto& c : children_) items.push_back(c->value(static_cast<size_t>(j)));
      return Value::nested(type_, std::move(items));
    }
  }
  return Value();
}

void Column::append_value(const Value& v) {
  if (v.is_null()) {
    append_null();
    return;
  }
  switch (type_.id()) {
    case TypeId::kNull:
      append_null();
      break;
    case TypeId::kBoolean:
      append<uint8_t>(v.as_bool() ? 1 : 0);
      break;
    case TypeId::kInt8:
      append<int8_t>(static_cast<int8_t>(v.as_int()));
      break;
    case TypeId::kInt16:
      append<int16_t>(static_cast<int16_t>(v.as_int()));
      break;
    case TypeId::kInt32:
    case TypeId::kDate:
      append<int32_t>(static_cast<int32_t>(v.as_int()));
      break;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      append<int64_t>(v.as_int());
      break;
    case TypeId::kFloat:
      append<float>(static_cast<float>(v.as_double()));
      break;
    case TypeId::kDouble:
      append<double>(v.as_double());
      break;
    case TypeId::kDecimal:
      append<int128>(v.as_int128());
      break;
    case TypeId::kString:
    case TypeId::kBinary:
      append_string(v.as_string());
      break;
    case TypeId::kStruct: {
      BULLION_ASSERT(v.children().size() == children_.size(), "struct value arity");
      for (size_t i = 0; i < children_.size(); ++i) children_[i]->append_value(v.children()[i]);
      if (has_validity_) {
        validity_.resize(size_ + 1);
        validity_.data()[size_] = 1;
      }
      ++size_;
      break;
    }
    case TypeId::kList:
    case TypeId::kMap: {
      const size_t k = children_.size();
      for (size_t i = 0; i < v.children().size(); ++i) children_[i % k]->append_value(v.children()[i]);
      end_entry();
      break;
    }
  }
}

size_t Column::memory_bytes() const {
  size_t bytes = validity_.capacity() + values_.capacity() + offsets_.capacity();
  if (arena_) bytes += arena_->bytes_reserved();
  for (const auto& c : children_) bytes += c->memory_bytes();
  return bytes;
}

}  // namespace bullion
