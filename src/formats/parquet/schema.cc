#include "formats/parquet/schema.h"

#include <memory>

#include "bullion/core/error.h"

namespace bullion::parquet {

namespace {

constexpr int kMaxNesting = 64;

struct PNode {
  const SchemaElement* e = nullptr;
  std::vector<PNode> children;
  bool is_group() const { return !e->type.has_value() || (e->num_children && *e->num_children > 0); }
};

[[noreturn]] void corrupt(std::string_view context, const std::string& what) {
  throw Error::corrupt(std::string(context) + ": invalid Parquet schema: " + what,
                       "the file is damaged; rewrite it from its source");
}

[[noreturn]] void unsupported(std::string_view context, const std::string& column, const std::string& what) {
  throw Error::unsupported(
      std::string(context) + ": column '" + column + "' has " + what + ", which bullion cannot read",
      "drop or cast the column with the tool that wrote the file");
}

PNode parse_tree(const std::vector<SchemaElement>& els, size_t* i, int depth, std::string_view context) {
  if (depth > kMaxNesting) corrupt(context, "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
  // Children counts are checked against the elements left at each level, but
  // nested groups consume elements too: the list can still run out here.
  if (*i >= els.size()) corrupt(context, "the schema ends inside a group that claims more children");
  PNode n;
  n.e = &els[(*i)++];
  const bool group = !n.e->type.has_value() || (n.e->num_children && *n.e->num_children > 0);
  if (group) {
    const int32_t k = n.e->num_children.value_or(0);
    if (k < 0 || static_cast<size_t>(k) > els.size() - *i) {
      corrupt(context, "element '" + n.e->name + "' claims " + std::to_string(k) + " children");
    }
    n.children.reserve(static_cast<size_t>(k));
    for (int32_t c = 0; c < k; ++c) n.children.push_back(parse_tree(els, i, depth + 1, context));
  }
  return n;
}

std::string join(const std::vector<std::string>& path) {
  std::string s;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) s += '.';
    s += path[i];
  }
  return s;
}

class SchemaConverter {
 public:
  explicit SchemaConverter(std::string_view context, FileSchema* out) : context_(context), out_(out) {}

  // Converts node n; `force_required` treats a repeated node as the required
  // element of the list that encloses it.
  AssemblyNode convert(const PNode& n, int16_t parent_def, int16_t parent_rep, int16_t slot_rep, int16_t slot_def,
                       bool force_required, Field* field) {
    path_.push_back(n.e->name);
    AssemblyNode node = convert_inner(n, parent_def, parent_rep, slot_rep, slot_def, force_required, field);
    path_.pop_back();
    return node;
  }

 private:
  Repetition repetition_of(const PNode& n) {
    if (!n.e->repetition) corrupt(context_, "element '" + join(path_) + "' has no repetition type");
    const Repetition r = *n.e->repetition;
    if (r != Repetition::kRequired && r != Repetition::kOptional && r != Repetition::kRepeated) {
      unsupported(context_, join(path_), "repetition type " + std::to_string(static_cast<int>(r)));
    }
    return r;
  }

  static bool has_list_annotation(const SchemaElement& e) {
    if (e.logical_type) return e.logical_type->kind == LogicalType::Kind::kList;
    return e.converted_type == ConvertedType::kList;
  }
  static bool has_map_annotation(const SchemaElement& e) {
    if (e.logical_type && e.logical_type->kind == LogicalType::Kind::kMap) return true;
    return e.converted_type == ConvertedType::kMap || e.converted_type == ConvertedType::kMapKeyValue;
  }

  void check_levels(int v) {
    if (v > kMaxNesting) corrupt(context_, "column '" + join(path_) + "' is nested too deeply");
  }

  AssemblyNode convert_inner(const PNode& n, int16_t parent_def, int16_t parent_rep, int16_t slot_rep, int16_t slot_def,
                             bool force_required, Field* field) {
    Repetition rep = repetition_of(n);
    if (force_required) rep = Repetition::kRequired;
    if (rep == Repetition::kRepeated) {
      // A repeated field outside a LIST/MAP: a required list of required elements.
      check_levels(parent_def + 1);
      AssemblyNode list;
      list.kind = AssemblyNode::Kind::kList;
      list.def_level = parent_def;
      list.slot_rep = slot_rep;
      list.slot_def = slot_def;
      list.repeated_def = static_cast<int16_t>(parent_def + 1);
      list.repeated_rep = static_cast<int16_t>(parent_rep + 1);
      Field element;
      repeated_def_.push_back(list.repeated_def);
      AssemblyNode child =
          convert_inner(n, list.repeated_def, list.repeated_rep, list.repeated_rep, list.repeated_def, true, &element);
      repeated_def_.pop_back();
      list.first_leaf = child.first_leaf;
      list.type = DataType::list(element.type, false);
      list.children.push_back(std::move(child));
      *field = Field(n.e->name, list.type, false);
      return list;
    }
    const bool optional = rep == Repetition::kOptional;
    const int16_t def = static_cast<int16_t>(parent_def + (optional ? 1 : 0));
    check_levels(def + 1);
    if (!n.is_group()) return convert_leaf(n, def, parent_rep, slot_rep, slot_def, optional, field);
    if (n.children.empty()) unsupported(context_, join(path_), "an empty group (a struct without fields)");

    const SchemaElement& e = *n.e;
    if (has_list_annotation(e)) {
      if (n.children.size() != 1) corrupt(context_, "LIST '" + join(path_) + "' must have exactly one field");
      const PNode& r = n.children[0];
      if (repetition_of(r) != Repetition::kRepeated) {
        corrupt(context_, "the field inside LIST '" + join(path_) + "' is not repeated");
      }
      AssemblyNode list;
      list.kind = AssemblyNode::Kind::kList;
      list.def_level = def;
      list.slot_rep = slot_rep;
      list.slot_def = slot_def;
      list.repeated_def = static_cast<int16_t>(def + 1);
      list.repeated_rep = static_cast<int16_t>(parent_rep + 1);
      Field element;
      AssemblyNode child;
      // Backward-compatibility rules (LogicalTypes.md, "Lists").
      const bool repeated_is_element =
          !r.is_group() || r.children.size() > 1 || r.e->name == "array" || r.e->name == e.name + "_tuple";
      path_.push_back(r.e->name);
      repeated_def_.push_back(list.repeated_def);
      if (repeated_is_element) {
        child = convert_inner(r, list.repeated_def, list.repeated_rep, list.repeated_rep, list.repeated_def, true,
                              &element);
      } else {
        child = convert(r.children[0], list.repeated_def, list.repeated_rep, list.repeated_rep, list.repeated_def,
                        false, &element);
      }
      repeated_def_.pop_back();
      path_.pop_back();
      list.first_leaf = child.first_leaf;
      list.type = DataType::list(element.type, element.nullable);
      list.children.push_back(std::move(child));
      *field = Field(e.name, list.type, optional);
      return list;
    }
    if (has_map_annotation(e)) {
      if (n.children.size() != 1) corrupt(context_, "MAP '" + join(path_) + "' must have exactly one field");
      const PNode& kv = n.children[0];
      if (repetition_of(kv) != Repetition::kRepeated || !kv.is_group()) {
        corrupt(context_, "the field inside MAP '" + join(path_) + "' is not a repeated group");
      }
      if (kv.children.size() != 2) {
        if (kv.children.size() == 1) unsupported(context_, join(path_), "a MAP without values (a set)");
        corrupt(context_, "MAP '" + join(path_) + "' key-value group must have two fields");
      }
      AssemblyNode map;
      map.kind = AssemblyNode::Kind::kMap;
      map.def_level = def;
      map.slot_rep = slot_rep;
      map.slot_def = slot_def;
      map.repeated_def = static_cast<int16_t>(def + 1);
      map.repeated_rep = static_cast<int16_t>(parent_rep + 1);
      path_.push_back(kv.e->name);
      repeated_def_.push_back(map.repeated_def);
      Field key, value;
      AssemblyNode k =
          convert(kv.children[0], map.repeated_def, map.repeated_rep, map.repeated_rep, map.repeated_def, false, &key);
      AssemblyNode v = convert(kv.children[1], map.repeated_def, map.repeated_rep, map.repeated_rep, map.repeated_def,
                               false, &value);
      repeated_def_.pop_back();
      path_.pop_back();
      map.first_leaf = k.first_leaf;
      map.type = DataType::map(key.type, value.type, value.nullable);
      map.children.push_back(std::move(k));
      map.children.push_back(std::move(v));
      *field = Field(e.name, map.type, optional);
      return map;
    }
    // A plain group: STRUCT (also VARIANT and other annotated groups).
    AssemblyNode st;
    st.kind = AssemblyNode::Kind::kStruct;
    st.def_level = def;
    st.slot_rep = slot_rep;
    st.slot_def = slot_def;
    std::vector<Field> fields;
    for (const PNode& c : n.children) {
      Field f;
      st.children.push_back(convert(c, def, parent_rep, slot_rep, slot_def, false, &f));
      fields.push_back(std::move(f));
    }
    st.first_leaf = st.children.front().first_leaf;
    st.type = DataType::struct_(std::move(fields));
    *field = Field(e.name, st.type, optional);
    return st;
  }

  AssemblyNode convert_leaf(const PNode& n, int16_t def, int16_t rep, int16_t slot_rep, int16_t slot_def, bool optional,
                            Field* field) {
    const SchemaElement& e = *n.e;
    LeafInfo leaf;
    leaf.index = out_->leaves.size();
    leaf.path = path_;
    leaf.dotted_path = join(path_);
    leaf.physical = *e.type;
    leaf.type_length = e.type_length.value_or(0);
    leaf.max_def = def;
    leaf.max_rep = rep;
    leaf.repeated_def.push_back(0);
    leaf.repeated_def.insert(leaf.repeated_def.end(), repeated_def_.begin(), repeated_def_.end());
    BULLION_ASSERT(leaf.repeated_def.size() == static_cast<size_t>(rep) + 1, "repetition depth mismatch");
    resolve_type(e, &leaf);

    AssemblyNode node;
    node.kind = AssemblyNode::Kind::kLeaf;
    node.type = leaf.type;
    node.def_level = def;
    node.slot_rep = slot_rep;
    node.slot_def = slot_def;
    node.leaf = leaf.index;
    node.first_leaf = leaf.index;
    *field = Field(e.name, leaf.type, optional);
    out_->leaves.push_back(std::move(leaf));
    return node;
  }

  DataType decimal_type(const LeafInfo& leaf, int32_t precision, int32_t scale) {
    if (precision < 1 || scale < 0 || scale > precision) {
      corrupt(context_, "column '" + leaf.dotted_path + "' has DECIMAL(" + std::to_string(precision) + "," +
                            std::to_string(scale) + ")");
    }
    if (precision > 38)
      unsupported(context_, leaf.dotted_path, "DECIMAL precision " + std::to_string(precision) + " (> 38)");
    return DataType::decimal(precision, scale);
  }

  void resolve_type(const SchemaElement& e, LeafInfo* leaf) {
    using K = LogicalType::Kind;
    const std::optional<LogicalType>& lt = e.logical_type;
    const std::optional<ConvertedType> ct = lt ? std::nullopt : e.converted_type;
    const std::string& col = leaf->dotted_path;
    auto unsupported_type = [&](const std::string& what) { unsupported(context_, col, what); };
    auto set = [&](DataType t, Conversion c, bool legacy_ok) {
      leaf->type = std::move(t);
      leaf->conversion = c;
      leaf->legacy_stats_usable = legacy_ok;
    };
    if (lt && lt->kind == K::kUnknown) {
      set(DataType::null(), Conversion::kNull, false);
      return;
    }
    auto decimal_from_annotation = [&](Conversion c) {
      const int32_t p = lt ? lt->precision : e.precision.value_or(0);
      const int32_t s = lt ? lt->scale : e.scale.value_or(0);
      set(decimal_type(*leaf, p, s), c, c != Conversion::kBytesToDecimal);
    };
    const bool lt_decimal = lt && lt->kind == K::kDecimal;
    const bool ct_decimal = ct == ConvertedType::kDecimal;
    switch (leaf->physical) {
      case PhysicalType::kBoolean:
        set(DataType::boolean(), Conversion::kNone, true);
        return;
      case PhysicalType::kInt32:
        if (lt_decimal || ct_decimal) return decimal_from_annotation(Conversion::kInt32ToDecimal);
        if (lt) {
          switch (lt->kind) {
            case K::kInteger:
              if (lt->is_signed) {
                if (lt->bit_width == 8) return set(DataType::int8(), Conversion::kInt32ToInt8, true);
                if (lt->bit_width == 16) return set(DataType::int16(), Conversion::kInt32ToInt16, true);
                if (lt->bit_width == 32) return set(DataType::int32(), Conversion::kNone, true);
              } else {
                leaf->unsigned_stats = true;
                if (lt->bit_width == 8) return set(DataType::int16(), Conversion::kInt32ToInt16, false);
                if (lt->bit_width == 16) return set(DataType::int32(), Conversion::kNone, false);
                if (lt->bit_width == 32) return set(DataType::int64(), Conversion::kUInt32ToInt64, false);
              }
              corrupt(context_, "column '" + col + "' has INT(" + std::to_string(lt->bit_width) + ") on INT32");
            case K::kDate:
              return set(DataType::date(), Conversion::kNone, true);
            case K::kTime:
              return unsupported_type("the TIME logical type");
            default:
              break;
          }
        } else if (ct) {
          switch (*ct) {
            case ConvertedType::kInt8:
              return set(DataType::int8(), Conversion::kInt32ToInt8, true);
            case ConvertedType::kInt16:
              return set(DataType::int16(), Conversion::kInt32ToInt16, true);
            case ConvertedType::kUint8:
              leaf->unsigned_stats = true;
              return set(DataType::int16(), Conversion::kInt32ToInt16, false);
            case ConvertedType::kUint16:
              leaf->unsigned_stats = true;
              return set(DataType::int32(), Conversion::kNone, false);
            case ConvertedType::kUint32:
              leaf->unsigned_stats = true;
              return set(DataType::int64(), Conversion::kUInt32ToInt64, false);
            case ConvertedType::kDate:
              return set(DataType::date(), Conversion::kNone, true);
            case ConvertedType::kTimeMillis:
              return unsupported_type("the TIME_MILLIS converted type");
            default:
              break;
          }
        }
        return set(DataType::int32(), Conversion::kNone, true);
      case PhysicalType::kInt64:
        if (lt_decimal || ct_decimal) return decimal_from_annotation(Conversion::kInt64ToDecimal);
        if (lt) {
          switch (lt->kind) {
            case K::kInteger:
              if (!lt->is_signed && lt->bit_width == 64) {
                leaf->unsigned_stats = true;
                return set(DataType::decimal(20, 0), Conversion::kUInt64ToDecimal, false);
              }
              return set(DataType::int64(), Conversion::kNone, lt->is_signed);
            case K::kTimestamp: {
              DataType t = lt->adjusted_to_utc ? DataType::timestamp() : DataType::timestamp_ntz();
              if (lt->unit == TimeUnit::kMillis) return set(t, Conversion::kMillisToMicros, true);
              if (lt->unit == TimeUnit::kNanos) return set(t, Conversion::kNanosToMicros, true);
              return set(t, Conversion::kNone, true);
            }
            case K::kTime:
              return unsupported_type("the TIME logical type");
            default:
              break;
          }
        } else if (ct) {
          switch (*ct) {
            case ConvertedType::kTimestampMillis:
              return set(DataType::timestamp(), Conversion::kMillisToMicros, true);
            case ConvertedType::kTimestampMicros:
              return set(DataType::timestamp(), Conversion::kNone, true);
            case ConvertedType::kUint64:
              leaf->unsigned_stats = true;
              return set(DataType::decimal(20, 0), Conversion::kUInt64ToDecimal, false);
            case ConvertedType::kTimeMicros:
              return unsupported_type("the TIME_MICROS converted type");
            default:
              break;
          }
        }
        return set(DataType::int64(), Conversion::kNone, true);
      case PhysicalType::kInt96:
        return set(DataType::timestamp(), Conversion::kInt96ToMicros, false);
      case PhysicalType::kFloat:
        return set(DataType::float32(), Conversion::kNone, true);
      case PhysicalType::kDouble:
        return set(DataType::float64(), Conversion::kNone, true);
      case PhysicalType::kByteArray:
        if (lt_decimal || ct_decimal) return decimal_from_annotation(Conversion::kBytesToDecimal);
        if (lt) {
          switch (lt->kind) {
            case K::kString:
            case K::kEnum:
            case K::kJson:
              return set(DataType::string(), Conversion::kNone, false);
            default:
              return set(DataType::binary(), Conversion::kNone, false);
          }
        }
        if (ct == ConvertedType::kUtf8 || ct == ConvertedType::kEnum || ct == ConvertedType::kJson) {
          return set(DataType::string(), Conversion::kNone, false);
        }
        return set(DataType::binary(), Conversion::kNone, false);
      case PhysicalType::kFixedLenByteArray:
        if (leaf->type_length <= 0) {
          corrupt(context_,
                  "FIXED_LEN_BYTE_ARRAY column '" + col + "' has length " + std::to_string(leaf->type_length));
        }
        if (lt_decimal || ct_decimal) return decimal_from_annotation(Conversion::kBytesToDecimal);
        if (lt && lt->kind == K::kFloat16) {
          if (leaf->type_length != 2) corrupt(context_, "FLOAT16 column '" + col + "' is not 2 bytes wide");
          return set(DataType::float32(), Conversion::kFloat16ToFloat, false);
        }
        if (ct == ConvertedType::kInterval) return unsupported_type("the INTERVAL converted type");
        return set(DataType::binary(), Conversion::kNone, false);
    }
    corrupt(context_,
            "column '" + col + "' has unknown physical type " + std::to_string(static_cast<int>(leaf->physical)));
  }

  std::string_view context_;
  FileSchema* out_;
  std::vector<std::string> path_;
  std::vector<int16_t> repeated_def_;
};

}  // namespace

FileSchema build_file_schema(const std::vector<SchemaElement>& elements, std::string_view context) {
  if (elements.empty()) corrupt(context, "the schema is empty");
  size_t i = 0;
  const PNode root = parse_tree(elements, &i, 0, context);
  if (i != elements.size()) corrupt(context, "schema elements after the end of the root's children");
  if (!root.is_group()) corrupt(context, "the schema root is not a group");
  FileSchema out;
  SchemaConverter conv(context, &out);
  std::vector<Field> fields;
  for (const PNode& c : root.children) {
    out.leaf_begin.push_back(out.leaves.size());
    Field f;
    out.fields.push_back(conv.convert(c, 0, 0, 0, 0, false, &f));
    fields.push_back(std::move(f));
  }
  out.leaf_begin.push_back(out.leaves.size());
  out.schema = std::make_shared<Schema>(std::move(fields));
  return out;
}

// ---------------------------------------------------------------------------

int decimal_byte_width(int precision) {
  // Smallest n with 10^precision - 1 < 2^(8n - 1).
  unsigned __int128 max = 1;
  for (int i = 0; i < precision; ++i) max *= 10;
  max -= 1;
  for (int n = 1; n <= 16; ++n) {
    const unsigned __int128 limit = static_cast<unsigned __int128>(1) << (8 * n - 1);
    if (max < limit) return n;
  }
  return 16;
}

namespace {

class WriteSchemaBuilder {
 public:
  explicit WriteSchemaBuilder(WriteSchema* out) : out_(out) {}

  WriteNode build(const std::string& name, const DataType& type, Repetition rep, int16_t parent_def,
                  int16_t parent_rep) {
    path_.push_back(name);
    WriteNode node = build_inner(name, type, rep, parent_def, parent_rep);
    path_.pop_back();
    return node;
  }

 private:
  WriteNode build_inner(const std::string& name, const DataType& type, Repetition rep, int16_t parent_def,
                        int16_t parent_rep) {
    const int16_t def = static_cast<int16_t>(parent_def + (rep == Repetition::kOptional ? 1 : 0));
    WriteNode node;
    node.nullable = rep == Repetition::kOptional;
    SchemaElement e;
    e.name = name;
    e.repetition = rep;
    switch (type.id()) {
      case TypeId::kStruct: {
        if (type.children().empty()) {
          throw Error::invalid_input("column '" + joined() +
                                     "' is a STRUCT without fields, which Parquet cannot store");
        }
        node.kind = AssemblyNode::Kind::kStruct;
        e.num_children = static_cast<int32_t>(type.children().size());
        out_->elements.push_back(e);
        for (const Field& f : type.children()) {
          node.children.push_back(
              build(f.name, f.type, f.nullable ? Repetition::kOptional : Repetition::kRequired, def, parent_rep));
        }
        return node;
      }
      case TypeId::kList:
      case TypeId::kMap: {
        const bool is_list = type.id() == TypeId::kList;
        node.kind = is_list ? AssemblyNode::Kind::kList : AssemblyNode::Kind::kMap;
        node.repeated_rep = static_cast<int16_t>(parent_rep + 1);
        e.num_children = 1;
        LogicalType lt;
        lt.kind = is_list ? LogicalType::Kind::kList : LogicalType::Kind::kMap;
        e.logical_type = lt;
        e.converted_type = is_list ? ConvertedType::kList : ConvertedType::kMap;
        out_->elements.push_back(e);
        SchemaElement r;
        r.name = is_list ? "list" : "key_value";
        r.repetition = Repetition::kRepeated;
        r.num_children = is_list ? 1 : 2;
        out_->elements.push_back(r);
        path_.push_back(r.name);
        const int16_t rdef = static_cast<int16_t>(def + 1);
        const int16_t rrep = node.repeated_rep;
        if (is_list) {
          const Field& el = type.child(0);
          node.children.push_back(
              build("element", el.type, el.nullable ? Repetition::kOptional : Repetition::kRequired, rdef, rrep));
        } else {
          const Field& k = type.child(0);
          const Field& v = type.child(1);
          node.children.push_back(build("key", k.type, Repetition::kRequired, rdef, rrep));
          node.children.push_back(
              build("value", v.type, v.nullable ? Repetition::kOptional : Repetition::kRequired, rdef, rrep));
        }
        path_.pop_back();
        return node;
      }
      default:
        break;
    }
    // Primitive.
    node.kind = AssemblyNode::Kind::kLeaf;
    node.leaf = out_->leaves.size();
    WriteLeaf leaf;
    leaf.path = path_;
    leaf.max_def = def;
    leaf.max_rep = parent_rep;
    leaf.type = type;
    LogicalType lt;
    switch (type.id()) {
      case TypeId::kBoolean:
        leaf.physical = PhysicalType::kBoolean;
        break;
      case TypeId::kInt8:
      case TypeId::kInt16:
        leaf.physical = PhysicalType::kInt32;
        lt.kind = LogicalType::Kind::kInteger;
        lt.bit_width = type.id() == TypeId::kInt8 ? 8 : 16;
        lt.is_signed = true;
        e.logical_type = lt;
        e.converted_type = type.id() == TypeId::kInt8 ? ConvertedType::kInt8 : ConvertedType::kInt16;
        break;
      case TypeId::kInt32:
        leaf.physical = PhysicalType::kInt32;
        break;
      case TypeId::kInt64:
        leaf.physical = PhysicalType::kInt64;
        break;
      case TypeId::kFloat:
        leaf.physical = PhysicalType::kFloat;
        break;
      case TypeId::kDouble:
        leaf.physical = PhysicalType::kDouble;
        break;
      case TypeId::kDate:
        leaf.physical = PhysicalType::kInt32;
        lt.kind = LogicalType::Kind::kDate;
        e.logical_type = lt;
        e.converted_type = ConvertedType::kDate;
        break;
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz:
        leaf.physical = PhysicalType::kInt64;
        lt.kind = LogicalType::Kind::kTimestamp;
        lt.unit = TimeUnit::kMicros;
        lt.adjusted_to_utc = type.id() == TypeId::kTimestamp;
        e.logical_type = lt;
        // parquet.thrift: TIMESTAMP_MICROS for TIMESTAMP(isAdjustedToUTC = *, unit = MICROS).
        e.converted_type = ConvertedType::kTimestampMicros;
        break;
      case TypeId::kDecimal: {
        const int p = type.precision();
        if (p <= 9) {
          leaf.physical = PhysicalType::kInt32;
        } else if (p <= 18) {
          leaf.physical = PhysicalType::kInt64;
        } else {
          leaf.physical = PhysicalType::kFixedLenByteArray;
          leaf.type_length = decimal_byte_width(p);
          e.type_length = leaf.type_length;
        }
        lt.kind = LogicalType::Kind::kDecimal;
        lt.precision = p;
        lt.scale = type.scale();
        e.logical_type = lt;
        e.converted_type = ConvertedType::kDecimal;
        e.precision = p;
        e.scale = type.scale();
        break;
      }
      case TypeId::kString:
        leaf.physical = PhysicalType::kByteArray;
        lt.kind = LogicalType::Kind::kString;
        e.logical_type = lt;
        e.converted_type = ConvertedType::kUtf8;
        break;
      case TypeId::kBinary:
        leaf.physical = PhysicalType::kByteArray;
        break;
      case TypeId::kNull:
        if (rep != Repetition::kOptional) {
          throw Error::invalid_input("column '" + joined() + "' has type NULL but is NOT NULL",
                                     "make the column nullable or give it a concrete type");
        }
        leaf.physical = PhysicalType::kInt32;
        lt.kind = LogicalType::Kind::kUnknown;
        e.logical_type = lt;
        break;
      default:
        BULLION_ASSERT(false, "unexpected type in Parquet write schema");
    }
    e.type = leaf.physical;
    out_->elements.push_back(e);
    out_->leaves.push_back(std::move(leaf));
    return node;
  }

  std::string joined() const { return join(path_); }

  WriteSchema* out_;
  std::vector<std::string> path_;
};

}  // namespace

WriteSchema build_write_schema(const Schema& schema) {
  WriteSchema out;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema.size());
  out.elements.push_back(root);
  WriteSchemaBuilder b(&out);
  for (const Field& f : schema.fields()) {
    out.leaf_begin.push_back(out.leaves.size());
    out.fields.push_back(b.build(f.name, f.type, f.nullable ? Repetition::kOptional : Repetition::kRequired, 0, 0));
  }
  out.leaf_begin.push_back(out.leaves.size());
  return out;
}

}  // namespace bullion::parquet
