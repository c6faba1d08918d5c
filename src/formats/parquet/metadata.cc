#include "formats/parquet/metadata.h"

#include "bullion/core/error.h"
#include "formats/parquet/thrift_compact.h"

namespace bullion::parquet {

std::string_view physical_type_name(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBoolean:
      return "BOOLEAN";
    case PhysicalType::kInt32:
      return "INT32";
    case PhysicalType::kInt64:
      return "INT64";
    case PhysicalType::kInt96:
      return "INT96";
    case PhysicalType::kFloat:
      return "FLOAT";
    case PhysicalType::kDouble:
      return "DOUBLE";
    case PhysicalType::kByteArray:
      return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN_PHYSICAL_TYPE";
}

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kPlain:
      return "PLAIN";
    case Encoding::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case Encoding::kRle:
      return "RLE";
    case Encoding::kBitPacked:
      return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary:
      return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN_ENCODING";
}

std::string_view codec_name(Codec c) {
  switch (c) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kLzo:
      return "LZO";
    case Codec::kBrotli:
      return "BROTLI";
    case Codec::kLz4:
      return "LZ4";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "UNKNOWN_CODEC";
}

namespace {

using FieldHeader = CompactReader::FieldHeader;

// Reads the fields of one struct; `on_field` returns false for fields it did
// not consume (unknown id or unexpected wire type), which are skipped.
template <class F>
void read_struct(CompactReader& r, F&& on_field) {
  r.begin_struct();
  while (true) {
    const FieldHeader h = r.read_field();
    if (h.type == WireType::kStop) break;
    if (!on_field(h)) r.skip(h.type);
  }
  r.end_struct();
}

bool is_bool(const FieldHeader& h) { return h.type == WireType::kTrue || h.type == WireType::kFalse; }

template <class T, class F>
void read_list(CompactReader& r, WireType expected, std::vector<T>* out, F&& read_element) {
  const CompactReader::ListHeader lh = r.read_list_header();
  if (lh.element_type != expected) {
    // Not the type we know: skip the elements.
    for (uint32_t i = 0; i < lh.size; ++i) {
      if (lh.element_type == WireType::kTrue || lh.element_type == WireType::kFalse) {
        r.read_bool_element();
      } else {
        r.skip(lh.element_type);
      }
    }
    return;
  }
  out->clear();
  for (uint32_t i = 0; i < lh.size; ++i) out->push_back(read_element());
}

void require(CompactReader& r, bool present, std::string_view what) {
  if (!present) r.fail(std::string("required field ") + std::string(what) + " is missing");
}

TimeUnit read_time_unit(CompactReader& r) {
  TimeUnit unit = TimeUnit::kMicros;
  read_struct(r, [&](const FieldHeader& h) {
    if (h.type != WireType::kStruct) return false;
    if (h.id == 1)
      unit = TimeUnit::kMillis;
    else if (h.id == 2)
      unit = TimeUnit::kMicros;
    else if (h.id == 3)
      unit = TimeUnit::kNanos;
    else
      return false;
    r.skip(WireType::kStruct);
    return true;
  });
  return unit;
}

LogicalType read_logical_type(CompactReader& r) {
  LogicalType lt;
  bool seen = false;
  read_struct(r, [&](const FieldHeader& h) {
    if (h.type != WireType::kStruct || seen) return false;
    seen = true;
    using K = LogicalType::Kind;
    switch (h.id) {
      case 1:
        lt.kind = K::kString;
        break;
      case 2:
        lt.kind = K::kMap;
        break;
      case 3:
        lt.kind = K::kList;
        break;
      case 4:
        lt.kind = K::kEnum;
        break;
      case 5:
        lt.kind = K::kDecimal;
        read_struct(r, [&](const FieldHeader& f) {
          if (f.type != WireType::kI32) return false;
          if (f.id == 1)
            lt.scale = r.read_i32();
          else if (f.id == 2)
            lt.precision = r.read_i32();
          else
            return false;
          return true;
        });
        return true;
      case 6:
        lt.kind = K::kDate;
        break;
      case 7:
      case 8:
        lt.kind = h.id == 7 ? K::kTime : K::kTimestamp;
        read_struct(r, [&](const FieldHeader& f) {
          if (f.id == 1 && is_bool(f))
            lt.adjusted_to_utc = f.bool_value;
          else if (f.id == 2 && f.type == WireType::kStruct)
            lt.unit = read_time_unit(r);
          else
            return false;
          return true;
        });
        return true;
      case 10:
        lt.kind = K::kInteger;
        read_struct(r, [&](const FieldHeader& f) {
          if (f.id == 1 && f.type == WireType::kByte)
            lt.bit_width = r.read_i8();
          else if (f.id == 2 && is_bool(f))
            lt.is_signed = f.bool_value;
          else
            return false;
          return true;
        });
        return true;
      case 11:
        lt.kind = K::kUnknown;
        break;
      case 12:
        lt.kind = K::kJson;
        break;
      case 13:
        lt.kind = K::kBson;
        break;
      case 14:
        lt.kind = K::kUuid;
        break;
      case 15:
        lt.kind = K::kFloat16;
        break;
      case 16:
        lt.kind = K::kVariant;
        break;
      case 17:
        lt.kind = K::kGeometry;
        break;
      case 18:
        lt.kind = K::kGeography;
        break;
      default:
        lt.kind = K::kOther;
        break;
    }
    lt.union_field = h.id;
    r.skip(WireType::kStruct);
    return true;
  });
  return lt;
}

Statistics read_statistics(CompactReader& r) {
  Statistics s;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kBinary) return false;
        s.max = r.read_string();
        return true;
      case 2:
        if (h.type != WireType::kBinary) return false;
        s.min = r.read_string();
        return true;
      case 3:
        if (h.type != WireType::kI64) return false;
        s.null_count = r.read_i64();
        return true;
      case 4:
        if (h.type != WireType::kI64) return false;
        s.distinct_count = r.read_i64();
        return true;
      case 5:
        if (h.type != WireType::kBinary) return false;
        s.max_value = r.read_string();
        return true;
      case 6:
        if (h.type != WireType::kBinary) return false;
        s.min_value = r.read_string();
        return true;
      case 7:
        if (!is_bool(h)) return false;
        s.is_max_value_exact = h.bool_value;
        return true;
      case 8:
        if (!is_bool(h)) return false;
        s.is_min_value_exact = h.bool_value;
        return true;
      case 9:
        if (h.type != WireType::kI64) return false;
        s.nan_count = r.read_i64();
        return true;
      default:
        return false;
    }
  });
  return s;
}

SchemaElement read_schema_element(CompactReader& r) {
  SchemaElement e;
  bool has_name = false;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kI32) return false;
        e.type = static_cast<PhysicalType>(r.read_i32());
        return true;
      case 2:
        if (h.type != WireType::kI32) return false;
        e.type_length = r.read_i32();
        return true;
      case 3:
        if (h.type != WireType::kI32) return false;
        e.repetition = static_cast<Repetition>(r.read_i32());
        return true;
      case 4:
        if (h.type != WireType::kBinary) return false;
        e.name = r.read_string();
        has_name = true;
        return true;
      case 5:
        if (h.type != WireType::kI32) return false;
        e.num_children = r.read_i32();
        return true;
      case 6:
        if (h.type != WireType::kI32) return false;
        e.converted_type = static_cast<ConvertedType>(r.read_i32());
        return true;
      case 7:
        if (h.type != WireType::kI32) return false;
        e.scale = r.read_i32();
        return true;
      case 8:
        if (h.type != WireType::kI32) return false;
        e.precision = r.read_i32();
        return true;
      case 9:
        if (h.type != WireType::kI32) return false;
        e.field_id = r.read_i32();
        return true;
      case 10:
        if (h.type != WireType::kStruct) return false;
        e.logical_type = read_logical_type(r);
        return true;
      default:
        return false;
    }
  });
  require(r, has_name, "SchemaElement.name");
  return e;
}

KeyValue read_key_value(CompactReader& r) {
  KeyValue kv;
  bool has_key = false;
  read_struct(r, [&](const FieldHeader& h) {
    if (h.type != WireType::kBinary) return false;
    if (h.id == 1) {
      kv.key = r.read_string();
      has_key = true;
    } else if (h.id == 2) {
      kv.value = r.read_string();
    } else {
      return false;
    }
    return true;
  });
  require(r, has_key, "KeyValue.key");
  return kv;
}

PageEncodingStats read_page_encoding_stats(CompactReader& r) {
  PageEncodingStats s;
  read_struct(r, [&](const FieldHeader& h) {
    if (h.type != WireType::kI32) return false;
    if (h.id == 1)
      s.page_type = static_cast<PageType>(r.read_i32());
    else if (h.id == 2)
      s.encoding = static_cast<Encoding>(r.read_i32());
    else if (h.id == 3)
      s.count = r.read_i32();
    else
      return false;
    return true;
  });
  return s;
}

ColumnMetaData read_column_metadata(CompactReader& r) {
  ColumnMetaData m;
  unsigned seen = 0;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kI32) return false;
        m.type = static_cast<PhysicalType>(r.read_i32());
        seen |= 1;
        return true;
      case 2:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kI32, &m.encodings, [&] { return static_cast<Encoding>(r.read_i32()); });
        seen |= 2;
        return true;
      case 3:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kBinary, &m.path_in_schema, [&] { return r.read_string(); });
        seen |= 4;
        return true;
      case 4:
        if (h.type != WireType::kI32) return false;
        m.codec = static_cast<Codec>(r.read_i32());
        seen |= 8;
        return true;
      case 5:
        if (h.type != WireType::kI64) return false;
        m.num_values = r.read_i64();
        seen |= 16;
        return true;
      case 6:
        if (h.type != WireType::kI64) return false;
        m.total_uncompressed_size = r.read_i64();
        return true;
      case 7:
        if (h.type != WireType::kI64) return false;
        m.total_compressed_size = r.read_i64();
        seen |= 32;
        return true;
      case 8:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &m.key_value_metadata, [&] { return read_key_value(r); });
        return true;
      case 9:
        if (h.type != WireType::kI64) return false;
        m.data_page_offset = r.read_i64();
        seen |= 64;
        return true;
      case 10:
        if (h.type != WireType::kI64) return false;
        m.index_page_offset = r.read_i64();
        return true;
      case 11:
        if (h.type != WireType::kI64) return false;
        m.dictionary_page_offset = r.read_i64();
        return true;
      case 12:
        if (h.type != WireType::kStruct) return false;
        m.statistics = read_statistics(r);
        return true;
      case 13:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &m.encoding_stats, [&] { return read_page_encoding_stats(r); });
        return true;
      default:
        return false;
    }
  });
  require(r, seen & 1, "ColumnMetaData.type");
  require(r, seen & 4, "ColumnMetaData.path_in_schema");
  require(r, seen & 8, "ColumnMetaData.codec");
  require(r, seen & 16, "ColumnMetaData.num_values");
  require(r, seen & 32, "ColumnMetaData.total_compressed_size");
  require(r, seen & 64, "ColumnMetaData.data_page_offset");
  return m;
}

ColumnChunk read_column_chunk(CompactReader& r) {
  ColumnChunk c;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kBinary) return false;
        c.file_path = r.read_string();
        return true;
      case 2:
        if (h.type != WireType::kI64) return false;
        c.file_offset = r.read_i64();
        return true;
      case 3:
        if (h.type != WireType::kStruct) return false;
        c.meta_data = read_column_metadata(r);
        return true;
      case 8:
      case 9:
        c.encrypted = true;
        return false;
      default:
        return false;
    }
  });
  return c;
}

RowGroup read_row_group(CompactReader& r) {
  RowGroup g;
  unsigned seen = 0;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &g.columns, [&] { return read_column_chunk(r); });
        seen |= 1;
        return true;
      case 2:
        if (h.type != WireType::kI64) return false;
        g.total_byte_size = r.read_i64();
        return true;
      case 3:
        if (h.type != WireType::kI64) return false;
        g.num_rows = r.read_i64();
        seen |= 2;
        return true;
      case 5:
        if (h.type != WireType::kI64) return false;
        g.file_offset = r.read_i64();
        return true;
      case 6:
        if (h.type != WireType::kI64) return false;
        g.total_compressed_size = r.read_i64();
        return true;
      case 7:
        if (h.type != WireType::kI16) return false;
        g.ordinal = r.read_i16();
        return true;
      default:
        return false;
    }
  });
  require(r, seen & 1, "RowGroup.columns");
  require(r, seen & 2, "RowGroup.num_rows");
  return g;
}

ColumnOrder read_column_order(CompactReader& r) {
  ColumnOrder o = ColumnOrder::kUnknown;
  read_struct(r, [&](const FieldHeader& h) {
    if (h.type != WireType::kStruct) return false;
    if (h.id == 1)
      o = ColumnOrder::kTypeDefined;
    else if (h.id == 2)
      o = ColumnOrder::kIeee754TotalOrder;
    else if (h.id == 3)
      o = ColumnOrder::kInt96Timestamp;
    else
      return false;
    r.skip(WireType::kStruct);
    return true;
  });
  return o;
}

}  // namespace

FileMetaData decode_file_metadata(const uint8_t* data, size_t size, std::string_view context) {
  CompactReader r(data, size, context);
  FileMetaData m;
  unsigned seen = 0;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kI32) return false;
        m.version = r.read_i32();
        return true;
      case 2:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &m.schema, [&] { return read_schema_element(r); });
        seen |= 1;
        return true;
      case 3:
        if (h.type != WireType::kI64) return false;
        m.num_rows = r.read_i64();
        seen |= 2;
        return true;
      case 4:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &m.row_groups, [&] { return read_row_group(r); });
        seen |= 4;
        return true;
      case 5:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &m.key_value_metadata, [&] { return read_key_value(r); });
        return true;
      case 6:
        if (h.type != WireType::kBinary) return false;
        m.created_by = r.read_string();
        return true;
      case 7:
        if (h.type != WireType::kList) return false;
        read_list(r, WireType::kStruct, &m.column_orders, [&] { return read_column_order(r); });
        return true;
      case 8:
        m.encrypted = true;
        return false;
      default:
        return false;
    }
  });
  require(r, seen & 1, "FileMetaData.schema");
  require(r, seen & 2, "FileMetaData.num_rows");
  require(r, seen & 4, "FileMetaData.row_groups");
  return m;
}

PageHeader decode_page_header(const uint8_t* data, size_t size, std::string_view context, size_t* header_size) {
  CompactReader r(data, size, context);
  PageHeader p;
  unsigned seen = 0;
  read_struct(r, [&](const FieldHeader& h) {
    switch (h.id) {
      case 1:
        if (h.type != WireType::kI32) return false;
        p.type = static_cast<PageType>(r.read_i32());
        seen |= 1;
        return true;
      case 2:
        if (h.type != WireType::kI32) return false;
        p.uncompressed_page_size = r.read_i32();
        seen |= 2;
        return true;
      case 3:
        if (h.type != WireType::kI32) return false;
        p.compressed_page_size = r.read_i32();
        seen |= 4;
        return true;
      case 4:
        if (h.type != WireType::kI32) return false;
        p.crc = r.read_i32();
        return true;
      case 5: {
        if (h.type != WireType::kStruct) return false;
        DataPageHeader d;
        unsigned s = 0;
        read_struct(r, [&](const FieldHeader& f) {
          if (f.type != WireType::kI32) return false;
          switch (f.id) {
            case 1:
              d.num_values = r.read_i32();
              s |= 1;
              return true;
            case 2:
              d.encoding = static_cast<Encoding>(r.read_i32());
              s |= 2;
              return true;
            case 3:
              d.definition_level_encoding = static_cast<Encoding>(r.read_i32());
              return true;
            case 4:
              d.repetition_level_encoding = static_cast<Encoding>(r.read_i32());
              return true;
            default:
              return false;
          }
        });
        require(r, s == 3, "DataPageHeader.num_values/encoding");
        p.data_page_header = d;
        return true;
      }
      case 7: {
        if (h.type != WireType::kStruct) return false;
        DictionaryPageHeader d;
        unsigned s = 0;
        read_struct(r, [&](const FieldHeader& f) {
          if (f.id == 3 && is_bool(f)) {
            d.is_sorted = f.bool_value;
            return true;
          }
          if (f.type != WireType::kI32) return false;
          if (f.id == 1) {
            d.num_values = r.read_i32();
            s |= 1;
          } else if (f.id == 2) {
            d.encoding = static_cast<Encoding>(r.read_i32());
            s |= 2;
          } else {
            return false;
          }
          return true;
        });
        require(r, s == 3, "DictionaryPageHeader.num_values/encoding");
        p.dictionary_page_header = d;
        return true;
      }
      case 8: {
        if (h.type != WireType::kStruct) return false;
        DataPageHeaderV2 d;
        unsigned s = 0;
        read_struct(r, [&](const FieldHeader& f) {
          if (f.id == 7 && is_bool(f)) {
            d.is_compressed = f.bool_value;
            return true;
          }
          if (f.type != WireType::kI32) return false;
          switch (f.id) {
            case 1:
              d.num_values = r.read_i32();
              s |= 1;
              return true;
            case 2:
              d.num_nulls = r.read_i32();
              s |= 2;
              return true;
            case 3:
              d.num_rows = r.read_i32();
              s |= 4;
              return true;
            case 4:
              d.encoding = static_cast<Encoding>(r.read_i32());
              s |= 8;
              return true;
            case 5:
              d.definition_levels_byte_length = r.read_i32();
              s |= 16;
              return true;
            case 6:
              d.repetition_levels_byte_length = r.read_i32();
              s |= 32;
              return true;
            default:
              return false;
          }
        });
        require(r, s == 63, "DataPageHeaderV2 fields");
        p.data_page_header_v2 = d;
        return true;
      }
      default:
        return false;
    }
  });
  require(r, seen == 7, "PageHeader.type/uncompressed_page_size/compressed_page_size");
  *header_size = r.position();
  return p;
}

// ---------------------------------------------------------------------------
// Encoding

namespace {

void write_statistics(CompactWriter& w, const Statistics& s) {
  if (s.max) w.field_binary(1, *s.max);
  if (s.min) w.field_binary(2, *s.min);
  if (s.null_count) w.field_i64(3, *s.null_count);
  if (s.distinct_count) w.field_i64(4, *s.distinct_count);
  if (s.max_value) w.field_binary(5, *s.max_value);
  if (s.min_value) w.field_binary(6, *s.min_value);
  if (s.is_max_value_exact) w.field_bool(7, *s.is_max_value_exact);
  if (s.is_min_value_exact) w.field_bool(8, *s.is_min_value_exact);
  if (s.nan_count) w.field_i64(9, *s.nan_count);
}

void write_empty_struct_field(CompactWriter& w, int16_t id) {
  w.field_struct_begin(id);
  w.end_struct();
}

void write_logical_type(CompactWriter& w, const LogicalType& lt) {
  using K = LogicalType::Kind;
  switch (lt.kind) {
    case K::kString:
      write_empty_struct_field(w, 1);
      break;
    case K::kMap:
      write_empty_struct_field(w, 2);
      break;
    case K::kList:
      write_empty_struct_field(w, 3);
      break;
    case K::kEnum:
      write_empty_struct_field(w, 4);
      break;
    case K::kDecimal:
      w.field_struct_begin(5);
      w.field_i32(1, lt.scale);
      w.field_i32(2, lt.precision);
      w.end_struct();
      break;
    case K::kDate:
      write_empty_struct_field(w, 6);
      break;
    case K::kTime:
    case K::kTimestamp:
      w.field_struct_begin(lt.kind == K::kTime ? 7 : 8);
      w.field_bool(1, lt.adjusted_to_utc);
      w.field_struct_begin(2);
      write_empty_struct_field(w, lt.unit == TimeUnit::kMillis ? 1 : (lt.unit == TimeUnit::kMicros ? 2 : 3));
      w.end_struct();
      w.end_struct();
      break;
    case K::kInteger:
      w.field_struct_begin(10);
      w.field_i8(1, lt.bit_width);
      w.field_bool(2, lt.is_signed);
      w.end_struct();
      break;
    case K::kUnknown:
      write_empty_struct_field(w, 11);
      break;
    case K::kJson:
      write_empty_struct_field(w, 12);
      break;
    case K::kBson:
      write_empty_struct_field(w, 13);
      break;
    case K::kUuid:
      write_empty_struct_field(w, 14);
      break;
    case K::kFloat16:
      write_empty_struct_field(w, 15);
      break;
    default:
      BULLION_ASSERT(false, "bullion does not write this logical type");
  }
}

void write_key_values(CompactWriter& w, int16_t id, const std::vector<KeyValue>& kvs) {
  w.field_list_begin(id, WireType::kStruct, kvs.size());
  for (const KeyValue& kv : kvs) {
    w.element_struct_begin();
    w.field_binary(1, kv.key);
    if (kv.value) w.field_binary(2, *kv.value);
    w.end_struct();
  }
}

}  // namespace

void encode_file_metadata(const FileMetaData& m, std::string* out) {
  CompactWriter w(out);
  w.begin_struct();
  w.field_i32(1, m.version);
  w.field_list_begin(2, WireType::kStruct, m.schema.size());
  for (const SchemaElement& e : m.schema) {
    w.element_struct_begin();
    if (e.type) w.field_i32(1, static_cast<int32_t>(*e.type));
    if (e.type_length) w.field_i32(2, *e.type_length);
    if (e.repetition) w.field_i32(3, static_cast<int32_t>(*e.repetition));
    w.field_binary(4, e.name);
    if (e.num_children) w.field_i32(5, *e.num_children);
    if (e.converted_type) w.field_i32(6, static_cast<int32_t>(*e.converted_type));
    if (e.scale) w.field_i32(7, *e.scale);
    if (e.precision) w.field_i32(8, *e.precision);
    if (e.field_id) w.field_i32(9, *e.field_id);
    if (e.logical_type) {
      w.field_struct_begin(10);
      write_logical_type(w, *e.logical_type);
      w.end_struct();
    }
    w.end_struct();
  }
  w.field_i64(3, m.num_rows);
  w.field_list_begin(4, WireType::kStruct, m.row_groups.size());
  for (const RowGroup& g : m.row_groups) {
    w.element_struct_begin();
    w.field_list_begin(1, WireType::kStruct, g.columns.size());
    for (const ColumnChunk& c : g.columns) {
      w.element_struct_begin();
      if (c.file_path) w.field_binary(1, *c.file_path);
      w.field_i64(2, c.file_offset);
      if (c.meta_data) {
        const ColumnMetaData& cm = *c.meta_data;
        w.field_struct_begin(3);
        w.field_i32(1, static_cast<int32_t>(cm.type));
        w.field_list_begin(2, WireType::kI32, cm.encodings.size());
        for (Encoding e : cm.encodings) w.element_i32(static_cast<int32_t>(e));
        w.field_list_begin(3, WireType::kBinary, cm.path_in_schema.size());
        for (const std::string& p : cm.path_in_schema) w.element_binary(p);
        w.field_i32(4, static_cast<int32_t>(cm.codec));
        w.field_i64(5, cm.num_values);
        w.field_i64(6, cm.total_uncompressed_size);
        w.field_i64(7, cm.total_compressed_size);
        if (!cm.key_value_metadata.empty()) write_key_values(w, 8, cm.key_value_metadata);
        w.field_i64(9, cm.data_page_offset);
        if (cm.index_page_offset) w.field_i64(10, *cm.index_page_offset);
        if (cm.dictionary_page_offset) w.field_i64(11, *cm.dictionary_page_offset);
        if (cm.statistics) {
          w.field_struct_begin(12);
          write_statistics(w, *cm.statistics);
          w.end_struct();
        }
        if (!cm.encoding_stats.empty()) {
          w.field_list_begin(13, WireType::kStruct, cm.encoding_stats.size());
          for (const PageEncodingStats& s : cm.encoding_stats) {
            w.element_struct_begin();
            w.field_i32(1, static_cast<int32_t>(s.page_type));
            w.field_i32(2, static_cast<int32_t>(s.encoding));
            w.field_i32(3, s.count);
            w.end_struct();
          }
        }
        w.end_struct();
      }
      w.end_struct();
    }
    w.field_i64(2, g.total_byte_size);
    w.field_i64(3, g.num_rows);
    if (g.file_offset) w.field_i64(5, *g.file_offset);
    if (g.total_compressed_size) w.field_i64(6, *g.total_compressed_size);
    if (g.ordinal) w.field_i16(7, *g.ordinal);
    w.end_struct();
  }
  if (!m.key_value_metadata.empty()) write_key_values(w, 5, m.key_value_metadata);
  if (m.created_by) w.field_binary(6, *m.created_by);
  if (!m.column_orders.empty()) {
    w.field_list_begin(7, WireType::kStruct, m.column_orders.size());
    for (ColumnOrder o : m.column_orders) {
      // kUnknown is written as a union member no reader knows (tests use it).
      const int16_t id = o == ColumnOrder::kTypeDefined         ? 1
                         : o == ColumnOrder::kIeee754TotalOrder ? 2
                         : o == ColumnOrder::kInt96Timestamp    ? 3
                                                                : 15;
      w.element_struct_begin();
      write_empty_struct_field(w, id);
      w.end_struct();
    }
  }
  w.end_struct();
}

void encode_page_header(const PageHeader& p, std::string* out) {
  CompactWriter w(out);
  w.begin_struct();
  w.field_i32(1, static_cast<int32_t>(p.type));
  w.field_i32(2, p.uncompressed_page_size);
  w.field_i32(3, p.compressed_page_size);
  if (p.crc) w.field_i32(4, *p.crc);
  if (p.data_page_header) {
    const DataPageHeader& d = *p.data_page_header;
    w.field_struct_begin(5);
    w.field_i32(1, d.num_values);
    w.field_i32(2, static_cast<int32_t>(d.encoding));
    w.field_i32(3, static_cast<int32_t>(d.definition_level_encoding));
    w.field_i32(4, static_cast<int32_t>(d.repetition_level_encoding));
    w.end_struct();
  }
  if (p.dictionary_page_header) {
    const DictionaryPageHeader& d = *p.dictionary_page_header;
    w.field_struct_begin(7);
    w.field_i32(1, d.num_values);
    w.field_i32(2, static_cast<int32_t>(d.encoding));
    if (d.is_sorted) w.field_bool(3, *d.is_sorted);
    w.end_struct();
  }
  if (p.data_page_header_v2) {
    const DataPageHeaderV2& d = *p.data_page_header_v2;
    w.field_struct_begin(8);
    w.field_i32(1, d.num_values);
    w.field_i32(2, d.num_nulls);
    w.field_i32(3, d.num_rows);
    w.field_i32(4, static_cast<int32_t>(d.encoding));
    w.field_i32(5, d.definition_levels_byte_length);
    w.field_i32(6, d.repetition_levels_byte_length);
    w.field_bool(7, d.is_compressed);
    w.end_struct();
  }
  w.end_struct();
}

}  // namespace bullion::parquet
