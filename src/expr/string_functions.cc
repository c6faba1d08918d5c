// String functions with Spark's semantics: characters are counted by UTF-8
// lead bytes as UTF8String does, trim removes the space character only,
// upper/lower use full Unicode case mapping (ICU, root locale; ß → SS).
#include "expr/string_functions.h"

#include <unicode/ucasemap.h>
#include <unicode/utypes.h>

#include <cstring>
#include <limits>

#include "bullion/core/error.h"
#include "expr/function_registry.h"

namespace bullion::expr {

// UTF8String.numBytesForFirstByte.
size_t spark_char_bytes(unsigned char b) {
  if (b < 0x80) return 1;
  if (b < 0xC2) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  if (b < 0xF5) return 4;
  return 1;
}

int32_t spark_num_chars(std::string_view s) {
  int32_t n = 0;
  for (size_t i = 0; i < s.size(); i += spark_char_bytes(static_cast<unsigned char>(s[i]))) ++n;
  return n;
}

std::string_view spark_substring_chars(std::string_view s, int32_t start, int32_t until) {
  if (until <= start || static_cast<size_t>(std::max(start, 0)) >= s.size()) return {};
  size_t i = 0;
  int32_t c = 0;
  while (i < s.size() && c < start) {
    i += spark_char_bytes(static_cast<unsigned char>(s[i]));
    ++c;
  }
  const size_t j = std::min(i, s.size());
  while (i < s.size() && c < until) {
    i += spark_char_bytes(static_cast<unsigned char>(s[i]));
    ++c;
  }
  i = std::min(i, s.size());
  return i > j ? s.substr(j, i - j) : std::string_view();
}

std::string_view spark_substring_sql(std::string_view s, int32_t pos, int32_t length) {
  int64_t start = 0;
  if (pos > 0)
    start = pos - 1;
  else if (pos < 0)
    start = static_cast<int64_t>(spark_num_chars(s)) + pos;
  int64_t end = start + length;
  end = std::clamp<int64_t>(end, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  start = std::max<int64_t>(start, 0);
  if (start >= end) return {};
  return spark_substring_chars(s, static_cast<int32_t>(start), static_cast<int32_t>(end));
}

namespace {

// One step of UTF-8 decoding at s[i]: the bytes of the well-formed character
// there (valid = true), or of the maximal ill-formed subpart (valid = false),
// which Java's decoder replaces with one U+FFFD.
size_t utf8_step(std::string_view s, size_t i, bool& valid) {
  auto cont = [&](size_t k, unsigned char lo, unsigned char hi) {
    if (k >= s.size()) return false;
    const auto b = static_cast<unsigned char>(s[k]);
    return b >= lo && b <= hi;
  };
  const auto b = static_cast<unsigned char>(s[i]);
  valid = false;
  if (b < 0x80) {
    valid = true;
    return 1;
  }
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  if (!cont(i + 1, lo, hi)) return 1;
  for (size_t k = 2; k < need; ++k)
    if (!cont(i + k, 0x80, 0xBF)) return k;
  valid = true;
  return need;
}

bool valid_utf8(std::string_view s) {
  bool valid = true;
  for (size_t i = 0; i < s.size() && valid;) i += utf8_step(s, i, valid);
  return valid;
}

// Replaces ill-formed UTF-8 with U+FFFD per maximal subpart, as Java's
// decoder does before Spark maps case on a java.lang.String.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    bool valid;
    const size_t len = utf8_step(s, i, valid);
    if (valid)
      out.append(s.substr(i, len));
    else
      out += "\xEF\xBF\xBD";
    i += len;
  }
  return out;
}

class CaseMapper {
 public:
  CaseMapper() {
    UErrorCode status = U_ZERO_ERROR;
    map_ = ucasemap_open("", U_FOLD_CASE_DEFAULT, &status);
    if (U_FAILURE(status)) throw Error::internal(std::string("ICU ucasemap_open failed: ") + u_errorName(status));
  }
  ~CaseMapper() { ucasemap_close(map_); }
  CaseMapper(const CaseMapper&) = delete;
  CaseMapper& operator=(const CaseMapper&) = delete;

  // Full case mapping of valid UTF-8 into `out`.
  void map(std::string_view s, bool upper, std::string& out) {
    out.resize(s.size() * 3 + 16);
    for (int attempt = 0; attempt < 2; ++attempt) {
      UErrorCode status = U_ZERO_ERROR;
      const int32_t n = upper ? ucasemap_utf8ToUpper(map_, out.data(), static_cast<int32_t>(out.size()), s.data(),
                                                     static_cast<int32_t>(s.size()), &status)
                              : ucasemap_utf8ToLower(map_, out.data(), static_cast<int32_t>(out.size()), s.data(),
                                                     static_cast<int32_t>(s.size()), &status);
      if (status == U_BUFFER_OVERFLOW_ERROR) {
        out.resize(static_cast<size_t>(n));
        continue;
      }
      if (U_FAILURE(status)) throw Error::internal(std::string("ICU case mapping failed: ") + u_errorName(status));
      out.resize(static_cast<size_t>(n));
      return;
    }
    throw Error::internal("ICU case mapping did not converge");
  }

  static CaseMapper& for_thread() {
    thread_local CaseMapper mapper;
    return mapper;
  }

 private:
  UCaseMap* map_ = nullptr;
};

// For each ASCII byte of w that is a lower-case letter (kUpper) or an
// upper-case letter (!kUpper), its 0x80 bit; other bytes 0. (w >> 2 of the
// result is the case bit 0x20 to flip.) SWAR: no carries cross bytes because
// the high bits are cleared before adding.
template <bool kUpper>
inline uint64_t ascii_case_mask(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kFirst = kUpper ? 'a' : 'A';
  const uint64_t low7 = w & (0x7F * kOnes);
  const uint64_t at_least_first = low7 + (0x80 - kFirst) * kOnes;    // high bit: byte >= first
  const uint64_t past_last = low7 + (0x80 - (kFirst + 26)) * kOnes;  // high bit: byte > last
  return at_least_first & ~past_last & ~w & (0x80 * kOnes);
}

template <bool kUpper>
void case_kernel_impl(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  std::string_view* o = out.mutable_strings();
  StringArena& arena = out.arena();
  bool shares_input = false;
  std::string mapped;
  const bool nulls = a.has_nulls();
  for (size_t i = 0; i < n; ++i) {
    if (nulls && a.is_null(i)) {
      o[i] = {};
      continue;
    }
    const std::string_view s = a.string(i);
    if (s.empty()) {
      o[i] = s;
      continue;
    }
    // ASCII in one branch-free pass, eight bytes at a time, written
    // optimistically into the arena; given back if the string turns out to
    // be non-ASCII or unchanged.
    char* p = arena.allocate(s.size());
    uint64_t high = 0, changed = 0;
    size_t k = 0;
    for (; k + 8 <= s.size(); k += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + k, 8);
      const uint64_t flip = ascii_case_mask<kUpper>(w);
      high |= w;
      changed |= flip;
      w ^= flip >> 2;
      std::memcpy(p + k, &w, 8);
    }
    // The tail byte by byte (a variable-length memcpy is a library call).
    for (; k < s.size(); ++k) {
      const uint64_t c = static_cast<unsigned char>(s[k]);
      const uint64_t flip = ascii_case_mask<kUpper>(c);
      high |= c;
      changed |= flip;
      p[k] = static_cast<char>(c ^ (flip >> 2));
    }
    high &= 0x8080808080808080ull;
    if (!high) {
      if (changed) {
        o[i] = {p, s.size()};
      } else {
        arena.shrink_last(s.size());
        o[i] = s;  // already in the target case: share the input bytes
        shares_input = true;
      }
      continue;
    }
    arena.shrink_last(s.size());
    if (valid_utf8(s)) {
      CaseMapper::for_thread().map(s, kUpper, mapped);
    } else {
      CaseMapper::for_thread().map(sanitize_utf8(s), kUpper, mapped);
    }
    o[i] = arena.add(mapped);
  }
  if (shares_input) out.share_owners_of(*a.column);
  propagate_nulls(in, out);
}

template <bool kLeft, bool kRight>
void trim_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  std::string_view* o = out.mutable_strings();
  for (size_t i = 0; i < n; ++i) {
    std::string_view s = a.string(i);
    size_t b = 0, e = s.size();
    if (kLeft)
      while (b < e && s[b] == ' ') ++b;
    if (kRight)
      while (e > b && s[e - 1] == ' ') --e;
    o[i] = s.substr(b, e - b);
  }
  out.share_owners_of(*a.column);
  propagate_nulls(in, out);
}

void length_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  int32_t* o = out.mutable_data<int32_t>();
  const bool bytes = a.type().id() == TypeId::kBinary;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view s = a.string(i);
    o[i] = bytes ? static_cast<int32_t>(s.size()) : spark_num_chars(s);
  }
  propagate_nulls(in, out);
}

void substring_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& s = in[0];
  const Datum& pos = in[1];
  const int32_t* p = pos.data<int32_t>();
  const int32_t* len = in.num_args > 2 ? in[2].data<int32_t>() : nullptr;
  out.resize(n);
  std::string_view* o = out.mutable_strings();
  for (size_t i = 0; i < n; ++i) {
    const int32_t l = len ? len[in[2].index(i)] : std::numeric_limits<int32_t>::max();
    o[i] = spark_substring_sql(s.string(i), p[pos.index(i)], l);
  }
  out.share_owners_of(*s.column);
  propagate_nulls(in, out);
}

void concat_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  std::string_view* o = out.mutable_strings();
  if (in.num_args == 0) return;
  propagate_nulls(in, out);
  const uint8_t* v = out.validity();
  StringArena& arena = out.arena();
  for (size_t i = 0; i < n; ++i) {
    if (v && !v[i]) {
      o[i] = {};
      continue;
    }
    size_t total = 0;
    for (size_t a = 0; a < in.num_args; ++a) total += in[a].string(i).size();
    if (total == 0) {
      o[i] = {};
      continue;
    }
    char* p = arena.allocate(total);
    size_t at = 0;
    for (size_t a = 0; a < in.num_args; ++a) {
      const std::string_view part = in[a].string(i);
      if (part.empty()) continue;  // an empty view may have no data pointer
      std::memcpy(p + at, part.data(), part.size());
      at += part.size();
    }
    o[i] = {p, total};
  }
}

// --- resolvers -------------------------------------------------------------------

void resolve_string_unary(ResolveContext& ctx, KernelFn fn) {
  ctx.coerce(0, DataType::string());
  ctx.set_result(DataType::string(), fn);
}

void resolve_upper(ResolveContext& ctx) { resolve_string_unary(ctx, case_kernel_impl<true>); }
void resolve_lower(ResolveContext& ctx) { resolve_string_unary(ctx, case_kernel_impl<false>); }
void resolve_trim(ResolveContext& ctx) { resolve_string_unary(ctx, trim_kernel<true, true>); }
void resolve_ltrim(ResolveContext& ctx) { resolve_string_unary(ctx, trim_kernel<true, false>); }
void resolve_rtrim(ResolveContext& ctx) { resolve_string_unary(ctx, trim_kernel<false, true>); }

void resolve_length(ResolveContext& ctx) {
  if (ctx.type(0).id() != TypeId::kBinary) ctx.coerce(0, DataType::string());
  ctx.set_result(DataType::int32(), length_kernel);
}

void resolve_substring(ResolveContext& ctx) {
  ctx.coerce(0, DataType::string());
  for (size_t i = 1; i < ctx.size(); ++i) ctx.coerce(i, DataType::int32());
  ctx.set_result(DataType::string(), substring_kernel);
}

void resolve_concat(ResolveContext& ctx) {
  for (size_t i = 0; i < ctx.size(); ++i) ctx.coerce(i, DataType::string());
  ctx.set_result(DataType::string(), concat_kernel);
}

}  // namespace

void register_string_functions(std::vector<ScalarFunction>& out) {
  const char* upper_doc = "upper case with full Unicode mapping (ß → SS)";
  const char* lower_doc = "lower case with full Unicode mapping";
  out.push_back({"upper", 1, 1, "upper(STRING) → STRING", upper_doc, resolve_upper});
  out.push_back({"ucase", 1, 1, "ucase(STRING) → STRING", upper_doc, resolve_upper});
  out.push_back({"lower", 1, 1, "lower(STRING) → STRING", lower_doc, resolve_lower});
  out.push_back({"lcase", 1, 1, "lcase(STRING) → STRING", lower_doc, resolve_lower});
  out.push_back(
      {"trim", 1, 1, "trim(STRING) → STRING", "removes leading and trailing spaces (0x20 only)", resolve_trim});
  out.push_back({"ltrim", 1, 1, "ltrim(STRING) → STRING", "removes leading spaces (0x20 only)", resolve_ltrim});
  out.push_back({"rtrim", 1, 1, "rtrim(STRING) → STRING", "removes trailing spaces (0x20 only)", resolve_rtrim});
  const char* length_doc = "number of characters (bytes for BINARY)";
  out.push_back({"length", 1, 1, "length(STRING | BINARY) → INT", length_doc, resolve_length});
  out.push_back({"char_length", 1, 1, "char_length(STRING | BINARY) → INT", length_doc, resolve_length});
  out.push_back({"character_length", 1, 1, "character_length(STRING | BINARY) → INT", length_doc, resolve_length});
  const char* substring_doc = "characters from pos (1-based; negative counts from the end) for len characters";
  out.push_back(
      {"substring", 2, 3, "substring(STRING, pos INT[, len INT]) → STRING", substring_doc, resolve_substring});
  out.push_back({"substr", 2, 3, "substr(STRING, pos INT[, len INT]) → STRING", substring_doc, resolve_substring});
  out.push_back(
      {"concat", 0, -1, "concat(STRING, ...) → STRING", "joins the strings; NULL if any is NULL", resolve_concat});
}

}  // namespace bullion::expr
