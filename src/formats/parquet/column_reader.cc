#include "formats/parquet/column_reader.h"

#include <algorithm>
#include <cstring>

#include "bullion/core/error.h"
#include "formats/parquet/physical.h"

namespace bullion::parquet {

namespace {

constexpr size_t kWindowBytes = size_t{1} << 20;
constexpr size_t kFirstHeaderRead = size_t{64} << 10;
constexpr size_t kMaxHeaderBytes = size_t{16} << 20;

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <class T>
void gather(const T* dict, const uint32_t* idx, T* out, size_t k) {
  for (size_t i = 0; i < k; ++i) out[i] = dict[idx[i]];
}

}  // namespace

bool ScanMemory::set(uint64_t* account, uint64_t bytes) {
  if (bytes > *account) {
    const uint64_t d = bytes - *account;
    // Pages in flight cannot be spilled: a scan whose own buffers fit the
    // limit goes on even when spilling operators (aggregate, join, sort)
    // hold the rest of the budget — they see it full and spill at their next
    // reservation. Only buffers that could never fit are refused.
    if (total_ + d > budget_.limit()) return false;
    budget_.reserve(d);
    total_ += d;
  } else {
    const uint64_t d = *account - bytes;
    budget_.release(d);
    total_ -= d;
  }
  *account = bytes;
  peak_ = std::max(peak_, total_);
  return true;
}

LeafReader::LeafReader(const RandomAccessFile& file, std::string_view context, const LeafInfo& leaf,
                       const ColumnMetaData& meta, size_t row_group, uint64_t data_end, ScanMemory& memory)
    : file_(file),
      context_(std::string(context) + ": column '" + leaf.dotted_path + "' in row group " + std::to_string(row_group)),
      leaf_(leaf),
      meta_(meta),
      memory_(memory),
      codec_(meta.codec) {
  if (!PageCodec::can_decompress(meta.codec)) {
    throw Error::unsupported(
        context_ + " is compressed with " + std::string(codec_name(meta.codec)) + ", which bullion cannot read",
        "rewrite the file with ZSTD, SNAPPY, GZIP, LZ4_RAW or no compression");
  }
  switch (leaf.physical) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      value_width_ = 4;
      break;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      value_width_ = 8;
      break;
    case PhysicalType::kInt96:
      value_width_ = 12;
      break;
    case PhysicalType::kFixedLenByteArray:
      value_width_ = static_cast<size_t>(leaf.type_length);
      break;
    default:
      value_width_ = 0;
      break;
  }
  int64_t start = meta.data_page_offset;
  if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 && *meta.dictionary_page_offset < start) {
    start = *meta.dictionary_page_offset;
  }
  if (start < 4 || meta.total_compressed_size < 0 || static_cast<uint64_t>(start) > data_end ||
      static_cast<uint64_t>(meta.total_compressed_size) > data_end - static_cast<uint64_t>(start)) {
    corrupt("the column chunk at offset " + std::to_string(start) + " of " +
            std::to_string(meta.total_compressed_size) + " bytes lies outside the file's data (which ends at " +
            std::to_string(data_end) + ")");
  }
  pos_ = static_cast<uint64_t>(start);
  end_ = pos_ + static_cast<uint64_t>(meta.total_compressed_size);
}

LeafReader::~LeafReader() {
  for (uint64_t* a : {&mem_window_, &mem_page_, &mem_levels_, &mem_dict_, &mem_delta_}) memory_.set(a, 0);
}

void LeafReader::corrupt(const std::string& what) const {
  throw Error::corrupt(context_ + ": " + what, "the file is damaged; rewrite it from its source");
}

void LeafReader::reserve(uint64_t* account, uint64_t bytes, const char* what) {
  if (bytes <= *account) return;
  if (!memory_.set(account, bytes)) {
    throw Error::unsupported(context_ + ": " + what + " of " + format_byte_size(bytes) +
                                 " does not fit the memory budget (" + format_byte_size(memory_.limit()) +
                                 ", this scan holds " + format_byte_size(memory_.total()) + ")",
                             "raise --memory-limit, or rewrite the file with smaller pages");
  }
}

const uint8_t* LeafReader::fetch(uint64_t offset, size_t n) {
  if (offset >= window_start_ && offset + n <= window_start_ + window_len_) {
    return window_.data() + (offset - window_start_);
  }
  const size_t len = static_cast<size_t>(std::min<uint64_t>(std::max(n, kWindowBytes), end_ - offset));
  reserve(&mem_window_, std::max<uint64_t>(len, window_.capacity()), "a read buffer");
  window_.resize(len);
  window_len_ = 0;
  file_.read_at(offset, len, reinterpret_cast<char*>(window_.data()));
  window_start_ = offset;
  window_len_ = len;
  memory_.set(&mem_window_, window_.capacity());
  return window_.data();
}

std::shared_ptr<Buffer> LeafReader::fresh_page_buffer(size_t bytes) {
  // Reuse the page buffer unless a batch still holds views into it.
  if (!page_ || page_.use_count() > 1) {
    page_ = std::make_shared<Buffer>();
    memory_.set(&mem_page_, 0);
  }
  reserve(&mem_page_, std::max<uint64_t>(bytes, page_->capacity()), "a page");
  page_->resize(bytes);
  memory_.set(&mem_page_, page_->capacity());
  return page_;
}

bool LeafReader::next_data_page() {
  while (true) {
    if (entries_loaded_ >= meta_.num_values || pos_ >= end_) return false;
    size_t want = static_cast<size_t>(std::min<uint64_t>(end_ - pos_, kFirstHeaderRead));
    PageHeader h;
    size_t header_size = 0;
    const std::string where = context_ + ": page header at byte " + std::to_string(pos_);
    while (true) {
      const uint8_t* p = fetch(pos_, want);
      try {
        h = decode_page_header(p, want, where, &header_size);
        break;
      } catch (const Error& e) {
        // A header longer than what was read (large statistics): read more.
        if (e.category() != ErrorCategory::kCorrupt || want >= end_ - pos_ || want >= kMaxHeaderBytes) throw;
        want = static_cast<size_t>(std::min<uint64_t>(end_ - pos_, want * 4));
      }
    }
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) {
      corrupt("page at byte " + std::to_string(pos_) + " has a negative size");
    }
    const uint64_t body_offset = pos_ + header_size;
    const size_t compressed = static_cast<size_t>(h.compressed_page_size);
    if (compressed > end_ - body_offset) {
      corrupt("page at byte " + std::to_string(pos_) + " of " + std::to_string(compressed) +
              " bytes extends past the end of the column chunk (byte " + std::to_string(end_) + ")");
    }
    const uint8_t* body = fetch(body_offset, compressed);
    pos_ = body_offset + compressed;
    switch (h.type) {
      case PageType::kDictionaryPage:
        read_dictionary_page(h, body);
        break;
      case PageType::kDataPage:
      case PageType::kDataPageV2:
        load_data_page(h, body);
        if (page_entries_ > 0) return true;
        break;
      default:
        break;  // index pages and page types from the future are skipped
    }
  }
}

void LeafReader::read_dictionary_page(const PageHeader& h, const uint8_t* body) {
  if (dict_) corrupt("the column chunk has more than one dictionary page");
  if (any_page_) corrupt("a dictionary page follows a data page");
  if (!h.dictionary_page_header) corrupt("a dictionary page has no DictionaryPageHeader");
  const DictionaryPageHeader& d = *h.dictionary_page_header;
  if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
    throw Error::unsupported(context_ + ": dictionary page encoding " + std::string(encoding_name(d.encoding)) +
                             " is not supported");
  }
  if (d.num_values < 0) corrupt("the dictionary page has a negative value count");
  const size_t size = static_cast<size_t>(h.uncompressed_page_size);
  const size_t compressed = static_cast<size_t>(h.compressed_page_size);
  std::string err = codec_.check_size(body, compressed, size);
  if (!err.empty()) corrupt("dictionary page: " + err);
  const size_t n = static_cast<size_t>(d.num_values);
  // Every PLAIN value takes at least a bit (booleans), a length prefix or its width.
  const size_t min_bits = leaf_.physical == PhysicalType::kBoolean     ? 1
                          : leaf_.physical == PhysicalType::kByteArray ? 32
                                                                       : value_width_ * 8;
  if (n > 0 && (min_bits == 0 || n > size * 8 / min_bits)) {
    corrupt("the dictionary page claims " + std::to_string(n) + " values in " + std::to_string(size) + " bytes");
  }
  auto page = std::make_shared<Buffer>();
  reserve(&mem_dict_, size + n * std::max<size_t>(leaf_.type.value_width(), 1), "a dictionary page");
  page->resize(size);
  err = codec_.decompress(body, compressed, page->data(), size);
  if (!err.empty()) corrupt("dictionary page: " + err);
  dict_ = Column::make(leaf_.type);
  dict_page_ = page;
  if (leaf_.conversion == Conversion::kNull) return;
  dict_->resize(n);
  PlainCursor c{page->data(), page->data() + size, 0};
  decode_plain(c, n, *dict_, 0, "the dictionary page");
  if (leaf_.type.is_string_like()) dict_->keep_alive(page);
}

void LeafReader::decode_levels(Encoding encoding, const uint8_t* data, size_t size, int max_level, bool length_prefix,
                               int16_t* out, size_t n, const char* which, size_t* consumed) {
  const int bw = bit_width_for(static_cast<uint64_t>(max_level));
  if (encoding == Encoding::kRle) {
    const uint8_t* start = data;
    size_t len = size;
    if (length_prefix) {
      if (size < 4) corrupt(std::string(which) + " levels: the page ends inside their length");
      len = load_u32(data);
      if (len > size - 4) {
        corrupt(std::string(which) + " levels claim " + std::to_string(len) + " bytes, the page has " +
                std::to_string(size - 4));
      }
      start = data + 4;
      *consumed = 4 + len;
    } else {
      *consumed = size;
    }
    RleDecoder dec(start, len, bw);
    const size_t got = dec.get_batch(out, n);
    if (got != n) {
      corrupt(std::string(which) + " levels end after " + std::to_string(got) + " of " + std::to_string(n) + " values");
    }
  } else if (encoding == Encoding::kBitPacked && length_prefix) {
    const uint64_t bytes = (static_cast<uint64_t>(n) * static_cast<uint64_t>(bw) + 7) / 8;
    if (bytes > size || !decode_bit_packed_msb(data, size, bw, out, n)) {
      corrupt(std::string(which) + " levels (BIT_PACKED) end before " + std::to_string(n) + " values");
    }
    *consumed = static_cast<size_t>(bytes);
  } else {
    throw Error::unsupported(context_ + ": " + which + " level encoding " + std::string(encoding_name(encoding)) +
                             " is not supported");
  }
  // The decoder already bounds levels by 2^bw - 1; check only when max_level is below that.
  if (max_level == (1 << bw) - 1) return;
  int16_t mx = 0;
  for (size_t i = 0; i < n; ++i) mx = std::max(mx, out[i]);
  if (mx > max_level) {
    corrupt(std::string(which) + " level " + std::to_string(mx) + " exceeds the column's maximum " +
            std::to_string(max_level));
  }
}

void LeafReader::validate_levels(size_t n) {
  if (leaf_.max_rep == 0) return;
  const int16_t* rep = page_rep_.data();
  const int16_t* def = page_def_.data();
  const std::vector<int16_t>& rd = leaf_.repeated_def;
  int16_t prev = prev_def_;
  for (size_t i = 0; i < n; ++i) {
    const int16_t r = rep[i];
    if (r == 0) {
      prev = def[i];
      continue;
    }
    if (i == 0 && entries_loaded_ == 0) {
      corrupt("the column chunk starts with repetition level " + std::to_string(r) + " instead of 0");
    }
    // An entry that continues the list at depth r needs that list to hold
    // elements, in this entry and in the one before.
    if (def[i] < rd[r] || prev < rd[r]) {
      corrupt("repetition level " + std::to_string(r) + " at value " + std::to_string(entries_loaded_ + i) +
              " continues a list that is empty or NULL (definition levels " + std::to_string(prev) + ", " +
              std::to_string(def[i]) + ")");
    }
    prev = def[i];
  }
  prev_def_ = prev;
}

void LeafReader::load_data_page(const PageHeader& h, const uint8_t* body) {
  const size_t compressed = static_cast<size_t>(h.compressed_page_size);
  const size_t uncompressed = static_cast<size_t>(h.uncompressed_page_size);
  int32_t num_values;
  Encoding encoding;
  const uint8_t* levels = nullptr;
  size_t levels_size = 0;
  size_t rep_bytes = 0, def_bytes = 0;
  bool v2 = h.type == PageType::kDataPageV2;
  if (!v2) {
    if (!h.data_page_header) corrupt("a data page has no DataPageHeader");
    num_values = h.data_page_header->num_values;
    encoding = h.data_page_header->encoding;
  } else {
    if (!h.data_page_header_v2) corrupt("a v2 data page has no DataPageHeaderV2");
    const DataPageHeaderV2& d = *h.data_page_header_v2;
    num_values = d.num_values;
    encoding = d.encoding;
    if (d.repetition_levels_byte_length < 0 || d.definition_levels_byte_length < 0 ||
        static_cast<uint64_t>(d.repetition_levels_byte_length) +
                static_cast<uint64_t>(d.definition_levels_byte_length) >
            std::min(compressed, uncompressed)) {
      corrupt("v2 data page level lengths (" + std::to_string(d.repetition_levels_byte_length) + ", " +
              std::to_string(d.definition_levels_byte_length) + ") exceed the page");
    }
    rep_bytes = static_cast<size_t>(d.repetition_levels_byte_length);
    def_bytes = static_cast<size_t>(d.definition_levels_byte_length);
  }
  if (num_values < 0) corrupt("a data page has a negative value count");
  const size_t n = static_cast<size_t>(num_values);
  any_page_ = true;

  // Page body: v1 compresses levels and values together; v2 keeps its levels uncompressed.
  const uint8_t* values;
  size_t values_size;
  if (!v2) {
    std::string err = codec_.check_size(body, compressed, uncompressed);
    if (!err.empty()) corrupt("data page: " + err);
    fresh_page_buffer(uncompressed);
    err = codec_.decompress(body, compressed, page_->data(), uncompressed);
    if (!err.empty()) corrupt("data page: " + err);
    levels = page_->data();
    levels_size = uncompressed;
  } else {
    const size_t lv = rep_bytes + def_bytes;
    const size_t csize = compressed - lv;
    const size_t usize = uncompressed - lv;
    const bool is_compressed = h.data_page_header_v2->is_compressed && meta_.codec != Codec::kUncompressed;
    if (is_compressed) {
      std::string err = codec_.check_size(body + lv, csize, usize);
      if (!err.empty()) corrupt("data page: " + err);
      fresh_page_buffer(lv + usize);
      if (lv > 0) std::memcpy(page_->data(), body, lv);
      err = codec_.decompress(body + lv, csize, page_->data() + lv, usize);
      if (!err.empty()) corrupt("data page: " + err);
    } else {
      fresh_page_buffer(compressed);
      if (compressed > 0) std::memcpy(page_->data(), body, compressed);
    }
    levels = page_->data();
    levels_size = page_->size();
  }

  // Levels.
  const size_t level_arrays = (leaf_.max_rep > 0 ? 1 : 0) + (leaf_.max_def > 0 ? 1 : 0);
  reserve(&mem_levels_, static_cast<uint64_t>(n) * 2 * level_arrays, "page levels");
  const uint8_t* p = levels;
  size_t left = levels_size;
  if (leaf_.max_rep > 0) {
    page_rep_.resize(n);
    size_t used = 0;
    if (!v2) {
      decode_levels(h.data_page_header->repetition_level_encoding, p, left, leaf_.max_rep, true, page_rep_.data(), n,
                    "repetition", &used);
    } else {
      decode_levels(Encoding::kRle, p, rep_bytes, leaf_.max_rep, false, page_rep_.data(), n, "repetition", &used);
      used = rep_bytes;
    }
    p += used;
    left -= used;
  } else if (v2) {
    p += rep_bytes;
    left -= rep_bytes;
  }
  if (leaf_.max_def > 0) {
    page_def_.resize(n);
    size_t used = 0;
    if (!v2) {
      decode_levels(h.data_page_header->definition_level_encoding, p, left, leaf_.max_def, true, page_def_.data(), n,
                    "definition", &used);
    } else {
      decode_levels(Encoding::kRle, p, def_bytes, leaf_.max_def, false, page_def_.data(), n, "definition", &used);
      used = def_bytes;
    }
    p += used;
    left -= used;
  } else if (v2) {
    p += def_bytes;
    left -= def_bytes;
  }
  values = p;
  values_size = left;
  validate_levels(n);
  page_entries_ = n;
  page_pos_ = 0;
  entries_loaded_ += num_values;

  // Encodings that decode the whole page up front need its non-NULL count.
  size_t non_null = n;
  const bool whole_page = encoding == Encoding::kDeltaLengthByteArray || encoding == Encoding::kDeltaByteArray ||
                          encoding == Encoding::kByteStreamSplit || encoding == Encoding::kDeltaBinaryPacked;
  if (leaf_.max_def > 0 && whole_page) {
    non_null = 0;
    const int16_t mx = leaf_.max_def;
    for (size_t i = 0; i < n; ++i) non_null += page_def_[i] == mx;
  }
  setup_values(encoding, values, values_size, non_null);
}

void LeafReader::setup_values(Encoding encoding, const uint8_t* data, size_t size, size_t num_values) {
  encoding_ = encoding;
  if (leaf_.conversion == Conversion::kNull) return;
  const PhysicalType pt = leaf_.physical;
  auto wrong_type = [&]() {
    corrupt(std::string(encoding_name(encoding)) + " encoding is not valid for " + std::string(physical_type_name(pt)) +
            " values");
  };
  switch (encoding) {
    case Encoding::kPlain:
      plain_ = PlainCursor{data, data + size, 0};
      return;
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      if (!dict_) corrupt("a dictionary-encoded page precedes any dictionary page");
      // An all-NULL page may carry no index data at all; reading values from it fails later.
      if (size == 0) {
        rle_.reset(data, 0, 0);
        return;
      }
      const int bw = data[0];
      if (bw > 32) corrupt("dictionary index bit width " + std::to_string(bw) + " exceeds 32");
      rle_.reset(data + 1, size - 1, bw);
      return;
    }
    case Encoding::kRle: {
      if (pt != PhysicalType::kBoolean) wrong_type();
      if (size < 4) corrupt("RLE booleans: the page ends inside their length");
      const uint32_t len = load_u32(data);
      if (len > size - 4)
        corrupt("RLE booleans claim " + std::to_string(len) + " bytes, the page has " + std::to_string(size - 4));
      rle_.reset(data + 4, len, 1);
      return;
    }
    case Encoding::kDeltaBinaryPacked:
      if (pt != PhysicalType::kInt32 && pt != PhysicalType::kInt64) wrong_type();
      if (!dbp_.init(data, size)) corrupt("malformed DELTA_BINARY_PACKED header");
      if (dbp_.total_count() < num_values) {
        corrupt("DELTA_BINARY_PACKED holds " + std::to_string(dbp_.total_count()) + " values, the page needs " +
                std::to_string(num_values));
      }
      return;
    case Encoding::kDeltaLengthByteArray: {
      if (pt != PhysicalType::kByteArray) wrong_type();
      // Views plus the decoder's length array.
      reserve(&mem_delta_, num_values * (sizeof(std::string_view) + 8), "decoded byte-array lengths");
      const std::string err = decode_delta_length_byte_array(data, size, num_values, &page_views_, nullptr);
      if (!err.empty()) corrupt(err);
      page_views_pos_ = 0;
      delta_storage_.reset();
      return;
    }
    case Encoding::kDeltaByteArray: {
      if (pt != PhysicalType::kByteArray && pt != PhysicalType::kFixedLenByteArray) wrong_type();
      // Views plus the decoder's prefix, suffix and length arrays.
      reserve(&mem_delta_, num_values * (2 * sizeof(std::string_view) + 16), "decoded byte-array prefixes");
      const uint64_t room = memory_.limit() > memory_.total() ? memory_.limit() - memory_.total() : 0;
      auto storage = std::make_shared<std::string>();
      const std::string err =
          decode_delta_byte_array(data, size, num_values, static_cast<size_t>(room), storage.get(), &page_views_);
      if (!err.empty()) corrupt(err);
      reserve(&mem_delta_, num_values * (2 * sizeof(std::string_view) + 16) + storage->size(), "decoded byte arrays");
      if (pt == PhysicalType::kFixedLenByteArray) {
        for (const std::string_view v : page_views_) {
          if (v.size() != value_width_) {
            corrupt("a DELTA_BYTE_ARRAY value of " + std::to_string(v.size()) + " bytes in a FIXED_LEN_BYTE_ARRAY(" +
                    std::to_string(value_width_) + ") column");
          }
        }
      }
      page_views_pos_ = 0;
      delta_storage_ = std::move(storage);
      return;
    }
    case Encoding::kByteStreamSplit:
      if (pt != PhysicalType::kFloat && pt != PhysicalType::kDouble && pt != PhysicalType::kInt32 &&
          pt != PhysicalType::kInt64 && pt != PhysicalType::kFixedLenByteArray) {
        wrong_type();
      }
      if (size != num_values * value_width_) {
        corrupt("BYTE_STREAM_SPLIT data of " + std::to_string(size) + " bytes does not hold " +
                std::to_string(num_values) + " values of " + std::to_string(value_width_) + " bytes");
      }
      bss_data_ = data;
      bss_count_ = num_values;
      bss_pos_ = 0;
      return;
    default:
      throw Error::unsupported(context_ + ": value encoding " + std::string(encoding_name(encoding)) + " (" +
                               std::to_string(static_cast<int>(encoding)) + ") is not supported");
  }
}

void LeafReader::decode_plain(PlainCursor& c, size_t k, Column& out, size_t pos, const char* where) {
  if (k == 0) return;  // an empty dictionary has no buffers (memcpy of nullptr is undefined)
  const size_t avail = static_cast<size_t>(c.end - c.p);
  switch (leaf_.physical) {
    case PhysicalType::kBoolean: {
      if (c.bit + k > static_cast<uint64_t>(avail) * 8) corrupt(std::string(where) + " ends inside its PLAIN booleans");
      unpack_bits(c.p, avail, c.bit, 1, out.mutable_data<uint8_t>() + pos, k);
      c.bit += k;
      return;
    }
    case PhysicalType::kByteArray: {
      std::string_view* dst;
      if (leaf_.conversion == Conversion::kNone) {
        dst = out.mutable_strings() + pos;
      } else {
        view_scratch_.resize(k);
        dst = view_scratch_.data();
      }
      const uint8_t* p = c.p;
      const uint8_t* end = c.end;
      for (size_t i = 0; i < k; ++i) {
        if (end - p < 4) corrupt(std::string(where) + " ends inside a PLAIN byte array length");
        const uint32_t len = load_u32(p);
        if (len > static_cast<size_t>(end - p) - 4) {
          corrupt(std::string(where) + ": a PLAIN byte array of " + std::to_string(len) + " bytes exceeds the page");
        }
        dst[i] = std::string_view(reinterpret_cast<const char*>(p + 4), len);
        p += 4 + len;
      }
      c.p = p;
      if (leaf_.conversion != Conversion::kNone) convert_views(dst, k, out, pos);
      return;
    }
    default: {
      const size_t w = value_width_;
      if (avail / w < k) {
        corrupt(std::string(where) + " holds " + std::to_string(avail / w) + " PLAIN values, " + std::to_string(k) +
                " expected");
      }
      const uint8_t* src = c.p;
      c.p += k * w;
      convert_fixed(src, k, out, pos);
      return;
    }
  }
}

void LeafReader::convert_fixed(const uint8_t* src, size_t k, Column& out, size_t pos) {
  switch (leaf_.conversion) {
    case Conversion::kNone:
      if (leaf_.physical == PhysicalType::kFixedLenByteArray) {
        std::string_view* dst = out.mutable_strings() + pos;
        const size_t w = value_width_;
        for (size_t i = 0; i < k; ++i) dst[i] = std::string_view(reinterpret_cast<const char*>(src + i * w), w);
      } else {
        std::memcpy(out.mutable_data<uint8_t>() + pos * value_width_, src, k * value_width_);
      }
      return;
    case Conversion::kInt32ToInt8: {
      int8_t* dst = out.mutable_data<int8_t>() + pos;
      for (size_t i = 0; i < k; ++i) dst[i] = static_cast<int8_t>(static_cast<int32_t>(load_u32(src + 4 * i)));
      return;
    }
    case Conversion::kInt32ToInt16: {
      int16_t* dst = out.mutable_data<int16_t>() + pos;
      for (size_t i = 0; i < k; ++i) dst[i] = static_cast<int16_t>(static_cast<int32_t>(load_u32(src + 4 * i)));
      return;
    }
    case Conversion::kUInt32ToInt64: {
      int64_t* dst = out.mutable_data<int64_t>() + pos;
      for (size_t i = 0; i < k; ++i) dst[i] = static_cast<int64_t>(load_u32(src + 4 * i));
      return;
    }
    case Conversion::kInt32ToDecimal: {
      int128* dst = out.mutable_data<int128>() + pos;
      for (size_t i = 0; i < k; ++i) dst[i] = static_cast<int32_t>(load_u32(src + 4 * i));
      return;
    }
    case Conversion::kInt64ToDecimal:
    case Conversion::kUInt64ToDecimal: {
      int128* dst = out.mutable_data<int128>() + pos;
      const bool is_unsigned = leaf_.conversion == Conversion::kUInt64ToDecimal;
      for (size_t i = 0; i < k; ++i) {
        int64_t v;
        std::memcpy(&v, src + 8 * i, 8);
        dst[i] = is_unsigned ? static_cast<int128>(static_cast<uint64_t>(v)) : static_cast<int128>(v);
      }
      return;
    }
    case Conversion::kMillisToMicros:
    case Conversion::kNanosToMicros: {
      int64_t* dst = out.mutable_data<int64_t>() + pos;
      const bool millis = leaf_.conversion == Conversion::kMillisToMicros;
      for (size_t i = 0; i < k; ++i) {
        int64_t v;
        std::memcpy(&v, src + 8 * i, 8);
        dst[i] = millis ? millis_to_micros(v) : nanos_to_micros(v);
      }
      return;
    }
    case Conversion::kInt96ToMicros: {
      int64_t* dst = out.mutable_data<int64_t>() + pos;
      for (size_t i = 0; i < k; ++i) dst[i] = int96_to_micros(src + 12 * i);
      return;
    }
    case Conversion::kBytesToDecimal: {
      int128* dst = out.mutable_data<int128>() + pos;
      const size_t w = value_width_;
      for (size_t i = 0; i < k; ++i) {
        if (!be_bytes_to_int128(src + i * w, w, &dst[i])) corrupt("a DECIMAL value does not fit 38 digits");
      }
      return;
    }
    case Conversion::kFloat16ToFloat: {
      float* dst = out.mutable_data<float>() + pos;
      for (size_t i = 0; i < k; ++i) {
        uint16_t hv;
        std::memcpy(&hv, src + 2 * i, 2);
        dst[i] = half_to_float(hv);
      }
      return;
    }
    case Conversion::kNull:
      return;
  }
}

void LeafReader::convert_views(const std::string_view* src, size_t k, Column& out, size_t pos) {
  if (leaf_.conversion == Conversion::kBytesToDecimal) {
    int128* dst = out.mutable_data<int128>() + pos;
    for (size_t i = 0; i < k; ++i) {
      if (!be_bytes_to_int128(reinterpret_cast<const uint8_t*>(src[i].data()), src[i].size(), &dst[i])) {
        corrupt("a DECIMAL value of " + std::to_string(src[i].size()) + " bytes does not fit 38 digits");
      }
    }
    return;
  }
  if (leaf_.conversion == Conversion::kNone && leaf_.type.is_string_like()) {
    std::memcpy(out.mutable_strings() + pos, src, k * sizeof(std::string_view));
    return;
  }
  if (leaf_.conversion == Conversion::kFloat16ToFloat) {
    float* dst = out.mutable_data<float>() + pos;
    for (size_t i = 0; i < k; ++i) {
      uint16_t hv;
      std::memcpy(&hv, src[i].data(), 2);
      dst[i] = half_to_float(hv);
    }
    return;
  }
  corrupt("byte-array values cannot be converted to " + leaf_.type.to_string());
}

void LeafReader::decode_values(Column& out, size_t k) {
  if (k == 0) return;
  const size_t pos = out.size();
  out.resize(pos + k);
  switch (encoding_) {
    case Encoding::kPlain:
      decode_plain(plain_, k, out, pos, "the data page");
      if (leaf_.type.is_string_like()) out.keep_alive(page_);
      return;
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      indices_.resize(k);
      const size_t got = rle_.get_batch(indices_.data(), k);
      if (got != k)
        corrupt("dictionary indices end after " + std::to_string(got) + " of " + std::to_string(k) + " values");
      uint32_t mx = 0;
      for (size_t i = 0; i < k; ++i) mx = std::max(mx, indices_[i]);
      if (mx >= dict_->size()) {
        corrupt("dictionary index " + std::to_string(mx) + " is out of range (the dictionary has " +
                std::to_string(dict_->size()) + " values)");
      }
      switch (leaf_.type.value_width()) {
        case 1:
          gather(dict_->data<uint8_t>(), indices_.data(), out.mutable_data<uint8_t>() + pos, k);
          break;
        case 2:
          gather(dict_->data<uint16_t>(), indices_.data(), out.mutable_data<uint16_t>() + pos, k);
          break;
        case 4:
          gather(dict_->data<uint32_t>(), indices_.data(), out.mutable_data<uint32_t>() + pos, k);
          break;
        case 8:
          gather(dict_->data<uint64_t>(), indices_.data(), out.mutable_data<uint64_t>() + pos, k);
          break;
        case 16:
          gather(dict_->data<int128>(), indices_.data(), out.mutable_data<int128>() + pos, k);
          break;
        default:
          BULLION_ASSERT(false, "unexpected value width");
      }
      if (leaf_.type.is_string_like()) out.keep_alive(dict_page_);
      return;
    }
    case Encoding::kRle: {
      const size_t got = rle_.get_batch(out.mutable_data<uint8_t>() + pos, k);
      if (got != k) corrupt("RLE booleans end after " + std::to_string(got) + " of " + std::to_string(k) + " values");
      return;
    }
    case Encoding::kDeltaBinaryPacked: {
      i64_scratch_.resize(k);
      const size_t got = dbp_.get(i64_scratch_.data(), k);
      if (got != k) {
        corrupt("DELTA_BINARY_PACKED values end after " + std::to_string(got) + " of " + std::to_string(k));
      }
      if (leaf_.physical == PhysicalType::kInt32) {
        bytes_scratch_.resize(k * 4);
        int32_t* s = bytes_scratch_.as<int32_t>();
        for (size_t i = 0; i < k; ++i) s[i] = static_cast<int32_t>(static_cast<uint32_t>(i64_scratch_[i]));
        convert_fixed(bytes_scratch_.data(), k, out, pos);
      } else {
        convert_fixed(reinterpret_cast<const uint8_t*>(i64_scratch_.data()), k, out, pos);
      }
      return;
    }
    case Encoding::kDeltaLengthByteArray:
    case Encoding::kDeltaByteArray: {
      if (page_views_.size() - page_views_pos_ < k) corrupt("the page holds fewer byte arrays than its levels need");
      const std::string_view* src = page_views_.data() + page_views_pos_;
      page_views_pos_ += k;
      convert_views(src, k, out, pos);
      if (leaf_.type.is_string_like()) {
        if (delta_storage_) {
          out.keep_alive(delta_storage_);
        } else {
          out.keep_alive(page_);
        }
      }
      return;
    }
    case Encoding::kByteStreamSplit: {
      if (bss_count_ - bss_pos_ < k) corrupt("BYTE_STREAM_SPLIT data ends early");
      const size_t w = value_width_;
      uint8_t* dst;
      if (leaf_.physical == PhysicalType::kFixedLenByteArray && leaf_.conversion == Conversion::kNone) {
        dst = reinterpret_cast<uint8_t*>(out.arena().allocate(k * w));
      } else {
        bytes_scratch_.resize(k * w);
        dst = bytes_scratch_.data();
      }
      for (size_t b = 0; b < w; ++b) {
        const uint8_t* stream = bss_data_ + b * bss_count_ + bss_pos_;
        for (size_t i = 0; i < k; ++i) dst[i * w + b] = stream[i];
      }
      bss_pos_ += k;
      convert_fixed(dst, k, out, pos);
      return;
    }
    default:
      BULLION_ASSERT(false, "value encoding not set up");
  }
}

void LeafReader::read_rows(size_t rows, LeafData* out) {
  out->def.clear();
  out->rep.clear();
  out->num_entries = 0;
  out->values = Column::make(leaf_.type);
  if (leaf_.max_rep == 0) out->values->reserve(rows);
  const bool skip_values = leaf_.conversion == Conversion::kNull;
  size_t rows_started = 0;
  while (true) {
    if (page_pos_ == page_entries_) {
      if (leaf_.max_rep == 0 && rows_started == rows) break;
      if (!next_data_page()) break;
    }
    size_t seg_end;
    if (leaf_.max_rep == 0) {
      if (rows_started == rows) break;
      const size_t take = std::min(rows - rows_started, page_entries_ - page_pos_);
      seg_end = page_pos_ + take;
      rows_started += take;
    } else {
      const int16_t* r = page_rep_.data();
      size_t i = page_pos_;
      for (; i < page_entries_; ++i) {
        if (r[i] == 0) {
          if (rows_started == rows) break;
          ++rows_started;
        }
      }
      seg_end = i;
      if (seg_end == page_pos_) break;
    }
    const size_t n = seg_end - page_pos_;
    size_t non_null = n;
    if (leaf_.max_def > 0) {
      const int16_t* d = page_def_.data() + page_pos_;
      out->def.insert(out->def.end(), d, d + n);
      non_null = 0;
      const int16_t mx = leaf_.max_def;
      for (size_t i = 0; i < n; ++i) non_null += d[i] == mx;
    }
    if (leaf_.max_rep > 0) {
      const int16_t* r = page_rep_.data() + page_pos_;
      out->rep.insert(out->rep.end(), r, r + n);
    }
    if (!skip_values) decode_values(*out->values, non_null);
    out->num_entries += n;
    page_pos_ = seg_end;
    if (leaf_.max_rep > 0 && seg_end < page_entries_) break;
  }
  if (rows_started < rows) {
    corrupt("the column chunk ends after " + std::to_string(rows_started) + " of the row group's rows (" +
            std::to_string(rows) + " more were expected in this batch)");
  }
}

}  // namespace bullion::parquet
