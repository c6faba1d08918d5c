#include "formats/parquet/assembly.h"

#include <cstring>

#include "bullion/core/error.h"

namespace bullion::parquet {

namespace {

// Moves the m dense values of `col` to the positions of the set flags among
// n slots (in place, back to front) and marks the other slots NULL.
template <class T>
void spread_values(T* v, const uint8_t* flags, size_t n, size_t m) {
  size_t src = m;
  for (size_t i = n; i-- > 0;) {
    if (flags[i]) v[i] = v[--src];
  }
}

class Assembler {
 public:
  Assembler(const std::vector<LeafInfo>& infos, std::vector<LeafData>& leaves, size_t base, std::string_view context)
      : infos_(infos), leaves_(leaves), base_(base), context_(context) {}

  ColumnPtr build(const AssemblyNode& node, size_t expected) {
    ColumnPtr col = build_inner(node);
    if (col->size() != expected) {
      corrupt(node, "has " + std::to_string(col->size()) + " values where its parent needs " +
                        std::to_string(expected) + " (the leaf columns' levels disagree)");
    }
    return col;
  }

 private:
  [[noreturn]] void corrupt(const AssemblyNode& node, const std::string& what) const {
    throw Error::corrupt(std::string(context_) + ": column '" + infos_[node.first_leaf].dotted_path + "' " + what,
                         "the file is damaged; rewrite it from its source");
  }

  LeafData& data_of(const AssemblyNode& node) { return leaves_[node.first_leaf - base_]; }

  // Marks which entries start a value of `node` (its slots) and, among those,
  // which are non-NULL; returns the slot count.
  size_t slots(const AssemblyNode& node, std::vector<uint8_t>* valid) {
    const LeafData& L = data_of(node);
    const int16_t* def = L.def.empty() ? nullptr : L.def.data();
    const int16_t* rep = L.rep.empty() ? nullptr : L.rep.data();
    valid->clear();
    if (!rep && (!def || node.slot_def == 0)) {
      valid->resize(L.num_entries);
      if (!def) {
        std::memset(valid->data(), 1, L.num_entries);
      } else {
        const int16_t d = node.def_level;
        for (size_t i = 0; i < L.num_entries; ++i) (*valid)[i] = def[i] >= d;
      }
      return L.num_entries;
    }
    valid->reserve(L.num_entries);
    for (size_t i = 0; i < L.num_entries; ++i) {
      if ((rep && rep[i] > node.slot_rep) || (def && def[i] < node.slot_def)) continue;
      valid->push_back(!def || def[i] >= node.def_level);
    }
    return valid->size();
  }

  static void apply_validity(Column& col, const std::vector<uint8_t>& valid) {
    bool all = true;
    for (uint8_t v : valid) all &= v != 0;
    if (all) return;
    std::memcpy(col.mutable_validity(), valid.data(), valid.size());
  }

  ColumnPtr build_inner(const AssemblyNode& node) {
    std::vector<uint8_t> valid;
    switch (node.kind) {
      case AssemblyNode::Kind::kLeaf: {
        const size_t n = slots(node, &valid);
        LeafData& L = data_of(node);
        if (infos_[node.leaf].conversion == Conversion::kNull) {
          ColumnPtr col = Column::make(node.type);
          col->resize(n);
          return col;
        }
        ColumnPtr col = std::move(L.values);
        const size_t m = col->size();
        size_t present = 0;
        for (uint8_t v : valid) present += v;
        if (present != m) {
          corrupt(node, "has " + std::to_string(m) + " values for " + std::to_string(present) + " non-NULL entries");
        }
        if (m == n) return col;
        col->resize(n);
        switch (node.type.value_width()) {
          case 1:
            spread_values(col->mutable_data<uint8_t>(), valid.data(), n, m);
            break;
          case 2:
            spread_values(col->mutable_data<uint16_t>(), valid.data(), n, m);
            break;
          case 4:
            spread_values(col->mutable_data<uint32_t>(), valid.data(), n, m);
            break;
          case 8:
            spread_values(col->mutable_data<uint64_t>(), valid.data(), n, m);
            break;
          case 16:
            spread_values(col->mutable_data<int128>(), valid.data(), n, m);
            break;
          default:
            BULLION_ASSERT(false, "unexpected value width");
        }
        std::memcpy(col->mutable_validity(), valid.data(), n);
        return col;
      }
      case AssemblyNode::Kind::kStruct: {
        const size_t n = slots(node, &valid);
        ColumnPtr col = Column::make(node.type);
        for (size_t i = 0; i < node.children.size(); ++i) col->set_child(i, build(node.children[i], n));
        col->resize(n);
        apply_validity(*col, valid);
        return col;
      }
      case AssemblyNode::Kind::kList:
      case AssemblyNode::Kind::kMap: {
        const LeafData& L = data_of(node);
        const int16_t* def = L.def.data();
        const int16_t* rep = L.rep.data();
        std::vector<int64_t> offsets;
        offsets.reserve(L.num_entries + 1);
        int64_t count = 0;
        for (size_t i = 0; i < L.num_entries; ++i) {
          if (rep[i] <= node.slot_rep && def[i] >= node.slot_def) {
            offsets.push_back(count);
            valid.push_back(def[i] >= node.def_level);
          }
          if (rep[i] <= node.repeated_rep && def[i] >= node.repeated_def) {
            if (offsets.empty()) corrupt(node, "has an element before its first list");
            ++count;
          }
        }
        const size_t n = valid.size();
        offsets.push_back(count);
        ColumnPtr col = Column::make(node.type);
        for (size_t i = 0; i < node.children.size(); ++i) {
          col->set_child(i, build(node.children[i], static_cast<size_t>(count)));
        }
        col->resize(n);
        std::memcpy(col->mutable_offsets(), offsets.data(), (n + 1) * sizeof(int64_t));
        apply_validity(*col, valid);
        return col;
      }
    }
    BULLION_ASSERT(false, "unknown assembly node");
    return nullptr;
  }

  const std::vector<LeafInfo>& infos_;
  std::vector<LeafData>& leaves_;
  size_t base_;
  std::string_view context_;
};

}  // namespace

ColumnPtr assemble_field(const AssemblyNode& field, const std::vector<LeafInfo>& leaf_infos,
                         std::vector<LeafData>& leaves, size_t leaf_base, size_t num_rows, std::string_view context) {
  Assembler a(leaf_infos, leaves, leaf_base, context);
  return a.build(field, num_rows);
}

}  // namespace bullion::parquet
